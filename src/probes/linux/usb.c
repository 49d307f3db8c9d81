/* SPDX-License-Identifier: Apache-2.0 */
/* usb.*: can a USB stick be mounted? The usb-storage driver blocked in kmod's configuration
 * (modprobe.d, the kernel command line), whether it is loaded right now, and USBGuard. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/probes.h"
#include "probes/linux/usb.h"

#define MODPROBE_MAX_LINE 8192
#define USB_MAX_CONF_FILES 1024

/* ---- modprobe.d ---- */

struct mp_state {
	modprobe_fn fn;
	void *ud;
	char line[MODPROBE_MAX_LINE];
	size_t len;
	int start; /* first line of a continued line */
	bool cont; /* the previous line ended with a backslash */
	char *why;
	size_t whylen;
};

/* Sets why (printf-style, checked) and evaluates to MAMORI_EPARSE. */
#define MP_FAIL(st, ...) (snprintf((st)->why, (st)->whylen, __VA_ARGS__), MAMORI_EPARSE)

static int mp_command(struct mp_state *st)
{
	static const struct {
		const char *name;
		enum modprobe_cmd cmd;
		bool needs_rest;
	} cmds[] = {
	    {"alias", MODPROBE_ALIAS, true},	      {"options", MODPROBE_OPTIONS, false},
	    {"install", MODPROBE_INSTALL, true},      {"remove", MODPROBE_REMOVE, true},
	    {"blacklist", MODPROBE_BLACKLIST, false}, {"softdep", MODPROBE_SOFTDEP, false},
	    {"weakdep", MODPROBE_WEAKDEP, false},
	};
	const char *s = st->line;
	size_t n = st->len;
	str_trim(&s, &n);
	if (n == 0 || s[0] == '#')
		return 0;
	size_t cl = 0;
	while (cl < n && !c_isspace((unsigned char)s[cl]))
		cl++;
	char cmd[32];
	snprintf(cmd, sizeof(cmd), "%.*s", (int)(cl < 31 ? cl : 31), s);
	size_t i;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strlen(cmds[i].name) == cl && memcmp(cmds[i].name, s, cl) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0]))
		return MP_FAIL(st, "unknown command \"%s\"", cmd);
	const char *m = s + cl;
	size_t ml = n - cl;
	str_trim(&m, &ml);
	size_t mlen = 0;
	while (mlen < ml && !c_isspace((unsigned char)m[mlen]))
		mlen++;
	if (mlen == 0)
		return MP_FAIL(st, "\"%s\" without a module name", cmd);
	if (mlen >= 256)
		return MP_FAIL(st, "\"%s\": module name longer than 255 bytes", cmd);
	char module[256];
	for (size_t k = 0; k < mlen; k++)
		module[k] = m[k] == '-' ? '_' : m[k];
	module[mlen] = '\0';
	const char *rest = m + mlen;
	size_t rl = ml - mlen;
	str_trim(&rest, &rl);
	if (rl == 0 && cmds[i].needs_rest)
		return MP_FAIL(st, "\"%s\" without a command or target", cmd);
	char restbuf[MODPROBE_MAX_LINE];
	snprintf(restbuf, sizeof(restbuf), "%.*s", (int)rl, rest);
	return st->fn(cmds[i].cmd, module, restbuf, st->start, st->ud);
}

static int mp_line(const char *s, size_t len, int lineno, void *ud)
{
	struct mp_state *st = ud;
	if (!st->cont) {
		st->len = 0;
		st->start = lineno;
	}
	bool cont = len > 0 && s[len - 1] == '\\';
	if (cont)
		len--;
	if (st->len + len + 2 > sizeof(st->line))
		return MP_FAIL(st, "%s", "line longer than 8192 bytes");
	memcpy(st->line + st->len, s, len);
	st->len += len;
	st->line[st->len] = '\0';
	st->cont = cont;
	if (cont) {
		st->line[st->len++] = ' ';
		st->line[st->len] = '\0';
		return 0;
	}
	return mp_command(st);
}

