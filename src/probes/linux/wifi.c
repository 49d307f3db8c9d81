/* SPDX-License-Identifier: Apache-2.0 */
/* wifi.*: the Wi-Fi networks this PC has saved and will join again, from NetworkManager's
 * keyfiles and wpa_supplicant's configuration. Pre-shared keys never leave the parsers: only
 * their length is recorded, and the file buffers are wiped before they are freed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/probes.h"
#include "probes/linux/wifi.h"

#define WIFI_MAX_FILE (1u << 20)
#define WIFI_MAX_PROFILES 4096
/* Internal results of the file walkers: skip this file; stop, an unknown fact is recorded. */
#define WIFI_SKIP 1
#define WIFI_STOP 2

/* Maps the result of facts_put_unknown to "stop walking". */
static int wifi_stop(int r)
{
	return r ? r : WIFI_STOP;
}

const char *wifi_security_name(enum wifi_sec s)
{
	static const char *const names[] = {"open", "owe",  "wep",	 "wpa",	      "wpa-tkip",
					    "wpa2", "wpa3", "wpa2-wpa3", "enterprise"};
	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "open";
}

bool wifi_security_uses_psk(enum wifi_sec s)
{
	return s == WIFI_SEC_WPA || s == WIFI_SEC_WPA_TKIP || s == WIFI_SEC_WPA2 ||
	       s == WIFI_SEC_WPA3 || s == WIFI_SEC_WPA2_WPA3;
}

/* What a profile allows, in the terms both NetworkManager and wpa_supplicant share. */
struct sec_in {
	bool km_set; /* a key management line was seen */
	bool none, psk, sae, owe, eap, dot1x, wpa_none;
	bool wep_key;	 /* a WEP key (or its type or flags) is configured */
	bool eap_config; /* EAP method or identity configured (wpa_supplicant default) */
	bool proto_set, proto_wpa, proto_rsn;
	bool pairwise_set, pairwise_strong;
	bool group_set, group_strong;
	bool psk_present;
	int psk_len;	   /* -1: not stored here */
	bool psk_external; /* agent-owned, keyring, ext: or memory-only */
	bool sae_pw_present;
	int sae_pw_len;
	int km_line;
};

/* CCMP and GCMP are the AES ciphers; TKIP and WEP are not acceptable on their own. */
static bool cipher_strong(const char *c, size_t n)
{
	return (n >= 4 && c_strncasecmp(c, "ccmp", 4) == 0) ||
	       (n >= 4 && c_strncasecmp(c, "gcmp", 4) == 0);
}

/* Walks a list separated by any of seps, calling back each item; tiny, no allocation. */
typedef void (*item_fn)(const char *s, size_t n, void *ud);
static void for_each_item(const char *v, const char *seps, item_fn fn, void *ud)
{
	while (*v) {
		size_t skip = strspn(v, seps);
		v += skip;
		size_t n = strcspn(v, seps);
		if (n)
			fn(v, n, ud);
		v += n;
	}
}

static bool item_is(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && c_strncasecmp(s, word, n) == 0;
}

static void proto_item(const char *s, size_t n, void *ud)
{
	struct sec_in *in = ud;
	if (item_is(s, n, "wpa"))
		in->proto_wpa = true;
	else if (item_is(s, n, "rsn") || item_is(s, n, "wpa2"))
		in->proto_rsn = true;
}

static void pairwise_item(const char *s, size_t n, void *ud)
{
	struct sec_in *in = ud;
	if (cipher_strong(s, n))
		in->pairwise_strong = true;
}

static void group_item(const char *s, size_t n, void *ud)
{
	struct sec_in *in = ud;
	if (cipher_strong(s, n))
		in->group_strong = true;
}

static void set_note(struct wifi_profile *p, const char *text)
{
	snprintf(p->note, sizeof(p->note), "%s", text);
}

/* The weakest method the profile accepts decides: a profile that accepts an open network
 * under its SSID can be lured onto one. */
