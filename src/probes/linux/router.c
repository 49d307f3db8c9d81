/* SPDX-License-Identifier: Apache-2.0 */
/* router.*: the IPv4 default gateway (/proc/net/route) and what that router says on the LAN
 * about itself (docs/probes/router.md). This file holds the pure parsers, the facts made from
 * the router's answers and the probe; the network part is router_net.c, reached through
 * sys_ops->router_ask so that tests can feed recorded answers. */
#include <arpa/inet.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "probes/linux/common.h"
#include "probes/linux/probes.h"
#include "probes/linux/router.h"

/* ---- small helpers ---- */

/* Copies n bytes of s into out (cap bytes), cut on a UTF-8 boundary; control characters
 * become '?', so that nothing read off the wire can break a line or a header. */
static void copy_field(char *out, size_t cap, const char *s, size_t n)
{
	if (cap == 0)
		return;
	if (n > cap - 1) {
		n = cap - 1;
		/* back off to the start of the character the cut falls in */
		size_t i = n;
		while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
			i--;
		n = i;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = (c < 0x20 && c != '\t') || c == 0x7F ? '?' : (char)c;
	}
	out[n] = '\0';
}

static bool hex_word(const char *s, size_t n, uint32_t *out)
{
	if (n == 0 || n > 8)
		return false;
	uint32_t v = 0;
	for (size_t i = 0; i < n; i++) {
		int c = c_tolower((unsigned char)s[i]), d;
		if (c_isdigit(c))
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return false;
		v = (v << 4) | (uint32_t)d;
	}
	*out = v;
	return true;
}

/* ---- /proc/net/route ---- */

struct route_parse {
	struct route4 *v;
	size_t n, cap;
	char *why;
	size_t whylen;
};

static int route_line(const char *line, size_t len, int lineno, void *ud)
{
	struct route_parse *st = ud;
	const char *f[11];
	size_t fl[11], nf = 0;
	for (size_t i = 0; i < len && nf < 11;) {
		while (i < len && (line[i] == '\t' || line[i] == ' '))
			i++;
		if (i == len)
			break;
		f[nf] = line + i;
		while (i < len && line[i] != '\t' && line[i] != ' ')
			i++;
		fl[nf] = (size_t)(line + i - f[nf]);
		nf++;
	}
	if (lineno == 1) {
		if (nf == 0 || fl[0] != 5 || memcmp(f[0], "Iface", 5) != 0) {
			snprintf(st->why, st->whylen,
				 "expected the header line \"Iface Destination ...\"");
			return MAMORI_EPARSE;
		}
		return 0;
	}
	if (nf == 0)
		return 0;
	if (nf < 8) {
		snprintf(st->why, st->whylen, "%zu fields, expected at least 8", nf);
		return MAMORI_EPARSE;
	}
	struct route4 r = {.line = lineno};
	uint32_t flags;
	if (fl[0] >= sizeof(r.ifname)) {
		snprintf(st->why, st->whylen, "interface name longer than 15 bytes");
		return MAMORI_EPARSE;
	}
	memcpy(r.ifname, f[0], fl[0]);
	/* the name goes into /sys/class/net/NAME paths: no directory games */
	if (memchr(f[0], '/', fl[0]) || !strcmp(r.ifname, ".") || !strcmp(r.ifname, "..")) {
		snprintf(st->why, st->whylen, "not an interface name");
		return MAMORI_EPARSE;
	}
	if (!hex_word(f[1], fl[1], &r.dest) || !hex_word(f[2], fl[2], &r.gateway) ||
	    !hex_word(f[3], fl[3], &flags) || !hex_word(f[7], fl[7], &r.mask) ||
	    strn_to_ll(f[6], fl[6], 0, 0xFFFFFFFFLL, &r.metric, NULL)) {
		snprintf(st->why, st->whylen,
			 "expected hexadecimal addresses, flags and mask and a decimal metric");
		return MAMORI_EPARSE;
	}
	/* /proc printed the network-order words with %08X on this host: the value read back is
	 * the same word, so it is kept as read. */
	r.flags = flags;
	if (st->n == ROUTE_MAX_ROUTES) {
		snprintf(st->why, st->whylen, "more than %u routes", ROUTE_MAX_ROUTES);
		return MAMORI_ETOOBIG;
	}
	if (st->n == st->cap) {
		size_t nc = st->cap ? st->cap * 2 : 16;
		struct route4 *nv = realloc(st->v, nc * sizeof(*nv));
		if (nv == NULL)
			return MAMORI_ENOMEM;
		st->v = nv;
		st->cap = nc;
	}
	st->v[st->n++] = r;
	return 0;
}

int proc_route_parse(const char *buf, size_t len, struct route4 **out, size_t *count, int *bad_line,
		     char *why, size_t whylen)
{
	struct route_parse st = {.why = why, .whylen = whylen};
	if (whylen)
		why[0] = '\0';
	int bad = 0;
	int r = for_each_line(buf, len, 1024, route_line, &st, &bad);
	if (r == MAMORI_ETOOBIG && why[0] == '\0')
		snprintf(why, whylen, "line longer than 1024 bytes");
	if (r) {
		free(st.v);
		*bad_line = bad;
		return r;
	}
	*out = st.v;
	*count = st.n;
	return 0;
}

long route_default(const struct route4 *r, size_t n, bool (*usable)(const char *ifname, void *ud),
		   void *ud)
{
	long best = -1;
	for (size_t i = 0; i < n; i++) {
		const struct route4 *x = &r[i];
		if (!(x->flags & ROUTE_F_UP) || !(x->flags & ROUTE_F_GATEWAY) ||
		    (x->flags & ROUTE_F_REJECT) || x->dest != 0 || x->mask != 0 || x->gateway == 0)
			continue;
		if (usable && !usable(x->ifname, ud))
			continue;
		if (best < 0 || x->metric < r[best].metric)
			best = (long)i;
	}
	return best;
}