int modprobe_parse(const char *buf, size_t len, modprobe_fn fn, void *ud, int *bad_line, char *why,
		   size_t whylen)
{
	struct mp_state *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return MAMORI_ENOMEM;
	st->fn = fn;
	st->ud = ud;
	st->why = why;
	st->whylen = whylen;
	why[0] = '\0';
	int bad = 0;
	int r = for_each_line(buf, len, MODPROBE_MAX_LINE, mp_line, st, &bad);
	if (r == 0 && st->cont)
		r = mp_command(st); /* a backslash on the last line */
	if (r == MAMORI_ETOOBIG) {
		snprintf(why, whylen, "line longer than %d bytes", MODPROBE_MAX_LINE);
		*bad_line = bad;
		r = MAMORI_EPARSE;
	} else if (r == MAMORI_EPARSE) {
		*bad_line = st->start; /* the first line of the command */
	}
	free(st);
	return r;
}

bool modprobe_install_blocks(const char *cmd)
{
	static const char *const blockers[] = {
	    "true",	     "false",	       "/bin/true", "/bin/false",
	    "/usr/bin/true", "/usr/bin/false", "exit",	    NULL};
	size_t n = strcspn(cmd, " \t;");
	for (size_t i = 0; blockers[i]; i++)
		if (strlen(blockers[i]) == n && memcmp(cmd, blockers[i], n) == 0)
			return cmd[n] == '\0' || cmd[n] == ' ' || cmd[n] == '\t';
	return false;
}

/* ---- /proc/modules ---- */

struct pm_state {
	const char *module;
	int found;
};

static int pm_line(const char *s, size_t len, int lineno, void *ud)
{
	struct pm_state *st = ud;
	if (len == 0)
		return 0;
	size_t n = 0;
	while (n < len && s[n] != ' ')
		n++;
	if (n == 0 || n == len)
		return MAMORI_EPARSE; /* "name size refcount deps state address" */
	if (strlen(st->module) == n && memcmp(s, st->module, n) == 0) {
		st->found = lineno;
		return 1;
	}
	return 0;
}

int proc_modules_find(const char *buf, size_t len, const char *module, int *line)
{
	struct pm_state st = {.module = module};
	int bad = 0;
	int r = for_each_line(buf, len, 4096, pm_line, &st, &bad);
	if (r == 1) {
		*line = st.found;
		return 1;
	}
	if (r) {
		*line = bad;
		return MAMORI_EPARSE;
	}
	return 0;
}

/* ---- the effective kmod configuration ---- */

struct mod_block {
	bool install, blacklist;
	char install_cmd[128]; /* the first install command for the module (kmod uses the first) */
	char file[512];	       /* where install (or else blacklist) was decided */
	int line;
	bool install_seen;
	bool loads; /* the install command is a plain "modprobe --ignore-install" */
};

struct usb_conf {
	struct mod_block storage, uas;
	const char *file;
};

static void mod_apply(struct mod_block *b, enum modprobe_cmd cmd, const char *rest,
		      const char *file, int line)
{
	if (cmd == MODPROBE_INSTALL && !b->install_seen) {
		b->install_seen = true;
		b->install = modprobe_install_blocks(rest);
		/* "modprobe --ignore-install X" (or -i) loads the module after all. */
		b->loads = strstr(rest, "modprobe") &&
			   (strstr(rest, "--ignore-install") || strstr(rest, " -i "));
		snprintf(b->install_cmd, sizeof(b->install_cmd), "%s", rest);
		snprintf(b->file, sizeof(b->file), "%s", file);
		b->line = line;
	} else if (cmd == MODPROBE_BLACKLIST && !b->blacklist) {
		b->blacklist = true;
		if (!b->install_seen) {
			snprintf(b->file, sizeof(b->file), "%s", file);
			b->line = line;
		}
	}
}

