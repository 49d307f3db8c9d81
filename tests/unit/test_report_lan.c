/* SPDX-License-Identifier: Apache-2.0 */
/* mamori lan's report on hand-made facts: every section, in English and Japanese; unknown
 * facts shown with their reason; risky mappings marked from the policy's list; the firewall
 * rules only when a neighbour is let in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/catalog.h"
#include "core/report.h"
#include "guide_fixture.h"

/* min_len: the guide fixture's profiles name it. */
static const char params_yaml[] =
    "params:\n  min_len:\n    default: 12\n    source: CSAJ 6.1.2\n    en: Minimum length\n"
    "    ja: 最小文字数\n  router_risky_ports:\n    default: [23, 445, 12345]\n    source: CSAJ "
    "5.2\n"
    "    en: Ports never to open\n    ja: 開けてはならないポート\n";

static const char checks_yaml[] =
    "checks:\n"
    "  - id: upnp-off\n    topic: router-exposure\n    severity: medium\n"
    "    platforms: [linux]\n    expr: 'not router.upnp_igd'\n"
    "    title: {en: UPnP is off, ja: UPnP が無効}\n"
    "    rationale: {en: Programs open ports, ja: ポートが開く}\n"
    "    remediation:\n      linux: {en: Turn UPnP off on the router, ja: ルーターで UPnP "
    "を無効にする}\n"
    "    controls: [csaj-5.1.3]\n"
    "  - id: ssh-x\n    topic: ssh\n    severity: high\n    platforms: [linux]\n"
    "    expr: 'false'\n    title: {en: Not shown, ja: 表示しない}\n"
    "    rationale: {en: r, ja: r}\n    remediation:\n      linux: {en: f, ja: f}\n"
    "    controls: [csaj-5.1.3]\n";

struct world {
	struct catalog *c;
	struct policy *p;
	struct facts *f;
};

static json_t *j(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
	if (v == NULL)
		fail_msg("bad JSON in the test: %s: %s", text, je.text);
	return v;
}

static void put(struct facts *f, const char *name, const char *json)
{
	assert_int_equal(facts_put(f, name, j(json), "test", 0, NULL), 0);
}

static int setup(void **state)
{
	static struct world w;
	struct errbuf e = {{0}};
	w.c = catalog_new();
	if (catalog_add(w.c, "params.yaml", params_yaml, strlen(params_yaml), &e) ||
	    catalog_add(w.c, "checks/t.yaml", checks_yaml, strlen(checks_yaml), &e) ||
	    fixture_add_guide(w.c, &e) || catalog_finish(w.c, &e)) {
		fprintf(stderr, "catalog: %s\n", e.msg);
		return -1;
	}
	assert_int_equal(policy_default(w.c, &w.p, &e), 0);
	w.f = facts_new();
	facts_put_str(w.f, "host.hostname", "pc-sato", "/etc/hostname", 1, NULL);
	facts_put_str(w.f, "router.gateway", "192.168.77.1", "/proc/net/route", 2, NULL);
	put(w.f, "router.upnp_igd", "true");
	put(w.f, "router.external_address", "\"203.0.113.7\"");
	put(w.f, "router.device",
	    "{\"manufacturer\": \"Example\", \"model_name\": \"HomeGate\", \"model_number\": "
	    "\"HG-7\","
	    " \"firmware\": null}");
	put(w.f, "router.port_mappings",
	    "[{\"external_port\": 445, \"protocol\": \"TCP\", \"internal_client\": "
	    "\"192.168.77.30\","
	    " \"internal_port\": 445, \"description\": \"tv share\", \"enabled\": true},"
	    " {\"external_port\": 51413, \"protocol\": \"UDP\", \"internal_client\": "
	    "\"192.168.77.10\","
	    " \"internal_port\": 51413, \"description\": \"torrent\", \"enabled\": true}]");
	put(w.f, "router.admin_plain_http", "true");
	put(w.f, "router.admin_url", "\"http://192.168.77.1/\"");
	put(w.f, "wifi.links",
	    "[{\"interface\": \"wlan0\", \"ssid\": \"home-5G\", \"security\": \"wpa-tkip\","
	    " \"key_mgmt\": \"WPA-PSK\", \"pairwise_cipher\": \"TKIP\"}]");
	put(w.f, "wifi.profiles",
	    "[{\"ssid\": \"cafe-free\", \"security\": \"open\", \"autoconnect\": true,"
	    " \"file\": \"/etc/NetworkManager/system-connections/cafe.nmconnection\"},"
	    " {\"ssid\": \"home-5G\", \"security\": \"wpa2\", \"autoconnect\": true}]");
	put(w.f, "lan.interface", "\"wlan0\"");
	put(w.f, "lan.addresses", "[\"192.168.77.10/24\"]");
	put(w.f, "lan.neighbours",
	    "[{\"address\": \"192.168.77.1\", \"mac\": \"02:00:00:00:00:01\", \"gateway\": true,"
	    " \"printer\": false, \"firewall\": \"blocked\", \"open_ports\": []},"
	    " {\"address\": \"192.168.77.20\", \"mac\": \"02:00:00:00:00:20\", \"gateway\": false,"
	    " \"printer\": true, \"firewall\": \"blocked\", \"open_ports\": []},"
	    " {\"address\": \"192.168.77.30\", \"mac\": \"02:00:00:00:00:30\", \"gateway\": false,"
	    " \"printer\": false, \"firewall\": \"open\", \"open_ports\": [\"tcp/22\", "
	    "\"tcp/445\"]},"
	    " {\"address\": \"192.168.77.40\", \"mac\": \"02:00:00:00:00:40\", \"gateway\": false,"
	    " \"printer\": false, \"firewall\": \"unknown\", \"why\": \"chain input, handle 7: ct "
	    "mark\"}]");
	put(w.f, "lan.neighbours_let_in", "[\"192.168.77.30\"]");
	put(w.f, "lan.other_device_ports", "[\"tcp/22\"]");
	put(w.f, "lan.firewall_fix", "\"table inet mamori_lan {\\n}\"");
	*state = &w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	if (w == NULL)
		return 0;
	facts_free(w->f);
	policy_free(w->p);
	catalog_free(w->c);
	return 0;
}

