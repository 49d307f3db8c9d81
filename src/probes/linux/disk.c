/* SPDX-License-Identifier: Apache-2.0 */
/* disk.*: are / and /home on an encrypted (dm-crypt/LUKS) block device? The mount table gives
 * each file system's device; sysfs tells whether that device, or every device under it (LVM,
 * RAID), is a dm-crypt mapping. /etc/crypttab is recorded as what is configured. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "probes/linux/common.h"
#include "probes/linux/disk.h"
#include "probes/linux/probes.h"

#define DISK_MAX_DEPTH 8

/* ---- pure parsers ---- */

/* Copies a whitespace-free field, decoding the kernel's \ooo escapes. */
static void unescape(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < outlen; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			out[o++] = (char)((s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 |
					  (s[i + 3] - '0'));
			i += 3;
			continue;
		}
		out[o++] = s[i];
	}
	out[o] = '\0';
}

struct mi_state {
	mountinfo_fn fn;
	void *ud;
};

static int next_tok(const char **s, const char *end, const char **t, size_t *tl)
{
	while (*s < end && (**s == ' ' || **s == '\t'))
		(*s)++;
	*t = *s;
	while (*s < end && **s != ' ' && **s != '\t')
		(*s)++;
	*tl = (size_t)(*s - *t);
	return *tl ? 0 : -1;
}

static int parse_devno(const char *s, size_t n, unsigned *maj, unsigned *min)
{
	const char *colon = memchr(s, ':', n);
	long long a, b;
	const char *err;
	if (colon == NULL || strn_to_ll(s, (size_t)(colon - s), 0, 0xfffff, &a, &err) ||
	    strn_to_ll(colon + 1, n - (size_t)(colon - s) - 1, 0, 0xfffff, &b, &err))
		return -1;
	*maj = (unsigned)a;
	*min = (unsigned)b;
	return 0;
}

static int mi_line(const char *s, size_t len, int lineno, void *ud)
{
	struct mi_state *st = ud;
	const char *end = s + len, *t;
	size_t tl;
	struct mount_entry m;
	memset(&m, 0, sizeof(m));
	m.line = lineno;
	if (next_tok(&s, end, &t, &tl) != 0)
		return 0; /* blank line */
	/* mount id, parent id */
	if (next_tok(&s, end, &t, &tl))
		return MAMORI_EPARSE;
	if (next_tok(&s, end, &t, &tl) || parse_devno(t, tl, &m.major, &m.minor))
		return MAMORI_EPARSE;
	if (next_tok(&s, end, &t, &tl)) /* root within the file system */
		return MAMORI_EPARSE;
	if (next_tok(&s, end, &t, &tl))
		return MAMORI_EPARSE;
	unescape(t, tl, m.mountpoint, sizeof(m.mountpoint));
	if (next_tok(&s, end, &t, &tl)) /* mount options */
		return MAMORI_EPARSE;
	for (;;) { /* optional fields up to "-" */
		if (next_tok(&s, end, &t, &tl))
			return MAMORI_EPARSE;
		if (tl == 1 && t[0] == '-')
			break;
	}
	if (next_tok(&s, end, &t, &tl))
		return MAMORI_EPARSE;
	unescape(t, tl, m.fstype, sizeof(m.fstype));
	if (next_tok(&s, end, &t, &tl))
		return MAMORI_EPARSE;
	unescape(t, tl, m.source, sizeof(m.source));
	return st->fn(&m, st->ud);
}

int mountinfo_parse(const char *buf, size_t len, mountinfo_fn fn, void *ud, int *bad_line)
{
	struct mi_state st = {fn, ud};
	int r = for_each_line(buf, len, 16384, mi_line, &st, bad_line);
	return r == MAMORI_ETOOBIG ? MAMORI_EPARSE : r;
}

struct ct_state {
	crypttab_fn fn;
	void *ud;
};

static int ct_line(const char *s, size_t len, int lineno, void *ud)
{
	struct ct_state *st = ud;
	const char *end = s + len, *t;
	size_t tl;
	if (next_tok(&s, end, &t, &tl) != 0 || t[0] == '#')
		return 0;
	char name[256], dev[1024];
	if (tl >= sizeof(name))
		return MAMORI_EPARSE;
	snprintf(name, sizeof(name), "%.*s", (int)tl, t);
	if (next_tok(&s, end, &t, &tl) != 0 || tl >= sizeof(dev))
		return MAMORI_EPARSE;
	snprintf(dev, sizeof(dev), "%.*s", (int)tl, t);
	return st->fn(name, dev, lineno, st->ud);
}