static int usb_conf_cmd(enum modprobe_cmd cmd, const char *module, const char *rest, int line,
			void *ud)
{
	struct usb_conf *c = ud;
	/* kmod matches install commands as shell wildcards, blacklist by exact name. */
	bool install = cmd == MODPROBE_INSTALL;
	if (install ? fnmatch(module, "usb_storage", 0) == 0 : strcmp(module, "usb_storage") == 0)
		mod_apply(&c->storage, cmd, rest, c->file, line);
	if (install ? fnmatch(module, "uas", 0) == 0 : strcmp(module, "uas") == 0)
		mod_apply(&c->uas, cmd, rest, c->file, line);
	return 0;
}

static const char *const modprobe_dirs[] = {"/etc/modprobe.d", "/run/modprobe.d",
					    "/usr/local/lib/modprobe.d", "/usr/lib/modprobe.d",
					    "/lib/modprobe.d"};
#define N_MODPROBE_DIRS (sizeof(modprobe_dirs) / sizeof(modprobe_dirs[0]))

struct conf_file {
	char *name;
	size_t dir;
};

static int cmp_conf(const void *a, const void *b)
{
	const struct conf_file *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	return r ? r : (x->dir > y->dir) - (x->dir < y->dir);
}

/* Reads every effective *.conf: kmod sorts all files by name, and a name in an earlier
 * directory hides the same name in later ones (a link to /dev/null hides it altogether).
 * Returns 0, ENOMEM, or WHY_SET when why names the file (and *bad_line) that could not be
 * used. */
#define USB_WHY_SET 1
static int usb_read_modprobe(struct probe_ctx *ctx, struct usb_conf *c, int *nfiles, char *why,
			     size_t whylen, char *whyfile, size_t wflen, int *bad_line)
{
	struct conf_file *files = NULL;
	size_t nf = 0;
	int r = 0;
	for (size_t d = 0; d < N_MODPROBE_DIRS && r == 0; d++) {
		char **names;
		size_t n;
		r = rootfs_list(ctx, modprobe_dirs[d], "*.conf", &names, &n);
		if (r == MAMORI_ENOMEM)
			break;
		if (r) {
			snprintf(why, whylen, "cannot list %s", modprobe_dirs[d]);
			snprintf(whyfile, wflen, "%s", modprobe_dirs[d]);
			r = USB_WHY_SET;
			break;
		}
		for (size_t i = 0; i < n && r == 0; i++) {
			if (nf >= USB_MAX_CONF_FILES) {
				snprintf(why, whylen, "more than %d modprobe.d files",
					 USB_MAX_CONF_FILES);
				snprintf(whyfile, wflen, "%s", modprobe_dirs[d]);
				r = USB_WHY_SET;
				break;
			}
			struct conf_file *v = realloc(files, (nf + 1) * sizeof(*v));
			if (v == NULL) {
				r = MAMORI_ENOMEM;
				break;
			}
			files = v;
			files[nf].name = names[i];
			files[nf].dir = d;
			names[i] = xstrdup(""); /* ownership moved; keep the array freeable */
			nf++;
			if (names[i] == NULL)
				r = MAMORI_ENOMEM;
		}
		rootfs_names_free(names);
	}
	if (r == 0 && nf)
		qsort(files, nf, sizeof(*files), cmp_conf);
	for (size_t i = 0; i < nf && r == 0; i++) {
		if (i > 0 && strcmp(files[i].name, files[i - 1].name) == 0)
			continue; /* hidden by the same name in an earlier directory */
		char path[512], target[64];
		snprintf(path, sizeof(path), "%s/%.255s", modprobe_dirs[files[i].dir],
			 files[i].name);
		if (rootfs_readlink(ctx, path, target, sizeof(target)) > 0 &&
		    strcmp(target, "/dev/null") == 0)
			continue;
		char *buf;
		size_t len;
		r = rootfs_read(ctx, path, ROOTFS_MAX_FILE, &buf, &len, why, whylen);
		if (r == MAMORI_ENOENT) {
			r = 0;
			continue;
		}
		if (r && r != MAMORI_ENOMEM) {
			snprintf(whyfile, wflen, "%s", path);
			r = USB_WHY_SET;
			break;
		}
		if (r)
			break;
		(*nfiles)++;
		c->file = path;
		int bad = 0;
		char pwhy[256];
		r = modprobe_parse(buf, len, usb_conf_cmd, c, &bad, pwhy, sizeof(pwhy));
		free(buf);
		if (r == MAMORI_EPARSE) {
			if (snprintf(why, whylen, "%s:%d: %s", path, bad, pwhy) >= (int)whylen)
				why[whylen - 1] = '\0';
			snprintf(whyfile, wflen, "%s", path);
			*bad_line = bad;
			r = USB_WHY_SET;
		}
	}
	for (size_t i = 0; i < nf; i++)
		free(files[i].name);
	free(files);
	return r;
}

