/* SPDX-License-Identifier: Apache-2.0 */
/* lan.*: the home LAN around the PC. The interface of the default route and its addresses,
 * the router, the neighbours the kernel knows (ARP and IPv6 neighbour tables; with
 * --discover after a sweep of the PC's own IPv4 subnet), the printers CUPS prints to, and for
 * each neighbour whether the live nftables ruleset lets it in (fw_reach.c). CSAJ 5.1.7 allows
 * only the router and the printers. */
#include <arpa/inet.h>
#include <jansson.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "probes/linux/common.h"
#include "probes/linux/fw_reach.h"
#include "probes/linux/lan.h"
#include "probes/linux/router.h"
#include "probes/linux/probes.h"

void lan_addr_str(int family, const unsigned char *addr, char *out, size_t outlen)
{
	if (inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, out, (socklen_t)outlen) == NULL)
		snprintf(out, outlen, "?");
}

/* ---- small text helpers ---- */

#define MAX_FIELDS 12

struct fields {
	const char *p[MAX_FIELDS];
	size_t l[MAX_FIELDS];
	size_t n;
	bool more; /* there were more than MAX_FIELDS */
};

static void split(const char *s, size_t len, struct fields *f)
{
	size_t i = 0;
	f->n = 0;
	f->more = false;
	while (i < len) {
		while (i < len && c_isspace((unsigned char)s[i]))
			i++;
		if (i >= len)
			break;
		size_t start = i;
		while (i < len && !c_isspace((unsigned char)s[i]))
			i++;
		if (f->n == MAX_FIELDS) {
			f->more = true;
			return;
		}
		f->p[f->n] = s + start;
		f->l[f->n++] = i - start;
	}
}