int crypttab_parse(const char *buf, size_t len, crypttab_fn fn, void *ud, int *bad_line)
{
	struct ct_state st = {fn, ud};
	int r = for_each_line(buf, len, 4096, ct_line, &st, bad_line);
	return r == MAMORI_ETOOBIG ? MAMORI_EPARSE : r;
}

const char *dm_uuid_crypt_type(const char *uuid, char *type, size_t typelen)
{
	/* cryptsetup names its mappings "CRYPT-<TYPE>-<uuid>-<name>". VERITY and INTEGRITY
	 * protect integrity only; SUBDEV is the integrity layer under a LUKS2 device. */
	static const char *const crypt_types[] = {"LUKS1",  "LUKS2", "LUKS",	"PLAIN", "LOOPAES",
						  "TCRYPT", "BITLK", "FVAULT2", NULL};
	if (strncmp(uuid, "CRYPT-", 6) != 0)
		return NULL;
	const char *t = uuid + 6;
	size_t n = strcspn(t, "-");
	for (size_t i = 0; crypt_types[i]; i++) {
		if (strlen(crypt_types[i]) == n && memcmp(t, crypt_types[i], n) == 0) {
			snprintf(type, typelen, "%s", crypt_types[i]);
			return type;
		}
	}
	return NULL;
}

/* ---- sysfs walk ---- */

static int read_line(struct probe_ctx *ctx, const char *path, char *out, size_t outlen)
{
	char *buf, why[256];
	size_t len;
	int r = rootfs_read(ctx, path, 4096, &buf, &len, why, sizeof(why));
	if (r)
		return r;
	snprintf(out, outlen, "%.*s", (int)strcspn(buf, "\n"), buf);
	free(buf);
	return 0;
}

/* 1: the device at path (a /sys/dev/block/M:m directory, or a slaves/ entry under one) is
 * dm-crypt, or every device below it is; 0: some path to the disk is not encrypted;
 * negative: cannot tell (why says so). how describes the decision. */
static int dm_walk(struct probe_ctx *ctx, const char *path, int depth, char *how, size_t howlen,
		   char *why, size_t whylen)
{
	if (depth > DISK_MAX_DEPTH) {
		snprintf(why, whylen, "%s: devices stacked deeper than %d levels", path,
			 DISK_MAX_DEPTH);
		return MAMORI_ETOOBIG;
	}
	char p[4096], uuid[512], type[32];
	if ((size_t)snprintf(p, sizeof(p), "%s/dm/uuid", path) >= sizeof(p)) {
		snprintf(why, whylen, "device path too long");
		return MAMORI_ETOOBIG;
	}
	int r = read_line(ctx, p, uuid, sizeof(uuid));
	if (r == 0 && dm_uuid_crypt_type(uuid, type, sizeof(type))) {
		char name[256] = "";
		snprintf(p, sizeof(p), "%s/dm/name", path);
		if (read_line(ctx, p, name, sizeof(name)))
			name[0] = '\0';
		snprintf(how, howlen, "dm-crypt %s device%s%s", type, name[0] ? " " : "", name);
		return 1;
	}
	if (r && r != MAMORI_ENOENT) {
		if (snprintf(why, whylen, "cannot read %s", p) >= (int)whylen)
			why[whylen - 1] = '\0'; /* a cut message still names the device */
		return r;
	}
	snprintf(p, sizeof(p), "%s/slaves", path);
	char **names;
	size_t n;
	r = rootfs_list(ctx, p, NULL, &names, &n);
	if (r) {
		if (snprintf(why, whylen, "cannot list %s", p) >= (int)whylen)
			why[whylen - 1] = '\0';
		return r;
	}
	if (n == 0) {
		snprintf(how, howlen, "%s is a plain block device, not dm-crypt", path);
		rootfs_names_free(names);
		return 0;
	}
	int result = 1;
	for (size_t i = 0; i < n && result == 1; i++) {
		if ((size_t)snprintf(p, sizeof(p), "%s/slaves/%s", path, names[i]) >= sizeof(p)) {
			snprintf(why, whylen, "device path too long");
			result = MAMORI_ETOOBIG;
			break;
		}
		result = dm_walk(ctx, p, depth + 1, how, howlen, why, whylen);
		if (result == 0)
			snprintf(how, howlen, "%s sits on %s, which is not encrypted", path,
				 names[i]);
	}
	rootfs_names_free(names);
	return result;
}

/* ---- the probe ---- */

