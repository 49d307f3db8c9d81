/* SPDX-License-Identifier: Apache-2.0 */
/* wifi.links: the security of the Wi-Fi link in use now. wpa_supplicant's control interface
 * (STATUS) tells what was negotiated; when it cannot be asked, NetworkManager's runtime device
 * state names the saved profile the interface is using, and that profile's security stands in
 * (it describes the profile, not the link). Only on a live system: docs/probes/wifi.md. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/wifi.h"

#define WPA_STATUS_MAX (64u << 10)
#define WPA_STATUS_LINE 1024
#define NM_STATE_MAX (1u << 20)
#define NM_STATE_LINE 4096
#define LINK_MAX_IFACES 256
#define LINK_DEFAULT_CTRL "/run/wpa_supplicant"

/* ---- STATUS ---- */

static bool item_eq(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(s, word, n) == 0;
}

static int hexval(int c)
{
	if (c_isdigit(c))
		return c - '0';
	c = c_tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Undoes wpa_supplicant's printf_encode (wpa_ssid_txt): \\ \" \e \n \r \t and \xHH. An
 * escape it never writes is kept as it stands. Control bytes become '?'. Returns the decoded
 * length, or -1 when it does not fit in out. */
static int ssid_decode(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '\\' && i + 1 < n) {
			int e = (unsigned char)s[i + 1];
			int h1 = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
			int h2 = i + 3 < n ? hexval((unsigned char)s[i + 3]) : -1;
			if (e == '\\' || e == '"') {
				c = e;
				i++;
			} else if (e == 'n' || e == 'r' || e == 't' || e == 'e') {
				c = '?';
				i++;
			} else if (e == 'x' && h1 >= 0 && h2 >= 0) {
				c = h1 * 16 + h2;
				i += 3;
			}
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out[o] = '\0';
	return (int)o;
}

struct status_state {
	struct wpa_status *st;
	bool seen_state, seen_ssid, seen_bssid, seen_km, seen_pw, seen_gr, seen_mode, seen_idstr,
	    seen_id;
	char *why;
	size_t whylen;
};

#define ST_FAIL(ss, ...) (snprintf((ss)->why, (ss)->whylen, __VA_ARGS__), MAMORI_EPARSE)

/* Copies v into a field once (the first value wins); an over-long value is an error. */
static int st_set(struct status_state *ss, bool *seen, char *dst, size_t dstlen, const char *k,
		  size_t kl, const char *v, size_t vl)
{
	if (*seen)
		return 0;
	*seen = true;
	if (vl >= dstlen)
		return ST_FAIL(ss, "%.*s is longer than %zu characters", (int)kl, k, dstlen - 1);
	memcpy(dst, v, vl);
	dst[vl] = '\0';
	return 0;
}

static int status_line(const char *s, size_t n, int lineno, void *ud)
{
	struct status_state *ss = ud;
	struct wpa_status *st = ss->st;
	if (n && s[n - 1] == '\r')
		n--;
	if (n == 0)
		return 0;
	const char *eq = memchr(s, '=', n);
	if (eq == NULL || eq == s)
		return ST_FAIL(ss, "expected key=value");
	size_t kl = (size_t)(eq - s);
	/* Keys may hold spaces: an 802.1X link adds "Supplicant PAE state=...". */
	for (size_t i = 0; i < kl; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return ST_FAIL(ss, "expected key=value");
	const char *v = eq + 1;
	size_t vl = n - kl - 1;
	if (item_eq(s, kl, "wpa_state")) {
		st->wpa_state_line = ss->seen_state ? st->wpa_state_line : lineno;
		return st_set(ss, &ss->seen_state, st->wpa_state, sizeof(st->wpa_state), s, kl, v,
			      vl);
	}
	if (item_eq(s, kl, "ssid")) {
		if (ss->seen_ssid)
			return 0;
		ss->seen_ssid = true;
		if (ssid_decode(v, vl, st->ssid, sizeof(st->ssid)) < 0)
			return ST_FAIL(ss, "ssid is longer than 32 bytes");
		return 0;
	}
	if (item_eq(s, kl, "bssid"))
		return st_set(ss, &ss->seen_bssid, st->bssid, sizeof(st->bssid), s, kl, v, vl);
	if (item_eq(s, kl, "key_mgmt"))
		return st_set(ss, &ss->seen_km, st->key_mgmt, sizeof(st->key_mgmt), s, kl, v, vl);
	if (item_eq(s, kl, "pairwise_cipher"))
		return st_set(ss, &ss->seen_pw, st->pairwise_cipher, sizeof(st->pairwise_cipher), s,
			      kl, v, vl);
	if (item_eq(s, kl, "group_cipher"))
		return st_set(ss, &ss->seen_gr, st->group_cipher, sizeof(st->group_cipher), s, kl,
			      v, vl);
	if (item_eq(s, kl, "mode"))
		return st_set(ss, &ss->seen_mode, st->mode, sizeof(st->mode), s, kl, v, vl);
	if (item_eq(s, kl, "id_str"))
		return st_set(ss, &ss->seen_idstr, st->id_str, sizeof(st->id_str), s, kl, v, vl);
	if (item_eq(s, kl, "id") && !ss->seen_id) {
		long long id;
		const char *err;
		ss->seen_id = true;
		if (strn_to_ll(v, vl, 0, 1000000, &id, &err))
			return ST_FAIL(ss, "id=%.*s is not a network id", (int)(vl < 32 ? vl : 32),
				       v);
		st->id = (int)id;
	}
	return 0; /* freq, address, ip_address, uuid, p2p_*, sae_group, ... */
}

int wpa_status_parse(const char *buf, size_t len, struct wpa_status *out, int *bad_line, char *why,
		     size_t whylen)
{
	memset(out, 0, sizeof(*out));
	out->id = -1;
	why[0] = '\0';
	*bad_line = 0;
	if (len > WPA_STATUS_MAX) {
		snprintf(why, whylen, "reply larger than %u bytes", WPA_STATUS_MAX);
		return MAMORI_EPARSE;
	}
	if (memchr(buf, '\0', len)) {
		snprintf(why, whylen, "reply contains a NUL byte");
		return MAMORI_EPARSE;
	}
	/* wpa_supplicant's answers to a command it refuses or does not know. */
	if ((len >= 4 && memcmp(buf, "FAIL", 4) == 0) ||
	    (len >= 15 && memcmp(buf, "UNKNOWN COMMAND", 15) == 0)) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;
		snprintf(why, whylen, "wpa_supplicant answered \"%.*s\"", (int)(n < 64 ? n : 64),
			 buf);
		return MAMORI_EPARSE;
	}
	struct status_state ss = {.st = out, .why = why, .whylen = whylen};
	int bad = 0;
	int r = for_each_line(buf, len, WPA_STATUS_LINE, status_line, &ss, &bad);
	if (r == MAMORI_ETOOBIG) {
		snprintf(why, whylen, "line longer than %d bytes", WPA_STATUS_LINE);
		r = MAMORI_EPARSE;
	}
	if (r) {
		*bad_line = bad;
		return r;
	}
	if (!ss.seen_state || out->wpa_state[0] == '\0') {
		snprintf(why, whylen, "no wpa_state line");
		return MAMORI_EPARSE;
	}
	return 0;
}

/* ---- classification ---- */

static bool str_in(const char *s, const char *const *v)
{
	for (; *v; v++)
		if (strcmp(s, *v) == 0)
			return true;
	return false;
}

/* The ciphers of AES: CCMP and GCMP, 128 or 256 bits. */
static const char *const aes_ciphers[] = {"CCMP", "CCMP-256", "GCMP", "GCMP-256", NULL};
static const char *const weak_ciphers[] = {"TKIP", "WEP-40", "WEP-104", "NONE", NULL};

bool wifi_link_classify(const char *km, const char *pw, const char *gr, enum wifi_sec *sec,
			char *note, size_t notelen)
{
	/* wpa_key_mgmt_txt() in wpa_supplicant 2.10 (src/common/wpa_common.c). */
	static const char *const psk[] = {"WPA2-PSK", "WPA2-PSK-SHA256", "FT-PSK", NULL};
	static const char *const sae[] = {"SAE", "SAE-EXT-KEY", "FT-SAE", "FT-SAE-EXT-KEY", NULL};
	static const char *const eap[] = {
	    "WPA2/IEEE 802.1X/EAP", "WPA2-EAP-SHA256", "WPA2-EAP-SHA384", "WPA2-EAP-SUITE-B",
	    "WPA2-EAP-SUITE-B-192", "FT-EAP",	       "FT-EAP-SHA384",	  "FILS-SHA256",
	    "FILS-SHA384",	    "FT-FILS-SHA256",  "FT-FILS-SHA384",  NULL};
	bool wep_cipher = strncmp(pw, "WEP-", 4) == 0 || strncmp(gr, "WEP-", 4) == 0;
	if (strcmp(km, "NONE") == 0) {
		if (wep_cipher) {
			*sec = WIFI_SEC_WEP;
			snprintf(note, notelen, "static WEP (key_mgmt NONE, cipher %s)", pw);
			return true;
		}
		if ((pw[0] == '\0' || strcmp(pw, "NONE") == 0) &&
		    (gr[0] == '\0' || strcmp(gr, "NONE") == 0)) {
			*sec = WIFI_SEC_OPEN;
			snprintf(note, notelen, "no encryption (key_mgmt NONE)");
			return true;
		}
		snprintf(note, notelen, "key_mgmt NONE with cipher %s/%s", pw, gr);
		return false;
	}
	if (strcmp(km, "IEEE 802.1X (no WPA)") == 0) {
		*sec = WIFI_SEC_WEP;
		snprintf(note, notelen, "IEEE 802.1X without WPA: dynamic WEP");
		return true;
	}
	if (strcmp(km, "OWE") == 0 || strcmp(km, "OSEN") == 0) {
		*sec = WIFI_SEC_OWE;
		snprintf(note, notelen, "%s: encrypted, but anyone can join",
			 km[1] == 'W' ? "OWE (Enhanced Open)" : "OSEN (Hotspot 2.0 sign-up)");
		return true;
	}
	if (strcmp(km, "WPA-PSK") == 0 || strcmp(km, "WPA-NONE") == 0 ||
	    strcmp(km, "WPA/IEEE 802.1X/EAP") == 0) {
		*sec = WIFI_SEC_WPA;
		snprintf(note, notelen, "WPA1 (%s, pairwise %s)", km, pw[0] ? pw : "?");
		return true;
	}
	if (strchr(km, '+')) {
		snprintf(note, notelen, "key_mgmt %s names both WPA and WPA2", km);
		return false;
	}
	const char *kind = str_in(km, psk)   ? "WPA2-Personal"
			   : str_in(km, sae) ? "WPA3-Personal (SAE)"
			   : strcmp(km, "DPP") == 0
			       ? "DPP (Wi-Fi Easy Connect)"
			       : (str_in(km, eap) ? "WPA2/WPA3-Enterprise (802.1X)" : NULL);
	if (kind == NULL) {
		snprintf(note, notelen, "unknown key_mgmt \"%s\"", km);
		return false;
	}
	bool pw_aes = str_in(pw, aes_ciphers), pw_weak = str_in(pw, weak_ciphers);
	bool gr_aes = str_in(gr, aes_ciphers) || strcmp(gr, "GTK_NOT_USED") == 0;
	bool gr_weak = str_in(gr, weak_ciphers);
	if (pw_weak || gr_weak) {
		*sec = WIFI_SEC_WPA_TKIP;
		snprintf(note, notelen, "%s with a TKIP/WEP cipher (pairwise %s, group %s)", kind,
			 pw, gr);
		return true;
	}
	if (!pw_aes || !gr_aes) {
		snprintf(note, notelen, "%s, unknown cipher (pairwise \"%s\", group \"%s\")", kind,
			 pw, gr);
		return false;
	}
	*sec = str_in(km, psk)	 ? WIFI_SEC_WPA2
	       : str_in(km, eap) ? WIFI_SEC_ENTERPRISE
				 : WIFI_SEC_WPA3;
	snprintf(note, notelen, "%s, pairwise %s, group %s", kind, pw, gr);
	return true;
}

/* ---- NetworkManager's device state ---- */

int nm_device_state_parse(const char *buf, size_t len, struct nm_device_state *out, int *bad_line,
			  char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	out->managed = -1;
	why[0] = '\0';
	*bad_line = 0;
	bool in_device = false;
	int lineno = 0;
	for (size_t off = 0; off < len;) {
		const char *s = buf + off;
		const char *nl = memchr(s, '\n', len - off);
		size_t n = nl ? (size_t)(nl - s) : len - off;
		off += n + 1;
		lineno++;
		/* Only the [device] group matters; [dhcp4]/[dhcp6] hold the DHCP server's
		 * options, of any length: skipped unread. */
		if (n > NM_STATE_LINE && (in_device || s[0] == '[')) {
			*bad_line = lineno;
			snprintf(why, whylen, "line longer than %d bytes", NM_STATE_LINE);
			return MAMORI_EPARSE;
		}
		str_trim(&s, &n);
		if (n == 0 || s[0] == '#')
			continue;
		if (s[0] == '[') {
			if (s[n - 1] != ']') {
				*bad_line = lineno;
				snprintf(why, whylen, "malformed group header");
				return MAMORI_EPARSE;
			}
			/* GLib merges repeated groups: a later [device] continues the first. */
			in_device = n == 8 && memcmp(s, "[device]", 8) == 0;
			continue;
		}
		if (!in_device)
			continue;
		const char *eq = memchr(s, '=', n);
		if (eq == NULL || eq == s) {
			*bad_line = lineno;
			snprintf(why, whylen, "expected key=value in [device]");
			return MAMORI_EPARSE;
		}
		const char *k = s, *v = eq + 1;
		size_t kl = (size_t)(eq - s), vl = n - kl - 1;
		str_trim(&k, &kl);
		str_trim(&v, &vl);
		if (item_eq(k, kl, "managed")) {
			/* NetworkManager reads it with _nm_utils_ascii_str_to_bool. */
			static const char *const yes[] = {"true", "yes", "on", "1"};
			static const char *const no[] = {"false", "no", "off", "0"};
			out->managed = -1;
			for (size_t i = 0; i < 4; i++) {
				if (vl == strlen(yes[i]) && c_strncasecmp(v, yes[i], vl) == 0)
					out->managed = 1;
				if (vl == strlen(no[i]) && c_strncasecmp(v, no[i], vl) == 0)
					out->managed = 0;
			}
		} else if (item_eq(k, kl, "connection-uuid")) {
			if (vl >= sizeof(out->connection_uuid)) {
				*bad_line = lineno;
				snprintf(why, whylen,
					 "connection-uuid is not a UUID (%zu characters)", vl);
				return MAMORI_EPARSE;
			}
			for (size_t i = 0; i < vl; i++) {
				int c = c_tolower((unsigned char)v[i]);
				if (!(c_isdigit(c) || (c >= 'a' && c <= 'f') || c == '-')) {
					*bad_line = lineno;
					snprintf(why, whylen,
						 "connection-uuid is not a UUID (character %zu)",
						 i + 1);
					return MAMORI_EPARSE;
				}
				out->connection_uuid[i] = (char)c;
			}
			out->connection_uuid[vl] = '\0';
			out->uuid_line = vl ? lineno : 0;
		}
	}
	return 0;
}

/* ---- the probe ---- */

/* One network interface of /sys/class/net and what its sources said. */
struct iface {
	char name[64];
	bool wireless;
	char operstate[16]; /* "" when unreadable */
	long long ifindex;  /* -1 when unreadable */
	/* wpa_supplicant: wpa_r 0 with st filled, MAMORI_ENOENT when no socket, else why */
	int wpa_r;
	bool dir_denied; /* wpa_r comes from a directory we may not look into */
	char wpa_src[300];
	char wpa_why[512];
	struct wpa_status st;
	/* NetworkManager: nm_r 0 with nm filled, else nm_why */
	int nm_r;
	char nm_src[64];
	char nm_why[512];
	struct nm_device_state nm;
};

struct link_run {
	struct probe_ctx *ctx;
	const struct wifi_known *k;
	struct iface *ifs;
	size_t nifs;
	char dirs[WIFI_MAX_CTRL_DIRS + 1][256];
	size_t ndirs;
	/* A directory we may not look into (Debian's /run/wpa_supplicant is root:netdev 0770):
	 * whether a socket is there cannot be told. */
	bool denied[WIFI_MAX_CTRL_DIRS + 1];
	char denied_why[300];
};

static void read_trimmed(struct probe_ctx *ctx, const char *path, char *out, size_t outlen)
{
	char *buf, why[256];
	size_t len;
	out[0] = '\0';
	if (rootfs_read(ctx, path, 4096, &buf, &len, why, sizeof(why)))
		return;
	const char *s = buf;
	str_trim(&s, &len);
	snprintf(out, outlen, "%.*s", (int)len, s);
	free(buf);
}

static int list_ifaces(struct link_run *lr)
{
	char **names;
	size_t n;
	int r = rootfs_list(lr->ctx, "/sys/class/net", NULL, &names, &n);
	if (r)
		return r;
	lr->ifs = calloc(n ? n : 1, sizeof(*lr->ifs));
	if (lr->ifs == NULL) {
		rootfs_names_free(names);
		return MAMORI_ENOMEM;
	}
	for (size_t i = 0; i < n && lr->nifs < LINK_MAX_IFACES; i++) {
		/* Interface names are at most 15 bytes (IFNAMSIZ); wpa_supplicant names its
		 * socket after the interface. */
		if (strlen(names[i]) >= 16 || names[i][0] == '.')
			continue;
		struct iface *f = &lr->ifs[lr->nifs++];
		snprintf(f->name, sizeof(f->name), "%s", names[i]);
		char path[128], v[32];
		snprintf(path, sizeof(path), "/sys/class/net/%s/wireless", f->name);
		f->wireless = rootfs_exists(lr->ctx, path);
		snprintf(path, sizeof(path), "/sys/class/net/%s/phy80211", f->name);
		f->wireless = f->wireless || rootfs_exists(lr->ctx, path);
		snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", f->name);
		read_trimmed(lr->ctx, path, f->operstate, sizeof(f->operstate));
		snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", f->name);
		read_trimmed(lr->ctx, path, v, sizeof(v));
		const char *err;
		if (str_to_ll(v, 1, 0x7fffffff, &f->ifindex, &err))
			f->ifindex = -1;
		f->wpa_r = MAMORI_ENOENT;
		f->nm_r = MAMORI_ENOENT;
	}
	rootfs_names_free(names);
	return 0;
}

/* /run/wpa_supplicant first, then the configuration's own directories, each once. */
static void ctrl_dirs(struct link_run *lr)
{
	snprintf(lr->dirs[lr->ndirs++], sizeof(lr->dirs[0]), "%s", LINK_DEFAULT_CTRL);
	for (size_t i = 0; i < lr->k->nctrl; i++) {
		const char *d = lr->k->ctrl[i].dir;
		bool dup = false;
		struct stat a, b; /* /var/run/wpa_supplicant is /run/wpa_supplicant on Debian */
		for (size_t j = 0; j < lr->ndirs && !dup; j++)
			dup = strcmp(lr->dirs[j], d) == 0 ||
			      (rootfs_stat(lr->ctx, lr->dirs[j], &a) == 0 &&
			       rootfs_stat(lr->ctx, d, &b) == 0 && a.st_dev == b.st_dev &&
			       a.st_ino == b.st_ino);
		if (!dup)
			snprintf(lr->dirs[lr->ndirs++], sizeof(lr->dirs[0]), "%s", d);
	}
	if (lr->ctx->sys->wpa_ctrl_request == NULL) {
		for (size_t i = 0; i < lr->ndirs; i++)
			lr->denied[i] = true;
		snprintf(lr->denied_why, sizeof(lr->denied_why),
			 "wpa_supplicant's control interface cannot be asked here");
		return;
	}
	for (size_t i = 0; i < lr->ndirs; i++) {
		char **names;
		size_t n;
		int r = rootfs_list(lr->ctx, lr->dirs[i], NULL, &names, &n);
		if (r == 0)
			rootfs_names_free(names);
		lr->denied[i] = r == MAMORI_EACCES;
		if (lr->denied[i] && lr->denied_why[0] == '\0')
			snprintf(lr->denied_why, sizeof(lr->denied_why),
				 "%s: permission denied (run as root or in its group)",
				 lr->dirs[i]);
	}
}

/* Asks each control directory for the interface's socket; the first that answers wins. */
static int ask_supplicant(struct link_run *lr, struct iface *f)
{
	const struct sys_ops *sys = lr->ctx->sys;
	for (size_t d = 0; d < lr->ndirs; d++) {
		if (lr->denied[d])
			continue;
		char path[300];
		snprintf(path, sizeof(path), "%s/%s", lr->dirs[d], f->name);
		char *reply = NULL, why[256] = "";
		size_t len = 0;
		int r = sys->wpa_ctrl_request(sys->ud, lr->ctx->rootfd, path, "STATUS", &reply,
					      &len, why, sizeof(why));
		if (r == MAMORI_ENOMEM)
			return r;
		if (r == MAMORI_ENOENT) {
			free(reply);
			continue;
		}
		snprintf(f->wpa_src, sizeof(f->wpa_src), "%s", path);
		if (r) {
			/* Keep the first failure; a later directory may still answer. */
			if (f->wpa_r == MAMORI_ENOENT) {
				f->wpa_r = r;
				snprintf(f->wpa_why, sizeof(f->wpa_why), "%s", why);
			}
			free(reply);
			continue;
		}
		int bad;
		char pwhy[160];
		r = wpa_status_parse(reply, len, &f->st, &bad, pwhy, sizeof(pwhy));
		free(reply);
		if (r) {
			f->wpa_r = MAMORI_EPARSE;
			snprintf(f->wpa_why, sizeof(f->wpa_why), "%s: STATUS reply, line %d: %s",
				 path, bad, pwhy);
			continue;
		}
		f->wpa_r = 0;
		return 0;
	}
	if (f->wpa_r == MAMORI_ENOENT && lr->denied_why[0]) {
		f->wpa_r = MAMORI_EACCES;
		f->dir_denied = true;
		snprintf(f->wpa_why, sizeof(f->wpa_why), "%s", lr->denied_why);
	}
	return 0;
}

static void read_nm_state(struct link_run *lr, struct iface *f)
{
	if (f->ifindex < 0) {
		f->nm_r = MAMORI_EIO;
		snprintf(f->nm_why, sizeof(f->nm_why), "/sys/class/net/%s/ifindex is unreadable",
			 f->name);
		return;
	}
	snprintf(f->nm_src, sizeof(f->nm_src), "/run/NetworkManager/devices/%lld", f->ifindex);
	char *buf;
	size_t len;
	f->nm_r =
	    rootfs_read(lr->ctx, f->nm_src, NM_STATE_MAX, &buf, &len, f->nm_why, sizeof(f->nm_why));
	if (f->nm_r)
		return;
	int bad;
	char why[160];
	f->nm_r = nm_device_state_parse(buf, len, &f->nm, &bad, why, sizeof(why));
	free(buf);
	if (f->nm_r)
		snprintf(f->nm_why, sizeof(f->nm_why), "%s:%d: %s", f->nm_src, bad, why);
}

static const struct wifi_saved *saved_by_uuid(const struct wifi_known *k, const char *uuid)
{
	for (size_t i = 0; k->profiles_known && uuid[0] && i < k->n; i++)
		if (k->v[i].from_nm && strcmp(k->v[i].uuid, uuid) == 0)
			return &k->v[i];
	return NULL;
}

/* The saved profile wpa_supplicant is using: NetworkManager's (by the device's connection
 * UUID), else a wpa_supplicant.conf block by id_str, else the one block with that SSID. */
static const struct wifi_saved *saved_for_status(const struct link_run *lr, const struct iface *f)
{
	const struct wifi_known *k = lr->k;
	if (!k->profiles_known)
		return NULL;
	if (f->nm_r == 0 && f->nm.connection_uuid[0])
		return saved_by_uuid(k, f->nm.connection_uuid);
	const struct wifi_saved *hit = NULL;
	size_t nhits = 0;
	for (size_t i = 0; i < k->n; i++) {
		if (k->v[i].from_nm)
			continue;
		if (f->st.id_str[0] && strcmp(k->v[i].id, f->st.id_str) == 0)
			return &k->v[i];
		if (strcmp(k->v[i].ssid, f->st.ssid) == 0) {
			hit = &k->v[i];
			nhits++;
		}
	}
	return nhits == 1 && f->st.ssid[0] ? hit : NULL;
}

static json_t *jstr_or_null(const char *s)
{
	return s && s[0] ? json_string_lossy(s) : json_null();
}

static int link_add(json_t *links, const char *iface, const char *ssid, const char *security,
		    const char *km, const char *pw, const char *gr, const char *mode,
		    const char *profile, bool negotiated, const char *source, const char *note)
{
	json_t *o = json_object();
	if (o == NULL || json_array_append_new(links, o))
		return MAMORI_ENOMEM;
	struct {
		const char *k;
		json_t *v;
	} kv[] = {
	    {"interface", json_string_lossy(iface)},
	    {"ssid", json_string_lossy(ssid)},
	    {"security", jstr_or_null(security)},
	    {"key_mgmt", jstr_or_null(km)},
	    {"pairwise_cipher", jstr_or_null(pw)},
	    {"group_cipher", jstr_or_null(gr)},
	    {"mode", jstr_or_null(mode)},
	    {"profile", jstr_or_null(profile)},
	    {"negotiated", json_boolean(negotiated)},
	    {"source", json_string_lossy(source)},
	    {"note", json_string_lossy(note)},
	};
	int r = 0;
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (kv[i].v == NULL || json_object_set_new(o, kv[i].k, kv[i].v))
			r = MAMORI_ENOMEM;
	return r;
}

/* Appends "; text" to the fact's note, as far as it fits. */
static void note_add(char *note, size_t notelen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note_add(char *note, size_t notelen, const char *fmt, ...)
{
	size_t n = strlen(note);
	if (n + 3 >= notelen)
		return;
	if (n) {
		note[n++] = ';';
		note[n++] = ' ';
		note[n] = '\0';
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(note + n, notelen - n, fmt, ap);
	va_end(ap);
}

static bool operstate_up(const char *s)
{
	/* Wireless drivers report "up" once associated and keyed ("dormant" while the 4-way
	 * handshake runs); "unknown" or unreadable: it may be in use. */
	return s[0] == '\0' || strcmp(s, "up") == 0 || strcmp(s, "unknown") == 0;
}

/* A wireless interface that wpa_supplicant did not describe: NetworkManager's state names
 * the profile it uses. Returns 1 when a link was added, 0 when it could not be told (why is
 * set), or a negative error. */
static int link_from_nm(struct link_run *lr, const struct iface *f, json_t *links, char *why,
			size_t whylen)
{
	char wpa_part[600];
	if (f->wpa_r == MAMORI_ENOENT)
		snprintf(wpa_part, sizeof(wpa_part), "no wpa_supplicant control socket for %s",
			 f->name);
	else
		snprintf(wpa_part, sizeof(wpa_part), "%s", f->wpa_why);
	if (f->nm_r) {
		snprintf(why, whylen, "%s is up but its security cannot be read: %s; %s", f->name,
			 wpa_part,
			 f->nm_r == MAMORI_ENOENT ? "no NetworkManager device state" : f->nm_why);
		return 0;
	}
	if (f->nm.connection_uuid[0] == '\0') {
		snprintf(why, whylen,
			 "%s is up but its security cannot be read: %s; %s names no "
			 "connection",
			 f->name, wpa_part, f->nm_src);
		return 0;
	}
	if (!lr->k->profiles_known) {
		snprintf(why, whylen,
			 "%s is up with profile %s, but the saved profiles could not "
			 "be read (see wifi.profiles); %s",
			 f->name, f->nm.connection_uuid, wpa_part);
		return 0;
	}
	const struct wifi_saved *sv = saved_by_uuid(lr->k, f->nm.connection_uuid);
	if (sv == NULL) {
		snprintf(why, whylen,
			 "%s is up with connection %s, which is not a saved Wi-Fi "
			 "profile; %s",
			 f->name, f->nm.connection_uuid, wpa_part);
		return 0;
	}
	char note[1400];
	snprintf(note, sizeof(note),
		 "the saved profile's security (%s), not the negotiated link: %s; "
		 "NetworkManager's %s names connection %s",
		 sv->file, wpa_part, f->nm_src, f->nm.connection_uuid);
	int r = link_add(links, f->name, sv->ssid, wifi_security_name(sv->security), NULL, NULL,
			 NULL, NULL, sv->id, false, f->nm_src, note);
	return r ? r : 1;
}

static int record(struct link_run *lr)
{
	struct facts *facts = lr->ctx->facts;
	json_t *links = json_array(), *sup = json_array();
	if (links == NULL || sup == NULL) {
		json_decref(links);
		json_decref(sup);
		return MAMORI_ENOMEM;
	}
	char note[1024] = "", unknown[1400] = "", src[320] = "/sys/class/net";
	int line = 0, nwireless = 0, r = 0;
	for (size_t i = 0; i < lr->nifs && r >= 0; i++) {
		const struct iface *f = &lr->ifs[i];
		if (f->wpa_r != MAMORI_ENOENT && !f->dir_denied) {
			bool ok = f->wpa_r == 0;
			json_t *o =
			    json_pack("{s:o, s:b, s:o, s:o, s:o, s:o}", "interface",
				      json_string_lossy(f->name), "wireless", f->wireless,
				      "wpa_state", jstr_or_null(ok ? f->st.wpa_state : NULL),
				      "key_mgmt", jstr_or_null(ok ? f->st.key_mgmt : NULL),
				      "source", json_string_lossy(f->wpa_src), "error",
				      jstr_or_null(ok ? NULL : f->wpa_why));
			if (o == NULL || json_array_append_new(sup, o))
				r = MAMORI_ENOMEM;
		}
		bool completed = f->wpa_r == 0 && strcmp(f->st.wpa_state, "COMPLETED") == 0;
		if (!f->wireless) {
			if (completed)
				note_add(
				    note, sizeof(note),
				    "%s: wpa_supplicant reports %s, key_mgmt %s, but it is not "
				    "a wireless interface (wired IEEE 802.1X port): not a Wi-Fi "
				    "link",
				    f->name, f->st.wpa_state, f->st.key_mgmt);
			continue;
		}
		nwireless++;
		if (completed) {
			enum wifi_sec sec = WIFI_SEC_OPEN;
			char how[200], wsrc[320], lnote[400];
			bool known = wifi_link_classify(f->st.key_mgmt, f->st.pairwise_cipher,
							f->st.group_cipher, &sec, how, sizeof(how));
			const struct wifi_saved *sv = saved_for_status(lr, f);
			snprintf(wsrc, sizeof(wsrc), "wpa_supplicant %s", f->wpa_src);
			snprintf(lnote, sizeof(lnote), "%s%s%s", how, sv ? "; profile from " : "",
				 sv ? sv->file : "");
			r = link_add(links, f->name, f->st.ssid,
				     known ? wifi_security_name(sec) : NULL, f->st.key_mgmt,
				     f->st.pairwise_cipher, f->st.group_cipher, f->st.mode,
				     sv ? sv->id : NULL, true, wsrc, lnote);
			if (json_array_size(links) == 1) {
				snprintf(src, sizeof(src), "%s", wsrc);
				line = f->st.wpa_state_line;
			}
			note_add(note, sizeof(note), "%s: associated (%s)", f->name, wsrc);
			continue;
		}
		if (f->wpa_r == 0) {
			note_add(note, sizeof(note), "%s: not associated (wpa_supplicant: %s)",
				 f->name, f->st.wpa_state);
			continue;
		}
		if (!operstate_up(f->operstate)) {
			note_add(note, sizeof(note), "%s: not associated (operstate %s)", f->name,
				 f->operstate);
			continue;
		}
		char why[1400];
		int got = link_from_nm(lr, f, links, why, sizeof(why));
		if (got < 0)
			r = got;
		else if (got == 0 && unknown[0] == '\0')
			snprintf(unknown, sizeof(unknown), "%s", why);
		else if (got) {
			note_add(note, sizeof(note),
				 "%s: from NetworkManager's %s (the profile, not "
				 "the negotiated link)",
				 f->name, f->nm_src);
			if (json_array_size(links) == 1) {
				snprintf(src, sizeof(src), "%s", f->nm_src);
				line = f->nm.uuid_line;
			}
		}
	}
	if (r) {
		json_decref(links);
		json_decref(sup);
		return r;
	}
	char snote[512];
	snprintf(snote, sizeof(snote),
		 "interfaces whose wpa_supplicant control socket exists, in %s%s", lr->dirs[0],
		 lr->ndirs > 1 ? " and the directories of ctrl_interface= in "
				 "/etc/wpa_supplicant/*.conf"
			       : "");
	if (lr->denied_why[0]) {
		json_decref(sup);
		r = facts_put_unknown(facts, "wifi.supplicant_interfaces", NULL, 0, "%s",
				      lr->denied_why);
	} else {
		r = facts_put(facts, "wifi.supplicant_interfaces", sup, NULL, 0, snote);
	}
	if (r) {
		json_decref(links);
		return r;
	}
	if (unknown[0]) {
		json_decref(links);
		return facts_put_unknown(facts, "wifi.links", "/sys/class/net", 0, "%s", unknown);
	}
	if (nwireless == 0)
		note_add(note, sizeof(note),
			 "no wireless interface (no Wi-Fi hardware, or wired "
			 "only): nothing to judge");
	else if (json_array_size(links) == 0)
		note_add(note, sizeof(note), "no wireless interface is associated now");
	if (json_array_size(links) > 1) {
		snprintf(src, sizeof(src), "each link's source");
		line = 0;
	}
	return facts_put(facts, "wifi.links", links, src, line, note);
}

int wifi_links_collect(struct probe_ctx *ctx, const struct wifi_known *k)
{
	if (ctx->sys == NULL) {
		int r = facts_put_unknown(ctx->facts, "wifi.links", NULL, 0,
					  "not a live system: %s is audited as an image, and the "
					  "link in use exists only on the running system",
					  ctx->root);
		return r ? r
			 : facts_put_unknown(ctx->facts, "wifi.supplicant_interfaces", NULL, 0,
					     "not a live system: %s is audited as an image",
					     ctx->root);
	}
	if (!rootfs_exists(ctx, "/sys/class/net")) {
		int r = facts_put_unknown(ctx->facts, "wifi.links", "/sys/class/net", 0,
					  "no /sys/class/net: the interfaces cannot be listed");
		return r ? r
			 : facts_put_unknown(ctx->facts, "wifi.supplicant_interfaces",
					     "/sys/class/net", 0,
					     "no /sys/class/net: the interfaces cannot be listed");
	}
	struct link_run lr = {.ctx = ctx, .k = k};
	int r = list_ifaces(&lr);
	if (r && r != MAMORI_ENOMEM) {
		r = facts_put_unknown(ctx->facts, "wifi.links", "/sys/class/net", 0,
				      "cannot list /sys/class/net");
		if (r == 0)
			r = facts_put_unknown(ctx->facts, "wifi.supplicant_interfaces",
					      "/sys/class/net", 0, "cannot list /sys/class/net");
		free(lr.ifs);
		return r;
	}
	if (r == 0)
		ctrl_dirs(&lr);
	for (size_t i = 0; i < lr.nifs && r == 0; i++) {
		r = ask_supplicant(&lr, &lr.ifs[i]);
		if (r == 0 && lr.ifs[i].wireless)
			read_nm_state(&lr, &lr.ifs[i]);
	}
	if (r == 0)
		r = record(&lr);
	free(lr.ifs);
	return r;
}