size_t route_subnets(const struct route4 *r, size_t n, const char *ifname, uint32_t *nets,
		     uint32_t *masks, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k < max; i++) {
		const struct route4 *x = &r[i];
		if (!(x->flags & ROUTE_F_UP) || (x->flags & (ROUTE_F_GATEWAY | ROUTE_F_HOST)) ||
		    (x->flags & ROUTE_F_REJECT) || x->mask == 0 || strcmp(x->ifname, ifname) != 0)
			continue;
		nets[k] = x->dest & x->mask;
		masks[k] = x->mask;
		k++;
	}
	return k;
}

bool router_on_subnet(const struct router_query *q, uint32_t addr)
{
	if (addr == q->gw)
		return true;
	for (size_t i = 0; i < q->nsubnets; i++)
		if ((addr & q->masks[i]) == q->nets[i])
			return true;
	return false;
}

/* ---- URLs ---- */

enum url_kind url_kind(const char *s)
{
	size_t i = 0;
	while (c_isalpha((unsigned char)s[i]) ||
	       (i > 0 &&
		(c_isdigit((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')))
		i++;
	if (i == 0 || s[i] != ':')
		return URL_RELATIVE;
	if (i == 4 && c_strncasecmp(s, "http", 4) == 0)
		return URL_HTTP;
	if (i == 5 && c_strncasecmp(s, "https", 5) == 0)
		return URL_HTTPS;
	return URL_OTHER;
}

/* A path as it may go into a request line: printable ASCII without spaces; the fragment
 * is dropped. */
static int url_set_path(struct http_url *u, const char *p, size_t n)
{
	const char *hash = memchr(p, '#', n);
	if (hash)
		n = (size_t)(hash - p);
	if (n == 0) {
		p = "/";
		n = 1;
	}
	if (p[0] != '/' || n >= sizeof(u->path))
		return MAMORI_EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7F)
			return MAMORI_EINVAL;
	memcpy(u->path, p, n);
	u->path[n] = '\0';
	return 0;
}

int http_url_parse(const char *url, struct http_url *out)
{
	if (url_kind(url) != URL_HTTP || strncmp(url + 4, "://", 3) != 0)
		return MAMORI_EINVAL;
	/* No fragment: libminiupnpc's own URL parser would take "1.2.3.4#x" as the host name
	 * and look it up in the DNS, off the LAN. */
	if (strchr(url, '#') != NULL)
		return MAMORI_EINVAL;
	const char *h = url + 7;
	size_t hl = strcspn(h, ":/?#");
	struct http_url u = {.port = 80};
	if (hl == 0 || hl >= sizeof(u.host))
		return MAMORI_EINVAL;
	memcpy(u.host, h, hl);
	u.host[hl] = '\0';
	struct in_addr a;
	if (inet_pton(AF_INET, u.host, &a) != 1)
		return MAMORI_EINVAL;
	u.addr = a.s_addr;
	const char *p = h + hl;
	if (*p == ':') {
		size_t pl = strcspn(p + 1, "/?#");
		long long port;
		if (strn_to_ll(p + 1, pl, 1, 65535, &port, NULL))
			return MAMORI_EINVAL;
		u.port = (unsigned)port;
		p += 1 + pl;
	}
	if (*p == '?') /* "http://host?q": the path is "/" then the query */
		return MAMORI_EINVAL;
	if (url_set_path(&u, p, strlen(p)))
		return MAMORI_EINVAL;
	*out = u;
	return 0;
}

int http_url_resolve(const struct http_url *base, const char *ref, struct http_url *out)
{
	enum url_kind k = url_kind(ref);
	if (k == URL_HTTP)
		return http_url_parse(ref, out);
	if (k != URL_RELATIVE)
		return MAMORI_EINVAL;
	if (ref[0] == '/' && ref[1] == '/') {
		char abs[600];
		int n = snprintf(abs, sizeof(abs), "http:%s", ref);
		if (n < 0 || (size_t)n >= sizeof(abs))
			return MAMORI_EINVAL;
		return http_url_parse(abs, out);
	}
	struct http_url u = *base;
	char path[1100];
	int n;
	if (ref[0] == '/') {
		n = snprintf(path, sizeof(path), "%s", ref);
	} else {
		size_t dir = strcspn(base->path, "?");
		while (dir > 0 && base->path[dir - 1] != '/')
			dir--;
		n = snprintf(path, sizeof(path), "%.*s%s", (int)dir, base->path, ref);
	}
	if (n < 0 || (size_t)n >= sizeof(path) || url_set_path(&u, path, (size_t)n))
		return MAMORI_EINVAL;
	*out = u;
	return 0;
}

void http_url_format(const struct http_url *u, char *out, size_t outlen)
{
	if (u->port == 80)
		snprintf(out, outlen, "http://%s%s", u->host, u->path);
	else
		snprintf(out, outlen, "http://%s:%u%s", u->host, u->port, u->path);
}

/* ---- SSDP and HTTP replies ---- */

/* The next line of [*pos, len): its start and length without CR LF. False at the end. */
static bool next_line(const char *buf, size_t len, size_t *pos, const char **line, size_t *ll)
{
	if (*pos >= len)
		return false;
	const char *s = buf + *pos;
	const char *nl = memchr(s, '\n', len - *pos);
	size_t l = nl ? (size_t)(nl - s) : len - *pos;
	*pos += l + (nl != NULL);
	if (l > 0 && s[l - 1] == '\r')
		l--;
	*line = s;
	*ll = l;
	return true;
}

/* Splits "Name: value" into a name and a trimmed value; false without a colon. */
static bool header_split(const char *line, size_t ll, const char **name, size_t *nl,
			 const char **val, size_t *vl)
{
	const char *colon = memchr(line, ':', ll);
	if (colon == NULL)
		return false;
	*name = line;
	*nl = (size_t)(colon - line);
	str_trim(name, nl);
	*val = colon + 1;
	*vl = ll - (size_t)(colon + 1 - line);
	str_trim(val, vl);
	return true;
}

static bool name_is(const char *name, size_t nl, const char *want)
{
	return nl == strlen(want) && c_strncasecmp(name, want, nl) == 0;
}

/* "HTTP/1.x NNN ..." -> NNN, or -1. */
static int status_line(const char *line, size_t ll)
{
	if (ll < 12 || memcmp(line, "HTTP/1.", 7) != 0 || !c_isdigit((unsigned char)line[7]) ||
	    line[8] != ' ')
		return -1;
	long long st;
	if (strn_to_ll(line + 9, 3, 100, 999, &st, NULL) || (ll > 12 && line[12] != ' '))
		return -1;
	return (int)st;
}

int ssdp_reply_parse(const char *buf, size_t len, struct ssdp_reply *out)
{
	if (len > SSDP_MAX_REPLY)
		return MAMORI_ETOOBIG;
	struct ssdp_reply r;
	memset(&r, 0, sizeof(r));
	size_t pos = 0, ll;
	const char *line;
	if (!next_line(buf, len, &pos, &line, &ll) || status_line(line, ll) != 200)
		return MAMORI_EPARSE;
	while (next_line(buf, len, &pos, &line, &ll) && ll > 0) {
		const char *name, *val;
		size_t nl, vl;
		if (!header_split(line, ll, &name, &nl, &val, &vl))
			return MAMORI_EPARSE;
		if (name_is(name, nl, "location"))
			copy_field(r.location, sizeof(r.location), val, vl);
		else if (name_is(name, nl, "st"))
			copy_field(r.st, sizeof(r.st), val, vl);
		else if (name_is(name, nl, "server"))
			copy_field(r.server, sizeof(r.server), val, vl);
		else if (name_is(name, nl, "usn"))
			copy_field(r.usn, sizeof(r.usn), val, vl);
	}
	if (r.location[0] == '\0')
		return MAMORI_EPARSE;
	*out = r;
	return 0;
}

/* Decodes a chunked body in place; *done when the last (empty) chunk was seen. */
static int dechunk(char *b, size_t n, size_t *out_len, bool *truncated, bool *done)
{
	size_t in = 0, out = 0;
	for (;;) {
		size_t digits = 0;
		unsigned long long size = 0;
		while (in < n && digits < 16) {
			int c = c_tolower((unsigned char)b[in]);
			int d = c_isdigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
			if (d < 0)
				break;
			size = size * 16 + (unsigned)d;
			in++;
			digits++;
		}
		if (digits == 0) {
			if (in == n) { /* the stream stopped between chunks */
				*truncated = true;
				break;
			}
			return MAMORI_EPARSE;
		}
		/* chunk extensions, then the line end */
		const char *nl = memchr(b + in, '\n', n - in);
		if (nl == NULL) {
			*truncated = true;
			break;
		}
		in = (size_t)(nl - b) + 1;
		if (size == 0) {
			*done = true;
			break;
		}
		size_t avail = n - in;
		size_t take = size < avail ? (size_t)size : avail;
		memmove(b + out, b + in, take);
		out += take;
		in += take;
		if (take < size) {
			*truncated = true;
			break;
		}
		if (in < n && b[in] == '\r')
			in++;
		if (in < n && b[in] == '\n')
			in++;
	}
	*out_len = out;
	return 0;
}

int http_reply_parse(char *buf, size_t len, struct http_reply *out)
{
	struct http_reply r;
	size_t start = 0;
	for (int round = 0;; round++) {
		memset(&r, 0, sizeof(r));
		size_t pos = start, ll;
		const char *line;
		if (!next_line(buf, len, &pos, &line, &ll) ||
		    (r.status = status_line(line, ll)) < 0)
			return MAMORI_EPARSE;
		long long clen = -1;
		bool chunked = false, ended = false;
		while (next_line(buf, len, &pos, &line, &ll)) {
			if (pos - start > HTTP_MAX_HEADER)
				return MAMORI_ETOOBIG;
			if (ll == 0) {
				ended = true;
				break;
			}
			const char *name, *val;
			size_t nl, vl;
			if (!header_split(line, ll, &name, &nl, &val, &vl))
				return MAMORI_EPARSE;
			if (name_is(name, nl, "content-length")) {
				if (strn_to_ll(val, vl, 0, 1LL << 40, &clen, NULL))
					return MAMORI_EPARSE;
			} else if (name_is(name, nl, "transfer-encoding")) {
				for (size_t i = 0; i + 7 <= vl; i++)
					if (c_strncasecmp(val + i, "chunked", 7) == 0)
						chunked = true;
			} else if (name_is(name, nl, "location")) {
				copy_field(r.location, sizeof(r.location), val, vl);
			}
		}
		if (!ended)
			return pos - start > HTTP_MAX_HEADER ? MAMORI_ETOOBIG : MAMORI_EPARSE;
		/* an interim 1xx reply is followed by the real one */
		if (r.status < 200 && round < 4) {
			start = pos;
			continue;
		}
		char *body = buf + pos;
		size_t avail = len - pos;
		if (chunked) {
			if (dechunk(body, avail, &r.body_len, &r.truncated, &r.complete))
				return MAMORI_EPARSE;
		} else if (clen >= 0) {
			r.body_len = (unsigned long long)clen < avail ? (size_t)clen : avail;
			r.truncated = (unsigned long long)clen > avail;
			r.complete = !r.truncated;
		} else {
			r.body_len = avail;
		}
		r.body = body;
		break;
	}
	*out = r;
	return 0;
}

/* ---- UPnP device description (expat) ---- */

struct desc_state {
	XML_Parser p;
	struct igd_desc *out;
	int depth;
	bool device_open, device_done, root_ok;
	char *field; /* where the current element's text goes, or NULL */
	int field_depth;
	size_t flen;
	bool full;
	char why[160];
};

static void desc_stop(struct desc_state *st, const char *why)
{
	if (st->why[0] == '\0')
		snprintf(st->why, sizeof(st->why), "%s", why);
	XML_StopParser(st->p, XML_FALSE);
}

static const char *local_name(const char *name)
{
	const char *c = strrchr(name, ':');
	return c ? c + 1 : name;
}

/* The root device's fields we keep; firmware only where the element says it is one. */
static char *device_field(struct igd_desc *d, const char *n)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
	    {"deviceType", offsetof(struct igd_desc, device_type)},
	    {"friendlyName", offsetof(struct igd_desc, friendly_name)},
	    {"manufacturer", offsetof(struct igd_desc, manufacturer)},
	    {"modelName", offsetof(struct igd_desc, model_name)},
	    {"modelNumber", offsetof(struct igd_desc, model_number)},
	    {"modelDescription", offsetof(struct igd_desc, model_description)},
	    {"serialNumber", offsetof(struct igd_desc, serial)},
	    {"presentationURL", offsetof(struct igd_desc, presentation_url)},
	    {"firmwareVersion", offsetof(struct igd_desc, firmware)},
	    {"X_firmwareVersion", offsetof(struct igd_desc, firmware)},
	    {"softwareVersion", offsetof(struct igd_desc, firmware)},
	    {"firmware", offsetof(struct igd_desc, firmware)},
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (c_strcasecmp(n, fields[i].name) == 0)
			return (char *)d + fields[i].off;
	return NULL;
}

static void XMLCALL desc_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	(void)atts;
	struct desc_state *st = ud;
	st->depth++;
	if (st->depth > 32) {
		desc_stop(st, "elements nested deeper than 32");
		return;
	}
	const char *n = local_name(name);
	if (st->depth == 1) {
		if (strcmp(n, "root") != 0)
			desc_stop(st, "the document element is not <root>");
		st->root_ok = true;
		return;
	}
	if (st->depth == 2 && strcmp(n, "device") == 0 && !st->device_done) {
		st->device_open = true;
		return;
	}
	char *f = NULL;
	if (st->depth == 2 && c_strcasecmp(n, "URLBase") == 0)
		f = st->out->url_base;
	else if (st->depth == 3 && st->device_open)
		f = device_field(st->out, n);
	if (f && f[0] == '\0') { /* the first of a repeated element counts */
		st->field = f;
		st->field_depth = st->depth;
		st->flen = 0;
		st->full = false;
	}
}

/* Trims the collected text and cuts it on a UTF-8 boundary if it overflowed. */
static void field_finish(struct desc_state *st)
{
	char *f = st->field;
	size_t n = st->flen;
	if (st->full) {
		size_t i = n;
		while (i > 0 && ((unsigned char)f[i - 1] & 0xC0) == 0x80)
			i--;
		if (i > 0) {
			unsigned char lead = (unsigned char)f[i - 1];
			size_t need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
			if (n - (i - 1) < need)
				n = i - 1;
		}
	}
	const char *s = f;
	str_trim(&s, &n);
	memmove(f, s, n);
	f[n] = '\0';
	st->field = NULL;
}

static void XMLCALL desc_end(void *ud, const XML_Char *name)
{
	(void)name;
	struct desc_state *st = ud;
	if (st->field && st->depth == st->field_depth)
		field_finish(st);
	if (st->depth == 2 && st->device_open) {
		st->device_open = false;
		st->device_done = true;
	}
	st->depth--;
}

static void XMLCALL desc_text(void *ud, const XML_Char *s, int len)
{
	struct desc_state *st = ud;
	if (st->field == NULL || st->depth != st->field_depth || len <= 0)
		return;
	size_t room = IGD_FIELD_MAX - 1 - st->flen;
	size_t n = (size_t)len;
	if (n > room) {
		n = room;
		st->full = true;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		st->field[st->flen + i] = c < 0x20 ? ' ' : (char)c;
	}
	st->flen += n;
	st->field[st->flen] = '\0';
}

/* No UPnP description has a DTD: refusing it refuses every entity declaration with it, so
 * nothing can expand (billion laughs, external entities). */
static void XMLCALL desc_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
				 const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	desc_stop(ud, "a DOCTYPE is not allowed in a UPnP description");
}

static void XMLCALL desc_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
				int value_len, const XML_Char *base, const XML_Char *sysid,
				const XML_Char *pubid, const XML_Char *notation)
{
	(void)name, (void)is_param, (void)value, (void)value_len, (void)base, (void)sysid;
	(void)pubid, (void)notation;
	desc_stop(ud, "an entity declaration is not allowed in a UPnP description");
}

