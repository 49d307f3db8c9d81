/* SPDX-License-Identifier: Apache-2.0 */
/* The wifi family's parsers: NetworkManager keyfiles and wpa_supplicant.conf; the link in
 * use: wpa_supplicant's STATUS reply, its classification, NetworkManager's device state, and
 * the live control-socket client against a socket this test serves. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mamori/mamori.h"
#include "probes/linux/wifi.h"
#include "probes/probe.h"

static int nm(const char *text, struct wifi_profile *p, bool *is_wifi, int *bad)
{
	char why[256];
	*bad = -1;
	return nm_keyfile_parse(text, strlen(text), p, is_wifi, bad, why, sizeof(why));
}

static void test_nm_wpa2(void **state)
{
	(void)state;
	struct wifi_profile p;
	bool w;
	int bad;
	assert_int_equal(nm("[connection]\nid=Home\ntype=wifi\n[wifi]\nssid=HomeNet\n"
			    "[wifi-security]\nkey-mgmt=wpa-psk\npsk=abcdefghij\\sklmnopqrst\n",
			    &p, &w, &bad),
			 0);
	assert_true(w);
	assert_string_equal(p.id, "Home");
	assert_string_equal(p.ssid, "HomeNet");
	assert_int_equal(p.security, WIFI_SEC_WPA2);
	assert_int_equal(p.psk_length, 21); /* "\s" is one space */
	assert_true(p.autoconnect);
	assert_int_equal(p.line, 7);
}

static void test_nm_classes(void **state)
{
	(void)state;
	static const struct {
		const char *sec;
		enum wifi_sec want;
		int psk;
	} cases[] = {
	    {"", WIFI_SEC_OPEN, -1},
	    {"[wifi-security]\nkey-mgmt=none\nwep-key0=abcde\n", WIFI_SEC_WEP, -1},
	    {"[wifi-security]\nkey-mgmt=none\n", WIFI_SEC_WEP, -1},
	    {"[wifi-security]\nkey-mgmt=owe\n", WIFI_SEC_OWE, -1},
	    {"[wifi-security]\nkey-mgmt=ieee8021x\n", WIFI_SEC_WEP, -1},
	    {"[wifi-security]\nkey-mgmt=wpa-eap\n", WIFI_SEC_ENTERPRISE, -1},
	    {"[802-11-wireless-security]\nkey-mgmt=wpa-eap-suite-b-192\n", WIFI_SEC_ENTERPRISE, -1},
	    {"[wifi-security]\nkey-mgmt=sae\npsk=0123456789abcdef0123456789abcdef0123456789abcdef"
	     "0123456789abcdef\n",
	     WIFI_SEC_WPA3, 64},
	    {"[wifi-security]\nkey-mgmt=wpa-psk\nproto=wpa;\npsk=12345678\n", WIFI_SEC_WPA, 8},
	    {"[wifi-security]\nkey-mgmt=wpa-psk\nproto=wpa;rsn;\npsk=12345678\n", WIFI_SEC_WPA2, 8},
	    {"[wifi-security]\nkey-mgmt=wpa-psk\npairwise=tkip;\npsk=12345678\n", WIFI_SEC_WPA_TKIP,
	     8},
	    {"[wifi-security]\nkey-mgmt=wpa-psk\npairwise=tkip;ccmp;\ngroup=tkip;\n"
	     "psk=12345678\n",
	     WIFI_SEC_WPA_TKIP, 8},
	    {"[wifi-security]\nkey-mgmt=wpa-psk\npairwise=tkip;ccmp;\npsk=12345678\n",
	     WIFI_SEC_WPA2, 8},
	    {"[wifi-security]\nkey-mgmt=wpa-psk\npsk=12345678\npsk-flags=1\n", WIFI_SEC_WPA2, -1},
	    {"[wifi-security]\nkey-mgmt=wpa-psk\n", WIFI_SEC_WPA2, -1},
	    {"[wifi-security]\nkey-mgmt=wpa-none\npsk=12345678\n", WIFI_SEC_WPA, 8},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[1024];
		snprintf(text, sizeof(text), "[connection]\ntype=wifi\n[wifi]\nssid=x\n%s",
			 cases[i].sec);
		struct wifi_profile p;
		bool w;
		int bad;
		assert_int_equal(nm(text, &p, &w, &bad), 0);
		assert_true(w);
		assert_int_equal(p.security, cases[i].want);
		assert_int_equal(p.psk_length, cases[i].psk);
	}
}