static void classify(const struct sec_in *in, struct wifi_profile *p)
{
	p->psk_length = -1;
	if (in->none) {
		p->security = in->wep_key ? WIFI_SEC_WEP : WIFI_SEC_OPEN;
		set_note(p, in->wep_key ? "static WEP" : "no encryption");
		return;
	}
	if (in->owe) {
		p->security = WIFI_SEC_OWE;
		set_note(p, "OWE (Enhanced Open): encrypted but anyone can join");
		return;
	}
	if (in->dot1x && !in->eap && !in->psk && !in->sae) {
		p->security = WIFI_SEC_WEP;
		set_note(p, "IEEE 802.1X without WPA: dynamic WEP");
		return;
	}
	bool psk = in->psk || in->wpa_none || (!in->km_set && in->psk_present);
	bool sae = in->sae;
	if (!psk && !sae) {
		if (in->eap || in->eap_config || in->dot1x) {
			p->security = WIFI_SEC_ENTERPRISE;
			set_note(p, "WPA-Enterprise (802.1X)");
			return;
		}
		/* wpa_supplicant's default key_mgmt is "WPA-PSK WPA-EAP"; with neither a key nor
		 * an EAP setup the profile can only be a PSK network whose key is kept elsewhere.
		 */
		psk = true;
	}
	if (psk) {
		if (in->wpa_none || (in->proto_set && in->proto_wpa && !in->proto_rsn)) {
			p->security = WIFI_SEC_WPA;
			set_note(p, "WPA1 only (proto limited to WPA)");
		} else if ((in->pairwise_set && !in->pairwise_strong) ||
			   (in->group_set && !in->group_strong)) {
			p->security = WIFI_SEC_WPA_TKIP;
			set_note(p, "TKIP only (no CCMP/GCMP cipher allowed)");
		} else if (sae) {
			p->security = WIFI_SEC_WPA2_WPA3;
			set_note(p, "WPA2/WPA3 transition (PSK and SAE)");
		} else {
			p->security = WIFI_SEC_WPA2;
			set_note(p, "WPA2-Personal");
		}
	} else {
		p->security = WIFI_SEC_WPA3;
		set_note(p, "WPA3-Personal (SAE)");
	}
	int len = in->psk_present ? in->psk_len : -1;
	if (sae && !psk && in->sae_pw_present)
		len = in->sae_pw_len;
	if (in->psk_external)
		len = -1;
	p->psk_length = len;
	if (len < 0) {
		size_t n = strlen(p->note);
		snprintf(p->note + n, sizeof(p->note) - n, "; %s",
			 in->psk_external
			     ? "key kept by the user's agent or keyring, length unknown"
			     : "no key stored in the file, length unknown");
	}
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int c = c_tolower((unsigned char)s[i]);
		if (!c_isdigit(c) && !(c >= 'a' && c <= 'f'))
			return false;
	}
	return true;
}

/* ---- NetworkManager keyfiles ---- */

struct nm_state {
	struct wifi_profile *p;
	struct sec_in in;
	bool is_wifi, sec_section;
	char *why;
	size_t whylen;
};

static bool sec_is(const char *section, const char *a, const char *b)
{
	return strcmp(section, a) == 0 || strcmp(section, b) == 0;
}

/* GLib keyfile booleans: true/false, also 1/0. */
static int nm_bool(const char *v, bool *out)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = true;
	else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*out = false;
	else
		return MAMORI_EPARSE;
	return 0;
}

/* Length in characters of a GLib keyfile string: "\s", "\t", "\\" are one character each. */
static int keyfile_strlen(const char *v)
{
	int n = 0;
	for (const char *s = v; *s; s++, n++)
		if (*s == '\\' && s[1])
			s++;
	return n;
}

/* NetworkManager writes an SSID that is not plain text as a byte list "104;111;109;101;". */
static void nm_ssid(const char *v, char *out, size_t outlen)
{
	size_t o = 0, n = strlen(v);
	bool bytes = n > 0 && v[n - 1] == ';';
	for (size_t i = 0; bytes && i < n; i++)
		bytes = c_isdigit((unsigned char)v[i]) || v[i] == ';';
	if (!bytes) {
		snprintf(out, outlen, "%s", v);
		return;
	}
	const char *s = v;
	while (*s && o + 1 < outlen) {
		size_t l = strcspn(s, ";");
		long long b;
		const char *err;
		if (l && strn_to_ll(s, l, 0, 255, &b, &err) == 0)
			out[o++] = (b >= 0x20 && b < 0x7f) ? (char)b : '?';
		s += l;
		if (*s == ';')
			s++;
	}
	out[o] = '\0';
}

/* NetworkManager compares UUIDs in their normalized (lower-case) form. An over-long value is
 * kept cut: it still never equals a real UUID. */
static void nm_uuid_lower(const char *v, char *out, size_t outlen)
{
	size_t o = 0;
	for (; v[o] && o + 1 < outlen; o++)
		out[o] = (char)c_tolower((unsigned char)v[o]);
	out[o] = '\0';
}

bool nm_nmmeta_uuid(const char *name, char *out, size_t outlen)
{
	/* 8-4-4-4-12 hex digits, then ".nmmeta". */
	static const char suffix[] = ".nmmeta";
	size_t n = strlen(name);
	if (n != 36 + sizeof(suffix) - 1 || strcmp(name + 36, suffix) != 0 || outlen < 37)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		int c = c_tolower((unsigned char)name[i]);
		if (dash ? c != '-' : !(c_isdigit(c) || (c >= 'a' && c <= 'f')))
			return false;
		out[i] = (char)c;
	}
	out[36] = '\0';
	return true;
}

/* Sets why (printf-style, checked) and evaluates to MAMORI_EPARSE. */
#define NM_FAIL(st, ...) (snprintf((st)->why, (st)->whylen, __VA_ARGS__), MAMORI_EPARSE)