/* kmod also honours modprobe.blacklist= on the kernel command line; module_blacklist= makes
 * the kernel itself refuse the module. Returns 2 (module_blacklist), 1 (modprobe.blacklist)
 * or 0 for module (underscored). */
static int cmdline_blocks(const char *cmdline, const char *module)
{
	int best = 0;
	const char *s = cmdline;
	while (*s) {
		s += strspn(s, " \t\n");
		size_t n = strcspn(s, " \t\n");
		int kind = 0;
		size_t plen = 0;
		if (n > 17 && strncmp(s, "module_blacklist=", 17) == 0) {
			kind = 2;
			plen = 17;
		} else if (n > 19 && strncmp(s, "modprobe.blacklist=", 19) == 0) {
			kind = 1;
			plen = 19;
		}
		for (size_t i = plen; kind && i < n;) {
			size_t l = 0;
			while (i + l < n && s[i + l] != ',')
				l++;
			bool match = l == strlen(module);
			for (size_t k = 0; match && k < l; k++) {
				char ch = s[i + k] == '-' ? '_' : s[i + k];
				match = ch == module[k];
			}
			if (match && kind > best)
				best = kind;
			i += l + 1;
		}
		s += n;
	}
	return best;
}

/* Is usb-storage built into the running kernel (then modprobe.d cannot block it)? */
static bool storage_builtin(struct probe_ctx *ctx, char *src, size_t srclen)
{
	char *rel, why[256];
	size_t len;
	if (rootfs_read(ctx, "/proc/sys/kernel/osrelease", 256, &rel, &len, why, sizeof(why)))
		return false;
	rel[strcspn(rel, "\n")] = '\0';
	char path[512];
	int n = snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", rel);
	free(rel);
	if (n < 0 || (size_t)n >= sizeof(path) || strchr(path + 13, '/') == NULL)
		return false;
	char *buf;
	if (rootfs_read(ctx, path, 16u << 20, &buf, &len, why, sizeof(why)))
		return false;
	bool found = strstr(buf, "/usb-storage.ko\n") != NULL;
	free(buf);
	if (found)
		snprintf(src, srclen, "%s", path);
	return found;
}

struct usbguard_conf {
	char target[32];
	int target_line;
	char rule_file[512];
	char rule_folder[512];
};

static int usbguard_kv(const char *key, const char *value, int line, void *ud)
{
	struct usbguard_conf *g = ud;
	if (strcmp(key, "ImplicitPolicyTarget") == 0) {
		snprintf(g->target, sizeof(g->target), "%s", value);
		g->target_line = line;
	} else if (strcmp(key, "RuleFile") == 0) {
		snprintf(g->rule_file, sizeof(g->rule_file), "%s", value);
	} else if (strcmp(key, "RuleFolder") == 0) {
		snprintf(g->rule_folder, sizeof(g->rule_folder), "%s", value);
	}
	return 0;
}

/* A rule that allows every mass-storage interface (class 08) regardless of the device's
 * identity undoes the point of blocking. Rules naming an id, serial or hash are the
 * "approved sticks only" policy the guidance asks for. */
