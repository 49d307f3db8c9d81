/* SPDX-License-Identifier: Apache-2.0 */
/* The router family (docs/probes/router.md): the IPv4 default gateway from /proc/net/route and,
 * when network probes are on, what that router says about itself on the LAN: its UPnP IGD
 * (SSDP search, device description, port mappings) and its administration page on port 80.
 *
 * The pure parsers below take a buffer and do no I/O; each is fuzzed. The network part is one
 * sys_ops member (router_ask, router_net.c): it returns what the router answered as JSON, and
 * the probe turns that JSON into facts, so a test can feed recorded answers instead. */
#ifndef MAMORI_LINUX_ROUTER_H
#define MAMORI_LINUX_ROUTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/facts.h"

/* ---- /proc/net/route ---- */

#define ROUTE_MAX_FILE (1u << 20)
#define ROUTE_MAX_ROUTES 4096

/* Linux route flags (linux/route.h). */
#define ROUTE_F_UP 0x0001u
#define ROUTE_F_GATEWAY 0x0002u
#define ROUTE_F_HOST 0x0004u
#define ROUTE_F_REJECT 0x0200u

struct route4 {
	char ifname[16];
	/* As the kernel keeps them: network byte order, printed by /proc as one hex word in the
	 * host's order, so reading the word back on the same host gives the same bytes. */
	uint32_t dest, gateway, mask;
	unsigned flags;
	long long metric;
	int line; /* 1-based line in the file */
};

/* Parses /proc/net/route (a header line, then one tab-separated route per line). *out is an
 * array of *count routes the caller frees (NULL when there are none). Returns 0,
 * MAMORI_ENOMEM, MAMORI_ETOOBIG (more than ROUTE_MAX_ROUTES) or MAMORI_EPARSE with *bad_line
 * and why set; on failure *out is untouched. */
int proc_route_parse(const char *buf, size_t len, struct route4 **out, size_t *count, int *bad_line,
		     char *why, size_t whylen);

/* The default route the kernel would use: up, destination and mask 0.0.0.0/0, via a gateway,
 * not a reject route, the lowest metric (the first in the file on a tie). -1 when none.
 * With usable, only routes whose interface it accepts are considered. */
long route_default(const struct route4 *r, size_t n, bool (*usable)(const char *ifname, void *ud),
		   void *ud);

/* The prefixes directly connected on ifname (up, no gateway, not a host route): the PC's own
 * subnets there, at most max of them. Returns how many were written. */
size_t route_subnets(const struct route4 *r, size_t n, const char *ifname, uint32_t *nets,
		     uint32_t *masks, size_t max);

/* ---- URLs ---- */

struct http_url {
	char host[16];	/* dotted IPv4 */
	uint32_t addr;	/* network byte order */
	unsigned port;	/* 1..65535 */
	char path[512]; /* starts with '/' */
};

/* Parses "http://A.B.C.D[:PORT][/path]". Host names are refused (MAMORI_EINVAL): resolving one
 * would send a query off the LAN, and a router's URLs name it by address. */
int http_url_parse(const char *url, struct http_url *out);

enum url_kind { URL_HTTP, URL_HTTPS, URL_RELATIVE, URL_OTHER };
/* What kind of reference s is (scheme compared without case). */
enum url_kind url_kind(const char *s);

/* Resolves ref ("http://...", "/path", "path") against base; "https://..." and other schemes
 * are not resolved (MAMORI_EINVAL). */
int http_url_resolve(const struct http_url *base, const char *ref, struct http_url *out);

/* Formats u as "http://host[:port]path" into out. */
void http_url_format(const struct http_url *u, char *out, size_t outlen);

/* ---- SSDP ---- */

#define SSDP_MAX_REPLY 4096

struct ssdp_reply {
	char location[512];
	char st[256];
	char server[256];
	char usn[256];
};

/* Parses one SSDP answer to an M-SEARCH: "HTTP/1.x 200 ...", then "NAME: value" headers
 * (names without case, CRLF or LF). LOCATION is required. Returns 0, MAMORI_ETOOBIG (over
 * SSDP_MAX_REPLY) or MAMORI_EPARSE. Values longer than their field are cut. */
int ssdp_reply_parse(const char *buf, size_t len, struct ssdp_reply *out);