static int nm_key(const char *section, const char *key, const char *value, int line, void *ud)
{
	struct nm_state *st = ud;
	struct sec_in *in = &st->in;
	struct wifi_profile *p = st->p;
	if (strcmp(section, "connection") == 0) {
		if (strcmp(key, "type") == 0)
			st->is_wifi =
			    strcmp(value, "wifi") == 0 || strcmp(value, "802-11-wireless") == 0;
		else if (strcmp(key, "id") == 0)
			snprintf(p->id, sizeof(p->id), "%s", value);
		else if (strcmp(key, "uuid") == 0)
			nm_uuid_lower(value, p->uuid, sizeof(p->uuid));
		else if (strcmp(key, "autoconnect") == 0 && nm_bool(value, &p->autoconnect))
			return NM_FAIL(st, "autoconnect=%s is not a boolean", value);
	} else if (sec_is(section, "wifi", "802-11-wireless")) {
		if (strcmp(key, "ssid") == 0)
			nm_ssid(value, p->ssid, sizeof(p->ssid));
		else if (strcmp(key, "mode") == 0)
			snprintf(p->mode, sizeof(p->mode), "%s", value);
	} else if (sec_is(section, "wifi-security", "802-11-wireless-security")) {
		st->sec_section = true;
		if (strcmp(key, "key-mgmt") == 0) {
			in->km_set = true;
			in->km_line = line;
			in->none = in->psk = in->sae = in->owe = in->eap = in->dot1x = false;
			in->wpa_none = false;
			if (strcmp(value, "none") == 0)
				in->none = true;
			else if (strcmp(value, "wpa-psk") == 0)
				in->psk = true;
			else if (strcmp(value, "sae") == 0)
				in->sae = true;
			else if (strcmp(value, "owe") == 0)
				in->owe = true;
			else if (strcmp(value, "wpa-eap") == 0 ||
				 strcmp(value, "wpa-eap-suite-b-192") == 0)
				in->eap = true;
			else if (strcmp(value, "ieee8021x") == 0)
				in->dot1x = true;
			else if (strcmp(value, "wpa-none") == 0)
				in->wpa_none = true;
			else
				return NM_FAIL(st, "unknown key-mgmt \"%s\"", value);
		} else if (strncmp(key, "wep-key", 7) == 0) {
			in->wep_key = true; /* wep-key0..3, wep-key-type, wep-key-flags */
		} else if (strcmp(key, "proto") == 0) {
			in->proto_set = true;
			for_each_item(value, "; ", proto_item, in);
			if (!in->proto_wpa && !in->proto_rsn)
				in->proto_set = false; /* empty list: NetworkManager allows both */
		} else if (strcmp(key, "pairwise") == 0) {
			in->pairwise_set = true;
			in->pairwise_strong = false;
			for_each_item(value, "; ", pairwise_item, in);
			in->pairwise_set = strspn(value, "; ") != strlen(value);
		} else if (strcmp(key, "group") == 0) {
			in->group_set = true;
			in->group_strong = false;
			for_each_item(value, "; ", group_item, in);
			in->group_set = strspn(value, "; ") != strlen(value);
		} else if (strcmp(key, "psk") == 0) {
			size_t n = strlen(value);
			in->psk_present = n > 0;
			/* A raw 256-bit key is 64 hex digits; it is as strong as a key can be. */
			in->psk_len = (n == 64 && all_hex(value, n)) ? 64 : keyfile_strlen(value);
		} else if (strcmp(key, "psk-flags") == 0) {
			long long fl;
			const char *err;
			if (str_to_ll(value, 0, 0xffff, &fl, &err))
				return NM_FAIL(st, "psk-flags=%s is not a number", value);
			in->psk_external = fl != 0;
		}
	}
	return 0;
}

int nm_keyfile_parse(const char *buf, size_t len, struct wifi_profile *out, bool *is_wifi,
		     int *bad_line, char *why, size_t whylen)
{
	struct wifi_profile p;
	memset(&p, 0, sizeof(p));
	p.autoconnect = true; /* NetworkManager's default */
	struct nm_state st = {.p = &p, .why = why, .whylen = whylen};
	int bad = 0;
	why[0] = '\0';
	int r = ini_parse(buf, len, nm_key, &st, &bad);
	if (r) {
		*bad_line = bad;
		if (why[0] == '\0')
			snprintf(why, whylen, "malformed line (expected [section] or key=value)");
		return MAMORI_EPARSE;
	}
	*is_wifi = st.is_wifi;
	if (!st.is_wifi) {
		memset(out, 0, sizeof(*out));
		memcpy(out->uuid, p.uuid, sizeof(out->uuid));
		return 0;
	}
	if (!st.sec_section) {
		st.in.none = true; /* no [wifi-security] at all: an open network */
		st.in.km_set = true;
	} else if (st.in.none) {
		st.in.wep_key = true; /* NetworkManager's key-mgmt=none is static WEP */
	} else if (!st.in.km_set) {
		*bad_line = 0;
		snprintf(why, whylen, "[wifi-security] has no key-mgmt");
		return MAMORI_EPARSE;
	}
	classify(&st.in, &p);
	p.line = st.in.km_line;
	*out = p;
	return 0;
}

/* ---- wpa_supplicant.conf ---- */

struct wpa_state {
	wifi_profile_fn fn;
	void *ud;
	int in_block; /* 0 outside, 1 network={, 2 another block (cred={, blob) */
	int block_line;
	struct wifi_profile p;
	struct sec_in in;
	char id_str[128];
	char *why;
	size_t whylen;
	char *ctrl; /* the global ctrl_interface value, when asked for */
	size_t ctrllen;
	int ctrl_line;
};