struct mounts {
	struct mount_entry root, home;
	bool have_root, have_home;
};

static int mi_collect(const struct mount_entry *m, void *ud)
{
	struct mounts *ms = ud;
	/* A later line over-mounts an earlier one at the same place. */
	if (strcmp(m->mountpoint, "/") == 0) {
		ms->root = *m;
		ms->have_root = true;
	} else if (strcmp(m->mountpoint, "/home") == 0) {
		ms->home = *m;
		ms->have_home = true;
	}
	return 0;
}

struct crypttab {
	json_t *list;
};

static int ct_collect(const char *name, const char *device, int line, void *ud)
{
	struct crypttab *c = ud;
	json_t *o = json_pack("{s:s, s:s, s:i}", "name", name, "device", device, "line", line);
	if (o == NULL || json_array_append_new(c->list, o))
		return MAMORI_ENOMEM;
	return json_array_size(c->list) > 256 ? MAMORI_ETOOBIG : 0;
}

/* Records disk.crypttab_entries; *count receives the number (-1 when unknown). */
static int crypttab_fact(struct probe_ctx *ctx, int *count)
{
	const char *path = "/etc/crypttab";
	char *buf, why[512];
	size_t len;
	*count = -1;
	int r = rootfs_read(ctx, path, ROOTFS_MAX_FILE, &buf, &len, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r == MAMORI_ENOENT) {
		*count = 0;
		json_t *empty = json_array();
		if (empty == NULL)
			return MAMORI_ENOMEM;
		return facts_put(ctx->facts, "disk.crypttab_entries", empty, path, 0,
				 "no /etc/crypttab: no encrypted device is set up at boot");
	}
	if (r)
		return facts_put_unknown(ctx->facts, "disk.crypttab_entries", path, 0, "%s", why);
	struct crypttab c = {json_array()};
	if (c.list == NULL) {
		free(buf);
		return MAMORI_ENOMEM;
	}
	int bad = 0;
	r = crypttab_parse(buf, len, ct_collect, &c, &bad);
	free(buf);
	if (r == MAMORI_ENOMEM) {
		json_decref(c.list);
		return r;
	}
	if (r) {
		json_decref(c.list);
		return facts_put_unknown(ctx->facts, "disk.crypttab_entries", path, bad,
					 "%s:%d: malformed line (expected: name device [keyfile "
					 "[options]])",
					 path, bad);
	}
	*count = (int)json_array_size(c.list);
	return facts_put(ctx->facts, "disk.crypttab_entries", c.list, path, 0,
			 "configured at boot (not proof that they are in use)");
}

/* Finds the sysfs directory of a /dev path without its device node: /dev/mapper/NAME by the
 * dm/name of /sys/block/dm-*, anything else by its name under /sys/class/block. */
static int sysfs_by_name(struct probe_ctx *ctx, const char *dev, char *out, size_t outlen)
{
	const char *base = strrchr(dev, '/') + 1;
	if (*base == '\0' || strlen(base) > 255)
		return MAMORI_ENOENT;
	if (strncmp(dev, "/dev/mapper/", 12) != 0) {
		snprintf(out, outlen, "/sys/class/block/%s", base);
		return rootfs_exists(ctx, out) ? 0 : MAMORI_ENOENT;
	}
	char **names;
	size_t n;
	if (rootfs_list(ctx, "/sys/block", "dm-*", &names, &n))
		return MAMORI_ENOENT;
	int r = MAMORI_ENOENT;
	for (size_t i = 0; i < n && r; i++) {
		char path[512], name[256];
		snprintf(path, sizeof(path), "/sys/block/%.64s/dm/name", names[i]);
		if (read_line(ctx, path, name, sizeof(name)) == 0 && strcmp(name, base) == 0) {
			snprintf(out, outlen, "/sys/block/%.64s", names[i]);
			r = 0;
		}
	}
	rootfs_names_free(names);
	return r;
}