static int generic_storage_allow(const char *buf, size_t len)
{
	const char *s = buf, *end = buf + len;
	int lineno = 0;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t l = nl ? (size_t)(nl - s) : (size_t)(end - s);
		lineno++;
		char line[1024];
		snprintf(line, sizeof(line), "%.*s", (int)(l < 1023 ? l : 1023), s);
		const char *t = line + strspn(line, " \t");
		if (strncmp(t, "allow", 5) == 0 && strstr(t, "08:") && !strstr(t, " id ") &&
		    !strstr(t, "serial ") && !strstr(t, "hash "))
			return lineno;
		s += l + 1;
	}
	return 0;
}

static int usbguard_fact(struct probe_ctx *ctx, bool *active)
{
	*active = false;
	char why[512], where_[4096];
	const char *conf = "/etc/usbguard/usbguard-daemon.conf";
	int inst = pkg_installed(ctx, "usbguard", NULL, why, sizeof(why));
	int en = unit_enabled(ctx, "usbguard.service", where_, sizeof(where_));
	if (en < 0)
		return en;
	if (inst == 0 || en == 0)
		return facts_put_bool(ctx->facts, "usb.usbguard_active", false, NULL, 0,
				      inst == 0 ? "usbguard is not installed"
						: "usbguard.service is not enabled");
	char *buf;
	size_t len;
	int r = rootfs_read(ctx, conf, ROOTFS_MAX_FILE, &buf, &len, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r == MAMORI_ENOENT)
		return facts_put_bool(ctx->facts, "usb.usbguard_active", false, conf, 0,
				      "usbguard.service is enabled but has no configuration");
	if (r)
		return facts_put_unknown(ctx->facts, "usb.usbguard_active", conf, 0, "%s", why);
	struct usbguard_conf g;
	memset(&g, 0, sizeof(g));
	int bad = 0;
	r = kv_parse(buf, len, usbguard_kv, &g, &bad);
	free(buf);
	if (r)
		return facts_put_unknown(ctx->facts, "usb.usbguard_active", conf, bad,
					 "%s:%d: malformed line (expected Name=value)", conf, bad);
	if (strcmp(g.target, "block") != 0 && strcmp(g.target, "reject") != 0)
		return facts_put_bool(ctx->facts, "usb.usbguard_active", false, conf, g.target_line,
				      g.target[0] ? "ImplicitPolicyTarget lets unknown devices in"
						  : "no ImplicitPolicyTarget=block line");
	if (g.rule_file[0] == '\0' && g.rule_folder[0] == '\0')
		return facts_put_bool(ctx->facts, "usb.usbguard_active", false, conf, 0,
				      "no RuleFile or RuleFolder: USBGuard has no policy");
	if (g.rule_file[0]) {
		r = rootfs_read(ctx, g.rule_file, ROOTFS_MAX_FILE, &buf, &len, why, sizeof(why));
		if (r == MAMORI_ENOMEM)
			return r;
		if (r == MAMORI_ENOENT && g.rule_folder[0] == '\0')
			return facts_put_bool(ctx->facts, "usb.usbguard_active", false, g.rule_file,
					      0, "the RuleFile does not exist");
		if (r && r != MAMORI_ENOENT)
			return facts_put_unknown(ctx->facts, "usb.usbguard_active", g.rule_file, 0,
						 "%s", why);
		if (r == 0) {
			int gl = generic_storage_allow(buf, len);
			free(buf);
			if (gl)
				return facts_put_bool(
				    ctx->facts, "usb.usbguard_active", false, g.rule_file, gl,
				    "a rule allows every USB mass-storage device");
		}
	}
	*active = true;
	return facts_put_bool(ctx->facts, "usb.usbguard_active", true, conf, g.target_line,
			      "usbguard enabled, unknown devices blocked by ImplicitPolicyTarget");
}