static void km_item(const char *s, size_t n, void *ud)
{
	struct sec_in *in = ud;
	if (item_is(s, n, "NONE"))
		in->none = true;
	else if (item_is(s, n, "WPA-PSK") || item_is(s, n, "WPA-PSK-SHA256") ||
		 item_is(s, n, "FT-PSK"))
		in->psk = true;
	else if (item_is(s, n, "SAE") || item_is(s, n, "FT-SAE") || item_is(s, n, "SAE-EXT-KEY") ||
		 item_is(s, n, "FT-SAE-EXT-KEY"))
		in->sae = true;
	else if (item_is(s, n, "OWE"))
		in->owe = true;
	else if (item_is(s, n, "IEEE8021X"))
		in->dot1x = true;
	else if (item_is(s, n, "WPA-NONE"))
		in->wpa_none = true;
	else
		in->eap = true; /* WPA-EAP*, FT-EAP*, FILS-*, OSEN, DPP, WPS: not a shared key */
}

/* Value of a wpa_supplicant string: "quoted" (length of the inside), else raw. */
static void wpa_unquote(const char *v, size_t vl, const char **s, size_t *n, bool *quoted)
{
	*quoted = vl >= 2 && v[0] == '"' && v[vl - 1] == '"';
	*s = *quoted ? v + 1 : v;
	*n = *quoted ? vl - 2 : vl;
}

static int wpa_fail(struct wpa_state *st, const char *msg)
{
	snprintf(st->why, st->whylen, "%s", msg);
	return MAMORI_EPARSE;
}

static int wpa_end_block(struct wpa_state *st)
{
	struct wifi_profile *p = &st->p;
	classify(&st->in, p);
	p->line = st->block_line;
	if (st->id_str[0])
		snprintf(p->id, sizeof(p->id), "%s", st->id_str);
	else
		snprintf(p->id, sizeof(p->id), "%s", p->ssid);
	return st->fn ? st->fn(p, st->ud) : 0;
}

static int wpa_kv(struct wpa_state *st, const char *k, size_t kl, const char *v, size_t vl)
{
	struct sec_in *in = &st->in;
	struct wifi_profile *p = &st->p;
	const char *s;
	size_t n;
	bool quoted;
	wpa_unquote(v, vl, &s, &n, &quoted);
	char val[128];
	snprintf(val, sizeof(val), "%.*s", (int)(n < 127 ? n : 127), s);
	if (item_is(k, kl, "ssid")) {
		snprintf(p->ssid, sizeof(p->ssid), "%s", val);
	} else if (item_is(k, kl, "id_str")) {
		snprintf(st->id_str, sizeof(st->id_str), "%s", val);
	} else if (item_is(k, kl, "mode")) {
		snprintf(p->mode, sizeof(p->mode), "%s",
			 strcmp(val, "2") == 0	 ? "ap"
			 : strcmp(val, "1") == 0 ? "adhoc"
						 : "infrastructure");
	} else if (item_is(k, kl, "key_mgmt")) {
		in->km_set = true;
		in->none = in->psk = in->sae = in->owe = in->eap = in->dot1x = false;
		for_each_item(val, " \t", km_item, in);
		if (!(in->none || in->psk || in->sae || in->owe || in->eap || in->dot1x ||
		      in->wpa_none))
			return wpa_fail(st, "key_mgmt is empty");
	} else if (item_is(k, kl, "proto")) {
		in->proto_set = true;
		in->proto_wpa = in->proto_rsn = false;
		for_each_item(val, " \t", proto_item, in);
	} else if (item_is(k, kl, "pairwise")) {
		in->pairwise_set = true;
		in->pairwise_strong = false;
		for_each_item(val, " \t", pairwise_item, in);
		if (item_is(val, strlen(val), "NONE"))
			in->pairwise_strong = true; /* group cipher only: decided by group= */
	} else if (item_is(k, kl, "group")) {
		in->group_set = true;
		in->group_strong = false;
		for_each_item(val, " \t", group_item, in);
	} else if (item_is(k, kl, "psk")) {
		in->psk_present = n > 0;
		if (!quoted && n >= 4 && memcmp(s, "ext:", 4) == 0)
			in->psk_external = true;
		else if (!quoted && n == 64 && all_hex(s, n))
			in->psk_len = 64; /* raw 256-bit key */
		else if (!quoted)
			return wpa_fail(st, "psk is neither \"passphrase\" nor 64 hex digits");
		else
			in->psk_len = (int)n;
	} else if (item_is(k, kl, "sae_password")) {
		in->sae_pw_present = n > 0;
		in->sae_pw_len = (int)n;
		if (!quoted && n >= 4 && memcmp(s, "ext:", 4) == 0)
			in->psk_external = true;
	} else if (item_is(k, kl, "mem_only_psk")) {
		if (strcmp(val, "0") != 0)
			in->psk_external = true;
	} else if (kl >= 7 && c_strncasecmp(k, "wep_key", 7) == 0 && kl == 8 &&
		   c_isdigit((unsigned char)k[7])) {
		in->wep_key = n > 0;
	} else if (item_is(k, kl, "disabled")) {
		p->autoconnect = strcmp(val, "0") == 0;
	} else if (item_is(k, kl, "eap") || item_is(k, kl, "identity")) {
		in->eap_config = true;
	}
	return 0;
}

