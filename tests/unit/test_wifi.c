/* SPDX-License-Identifier: Apache-2.0 */
/* The wifi family's parsers: NetworkManager keyfiles and wpa_supplicant.conf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/mamori.h"
#include "probes/linux/wifi.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nm_wpa2),	   cmocka_unit_test(test_nm_classes),
	    cmocka_unit_test(test_nm_other),	   cmocka_unit_test(test_nm_malformed),
	    cmocka_unit_test(test_wpa_supplicant), cmocka_unit_test(test_wpa_malformed),
	    cmocka_unit_test(test_nm_uuid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