static int put_block(struct probe_ctx *ctx, const char *fact, const struct mod_block *b,
		     int cmdline, bool *blocked)
{
	char note[256];
	*blocked = false;
	if (cmdline == 2) {
		*blocked = true;
		return facts_put_bool(ctx->facts, fact, true, "/proc/cmdline", 1,
				      "module_blacklist= on the kernel command line");
	}
	if (b->install) {
		snprintf(note, sizeof(note), "install %s (every load runs it instead)",
			 b->install_cmd);
		*blocked = true;
		return facts_put_bool(ctx->facts, fact, true, b->file, b->line, note);
	}
	if (b->install_seen && !b->blacklist && !b->loads) {
		snprintf(note, sizeof(note),
			 "install command \"%s\" is not one mamori recognises "
			 "as blocking (true, false, exit)",
			 b->install_cmd);
		return facts_put_unknown(ctx->facts, fact, b->file, b->line, "%s:%d: %s", b->file,
					 b->line, note);
	}
	if (b->blacklist || cmdline == 1) {
		*blocked = true;
		return facts_put_bool(ctx->facts, fact, true,
				      b->blacklist ? b->file : "/proc/cmdline",
				      b->blacklist ? b->line : 1,
				      "blacklisted: not loaded automatically when a device is "
				      "plugged in (an explicit modprobe still loads it)");
	}
	return facts_put_bool(ctx->facts, fact, false, NULL, 0,
			      "no install or blacklist line in modprobe.d");
}