static int wpa_line(const char *line, size_t len, int lineno, void *ud)
{
	struct wpa_state *st = ud;
	const char *s = line;
	size_t n = len;
	str_trim(&s, &n);
	if (n == 0 || s[0] == '#')
		return 0;
	/* Like wpa_supplicant: a '#' after the last double quote starts a comment. */
	const char *q = NULL;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '"')
			q = s + i;
	const char *from = q ? q + 1 : s;
	const char *hash = memchr(from, '#', (size_t)(s + n - from));
	if (hash) {
		n = (size_t)(hash - s);
		str_trim(&s, &n);
		if (n == 0)
			return 0;
	}
	if (n == 1 && s[0] == '}') {
		if (!st->in_block)
			return wpa_fail(st, "'}' outside a block");
		int kind = st->in_block;
		st->in_block = 0;
		return kind == 1 ? wpa_end_block(st) : 0;
	}
	if (n >= 2 && s[n - 1] == '{' && s[n - 2] == '=') {
		if (st->in_block)
			return wpa_fail(st, "a block starts inside another block");
		st->block_line = lineno;
		if (n == 9 && memcmp(s, "network={", 9) == 0) {
			st->in_block = 1;
			memset(&st->p, 0, sizeof(st->p));
			memset(&st->in, 0, sizeof(st->in));
			st->id_str[0] = '\0';
			st->p.autoconnect = true;
			st->in.psk_len = -1;
		} else {
			st->in_block = 2; /* cred={, blob-base64-NAME={: not a network */
		}
		return 0;
	}
	if (st->in_block == 2)
		return 0;
	const char *eq = memchr(s, '=', n);
	if (eq == NULL || eq == s)
		return wpa_fail(st, "expected name=value");
	size_t kl = (size_t)(eq - s);
	const char *v = eq + 1;
	size_t vl = n - kl - 1;
	if (!st->in_block) {
		/* Global settings (country, ...); ctrl_interface takes its value as written. */
		if (st->ctrl && item_is(s, kl, "ctrl_interface")) {
			snprintf(st->ctrl, st->ctrllen, "%.*s", (int)(vl < 4096 ? vl : 4096), v);
			st->ctrl_line = lineno;
		}
		return 0;
	}
	return wpa_kv(st, s, kl, v, vl);
}

int wpa_supplicant_parse(const char *buf, size_t len, wifi_profile_fn fn, void *ud, int *bad_line,
			 char *why, size_t whylen)
{
	int line;
	return wpa_supplicant_parse_ctrl(buf, len, fn, ud, NULL, 0, &line, bad_line, why, whylen);
}

int wpa_supplicant_parse_ctrl(const char *buf, size_t len, wifi_profile_fn fn, void *ud, char *ctrl,
			      size_t ctrllen, int *ctrl_line, int *bad_line, char *why,
			      size_t whylen)
{
	struct wpa_state *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return MAMORI_ENOMEM;
	st->fn = fn;
	st->ud = ud;
	st->why = why;
	st->whylen = whylen;
	st->ctrl = ctrllen ? ctrl : NULL;
	st->ctrllen = ctrllen;
	if (st->ctrl)
		ctrl[0] = '\0';
	*ctrl_line = 0;
	why[0] = '\0';
	int bad = 0;
	int r = for_each_line(buf, len, 4096, wpa_line, st, &bad);
	if (r == MAMORI_ETOOBIG) {
		snprintf(why, whylen, "line longer than 4096 bytes");
		r = MAMORI_EPARSE;
	}
	if (r == 0 && st->in_block) {
		bad = st->block_line;
		snprintf(why, whylen, "block is not closed with '}'");
		r = MAMORI_EPARSE;
	}
	if (r == MAMORI_EPARSE)
		*bad_line = bad;
	*ctrl_line = st->ctrl_line;
	explicit_bzero(st, sizeof(*st));
	free(st);
	return r;
}

/* As wpa_supplicant's ctrl_iface_unix.c reads it: "DIR=path GROUP=group" or a bare path. */
bool wpa_ctrl_dir(const char *value, char *out, size_t outlen)
{
	const char *dir = value;
	size_t n = strlen(value);
	if (strncmp(value, "DIR=", 4) == 0) {
		dir = value + 4;
		const char *g = strstr(dir, " GROUP=");
		n = g ? (size_t)(g - dir) : strlen(dir);
	}
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 0 || dir[0] != '/' || n >= outlen || memchr(dir, '\n', n))
		return false;
	memcpy(out, dir, n);
	out[n] = '\0';
	return true;
}

/* ---- the probe ---- */

struct wifi_collect {
	json_t *list;
	const char *file;
	bool from_nm;
	int nprofiles;
	struct wifi_known *known; /* what the link part needs */
};

void wifi_known_free(struct wifi_known *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i].file);
	free(k->v);
	k->v = NULL;
	k->n = k->cap = 0;
}