static char *render(struct world *w, const char *lang)
{
	struct errbuf e = {{0}};
	struct findings *fs = NULL;
	assert_int_equal(evaluate(w->c, w->p, w->f, "linux", "router-exposure,wifi", &fs, &e), 0);
	assert_int_equal(fs->n, 1); /* the ssh check is not one of the topics */
	struct report_ctx r = {.lang = lang,
			       .platform = "linux",
			       .root = "/",
			       .now = 1790000000,
			       .report_id = "",
			       .catalog = w->c,
			       .policy = w->p,
			       .facts = w->f,
			       .findings = fs};
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(report_lan_text(&r, &b), 0);
	findings_free(fs);
	char *s = strndup(b.data, b.len);
	buf_free(&b);
	return s;
}

#define HAS(s, sub)                                                                                \
	do {                                                                                       \
		if (strstr((s), (sub)) == NULL)                                                    \
			fail_msg("missing \"%s\" in:\n%s", (sub), (s));                            \
	} while (0)

static void test_english(void **state)
{
	char *s = render(*state, "en");
	HAS(s, "mamori home network report\nHost: pc-sato");
	HAS(s, "  Gateway: 192.168.77.1\n");
	HAS(s, "  Model: Example HomeGate HG-7\n  Firmware: not known\n");
	HAS(s, "UPnP port opening: on: programs on the LAN can open ports");
	HAS(s, "  Internet address: 203.0.113.7\n");
	HAS(s, "    TCP 445 -> 192.168.77.30:445  tv share  !! risky\n");
	HAS(s, "    UDP 51413 -> 192.168.77.10:51413  torrent\n"); /* not on the list: unmarked */
	HAS(s, "Administration page: plain HTTP: its password crosses the LAN unencrypted  "
	       "http://192.168.77.1/");
	HAS(s, "  wlan0: \"home-5G\"  wpa-tkip (WPA-PSK, TKIP)\n");
	HAS(s, "Saved open networks that connect by themselves:\n    \"cafe-free\"");
	HAS(s, "  This PC: 192.168.77.10/24 (wlan0)\n");
	HAS(s, "192.168.77.1     02:00:00:00:00:01 router         blocked by this PC's firewall\n");
	HAS(s, "192.168.77.20    02:00:00:00:00:20 printer        blocked");
	HAS(s, "192.168.77.30    02:00:00:00:00:30 other device   can reach this PC on tcp/22 "
	       "tcp/445\n");
	HAS(s, "not known whether the firewall blocks it (chain input, handle 7: ct mark)");
	HAS(s, "A device that joins the LAN later could reach this PC on tcp/22\n");
	HAS(s, "== What to change ==\n");
	HAS(s, "fail     [medium] upnp-off  UPnP is off");
	HAS(s, "How to fix: Turn UPnP off on the router");
	HAS(s, "let in only the router and the printers (nftables; run as root):\ntable inet "
	       "mamori_lan {\n}\n");
	assert_null(strstr(s, "Not shown"));
	free(s);
}

static void test_japanese_and_unknowns(void **state)
{
	struct world *w = *state;
	char *s = render(w, "ja");
	HAS(s, "mamori 自宅ネットワーク診断");
	HAS(s, "  ゲートウェイ: 192.168.77.1\n");
	HAS(s, "!! 危険");
	HAS(s, "この PC に接続できるポート: tcp/22 tcp/445");
	HAS(s, "== 見直すべき点 ==");
	free(s);
	/* Unknown facts say so with their reason; nobody is let in: no rules offered. */
	facts_free(w->f);
	w->f = facts_new();
	facts_put_unknown(w->f, "router.upnp_igd", NULL, 0, "not asked: network probes are off");
	put(w->f, "router.port_mappings", "[]");
	put(w->f, "wifi.links", "[]");
	put(w->f, "lan.neighbours", "[]");
	put(w->f, "lan.neighbours_let_in", "[]");
	put(w->f, "lan.firewall_fix", "\"table inet mamori_lan {}\"");
	s = render(w, "en");
	HAS(s, "UPnP port opening: not known (not asked: network probes are off)");
	HAS(s, "  Gateway: not known (no probe recorded this fact)");
	HAS(s, "Ports open to the Internet:\n    none\n");
	HAS(s, "  not connected over Wi-Fi\n");
	HAS(s, "no other device seen (mamori lan --discover looks for them)");
	HAS(s, "unknown  [medium] upnp-off");
	assert_null(strstr(s, "nftables; run as root"));
	free(s);
}

static void test_topic_list(void **state)
{
	(void)state;
	assert_true(topic_listed("wifi", "wifi"));
	assert_true(topic_listed("router-exposure,wifi", "wifi"));
	assert_true(topic_listed("wifi,router-exposure", "router-exposure"));
	assert_false(topic_listed("wifi,router-exposure", "router"));
	assert_false(topic_listed("wifi-x", "wifi"));
	assert_false(topic_listed("", "wifi"));
	assert_true(topic_listed(",,wifi", "wifi"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_english),
	    cmocka_unit_test(test_japanese_and_unknowns),
	    cmocka_unit_test(test_topic_list),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