/* Decides one mount's encryption; records fact (disk.root_encrypted / disk.home_encrypted). */
static int mount_fact(struct probe_ctx *ctx, const char *fact, const struct mount_entry *m,
		      const char *prefix)
{
	struct facts *f = ctx->facts;
	char src[600];
	unsigned maj = m->major, min = m->minor;
	snprintf(src, sizeof(src), "/sys/dev/block/%u:%u", maj, min);
	if (maj == 0) {
		/* Not a block device number: btrfs shows an anonymous one, the real device is
		 * the mount source. overlay/tmpfs/9p have no disk we can see from here. */
		struct stat st;
		if (m->source[0] == '/' && rootfs_stat(ctx, m->source, &st) == 0 &&
		    S_ISBLK(st.st_mode)) {
			snprintf(src, sizeof(src), "/sys/dev/block/%u:%u", major(st.st_rdev),
				 minor(st.st_rdev));
		} else if (strncmp(m->source, "/dev/", 5) == 0 &&
			   sysfs_by_name(ctx, m->source, src, sizeof(src)) == 0) {
			/* found through sysfs names (no device node under the root) */
		} else if (strcmp(m->fstype, "zfs") == 0) {
			return facts_put_unknown(f, fact, "/proc/self/mountinfo", m->line,
						 "%s is on ZFS (%s): ZFS native encryption is not "
						 "inspected",
						 m->mountpoint, m->source);
		} else {
			return facts_put_unknown(
			    f, fact, "/proc/self/mountinfo", m->line,
			    "%s is a %s file system with no block device (a "
			    "container?): the disk under it cannot be seen from "
			    "here",
			    m->mountpoint, m->fstype);
		}
	}
	if (!rootfs_exists(ctx, src))
		return facts_put_unknown(f, fact, src, 0,
					 "no %s under %s: cannot see the device "
					 "of %s",
					 src, ctx->root, m->mountpoint);
	char how[512] = "", why[512] = "", note[1024];
	int r = dm_walk(ctx, src, 0, how, sizeof(how), why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r < 0)
		return facts_put_unknown(f, fact, src, 0, "%s", why);
	snprintf(note, sizeof(note), "%s%.200s (%.32s on %.200s): %.300s", prefix, m->mountpoint,
		 m->fstype, m->source, how);
	return facts_put_bool(f, fact, r == 1, src, 0, note);
}

int probe_disk_collect(struct probe_ctx *ctx)
{
	struct facts *f = ctx->facts;
	int ncrypt;
	int r = crypttab_fact(ctx, &ncrypt);
	if (r)
		return r;
	const char *mi = "/proc/self/mountinfo";
	char *buf, why[512];
	size_t len;
	r = rootfs_read(ctx, mi, 16u << 20, &buf, &len, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	static const char *const facts_all[] = {"disk.root_device", "disk.root_encrypted",
						"disk.home_encrypted"};
	if (r) {
		char ct[128] = "";
		if (ncrypt > 0)
			snprintf(ct, sizeof(ct),
				 "; /etc/crypttab sets up %d encrypted device(s) "
				 "(configured, not verified)",
				 ncrypt);
		for (size_t i = 0; i < 3; i++) {
			int rr = r == MAMORI_ENOENT
				     ? facts_put_unknown(f, facts_all[i], mi, 0,
							 "no %s under %s (not a running "
							 "system)%s",
							 mi, ctx->root, ct)
				     : facts_put_unknown(f, facts_all[i], mi, 0, "%s%s", why, ct);
			if (rr)
				return rr;
		}
		return 0;
	}
	struct mounts ms;
	memset(&ms, 0, sizeof(ms));
	int bad = 0;
	r = mountinfo_parse(buf, len, mi_collect, &ms, &bad);
	free(buf);
	if (r == 0 && !ms.have_root) {
		r = MAMORI_ENOENT;
		bad = 0;
	}
	if (r) {
		for (size_t i = 0; i < 3; i++) {
			int rr = r == MAMORI_ENOENT
				     ? facts_put_unknown(f, facts_all[i], mi, 0,
							 "%s has no mount for /", mi)
				     : facts_put_unknown(f, facts_all[i], mi, bad,
							 "%s:%d: malformed line (expected the "
							 "kernel's mountinfo fields)",
							 mi, bad);
			if (rr)
				return rr;
		}
		return 0;
	}
	char dev[1200];
	snprintf(dev, sizeof(dev), "%s (%u:%u, %s)", ms.root.source, ms.root.major, ms.root.minor,
		 ms.root.fstype);
	for (char *c = dev; *c; c++) /* keep the fact valid UTF-8 whatever the source holds */
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	if ((r = facts_put_str(f, "disk.root_device", dev, mi, ms.root.line, NULL)))
		return r;
	if ((r = mount_fact(ctx, "disk.root_encrypted", &ms.root, "")))
		return r;
	if (ms.have_home)
		return mount_fact(ctx, "disk.home_encrypted", &ms.home, "");
	return mount_fact(ctx, "disk.home_encrypted", &ms.root,
			  "/home is not a separate mount, it is part of ");
}