int igd_desc_parse(const char *buf, size_t len, struct igd_desc *out, char *why, size_t whylen)
{
	if (len > IGD_DESC_MAX) {
		snprintf(why, whylen, "larger than %u KiB", IGD_DESC_MAX >> 10);
		return MAMORI_ETOOBIG;
	}
	struct igd_desc *d = calloc(1, sizeof(*d));
	struct desc_state st = {.out = d};
	st.p = d ? XML_ParserCreate(NULL) : NULL;
	if (st.p == NULL) {
		free(d);
		snprintf(why, whylen, "out of memory");
		return MAMORI_ENOMEM;
	}
	XML_SetUserData(st.p, &st);
	XML_SetElementHandler(st.p, desc_start, desc_end);
	XML_SetCharacterDataHandler(st.p, desc_text);
	XML_SetStartDoctypeDeclHandler(st.p, desc_doctype);
	XML_SetEntityDeclHandler(st.p, desc_entity);
	XML_SetParamEntityParsing(st.p, XML_PARAM_ENTITY_PARSING_NEVER);
	int r = 0;
	if (XML_Parse(st.p, buf, (int)len, XML_TRUE) != XML_STATUS_OK) {
		enum XML_Error code = XML_GetErrorCode(st.p);
		if (code == XML_ERROR_NO_MEMORY) {
			snprintf(why, whylen, "out of memory");
			r = MAMORI_ENOMEM;
		} else {
			snprintf(why, whylen, "line %lu, column %lu: %s",
				 (unsigned long)XML_GetCurrentLineNumber(st.p),
				 (unsigned long)XML_GetCurrentColumnNumber(st.p) + 1,
				 st.why[0] ? st.why : XML_ErrorString(code));
			r = MAMORI_EPARSE;
		}
	} else if (!st.root_ok || !st.device_done) {
		snprintf(why, whylen, "no <root><device> element");
		r = MAMORI_EPARSE;
	}
	XML_ParserFree(st.p);
	if (r == 0)
		*out = *d;
	free(d);
	return r;
}