static void test_nm_other(void **state)
{
	(void)state;
	struct wifi_profile p;
	bool w = true;
	int bad;
	assert_int_equal(nm("[connection]\nid=eth\ntype=ethernet\n", &p, &w, &bad), 0);
	assert_false(w);
	assert_int_equal(nm("[connection]\ntype=wifi\nautoconnect=false\n[wifi]\n"
			    "ssid=72;101;108;108;111;\n",
			    &p, &w, &bad),
			 0);
	assert_string_equal(p.ssid, "Hello");
	assert_false(p.autoconnect);
}

static void test_nm_malformed(void **state)
{
	(void)state;
	struct wifi_profile p;
	bool w;
	int bad;
	assert_int_equal(nm("[connection]\ntype=wifi\nno equals here\n", &p, &w, &bad),
			 MAMORI_EPARSE);
	assert_int_equal(bad, 3);
	assert_int_equal(nm("[connection]\ntype=wifi\nautoconnect=maybe\n", &p, &w, &bad),
			 MAMORI_EPARSE);
	assert_int_equal(bad, 3);
	assert_int_equal(
	    nm("[connection]\ntype=wifi\n[wifi-security]\nkey-mgmt=wpa-psk-xyz\n", &p, &w, &bad),
	    MAMORI_EPARSE);
	assert_int_equal(bad, 4);
	assert_int_equal(
	    nm("[connection]\ntype=wifi\n[wifi-security]\npsk=12345678\n", &p, &w, &bad),
	    MAMORI_EPARSE); /* security section without key-mgmt */
	assert_int_equal(nm("[connection]\ntype=wifi\n[wifi-security]\nkey-mgmt=wpa-psk\n"
			    "psk-flags=x\n",
			    &p, &w, &bad),
			 MAMORI_EPARSE);
	/* An oversized line is refused, not truncated. */
	size_t n = 20000;
	char *big = malloc(n + 64);
	assert_non_null(big);
	memcpy(big, "[connection]\ntype=wifi\nid=", 26);
	memset(big + 26, 'a', n);
	big[26 + n] = '\0';
	assert_int_equal(nm(big, &p, &w, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 3);
	free(big);
}

struct got {
	struct wifi_profile p[8];
	int n;
};

static int collect(const struct wifi_profile *p, void *ud)
{
	struct got *g = ud;
	if (g->n < 8)
		g->p[g->n++] = *p;
	return 0;
}

static int wpa(const char *text, struct got *g, int *bad)
{
	char why[256];
	memset(g, 0, sizeof(*g));
	*bad = -1;
	return wpa_supplicant_parse(text, strlen(text), collect, g, bad, why, sizeof(why));
}

static void test_wpa_supplicant(void **state)
{
	(void)state;
	struct got g;
	int bad;
	assert_int_equal(
	    wpa("ctrl_interface=/run/wpa_supplicant\n"
		"network={\n ssid=\"Home\"\n psk=\"pass#word-1234\" # c\n}\n"
		"network={\n\tssid=\"Cafe\"\n\tkey_mgmt=NONE\n\tdisabled=1\n}\n"
		"network={\n ssid=\"Old\"\n key_mgmt=NONE\n wep_key0=\"abcde\"\n}\n"
		"network={\n ssid=\"Mix\"\n key_mgmt=WPA-PSK SAE\n psk=0123456789abcdef"
		"0123456789abcdef0123456789abcdef0123456789abcdef\n}\n"
		"network={\n ssid=\"Corp\"\n key_mgmt=WPA-EAP\n eap=PEAP\n}\n"
		"network={\n ssid=\"W1\"\n proto=WPA\n psk=\"12345678\"\n}\n"
		"cred={\n realm=\"example.com\"\n}\n",
		&g, &bad),
	    0);
	assert_int_equal(g.n, 6);
	assert_string_equal(g.p[0].ssid, "Home");
	assert_int_equal(g.p[0].security, WIFI_SEC_WPA2);
	assert_int_equal(g.p[0].psk_length, 14);
	assert_int_equal(g.p[0].line, 2);
	assert_int_equal(g.p[1].security, WIFI_SEC_OPEN);
	assert_false(g.p[1].autoconnect);
	assert_int_equal(g.p[2].security, WIFI_SEC_WEP);
	assert_int_equal(g.p[3].security, WIFI_SEC_WPA2_WPA3);
	assert_int_equal(g.p[3].psk_length, 64);
	assert_int_equal(g.p[4].security, WIFI_SEC_ENTERPRISE);
	assert_int_equal(g.p[5].security, WIFI_SEC_WPA);
}

static void test_wpa_malformed(void **state)
{
	(void)state;
	struct got g;
	int bad;
	assert_int_equal(wpa("network={\n ssid=\"x\"\n", &g, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 1);
	assert_int_equal(wpa("}\n", &g, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 1);
	assert_int_equal(wpa("network={\nnetwork={\n}\n", &g, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	assert_int_equal(wpa("network={\n ssid\n}\n", &g, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	assert_int_equal(wpa("network={\n psk=short\n}\n", &g, &bad), MAMORI_EPARSE);
	assert_int_equal(wpa("network={\n key_mgmt=\n}\n", &g, &bad), MAMORI_EPARSE);
	char big[6000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(wpa(big, &g, &bad), MAMORI_EPARSE);
}

/* The UUID that identifies a keyfile (any type), lower-cased, and tombstone names. */
static void test_nm_uuid(void **state)
{
	(void)state;
	struct wifi_profile p;
	bool w;
	int bad;
	assert_int_equal(nm("[connection]\nid=Cafe\nuuid=3F6C1A52-9d0e-4b7a-8c21-5E4F0A9B7D13\n"
			    "type=wifi\n[wifi]\nssid=FreeCafe\n",
			    &p, &w, &bad),
			 0);
	assert_true(w);
	assert_string_equal(p.uuid, "3f6c1a52-9d0e-4b7a-8c21-5e4f0a9b7d13");
	memset(&p, 0x55, sizeof(p));
	assert_int_equal(nm("[connection]\nuuid=d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6\n"
			    "type=ethernet\n",
			    &p, &w, &bad),
			 0);
	assert_false(w);
	assert_string_equal(p.uuid, "d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6");
	assert_string_equal(p.id, "");
	assert_int_equal(nm("[connection]\ntype=wifi\n[wifi]\nssid=x\n", &p, &w, &bad), 0);
	assert_string_equal(p.uuid, "");
	/* An over-long value is cut, never overflows. */
	char big[400];
	int n = snprintf(big, sizeof(big), "[connection]\ntype=wifi\nuuid=");
	memset(big + n, 'a', 300);
	big[n + 300] = '\0';
	assert_int_equal(nm(big, &p, &w, &bad), 0);
	assert_int_equal(strlen(p.uuid), sizeof(p.uuid) - 1);

	char u[40];
	assert_true(nm_nmmeta_uuid("8A0B5C7E-1f2d-4e3c-9b8a-7d6e5f4c3b2a.nmmeta", u, sizeof(u)));
	assert_string_equal(u, "8a0b5c7e-1f2d-4e3c-9b8a-7d6e5f4c3b2a");
	assert_false(
	    nm_nmmeta_uuid("8a0b5c7e-1f2d-4e3c-9b8a-7d6e5f4c3b2a.nmconnection", u, sizeof(u)));
	assert_false(nm_nmmeta_uuid("8a0b5c7e-1f2d-4e3c-9b8a-7d6e5f4c3b2.nmmeta", u, sizeof(u)));
	assert_false(nm_nmmeta_uuid("8a0b5c7e-1f2d-4e3c-9b8a-7d6e5f4c3b2g.nmmeta", u, sizeof(u)));
	assert_false(nm_nmmeta_uuid("8a0b5c7e11f2d-4e3c-9b8a-7d6e5f4c3b2a.nmmeta", u, sizeof(u)));
	assert_false(nm_nmmeta_uuid(".nmmeta", u, sizeof(u)));
	assert_false(nm_nmmeta_uuid("8a0b5c7e-1f2d-4e3c-9b8a-7d6e5f4c3b2a.nmmeta", u, 36));
}

/* ---- the link in use ---- */

static int status(const char *text, struct wpa_status *st, int *bad)
{
	char why[256];
	*bad = -1;
	return wpa_status_parse(text, strlen(text), st, bad, why, sizeof(why));
}

/* What wpa_cli status prints on a WPA2 home network (wpa_supplicant 2.10). */
static const char status_wpa2[] = "bssid=aa:bb:cc:dd:ee:ff\n"
				  "freq=5180\n"
				  "ssid=HomeNet\n"
				  "id=0\n"
				  "id_str=home\n"
				  "mode=station\n"
				  "wifi_generation=5\n"
				  "pairwise_cipher=CCMP\n"
				  "group_cipher=CCMP\n"
				  "key_mgmt=WPA2-PSK\n"
				  "wpa_state=COMPLETED\n"
				  "ip_address=192.168.1.23\n"
				  "p2p_device_address=aa:bb:cc:dd:ee:00\n"
				  "address=aa:bb:cc:dd:ee:01\n"
				  "uuid=2037fae1-645f-5395-bf83-265e8fd707ff\n"
				  "ieee80211ac=1\n";

static void test_status_wpa2(void **state)
{
	(void)state;
	struct wpa_status st;
	int bad;
	assert_int_equal(status(status_wpa2, &st, &bad), 0);
	assert_string_equal(st.wpa_state, "COMPLETED");
	assert_int_equal(st.wpa_state_line, 11);
	assert_string_equal(st.ssid, "HomeNet");
	assert_string_equal(st.bssid, "aa:bb:cc:dd:ee:ff");
	assert_string_equal(st.key_mgmt, "WPA2-PSK");
	assert_string_equal(st.pairwise_cipher, "CCMP");
	assert_string_equal(st.group_cipher, "CCMP");
	assert_string_equal(st.mode, "station");
	assert_string_equal(st.id_str, "home");
	assert_int_equal(st.id, 0);
	enum wifi_sec sec = WIFI_SEC_OPEN;
	char note[200];
	assert_true(wifi_link_classify(st.key_mgmt, st.pairwise_cipher, st.group_cipher, &sec, note,
				       sizeof(note)));
	assert_int_equal(sec, WIFI_SEC_WPA2);
	assert_non_null(strstr(note, "CCMP"));
}

/* Each sample is a STATUS reply's security lines; want -1: cannot be told. */
static void test_status_classes(void **state)
{
	(void)state;
	static const struct {
		const char *lines;
		int want;
	} cases[] = {
	    {"pairwise_cipher=TKIP\ngroup_cipher=TKIP\nkey_mgmt=WPA-PSK\n", WIFI_SEC_WPA},
	    {"pairwise_cipher=CCMP\ngroup_cipher=CCMP\nkey_mgmt=WPA-PSK\n", WIFI_SEC_WPA},
	    {"pairwise_cipher=TKIP\ngroup_cipher=TKIP\nkey_mgmt=WPA2-PSK\n", WIFI_SEC_WPA_TKIP},
	    {"pairwise_cipher=CCMP\ngroup_cipher=TKIP\nkey_mgmt=WPA2-PSK\n", WIFI_SEC_WPA_TKIP},
	    {"pairwise_cipher=CCMP\ngroup_cipher=CCMP\nkey_mgmt=SAE\nsae_group=19\nsae_h2e=1\n"
	     "pmf=2\nmgmt_group_cipher=BIP\n",
	     WIFI_SEC_WPA3},
	    {"pairwise_cipher=GCMP-256\ngroup_cipher=GCMP-256\nkey_mgmt=SAE-EXT-KEY\n",
	     WIFI_SEC_WPA3},
	    {"pairwise_cipher=CCMP\ngroup_cipher=CCMP\nkey_mgmt=FT-SAE\n", WIFI_SEC_WPA3},
	    {"pairwise_cipher=WEP-104\ngroup_cipher=WEP-104\nkey_mgmt=NONE\n", WIFI_SEC_WEP},
	    {"pairwise_cipher=WEP-40\ngroup_cipher=WEP-40\nkey_mgmt=NONE\n", WIFI_SEC_WEP},
	    {"pairwise_cipher=NONE\ngroup_cipher=NONE\nkey_mgmt=NONE\n", WIFI_SEC_OPEN},
	    {"pairwise_cipher=CCMP\ngroup_cipher=CCMP\nkey_mgmt=OWE\n", WIFI_SEC_OWE},
	    {"pairwise_cipher=CCMP\ngroup_cipher=CCMP\nkey_mgmt=FT-PSK\n", WIFI_SEC_WPA2},
	    {"pairwise_cipher=CCMP\ngroup_cipher=CCMP\nkey_mgmt=WPA2-PSK-SHA256\n", WIFI_SEC_WPA2},
	    {"pairwise_cipher=CCMP\ngroup_cipher=CCMP\nkey_mgmt=WPA2/IEEE 802.1X/EAP\n"
	     "Supplicant PAE state=AUTHENTICATED\nsuppPortStatus=Authorized\n"
	     "EAP state=SUCCESS\nselectedMethod=25 (EAP-PEAP)\n",
	     WIFI_SEC_ENTERPRISE},
	    {"pairwise_cipher=GCMP-256\ngroup_cipher=GCMP-256\nkey_mgmt=WPA2-EAP-SUITE-B-192\n",
	     WIFI_SEC_ENTERPRISE},
	    {"pairwise_cipher=CCMP\ngroup_cipher=CCMP\nkey_mgmt=FT-EAP\n", WIFI_SEC_ENTERPRISE},
	    {"pairwise_cipher=TKIP\ngroup_cipher=TKIP\nkey_mgmt=WPA2/IEEE 802.1X/EAP\n",
	     WIFI_SEC_WPA_TKIP},
	    {"pairwise_cipher=TKIP\ngroup_cipher=TKIP\nkey_mgmt=WPA/IEEE 802.1X/EAP\n",
	     WIFI_SEC_WPA},
	    {"pairwise_cipher=WEP-104\ngroup_cipher=WEP-104\nkey_mgmt=IEEE 802.1X (no WPA)\n",
	     WIFI_SEC_WEP},
	    {"pairwise_cipher=CCMP\ngroup_cipher=GTK_NOT_USED\nkey_mgmt=WPA2-PSK\n", WIFI_SEC_WPA2},
	    {"pairwise_cipher=CCMP\ngroup_cipher=CCMP\nkey_mgmt=WPA2-PSK+WPA-PSK\n", -1},
	    {"pairwise_cipher=CCMP\ngroup_cipher=CCMP\nkey_mgmt=UNKNOWN\n", -1},
	    {"pairwise_cipher=CCMP\ngroup_cipher=CCMP\nkey_mgmt=WPS\n", -1},
	    {"pairwise_cipher=UNKNOWN\ngroup_cipher=CCMP\nkey_mgmt=WPA2-PSK\n", -1},
	    {"group_cipher=CCMP\nkey_mgmt=WPA2-PSK\n", -1},
	    {"pairwise_cipher=CCMP\ngroup_cipher=CCMP\nkey_mgmt=NONE\n", -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[1024];
		snprintf(text, sizeof(text),
			 "bssid=02:00:00:00:01:00\nssid=x\n%swpa_state=COMPLETED\n",
			 cases[i].lines);
		struct wpa_status st;
		int bad;
		assert_int_equal(status(text, &st, &bad), 0);
		enum wifi_sec sec = WIFI_SEC_OPEN;
		char note[200] = "";
		bool known = wifi_link_classify(st.key_mgmt, st.pairwise_cipher, st.group_cipher,
						&sec, note, sizeof(note));
		if (cases[i].want < 0) {
			if (known)
				fail_msg("case %zu: classified as %s, expected unknown", i,
					 wifi_security_name(sec));
		} else if (!known || (int)sec != cases[i].want) {
			fail_msg("case %zu: %s (%s), expected %s", i,
				 known ? wifi_security_name(sec) : "unknown", note,
				 wifi_security_name((enum wifi_sec)cases[i].want));
		}
		assert_true(note[0] != '\0');
		assert_true(sec != WIFI_SEC_WPA2_WPA3);
	}
}

static void test_status_ssid(void **state)
{
	(void)state;
	struct wpa_status st;
	int bad;
	/* printf_encode: UTF-8 bytes and quotes escaped; a control byte shows as '?'. */
	assert_int_equal(
	    status("ssid=Caf\\xc3\\xa9 \\\"A\\\\B\\\" \\x01\\e\nwpa_state=COMPLETED\n", &st, &bad),
	    0);
	assert_string_equal(st.ssid, "Caf\xc3\xa9 \"A\\B\" ??");
	/* 32 bytes fit, 33 do not. */
	char text[256];
	snprintf(text, sizeof(text), "ssid=%s\nwpa_state=SCANNING\n",
		 "\\x41\\x41\\x41\\x41\\x41\\x41\\x41\\x41AAAAAAAAAAAAAAAAAAAAAAAA");
	assert_int_equal(status(text, &st, &bad), 0);
	assert_int_equal(strlen(st.ssid), 32);
	snprintf(text, sizeof(text), "ssid=%s\nwpa_state=SCANNING\n",
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	assert_int_equal(status(text, &st, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 1);
	/* An SSID may hold '=' and the first value of a key wins. */
	assert_int_equal(
	    status("ssid=a=b\nwpa_state=COMPLETED\nssid=other\nwpa_state=X\n", &st, &bad), 0);
	assert_string_equal(st.ssid, "a=b");
	assert_string_equal(st.wpa_state, "COMPLETED");
	assert_int_equal(st.wpa_state_line, 2);
	/* CRLF and a disconnected interface: no ssid at all. */
	assert_int_equal(
	    status("wpa_state=DISCONNECTED\r\naddress=aa:bb:cc:dd:ee:01\r\n", &st, &bad), 0);
	assert_string_equal(st.wpa_state, "DISCONNECTED");
	assert_string_equal(st.ssid, "");
	assert_int_equal(st.id, -1);
}

static void test_status_malformed(void **state)
{
	(void)state;
	struct wpa_status st;
	int bad;
	char why[256];
	assert_int_equal(status("FAIL\n", &st, &bad), MAMORI_EPARSE);
	assert_int_equal(status("UNKNOWN COMMAND\n", &st, &bad), MAMORI_EPARSE);
	assert_int_equal(status("", &st, &bad), MAMORI_EPARSE); /* no wpa_state */
	assert_int_equal(status("bssid=aa:bb:cc:dd:ee:ff\nssid=Home\nwpa_sta", &st, &bad),
			 MAMORI_EPARSE); /* cut short */
	assert_int_equal(bad, 3);
	assert_int_equal(status("bssid=aa:bb:cc:dd:ee:ff\nssid=Home\n", &st, &bad),
			 MAMORI_EPARSE); /* cut before wpa_state */
	assert_int_equal(status("wpa_state=COMPLETED\n=x\n", &st, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	assert_int_equal(status("wpa_state=COMPLETED\nid=-3\n", &st, &bad), MAMORI_EPARSE);
	assert_int_equal(status("wpa_state=COMPLETED\nkey_mgmt=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
				"AAAAAAAAAAAAAAAAAAAA\n",
				&st, &bad),
			 MAMORI_EPARSE);
	assert_int_equal(status("wpa_state=COMPLETED\nk\x01y=1\n", &st, &bad), MAMORI_EPARSE);
	/* A NUL byte, garbage, an over-long line, an over-long reply. */
	static const char nul[] = "wpa_state=COMPLETED\nssid=a\0b\n";
	assert_int_equal(wpa_status_parse(nul, sizeof(nul) - 1, &st, &bad, why, sizeof(why)),
			 MAMORI_EPARSE);
	unsigned char junk[512];
	unsigned x = 12345;
	for (size_t i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (unsigned char)(x >> 16) | 1;
	}
	assert_int_equal(
	    wpa_status_parse((const char *)junk, sizeof(junk), &st, &bad, why, sizeof(why)),
	    MAMORI_EPARSE);
	size_t n = 70000;
	char *big = malloc(n + 32);
	assert_non_null(big);
	memcpy(big, "wpa_state=COMPLETED\nx=", 22);
	memset(big + 22, 'a', 2000);
	big[2022] = '\n';
	assert_int_equal(wpa_status_parse(big, 2023, &st, &bad, why, sizeof(why)), MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	for (size_t i = 20; i + 1 < n; i += 10)
		memcpy(big + i, "x=aaaaaaa\n", 10);
	assert_int_equal(wpa_status_parse(big, n, &st, &bad, why, sizeof(why)), MAMORI_EPARSE);
	assert_non_null(strstr(why, "larger"));
	free(big);
}

static int nmstate(const char *text, struct nm_device_state *ds, int *bad)
{
	char why[256];
	*bad = -1;
	return nm_device_state_parse(text, strlen(text), ds, bad, why, sizeof(why));
}

/* What NetworkManager 1.42 writes to /run/NetworkManager/devices/IFINDEX (key names checked
 * against the strings of Debian 12's NetworkManager binary). */
static void test_nm_device_state(void **state)
{
	(void)state;
	struct nm_device_state ds;
	int bad;
	assert_int_equal(nmstate("# NetworkManager device state\n"
				 "[device]\n"
				 "managed=true\n"
				 "perm-hw-addr-fake=false\n"
				 "connection-uuid=6F1C2A4E-1b7d-4c55-9a61-2f3b8c9d0e11\n"
				 "nm-owned=false\n"
				 "route-metric-default-aspired=600\n"
				 "route-metric-default-effective=600\n"
				 "\n"
				 "[dhcp4]\n"
				 "dhcp_lease_time=86400\n"
				 "domain_name=home.example\n"
				 "not a key value line, skipped\n",
				 &ds, &bad),
			 0);
	assert_int_equal(ds.managed, 1);
	assert_string_equal(ds.connection_uuid, "6f1c2a4e-1b7d-4c55-9a61-2f3b8c9d0e11");
	assert_int_equal(ds.uuid_line, 5);
	/* Unmanaged, no connection; a repeated [device] group continues the first. */
	assert_int_equal(nmstate("[device]\nmanaged=false\n[dhcp6]\nx=1\n[device]\n"
				 "route-metric-default-aspired=100\n",
				 &ds, &bad),
			 0);
	assert_int_equal(ds.managed, 0);
	assert_string_equal(ds.connection_uuid, "");
	assert_int_equal(nmstate("[device]\nmanaged=maybe\nconnection-uuid=\n", &ds, &bad), 0);
	assert_int_equal(ds.managed, -1);
	assert_string_equal(ds.connection_uuid, "");
	assert_int_equal(nmstate("", &ds, &bad), 0);
	assert_int_equal(ds.managed, -1);
	/* The DHCP groups may hold long values: skipped, not refused. */
	size_t n = 20000;
	char *big = malloc(n + 64);
	assert_non_null(big);
	int k = snprintf(big, 64, "[device]\nmanaged=1\n[dhcp4]\nx=");
	memset(big + k, 'a', n);
	big[k + n] = '\0';
	assert_int_equal(nmstate(big, &ds, &bad), 0);
	assert_int_equal(ds.managed, 1);
	/* ... but not in [device]. */
	k = snprintf(big, 64, "[device]\nconnection-uuid=");
	memset(big + k, 'a', n);
	big[k + n] = '\0';
	assert_int_equal(nmstate(big, &ds, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	free(big);
	assert_int_equal(nmstate("[device]\nmanaged\n", &ds, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	assert_int_equal(nmstate("[device\nmanaged=true\n", &ds, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 1);
	assert_int_equal(nmstate("[device]\nconnection-uuid=../../etc/passwd\n", &ds, &bad),
			 MAMORI_EPARSE);
	assert_int_equal(nmstate("[device]\nconnection-uuid=0123456789abcdef0123456789abcdef"
				 "01234567\n",
				 &ds, &bad),
			 MAMORI_EPARSE);
}

static void test_ctrl_dir(void **state)
{
	(void)state;
	char d[64];
	assert_true(wpa_ctrl_dir("DIR=/run/wpa_supplicant GROUP=netdev", d, sizeof(d)));
	assert_string_equal(d, "/run/wpa_supplicant");
	assert_true(wpa_ctrl_dir("/var/run/wpa_supplicant/", d, sizeof(d)));
	assert_string_equal(d, "/var/run/wpa_supplicant");
	assert_true(wpa_ctrl_dir("DIR=/tmp/w x", d, sizeof(d)));
	assert_string_equal(d, "/tmp/w x");
	assert_false(wpa_ctrl_dir("", d, sizeof(d)));
	assert_false(wpa_ctrl_dir("udp", d, sizeof(d)));
	assert_false(wpa_ctrl_dir("DIR=run GROUP=netdev", d, sizeof(d)));
	assert_false(
	    wpa_ctrl_dir("/a/very/long/directory/name/that/does/not/fit/in/the/buffer", d, 16));

	/* The global ctrl_interface of a configuration: the last one wins. */
	char ctrl[128], why[256];
	int line, bad;
	static const char conf[] = "ctrl_interface=/run/old\n"
				   "network={\n ssid=\"x\"\n ctrl_interface=/not/global\n}\n"
				   "ctrl_interface=DIR=/run/wpa GROUP=netdev\n";
	assert_int_equal(wpa_supplicant_parse_ctrl(conf, strlen(conf), NULL, NULL, ctrl,
						   sizeof(ctrl), &line, &bad, why, sizeof(why)),
			 0);
	assert_string_equal(ctrl, "DIR=/run/wpa GROUP=netdev");
	assert_int_equal(line, 6);
	assert_int_equal(wpa_supplicant_parse_ctrl("country=JP\n", 11, NULL, NULL, ctrl,
						   sizeof(ctrl), &line, &bad, why, sizeof(why)),
			 0);
	assert_int_equal(line, 0);
	assert_string_equal(ctrl, "");
}

/* ---- the live control-socket client, against a socket served here ---- */

struct server {
	int fd;
	const char *reply; /* NULL: never answer */
	size_t replylen;
	bool event_first; /* send an unsolicited "<3>..." before the reply */
	char got[64];
};

static void *serve(void *arg)
{
	struct server *sv = arg;
	char buf[256];
	struct sockaddr_un from;
	socklen_t fl = sizeof(from);
	struct pollfd p = {.fd = sv->fd, .events = POLLIN};
	if (poll(&p, 1, 2000) != 1)
		return NULL;
	ssize_t n = recvfrom(sv->fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	snprintf(sv->got, sizeof(sv->got), "%.63s", buf);
	if (sv->event_first)
		sendto(sv->fd, "<3>CTRL-EVENT-SCAN-STARTED ", 27, 0, (struct sockaddr *)&from, fl);
	if (sv->reply)
		sendto(sv->fd, sv->reply, sv->replylen, 0, (struct sockaddr *)&from, fl);
	return NULL;
}

static int ask(const char *path, struct server *sv, char **reply, size_t *len, char *why,
	       size_t whylen)
{
	const struct sys_ops *ops = sys_ops_live();
	assert_non_null(ops->wpa_ctrl_request);
	int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	pthread_t t;
	if (sv)
		assert_int_equal(pthread_create(&t, NULL, serve, sv), 0);
	*reply = NULL;
	int r = ops->wpa_ctrl_request(ops->ud, rootfd, path, "STATUS", reply, len, why, whylen);
	if (sv)
		pthread_join(t, NULL);
	close(rootfd);
	return r;
}

static void test_live_client(void **state)
{
	(void)state;
	char dir[] = "/tmp/mamori-wpa-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], why[256], *reply;
	size_t len;
	snprintf(path, sizeof(path), "%s/wlan9", dir);
	/* No socket. */
	assert_int_equal(ask(path, NULL, &reply, &len, why, sizeof(why)), MAMORI_ENOENT);
	/* A regular file and a symlink are not sockets (the link is not followed). */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(ask(path, NULL, &reply, &len, why, sizeof(why)), MAMORI_EIO);
	assert_non_null(strstr(why, "not a socket"));
	unlink(path);

	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	char link[128];
	snprintf(link, sizeof(link), "%s/wlan8", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(ask(link, NULL, &reply, &len, why, sizeof(why)), MAMORI_EIO);
	assert_non_null(strstr(why, "not a socket"));

	/* An answer, after an unsolicited event that is not the reply. */
	struct server sv = {
	    .fd = fd, .reply = status_wpa2, .replylen = strlen(status_wpa2), .event_first = true};
	assert_int_equal(ask(path, &sv, &reply, &len, why, sizeof(why)), 0);
	assert_string_equal(sv.got, "STATUS");
	assert_int_equal(len, strlen(status_wpa2));
	assert_string_equal(reply, status_wpa2);
	free(reply);

	/* No answer: given up after about 300 ms. */
	struct server mute = {.fd = fd};
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(ask(path, &mute, &reply, &len, why, sizeof(why)), MAMORI_EIO);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms >= 250 && ms < 1500);
	assert_non_null(strstr(why, "no answer"));

	/* A reply over the 16 KiB cap is refused. */
	size_t bign = 20000;
	char *big = malloc(bign);
	assert_non_null(big);
	memset(big, 'a', bign);
	struct server huge = {.fd = fd, .reply = big, .replylen = bign};
	assert_int_equal(ask(path, &huge, &reply, &len, why, sizeof(why)), MAMORI_ETOOBIG);
	free(big);

	/* A socket nobody reads any more (its server closed). */
	close(fd);
	assert_int_equal(ask(path, NULL, &reply, &len, why, sizeof(why)), MAMORI_EIO);
	assert_non_null(strstr(why, "nothing listens"));
	unlink(link);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nm_wpa2),	     cmocka_unit_test(test_nm_classes),
	    cmocka_unit_test(test_nm_other),	     cmocka_unit_test(test_nm_malformed),
	    cmocka_unit_test(test_wpa_supplicant),   cmocka_unit_test(test_wpa_malformed),
	    cmocka_unit_test(test_nm_uuid),	     cmocka_unit_test(test_status_wpa2),
	    cmocka_unit_test(test_status_classes),   cmocka_unit_test(test_status_ssid),
	    cmocka_unit_test(test_status_malformed), cmocka_unit_test(test_nm_device_state),
	    cmocka_unit_test(test_ctrl_dir),	     cmocka_unit_test(test_live_client),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