static int hexval(int c)
{
	c = c_tolower(c);
	return c_isdigit(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex digits (an optional 0x first) into *out, at most maxdigits of them. */
static bool parse_hex(const char *s, size_t n, size_t maxdigits, unsigned long long *out)
{
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (n == 0 || n > maxdigits)
		return false;
	unsigned long long v = 0;
	for (size_t i = 0; i < n; i++) {
		int h = hexval((unsigned char)s[i]);
		if (h < 0)
			return false;
		v = v * 16 + (unsigned)h;
	}
	*out = v;
	return true;
}

/* A field into a NUL-terminated copy; false when it does not fit. */
static bool field_copy(const char *p, size_t l, char *out, size_t outlen)
{
	if (l >= outlen)
		return false;
	memcpy(out, p, l);
	out[l] = '\0';
	return true;
}

static bool parse_mac(const char *s, size_t n, unsigned char mac[6])
{
	if (n != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		int a = hexval((unsigned char)s[i * 3]), b = hexval((unsigned char)s[i * 3 + 1]);
		if (a < 0 || b < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return false;
		mac[i] = (unsigned char)(a * 16 + b);
	}
	return true;
}

static void mac_str(const unsigned char mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

/* ---- /proc/net/arp ---- */

struct arp_walk {
	lan_neigh_fn fn;
	void *ud;
};

#define ATF_COM_ 0x02
#define ATF_PERM_ 0x04
#define ATF_PUBL_ 0x08

static int arp_line(const char *line, size_t len, int lineno, void *ud)
{
	struct arp_walk *w = ud;
	struct fields f;
	split(line, len, &f);
	if (lineno == 1 || f.n == 0)
		return 0; /* the header, or an empty line */
	if (f.n != 6 || f.more)
		return MAMORI_EPARSE;
	struct lan_neigh n = {.family = 4, .line = lineno};
	char ip[16];
	unsigned long long hwtype, flags;
	if (!field_copy(f.p[0], f.l[0], ip, sizeof(ip)) || inet_pton(AF_INET, ip, n.addr) != 1 ||
	    !parse_hex(f.p[1], f.l[1], 8, &hwtype) || !parse_hex(f.p[2], f.l[2], 8, &flags) ||
	    !field_copy(f.p[5], f.l[5], n.ifname, sizeof(n.ifname)))
		return MAMORI_EPARSE;
	n.has_mac = parse_mac(f.p[3], f.l[3], n.mac);
	static const unsigned char zero[6];
	if (n.has_mac && memcmp(n.mac, zero, 6) == 0)
		n.has_mac = false; /* an entry still being resolved, or one that failed */
	if (flags & ATF_PUBL_) {
		n.state = "proxy"; /* this PC answers for that address: no neighbour */
	} else if (flags & ATF_PERM_) {
		n.state = "permanent";
		n.usable = true;
	} else if (flags & ATF_COM_) {
		/* NUD_VALID: reachable, stale, delay or probe; the file does not say which. */
		n.state = "complete";
		n.usable = true;
	} else {
		n.state = "incomplete"; /* incomplete or failed: nothing answered */
	}
	(void)hwtype;
	return w->fn(&n, w->ud);
}

int lan_proc_arp_parse(const char *buf, size_t len, lan_neigh_fn fn, void *ud, int *bad_line)
{
	struct arp_walk w = {fn, ud};
	if (len > LAN_MAX_FILE)
		return MAMORI_ETOOBIG;
	return for_each_line(buf, len, LAN_MAX_LINE, arp_line, &w, bad_line);
}

/* ---- rtnetlink neighbour dump ---- */

static const char *nud_name(unsigned state, bool *usable)
{
	*usable = false;
	if (state & NUD_PERMANENT) {
		*usable = true;
		return "permanent";
	}
	if (state & NUD_NOARP)
		return "noarp";
	*usable = true;
	if (state & NUD_REACHABLE)
		return "reachable";
	if (state & NUD_STALE)
		return "stale";
	if (state & NUD_DELAY)
		return "delay";
	if (state & NUD_PROBE)
		return "probe";
	*usable = false;
	if (state & NUD_FAILED)
		return "failed";
	if (state & NUD_INCOMPLETE)
		return "incomplete";
	return "none";
}

/* One RTM_NEWNEIGH payload: struct ndmsg, then attributes. */
static int neigh_msg(const unsigned char *p, size_t plen, size_t at, struct lan_neigh *n, char *why,
		     size_t whylen)
{
	struct ndmsg nd;
	if (plen < sizeof(nd)) {
		snprintf(why, whylen, "byte %zu: neighbour message shorter than struct ndmsg", at);
		return MAMORI_EPARSE;
	}
	memcpy(&nd, p, sizeof(nd));
	memset(n, 0, sizeof(*n));
	n->family = nd.ndm_family == AF_INET ? 4 : nd.ndm_family == AF_INET6 ? 6 : 0;
	n->ifindex = nd.ndm_ifindex > 0 ? (unsigned)nd.ndm_ifindex : 0;
	n->state = nud_name(nd.ndm_state, &n->usable);
	n->router = (nd.ndm_flags & NTF_ROUTER) != 0;
	if (nd.ndm_flags & NTF_PROXY) {
		n->state = "proxy";
		n->usable = false;
	}
	bool have_dst = false;
	size_t off = NLMSG_ALIGN(sizeof(nd));
	while (off + sizeof(struct rtattr) <= plen) {
		struct rtattr a;
		memcpy(&a, p + off, sizeof(a));
		if (a.rta_len < sizeof(a) || a.rta_len > plen - off) {
			snprintf(why, whylen, "byte %zu: attribute length %u out of bounds",
				 at + off, a.rta_len);
			return MAMORI_EPARSE;
		}
		size_t dl = a.rta_len - sizeof(a);
		const unsigned char *d = p + off + RTA_ALIGN(sizeof(a));
		if (a.rta_type == NDA_DST) {
			size_t want = n->family == 4 ? 4 : n->family == 6 ? 16 : 0;
			if (want == 0 || dl != want) {
				snprintf(why, whylen,
					 "byte %zu: address of %zu bytes for address family %u",
					 at + off, dl, nd.ndm_family);
				return MAMORI_EPARSE;
			}
			memcpy(n->addr, d, dl);
			have_dst = true;
		} else if (a.rta_type == NDA_LLADDR && dl == 6) {
			memcpy(n->mac, d, 6);
			static const unsigned char zero[6];
			n->has_mac = memcmp(n->mac, zero, 6) != 0;
		}
		off += RTA_ALIGN(a.rta_len);
	}
	return have_dst ? 1 : 0;
}

int lan_rtnl_neigh_parse(const void *buf, size_t len, lan_neigh_fn fn, void *ud, char *why,
			 size_t whylen)
{
	const unsigned char *b = buf;
	size_t off = 0;
	if (len > LAN_NEIGH_DUMP_MAX) {
		snprintf(why, whylen, "neighbour dump larger than %u bytes", LAN_NEIGH_DUMP_MAX);
		return MAMORI_ETOOBIG;
	}
	while (off < len) {
		struct nlmsghdr h;
		if (len - off < sizeof(h)) {
			snprintf(why, whylen, "byte %zu: truncated netlink header", off);
			return MAMORI_EPARSE;
		}
		memcpy(&h, b + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off) {
			snprintf(why, whylen, "byte %zu: netlink message length %u out of bounds",
				 off, h.nlmsg_len);
			return MAMORI_EPARSE;
		}
		if (h.nlmsg_type == NLMSG_DONE)
			return 0;
		if (h.nlmsg_type == NLMSG_ERROR) {
			snprintf(why, whylen, "byte %zu: the kernel answered with an error", off);
			return MAMORI_EPARSE;
		}
		if (h.nlmsg_type == RTM_NEWNEIGH) {
			struct lan_neigh n;
			size_t hl = NLMSG_HDRLEN;
			int r = h.nlmsg_len >= hl ? neigh_msg(b + off + hl, h.nlmsg_len - hl,
							      off + hl, &n, why, whylen)
						  : 0;
			if (r < 0)
				return r;
			if (r > 0 && n.family && (r = fn(&n, ud)) != 0)
				return r;
		}
		size_t step = NLMSG_ALIGN(h.nlmsg_len);
		off = step > len - off ? len : off + step;
	}
	return 0;
}

/* ---- default routes ---- */


struct route_walk {
	struct lan_route *out;
	const char *only_if;
};

static void route_take(struct route_walk *w, const struct lan_route *r)
{
	if (w->only_if && strcmp(w->only_if, r->ifname) != 0)
		return;
	if (!w->out->found || r->metric < w->out->metric)
		*w->out = *r;
}

/* IPv4: the routes as router.c parses them (one parser of /proc/net/route), then the
 * default route of the lowest metric, with or without a gateway (a PPP link has none). */
int lan_proc_route_parse(const char *buf, size_t len, struct lan_route *out, int *bad_line)
{
	struct route4 *rt = NULL;
	size_t n = 0;
	char why[160];
	int r = proc_route_parse(buf, len, &rt, &n, bad_line, why, sizeof why);
	if (r)
		return r;
	struct lan_route best = {0};
	struct route_walk w = {&best, NULL};
	for (size_t i = 0; i < n; i++) {
		const struct route4 *x = &rt[i];
		if (x->dest != 0 || x->mask != 0 || !(x->flags & ROUTE_F_UP) ||
		    (x->flags & ROUTE_F_REJECT))
			continue;
		struct lan_route c = {.found = true,
				      .line = x->line,
				      .has_gw = (x->flags & ROUTE_F_GATEWAY) && x->gateway != 0,
				      .metric = (unsigned long long)x->metric};
		memcpy(c.gw, &x->gateway, 4); /* network byte order: the address's bytes */
		snprintf(c.ifname, sizeof c.ifname, "%s", x->ifname);
		route_take(&w, &c);
	}
	free(rt);
	*out = best;
	return 0;
}

static bool hex_bytes(const char *s, size_t n, unsigned char *out, size_t nbytes)
{
	if (n != nbytes * 2)
		return false;
	for (size_t i = 0; i < nbytes; i++) {
		int a = hexval((unsigned char)s[2 * i]), b = hexval((unsigned char)s[2 * i + 1]);
		if (a < 0 || b < 0)
			return false;
		out[i] = (unsigned char)(a * 16 + b);
	}
	return true;
}

static int route6_line(const char *line, size_t len, int lineno, void *ud)
{
	struct fields f;
	split(line, len, &f);
	if (f.n == 0)
		return 0;
	if (f.n != 10 || f.more)
		return MAMORI_EPARSE;
	unsigned char dst[16], src[16];
	unsigned long long dplen, splen, metric, flags;
	struct lan_route r = {.found = true, .line = lineno};
	if (!hex_bytes(f.p[0], f.l[0], dst, 16) || !parse_hex(f.p[1], f.l[1], 2, &dplen) ||
	    !hex_bytes(f.p[2], f.l[2], src, 16) || !parse_hex(f.p[3], f.l[3], 2, &splen) ||
	    !hex_bytes(f.p[4], f.l[4], r.gw, 16) || !parse_hex(f.p[5], f.l[5], 8, &metric) ||
	    !parse_hex(f.p[8], f.l[8], 8, &flags) ||
	    !field_copy(f.p[9], f.l[9], r.ifname, sizeof(r.ifname)))
		return MAMORI_EPARSE;
	static const unsigned char zero[16];
	if (dplen != 0 || splen != 0 || memcmp(dst, zero, 16) != 0 || !(flags & ROUTE_F_UP) ||
	    (flags & ROUTE_F_REJECT))
		return 0;
	r.has_gw = (flags & ROUTE_F_GATEWAY) && memcmp(r.gw, zero, 16) != 0;
	r.metric = metric;
	route_take(ud, &r);
	return 0;
}

int lan_proc_ipv6_route_parse(const char *buf, size_t len, struct lan_route *out, int *bad_line)
{
	struct lan_route best = {0};
	struct route_walk w = {&best, out->ifname[0] ? out->ifname : NULL};
	if (len > LAN_MAX_FILE)
		return MAMORI_ETOOBIG;
	int r = for_each_line(buf, len, LAN_MAX_LINE, route6_line, &w, bad_line);
	if (r == 0)
		*out = best;
	return r;
}

/* ---- CUPS printers.conf ---- */

static bool scheme_is(const char *s, size_t n, const char *want)
{
	return n == strlen(want) && c_strncasecmp(s, want, n) == 0;
}

/* Percent-decoding of a URI part into out; invalid escapes are kept as they are. */
static void uri_decode(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < outlen; i++) {
		int a, b;
		if (s[i] == '%' && i + 2 < n && (a = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (b = hexval((unsigned char)s[i + 2])) >= 0) {
			char c = (char)(a * 16 + b);
			out[o++] = (unsigned char)c < 0x20 ? '?' : c;
			i += 2;
		} else {
			out[o++] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
		}
	}
	out[o] = '\0';
}

static bool host_loopback(const struct lan_printer *p)
{
	if (p->family == 4)
		return p->addr[0] == 127;
	if (p->family == 6) {
		static const unsigned char lo[16] = {[15] = 1};
		return memcmp(p->addr, lo, 16) == 0;
	}
	return c_strcasecmp(p->host, "localhost") == 0 ||
	       c_strncasecmp(p->host, "localhost.", 10) == 0;
}

/* The value of key=... in a query string ("?ip=1.2.3.4&x=y"), or NULL. */
static const char *query_param(const char *q, size_t qn, const char *key, size_t *vn)
{
	size_t kl = strlen(key);
	size_t i = 0;
	while (i < qn) {
		size_t end = i;
		while (end < qn && q[end] != '&')
			end++;
		if (end - i > kl && memcmp(q + i, key, kl) == 0 && q[i + kl] == '=') {
			*vn = end - i - kl - 1;
			return q + i + kl + 1;
		}
		i = end + 1;
	}
	return NULL;
}

static void printer_host(struct lan_printer *p, const char *h, size_t hn)
{
	char tmp[256];
	uri_decode(h, hn, p->host, sizeof(p->host));
	snprintf(tmp, sizeof(tmp), "%s", p->host);
	char *pct = strchr(tmp, '%'); /* an IPv6 zone: fe80::1%eth0 */
	if (pct)
		*pct = '\0';
	if (inet_pton(AF_INET, tmp, p->addr) == 1)
		p->family = 4;
	else if (inet_pton(AF_INET6, tmp, p->addr) == 1)
		p->family = 6;
	p->network = p->host[0] != '\0' && !host_loopback(p);
}

/* The URI without the user name and password of its authority ("smb://user:pass@host/q"):
 * they never leave this file. */
static void uri_clean(const char *uri, size_t len, char *out, size_t outlen)
{
	const char *sep = NULL;
	for (size_t i = 0; i + 2 < len && sep == NULL; i++)
		if (uri[i] == ':' && uri[i + 1] == '/' && uri[i + 2] == '/')
			sep = uri + i;
	if (sep == NULL) {
		snprintf(out, outlen, "%.*s", (int)(len < 400 ? len : 400), uri);
		return;
	}
	const char *auth = sep + 3, *end = uri + len, *a = auth, *at = NULL;
	while (a < end && *a != '/' && *a != '?' && *a != '#') {
		if (*a == '@')
			at = a;
		a++;
	}
	const char *host = at ? at + 1 : auth;
	size_t sn = (size_t)(auth - uri), rn = (size_t)(end - host);
	snprintf(out, outlen, "%.*s%.*s", (int)(sn < 40 ? sn : 40), uri, (int)(rn < 400 ? rn : 400),
		 host);
}

void lan_printer_uri(const char *uri, size_t len, struct lan_printer *p)
{
	p->uri[0] = p->host[0] = '\0';
	p->family = 0;
	p->dnssd = p->network = false;
	memset(p->addr, 0, sizeof(p->addr));
	uri_clean(uri, len, p->uri, sizeof(p->uri));
	for (int depth = 0; depth < 4; depth++) {
		size_t colon = 0;
		while (colon < len && uri[colon] != ':' && uri[colon] != '/')
			colon++;
		if (colon == len || uri[colon] != ':')
			return;
		const char *scheme = uri;
		size_t sn = colon;
		const char *rest = uri + colon + 1;
		size_t rn = len - colon - 1;
		/* beh:/DELETE/RETRIES/INTERVAL/URI wraps another backend's URI. */
		if (scheme_is(scheme, sn, "beh")) {
			size_t slashes = 0, i = 0;
			while (i < rn && slashes < 4)
				slashes += rest[i++] == '/';
			if (slashes < 4)
				return;
			uri = rest + i;
			len = rn - i;
			uri_clean(uri, len, p->uri, sizeof(p->uri));
			continue;
		}
		/* HPLIP: hp:/net/MODEL?ip=ADDR, ?zc=NAME (mDNS), ?hostname=NAME */
		if (scheme_is(scheme, sn, "hp") || scheme_is(scheme, sn, "hpfax")) {
			const char *q = memchr(rest, '?', rn);
			size_t vn = 0;
			const char *v = NULL;
			if (q == NULL || rn < 5 || memcmp(rest, "/net/", 5) != 0)
				return;
			size_t qn = rn - (size_t)(q + 1 - rest);
			if ((v = query_param(q + 1, qn, "ip", &vn)) != NULL ||
			    (v = query_param(q + 1, qn, "hostname", &vn)) != NULL) {
				printer_host(p, v, vn);
			} else if ((v = query_param(q + 1, qn, "zc", &vn)) != NULL) {
				printer_host(p, v, vn);
				p->dnssd = true;
			}
			return;
		}
		static const char *const net[] = {"ipp",	   "ipps",     "http", "https",
						  "socket",	   "lpd",      "smb",  "dnssd",
						  "implicitclass", "ippusbxd", NULL};
		bool known = false;
		for (size_t i = 0; net[i]; i++)
			known |= scheme_is(scheme, sn, net[i]);
		if (!known || rn < 2 || rest[0] != '/' || rest[1] != '/')
			return;
		if (scheme_is(scheme, sn, "ippusbxd"))
			return; /* a USB printer behind a local IPP daemon */
		const char *auth = rest + 2;
		size_t an = 0;
		while (an < rn - 2 && auth[an] != '/' && auth[an] != '?' && auth[an] != '#')
			an++;
		const char *at = NULL;
		for (size_t i = 0; i < an; i++)
			if (auth[i] == '@')
				at = auth + i;
		const char *h = at ? at + 1 : auth;
		size_t h_n = an - (size_t)(h - auth);
		/* smb://[user@][WORKGROUP/]SERVER[:port]/PRINTER: with two path segments the
		 * authority is the workgroup and the server comes first in the path. */
		if (scheme_is(scheme, sn, "smb")) {
			const char *path = auth + an, *pend = uri + len;
			size_t slashes = 0;
			for (const char *x = path; x < pend && *x != '?'; x++)
				slashes += *x == '/';
			if (slashes >= 2 && path < pend && *path == '/') {
				h = path + 1;
				h_n = 0;
				while (h + h_n < pend && h[h_n] != '/')
					h_n++;
			}
		}
		if (h_n && h[0] == '[') {
			const char *close = memchr(h, ']', h_n);
			if (close == NULL)
				return;
			h++;
			h_n = (size_t)(close - h);
		} else {
			const char *pc = memchr(h, ':', h_n);
			if (pc)
				h_n = (size_t)(pc - h);
		}
		printer_host(p, h, h_n);
		if (scheme_is(scheme, sn, "dnssd") || scheme_is(scheme, sn, "implicitclass")) {
			/* A service instance name, or a cups-browsed queue that stands for other
			 * queues: no address without asking the network. */
			p->dnssd = true;
			p->family = 0;
			p->network = true;
		}
		return;
	}
}

struct cups_walk {
	lan_printer_fn fn;
	void *ud;
	bool in_block, has_uri;
	char closing[32];
	struct lan_printer cur;
	size_t count;
};

static int cups_line(const char *line, size_t len, int lineno, void *ud)
{
	struct cups_walk *w = ud;
	const char *s = line;
	size_t n = len;
	str_trim(&s, &n);
	if (n == 0 || s[0] == '#')
		return 0;
	if (s[0] == '<') {
		if (n < 3 || s[n - 1] != '>')
			return MAMORI_EPARSE;
		if (s[1] == '/') {
			if (!w->in_block || n - 3 != strlen(w->closing) ||
			    c_strncasecmp(s + 2, w->closing, n - 3) != 0)
				return MAMORI_EPARSE;
			w->in_block = false;
			if (!w->has_uri)
				return 0;
			if (++w->count > LAN_MAX_PRINTERS)
				return MAMORI_ETOOBIG;
			return w->fn(&w->cur, w->ud);
		}
		if (w->in_block)
			return MAMORI_EPARSE;
		size_t tl = 1;
		while (tl < n - 1 && !c_isspace((unsigned char)s[tl]))
			tl++;
		if (tl - 1 >= sizeof(w->closing))
			return MAMORI_EPARSE;
		memcpy(w->closing, s + 1, tl - 1);
		w->closing[tl - 1] = '\0';
		const char *name = s + tl;
		size_t nn = n - 1 - tl;
		str_trim(&name, &nn);
		memset(&w->cur, 0, sizeof(w->cur));
		uri_decode(name, nn, w->cur.queue, sizeof(w->cur.queue));
		w->in_block = true;
		w->has_uri = false;
		return 0;
	}
	if (!w->in_block)
		return 0; /* NextPrinterId and other global lines */
	size_t kl = 0;
	while (kl < n && !c_isspace((unsigned char)s[kl]))
		kl++;
	if (kl == 9 && c_strncasecmp(s, "DeviceURI", 9) == 0) {
		const char *v = s + kl;
		size_t vn = n - kl;
		str_trim(&v, &vn);
		lan_printer_uri(v, vn, &w->cur);
		w->cur.line = lineno;
		w->has_uri = true;
	}
	return 0;
}

int lan_cups_printers_parse(const char *buf, size_t len, lan_printer_fn fn, void *ud, int *bad_line)
{
	if (len > LAN_MAX_FILE)
		return MAMORI_ETOOBIG;
	struct cups_walk *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return MAMORI_ENOMEM;
	w->fn = fn;
	w->ud = ud;
	int r = for_each_line(buf, len, LAN_MAX_LINE, cups_line, w, bad_line);
	if (r == 0 && w->in_block) {
		r = MAMORI_EPARSE; /* an unclosed block */
		if (bad_line) {
			int lines = 1;
			for (size_t i = 0; i + 1 < len; i++)
				lines += buf[i] == '\n';
			*bad_line = lines;
		}
	}
	free(w);
	return r;
}

/* ---- the sweep's addresses ---- */

static uint32_t mask_of(unsigned prefix)
{
	return prefix == 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

bool lan_sweep_allowed(uint32_t net, unsigned prefix, uint32_t addr)
{
	if (prefix < LAN_SWEEP_MIN_PREFIX || prefix > 32)
		return false;
	uint32_t m = mask_of(prefix);
	if ((addr & m) != (net & m))
		return false;
	if (prefix >= 31)
		return true; /* a /31 has no network or broadcast address (RFC 3021) */
	return addr != (net & m) && addr != ((net & m) | ~m);
}

int lan_sweep_targets(uint32_t net, unsigned prefix, uint32_t self, uint32_t *out, size_t max)
{
	if (prefix < LAN_SWEEP_MIN_PREFIX || prefix > 32)
		return -1;
	uint32_t m = mask_of(prefix), first = net & m, last = first | ~m;
	size_t n = 0;
	for (uint64_t a = first; a <= last && n < max; a++)
		if ((uint32_t)a != self && lan_sweep_allowed(net, prefix, (uint32_t)a))
			out[n++] = (uint32_t)a;
	return (int)n;
}

/* ---- the fix ---- */

static void net_of(const struct lan_host *h, unsigned char out[16])
{
	size_t n = h->family == 4 ? 4 : 16;
	unsigned p = h->prefix > n * 8 ? (unsigned)(n * 8) : h->prefix;
	memset(out, 0, 16);
	for (size_t i = 0; i < n; i++) {
		unsigned bits = p >= (i + 1) * 8 ? 8 : p > i * 8 ? p - (unsigned)i * 8 : 0;
		out[i] = (unsigned char)(h->addr[i] & (bits ? 0xffu << (8 - bits) : 0));
	}
}

/* The address (or, with prefixes, the network) that h stands for in a rule. */
static void fix_key(const struct lan_host *h, bool prefixes, unsigned char out[16])
{
	if (prefixes)
		net_of(h, out);
	else
		memcpy(out, h->addr, 16);
}

/* Whether an earlier host of the family stands for the same element: nft refuses an anonymous
 * set with one interval twice (two addresses of one subnet give one prefix). */
static bool fix_seen(const struct lan_host *h, size_t i, int fam, bool prefixes)
{
	unsigned char a[16], b[16];
	fix_key(&h[i], prefixes, a);
	for (size_t j = 0; j < i; j++) {
		if (h[j].family != fam || (prefixes && h[j].prefix != h[i].prefix))
			continue;
		fix_key(&h[j], prefixes, b);
		if (memcmp(a, b, fam == 4 ? 4 : 16) == 0)
			return true;
	}
	return false;
}

static int fix_hosts(struct buf *b, const char *sel, const struct lan_host *h, size_t n, int fam,
		     bool prefixes, const char *verdict, const char *ifname)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += h[i].family == fam && !fix_seen(h, i, fam, prefixes);
	if (count == 0)
		return 0;
	int r =
	    buf_printf(b, "\t\t%s%s%s%s %s", prefixes ? "iifname \"" : "", prefixes ? ifname : "",
		       prefixes ? "\" " : "", sel, count > 1 ? "{ " : "");
	size_t k = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (h[i].family != fam || fix_seen(h, i, fam, prefixes))
			continue;
		char a[64];
		unsigned char net[16];
		fix_key(&h[i], prefixes, net);
		lan_addr_str(fam, net, a, sizeof(a));
		r = buf_printf(b, "%s%s", k++ ? ", " : "", a);
		if (r == 0 && prefixes)
			r = buf_printf(b, "/%u", h[i].prefix);
	}
	if (r == 0)
		r = buf_printf(b, "%s %s\n", count > 1 ? " }" : "", verdict);
	return r;
}

int lan_firewall_fix(const char *ifname, const struct lan_host *allowed, size_t nallowed,
		     const struct lan_host *subnets, size_t nsubnets, const char *const *notes,
		     size_t nnotes, char **out)
{
	struct buf b;
	buf_init(&b, 1u << 20);
	bool v6 = false;
	for (size_t i = 0; i < nsubnets; i++)
		v6 |= subnets[i].family == 6;
	int r =
	    buf_adds(&b, "# mamori lan: keep the other devices of the home LAN out (CSAJ 5.1.7).\n"
			 "# Runs before the filter chains (priority -10): its accepts let a "
			 "packet go on to them,\n"
			 "# its drops are final. Load with: sudo nft -f FILE\n");
	for (size_t i = 0; i < nnotes && r == 0; i++)
		r = buf_printf(&b, "# %s\n", notes[i]);
	if (r == 0)
		r = buf_adds(&b, "table inet mamori_lan\n"
				 "delete table inet mamori_lan\n"
				 "table inet mamori_lan {\n"
				 "\tchain input {\n"
				 "\t\ttype filter hook input priority -10; policy accept;\n"
				 "\t\tiif \"lo\" accept\n"
				 "\t\tct state established,related accept\n");
	if (r == 0 && v6)
		/* Without neighbour discovery the router could not reach the PC over IPv6; it
		 * lets a device learn the PC's MAC address, not reach a service. */
		r = buf_adds(&b, "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } "
				 "accept\n");
	if (r == 0)
		r = fix_hosts(&b, "ip saddr", allowed, nallowed, 4, false, "accept", ifname);
	if (r == 0)
		r = fix_hosts(&b, "ip6 saddr", allowed, nallowed, 6, false, "accept", ifname);
	if (r == 0)
		r = fix_hosts(&b, "ip saddr", subnets, nsubnets, 4, true, "drop", ifname);
	if (r == 0)
		r = fix_hosts(&b, "ip6 saddr", subnets, nsubnets, 6, true, "drop", ifname);
	if (r == 0)
		r = buf_adds(&b, "\t}\n}\n");
	if (r)
		return r == MAMORI_ETOOBIG ? MAMORI_ENOMEM : r;
	*out = buf_take(&b);
	return *out ? 0 : MAMORI_ENOMEM;
}

/* ======== the probe ======== */

#define LAN_MAX_PORTS 256
/* What the PC must keep closed to the home LAN even when nothing listens now: SSH, NetBIOS
 * session, SMB, RDP and VNC are what an infected device tries first (CSAJ 5.1.7 is about
 * blocking, not only about what listens today). */
static const unsigned sensitive_tcp[] = {22, 139, 445, 3389, 5900};
/* Rule visits for all the packets of one scan together (fwr_eval caps each packet). */
#define LAN_FW_BUDGET 20000000u

struct port {
	int proto; /* 6 or 17 */
	unsigned port;
	bool listening;
};

struct nb {
	struct lan_neigh n;
	bool gateway;
	int printer; /* 1 yes, 0 no, -1 unknown (a printer has no known address) */
	enum fwr_verdict fw;
	char why[360];
	unsigned char open[LAN_MAX_PORTS / 8]; /* bit i: fw->ports[i] is open */
	size_t nopen;
};

struct lan {
	/* decided in collect */
	char ifname[16];
	unsigned ifindex;
	struct lan_route r4, r6;
	bool have_route;
	char unk[512]; /* when set, every fact is unknown for this reason */
	struct lan_ifaddr addrs[LAN_MAX_ADDRS];
	size_t naddrs;
	/* the sweep */
	const struct sys_ops *sys;
	bool sweep;
	char sweep_not[480];  /* why there was no sweep (when !sweep) */
	char sweep_skip[400]; /* subnets refused */
	char subnets[4][24];  /* the swept subnets */
	uint32_t sub_net[4];
	unsigned sub_prefix[4];
	size_t nsub;
	uint32_t *targets[4];
	size_t ntargets[4];
	size_t sent;
	int sweep_rc;
	char sweep_err[256];
	unsigned wait_ms;
	long long elapsed_ms;
};

static bool addr_eq(int fa, const unsigned char *a, int fb, const unsigned char *b)
{
	return fa == fb && memcmp(a, b, fa == 4 ? 4 : 16) == 0;
}

static bool in_prefix(int fam, const unsigned char *a, const struct lan_ifaddr *x)
{
	if (x->family != fam)
		return false;
	size_t n = fam == 4 ? 4 : 16;
	unsigned p = x->prefix > n * 8 ? (unsigned)(n * 8) : x->prefix;
	for (size_t i = 0; i < n; i++) {
		unsigned bits = p >= (i + 1) * 8 ? 8 : p > i * 8 ? p - (unsigned)i * 8 : 0;
		unsigned char m = (unsigned char)(bits ? 0xffu << (8 - bits) : 0);
		if ((a[i] & m) != (x->addr[i] & m))
			return false;
	}
	return true;
}

static bool v6_link_local(const unsigned char *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* Global unicast (2000::/3) or unique local (fc00::/7): the addresses of the LAN. */
static bool v6_lan_scope(const unsigned char *a)
{
	return (a[0] & 0xe0) == 0x20 || (a[0] & 0xfe) == 0xfc;
}

static uint32_t be32(const unsigned char *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static void put_be32(uint32_t v, unsigned char *a)
{
	a[0] = (unsigned char)(v >> 24);
	a[1] = (unsigned char)(v >> 16);
	a[2] = (unsigned char)(v >> 8);
	a[3] = (unsigned char)v;
}

/* ---- reading the neighbour tables ---- */

struct nlist {
	struct nb *v;
	size_t n, cap;
	const struct lan *lan;
	size_t dropped; /* entries of the LAN interface that are no neighbour (incomplete...) */
	bool full;
};

/* Keeps an entry when it answered, is on the LAN interface and in one of its subnets. */
static int keep_neigh(const struct lan_neigh *n, void *ud)
{
	struct nlist *l = ud;
	const struct lan *lan = l->lan;
	bool on_if = n->ifname[0] ? strcmp(n->ifname, lan->ifname) == 0
				  : n->ifindex == lan->ifindex && lan->ifindex != 0;
	if (!on_if)
		return 0;
	bool mine = n->family == 6 && v6_link_local(n->addr);
	for (size_t i = 0; i < lan->naddrs && !mine; i++) {
		const struct lan_ifaddr *a = &lan->addrs[i];
		if (n->family == 6 && (!v6_lan_scope(a->addr)))
			continue;
		mine = in_prefix(n->family, n->addr, a);
		/* the subnet's network and broadcast addresses are no device */
		if (mine && n->family == 4 && a->prefix <= 30) {
			uint32_t m = mask_of(a->prefix), v = be32(n->addr), net = be32(a->addr);
			mine = v != (net & m) && v != ((net & m) | ~m);
		}
		if (mine && addr_eq(n->family, n->addr, a->family, a->addr))
			mine = false; /* the PC itself */
	}
	if (!mine)
		return 0;
	if (!n->usable || (n->has_mac && (n->mac[0] & 1))) {
		l->dropped++;
		return 0;
	}
	for (size_t i = 0; i < l->n; i++)
		if (addr_eq(l->v[i].n.family, l->v[i].n.addr, n->family, n->addr))
			return 0;
	if (l->n >= LAN_MAX_NEIGH * 2) {
		l->full = true;
		return 0;
	}
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 32;
		struct nb *nv = realloc(l->v, nc * sizeof(*nv));
		if (nv == NULL)
			return MAMORI_ENOMEM;
		l->v = nv;
		l->cap = nc;
	}
	struct nb *b = &l->v[l->n++];
	memset(b, 0, sizeof(*b));
	b->n = *n;
	if (b->n.ifname[0] == '\0')
		snprintf(b->n.ifname, sizeof(b->n.ifname), "%s", lan->ifname);
	return 0;
}

static int cmp_nb(const void *a, const void *b)
{
	const struct nb *x = a, *y = b;
	if (x->n.family != y->n.family)
		return x->n.family < y->n.family ? -1 : 1;
	return memcmp(x->n.addr, y->n.addr, x->n.family == 4 ? 4 : 16);
}

/* ---- printers ---- */

struct plist {
	struct lan_printer v[LAN_MAX_PRINTERS];
	size_t n;
};

static int keep_printer(const struct lan_printer *p, void *ud)
{
	struct plist *l = ud;
	if (!p->network)
		return 0;
	if (l->n < LAN_MAX_PRINTERS)
		l->v[l->n++] = *p;
	return 0;
}

/* ---- the collect step ---- */

static int put_all_unknown(struct probe_ctx *ctx, const char *src, const char *why)
{
	static const char *const names[] = {
	    "lan.interface",	      "lan.addresses",	  "lan.gateway",
	    "lan.neighbours",	      "lan.printers",	  "lan.neighbours_let_in",
	    "lan.other_device_ports", "lan.firewall_fix", "lan.sweep"};
	int r = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && r == 0; i++)
		r = facts_put_unknown(ctx->facts, names[i], src, 0, "%s", why);
	return r;
}

static void *sweep_work(void *arg)
{
	struct lan *lan = arg;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t s = 0; s < lan->nsub && lan->sweep_rc == 0; s++) {
		size_t sent = 0;
		lan->sweep_rc = lan->sys->lan_sweep(lan->sys->ud, lan->ifname, lan->sub_net[s],
						    lan->sub_prefix[s], lan->targets[s],
						    lan->ntargets[s], LAN_SWEEP_RATE, &sent,
						    lan->sweep_err, sizeof(lan->sweep_err));
		lan->sent += sent;
	}
	/* The kernel resolves each address while we wait; then the tables are read. */
	unsigned w = lan->wait_ms > LAN_SWEEP_WAIT_MAX_MS ? LAN_SWEEP_WAIT_MAX_MS : lan->wait_ms;
	struct timespec ts = {.tv_sec = w / 1000, .tv_nsec = (long)(w % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	lan->elapsed_ms =
	    (long long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	return NULL;
}

static void lan_free(struct lan *lan)
{
	if (lan == NULL)
		return;
	for (size_t i = 0; i < 4; i++)
		free(lan->targets[i]);
	free(lan);
}

/* Reads /proc/net/arp into l (used before the sweep, to skip who already answered). */
static int read_arp(struct probe_ctx *ctx, struct nlist *l, char *why, size_t whylen)
{
	char *buf;
	size_t len;
	int r = rootfs_read(ctx, "/proc/net/arp", LAN_MAX_FILE, &buf, &len, why, whylen);
	if (r)
		return r;
	int bad = 0;
	r = lan_proc_arp_parse(buf, len, keep_neigh, l, &bad);
	free(buf);
	if (r == MAMORI_EPARSE || r == MAMORI_ETOOBIG)
		snprintf(why, whylen, "/proc/net/arp:%d: %s", bad,
			 r == MAMORI_EPARSE ? "not an ARP table entry" : "line too long");
	return r;
}

static void plan_sweep(struct probe_ctx *ctx, struct lan *lan)
{
	if (!ctx->net_discover) {
		snprintf(lan->sweep_not, sizeof(lan->sweep_not),
			 "not asked: no sweep without --discover; only the kernel's neighbour "
			 "tables were read");
		return;
	}
	if (!ctx->live) {
		snprintf(lan->sweep_not, sizeof(lan->sweep_not),
			 "not a live system: %s is audited as an image", ctx->root);
		return;
	}
	if (ctx->net_wait_ms == 0) {
		snprintf(lan->sweep_not, sizeof(lan->sweep_not),
			 "not asked: network probes are off");
		return;
	}
	if (ctx->sys->lan_sweep == NULL) {
		snprintf(lan->sweep_not, sizeof(lan->sweep_not),
			 "no way to send the sweep on this system");
		return;
	}
	struct nlist known = {.lan = lan};
	char why[256];
	if (read_arp(ctx, &known, why, sizeof(why)) == MAMORI_ENOMEM) {
		free(known.v);
		snprintf(lan->sweep_not, sizeof(lan->sweep_not), "out of memory");
		return;
	}
	for (size_t i = 0; i < lan->naddrs && lan->nsub < 4; i++) {
		const struct lan_ifaddr *a = &lan->addrs[i];
		if (a->family != 4)
			continue;
		uint32_t self = be32(a->addr), net = self & mask_of(a->prefix);
		unsigned char nb[4];
		put_be32(net, nb);
		char s[24], as[INET_ADDRSTRLEN];
		lan_addr_str(4, nb, as, sizeof(as));
		snprintf(s, sizeof(s), "%s/%u", as, a->prefix);
		if (a->prefix < LAN_SWEEP_MIN_PREFIX) {
			size_t l = strlen(lan->sweep_skip);
			snprintf(lan->sweep_skip + l, sizeof(lan->sweep_skip) - l,
				 "%s%s is wider than /%d (at most %d addresses are swept)",
				 l ? "; " : "", s, LAN_SWEEP_MIN_PREFIX, LAN_SWEEP_MAX);
			continue;
		}
		uint32_t *t = calloc(LAN_SWEEP_MAX, sizeof(*t));
		if (t == NULL)
			break;
		int n = lan_sweep_targets(net, a->prefix, self, t, LAN_SWEEP_MAX);
		size_t keep = 0;
		for (int k = 0; k < n; k++) {
			bool answered = false;
			for (size_t j = 0; j < known.n && !answered; j++)
				answered =
				    known.v[j].n.family == 4 && be32(known.v[j].n.addr) == t[k];
			if (!answered)
				t[keep++] = t[k];
		}
		size_t si = lan->nsub++;
		snprintf(lan->subnets[si], sizeof(lan->subnets[si]), "%s", s);
		lan->sub_net[si] = net;
		lan->sub_prefix[si] = a->prefix;
		lan->targets[si] = t;
		lan->ntargets[si] = keep;
	}
	free(known.v);
	if (lan->nsub == 0) {
		snprintf(lan->sweep_not, sizeof(lan->sweep_not), "no IPv4 subnet to sweep%s%s",
			 lan->sweep_skip[0] ? ": " : "", lan->sweep_skip);
		return;
	}
	lan->sweep = true;
	lan->wait_ms = ctx->net_wait_ms;
}

static int lan_done(struct probe_ctx *ctx, void *arg);

/* Whether ifname is an Ethernet-type link (ARPHRD_ETHER, Wi-Fi included), from
 * /sys/class/net/IF/type; a link whose type cannot be read counts as one. */
static bool lan_link_ethernet(struct probe_ctx *ctx, const char *ifname, long long *type)
{
	char path[64], *buf, why[128];
	size_t len;
	*type = 1;
	snprintf(path, sizeof(path), "/sys/class/net/%s/type", ifname);
	if (rootfs_read(ctx, path, 64, &buf, &len, why, sizeof(why)))
		return true;
	const char *s = buf;
	str_trim(&s, &len);
	bool ether = strn_to_ll(s, len, 0, 65535, type, NULL) != 0 || *type == 1;
	free(buf);
	return ether;
}

int probe_lan_collect(struct probe_ctx *ctx)
{
	if (ctx->sys == NULL || ctx->sys->if_addrs == NULL) {
		char why[512];
		if (!ctx->live)
			snprintf(why, sizeof(why),
				 "not a live system: %s is audited as an image, and the routes and "
				 "neighbour tables belong to the running kernel",
				 ctx->root);
		else
			snprintf(why, sizeof(why), "the interface addresses cannot be read here");
		return put_all_unknown(ctx, NULL, why);
	}
	struct lan *lan = calloc(1, sizeof(*lan));
	if (lan == NULL)
		return MAMORI_ENOMEM;
	lan->sys = ctx->sys;
	char *buf;
	size_t len;
	int bad = 0;
	int r = rootfs_read(ctx, "/proc/net/route", LAN_MAX_FILE, &buf, &len, lan->unk,
			    sizeof(lan->unk));
	if (r == MAMORI_ENOMEM)
		goto fail;
	if (r == 0) {
		r = lan_proc_route_parse(buf, len, &lan->r4, &bad);
		free(buf);
		if (r == MAMORI_ENOMEM)
			goto fail;
		if (r)
			snprintf(lan->unk, sizeof(lan->unk), "/proc/net/route:%d: %s", bad,
				 r == MAMORI_EPARSE ? "not a route entry" : "line too long");
	}
	if (r == 0) {
		/* IPv6's default route: on the IPv4 default's interface when there is one. */
		snprintf(lan->r6.ifname, sizeof(lan->r6.ifname), "%s",
			 lan->r4.found ? lan->r4.ifname : "");
		char why6[256];
		int r6 = rootfs_read(ctx, "/proc/net/ipv6_route", LAN_MAX_FILE, &buf, &len, why6,
				     sizeof(why6));
		if (r6 == MAMORI_ENOMEM) {
			r = r6;
			goto fail;
		}
		if (r6 == 0) {
			r6 = lan_proc_ipv6_route_parse(buf, len, &lan->r6, &bad);
			free(buf);
			if (r6 == MAMORI_ENOMEM) {
				r = r6;
				goto fail;
			}
			if (r6) {
				r = r6;
				snprintf(lan->unk, sizeof(lan->unk), "/proc/net/ipv6_route:%d: %s",
					 bad, "not a route entry");
			}
		} else {
			memset(&lan->r6, 0, sizeof(lan->r6)); /* IPv6 is off in the kernel */
		}
	}
	if (r == 0) {
		const struct lan_route *d = lan->r4.found ? &lan->r4 : &lan->r6;
		lan->have_route = d->found;
		snprintf(lan->ifname, sizeof(lan->ifname), "%s", d->found ? d->ifname : "");
	}
	long long ltype;
	if (r == 0 && lan->have_route && !lan_link_ethernet(ctx, lan->ifname, &ltype)) {
		/* A VPN or PPP link took the default route: its "neighbours" and subnet say
		 * nothing about the home LAN, and a pass from them would be a guess. */
		char why[200];
		snprintf(why, sizeof(why),
			 "the default route goes through %s (link type %lld: a tunnel or "
			 "point-to-point link), so the home LAN is not known",
			 lan->ifname, ltype);
		free(lan);
		return put_all_unknown(ctx, "/proc/net/route", why);
	}
	if (r == 0 && lan->have_route) {
		struct lan_ifaddr *all = NULL;
		size_t n = 0;
		r = ctx->sys->if_addrs(ctx->sys->ud, &all, &n, lan->unk, sizeof(lan->unk));
		if (r == MAMORI_ENOMEM)
			goto fail;
		for (size_t i = 0; r == 0 && i < n; i++) {
			const struct lan_ifaddr *a = &all[i];
			if (strcmp(a->ifname, lan->ifname) != 0 || lan->naddrs >= LAN_MAX_ADDRS)
				continue;
			lan->ifindex = a->ifindex;
			if (a->family == 4 ||
			    (a->family == 6 && (v6_lan_scope(a->addr) || v6_link_local(a->addr))))
				lan->addrs[lan->naddrs++] = *a;
		}
		free(all);
	}
	if (r == 0 && lan->have_route)
		plan_sweep(ctx, lan);
	else if (r == 0)
		snprintf(lan->sweep_not, sizeof(lan->sweep_not),
			 "no default route: the PC is on no LAN");
	if (lan->sweep)
		return probe_defer(ctx, sweep_work, lan_done, lan);
	return lan_done(ctx, lan);
fail:
	lan_free(lan);
	return r;
}

/* ---- the done step: tables, printers, firewall, facts ---- */

struct fw {
	struct fwr_ruleset *rs;
	char unk[300];	       /* no ruleset: every verdict unknown for this reason */
	char open_unk[300];    /* "open" verdicts are unknown for this reason (legacy tables) */
	char blocked_unk[300]; /* "blocked" verdicts are unknown (listeners unreadable) */
	struct port ports[LAN_MAX_PORTS];
	size_t nports;
	size_t spent;
};

/* Legacy iptables (x_tables) rules never show in the nftables ruleset (as firewall.c). */
static bool legacy_tables_loaded(struct probe_ctx *ctx)
{
	static const char *const p[] = {"/proc/net/ip_tables_names", "/proc/net/ip6_tables_names"};
	for (size_t i = 0; i < 2; i++) {
		char *buf, why[256];
		size_t len;
		if (rootfs_read(ctx, p[i], 4096, &buf, &len, why, sizeof(why)))
			continue;
		bool filter = strstr(buf, "filter") != NULL;
		free(buf);
		if (filter)
			return true;
	}
	return false;
}

static void port_add(struct fw *fw, int proto, unsigned port, bool listening)
{
	for (size_t i = 0; i < fw->nports; i++)
		if (fw->ports[i].proto == proto && fw->ports[i].port == port) {
			fw->ports[i].listening |= listening;
			return;
		}
	if (fw->nports < LAN_MAX_PORTS)
		fw->ports[fw->nports++] = (struct port){proto, port, listening};
	else
		snprintf(fw->blocked_unk, sizeof(fw->blocked_unk),
			 "more than %d ports listen: not all were evaluated", LAN_MAX_PORTS);
}

static int cmp_port(const void *a, const void *b)
{
	const struct port *x = a, *y = b;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

static int fw_prepare(struct probe_ctx *ctx, struct fw *fw)
{
	for (size_t i = 0; i < sizeof(sensitive_tcp) / sizeof(sensitive_tcp[0]); i++)
		port_add(fw, 6, sensitive_tcp[i], false);
	const struct listener *ls;
	size_t n;
	char why[300];
	int r = net_listeners(ctx, &ls, &n, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r)
		snprintf(fw->blocked_unk, sizeof(fw->blocked_unk),
			 "the listening sockets are unknown (%.200s): a port may be open", why);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!ls[i].loopback)
			port_add(fw, strcmp(ls[i].proto, "udp") == 0 ? 17 : 6, ls[i].port, true);
	if (fw->nports > 1) /* qsort may not be given NULL, even for nothing */
		qsort(fw->ports, fw->nports, sizeof(fw->ports[0]), cmp_port);

	if (ctx->sys->nft_ruleset_json == NULL) {
		snprintf(fw->unk, sizeof(fw->unk), "the live nftables ruleset cannot be read here");
		return 0;
	}
	char *json = NULL;
	size_t len = 0;
	char nwhy[260];
	r = ctx->sys->nft_ruleset_json(ctx->sys->ud, &json, &len, nwhy, sizeof(nwhy));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r) {
		snprintf(fw->unk, sizeof(fw->unk), "%s", nwhy);
		return 0;
	}
	r = fwr_load(json, len, &fw->rs, nwhy, sizeof(nwhy));
	free(json);
	if (r == MAMORI_ENOMEM)
		return r;
	if (r) {
		snprintf(fw->unk, sizeof(fw->unk), "nftables ruleset: %s", nwhy);
		return 0;
	}
	if (ctx->live && legacy_tables_loaded(ctx))
		snprintf(fw->open_unk, sizeof(fw->open_unk),
			 "legacy iptables tables are loaded (/proc/net/ip_tables_names) and not "
			 "visible in the nftables ruleset: they may drop what nftables accepts");
	return 0;
}

/* The PC's own address for a packet from a (the destination of the packet). */
static bool local_addr(const struct lan *lan, int fam, const unsigned char *a, unsigned char *out)
{
	bool ll = fam == 6 && v6_link_local(a);
	for (size_t i = 0; i < lan->naddrs; i++) {
		const struct lan_ifaddr *x = &lan->addrs[i];
		if (x->family != fam)
			continue;
		if (ll ? v6_link_local(x->addr) : in_prefix(fam, a, x)) {
			memcpy(out, x->addr, 16);
			return true;
		}
	}
	return false;
}

struct verdict {
	enum fwr_verdict v;
	char why[360];
	unsigned char open[LAN_MAX_PORTS / 8];
	size_t nopen;
};

static bool bit(const unsigned char *bits, size_t i)
{
	return (bits[i / 8] >> (i % 8)) & 1;
}

static void port_name(const struct port *p, char out[10])
{
	snprintf(out, 10, "%s/%u", p->proto == 6 ? "tcp" : "udp", p->port);
}

/* Every port for one source: open when any port is, else unknown when any port is. */
static int fw_source(const struct lan *lan, struct fw *fw, int fam, const unsigned char *src,
		     const unsigned char *mac, struct verdict *out)
{
	out->nopen = 0;
	memset(out->open, 0, sizeof(out->open));
	out->why[0] = '\0';
	if (fw->rs == NULL) {
		out->v = FWR_UNKNOWN;
		snprintf(out->why, sizeof(out->why), "%s", fw->unk);
		return 0;
	}
	struct fwr_packet p = {.family = fam, .iifname = lan->ifname};
	memcpy(p.saddr, src, fam == 4 ? 4 : 16);
	p.has_daddr = local_addr(lan, fam, src, p.daddr);
	if (mac) {
		memcpy(p.smac, mac, 6);
		p.has_smac = true;
	}
	char unk[360] = "", blocked[360] = "";
	for (size_t i = 0; i < fw->nports; i++) {
		struct fwr_result res;
		char port[10];
		p.l4proto = fw->ports[i].proto;
		p.dport = fw->ports[i].port;
		port_name(&fw->ports[i], port);
		if (fw->spent > LAN_FW_BUDGET) {
			res.verdict = FWR_UNKNOWN;
			snprintf(res.why, sizeof(res.why),
				 "the evaluation budget of this scan (%u rule visits) is spent",
				 LAN_FW_BUDGET);
		} else {
			int r = fwr_eval(fw->rs, &p, &res);
			if (r)
				return r;
			fw->spent += res.steps;
		}
		if (res.verdict == FWR_OPEN && fw->open_unk[0]) {
			res.verdict = FWR_UNKNOWN;
			snprintf(res.why, sizeof(res.why), "%s", fw->open_unk);
		}
		if (res.verdict == FWR_OPEN) {
			if (out->nopen == 0)
				snprintf(out->why, sizeof(out->why), "%s: %s", port, res.why);
			out->open[i / 8] |= (unsigned char)(1u << (i % 8));
			out->nopen++;
		} else if (res.verdict == FWR_UNKNOWN && unk[0] == '\0') {
			snprintf(unk, sizeof(unk), "%s: %s", port, res.why);
		} else if (res.verdict == FWR_BLOCKED && blocked[0] == '\0') {
			snprintf(blocked, sizeof(blocked), "%s", res.why);
		}
	}
	if (out->nopen)
		out->v = FWR_OPEN;
	else if (unk[0]) {
		out->v = FWR_UNKNOWN;
		snprintf(out->why, sizeof(out->why), "%s", unk);
	} else if (fw->blocked_unk[0]) {
		out->v = FWR_UNKNOWN;
		snprintf(out->why, sizeof(out->why), "%s", fw->blocked_unk);
	} else {
		out->v = FWR_BLOCKED;
		snprintf(out->why, sizeof(out->why), "%s", blocked);
	}
	return 0;
}

/* The ports whose bit is set, as ["tcp/22", ...]. */
static json_t *ports_json(const struct fw *fw, const unsigned char *bits)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < fw->nports; i++) {
		char n[10];
		if (!bit(bits, i))
			continue;
		port_name(&fw->ports[i], n);
		if (json_array_append_new(a, json_string(n))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* A host of the LAN subnet nobody uses now: stands for a device the PC has not seen. */
static bool stranger4(const struct lan *lan, const struct nlist *nl, const struct plist *pl,
		      const struct lan_ifaddr *a, unsigned char out[4])
{
	if (a->prefix > 30)
		return false;
	uint32_t m = mask_of(a->prefix), net = be32(a->addr) & m, top = (net | ~m) - 1;
	for (uint32_t c = top, tries = 0; c > net && tries < 256; c--, tries++) {
		unsigned char b[4];
		put_be32(c, b);
		bool used =
		    addr_eq(4, b, 4, a->addr) || (lan->r4.has_gw && addr_eq(4, b, 4, lan->r4.gw));
		for (size_t i = 0; i < nl->n && !used; i++)
			used = addr_eq(4, b, nl->v[i].n.family, nl->v[i].n.addr);
		for (size_t i = 0; i < pl->n && !used; i++)
			used = addr_eq(4, b, pl->v[i].family, pl->v[i].addr);
		if (!used) {
			memcpy(out, b, 4);
			return true;
		}
	}
	return false;
}

struct done_ctx {
	struct probe_ctx *ctx;
	struct lan *lan;
	struct nlist nl;
	struct plist *pl;
	struct fw *fw;
	size_t unresolved; /* network printers without an address */
	char neigh_unk[512];
	char printers_unk[512];
	char printers_note[400];
	char neigh_note[900];
};

static int read_printers(struct done_ctx *d)
{
	static const char path[] = "/etc/cups/printers.conf";
	char *buf;
	size_t len;
	char why[400];
	int r = rootfs_read(d->ctx, path, LAN_MAX_FILE, &buf, &len, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r == MAMORI_ENOENT) {
		snprintf(d->printers_note, sizeof(d->printers_note),
			 "no %s: CUPS has no print queue", path);
		return 0;
	}
	if (r) {
		snprintf(d->printers_unk, sizeof(d->printers_unk), "%s%s", why,
			 r == MAMORI_EACCES ? " (it is readable by root only)" : "");
		return 0;
	}
	int bad = 0;
	r = lan_cups_printers_parse(buf, len, keep_printer, d->pl, &bad);
	free(buf);
	if (r == MAMORI_ENOMEM)
		return r;
	if (r) {
		snprintf(d->printers_unk, sizeof(d->printers_unk), "%s:%d: %s", path, bad,
			 r == MAMORI_EPARSE ? "malformed printers.conf (unbalanced <Printer> block)"
					    : "too big");
		return 0;
	}
	for (size_t i = 0; i < d->pl->n; i++)
		d->unresolved += d->pl->v[i].family == 0;
	snprintf(d->printers_note, sizeof(d->printers_note), "%zu network print queue(s) in %s%s",
		 d->pl->n, path,
		 d->unresolved ? "; a host name or DNS-SD name is not resolved (no network "
				 "lookups): its address is unknown"
			       : "");
	return 0;
}

static int read_neighbours(struct done_ctx *d)
{
	struct probe_ctx *ctx = d->ctx;
	char why[400];
	int r = read_arp(ctx, &d->nl, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r) {
		snprintf(d->neigh_unk, sizeof(d->neigh_unk), "%s", why);
		return 0;
	}
	size_t v4 = d->nl.n;
	bool v6 = false;
	for (size_t i = 0; i < d->lan->naddrs; i++)
		v6 |= d->lan->addrs[i].family == 6;
	if (v6) {
		if (ctx->sys->neigh_dump == NULL) {
			snprintf(d->neigh_unk, sizeof(d->neigh_unk),
				 "the IPv6 neighbour table cannot be read here");
			return 0;
		}
		void *dump = NULL;
		size_t len = 0;
		r = ctx->sys->neigh_dump(ctx->sys->ud, 6, &dump, &len, why, sizeof(why));
		if (r == MAMORI_ENOMEM)
			return r;
		if (r) {
			snprintf(d->neigh_unk, sizeof(d->neigh_unk), "IPv6 neighbour table: %s",
				 why);
			return 0;
		}
		r = lan_rtnl_neigh_parse(dump, len, keep_neigh, &d->nl, why, sizeof(why));
		free(dump);
		if (r == MAMORI_ENOMEM)
			return r;
		if (r) {
			snprintf(d->neigh_unk, sizeof(d->neigh_unk),
				 "IPv6 neighbour table (rtnetlink RTM_GETNEIGH): %s", why);
			return 0;
		}
	}
	if (d->nl.n > 1) /* no neighbours: v is NULL, which qsort may not be given */
		qsort(d->nl.v, d->nl.n, sizeof(*d->nl.v), cmp_nb);
	int n =
	    snprintf(d->neigh_note, sizeof(d->neigh_note),
		     "%zu IPv4 and %zu IPv6 neighbour(s) on %s that answered, in its subnets%s; "
		     "%zu incomplete or failed entr%s left out",
		     v4, d->nl.n - v4, d->lan->ifname, v6 ? " and link-local" : "", d->nl.dropped,
		     d->nl.dropped == 1 ? "y" : "ies");
	if (n > 0 && (size_t)n < sizeof(d->neigh_note) && d->nl.full)
		snprintf(d->neigh_note + n, sizeof(d->neigh_note) - (size_t)n,
			 "; more than %d: the rest left out", LAN_MAX_NEIGH * 2);
	return 0;
}

/* gateway and printer marks: by address, then every address of the same MAC. */
static void mark(struct done_ctx *d)
{
	struct lan *lan = d->lan;
	struct nlist *nl = &d->nl;
	for (size_t i = 0; i < nl->n; i++) {
		struct nb *b = &nl->v[i];
		b->gateway = (lan->r4.has_gw && addr_eq(4, lan->r4.gw, b->n.family, b->n.addr)) ||
			     (lan->r6.has_gw && addr_eq(6, lan->r6.gw, b->n.family, b->n.addr));
		b->printer = 0;
		for (size_t k = 0; k < d->pl->n; k++)
			if (addr_eq(d->pl->v[k].family, d->pl->v[k].addr, b->n.family, b->n.addr))
				b->printer = 1;
	}
	for (size_t i = 0; i < nl->n; i++) {
		struct nb *b = &nl->v[i];
		if (!b->n.has_mac)
			continue;
		for (size_t k = 0; k < nl->n; k++) {
			const struct nb *o = &nl->v[k];
			if (k == i || !o->n.has_mac || memcmp(o->n.mac, b->n.mac, 6) != 0)
				continue;
			if (o->gateway && !b->gateway &&
			    (addr_eq(4, lan->r4.gw, o->n.family, o->n.addr) ||
			     addr_eq(6, lan->r6.gw, o->n.family, o->n.addr)))
				b->gateway = true;
		}
	}
	for (size_t i = 0; i < nl->n; i++) {
		struct nb *b = &nl->v[i];
		for (size_t k = 0; k < nl->n && b->n.has_mac && b->printer != 1; k++) {
			const struct nb *o = &nl->v[k];
			bool direct = false;
			for (size_t p = 0; p < d->pl->n && !direct; p++)
				direct = addr_eq(d->pl->v[p].family, d->pl->v[p].addr, o->n.family,
						 o->n.addr);
			if (direct && o->n.has_mac && memcmp(o->n.mac, b->n.mac, 6) == 0)
				b->printer = 1;
		}
		if (b->printer == 0 && (d->unresolved || d->printers_unk[0]))
			b->printer = -1; /* it may be a printer whose address is unknown */
	}
}

/* Sets k to v in o (NULL v: fails); strings from the system go in lossy. */
static int set(json_t *o, const char *k, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, k, v);
}

static json_t *neigh_json(const struct fw *fw, const struct nb *b)
{
	char a[64], mac[18];
	lan_addr_str(b->n.family, b->n.addr, a, sizeof(a));
	if (b->n.has_mac)
		mac_str(b->n.mac, mac);
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	int r = set(o, "address", json_string(a));
	r |= set(o, "mac", b->n.has_mac ? json_string(mac) : json_null());
	r |= set(o, "interface", json_string_lossy(b->n.ifname));
	r |= set(o, "state", json_string(b->n.state));
	r |= set(o, "gateway", json_boolean(b->gateway));
	r |= set(o, "printer", b->printer < 0 ? json_null() : json_boolean(b->printer));
	r |= set(o, "firewall", json_string(fwr_verdict_name(b->fw)));
	r |= set(o, "open_ports", ports_json(fw, b->open));
	r |= set(o, "why", json_string_lossy(b->why));
	if (r) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *printer_json(const struct lan_printer *p)
{
	char a[64];
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	if (p->family)
		lan_addr_str(p->family, p->addr, a, sizeof(a));
	int r = set(o, "printer", json_string_lossy(p->queue));
	r |= set(o, "uri", json_string_lossy(p->uri));
	r |= set(o, "address", p->family ? json_string(a) : json_null());
	r |= set(o, "name", p->family ? json_null() : json_string_lossy(p->host));
	if (r) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The printers as a list, or NULL when out of memory. */
static json_t *printers_json(const struct plist *pl)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < pl->n; i++)
		if (json_array_append_new(a, printer_json(&pl->v[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static int put_list(struct probe_ctx *ctx, const char *name, json_t *v, const char *src, int line,
		    const char *note)
{
	if (v == NULL)
		return MAMORI_ENOMEM;
	return facts_put(ctx->facts, name, v, src, line, note);
}

static int put_let_in(struct done_ctx *d)
{
	struct probe_ctx *ctx = d->ctx;
	static const char name[] = "lan.neighbours_let_in";
	static const char src[] = "live nftables ruleset";
	if (d->neigh_unk[0])
		return facts_put_unknown(ctx->facts, name, NULL, 0, "%s", d->neigh_unk);
	if (d->printers_unk[0])
		return facts_put_unknown(ctx->facts, name, "/etc/cups/printers.conf", 0,
					 "the printers are unknown: %s", d->printers_unk);
	json_t *list = json_array();
	struct buf note;
	buf_init(&note, 4096);
	char unk[600] = "";
	if (list == NULL)
		return MAMORI_ENOMEM;
	for (size_t i = 0; i < d->nl.n; i++) {
		const struct nb *b = &d->nl.v[i];
		char a[64];
		lan_addr_str(b->n.family, b->n.addr, a, sizeof(a));
		if (b->gateway || b->printer == 1)
			continue;
		if (b->fw == FWR_UNKNOWN && unk[0] == '\0')
			snprintf(unk, sizeof(unk), "%s: %s", a, b->why);
		if (b->fw != FWR_OPEN)
			continue;
		if (b->printer < 0 && unk[0] == '\0')
			snprintf(unk, sizeof(unk),
				 "%s is let in (%s), and it may be the printer whose address is "
				 "unknown (see lan.printers)",
				 a, b->why);
		json_array_append_new(list, json_string(a));
		buf_printf(&note, "%s%s ", note.len ? "; " : "", a);
		for (size_t k = 0, m = 0; k < d->fw->nports; k++) {
			char pn[10];
			if (!bit(b->open, k))
				continue;
			port_name(&d->fw->ports[k], pn);
			buf_printf(&note, "%s%s", m++ ? "," : "", pn);
		}
		buf_printf(&note, " (%s)", b->why);
	}
	int r;
	if (unk[0]) {
		json_decref(list);
		r = facts_put_unknown(ctx->facts, name, src, 0, "%s", unk);
	} else {
		r = facts_put(ctx->facts, name, list, src, 0,
			      note.len ? note.data
				       : "no neighbour other than the router and the printers is "
					 "let in");
	}
	buf_free(&note);
	return r;
}

static int put_other(struct done_ctx *d)
{
	struct probe_ctx *ctx = d->ctx;
	struct lan *lan = d->lan;
	static const char name[] = "lan.other_device_ports";
	if (d->fw->rs == NULL)
		return facts_put_unknown(ctx->facts, name, NULL, 0, "%s", d->fw->unk);
	unsigned char open[LAN_MAX_PORTS / 8] = {0};
	size_t nopen = 0;
	char note[900] = "", unk[440] = "";
	for (size_t i = 0; i < lan->naddrs; i++) {
		const struct lan_ifaddr *a = &lan->addrs[i];
		unsigned char src[16] = {0};
		if (a->family == 4 && !stranger4(lan, &d->nl, d->pl, a, src))
			continue;
		if (a->family == 6) {
			if (!v6_link_local(a->addr))
				continue;
			/* a link-local address no neighbour uses: every IPv6 device has one */
			static const unsigned char ll[16] = {0xfe, 0x80, [8] = 0x02, 0x00, 0x5e,
							     0xff, 0xfe, 0x00,	     0x53, 0x01};
			memcpy(src, ll, 16);
		}
		struct verdict *v = calloc(1, sizeof(*v));
		if (v == NULL)
			return MAMORI_ENOMEM;
		int r = fw_source(lan, d->fw, a->family, src, NULL, v);
		if (r) {
			free(v);
			return r;
		}
		char as[64];
		lan_addr_str(a->family, src, as, sizeof(as));
		size_t l = strlen(note);
		snprintf(note + l, sizeof(note) - l, "%s%s: %s%s%s", l ? "; " : "", as,
			 fwr_verdict_name(v->v), v->why[0] ? ", " : "", v->why);
		if (v->v == FWR_UNKNOWN && unk[0] == '\0')
			snprintf(unk, sizeof(unk), "%s: %s", as, v->why);
		for (size_t k = 0; k < sizeof(open); k++)
			open[k] |= v->open[k];
		nopen += v->nopen;
		free(v);
	}
	if (nopen == 0 && unk[0])
		return facts_put_unknown(ctx->facts, name, "live nftables ruleset", 0, "%s", unk);
	char full[1000];
	snprintf(full, sizeof(full), "a LAN address no known device uses: %s",
		 note[0] ? note : "none to try");
	return put_list(ctx, name, ports_json(d->fw, open), "live nftables ruleset", 0, full);
}

static int put_fix(struct done_ctx *d)
{
	struct probe_ctx *ctx = d->ctx;
	struct lan *lan = d->lan;
	static const char name[] = "lan.firewall_fix";
	struct lan_host *allowed = calloc(d->nl.n + d->pl->n + 2, sizeof(*allowed));
	struct lan_host subnets[LAN_MAX_ADDRS + 1];
	const char *notes[LAN_MAX_PRINTERS];
	char *notebuf = calloc(LAN_MAX_PRINTERS, 400);
	size_t na = 0, ns = 0, nn = 0;
	int r = MAMORI_ENOMEM;
	if (allowed == NULL || notebuf == NULL)
		goto out;
	if (lan->r4.has_gw) {
		allowed[na].family = 4;
		memcpy(allowed[na++].addr, lan->r4.gw, 4);
	}
	if (lan->r6.has_gw) {
		allowed[na].family = 6;
		memcpy(allowed[na++].addr, lan->r6.gw, 16);
	}
	for (size_t i = 0; i < d->pl->n; i++) {
		const struct lan_printer *p = &d->pl->v[i];
		if (p->family) {
			allowed[na].family = p->family;
			memcpy(allowed[na++].addr, p->addr, 16);
		} else {
			char *s = notebuf + nn * 400;
			snprintf(s, 400,
				 "printer \"%.100s\" (%.200s): its address is unknown; allow it "
				 "with: ip saddr ADDRESS accept",
				 p->queue, p->uri);
			notes[nn++] = s;
		}
	}
	for (size_t i = 0; i < d->nl.n; i++) {
		const struct nb *b = &d->nl.v[i];
		if (!b->gateway && b->printer != 1)
			continue;
		bool dup = false;
		for (size_t k = 0; k < na && !dup; k++)
			dup = addr_eq(allowed[k].family, allowed[k].addr, b->n.family, b->n.addr);
		if (!dup) {
			allowed[na].family = b->n.family;
			memcpy(allowed[na++].addr, b->n.addr, 16);
		}
	}
	bool ll = false;
	for (size_t i = 0; i < lan->naddrs; i++) {
		const struct lan_ifaddr *a = &lan->addrs[i];
		if (a->family == 6 && v6_link_local(a->addr)) {
			ll = true;
			continue;
		}
		subnets[ns].family = a->family;
		memcpy(subnets[ns].addr, a->addr, 16);
		subnets[ns++].prefix = a->prefix;
	}
	if (ll) {
		static const unsigned char fe80[16] = {0xfe, 0x80};
		subnets[ns].family = 6;
		memcpy(subnets[ns].addr, fe80, 16);
		subnets[ns++].prefix = 10;
	}
	char *fix = NULL;
	r = lan_firewall_fix(lan->ifname, allowed, na, subnets, ns, notes, nn, &fix);
	if (r == 0) {
		r = facts_put_str(
		    ctx->facts, name, fix, NULL, 0,
		    "nft rules: allow the router, the printers, replies and loopback; "
		    "drop the other hosts of the LAN's subnets");
		free(fix);
	}
out:
	free(allowed);
	free(notebuf);
	return r;
}

static int put_sweep(struct done_ctx *d)
{
	struct probe_ctx *ctx = d->ctx;
	struct lan *lan = d->lan;
	if (!lan->sweep)
		return facts_put_unknown(ctx->facts, "lan.sweep", NULL, 0, "%s", lan->sweep_not);
	if (lan->sweep_rc == MAMORI_ENOMEM)
		return MAMORI_ENOMEM;
	if (lan->sweep_rc)
		return facts_put_unknown(ctx->facts, "lan.sweep", NULL, 0, "sweep failed: %s",
					 lan->sweep_err);
	json_t *subs = json_array();
	for (size_t i = 0; subs && i < lan->nsub; i++)
		json_array_append_new(subs, json_string(lan->subnets[i]));
	json_t *o = subs ? json_pack("{s:o,s:I,s:i,s:i,s:I}", "subnets", subs, "probes",
				     (json_int_t)lan->sent, "rate", LAN_SWEEP_RATE, "wait_ms",
				     (int)lan->wait_ms, "elapsed_ms", (json_int_t)lan->elapsed_ms)
			 : NULL;
	char note[600];
	snprintf(note, sizeof(note),
		 "one empty UDP datagram to port %d of each address not already in the ARP "
		 "table, at most %d a second, then a wait of %u ms%s%s",
		 LAN_SWEEP_PORT, LAN_SWEEP_RATE, lan->wait_ms, lan->sweep_skip[0] ? "; " : "",
		 lan->sweep_skip);
	return put_list(ctx, "lan.sweep", o, "the --discover sweep", 0, note);
}

static int put_printers(struct done_ctx *d)
{
	static const char src[] = "/etc/cups/printers.conf";
	if (d->printers_unk[0])
		return facts_put_unknown(d->ctx->facts, "lan.printers", src, 0, "%s",
					 d->printers_unk);
	return put_list(d->ctx, "lan.printers", printers_json(d->pl), src, 0, d->printers_note);
}

static int lan_facts(struct done_ctx *d)
{
	struct probe_ctx *ctx = d->ctx;
	struct lan *lan = d->lan;
	char note[600];
	char gw[64] = "";
	int r;
	if (lan->r4.has_gw)
		lan_addr_str(4, lan->r4.gw, gw, sizeof(gw));
	else if (lan->r6.has_gw)
		lan_addr_str(6, lan->r6.gw, gw, sizeof(gw));
	const struct lan_route *dr = lan->r4.found ? &lan->r4 : &lan->r6;
	const char *rsrc = lan->r4.found ? "/proc/net/route" : "/proc/net/ipv6_route";
	if (!lan->have_route) {
		static const char none[] = "no default route: the PC is on no LAN";
		r = facts_put(ctx->facts, "lan.interface", json_null(), "/proc/net/route", 0, none);
		if (r == 0)
			r = put_list(ctx, "lan.addresses", json_array(), NULL, 0, none);
		if (r == 0)
			r = facts_put(ctx->facts, "lan.gateway", json_null(), "/proc/net/route", 0,
				      none);
		if (r == 0)
			r = put_list(ctx, "lan.neighbours", json_array(), NULL, 0, none);
		if (r == 0)
			r = put_list(ctx, "lan.neighbours_let_in", json_array(), NULL, 0, none);
		if (r == 0)
			r = put_list(ctx, "lan.other_device_ports", json_array(), NULL, 0, none);
		if (r == 0)
			r = facts_put(ctx->facts, "lan.firewall_fix", json_null(), NULL, 0, none);
		return r ? r : put_printers(d);
	}
	snprintf(note, sizeof(note), "the default route%s%s (metric %llu)",
		 gw[0] ? " via " : " (no gateway)", gw, dr->metric);
	r = facts_put_str(ctx->facts, "lan.interface", lan->ifname, rsrc, dr->line, note);
	json_t *addrs = json_array();
	for (size_t i = 0; r == 0 && addrs && i < lan->naddrs; i++) {
		const struct lan_ifaddr *a = &lan->addrs[i];
		char s[64], full[80];
		if (a->family == 6 && v6_link_local(a->addr))
			continue;
		lan_addr_str(a->family, a->addr, s, sizeof(s));
		snprintf(full, sizeof(full), "%s/%u", s, a->prefix);
		json_array_append_new(addrs, json_string(full));
	}
	if (r == 0) {
		snprintf(note, sizeof(note),
			 "IPv4, and IPv6 global and unique-local, addresses of %s", lan->ifname);
		r = put_list(ctx, "lan.addresses", addrs, "getifaddrs", 0, note);
	} else {
		json_decref(addrs);
	}
	if (r == 0 && gw[0])
		r = facts_put_str(ctx->facts, "lan.gateway", gw, rsrc,
				  lan->r4.has_gw ? lan->r4.line : lan->r6.line,
				  "the default route's gateway: the edge router");
	else if (r == 0)
		r = facts_put(ctx->facts, "lan.gateway", json_null(), rsrc, dr->line,
			      "the default route has no gateway");
	if (r == 0)
		r = put_printers(d);
	/* neighbours */
	if (r == 0 && d->neigh_unk[0])
		r = facts_put_unknown(ctx->facts, "lan.neighbours", NULL, 0, "%s", d->neigh_unk);
	else if (r == 0) {
		json_t *nl = json_array();
		for (size_t i = 0; nl && i < d->nl.n; i++)
			if (json_array_append_new(nl, neigh_json(d->fw, &d->nl.v[i]))) {
				json_decref(nl);
				nl = NULL;
			}
		char full[1400];
		snprintf(full, sizeof(full), "%s; %s%s%s", d->neigh_note,
			 lan->sweep ? "after a --discover sweep of " : "no sweep",
			 lan->sweep ? lan->subnets[0] : "",
			 d->fw->rs ? "; firewall: the live nftables ruleset, evaluated per port"
				   : "");
		r = put_list(ctx, "lan.neighbours", nl, "/proc/net/arp, rtnetlink RTM_GETNEIGH", 0,
			     full);
	}
	if (r == 0)
		r = put_let_in(d);
	if (r == 0)
		r = put_other(d);
	if (r == 0)
		r = put_fix(d);
	return r;
}

static int lan_done(struct probe_ctx *ctx, void *arg)
{
	struct lan *lan = arg;
	struct done_ctx *d = calloc(1, sizeof(*d));
	int r = MAMORI_ENOMEM;
	if (d == NULL)
		goto out;
	d->ctx = ctx;
	d->lan = lan;
	d->nl.lan = lan;
	d->pl = calloc(1, sizeof(*d->pl));
	d->fw = calloc(1, sizeof(*d->fw));
	if (d->pl == NULL || d->fw == NULL)
		goto out;
	if (lan->unk[0]) {
		r = put_all_unknown(ctx, NULL, lan->unk);
		goto out;
	}
	r = put_sweep(d);
	if (r == 0)
		r = read_printers(d);
	if (r == 0 && !lan->have_route) {
		r = lan_facts(d);
		goto out;
	}
	if (r == 0)
		r = read_neighbours(d);
	if (r == 0)
		r = fw_prepare(ctx, d->fw);
	if (r == 0)
		mark(d);
	for (size_t i = 0; r == 0 && !d->neigh_unk[0] && i < d->nl.n; i++) {
		struct nb *b = &d->nl.v[i];
		struct verdict *v = calloc(1, sizeof(*v));
		if (v == NULL) {
			r = MAMORI_ENOMEM;
			break;
		}
		r = fw_source(lan, d->fw, b->n.family, b->n.addr, b->n.has_mac ? b->n.mac : NULL,
			      v);
		b->fw = v->v;
		snprintf(b->why, sizeof(b->why), "%s", v->why);
		memcpy(b->open, v->open, sizeof(b->open));
		b->nopen = v->nopen;
		free(v);
	}
	if (r == 0)
		r = lan_facts(d);
out:
	if (d) {
		free(d->nl.v);
		free(d->pl);
		if (d->fw)
			fwr_free(d->fw->rs);
		free(d->fw);
		free(d);
	}
	lan_free(lan);
	return r;
}