/* ---- facts from the router's answers ---- */

static const char *const router_facts[] = {"router.upnp_igd",	      "router.external_address",
					   "router.port_mappings",    "router.device",
					   "router.admin_plain_http", "router.admin_url"};

int router_record_unknown(struct facts *f, const char *source, const char *reason)
{
	for (size_t i = 0; i < sizeof(router_facts) / sizeof(router_facts[0]); i++) {
		int r = facts_put_unknown(f, router_facts[i], source, 0, "%s", reason);
		if (r)
			return r;
	}
	return 0;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A string field of the device object: null when not announced. */
static int device_set(json_t *dev, const char *key, const char *v)
{
	return json_object_set_new(dev, key, v[0] ? json_string_lossy(v) : json_null());
}

static int record_device(struct facts *f, const json_t *desc)
{
	const char *url = jstr(desc, "url");
	const char *err = jstr(desc, "error"), *xml = jstr(desc, "xml");
	if (url == NULL)
		url = "the IGD's description";
	if (err || xml == NULL)
		return facts_put_unknown(f, "router.device", url, 0,
					 "the IGD's description could not be fetched: %s",
					 err ? err : "no description in the answers");
	struct igd_desc d;
	char why[256];
	int r = igd_desc_parse(xml, json_string_length(json_object_get(desc, "xml")), &d, why,
			       sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r)
		return facts_put_unknown(f, "router.device", url, 0, "%s: %s", url, why);
	json_t *dev = json_object();
	if (dev == NULL || device_set(dev, "manufacturer", d.manufacturer) ||
	    device_set(dev, "model_name", d.model_name) ||
	    device_set(dev, "model_number", d.model_number) ||
	    device_set(dev, "model_description", d.model_description) ||
	    device_set(dev, "friendly_name", d.friendly_name) ||
	    device_set(dev, "firmware", d.firmware)) {
		json_decref(dev);
		return MAMORI_ENOMEM;
	}
	/* d.serial stays here: see router.md ("serial number not recorded") */
	return facts_put(f, "router.device", dev, url, 0,
			 d.firmware[0] ? "the IGD's root device description"
				       : "the IGD's root device description; it announces no "
					 "firmware version (not derived from the model number)");
}

static int record_external(struct facts *f, const char *ctl, const json_t *ext)
{
	const char *err = jstr(ext, "error"), *v = jstr(ext, "value");
	if (err || v == NULL)
		return facts_put_unknown(f, "router.external_address", ctl, 0,
					 "GetExternalIPAddress at %s failed: %s", ctl,
					 err ? err : "no answer recorded");
	if (v[0] == '\0')
		return facts_put(f, "router.external_address", json_null(), ctl, 0,
				 "the IGD answered GetExternalIPAddress with an empty address");
	char cut[64];
	copy_field(cut, sizeof(cut), v, strlen(v));
	return facts_put_str(f, "router.external_address", cut, ctl, 0,
			     "the IGD's answer to GetExternalIPAddress");
}

/* "1"/"true"/"yes" and "0"/"false"/"no", as the IGD specification allows; else null. */
static json_t *mapping_bool(const char *s)
{
	if (s == NULL)
		return json_null();
	if (!strcmp(s, "1") || !c_strcasecmp(s, "true") || !c_strcasecmp(s, "yes"))
		return json_true();
	if (!strcmp(s, "0") || !c_strcasecmp(s, "false") || !c_strcasecmp(s, "no"))
		return json_false();
	return json_null();
}

/* One GetGenericPortMappingEntry answer (strings as received) as a fact element. Ports that
 * are not numbers make the entry unusable (why says so); an unclear enabled flag or lease is
 * null. */
static int mapping_entry(const json_t *e, json_t **out, char *why, size_t whylen)
{
	long long ext, in, lease;
	const char *s_ext = jstr(e, "external_port"), *s_in = jstr(e, "internal_port");
	const char *proto = jstr(e, "protocol"), *client = jstr(e, "internal_client");
	const char *desc = jstr(e, "description"), *rhost = jstr(e, "remote_host");
	const char *s_lease = jstr(e, "lease_seconds");
	if (s_ext == NULL || str_to_ll(s_ext, 0, 65535, &ext, NULL)) {
		snprintf(why, whylen, "external port \"%.16s\" is not a number 0-65535",
			 s_ext ? s_ext : "");
		return MAMORI_EPARSE;
	}
	if (s_in == NULL || str_to_ll(s_in, 0, 65535, &in, NULL)) {
		snprintf(why, whylen, "internal port \"%.16s\" is not a number 0-65535",
			 s_in ? s_in : "");
		return MAMORI_EPARSE;
	}
	char p[16];
	copy_field(p, sizeof(p), proto ? proto : "", proto ? strlen(proto) : 0);
	for (char *c = p; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
	char cl[64], de[128], rh[64];
	copy_field(cl, sizeof(cl), client ? client : "", client ? strlen(client) : 0);
	copy_field(de, sizeof(de), desc ? desc : "", desc ? strlen(desc) : 0);
	copy_field(rh, sizeof(rh), rhost ? rhost : "", rhost ? strlen(rhost) : 0);
	json_t *o = json_object();
	bool lease_ok = s_lease && str_to_ll(s_lease, 0, 0xFFFFFFFFLL, &lease, NULL) == 0;
	if (o == NULL || json_object_set_new(o, "external_port", json_integer(ext)) ||
	    json_object_set_new(o, "protocol", json_string_lossy(p)) ||
	    json_object_set_new(o, "internal_client", json_string_lossy(cl)) ||
	    json_object_set_new(o, "internal_port", json_integer(in)) ||
	    json_object_set_new(o, "description", json_string_lossy(de)) ||
	    json_object_set_new(o, "enabled", mapping_bool(jstr(e, "enabled"))) ||
	    json_object_set_new(o, "remote_host", json_string_lossy(rh)) ||
	    json_object_set_new(o, "lease_seconds", lease_ok ? json_integer(lease) : json_null())) {
		json_decref(o);
		return MAMORI_ENOMEM;
	}
	*out = o;
	return 0;
}

static int record_mappings(struct facts *f, const char *ctl, const json_t *maps)
{
	const json_t *entries = json_object_get(maps, "entries");
	const char *err = jstr(maps, "error");
	if (err || !json_is_array(entries))
		return facts_put_unknown(f, "router.port_mappings", ctl, 0,
					 "listing the port mappings at %s stopped after %zu: %s",
					 ctl, json_array_size(entries),
					 err ? err : "no answer recorded");
	json_t *list = json_array();
	struct buf note;
	buf_init(&note, 2048);
	if (list == NULL)
		return MAMORI_ENOMEM;
	size_t i;
	const json_t *e;
	bool cut = false;
	int r = buf_printf(&note, "%zu mapping(s) listed by GetGenericPortMappingEntry",
			   json_array_size(entries));
	json_array_foreach(entries, i, e)
	{
		json_t *o;
		char why[128];
		int x = mapping_entry(e, &o, why, sizeof(why));
		if (x == MAMORI_ENOMEM) {
			r = x;
			break;
		}
		if (x) {
			json_decref(list);
			buf_free(&note);
			return facts_put_unknown(f, "router.port_mappings", ctl, 0,
						 "%s: entry %zu: %s", ctl, i, why);
		}
		/* the note names each mapping while it fits (the value has them all) */
		if (r == 0 && note.len >= 1500 && !cut) {
			cut = true;
			r = buf_adds(&note, "; ...");
		}
		if (r == 0 && !cut)
			r = buf_printf(&note, "%s %s %lld -> %s:%lld%s", i ? ";" : ":",
				       json_string_value(json_object_get(o, "protocol")),
				       json_integer_value(json_object_get(o, "external_port")),
				       json_string_value(json_object_get(o, "internal_client")),
				       json_integer_value(json_object_get(o, "internal_port")),
				       json_is_false(json_object_get(o, "enabled")) ? " (disabled)"
										    : "");
		if (json_array_append_new(list, o))
			r = MAMORI_ENOMEM;
		if (r)
			break;
	}
	if (r) {
		json_decref(list);
		buf_free(&note);
		return MAMORI_ENOMEM;
	}
	r = facts_put(f, "router.port_mappings", list, ctl, 0, note.data);
	buf_free(&note);
	return r;
}

enum admin_verdict { ADMIN_NOT, ADMIN_PLAIN, ADMIN_UNKNOWN };

/* Judges the last hop of one admin page request; *https receives the https:// address a
 * redirect pointed to. note gets a short account. */
static enum admin_verdict admin_judge(const json_t *start, const char **url, const char **https,
				      char *note, size_t notelen)
{
	const json_t *hops = json_object_get(start, "hops");
	size_t n = json_array_size(hops);
	const json_t *h = n ? json_array_get(hops, n - 1) : NULL;
	*url = h ? jstr(h, "url") : jstr(start, "start");
	if (*url == NULL)
		*url = "?";
	*https = NULL;
	if (h == NULL) {
		snprintf(note, notelen, "%s: no answer recorded", *url);
		return ADMIN_UNKNOWN;
	}
	const char *err = jstr(h, "error");
	if (err) {
		snprintf(note, notelen, "%s: %s", *url, err);
		return json_is_true(json_object_get(h, "refused")) ? ADMIN_NOT : ADMIN_UNKNOWN;
	}
	json_int_t st = json_integer_value(json_object_get(h, "status"));
	json_int_t bytes = json_integer_value(json_object_get(h, "body_bytes"));
	const char *loc = jstr(h, "location");
	if (st >= 200 && st < 300 && bytes > 0) {
		snprintf(note, notelen, "%s answered %d with %lld bytes over plain HTTP", *url,
			 (int)st, (long long)bytes);
		return ADMIN_PLAIN;
	}
	if (st == 401) { /* a password prompt (HTTP authentication) over plain HTTP */
		snprintf(note, notelen, "%s asks for a password over plain HTTP (401)", *url);
		return ADMIN_PLAIN;
	}
	if (st >= 300 && st < 400 && loc && loc[0]) {
		/* Only a move to HTTPS takes the page off plain HTTP; a redirect elsewhere over
		 * http:// (a vendor host name, another hop) leaves it undecided. */
		if (url_kind(loc) == URL_HTTPS) {
			*https = loc;
			snprintf(note, notelen, "%s redirects (%d) to %s", *url, (int)st, loc);
			return ADMIN_NOT;
		}
		snprintf(note, notelen, "%s redirects (%d) to %s, not to HTTPS (not followed)",
			 *url, (int)st, loc);
		return ADMIN_UNKNOWN;
	}
	snprintf(note, notelen, "%s answered %d%s", *url, (int)st,
		 st >= 200 && st < 300 ? " with no content" : "");
	return ADMIN_NOT;
}

static int record_admin(struct facts *f, const json_t *admin, const char *presentation)
{
	if (!json_is_array(admin) || json_array_size(admin) == 0) {
		int r = facts_put_unknown(f, "router.admin_plain_http", NULL, 0,
					  "no answer from the router's port 80 recorded");
		return r ? r
			 : facts_put_unknown(f, "router.admin_url", NULL, 0,
					     "no answer from the router's port 80 recorded");
	}
	struct buf note;
	buf_init(&note, 2048);
	const char *plain_url = NULL, *https_url = NULL, *plain_src = NULL;
	char plain_note[600] = "";
	bool unknown = false;
	size_t i;
	const json_t *start;
	int r = 0;
	json_array_foreach(admin, i, start)
	{
		const char *url, *https;
		char one[600];
		enum admin_verdict v = admin_judge(start, &url, &https, one, sizeof(one));
		if (v == ADMIN_PLAIN && plain_url == NULL) {
			plain_url = url;
			plain_src = jstr(start, "start");
			snprintf(plain_note, sizeof(plain_note), "%s", one);
		}
		if (https && https_url == NULL)
			https_url = https;
		unknown |= v == ADMIN_UNKNOWN;
		if (r == 0 && note.len < 1200) /* bounded: the recorded answers may hold many */
			r = buf_printf(&note, "%s%s", i ? "; " : "", one);
	}
	if (r)
		return MAMORI_ENOMEM;
	if (plain_url)
		r = facts_put_bool(f, "router.admin_plain_http", true,
				   plain_src ? plain_src : plain_url, 0, plain_note);
	else if (unknown)
		r = facts_put_unknown(f, "router.admin_plain_http", NULL, 0, "%s", note.data);
	else
		r = facts_put_bool(f, "router.admin_plain_http", false, NULL, 0, note.data);
	if (r == 0) {
		const char *u = plain_url ? plain_url : https_url ? https_url : presentation;
		const char *how = plain_url   ? "the page served over plain HTTP"
				  : https_url ? "where port 80 redirects"
				  : u	      ? "the IGD's presentationURL"
					      : "no administration page found on port 80 or in the "
						"UPnP description";
		r = facts_put(f, "router.admin_url", u ? json_string_lossy(u) : json_null(), NULL,
			      0, how);
	}
	buf_free(&note);
	return r;
}

/* The presentationURL of a fetched description (into out): an absolute one as it is, a
 * relative one resolved against the description's URL; NULL when there is none. */
static const char *presentation_of(const json_t *desc, char *out, size_t outlen)
{
	const char *xml = jstr(desc, "xml"), *url = jstr(desc, "url");
	struct igd_desc d;
	char why[160];
	struct http_url base, abs;
	if (xml == NULL || url == NULL ||
	    igd_desc_parse(xml, json_string_length(json_object_get(desc, "xml")), &d, why,
			   sizeof(why)) ||
	    d.presentation_url[0] == '\0')
		return NULL;
	enum url_kind k = url_kind(d.presentation_url);
	if (k == URL_HTTPS || k == URL_HTTP) { /* as announced, even with a host name */
		snprintf(out, outlen, "%s", d.presentation_url);
		return out;
	}
	if (k != URL_RELATIVE || http_url_parse(url, &base) ||
	    http_url_resolve(&base, d.presentation_url, &abs))
		return NULL;
	http_url_format(&abs, out, outlen);
	return out;
}

int router_record(struct facts *f, const struct router_query *q, const json_t *answers)
{
	const json_t *ssdp = json_object_get(answers, "ssdp");
	const json_t *igd = json_object_get(ssdp, "igd");
	const json_t *desc = json_object_get(answers, "description");
	char src[96];
	snprintf(src, sizeof(src), "SSDP M-SEARCH on %s", q->ifname);
	int r;
	char pres[600];
	const char *presentation = NULL;
	const char *serr = jstr(ssdp, "error");
	if (!json_is_object(ssdp) || serr || (igd && !json_is_null(igd) && !json_is_object(igd))) {
		char reason[400];
		snprintf(reason, sizeof(reason), "the UPnP search on %s failed: %s", q->ifname,
			 serr ? serr : "no SSDP answers recorded");
		r = router_record_unknown(f, src, reason);
		if (r)
			return r;
	} else if ((igd == NULL || json_is_null(igd)) &&
		   json_integer_value(json_object_get(answers, "wait_ms")) < ROUTER_SURE_WAIT_MS) {
		/* Devices may delay their answer up to the search's MX (1 s): silence within a
		 * shorter wait proves nothing, and a "UPnP is off" pass would be a guess. */
		char reason[300];
		snprintf(reason, sizeof(reason),
			 "no UPnP answer on %s within %lld ms, too short to be sure (a router may "
			 "take a second; mamori lan waits 2 s)",
			 q->ifname, (long long)json_integer_value(json_object_get(answers, "wait_ms")));
		r = router_record_unknown(f, src, reason);
		if (r)
			return r;
	} else if (igd == NULL || json_is_null(igd)) {
		json_int_t wait = json_integer_value(json_object_get(answers, "wait_ms"));
		size_t ignored = json_array_size(json_object_get(ssdp, "ignored"));
		char note[300];
		if (json_is_true(json_object_get(ssdp, "gateway_refused")))
			snprintf(
			    note, sizeof(note),
			    "the gateway %s answered the UPnP search with \"port unreachable\":"
			    " nothing listens for UPnP there",
			    q->gateway);
		else
			snprintf(note, sizeof(note),
				 "no UPnP IGD on %s's subnet answered a search within %lld ms%s",
				 q->ifname, (long long)wait,
				 ignored ? " (answers from other addresses were ignored)" : "");
		r = facts_put_bool(f, "router.upnp_igd", false, src, 0, note);
		if (r == 0)
			r = facts_put(f, "router.external_address", json_null(), src, 0,
				      "no UPnP IGD answered");
		if (r == 0)
			r = facts_put(f, "router.port_mappings", json_array(), src, 0,
				      "no UPnP IGD answered: no program can have opened a port "
				      "through UPnP");
		if (r == 0)
			r = facts_put_unknown(
			    f, "router.device", src, 0,
			    "no UPnP IGD answered: the router did not describe itself");
		if (r)
			return r;
	} else {
		const char *from = jstr(igd, "from"), *loc = jstr(igd, "location");
		const char *server = jstr(igd, "server");
		char note[700];
		snprintf(note, sizeof(note), "an IGD at %s answered (%s)%s%s", loc ? loc : "?",
			 server && server[0] ? server : "no SERVER header",
			 from && strcmp(from, q->gateway) ? ", not the default gateway " : "",
			 from && strcmp(from, q->gateway) ? q->gateway : "");
		r = facts_put_bool(f, "router.upnp_igd", true, src, 0, note);
		if (r == 0)
			r = record_device(f, desc);
		const json_t *ctl = json_object_get(answers, "control");
		const char *ctl_url = jstr(ctl, "url");
		const char *cerr = jstr(ctl, "error");
		if (r == 0 && (ctl_url == NULL || cerr)) {
			char reason[600];
			snprintf(reason, sizeof(reason), "the IGD at %s cannot be asked: %s",
				 loc ? loc : "?",
				 cerr		       ? cerr
				 : jstr(desc, "error") ? jstr(desc, "error")
						       : "no control URL");
			r = facts_put_unknown(f, "router.external_address", loc, 0, "%s", reason);
			if (r == 0)
				r = facts_put_unknown(f, "router.port_mappings", loc, 0, "%s",
						      reason);
		} else if (r == 0) {
			r = record_external(f, ctl_url,
					    json_object_get(answers, "external_address"));
			if (r == 0)
				r = record_mappings(f, ctl_url,
						    json_object_get(answers, "mappings"));
		}
		if (r)
			return r;
		presentation = presentation_of(desc, pres, sizeof(pres));
	}
	return record_admin(f, json_object_get(answers, "admin"), presentation);
}

/* ---- the probe ---- */

struct router_job {
	const struct sys_ops *sys;
	struct router_query q;
	char *json;
	size_t len;
	int r;
	char why[512];
};

static void *router_work(void *arg)
{
	struct router_job *job = arg;
	job->r = job->sys->router_ask(job->sys->ud, &job->q, &job->json, &job->len, job->why,
				      sizeof(job->why));
	return NULL;
}

static int router_done(struct probe_ctx *ctx, void *arg)
{
	struct router_job *job = arg;
	int r;
	if (job->r == MAMORI_ENOMEM) {
		r = MAMORI_ENOMEM;
	} else if (job->r) {
		r = router_record_unknown(ctx->facts, NULL, job->why);
	} else {
		json_error_t je;
		json_t *j = json_loadb(job->json, job->len, 0, &je);
		if (j == NULL)
			r = router_record_unknown(ctx->facts, NULL,
						  "the router's answers are not valid JSON");
		else
			r = router_record(ctx->facts, &job->q, j);
		json_decref(j);
	}
	free(job->json);
	free(job);
	return r;
}

/* Which interfaces lead to a home LAN: Ethernet and Wi-Fi ones (ARPHRD_ETHER in
 * /sys/class/net/NAME/type). A VPN (tun, WireGuard: type 65534) or PPP (512) link that took
 * the default route has no home router behind it, and a search sent into it would leave the
 * home. When the type cannot be read (an image without /sys), the interface is taken. */
struct link_types {
	struct probe_ctx *ctx;
	char skipped[16];
	char skipped_why[96];
};

static bool link_is_lan(const char *ifname, void *ud)
{
	struct link_types *lt = ud;
	char path[64], *buf, why[128];
	size_t len;
	long long type;
	snprintf(path, sizeof(path), "/sys/class/net/%s/type", ifname);
	if (rootfs_read(lt->ctx, path, 64, &buf, &len, why, sizeof(why)))
		return true;
	const char *s = buf;
	str_trim(&s, &len);
	bool lan = strn_to_ll(s, len, 0, 65535, &type, NULL) != 0 || type == 1;
	free(buf);
	if (!lan && lt->skipped[0] == '\0') {
		snprintf(lt->skipped, sizeof(lt->skipped), "%s", ifname);
		snprintf(lt->skipped_why, sizeof(lt->skipped_why), "link type %lld in %s", type,
			 path);
	}
	return lan;
}

int probe_router_collect(struct probe_ctx *ctx)
{
	static const char path[] = "/proc/net/route";
	char why[256], reason[400];
	char *buf = NULL;
	size_t len;
	int r = rootfs_read(ctx, path, ROUTE_MAX_FILE, &buf, &len, why, sizeof(why));
	if (r) {
		r = facts_put_unknown(ctx->facts, "router.gateway", path, 0, "%s", why);
		snprintf(reason, sizeof(reason), "no default gateway known: %s", why);
		return r ? r : router_record_unknown(ctx->facts, path, reason);
	}
	struct route4 *routes = NULL;
	size_t n = 0;
	int bad = 0;
	r = proc_route_parse(buf, len, &routes, &n, &bad, why, sizeof(why));
	free(buf);
	if (r == MAMORI_ENOMEM)
		return r;
	if (r) {
		r = facts_put_unknown(ctx->facts, "router.gateway", path, bad, "%s:%d: %s", path,
				      bad, why);
		snprintf(reason, sizeof(reason), "no default gateway known: %s:%d: %s", path, bad,
			 why);
		return r ? r : router_record_unknown(ctx->facts, path, reason);
	}
	struct link_types lt = {.ctx = ctx};
	long d = route_default(routes, n, link_is_lan, &lt);
	if (d < 0) {
		long any = route_default(routes, n, NULL, NULL);
		free(routes);
		if (any >= 0) {
			r = facts_put_unknown(ctx->facts, "router.gateway", path, 0,
					      "the IPv4 default route goes through %s, which is "
					      "not an Ethernet or Wi-Fi link (%s)",
					      lt.skipped, lt.skipped_why);
			return r ? r
				 : router_record_unknown(
				       ctx->facts, path,
				       "no home router to ask: the default route goes "
				       "through a tunnel or point-to-point link");
		}
		r = facts_put_unknown(ctx->facts, "router.gateway", path, 0,
				      "no IPv4 default route in %s", path);
		return r ? r
			 : router_record_unknown(ctx->facts, path,
						 "no default gateway: no IPv4 default route");
	}
	struct router_query q = {.gw = routes[d].gateway, .wait_ms = ctx->net_wait_ms};
	memcpy(q.ifname, routes[d].ifname, sizeof(q.ifname));
	struct in_addr a = {.s_addr = q.gw};
	inet_ntop(AF_INET, &a, q.gateway, sizeof(q.gateway));
	q.nsubnets = route_subnets(routes, n, q.ifname, q.nets, q.masks, ROUTER_MAX_SUBNETS);
	int line = routes[d].line;
	long long metric = routes[d].metric;
	free(routes);
	char note[256];
	snprintf(note, sizeof(note), "the IPv4 default route, via %s (metric %lld)%s%s%s", q.ifname,
		 metric, lt.skipped[0] ? "; not the one through " : "", lt.skipped,
		 lt.skipped[0] ? ", not an Ethernet or Wi-Fi link" : "");
	r = facts_put_str(ctx->facts, "router.gateway", q.gateway, path, line, note);
	if (r)
		return r;
	if (ctx->sys == NULL || ctx->sys->router_ask == NULL)
		return router_record_unknown(
		    ctx->facts, NULL,
		    ctx->live ? "not asked: no network access in this run"
			      : "not a live system: the router is only asked from the running PC");
	if (ctx->live && ctx->net_wait_ms == 0)
		return router_record_unknown(ctx->facts, NULL, "not asked: network probes are off");
	/* The answers of the network (or a test's recording) come on a thread of their own,
	 * while the other probes read their files. */
	struct router_job *job = calloc(1, sizeof(*job));
	if (job == NULL)
		return MAMORI_ENOMEM;
	job->sys = ctx->sys;
	job->q = q;
	return probe_defer(ctx, router_work, router_done, job);
}
