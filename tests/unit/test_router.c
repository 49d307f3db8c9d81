/* SPDX-License-Identifier: Apache-2.0 */
/* The router family: /proc/net/route, URLs, SSDP and HTTP replies, UPnP descriptions (several
 * vendors' shapes, malformed and hostile XML), the facts made from recorded answers, and how
 * the router-exposure checks classify port mappings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/scan.h"
#include "core/eval.h"
#include "core/report.h"
#include "mamori/mamori.h"
#include "probes/linux/router.h"

/* ---- /proc/net/route ---- */

#define ROUTE_HDR                                                                                  \
	"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT  "    \
	"                                                     \n"

static uint32_t ip(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* A route line as the kernel prints it on this host: the network-order word with %08X. */
static void route_line(char *out, size_t outlen, const char *ifn, const char *dest, const char *gw,
		       unsigned flags, unsigned metric, const char *mask)
{
	snprintf(out, outlen, "%s\t%08X\t%08X\t%04X\t0\t0\t%u\t%08X\t0\t0\t0          \n", ifn,
		 ip(dest), ip(gw), flags, metric, ip(mask));
}

static void append(char *out, size_t outlen, const char *s)
{
	size_t n = strlen(out);
	assert_true((size_t)snprintf(out + n, outlen - n, "%s", s) < outlen - n);
}

static bool not_tun(const char *ifname, void *ud)
{
	(void)ud;
	return strncmp(ifname, "tun", 3) != 0;
}

static void test_route_default(void **state)
{
	(void)state;
	char file[2048] = ROUTE_HDR, l[256];
	/* two default routes (Wi-Fi and wired: the lower metric wins), a reject default, the
	 * connected subnets, a host route and a docker bridge */
	route_line(l, sizeof(l), "wlp2s0", "0.0.0.0", "192.168.1.1", 0x3, 600, "0.0.0.0");
	append(file, sizeof(file), l);
	route_line(l, sizeof(l), "enp3s0", "0.0.0.0", "10.0.0.1", 0x3, 100, "0.0.0.0");
	append(file, sizeof(file), l);
	route_line(l, sizeof(l), "lo", "0.0.0.0", "127.0.0.1", 0x203, 1, "0.0.0.0");
	append(file, sizeof(file), l);
	route_line(l, sizeof(l), "enp3s0", "10.0.0.0", "0.0.0.0", 0x1, 100, "255.255.255.0");
	append(file, sizeof(file), l);
	route_line(l, sizeof(l), "enp3s0", "10.0.9.9", "0.0.0.0", 0x5, 100, "255.255.255.255");
	append(file, sizeof(file), l);
	route_line(l, sizeof(l), "wlp2s0", "192.168.1.0", "0.0.0.0", 0x1, 600, "255.255.255.0");
	append(file, sizeof(file), l);
	route_line(l, sizeof(l), "docker0", "172.17.0.0", "0.0.0.0", 0x1, 0, "255.255.0.0");
	append(file, sizeof(file), l);
	struct route4 *r;
	size_t n;
	int bad = 0;
	char why[128];
	assert_int_equal(proc_route_parse(file, strlen(file), &r, &n, &bad, why, sizeof(why)), 0);
	assert_int_equal(n, 7);
	long d = route_default(r, n, NULL, NULL);
	assert_int_equal(d, 1);
	assert_string_equal(r[d].ifname, "enp3s0");
	assert_int_equal(r[d].gateway, ip("10.0.0.1"));
	assert_int_equal(r[d].line, 3);
	uint32_t nets[4], masks[4];
	size_t k = route_subnets(r, n, "enp3s0", nets, masks, 4);
	assert_int_equal(k, 1); /* not the host route, not docker0 */
	assert_int_equal(nets[0], ip("10.0.0.0"));
	assert_int_equal(masks[0], ip("255.255.255.0"));
	struct router_query q = {.gw = ip("10.0.0.1"), .nsubnets = k};
	q.nets[0] = nets[0];
	q.masks[0] = masks[0];
	assert_true(router_on_subnet(&q, ip("10.0.0.77")));
	assert_false(router_on_subnet(&q, ip("10.0.1.77")));
	assert_false(router_on_subnet(&q, ip("172.17.0.2")));
	free(r);

	/* a VPN's default route with a lower metric is skipped when its link is no LAN */
	char vpn[1024] = ROUTE_HDR;
	route_line(l, sizeof(l), "tun0", "0.0.0.0", "10.8.0.1", 0x3, 50, "0.0.0.0");
	append(vpn, sizeof(vpn), l);
	route_line(l, sizeof(l), "wlp2s0", "0.0.0.0", "192.168.10.1", 0x3, 600, "0.0.0.0");
	append(vpn, sizeof(vpn), l);
	assert_int_equal(proc_route_parse(vpn, strlen(vpn), &r, &n, &bad, why, sizeof(why)), 0);
	assert_int_equal(route_default(r, n, NULL, NULL), 0);
	assert_int_equal(route_default(r, n, not_tun, NULL), 1);
	free(r);

	/* metric tie: the first line wins; a Wi-Fi-only PC; none at all */
	char tie[1024] = ROUTE_HDR;
	route_line(l, sizeof(l), "a", "0.0.0.0", "192.168.5.1", 0x3, 10, "0.0.0.0");
	append(tie, sizeof(tie), l);
	route_line(l, sizeof(l), "b", "0.0.0.0", "192.168.6.1", 0x3, 10, "0.0.0.0");
	append(tie, sizeof(tie), l);
	assert_int_equal(proc_route_parse(tie, strlen(tie), &r, &n, &bad, why, sizeof(why)), 0);
	assert_int_equal(route_default(r, n, NULL, NULL), 0);
	free(r);
	assert_int_equal(
	    proc_route_parse(ROUTE_HDR, strlen(ROUTE_HDR), &r, &n, &bad, why, sizeof(why)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(route_default(r, n, NULL, NULL), -1);
	free(r);
}

static void test_route_malformed(void **state)
{
	(void)state;
	struct route4 *r = (struct route4 *)1;
	size_t n;
	int bad = 0;
	char why[128];
	static const struct {
		const char *text;
		int err, line;
	} cases[] = {
	    {"eth0\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\n", MAMORI_EPARSE, 1},
	    {ROUTE_HDR "eth0\t00000000\t0101A8C0\t0003\t0\t0\n", MAMORI_EPARSE, 2},
	    {ROUTE_HDR "eth0\t0000000G\t0101A8C0\t0003\t0\t0\t0\t00000000\n", MAMORI_EPARSE, 2},
	    {ROUTE_HDR "eth0\t000000000\t0101A8C0\t0003\t0\t0\t0\t00000000\n", MAMORI_EPARSE, 2},
	    {ROUTE_HDR "eth0\t00000000\t0101A8C0\t0003\t0\t0\t-1\t00000000\n", MAMORI_EPARSE, 2},
	    {ROUTE_HDR "averyveryverylongname\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\n",
	     MAMORI_EPARSE, 2},
	    {ROUTE_HDR "..\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\n", MAMORI_EPARSE, 2},
	    {ROUTE_HDR "a/b\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\n", MAMORI_EPARSE, 2},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bad = 0;
		assert_int_equal(proc_route_parse(cases[i].text, strlen(cases[i].text), &r, &n,
						  &bad, why, sizeof(why)),
				 cases[i].err);
		assert_int_equal(bad, cases[i].line);
		assert_true(why[0] != '\0');
		assert_ptr_equal(r, (struct route4 *)1); /* untouched on failure */
	}
	/* a line past 1024 bytes; more than ROUTE_MAX_ROUTES routes */
	char *big = malloc(4096);
	memset(big, 'x', 4095);
	big[4095] = '\0';
	memcpy(big, ROUTE_HDR, strlen(ROUTE_HDR));
	assert_int_equal(proc_route_parse(big, strlen(big), &r, &n, &bad, why, sizeof(why)),
			 MAMORI_ETOOBIG);
	free(big);
	const char *row = "eth0\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\n";
	size_t rl = strlen(row), total = strlen(ROUTE_HDR) + rl * (ROUTE_MAX_ROUTES + 1);
	char *many = malloc(total + 1);
	memcpy(many, ROUTE_HDR, strlen(ROUTE_HDR));
	for (size_t i = 0; i <= ROUTE_MAX_ROUTES; i++)
		memcpy(many + strlen(ROUTE_HDR) + i * rl, row, rl);
	many[total] = '\0';
	assert_int_equal(proc_route_parse(many, total, &r, &n, &bad, why, sizeof(why)),
			 MAMORI_ETOOBIG);
	assert_int_equal(bad, ROUTE_MAX_ROUTES + 2);
	free(many);
}

/* ---- URLs ---- */

static void test_urls(void **state)
{
	(void)state;
	struct http_url u, v;
	assert_int_equal(http_url_parse("http://192.168.77.1:5000/rootDesc.xml", &u), 0);
	assert_string_equal(u.host, "192.168.77.1");
	assert_int_equal(u.port, 5000);
	assert_string_equal(u.path, "/rootDesc.xml");
	assert_int_equal(u.addr, ip("192.168.77.1"));
	assert_int_equal(http_url_parse("HTTP://10.0.0.1", &u), 0);
	assert_int_equal(u.port, 80);
	assert_string_equal(u.path, "/");
	/* no fragment anywhere: libminiupnpc would take "10.0.0.1#x" for a host name */
	assert_int_equal(http_url_parse("http://10.0.0.1/a#frag", &u), MAMORI_EINVAL);
	assert_int_equal(http_url_parse("http://10.0.0.1#x:80/", &u), MAMORI_EINVAL);
	/* host names (DNS would leave the LAN), IPv6, user info, bad ports, odd paths */
	static const char *const refused[] = {
	    "http://fritz.box/",   "http://[fe80::1]/",	     "http://user@10.0.0.1/",
	    "http://10.0.0.1:0/",  "http://10.0.0.1:65536/", "http://10.0.0.1:/",
	    "http://10.0.0.1/a b", "http://10.0.0.1/\x7f",   "https://10.0.0.1/",
	    "ftp://10.0.0.1/",	   "http:/10.0.0.1/",	     "http://10.0.0.01/",
	    "http://10.0.0/",	   "http://10.0.0.1?x",	     ""};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_int_equal(http_url_parse(refused[i], &u), MAMORI_EINVAL);

	assert_int_equal(url_kind("HTTPS://x/"), URL_HTTPS);
	assert_int_equal(url_kind("http://x/"), URL_HTTP);
	assert_int_equal(url_kind("/admin"), URL_RELATIVE);
	assert_int_equal(url_kind("index.html"), URL_RELATIVE);
	assert_int_equal(url_kind("javascript:alert(1)"), URL_OTHER);

	assert_int_equal(http_url_parse("http://10.0.0.1:5431/dyndev/uuid:0a1b", &u), 0);
	assert_int_equal(http_url_resolve(&u, "/admin/", &v), 0);
	assert_string_equal(v.path, "/admin/");
	assert_int_equal(v.port, 5431);
	assert_int_equal(http_url_resolve(&u, "login.htm", &v), 0);
	assert_string_equal(v.path, "/dyndev/login.htm");
	assert_int_equal(http_url_resolve(&u, "//10.0.0.2/x", &v), 0);
	assert_int_equal(v.addr, ip("10.0.0.2"));
	assert_int_equal(v.port, 80);
	assert_int_equal(http_url_resolve(&u, "https://10.0.0.1/", &v), MAMORI_EINVAL);
	char s[600];
	http_url_format(&u, s, sizeof(s));
	assert_string_equal(s, "http://10.0.0.1:5431/dyndev/uuid:0a1b");
	assert_int_equal(http_url_parse("http://10.0.0.1:80/x", &u), 0);
	http_url_format(&u, s, sizeof(s));
	assert_string_equal(s, "http://10.0.0.1/x");
}

/* ---- SSDP and HTTP replies ---- */

static void test_ssdp_reply(void **state)
{
	(void)state;
	/* miniupnpd 2.3's answer, as captured in the home LAN test */
	const char *mini =
	    "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\n"
	    "ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"
	    "USN: uuid:3f9d1b2e::urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"
	    "EXT:\r\nSERVER: Debian/12 UPnP/1.1 MiniUPnPd/2.3.1\r\n"
	    "LOCATION: http://192.168.77.1:5000/rootDesc.xml\r\n"
	    "OPT: \"http://schemas.upnp.org/upnp/1/0/\"; ns=01\r\n\r\n";
	struct ssdp_reply r;
	assert_int_equal(ssdp_reply_parse(mini, strlen(mini), &r), 0);
	assert_string_equal(r.location, "http://192.168.77.1:5000/rootDesc.xml");
	assert_string_equal(r.st, "urn:schemas-upnp-org:device:InternetGatewayDevice:1");
	assert_string_equal(r.server, "Debian/12 UPnP/1.1 MiniUPnPd/2.3.1");
	/* lower-case names, bare LF, no blank line at the end, a control byte in a value */
	const char *lax = "HTTP/1.0 200 OK\nlocation:http://10.0.0.1:1900/igd.xml\nst: x\x01y\n";
	assert_int_equal(ssdp_reply_parse(lax, strlen(lax), &r), 0);
	assert_string_equal(r.location, "http://10.0.0.1:1900/igd.xml");
	assert_string_equal(r.st, "x?y");
	static const char *const bad[] = {
	    "HTTP/1.1 404 Not Found\r\nLOCATION: http://10.0.0.1/\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nST: x\r\n\r\n", /* no LOCATION */
	    "NOTIFY * HTTP/1.1\r\nLOCATION: http://10.0.0.1/\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
	    "",
	    "HTTP/1.1 2000\r\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ssdp_reply_parse(bad[i], strlen(bad[i]), &r), MAMORI_EPARSE);
	char big[SSDP_MAX_REPLY + 2];
	memset(big, 'a', sizeof(big));
	assert_int_equal(ssdp_reply_parse(big, sizeof(big), &r), MAMORI_ETOOBIG);
	/* an over-long LOCATION is cut, not overflowed */
	char longloc[2048];
	int n = snprintf(longloc, sizeof(longloc), "HTTP/1.1 200 OK\r\nLOCATION: http://10.0.0.1/");
	memset(longloc + n, 'p', 1200);
	memcpy(longloc + n + 1200, "\r\n\r\n", 5);
	assert_int_equal(ssdp_reply_parse(longloc, strlen(longloc), &r), 0);
	assert_int_equal(strlen(r.location), sizeof(r.location) - 1);
}

static int reply(const char *text, struct http_reply *r, char **keep)
{
	*keep = strdup(text);
	return http_reply_parse(*keep, strlen(text), r);
}

static void test_http_reply(void **state)
{
	(void)state;
	struct http_reply r;
	char *b;
	assert_int_equal(reply("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello, extra", &r, &b),
			 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 5);
	assert_memory_equal(r.body, "hello", 5);
	assert_false(r.truncated);
	assert_true(r.complete);
	free(b);
	assert_int_equal(reply("HTTP/1.0 200 OK\r\nContent-Length: 50\r\n\r\nshort", &r, &b), 0);
	assert_true(r.truncated);
	assert_false(r.complete);
	assert_int_equal(r.body_len, 5);
	free(b);
	/* no length and not chunked: the end is where the connection closes */
	assert_int_equal(reply("HTTP/1.0 200 OK\r\n\r\n<html>", &r, &b), 0);
	assert_false(r.complete);
	assert_false(r.truncated);
	assert_int_equal(r.body_len, 6);
	free(b);
	assert_int_equal(reply("HTTP/1.1 301 Moved\r\nLocation: https://192.168.1.1/\r\n"
			       "Content-Length: 0\r\n\r\n",
			       &r, &b),
			 0);
	assert_int_equal(r.status, 301);
	assert_string_equal(r.location, "https://192.168.1.1/");
	assert_int_equal(r.body_len, 0);
	free(b);
	/* chunked, with an extension, decoded in place; then one cut short */
	assert_int_equal(reply("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n"
			       "5;x=y\r\n<root\r\n3\r\n/>!\r\n0\r\n\r\n",
			       &r, &b),
			 0);
	assert_int_equal(r.body_len, 8);
	assert_memory_equal(r.body, "<root/>!", 8);
	assert_false(r.truncated);
	assert_true(r.complete);
	free(b);
	assert_int_equal(
	    reply("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\nabc", &r, &b), 0);
	assert_true(r.truncated);
	assert_int_equal(r.body_len, 3);
	free(b);
	assert_int_equal(
	    reply("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", &r, &b),
	    MAMORI_EPARSE);
	free(b);
	/* an interim 100 Continue, then the reply; a 401 without a body */
	assert_int_equal(reply("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\n"
			       "WWW-Authenticate: Basic realm=\"router\"\r\n\r\n",
			       &r, &b),
			 0);
	assert_int_equal(r.status, 401);
	free(b);
	static const char *const bad[] = {"", "SSH-2.0-dropbear\r\n", "HTTP/1.1 200 OK\r\nA: b\r\n",
					  "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
					  "HTTP/1.1 200 OK\r\nno colon\r\n\r\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(reply(bad[i], &r, &b), MAMORI_EPARSE);
		free(b);
	}
	/* headers that never end within the cap */
	size_t n = HTTP_MAX_HEADER + 100;
	char *big = malloc(n + 1);
	memcpy(big, "HTTP/1.1 200 OK\r\n", 17);
	for (size_t i = 17; i < n; i += 10)
		memcpy(big + i, "X-a: bcd\r\n", n - i < 10 ? n - i : 10);
	big[n] = '\0';
	assert_int_equal(http_reply_parse(big, n, &r), MAMORI_ETOOBIG);
	free(big);
}

/* ---- UPnP descriptions ---- */

static int desc(const char *xml, struct igd_desc *d, char *why, size_t whylen)
{
	return igd_desc_parse(xml, strlen(xml), d, why, whylen);
}

/* miniupnpd 2.3 (as in the home LAN test): the embedded WAN devices have their own
 * manufacturer and model, which must not leak into the root device's. */
static const char miniupnpd_xml[] =
    "<?xml version=\"1.0\"?>\r\n<root xmlns=\"urn:schemas-upnp-org:device-1-0\" "
    "configId=\"1337\"><specVersion><major>1</major><minor>1</minor></specVersion><device>"
    "<deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:2</deviceType>"
    "<friendlyName>Mamori Test Router</friendlyName><manufacturer>Mamori Test Networks"
    "</manufacturer><modelDescription>HomeGate 3000 wireless broadband router</modelDescription>"
    "<modelName>HomeGate 3000</modelName><modelNumber>HG3000-2.1.7</modelNumber>"
    "<serialNumber>SN-TEST-0</serialNumber><UDN>uuid:3f9d</UDN><deviceList><device>"
    "<deviceType>urn:schemas-upnp-org:device:WANDevice:2</deviceType><friendlyName>WANDevice"
    "</friendlyName><manufacturer>MiniUPnP</manufacturer><modelName>WAN Device</modelName>"
    "<modelNumber>20221221</modelNumber><firmwareVersion>9.9</firmwareVersion></device>"
    "</deviceList><presentationURL>http://192.168.77.1/</presentationURL></device></root>";

static void test_desc_vendors(void **state)
{
	(void)state;
	struct igd_desc d;
	char why[256];
	assert_int_equal(desc(miniupnpd_xml, &d, why, sizeof(why)), 0);
	assert_string_equal(d.manufacturer, "Mamori Test Networks");
	assert_string_equal(d.model_name, "HomeGate 3000");
	assert_string_equal(d.model_number, "HG3000-2.1.7");
	assert_string_equal(d.model_description, "HomeGate 3000 wireless broadband router");
	assert_string_equal(d.friendly_name, "Mamori Test Router");
	assert_string_equal(d.serial, "SN-TEST-0");
	assert_string_equal(d.presentation_url, "http://192.168.77.1/");
	assert_string_equal(d.firmware, ""); /* the WANDevice's does not count */
	assert_string_equal(d.device_type, "urn:schemas-upnp-org:device:InternetGatewayDevice:2");

	/* a cable/DSL box in the style of a German vendor: URLBase, a host-name presentation
	 * page, the model number a fixed word, whitespace and line breaks around the values */
	assert_int_equal(
	    desc("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<root xmlns=\"urn:schemas-upnp-org:"
		 "device-1-0\">\n <specVersion><major>1</major><minor>0</minor></specVersion>\n"
		 " <URLBase>http://192.168.178.1:49000</URLBase>\n <device>\n  <deviceType>urn:"
		 "schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>\n  <friendlyName>\n"
		 "    Box 7590\n  </friendlyName>\n  <manufacturer>Example Berlin</manufacturer>\n"
		 "  <modelNumber>avm</modelNumber>\n  <modelName>Box 7590</modelName>\n"
		 "  <iconList><icon><mimetype>image/gif</mimetype><url>/ligd.gif</url></icon>"
		 "</iconList>\n  <presentationURL>http://box.home</presentationURL>\n </device>\n"
		 "</root>\n",
		 &d, why, sizeof(why)),
	    0);
	assert_string_equal(d.url_base, "http://192.168.178.1:49000");
	assert_string_equal(d.friendly_name, "Box 7590");
	assert_string_equal(d.model_number, "avm");
	assert_string_equal(d.model_description, "");
	assert_string_equal(d.presentation_url, "http://box.home");

	/* prefixed elements, a firmware version under a vendor prefix, Japanese text */
	assert_int_equal(
	    desc("<?xml version=\"1.0\"?><u:root xmlns:u=\"urn:schemas-upnp-org:device-1-0\" "
		 "xmlns:v=\"urn:example-vendor\"><u:device><u:deviceType>urn:schemas-upnp-org:"
		 "device:InternetGatewayDevice:1</"
		 "u:deviceType><u:manufacturer>例示ネットワーク株式会社"
		 "</u:manufacturer><u:modelName>WX-1200</u:modelName><v:X_firmwareVersion>3.4.1"
		 "</v:X_firmwareVersion><u:friendlyName>ホームルーター</u:friendlyName>"
		 "</u:device></u:root>",
		 &d, why, sizeof(why)),
	    0);
	assert_string_equal(d.manufacturer, "例示ネットワーク株式会社");
	assert_string_equal(d.firmware, "3.4.1");
	assert_string_equal(d.friendly_name, "ホームルーター");

	/* ISO-8859-1 declared and used: expat gives UTF-8; softwareVersion counts as firmware;
	 * the first of two modelName elements counts; a nested element's text is not the
	 * field's; CDATA is text */
	assert_int_equal(
	    desc("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><root><device><manufacturer>"
		 "T\xe9l\xe9"
		 "com</manufacturer><modelName>A<b>B</b>C</modelName><modelName>Z"
		 "</modelName><softwareVersion><![CDATA[V1.0.3 Build 2021]]></softwareVersion>"
		 "</device></root>",
		 &d, why, sizeof(why)),
	    0);
	assert_string_equal(d.manufacturer, "T\xc3\xa9l\xc3\xa9"
					    "com");
	assert_string_equal(d.model_name, "AC");
	assert_string_equal(d.firmware, "V1.0.3 Build 2021");
}

static void test_desc_caps(void **state)
{
	(void)state;
	struct igd_desc d;
	char why[256];
	/* a value past the field cap is cut on a character boundary (3-byte characters) */
	char xml[4096];
	int n = snprintf(xml, sizeof(xml), "<root><device><friendlyName>");
	for (int i = 0; i < 200; i++)
		n += snprintf(xml + n, sizeof(xml) - (size_t)n, "あ");
	snprintf(xml + n, sizeof(xml) - (size_t)n, "</friendlyName></device></root>");
	assert_int_equal(desc(xml, &d, why, sizeof(why)), 0);
	assert_int_equal(strlen(d.friendly_name), 255 / 3 * 3);
	assert_int_equal(strlen(d.friendly_name) % 3, 0);
	assert_true(strspn(d.friendly_name, "\xe3\x81\x82") == strlen(d.friendly_name));

	/* control characters (as references) never reach a fact */
	assert_int_equal(desc("<root><device><modelName>a&#9;b&#x7;c</modelName></device></root>",
			      &d, why, sizeof(why)),
			 MAMORI_EPARSE); /* &#x7; is not allowed in XML 1.0 */
	assert_int_equal(desc("<root><device><modelName>a&#9;b&#10;c</modelName></device></root>",
			      &d, why, sizeof(why)),
			 0);
	assert_string_equal(d.model_name, "a b c");

	/* larger than the cap: refused before any parsing */
	size_t big = IGD_DESC_MAX + 1;
	char *huge = malloc(big + 1);
	memset(huge, ' ', big);
	memcpy(huge, "<root><device>", 14);
	huge[big] = '\0';
	assert_int_equal(igd_desc_parse(huge, big, &d, why, sizeof(why)), MAMORI_ETOOBIG);
	/* just under it, a big but valid document parses */
	size_t ok = IGD_DESC_MAX - 64;
	memset(huge, ' ', ok);
	memcpy(huge, "<root><device><modelName>X</modelName>", 38);
	memcpy(huge + ok - 17, "</device></root>", 16);
	assert_int_equal(igd_desc_parse(huge, ok, &d, why, sizeof(why)), 0);
	assert_string_equal(d.model_name, "X");
	free(huge);

	/* nesting deeper than 32 */
	char deep[1024];
	n = snprintf(deep, sizeof(deep), "<root>");
	for (int i = 0; i < 40; i++)
		n += snprintf(deep + n, sizeof(deep) - (size_t)n, "<a>");
	assert_int_equal(desc(deep, &d, why, sizeof(why)), MAMORI_EPARSE);
	assert_non_null(strstr(why, "deeper than 32"));
}

static void test_desc_malformed(void **state)
{
	(void)state;
	struct igd_desc d;
	memset(&d, 0x55, sizeof(d));
	char why[256];
	static const struct {
		const char *xml, *why;
	} cases[] = {
	    {"<root><device><modelName>x</device></root>", "line 1, column 29: mismatched tag"},
	    {"<root><device>\n<modelName>x</modelName>\n", "line 3"},
	    {"<html><body>Router</body></html>", "not <root>"},
	    {"<root><specVersion/></root>", "no <root><device>"},
	    {"", "no element found"},
	    {"<root><device>\0</device></root>", "no element found"},
	    {"<root><device><modelName>&nbsp;</modelName></device></root>", "undefined entity"},
	    {"<root><device>\xff\xfe</device></root>", "not well-formed"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(desc(cases[i].xml, &d, why, sizeof(why)), MAMORI_EPARSE);
		if (strstr(why, cases[i].why) == NULL)
			fail_msg("case %zu: \"%s\" does not mention \"%s\"", i, why, cases[i].why);
	}
	/* out is untouched on failure */
	assert_int_equal((unsigned char)d.model_name[0], 0x55);
}

/* Entities can never expand: the DTD that would declare them is refused, so neither the
 * billion laughs nor an external entity (a file of the PC, a URL) is ever read. */
static void test_desc_entities(void **state)
{
	(void)state;
	struct igd_desc d;
	char why[256];
	const char *laughs =
	    "<?xml version=\"1.0\"?><!DOCTYPE root [<!ENTITY lol \"lol\">"
	    "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
	    "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
	    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
	    "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
	    "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
	    "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
	    "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
	    "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
	    "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
	    "]><root><device><modelName>&lol9;</modelName></device></root>";
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(desc(laughs, &d, why, sizeof(why)), MAMORI_EPARSE);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_non_null(strstr(why, "DOCTYPE is not allowed"));
	/* 10^9 "lol"s would take seconds and gigabytes; refused, it takes microseconds */
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 1000);

	static const char *const hostile[] = {
	    ("<?xml version=\"1.0\"?><!DOCTYPE root [<!ENTITY x SYSTEM \"file:///etc/shadow\">]>"
	     "<root><device><modelName>&x;</modelName></device></root>"),
	    "<!DOCTYPE root SYSTEM \"http://203.0.113.9/evil.dtd\"><root><device/></root>",
	    "<!DOCTYPE root [<!ENTITY % p SYSTEM \"http://203.0.113.9/p.dtd\"> %p;]><root/>",
	    "<!DOCTYPE root><root><device><modelName>x</modelName></device></root>",
	};
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		assert_int_equal(desc(hostile[i], &d, why, sizeof(why)), MAMORI_EPARSE);
		assert_non_null(strstr(why, "DOCTYPE is not allowed"));
	}
	/* the five predefined entities and character references are plain text */
	assert_int_equal(desc("<root><device><modelName>A&amp;B &lt;C&gt; &#x41;</modelName>"
			      "</device></root>",
			      &d, why, sizeof(why)),
			 0);
	assert_string_equal(d.model_name, "A&B <C> A");
}

/* ---- facts from recorded answers ---- */

static struct router_query query(void)
{
	struct router_query q = {.ifname = "eth0", .gateway = "192.168.77.1", .wait_ms = 300};
	q.gw = ip("192.168.77.1");
	q.nets[0] = ip("192.168.77.0");
	q.masks[0] = ip("255.255.255.0");
	q.nsubnets = 1;
	return q;
}

static json_t *answers_igd(const char *entries_json, const char *admin_json)
{
	json_error_t je;
	json_t *a = json_pack(
	    "{s:s, s:i, s:{s:{s:s, s:s, s:s, s:s}, s:i, s:[]}, s:{s:s, s:s}, s:{s:s, s:s},"
	    " s:{s:s}}",
	    "interface", "eth0", "wait_ms", 300, "ssdp", "igd", "from", "192.168.77.1", "location",
	    "http://192.168.77.1:5000/rootDesc.xml", "server", "MiniUPnPd/2.3.1", "st",
	    "urn:schemas-upnp-org:device:InternetGatewayDevice:1", "replies", 1, "ignored",
	    "description", "url", "http://192.168.77.1:5000/rootDesc.xml", "xml", miniupnpd_xml,
	    "control", "url", "http://192.168.77.1:5000/ctl/IPConn", "service",
	    "urn:schemas-upnp-org:service:WANIPConnection:2", "external_address", "value",
	    "192.0.3.7");
	assert_non_null(a);
	json_t *m = json_loads(entries_json, 0, &je);
	if (m == NULL)
		fail_msg("entries: %s", je.text);
	json_object_set_new(a, "mappings", m);
	json_t *ad = json_loads(admin_json, 0, &je);
	if (ad == NULL)
		fail_msg("admin: %s", je.text);
	json_object_set_new(a, "admin", ad);
	return a;
}

#define ADMIN_PLAIN                                                                                \
	"[{\"start\":\"http://192.168.77.1/\",\"hops\":[{\"url\":\"http://192.168.77.1/\","        \
	"\"status\":200,\"body_bytes\":198,\"location\":null}]}]"
#define ENTRY(ext, proto, client, in, en, lease)                                                   \
	"{\"external_port\":\"" ext "\",\"protocol\":\"" proto "\",\"internal_client\":\"" client  \
	"\",\"internal_port\":\"" in "\",\"description\":\"d\",\"enabled\":\"" en                  \
	"\",\"remote_host\":\"\",\"lease_seconds\":\"" lease "\"}"

static void test_record_igd(void **state)
{
	(void)state;
	struct router_query q = query();
	struct facts *f = facts_new();
	json_t *a = answers_igd(
	    "{\"entries\":[" ENTRY("445", "tcp", "192.168.77.30", "445", "1", "604800") "," ENTRY(
		"51413", "UDP", "192.168.77.10", "51413", "false", "") "],"
								       "\"end\":713}",
	    ADMIN_PLAIN);
	assert_int_equal(router_record(f, &q, a), 0);
	const struct fact *x = facts_get(f, "router.upnp_igd");
	assert_true(json_is_true(x->value));
	x = facts_get(f, "router.external_address");
	assert_string_equal(json_string_value(x->value), "192.0.3.7");
	x = facts_get(f, "router.port_mappings");
	assert_non_null(x->value);
	assert_int_equal(json_array_size(x->value), 2);
	json_t *m0 = json_array_get(x->value, 0), *m1 = json_array_get(x->value, 1);
	assert_int_equal(json_integer_value(json_object_get(m0, "external_port")), 445);
	assert_string_equal(json_string_value(json_object_get(m0, "protocol")), "TCP");
	assert_string_equal(json_string_value(json_object_get(m0, "internal_client")),
			    "192.168.77.30");
	assert_true(json_is_true(json_object_get(m0, "enabled")));
	assert_int_equal(json_integer_value(json_object_get(m0, "lease_seconds")), 604800);
	assert_string_equal(json_string_value(json_object_get(m0, "remote_host")), "");
	assert_true(json_is_false(json_object_get(m1, "enabled")));
	assert_true(json_is_null(json_object_get(m1, "lease_seconds")));
	assert_non_null(strstr(x->note, "TCP 445 -> 192.168.77.30:445"));
	assert_non_null(strstr(x->note, "(disabled)"));
	x = facts_get(f, "router.device");
	assert_string_equal(json_string_value(json_object_get(x->value, "model_name")),
			    "HomeGate 3000");
	assert_true(json_is_null(json_object_get(x->value, "firmware")));
	assert_null(json_object_get(x->value, "serial"));
	x = facts_get(f, "router.admin_plain_http");
	assert_true(json_is_true(x->value));
	x = facts_get(f, "router.admin_url");
	assert_string_equal(json_string_value(x->value), "http://192.168.77.1/");
	/* the serial number is in the description but in no fact */
	json_t *all = facts_to_json(f);
	char *dump = json_dumps(all, 0);
	assert_null(strstr(dump, "SN-TEST-0"));
	free(dump);
	json_decref(all);
	json_decref(a);
	facts_free(f);

	/* an entry whose port is not a number: the list is unknown, not shortened */
	f = facts_new();
	a = answers_igd("{\"entries\":[" ENTRY("445", "TCP", "192.168.77.30", "445", "1",
					       "0") "," ENTRY("x1", "TCP", "192.168.77.30", "1",
							      "1", "0") "],\"end\":713}",
			ADMIN_PLAIN);
	assert_int_equal(router_record(f, &q, a), 0);
	x = facts_get(f, "router.port_mappings");
	assert_null(x->value);
	assert_non_null(strstr(x->reason, "entry 1: external port \"x1\""));
	json_decref(a);
	facts_free(f);

	/* the listing broke off: unknown, with how far it got */
	f = facts_new();
	a = answers_igd(
	    "{\"entries\":[" ENTRY("80", "TCP", "192.168.77.30", "80", "1",
				   "0") "],\"error\":\"UPnP error 501 (ActionFailed)\"}",
	    ADMIN_PLAIN);
	assert_int_equal(router_record(f, &q, a), 0);
	x = facts_get(f, "router.port_mappings");
	assert_null(x->value);
	assert_non_null(strstr(x->reason, "stopped after 1: UPnP error 501"));
	json_decref(a);
	facts_free(f);
}

static void test_record_no_igd(void **state)
{
	(void)state;
	struct router_query q = query();
	struct facts *f = facts_new();
	json_error_t je;
	json_t *a = json_loads(
	    "{\"wait_ms\":1200,\"ssdp\":{\"igd\":null,\"replies\":1,\"ignored\":[\"10.9.9.9: not on "
	    "the PC's subnet\"]},\"admin\":[{\"start\":\"http://192.168.77.1/\",\"hops\":[{\"url\":"
	    "\"http://192.168.77.1/\",\"error\":\"connect: Connection "
	    "refused\",\"refused\":true}]}]}",
	    0, &je);
	assert_non_null(a);
	assert_int_equal(router_record(f, &q, a), 0);
	const struct fact *x = facts_get(f, "router.upnp_igd");
	assert_true(json_is_false(x->value));
	assert_non_null(strstr(x->note, "within 1200 ms (answers from other addresses"));
	x = facts_get(f, "router.port_mappings");
	assert_int_equal(json_array_size(x->value), 0);
	assert_true(json_is_array(x->value));
	x = facts_get(f, "router.external_address");
	assert_true(json_is_null(x->value));
	x = facts_get(f, "router.device");
	assert_null(x->value);
	assert_non_null(strstr(x->reason, "no UPnP IGD answered"));
	x = facts_get(f, "router.admin_plain_http");
	assert_true(json_is_false(x->value));
	x = facts_get(f, "router.admin_url");
	assert_true(json_is_null(x->value));
	json_decref(a);
	facts_free(f);

	/* silence within a wait shorter than the search's MX proves nothing: UPnP unknown, the
	 * admin page still decided */
	f = facts_new();
	a = json_loads("{\"wait_ms\":300,\"ssdp\":{\"igd\":null,\"replies\":0,\"ignored\":[]},"
		       "\"admin\":[{\"start\":\"http://192.168.77.1/\",\"hops\":[{\"url\":"
		       "\"http://192.168.77.1/\",\"error\":\"refused\",\"refused\":true}]}]}",
		       0, &je);
	assert_non_null(a);
	assert_int_equal(router_record(f, &q, a), 0);
	x = facts_get(f, "router.upnp_igd");
	assert_null(x->value);
	assert_non_null(strstr(x->reason, "within 300 ms, too short to be sure"));
	assert_null(facts_get(f, "router.port_mappings")->value);
	assert_true(json_is_false(facts_get(f, "router.admin_plain_http")->value));
	json_decref(a);
	facts_free(f);

	/* the search itself failed: everything unknown with the reason */
	f = facts_new();
	a = json_loads("{\"ssdp\":{\"error\":\"interface eth0: No such device\"},\"admin\":[]}", 0,
		       &je);
	assert_int_equal(router_record(f, &q, a), 0);
	x = facts_get(f, "router.upnp_igd");
	assert_null(x->value);
	assert_non_null(strstr(x->reason, "No such device"));
	assert_null(facts_get(f, "router.port_mappings")->value);
	assert_null(facts_get(f, "router.admin_plain_http")->value);
	json_decref(a);
	facts_free(f);
}

static void test_record_admin(void **state)
{
	(void)state;
	struct router_query q = query();
	static const struct {
		const char *admin;
		int plain; /* 1 true, 0 false, -1 unknown */
		const char *url, *mention;
	} cases[] = {
	    /* a redirect to https is safe, and says where the page is */
	    {"[{\"start\":\"http://192.168.77.1/\",\"hops\":[{\"url\":\"http://192.168.77.1/\","
	     "\"status\":301,\"body_bytes\":0,\"location\":\"https://192.168.77.1/\"}]}]",
	     0, "https://192.168.77.1/", "redirects (301) to https://192.168.77.1/"},
	    /* a redirect on the same host then a password prompt: plain HTTP */
	    {"[{\"start\":\"http://192.168.77.1/\",\"hops\":[{\"url\":\"http://192.168.77.1/\","
	     "\"status\":302,\"body_bytes\":0,\"location\":\"/login.htm\"},{\"url\":"
	     "\"http://192.168.77.1/"
	     "login.htm\",\"status\":401,\"body_bytes\":0,\"location\":null}]}]",
	     1, "http://192.168.77.1/login.htm", "password over plain HTTP"},
	    /* nothing on port 80 and a 404 on the presentation page: no admin page over HTTP;
	     * admin_url falls back on the description's presentationURL */
	    {"[{\"start\":\"http://192.168.77.1/\",\"hops\":[{\"url\":\"http://192.168.77.1/\","
	     "\"error\":\"connect: Connection refused\",\"refused\":true}]},{\"start\":"
	     "\"http://192.168.77.1:8080/\",\"hops\":[{\"url\":\"http://192.168.77.1:8080/\","
	     "\"status\":404,\"body_bytes\":9,\"location\":null}]}]",
	     0, "http://192.168.77.1/", "answered 404"},
	    /* an empty 200 is no page */
	    {"[{\"start\":\"http://192.168.77.1/\",\"hops\":[{\"url\":\"http://192.168.77.1/\","
	     "\"status\":200,\"body_bytes\":0,\"location\":null}]}]",
	     0, "http://192.168.77.1/", "with no content"},
	    /* no answer in time: unknown, never a pass */
	    {"[{\"start\":\"http://192.168.77.1/\",\"hops\":[{\"url\":\"http://192.168.77.1/\","
	     "\"error\":\"no connection within 2000 ms\",\"refused\":false}]}]",
	     -1, "http://192.168.77.1/", "within 2000 ms"},
	    /* one URL plain is enough even when the other timed out */
	    {"[{\"start\":\"http://192.168.77.1/\",\"hops\":[{\"url\":\"http://192.168.77.1/\","
	     "\"error\":\"no connection within 2000 "
	     "ms\"}]},{\"start\":\"http://192.168.77.1:8080/\","
	     "\"hops\":[{\"url\":\"http://192.168.77.1:8080/"
	     "\",\"status\":200,\"body_bytes\":10}]}]",
	     1, "http://192.168.77.1:8080/", "answered 200 with 10 bytes"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct facts *f = facts_new();
		json_t *a = answers_igd("{\"entries\":[],\"end\":713}", cases[i].admin);
		assert_int_equal(router_record(f, &q, a), 0);
		const struct fact *p = facts_get(f, "router.admin_plain_http");
		const struct fact *u = facts_get(f, "router.admin_url");
		if (cases[i].plain < 0) {
			assert_null(p->value);
			assert_non_null(strstr(p->reason, cases[i].mention));
		} else {
			assert_non_null(p->value);
			assert_int_equal(json_is_true(p->value), cases[i].plain);
			if (strstr(p->note, cases[i].mention) == NULL)
				fail_msg("case %zu: note \"%s\"", i, p->note);
		}
		assert_string_equal(json_string_value(u->value), cases[i].url);
		json_decref(a);
		facts_free(f);
	}
}

static void test_record_unknown(void **state)
{
	(void)state;
	struct facts *f = facts_new();
	assert_int_equal(router_record_unknown(f, NULL, "not asked: network probes are off"), 0);
	static const char *const names[] = {"router.upnp_igd",	       "router.external_address",
					    "router.port_mappings",    "router.device",
					    "router.admin_plain_http", "router.admin_url"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct fact *x = facts_get(f, names[i]);
		assert_non_null(x);
		assert_null(x->value);
		assert_string_equal(x->reason, "not asked: network probes are off");
	}
	assert_int_equal(facts_count(f), 6);
	facts_free(f);
}

/* ---- mapping classification, by the shipped checks ---- */

static enum status verdict(const char *check, const char *entries, const char *policy_yaml)
{
	struct errbuf e = {{0}};
	struct catalog *cat;
	struct policy *pol;
	struct findings *fs;
	assert_int_equal(scan_load_catalog(NULL, &cat, &e), 0);
	assert_int_equal(policy_default(cat, &pol, &e), 0);
	if (policy_yaml &&
	    policy_apply_yaml(pol, cat, "test-policy.yaml", policy_yaml, strlen(policy_yaml), &e))
		fail_msg("policy: %s", e.msg);
	struct router_query q = query();
	struct facts *f = facts_new();
	json_t *a = answers_igd(entries, ADMIN_PLAIN);
	assert_int_equal(router_record(f, &q, a), 0);
	assert_int_equal(evaluate(cat, pol, f, "linux", "router-exposure", &fs, &e), 0);
	enum status st = ST_COUNT;
	for (size_t i = 0; i < fs->n; i++) {
		if (strcmp(fs->v[i].check->id, check) == 0)
			st = fs->v[i].status;
		/* no shipped check may hit a type error on these facts */
		if (fs->v[i].reason)
			assert_null(strstr(fs->v[i].reason, "expression error"));
	}
	findings_free(fs);
	json_decref(a);
	facts_free(f);
	policy_free(pol);
	catalog_free(cat);
	return st;
}

static void test_classify_mappings(void **state)
{
	(void)state;
	const char *risky = "router-no-risky-port-mappings";
	static const struct {
		const char *entries;
		enum status want;
	} cases[] = {
	    {"{\"entries\":[],\"end\":713}", ST_PASS},
	    {"{\"entries\":[" ENTRY("51413", "UDP", "192.168.77.10", "51413", "1", "0") "]}",
	     ST_PASS},
	    /* every port of the default list, either protocol */
	    {"{\"entries\":[" ENTRY("445", "TCP", "192.168.77.30", "445", "1", "0") "]}", ST_FAIL},
	    {"{\"entries\":[" ENTRY("137", "UDP", "192.168.77.30", "137", "1", "0") "]}", ST_FAIL},
	    {"{\"entries\":[" ENTRY("3389", "TCP", "192.168.77.10", "50000", "1", "0") "]}",
	     ST_FAIL},
	    {"{\"entries\":[" ENTRY("12345", "TCP", "192.168.77.10", "12345", "1", "0") "]}",
	     ST_FAIL},
	    {"{\"entries\":[" ENTRY("21", "TCP", "192.168.77.10", "21", "1", "0") "]}", ST_FAIL},
	    /* a risky service behind another external port is still reachable from the Internet */
	    {"{\"entries\":[" ENTRY("50445", "TCP", "192.168.77.30", "445", "1", "0") "]}",
	     ST_FAIL},
	    {"{\"entries\":[" ENTRY("50446", "TCP", "192.168.77.30", "50446", "1", "0") "]}",
	     ST_PASS},
	    /* disabled mappings forward nothing */
	    {"{\"entries\":[" ENTRY("23", "TCP", "192.168.77.40", "23", "0", "0") "]}", ST_PASS},
	    /* an enabled state the router did not say counts as enabled */
	    {"{\"entries\":[" ENTRY("23", "TCP", "192.168.77.40", "23", "", "0") "]}", ST_FAIL},
	    /* external port 0 is a wildcard: every port */
	    {"{\"entries\":[" ENTRY("0", "TCP", "192.168.77.40", "0", "1", "0") "]}", ST_FAIL},
	    /* a list cut short is unknown, even when what was read looked fine */
	    {"{\"entries\":[" ENTRY("8080", "TCP", "192.168.77.40", "80", "1",
				    "0") "],"
					 "\"error\":\"UPnP error -3\"}",
	     ST_UNKNOWN},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum status st = verdict(risky, cases[i].entries, NULL);
		if (st != cases[i].want)
			fail_msg("case %zu: %s, expected %s", i, status_name(st),
				 status_name(cases[i].want));
	}
	/* the policy's own list replaces the default one */
	const char *pol = "params:\n  router_risky_ports: [8080]\n";
	assert_int_equal(
	    verdict(risky,
		    "{\"entries\":[" ENTRY("8080", "TCP", "192.168.77.40", "80", "1", "0") "]}",
		    pol),
	    ST_FAIL);
	assert_int_equal(
	    verdict(risky,
		    "{\"entries\":[" ENTRY("445", "TCP", "192.168.77.40", "445", "1", "0") "]}",
		    pol),
	    ST_PASS);
	/* the two other checks on the same facts: UPnP answered, admin page plain */
	assert_int_equal(verdict("router-upnp-off", "{\"entries\":[]}", NULL), ST_FAIL);
	assert_int_equal(verdict("router-admin-not-plain-http", "{\"entries\":[]}", NULL), ST_FAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_route_default),  cmocka_unit_test(test_route_malformed),
	    cmocka_unit_test(test_urls),	   cmocka_unit_test(test_ssdp_reply),
	    cmocka_unit_test(test_http_reply),	   cmocka_unit_test(test_desc_vendors),
	    cmocka_unit_test(test_desc_caps),	   cmocka_unit_test(test_desc_malformed),
	    cmocka_unit_test(test_desc_entities),  cmocka_unit_test(test_record_igd),
	    cmocka_unit_test(test_record_no_igd),  cmocka_unit_test(test_record_admin),
	    cmocka_unit_test(test_record_unknown), cmocka_unit_test(test_classify_mappings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