static int known_add(struct wifi_known *k, const struct wifi_profile *p, const char *file,
		     bool from_nm)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 16;
		struct wifi_saved *v = realloc(k->v, cap * sizeof(*v));
		if (v == NULL)
			return MAMORI_ENOMEM;
		k->v = v;
		k->cap = cap;
	}
	struct wifi_saved *s = &k->v[k->n];
	memset(s, 0, sizeof(*s));
	snprintf(s->uuid, sizeof(s->uuid), "%s", from_nm ? p->uuid : "");
	snprintf(s->id, sizeof(s->id), "%s", p->id);
	snprintf(s->ssid, sizeof(s->ssid), "%s", p->ssid);
	s->security = p->security;
	s->from_nm = from_nm;
	s->file = xstrdup(file ? file : "");
	if (s->file == NULL)
		return MAMORI_ENOMEM;
	k->n++;
	return 0;
}

/* A JSON string of s; text that is not valid UTF-8 (an SSID is just bytes) keeps its ASCII
 * and shows every other byte as '?'. NULL only when out of memory. */
static json_t *jstr(const char *s)
{
	json_t *j = json_string(s);
	if (j)
		return j;
	char tmp[256];
	size_t o = 0;
	for (; *s && o + 1 < sizeof(tmp); s++)
		tmp[o++] = ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f) ? *s : '?';
	tmp[o] = '\0';
	return json_string(tmp);
}

static int add_profile(const struct wifi_profile *p, void *ud)
{
	struct wifi_collect *c = ud;
	if (c->nprofiles >= WIFI_MAX_PROFILES)
		return MAMORI_ETOOBIG;
	json_t *o =
	    json_pack("{s:o, s:o, s:s, s:o, s:b, s:o, s:o, s:i, s:s}", "id", jstr(p->id), "ssid",
		      jstr(p->ssid), "security", wifi_security_name(p->security), "psk_length",
		      p->psk_length >= 0 ? json_integer(p->psk_length) : json_null(), "autoconnect",
		      p->autoconnect, "mode", jstr(p->mode[0] ? p->mode : "infrastructure"), "file",
		      jstr(c->file), "line", p->line, "note", p->note);
	if (o == NULL || json_array_append_new(c->list, o))
		return MAMORI_ENOMEM;
	c->nprofiles++;
	return c->known ? known_add(c->known, p, c->file, c->from_nm) : 0;
}

/* NetworkManager loads *.nmconnection files and, in /etc only, files without an extension
 * (its older naming); it skips hidden files and editor or package-manager leftovers. */
static bool nm_wanted(const char *name, bool require_ext)
{
	size_t n = strlen(name);
	if (name[0] == '.' || name[n - 1] == '~')
		return false;
	if (n > 13 && strcmp(name + n - 13, ".nmconnection") == 0)
		return true;
	return !require_ext && strchr(name, '.') == NULL;
}

static int wifi_read(struct probe_ctx *ctx, const char *path, char **buf, size_t *len)
{
	char why[512];
	int r = rootfs_read(ctx, path, WIFI_MAX_FILE, buf, len, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r == MAMORI_ENOENT)
		return WIFI_SKIP; /* removed since the listing */
	if (r)
		return wifi_stop(
		    facts_put_unknown(ctx->facts, "wifi.profiles", path, 0, "%s", why));
	return 0;
}

static void wipe_free(char *buf, size_t len)
{
	explicit_bzero(buf, len);
	free(buf);
}

/* NetworkManager's keyfile directories, lowest priority first. A profile is identified by
 * its UUID: of all the files (and tombstones) with one UUID, NetworkManager uses the one in
 * the highest-priority directory (/run over /etc over the read-only /usr/lib); within one
 * directory a tombstone wins, then the newer file, then the greater name
 * (nms-keyfile-storage.c cmp_fcn). Files in /etc may lack the .nmconnection extension. */
static const struct nm_dir {
	const char *path;
	int rank;
	bool require_ext, tombstones;
} nm_dirs[] = {
    {"/etc/NetworkManager/system-connections", 2, false, true},
    {"/run/NetworkManager/system-connections", 3, true, true},
    {"/usr/lib/NetworkManager/system-connections", 1, true, false},
};

/* One keyfile or tombstone read from those directories. */
struct nm_storage {
	char *path;
	int rank;
	bool tombstone, is_wifi, wins;
	long long mtime_s, mtime_ns;
	size_t order;
	struct wifi_profile p; /* p.uuid: "" when the file has none (then it is unique) */
};

struct nm_storages {
	struct nm_storage *v;
	size_t n, cap;
};

static void nm_storages_free(struct nm_storages *ss)
{
	for (size_t i = 0; i < ss->n; i++)
		free(ss->v[i].path);
	if (ss->v)
		explicit_bzero(ss->v, ss->cap * sizeof(*ss->v));
	free(ss->v);
}