int probe_usb_collect(struct probe_ctx *ctx)
{
	struct facts *f = ctx->facts;
	int r;
	/* A running kernel without USB support has no /sys/bus/usb; an image has no /sys. */
	bool absent = rootfs_exists(ctx, "/sys/bus") && !rootfs_exists(ctx, "/sys/bus/usb");
	r = facts_put_bool(f, "usb.bus_absent", absent, absent ? "/sys/bus" : NULL, 0,
			   absent ? "the running kernel has no USB bus (/sys/bus/usb missing)"
				  : "a USB bus exists, or cannot be ruled out (no /sys/bus)");
	if (r)
		return r;

	bool guard = false;
	if ((r = usbguard_fact(ctx, &guard)))
		return r;

	/* Loaded now? */
	char *buf = NULL, why[512], whyfile[4096];
	size_t len;
	int rr = rootfs_read(ctx, "/proc/modules", 4u << 20, &buf, &len, why, sizeof(why));
	if (rr == MAMORI_ENOMEM)
		return rr;
	char builtin_src[600];
	bool builtin = storage_builtin(ctx, builtin_src, sizeof(builtin_src));
	if (builtin) {
		free(buf);
		r = facts_put_bool(f, "usb.storage_loaded", true, builtin_src, 0,
				   "usb-storage is built into the running kernel");
	} else if (rr) {
		r = facts_put_unknown(f, "usb.storage_loaded", "/proc/modules", 0, "%s", why);
	} else {
		int line = 0;
		int found = proc_modules_find(buf, len, "usb_storage", &line);
		free(buf);
		if (found < 0)
			r = facts_put_unknown(f, "usb.storage_loaded", "/proc/modules", line,
					      "/proc/modules:%d: malformed line", line);
		else
			r = facts_put_bool(
			    f, "usb.storage_loaded", found == 1, "/proc/modules", line,
			    found ? "usb_storage is loaded now" : "usb_storage is not loaded");
	}
	if (r)
		return r;

	/* The configuration. */
	struct usb_conf c;
	memset(&c, 0, sizeof(c));
	int nfiles = 0, bad = 0;
	r = usb_read_modprobe(ctx, &c, &nfiles, why, sizeof(why), whyfile, sizeof(whyfile), &bad);
	if (r == MAMORI_ENOMEM)
		return r;
	if (r == USB_WHY_SET) {
		static const char *const names[] = {"usb.storage_blocked",
						    "usb.storage_block_method", "usb.uas_blocked"};
		for (size_t i = 0; i < 3; i++)
			if ((r = facts_put_unknown(f, names[i], whyfile, bad, "%s", why)))
				return r;
		return 0;
	}
	char *cmdline = NULL;
	size_t cl;
	if (rootfs_read(ctx, "/proc/cmdline", 65536, &cmdline, &cl, why, sizeof(why)))
		cmdline = NULL;
	int cmd_storage = cmdline ? cmdline_blocks(cmdline, "usb_storage") : 0;
	int cmd_uas = cmdline ? cmdline_blocks(cmdline, "uas") : 0;
	free(cmdline);

	bool uas_blocked = false, st_mod = false;
	/* Loading uas pulls in usb-storage, so an install block on usb-storage stops uas too. */
	if ((r = put_block(ctx, "usb.uas_blocked", &c.uas, cmd_uas, &uas_blocked)))
		return r;
	if (!uas_blocked && (c.storage.install || cmd_storage == 2))
		uas_blocked = true;
	const struct fact *uf = facts_get(f, "usb.uas_blocked");
	bool uas_unknown = uf && uf->value == NULL;

	struct mod_block sb = c.storage;
	const char *method = "none";
	char note[512];
	if (builtin) {
		st_mod = false;
		snprintf(note, sizeof(note),
			 "usb-storage is built into the kernel: modprobe.d "
			 "cannot block it");
		method = "none";
	} else if (cmd_storage == 2) {
		st_mod = true;
		method = "module_blacklist";
		snprintf(note, sizeof(note), "module_blacklist= on the kernel command line");
	} else if (sb.install) {
		st_mod = true;
		method = "install";
		snprintf(note, sizeof(note), "install usb-storage %s: every load is refused",
			 sb.install_cmd);
	} else if (sb.install_seen && !sb.blacklist && !sb.loads) {
		char reason[1024];
		snprintf(reason, sizeof(reason),
			 "%s:%d: install command \"%s\" is not one mamori "
			 "recognises as blocking (true, false, exit)",
			 sb.file, sb.line, sb.install_cmd);
		if ((r = facts_put_unknown(f, "usb.storage_blocked", sb.file, sb.line, "%s",
					   reason)) ||
		    (r = facts_put_unknown(f, "usb.storage_block_method", sb.file, sb.line, "%s",
					   reason)))
			return r;
		return 0;
	} else if (sb.blacklist || cmd_storage == 1) {
		if (uas_unknown) {
			r = facts_put_unknown(f, "usb.storage_blocked", uf->source, uf->line,
					      "usb-storage is blacklisted but uas: %s", uf->reason);
			return r ? r
				 : facts_put_str(f, "usb.storage_block_method", "blacklist",
						 sb.file, sb.line, NULL);
		}
		st_mod = uas_blocked;
		method = "blacklist";
		snprintf(note, sizeof(note), "%s%s",
			 "usb-storage blacklisted (no automatic load when a stick is plugged in)",
			 uas_blocked ? "; uas blocked too"
				     : "; but uas is not blocked, so a UAS stick or disk still "
				       "loads it");
	} else if (sb.loads) {
		snprintf(note, sizeof(note), "install usb-storage %.300s: loads the module anyway",
			 sb.install_cmd);
	} else {
		snprintf(note, sizeof(note),
			 "no install or blacklist line for usb-storage in %d "
			 "modprobe.d file(s)",
			 nfiles);
	}
	bool blocked = st_mod || guard;
	if (!st_mod && guard) {
		method = "usbguard";
		snprintf(note, sizeof(note), "USBGuard blocks devices that no rule allows");
	}
	const char *src = sb.file[0] ? sb.file : NULL;
	int line = sb.file[0] ? sb.line : 0;
	if (strcmp(method, "module_blacklist") == 0) {
		src = "/proc/cmdline";
		line = 1;
	} else if (strcmp(method, "usbguard") == 0) {
		src = "/etc/usbguard/usbguard-daemon.conf";
		line = 0;
	} else if (builtin) {
		src = builtin_src;
		line = 0;
	}
	if ((r = facts_put_bool(f, "usb.storage_blocked", blocked, src, line, note)))
		return r;
	return facts_put_str(f, "usb.storage_block_method", method, src, line, NULL);
}
