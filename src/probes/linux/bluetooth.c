/* SPDX-License-Identifier: Apache-2.0 */
/* bt.*: is there a Bluetooth adapter, is its radio on, is anything paired with it, and can
 * strangers find it? From sysfs (adapters, rfkill), systemd and BlueZ's state directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/bluetooth.h"
#include "probes/linux/common.h"
#include "probes/linux/probes.h"

#define BT_MAX_FILE (256u << 10)

struct bt_info_state {
	bool paired;
};

static int bt_info_key(const char *section, const char *key, const char *value, int line, void *ud)
{
	struct bt_info_state *st = ud;
	(void)key;
	(void)value;
	(void)line;
	if (strcmp(section, "LinkKey") == 0 || strcmp(section, "LongTermKey") == 0 ||
	    strcmp(section, "PeripheralLongTermKey") == 0 ||
	    strcmp(section, "SlaveLongTermKey") == 0)
		st->paired = true;
	return 0;
}

int bt_info_paired(const char *buf, size_t len, bool *paired, int *bad_line)
{
	struct bt_info_state st = {false};
	int r = ini_parse(buf, len, bt_info_key, &st, bad_line);
	if (r)
		return MAMORI_EPARSE;
	*paired = st.paired;
	return 0;
}

struct bt_settings_state {
	bool discoverable;
	int line;
};

static int bt_settings_key(const char *section, const char *key, const char *value, int line,
			   void *ud)
{
	struct bt_settings_state *st = ud;
	if (strcmp(section, "General") != 0 || strcmp(key, "Discoverable") != 0)
		return 0;
	if (strcmp(value, "true") == 0)
		st->discoverable = true;
	else if (strcmp(value, "false") == 0)
		st->discoverable = false;
	else
		return MAMORI_EPARSE;
	st->line = line;
	return 0;
}

int bt_settings_discoverable(const char *buf, size_t len, bool *discoverable, int *line,
			     int *bad_line)
{
	struct bt_settings_state st = {false, 0};
	int bad = 0;
	int r = ini_parse(buf, len, bt_settings_key, &st, &bad);
	if (r) {
		*bad_line = bad;
		return MAMORI_EPARSE;
	}
	*discoverable = st.discoverable;
	*line = st.line;
	return 0;
}

/* "XX:XX:XX:XX:XX:XX", as BlueZ names adapter and device directories. */
static bool is_mac(const char *s)
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		int c = c_tolower((unsigned char)s[i]);
		if (i % 3 == 2 ? c != ':' : !(c_isdigit(c) || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

static int read_small(struct probe_ctx *ctx, const char *path, char *out, size_t outlen, char *why,
		      size_t whylen)
{
	char *buf;
	size_t len;
	int r = rootfs_read(ctx, path, 4096, &buf, &len, why, whylen);
	if (r)
		return r;
	const char *s = buf;
	size_t l = strcspn(buf, "\n");
	str_trim(&s, &l);
	snprintf(out, outlen, "%.*s", (int)l, s);
	free(buf);
	return 0;
}

/* 1: some Bluetooth rfkill switch is unblocked (or none exists), 0: all blocked, <0 error. */
static int rfkill_unblocked(struct probe_ctx *ctx, char *src, size_t srclen, char *why,
			    size_t whylen)
{
	char **names;
	size_t n;
	int r = rootfs_list(ctx, "/sys/class/rfkill", "rfkill*", &names, &n);
	if (r) {
		snprintf(why, whylen, "cannot list /sys/class/rfkill");
		return r;
	}
	int found = 0, unblocked = 0;
	for (size_t i = 0; i < n; i++) {
		char path[512], type[64], soft[16], hard[16];
		snprintf(path, sizeof(path), "/sys/class/rfkill/%.64s/type", names[i]);
		if (read_small(ctx, path, type, sizeof(type), why, whylen) ||
		    strcmp(type, "bluetooth") != 0)
			continue;
		found++;
		snprintf(path, sizeof(path), "/sys/class/rfkill/%.64s/soft", names[i]);
		r = read_small(ctx, path, soft, sizeof(soft), why, whylen);
		if (r == 0) {
			snprintf(path, sizeof(path), "/sys/class/rfkill/%.64s/hard", names[i]);
			r = read_small(ctx, path, hard, sizeof(hard), why, whylen);
		}
		if (r) {
			rootfs_names_free(names);
			return r;
		}
		snprintf(src, srclen, "/sys/class/rfkill/%.64s", names[i]);
		if (strcmp(soft, "0") == 0 && strcmp(hard, "0") == 0) {
			unblocked = 1;
			break;
		}
	}
	rootfs_names_free(names);
	if (!found) {
		snprintf(src, srclen, "/sys/class/rfkill");
		return 1; /* no kill switch for the adapter: nothing blocks it */
	}
	return unblocked;
}

static int bt_powered(struct probe_ctx *ctx, bool adapter)
{
	struct facts *f = ctx->facts;
	if (!adapter)
		return facts_put_bool(f, "bt.powered", false, "/sys/class/bluetooth", 0,
				      "no Bluetooth adapter");
	char src[600], why[512], note[512];
	int rf = rfkill_unblocked(ctx, src, sizeof(src), why, sizeof(why));
	if (rf == MAMORI_ENOMEM)
		return rf;
	if (rf < 0)
		return facts_put_unknown(f, "bt.powered", "/sys/class/rfkill", 0, "%s", why);
	if (rf == 0)
		return facts_put_bool(f, "bt.powered", false, src, 0,
				      "radio blocked by rfkill (soft or hard switch)");
	char where_[4096] = "";
	int en = unit_enabled(ctx, "bluetooth.service", where_, sizeof(where_));
	if (en < 0)
		return en;
	char pwhy[256];
	int run = proc_running(ctx, "bluetoothd", pwhy, sizeof(pwhy));
	if (en == 1 || run == 1) {
		snprintf(note, sizeof(note), "rfkill unblocked and bluetooth.service %s",
			 run == 1 ? "running (bluetoothd)" : "enabled at boot");
		return facts_put_bool(f, "bt.powered", true, en == 1 ? where_ : src, 0, note);
	}
	/* A mounted image has no processes: the boot-time state (enabled or not) decides. */
	if (run < 0 && ctx->live)
		return facts_put_unknown(f, "bt.powered", "/proc", 0,
					 "bluetooth.service is not enabled and %s", pwhy);
	return facts_put_bool(f, "bt.powered", false, src, 0,
			      "rfkill unblocked, but bluetooth.service is neither enabled nor "
			      "running: nothing powers the adapter on");
}

/* Counts paired devices and finds a discoverable adapter across all adapters. */
static int bt_state(struct probe_ctx *ctx)
{
	struct facts *f = ctx->facts;
	const char *base = "/var/lib/bluetooth";
	char **adapters;
	size_t na;
	int r = rootfs_list(ctx, base, NULL, &adapters, &na);
	if (r == MAMORI_ENOMEM)
		return r;
	if (r) {
		if ((r = facts_put_unknown(f, "bt.paired_count", base, 0, "cannot list %s", base)))
			return r;
		return facts_put_unknown(f, "bt.discoverable", base, 0, "cannot list %s", base);
	}
	long long paired = 0;
	bool disc = false;
	char disc_src[512] = "", why[512] = "", bad_src[512] = "";
	int disc_line = 0, bad_line = 0;
	bool paired_bad = false, disc_bad = false;
	for (size_t a = 0; a < na && r == 0; a++) {
		if (!is_mac(adapters[a]))
			continue;
		char path[128];
		char *buf;
		size_t len;
		snprintf(path, sizeof(path), "%s/%.17s/settings", base, adapters[a]);
		int rr = rootfs_read(ctx, path, BT_MAX_FILE, &buf, &len, why, sizeof(why));
		if (rr == MAMORI_ENOMEM) {
			r = rr;
			break;
		}
		if (rr == 0) {
			bool d = false;
			int line = 0, bad = 0;
			rr = bt_settings_discoverable(buf, len, &d, &line, &bad);
			free(buf);
			if (rr && !disc_bad) {
				disc_bad = true;
				snprintf(bad_src, sizeof(bad_src), "%s", path);
				bad_line = bad;
			} else if (d && !disc) {
				disc = true;
				snprintf(disc_src, sizeof(disc_src), "%s", path);
				disc_line = line;
			}
		} else if (rr != MAMORI_ENOENT && !disc_bad) {
			disc_bad = true;
			snprintf(bad_src, sizeof(bad_src), "%s", path);
			bad_line = 0;
		}
		char dir[64];
		snprintf(dir, sizeof(dir), "%s/%.17s", base, adapters[a]);
		char **devs;
		size_t nd;
		if ((r = rootfs_list(ctx, dir, NULL, &devs, &nd)))
			break;
		for (size_t d = 0; d < nd; d++) {
			if (!is_mac(devs[d]))
				continue;
			snprintf(path, sizeof(path), "%s/%.17s/info", dir, devs[d]);
			rr = rootfs_read(ctx, path, BT_MAX_FILE, &buf, &len, why, sizeof(why));
			if (rr == MAMORI_ENOENT)
				continue; /* a device seen but never paired may have no info */
			if (rr == 0) {
				bool p = false;
				int bad = 0;
				rr = bt_info_paired(buf, len, &p, &bad);
				explicit_bzero(buf, len); /* link keys */
				free(buf);
				if (rr == 0) {
					paired += p;
					continue;
				}
				snprintf(why, sizeof(why), "%s:%d: malformed line", path, bad);
			}
			if (!paired_bad) {
				paired_bad = true;
				if ((r = facts_put_unknown(f, "bt.paired_count", path, 0, "%s",
							   why)))
					break;
			}
		}
		rootfs_names_free(devs);
	}
	rootfs_names_free(adapters);
	if (r)
		return r;
	if (!paired_bad) {
		char note[128];
		snprintf(note, sizeof(note), "devices with a link key under %s", base);
		if ((r = facts_put_int(f, "bt.paired_count", paired, base, 0, note)))
			return r;
	}
	if (disc_bad)
		return facts_put_unknown(
		    f, "bt.discoverable", bad_src, bad_line,
		    "%s:%d: cannot read Discoverable (malformed or unreadable)", bad_src, bad_line);
	if (disc)
		return facts_put_bool(f, "bt.discoverable", true, disc_src, disc_line,
				      "Discoverable=true in the adapter's settings");
	return facts_put_bool(f, "bt.discoverable", false, na ? base : NULL, 0,
			      "no adapter settings say Discoverable=true (BlueZ default: off)");
}

int probe_bluetooth_collect(struct probe_ctx *ctx)
{
	struct facts *f = ctx->facts;
	int r;
	bool adapter = false;
	if (!rootfs_exists(ctx, "/sys/class")) {
		r = facts_put_unknown(f, "bt.adapter_present", "/sys/class", 0,
				      "no /sys/class under %s (not a running system): the "
				      "adapters cannot be seen",
				      ctx->root);
		if (r == 0)
			r = facts_put_unknown(f, "bt.powered", "/sys/class", 0,
					      "no /sys/class under %s (not a running system)",
					      ctx->root);
	} else {
		char **names;
		size_t n;
		r = rootfs_list(ctx, "/sys/class/bluetooth", "hci*", &names, &n);
		if (r == MAMORI_ENOMEM)
			return r;
		if (r) {
			r = facts_put_unknown(f, "bt.adapter_present", "/sys/class/bluetooth", 0,
					      "cannot list /sys/class/bluetooth");
			if (r == 0)
				r = facts_put_unknown(f, "bt.powered", "/sys/class/bluetooth", 0,
						      "cannot list /sys/class/bluetooth");
		} else {
			adapter = n > 0;
			char note[128];
			snprintf(note, sizeof(note), "%zu adapter(s)%s%s", n, n ? ": " : "",
				 n ? names[0] : "");
			rootfs_names_free(names);
			r = facts_put_bool(f, "bt.adapter_present", adapter, "/sys/class/bluetooth",
					   0, note);
			if (r == 0)
				r = bt_powered(ctx, adapter);
		}
	}
	if (r)
		return r;
	return bt_state(ctx);
}