static struct nm_storage *nm_storage_add(struct nm_storages *ss, const char *path, int rank)
{
	if (ss->n == ss->cap) {
		size_t cap = ss->cap ? ss->cap * 2 : 16;
		struct nm_storage *v = realloc(ss->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		ss->v = v;
		ss->cap = cap;
	}
	struct nm_storage *st = &ss->v[ss->n];
	memset(st, 0, sizeof(*st));
	st->path = xstrdup(path);
	if (st->path == NULL)
		return NULL;
	st->rank = rank;
	st->order = ss->n++;
	return st;
}

/* The identity NetworkManager gives a file: its UUID, or (none in the file) one derived from
 * its path, which no other file shares. */
static const char *nm_identity(const struct nm_storage *st)
{
	return st->p.uuid[0] ? st->p.uuid : st->path;
}

/* > 0 when a takes precedence over b for the same UUID. */
static int nm_priority(const struct nm_storage *a, const struct nm_storage *b)
{
	if (a->rank != b->rank)
		return a->rank > b->rank ? 1 : -1;
	if (a->tombstone != b->tombstone)
		return a->tombstone ? 1 : -1;
	if (a->mtime_s != b->mtime_s)
		return a->mtime_s > b->mtime_s ? 1 : -1;
	if (a->mtime_ns != b->mtime_ns)
		return a->mtime_ns > b->mtime_ns ? 1 : -1;
	return strcmp(a->path, b->path);
}

static int nm_cmp(const void *x, const void *y)
{
	const struct nm_storage *a = x, *b = y;
	int r = strcmp(nm_identity(a), nm_identity(b));
	return r ? r : -nm_priority(a, b);
}

static int nm_cmp_order(const void *x, const void *y)
{
	const struct nm_storage *a = x, *b = y;
	return a->order < b->order ? -1 : a->order > b->order;
}

static int wifi_nm_dir(struct probe_ctx *ctx, const struct nm_dir *d, struct nm_storages *ss,
		       int *nfiles)
{
	char **names;
	size_t n;
	const char *dir = d->path;
	int r = rootfs_list(ctx, dir, NULL, &names, &n);
	if (r == MAMORI_ENOMEM)
		return r;
	if (r)
		return wifi_stop(
		    facts_put_unknown(ctx->facts, "wifi.profiles", dir, 0, "cannot list %s", dir));
	for (size_t i = 0; i < n && r == 0; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		char uuid[40];
		if (d->tombstones && nm_nmmeta_uuid(names[i], uuid, sizeof(uuid))) {
			/* Only a link to /dev/null is a tombstone; NetworkManager ignores other
			 * .nmmeta files when loading. */
			char target[64];
			int tl = rootfs_readlink(ctx, path, target, sizeof(target));
			if (tl != 9 || memcmp(target, "/dev/null", 9) != 0)
				continue;
			struct nm_storage *st = nm_storage_add(ss, path, d->rank);
			if (st == NULL) {
				r = MAMORI_ENOMEM;
				break;
			}
			st->tombstone = true;
			memcpy(st->p.uuid, uuid, sizeof(uuid));
			continue;
		}
		if (!nm_wanted(names[i], d->require_ext))
			continue;
		if (ss->n >= WIFI_MAX_PROFILES) {
			r = wifi_stop(facts_put_unknown(ctx->facts, "wifi.profiles", dir, 0,
							"more than %d NetworkManager keyfiles",
							WIFI_MAX_PROFILES));
			break;
		}
		char *buf;
		size_t len;
		r = wifi_read(ctx, path, &buf, &len);
		if (r == WIFI_SKIP) {
			r = 0;
			continue;
		}
		if (r)
			break;
		(*nfiles)++;
		struct wifi_profile p;
		bool is_wifi = false;
		int bad = 0;
		char why[256];
		r = nm_keyfile_parse(buf, len, &p, &is_wifi, &bad, why, sizeof(why));
		wipe_free(buf, len);
		if (r) {
			r = wifi_stop(facts_put_unknown(ctx->facts, "wifi.profiles", path, bad,
							"%s:%d: %s", path, bad, why));
			break;
		}
		struct nm_storage *st = nm_storage_add(ss, path, d->rank);
		if (st == NULL) {
			explicit_bzero(&p, sizeof(p));
			r = MAMORI_ENOMEM;
			break;
		}
		struct stat sb;
		if (rootfs_stat(ctx, path, &sb) == 0) {
			st->mtime_s = (long long)sb.st_mtim.tv_sec;
			st->mtime_ns = (long long)sb.st_mtim.tv_nsec;
		}
		st->is_wifi = is_wifi;
		st->p = p;
		if (is_wifi && st->p.id[0] == '\0')
			snprintf(st->p.id, sizeof(st->p.id), "%s", names[i]);
		explicit_bzero(&p, sizeof(p));
	}
	rootfs_names_free(names);
	return r;
}

/* Keeps, per UUID, the storage NetworkManager uses, and adds its Wi-Fi profile (unless it is
 * a tombstone) to c. Counts the files shadowed by another with the same UUID and the profiles
 * a tombstone hides. */
static int nm_consolidate(struct nm_storages *ss, struct wifi_collect *c, int *shadowed,
			  int *masked)
{
	if (ss->n == 0)
		return 0;
	qsort(ss->v, ss->n, sizeof(*ss->v), nm_cmp);
	for (size_t i = 0; i < ss->n; i++) {
		bool first = i == 0 || strcmp(nm_identity(&ss->v[i - 1]), nm_identity(&ss->v[i]));
		ss->v[i].wins = first;
		if (first)
			continue;
		const struct nm_storage *w = &ss->v[i];
		while (w > ss->v && !w->wins)
			w--;
		if (w->tombstone)
			(*masked)++;
		else
			(*shadowed)++;
	}
	qsort(ss->v, ss->n, sizeof(*ss->v), nm_cmp_order);
	int r = 0;
	for (size_t i = 0; i < ss->n && r == 0; i++) {
		struct nm_storage *st = &ss->v[i];
		if (!st->wins || st->tombstone || !st->is_wifi)
			continue;
		c->file = st->path;
		c->from_nm = true;
		r = add_profile(&st->p, c);
		c->from_nm = false;
		c->file = NULL;
	}
	return r;
}

static int wifi_wpa_files(struct probe_ctx *ctx, struct wifi_collect *c, int *nfiles)
{
	char **paths;
	size_t n;
	int r = rootfs_glob(ctx, "/etc/wpa_supplicant/*.conf", &paths, &n);
	if (r == MAMORI_ENOMEM)
		return r;
	if (r)
		return wifi_stop(facts_put_unknown(ctx->facts, "wifi.profiles",
						   "/etc/wpa_supplicant", 0,
						   "cannot list /etc/wpa_supplicant"));
	for (size_t i = 0; i < n && r == 0; i++) {
		char *buf;
		size_t len;
		r = wifi_read(ctx, paths[i], &buf, &len);
		if (r == WIFI_SKIP) {
			r = 0;
			continue;
		}
		if (r)
			break;
		(*nfiles)++;
		int bad = 0, ctrl_line = 0;
		char why[256], ctrl[4100];
		c->file = paths[i];
		r = wpa_supplicant_parse_ctrl(buf, len, add_profile, c, ctrl, sizeof(ctrl),
					      &ctrl_line, &bad, why, sizeof(why));
		c->file = NULL;
		wipe_free(buf, len);
		struct wifi_known *k = c->known;
		if (r == 0 && ctrl_line && k->nctrl < WIFI_MAX_CTRL_DIRS &&
		    wpa_ctrl_dir(ctrl, k->ctrl[k->nctrl].dir, sizeof(k->ctrl[0].dir))) {
			snprintf(k->ctrl[k->nctrl].file, sizeof(k->ctrl[0].file), "%s", paths[i]);
			k->ctrl[k->nctrl++].line = ctrl_line;
		}
		if (r == MAMORI_EPARSE)
			r = wifi_stop(facts_put_unknown(ctx->facts, "wifi.profiles", paths[i], bad,
							"%s:%d: %s", paths[i], bad, why));
		else if (r == MAMORI_ETOOBIG)
			r = wifi_stop(facts_put_unknown(ctx->facts, "wifi.profiles", paths[i], 0,
							"%s: more than %d networks", paths[i],
							WIFI_MAX_PROFILES));
	}
	rootfs_names_free(paths);
	return r;
}

/* wifi.profiles; fills k with what the link part needs. */
static int wifi_profiles(struct probe_ctx *ctx, struct wifi_known *k)
{
	struct wifi_collect c = {.list = json_array(), .known = k};
	if (c.list == NULL)
		return MAMORI_ENOMEM;
	int nfiles = 0, shadowed = 0, masked = 0;
	struct nm_storages ss = {NULL, 0, 0};
	int r = 0;
	for (size_t i = 0; i < sizeof(nm_dirs) / sizeof(nm_dirs[0]) && r == 0; i++)
		r = wifi_nm_dir(ctx, &nm_dirs[i], &ss, &nfiles);
	if (r == 0)
		r = nm_consolidate(&ss, &c, &shadowed, &masked);
	nm_storages_free(&ss);
	if (r == 0)
		r = wifi_wpa_files(ctx, &c, &nfiles);
	if (r) {
		json_decref(c.list);
		return r == WIFI_STOP ? 0 : r;
	}
	char note[768];
	int n = snprintf(note, sizeof(note),
			 "%d Wi-Fi profile(s) in %d file(s) of /etc, /run and /usr/lib "
			 "NetworkManager/system-connections and /etc/wpa_supplicant/*.conf",
			 c.nprofiles, nfiles);
	if (shadowed && n > 0 && (size_t)n < sizeof(note))
		n += snprintf(note + n, sizeof(note) - (size_t)n,
			      "; %d file(s) not used: a file with the same UUID in a "
			      "higher-priority directory (/run over /etc over /usr/lib) or a newer "
			      "one wins",
			      shadowed);
	if (masked && n > 0 && (size_t)n < sizeof(note))
		snprintf(note + n, sizeof(note) - (size_t)n,
			 "; %d file(s) hidden by a UUID.nmmeta link to /dev/null", masked);
	k->profiles_known = true;
	return facts_put(ctx->facts, "wifi.profiles", c.list, NULL, 0, note);
}

int probe_wifi_collect(struct probe_ctx *ctx)
{
	struct wifi_known k;
	memset(&k, 0, sizeof(k));
	int r = wifi_profiles(ctx, &k);
	if (r == 0)
		r = wifi_links_collect(ctx, &k);
	wifi_known_free(&k);
	return r;
}