/* ---- HTTP replies ---- */

#define HTTP_MAX_HEADER 16384

struct http_reply {
	int status;	    /* 100..999 */
	char location[512]; /* the Location header, "" when absent */
	const char *body;   /* into the parsed buffer (decoded in place when chunked) */
	size_t body_len;
	bool truncated; /* fewer bytes than Content-Length or the chunks announced */
	bool complete;	/* the body's end is in buf: Content-Length reached, last chunk seen */
};

/* Parses a whole HTTP/1.x response held in buf (modified in place: a chunked body is decoded
 * over itself). Returns 0, MAMORI_EPARSE (no status line, headers never end, bad chunk size)
 * or MAMORI_ETOOBIG (headers over HTTP_MAX_HEADER). */
int http_reply_parse(char *buf, size_t len, struct http_reply *out);

/* ---- UPnP device description ---- */

#define IGD_DESC_MAX (256u << 10)
#define IGD_FIELD_MAX 256

/* The root device's own fields (not those of the embedded WANDevice...), each trimmed and cut
 * to IGD_FIELD_MAX - 1 bytes on a UTF-8 boundary; "" when absent or empty. */
struct igd_desc {
	char device_type[IGD_FIELD_MAX];
	char friendly_name[IGD_FIELD_MAX];
	char manufacturer[IGD_FIELD_MAX];
	char model_name[IGD_FIELD_MAX];
	char model_number[IGD_FIELD_MAX];
	char model_description[IGD_FIELD_MAX];
	char serial[IGD_FIELD_MAX]; /* parsed, never recorded as a fact: see router.md */
	char presentation_url[IGD_FIELD_MAX];
	/* Only from an element that says so: firmwareVersion, softwareVersion, firmware or
	 * X_firmwareVersion (any prefix, any case). Never derived from the model number. */
	char firmware[IGD_FIELD_MAX];
	char url_base[IGD_FIELD_MAX]; /* <root><URLBase> */
};

/* Parses a UPnP root device description with expat. A DOCTYPE (and with it every entity
 * declaration) is refused, so no entity can expand; elements nest at most 32 deep. Returns 0,
 * MAMORI_ENOMEM, MAMORI_ETOOBIG (over IGD_DESC_MAX) or MAMORI_EPARSE with why ("line L,
 * column C: ..." or "no <root><device>"). */
int igd_desc_parse(const char *buf, size_t len, struct igd_desc *out, char *why, size_t whylen);

/* ---- the network, and the facts from what it said ---- */

#define ROUTER_MAX_SUBNETS 8
/* The shortest wait after which silence means "no UPnP IGD": the search asks for answers
 * within MX = 1 s, and devices spread them over that second. */
#define ROUTER_SURE_WAIT_MS 1200
#define ROUTER_MAX_MAPPINGS 1024

/* What the probe asks sys_ops->router_ask for. */
struct router_query {
	char ifname[16];  /* the default route's interface */
	char gateway[16]; /* dotted IPv4 */
	uint32_t gw;	  /* network byte order */
	uint32_t nets[ROUTER_MAX_SUBNETS], masks[ROUTER_MAX_SUBNETS]; /* on-link prefixes */
	size_t nsubnets;
	unsigned wait_ms; /* how long to wait for the SSDP answers */
};

/* Whether addr (network order) lies in one of q's subnets or is the gateway itself. */
bool router_on_subnet(const struct router_query *q, uint32_t addr);

/* The live answers: SSDP search for an IGD on q->ifname (multicast, TTL 2, and a unicast
 * search to the gateway), its description and port mappings, the admin page. Talks only to
 * addresses on q's subnets. Fills *json (the caller frees) with the answers documented in
 * docs/probes/router.md. Returns 0, or a negative error with why. */
int router_ask_live(void *ud, const struct router_query *q, char **json, size_t *len, char *why,
		    size_t whylen);

/* Records every router.* fact but router.gateway from answers (the JSON router_ask returns).
 * Returns 0 or MAMORI_ENOMEM; malformed answers make the facts concerned unknown. */
int router_record(struct facts *f, const struct router_query *q, const json_t *answers);

/* Records every router.* fact but router.gateway as unknown with the same reason. */
int router_record_unknown(struct facts *f, const char *source, const char *reason);

#endif
