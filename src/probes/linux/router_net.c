/* SPDX-License-Identifier: Apache-2.0 */
/* The router family's network part (sys_ops->router_ask on the live system): an SSDP search
 * for a UPnP IGD on the default route's interface, the IGD's description and port mappings
 * (libminiupnpc for the SOAP calls), and the administration page on the gateway's port 80.
 * It only ever talks to addresses on the PC's own subnets, and returns what it heard as JSON
 * for router_record (router.c) to judge. docs/probes/router.md says why each step is so. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <miniupnpc/upnperrors.h>

#include "core/buf.h"
#include "probes/linux/router.h"

#define SSDP_ADDR "239.255.255.250"
#define SSDP_PORT 1900
#define IGD_ST "urn:schemas-upnp-org:device:InternetGatewayDevice:1"
#define HTTP_TIMEOUT_MS 2000
#define ADMIN_MAX_BYTES (16u << 10)
#define ADMIN_MAX_HOPS 3
#define LIST_BUDGET_MS 5000
#define MAX_IGNORED 8

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static const char *addr_str(uint32_t a, char *out, size_t outlen)
{
	struct in_addr in = {.s_addr = a};
	return inet_ntop(AF_INET, &in, out, (socklen_t)outlen) ? out : "?";
}

/* ---- SSDP ---- */

struct ssdp_found {
	bool found;
	uint32_t from;
	struct ssdp_reply reply;
	struct http_url loc;
};

static int ssdp_send(int fd, const char *host, uint32_t to, bool multicast)
{
	char msg[300];
	/* MX (the longest a device may wait before it answers) only goes with multicast;
	 * a unicast search asks for an answer at once (UPnP Device Architecture 1.1). */
	int n =
	    snprintf(msg, sizeof(msg),
		     "M-SEARCH * HTTP/1.1\r\nHOST: %s:%d\r\nMAN: \"ssdp:discover\"\r\n%sST: %s\r\n"
		     "USER-AGENT: Linux UPnP/1.1 mamori/" MAMORI_VERSION "\r\n\r\n",
		     host, SSDP_PORT, multicast ? "MX: 1\r\n" : "", IGD_ST);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return MAMORI_EINVAL;
	struct sockaddr_in sa = {
	    .sin_family = AF_INET, .sin_port = htons(SSDP_PORT), .sin_addr = {.s_addr = to}};
	return sendto(fd, msg, (size_t)n, 0, (struct sockaddr *)&sa, sizeof(sa)) == n ? 0
										      : MAMORI_EIO;
}

/* Whether the socket's error queue holds the gateway's ICMP "port unreachable" for the
 * search sent to it: nothing listens for SSDP there, so no answer will come. Drains it. */
static bool gateway_refused(int fd, uint32_t gw)
{
	bool refused = false;
	for (int i = 0; i < 8; i++) {
		char ctl[512], data[64];
		struct sockaddr_in to;
		struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
		struct msghdr m = {.msg_name = &to,
				   .msg_namelen = sizeof(to),
				   .msg_iov = &iov,
				   .msg_iovlen = 1,
				   .msg_control = ctl,
				   .msg_controllen = sizeof(ctl)};
		if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_RECVERR)
				continue;
			struct sock_extended_err ee;
			struct sockaddr_in off;
			memcpy(&ee, CMSG_DATA(c), sizeof(ee));
			memcpy(&off, (const char *)CMSG_DATA(c) + sizeof(ee), sizeof(off));
			if (ee.ee_origin == SO_EE_ORIGIN_ICMP && ee.ee_type == 3 &&
			    ee.ee_code == 3 && off.sin_addr.s_addr == gw &&
			    to.sin_addr.s_addr == gw)
				refused = true;
		}
	}
	return refused;
}

static void ignored_add(json_t *ignored, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void ignored_add(json_t *ignored, const char *fmt, ...)
{
	if (json_array_size(ignored) >= MAX_IGNORED)
		return;
	char s[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	json_array_append_new(ignored, json_string_lossy(s));
}

/* Searches for an IGD and keeps the best answer: the gateway's at once, otherwise the first
 * one from the PC's subnet by the deadline. Answers from elsewhere, or naming a description
 * on another address than their sender's, are ignored. */
static int ssdp_search(const struct router_query *q, struct ssdp_found *best, json_t *ssdp,
		       char *why, size_t whylen)
{
	unsigned ifindex = if_nametoindex(q->ifname);
	if (ifindex == 0) {
		snprintf(why, whylen, "interface %s: %s", q->ifname, strerror(errno));
		return MAMORI_EIO;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(why, whylen, "UDP socket: %s", strerror(errno));
		return MAMORI_EIO;
	}
	struct ip_mreqn mr = {.imr_ifindex = (int)ifindex};
	int ttl = 2, loop = 0, on = 1, r = 0;
	/* TTL 2, as libminiupnpc and the UPnP specification: one router hop at most.
	 * IP_RECVERR: the gateway's "port unreachable" ends the wait early. */
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop)) ||
	    setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) ||
	    setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on))) {
		snprintf(why, whylen, "multicast on %s: %s", q->ifname, strerror(errno));
		close(fd);
		return MAMORI_EIO;
	}
	struct in_addr mc;
	inet_pton(AF_INET, SSDP_ADDR, &mc);
	long long start = now_ms(), deadline = start + q->wait_ms;
	bool resent = false;
	int sent = (ssdp_send(fd, SSDP_ADDR, mc.s_addr, true) == 0) +
		   (ssdp_send(fd, q->gateway, q->gw, false) == 0);
	if (sent == 0) {
		snprintf(why, whylen, "sending the search on %s: %s", q->ifname, strerror(errno));
		close(fd);
		return MAMORI_EIO;
	}
	json_t *ignored = json_array();
	json_int_t replies = 0;
	bool refused = false;
	char from_s[16];
	for (long long t = now_ms(); t < deadline; t = now_ms()) {
		/* UDP may lose the search: once, half-way, it is sent again */
		if (!resent && !best->found && t >= start + q->wait_ms / 2 && q->wait_ms >= 200) {
			ssdp_send(fd, SSDP_ADDR, mc.s_addr, true);
			ssdp_send(fd, q->gateway, q->gw, false);
			resent = true;
		}
		long long until =
		    resent || best->found || q->wait_ms < 200 ? deadline : start + q->wait_ms / 2;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int pr = poll(&p, 1, (int)(until > t ? until - t : 0));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		/* The gateway refusing the unicast copy does not end the wait: a UPnP daemon
		 * bound to the multicast group alone refuses it and still answers the search. */
		if ((p.revents & POLLERR) && gateway_refused(fd, q->gw)) {
			refused = true;
			continue;
		}
		if (!(p.revents & POLLIN))
			continue;
		char buf[SSDP_MAX_REPLY + 1];
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&sa, &sl);
		if (n < 0)
			continue;
		replies++;
		addr_str(sa.sin_addr.s_addr, from_s, sizeof(from_s));
		struct ssdp_reply rep;
		struct http_url loc;
		if (!router_on_subnet(q, sa.sin_addr.s_addr)) {
			ignored_add(ignored, "%s: not on the PC's subnet", from_s);
			continue;
		}
		if (ssdp_reply_parse(buf, (size_t)n, &rep)) {
			ignored_add(ignored, "%s: not an SSDP answer", from_s);
			continue;
		}
		if (strstr(rep.st, "InternetGatewayDevice") == NULL)
			continue; /* some devices answer every search with everything they are */
		if (http_url_parse(rep.location, &loc) || loc.addr != sa.sin_addr.s_addr) {
			ignored_add(ignored,
				    "%s: its description (%.200s) is not on its own address",
				    from_s, rep.location);
			continue;
		}
		if (!best->found || (sa.sin_addr.s_addr == q->gw && best->from != q->gw)) {
			best->found = true;
			best->from = sa.sin_addr.s_addr;
			best->reply = rep;
			best->loc = loc;
		}
		if (best->from == q->gw)
			break; /* the gateway itself: nothing better can come */
	}
	close(fd);
	if (ignored == NULL)
		return MAMORI_ENOMEM;
	json_t *igd = json_null();
	if (best->found) {
		igd = json_pack(
		    "{s:s, s:o, s:o, s:o}", "from", addr_str(best->from, from_s, sizeof(from_s)),
		    "location", json_string_lossy(best->reply.location), "server",
		    json_string_lossy(best->reply.server), "st", json_string_lossy(best->reply.st));
	}
	if (json_object_set_new(ssdp, "ignored", ignored) || igd == NULL ||
	    json_object_set_new(ssdp, "igd", igd) ||
	    json_object_set_new(ssdp, "replies", json_integer(replies)) ||
	    json_object_set_new(ssdp, "gateway_refused", json_boolean(refused)))
		r = MAMORI_ENOMEM;
	return r;
}

/* ---- HTTP GET, bounded ---- */

struct fetch {
	bool refused, timeout, too_big;
	char error[160];
};

/* Whether b holds a reply's status line and headers (*whole: and all of its body, as the
 * server may keep the connection open after it). */
static bool reply_in(const struct buf *b, bool *whole)
{
	*whole = false;
	if (b->data == NULL || memmem(b->data, b->len, "\r\n\r\n", 4) == NULL)
		return false;
	char *copy = malloc(b->len);
	if (copy == NULL)
		return false;
	memcpy(copy, b->data, b->len);
	struct http_reply r;
	bool ok = http_reply_parse(copy, b->len, &r) == 0;
	free(copy);
	*whole = ok && r.complete;
	return ok;
}

/* GETs u with HTTP/1.0, within timeout_ms, keeping at most max bytes of the reply in out:
 * past that it stops reading, and sets too_big. It stops at the end of the connection or of
 * the reply; at the deadline, a reply whose status line and headers came in counts (cut
 * short). No redirect is followed here. Returns 0 when a reply of any status was read, else
 * fills f->error. */
static int http_get(const struct http_url *u, unsigned timeout_ms, size_t max, struct buf *out,
		    struct fetch *f)
{
	long long deadline = now_ms() + timeout_ms;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(f->error, sizeof(f->error), "socket: %s", strerror(errno));
		return MAMORI_EIO;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)u->port),
				 .sin_addr = {.s_addr = u->addr}};
	char req[800], port[8] = "";
	if (u->port != 80)
		snprintf(port, sizeof(port), ":%u", u->port);
	int rl = snprintf(req, sizeof(req),
			  "GET %s HTTP/1.0\r\nHost: %s%s\r\nUser-Agent: mamori/" MAMORI_VERSION
			  "\r\nAccept: */*\r\nConnection: close\r\n\r\n",
			  u->path, u->host, port);
	int r = MAMORI_EIO;
	size_t off = 0;
	if (rl < 0 || (size_t)rl >= sizeof(req)) {
		snprintf(f->error, sizeof(f->error), "URL too long");
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) && errno != EINPROGRESS) {
		f->refused = errno == ECONNREFUSED;
		snprintf(f->error, sizeof(f->error), "connect: %s", strerror(errno));
		goto out;
	}
	for (;;) {
		long long left = deadline - now_ms();
		bool writing = off < (size_t)rl;
		struct pollfd p = {.fd = fd, .events = writing ? POLLOUT : POLLIN};
		int pr = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0) {
			snprintf(f->error, sizeof(f->error), "poll: %s", strerror(errno));
			goto out;
		}
		bool whole;
		if (pr == 0 && !writing && reply_in(out, &whole))
			break; /* cut short, but its status is known */
		if (pr == 0) {
			f->timeout = true;
			snprintf(f->error, sizeof(f->error), "no %s within %u ms",
				 writing ? "connection" : "complete reply", timeout_ms);
			goto out;
		}
		if (writing) {
			int soerr = 0;
			socklen_t sl = sizeof(soerr);
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
			if (soerr) {
				f->refused = soerr == ECONNREFUSED;
				snprintf(f->error, sizeof(f->error), "connect: %s",
					 strerror(soerr));
				goto out;
			}
			ssize_t n = send(fd, req + off, (size_t)rl - off, MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN) {
				snprintf(f->error, sizeof(f->error), "send: %s", strerror(errno));
				goto out;
			}
			if (n > 0)
				off += (size_t)n;
			continue;
		}
		char chunk[4096];
		size_t want = max - out->len < sizeof(chunk) ? max - out->len : sizeof(chunk);
		ssize_t n = recv(fd, chunk, want, 0);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < 0) {
			snprintf(f->error, sizeof(f->error), "recv: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (buf_add(out, chunk, (size_t)n)) {
			snprintf(f->error, sizeof(f->error), "out of memory");
			r = MAMORI_ENOMEM;
			goto out;
		}
		if (out->len >= max) {
			f->too_big = true;
			break;
		}
		if (reply_in(out, &whole) && whole)
			break;
	}
	r = 0;
out:
	close(fd);
	return r;
}

/* ---- the IGD ---- */

/* Fetches the description; on success *xml is the body (NUL-terminated, caller frees). */
static int igd_description(const struct http_url *loc, json_t *desc, char **xml, size_t *xlen)
{
	struct buf b;
	buf_init(&b, IGD_DESC_MAX + HTTP_MAX_HEADER + 1);
	struct fetch f = {0};
	int r = http_get(loc, HTTP_TIMEOUT_MS, IGD_DESC_MAX + HTTP_MAX_HEADER, &b, &f);
	struct http_reply rep;
	char err[200] = "";
	if (r == MAMORI_ENOMEM) {
		buf_free(&b);
		return r;
	}
	if (r)
		snprintf(err, sizeof(err), "%s", f.error);
	else if (f.too_big)
		snprintf(err, sizeof(err), "larger than %u KiB", IGD_DESC_MAX >> 10);
	else if (b.data == NULL || http_reply_parse(b.data, b.len, &rep))
		snprintf(err, sizeof(err), "not an HTTP reply");
	else if (rep.status != 200)
		snprintf(err, sizeof(err), "HTTP status %d", rep.status);
	else if (rep.truncated)
		snprintf(err, sizeof(err), "the reply was cut short");
	if (err[0]) {
		buf_free(&b);
		return json_object_set_new(desc, "error", json_string(err)) ? MAMORI_ENOMEM : 1;
	}
	char *x = malloc(rep.body_len + 1);
	if (x == NULL) {
		buf_free(&b);
		return MAMORI_ENOMEM;
	}
	memcpy(x, rep.body, rep.body_len);
	x[rep.body_len] = '\0';
	buf_free(&b);
	/* the answers are JSON text: a description that is not UTF-8 comes out with U+FFFD */
	json_t *s = json_string_lossy(x);
	if (s == NULL || json_object_set_new(desc, "xml", s)) {
		free(x);
		return MAMORI_ENOMEM;
	}
	*xml = x;
	*xlen = rep.body_len;
	return 0;
}

static void upnp_error(char *out, size_t outlen, int code)
{
	const char *s = strupnperror(code);
	snprintf(out, outlen, "UPnP error %d%s%s%s", code, s ? " (" : "", s ? s : "", s ? ")" : "");
}

/* Asks the IGD described by xml (fetched from loc) for its external address and mappings,
 * with libminiupnpc, once its control URL is known to be on the IGD's own address. */
static int igd_ask(const struct http_url *loc, const char *loc_s, const char *xml, size_t xlen,
		   json_t *answers)
{
	struct IGDdatas data;
	struct UPNPUrls urls;
	memset(&data, 0, sizeof(data));
	memset(&urls, 0, sizeof(urls));
	parserootdesc(xml, (int)xlen, &data);
	const struct IGDdatas_service *svc = data.first.servicetype[0]	  ? &data.first
					     : data.second.servicetype[0] ? &data.second
									  : NULL;
	json_t *ctl = json_object();
	if (ctl == NULL || json_object_set_new(answers, "control", ctl))
		return MAMORI_ENOMEM;
	if (svc == NULL)
		return json_object_set_new(ctl, "error",
					   json_string("no WANIPConnection or WANPPPConnection "
						       "service in the description"))
			   ? MAMORI_ENOMEM
			   : 0;
	if (svc != &data.first)
		data.first = data.second; /* GetUPNPUrls builds controlURL from `first` */
	GetUPNPUrls(&urls, &data, loc_s, 0);
	struct http_url cu;
	/* URLBase or a control URL could name any host: never follow one off the IGD */
	if (urls.controlURL == NULL || http_url_parse(urls.controlURL, &cu) ||
	    cu.addr != loc->addr) {
		char e[400], shown[301];
		/* The URL is a LAN device's text: no control character reaches a terminal. */
		snprintf(shown, sizeof shown, "%s", urls.controlURL ? urls.controlURL : "(none)");
		for (char *c = shown; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c == 0x7f)
				*c = '?';
		snprintf(e, sizeof(e), "its control URL %s is not on the IGD's address %s", shown,
			 loc->host);
		FreeUPNPUrls(&urls);
		return json_object_set_new(ctl, "error", json_string_lossy(e)) ? MAMORI_ENOMEM : 0;
	}
	int r =
	    json_object_set_new(ctl, "url", json_string_lossy(urls.controlURL)) ||
		    json_object_set_new(ctl, "service", json_string_lossy(data.first.servicetype))
		? MAMORI_ENOMEM
		: 0;
	char ext[40] = "", err[200];
	int u = r ? 0 : UPNP_GetExternalIPAddress(urls.controlURL, data.first.servicetype, ext);
	if (r == 0) {
		json_t *e = json_object();
		if (u == UPNPCOMMAND_SUCCESS)
			r = json_object_set_new(e, "value", json_string_lossy(ext));
		else {
			upnp_error(err, sizeof(err), u);
			r = json_object_set_new(e, "error", json_string(err));
		}
		if (r || json_object_set_new(answers, "external_address", e))
			r = MAMORI_ENOMEM;
	}
	json_t *maps = NULL;
	if (r == 0) {
		maps = json_object();
		if (json_object_set_new(answers, "mappings", maps) ||
		    json_object_set_new(maps, "entries", json_array()))
			r = MAMORI_ENOMEM;
	}
	json_t *entries = json_object_get(maps, "entries");
	long long budget = now_ms() + LIST_BUDGET_MS;
	for (int i = 0; r == 0; i++) {
		if (i == ROUTER_MAX_MAPPINGS) {
			snprintf(err, sizeof(err), "more than %d mappings", ROUTER_MAX_MAPPINGS);
			r = json_object_set_new(maps, "error", json_string(err)) ? MAMORI_ENOMEM
										 : 0;
			break;
		}
		if (now_ms() > budget) {
			snprintf(err, sizeof(err), "the listing took longer than %d ms",
				 LIST_BUDGET_MS);
			r = json_object_set_new(maps, "error", json_string(err)) ? MAMORI_ENOMEM
										 : 0;
			break;
		}
		char idx[16], eport[6] = "", client[16] = "", iport[6] = "", proto[4] = "";
		char desc[80] = "", enabled[4] = "", rhost[64] = "", lease[16] = "";
		snprintf(idx, sizeof(idx), "%d", i);
		u = UPNP_GetGenericPortMappingEntry(urls.controlURL, data.first.servicetype, idx,
						    eport, client, iport, proto, desc, enabled,
						    rhost, lease);
		/* 713 SpecifiedArrayIndexInvalid ends the list; some routers say 714
		 * NoSuchEntryInArray instead */
		if (u == 713 || u == 714) {
			r = json_object_set_new(maps, "end", json_integer(u)) ? MAMORI_ENOMEM : 0;
			break;
		}
		if (u != UPNPCOMMAND_SUCCESS) {
			upnp_error(err, sizeof(err), u);
			r = json_object_set_new(maps, "error", json_string(err)) ? MAMORI_ENOMEM
										 : 0;
			break;
		}
		json_t *e =
		    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "external_port",
			      json_string_lossy(eport), "protocol", json_string_lossy(proto),
			      "internal_client", json_string_lossy(client), "internal_port",
			      json_string_lossy(iport), "description", json_string_lossy(desc),
			      "enabled", json_string_lossy(enabled), "remote_host",
			      json_string_lossy(rhost), "lease_seconds", json_string_lossy(lease));
		if (e == NULL || json_array_append_new(entries, e))
			r = MAMORI_ENOMEM;
	}
	FreeUPNPUrls(&urls);
	return r;
}

/* ---- the administration page ---- */

/* GETs start and follows redirects to plain HTTP on the gateway itself (ADMIN_MAX_HOPS at
 * most): a redirect to https:// or to another host is recorded, not followed. */
static int admin_page(const struct router_query *q, const struct http_url *start, json_t *admin)
{
	char url_s[600];
	http_url_format(start, url_s, sizeof(url_s));
	json_t *one = json_object(), *hops = json_array();
	if (one == NULL || hops == NULL || json_array_append_new(admin, one) ||
	    json_object_set_new(one, "start", json_string_lossy(url_s)) ||
	    json_object_set_new(one, "hops", hops)) {
		json_decref(hops);
		return MAMORI_ENOMEM;
	}
	struct http_url u = *start;
	for (int hop = 0; hop < ADMIN_MAX_HOPS; hop++) {
		http_url_format(&u, url_s, sizeof(url_s));
		struct buf b;
		buf_init(&b, ADMIN_MAX_BYTES + 1);
		struct fetch f = {0};
		int r = http_get(&u, HTTP_TIMEOUT_MS, ADMIN_MAX_BYTES, &b, &f);
		json_t *h = json_object();
		if (h == NULL || json_array_append_new(hops, h) ||
		    json_object_set_new(h, "url", json_string_lossy(url_s))) {
			buf_free(&b);
			return MAMORI_ENOMEM;
		}
		if (r == MAMORI_ENOMEM) {
			buf_free(&b);
			return r;
		}
		struct http_reply rep;
		if (r) {
			buf_free(&b);
			return json_object_set_new(h, "error", json_string_lossy(f.error)) ||
				       json_object_set_new(h, "refused", json_boolean(f.refused))
				   ? MAMORI_ENOMEM
				   : 0;
		}
		if (b.data == NULL || http_reply_parse(b.data, b.len, &rep)) {
			buf_free(&b);
			return json_object_set_new(h, "error", json_string("not an HTTP reply"))
				   ? MAMORI_ENOMEM
				   : 0;
		}
		buf_free(&b); /* rep.location is a copy; the body is only counted */
		if (json_object_set_new(h, "status", json_integer(rep.status)) ||
		    json_object_set_new(h, "body_bytes", json_integer((json_int_t)rep.body_len)) ||
		    json_object_set_new(h, "location",
					rep.location[0] ? json_string_lossy(rep.location)
							: json_null()))
			return MAMORI_ENOMEM;
		struct http_url next;
		if (rep.status < 300 || rep.status >= 400 || rep.location[0] == '\0' ||
		    http_url_resolve(&u, rep.location, &next) || next.addr != q->gw)
			return 0;
		u = next;
	}
	return 0;
}

int router_ask_live(void *ud, const struct router_query *q, char **json, size_t *len, char *why,
		    size_t whylen)
{
	(void)ud;
	json_t *answers = json_object(), *ssdp = json_object(), *admin = json_array();
	int r = MAMORI_ENOMEM;
	char *xml = NULL;
	if (answers == NULL || ssdp == NULL || admin == NULL ||
	    json_object_set_new(answers, "interface", json_string_lossy(q->ifname)) ||
	    json_object_set_new(answers, "wait_ms", json_integer(q->wait_ms)) ||
	    json_object_set_new(answers, "ssdp", ssdp) ||
	    json_object_set_new(answers, "admin", admin)) {
		json_decref(answers);
		snprintf(why, whylen, "out of memory");
		return MAMORI_ENOMEM;
	}
	struct ssdp_found best = {0};
	char serr[300];
	r = ssdp_search(q, &best, ssdp, serr, sizeof(serr));
	if (r == MAMORI_ENOMEM)
		goto out;
	if (r) {
		r = json_object_set_new(ssdp, "error", json_string_lossy(serr)) ? MAMORI_ENOMEM : 0;
		if (r)
			goto out;
	}
	const char *presentation = NULL;
	struct igd_desc d;
	if (best.found) {
		json_t *desc = json_object();
		char loc_s[600];
		http_url_format(&best.loc, loc_s, sizeof(loc_s));
		if (desc == NULL || json_object_set_new(answers, "description", desc) ||
		    json_object_set_new(desc, "url", json_string_lossy(loc_s)))
			goto out;
		size_t xlen = 0;
		r = igd_description(&best.loc, desc, &xml, &xlen);
		if (r < 0)
			goto out;
		if (r == 0) {
			char dwhy[64];
			if (igd_desc_parse(xml, xlen, &d, dwhy, sizeof(dwhy)) == 0 &&
			    d.presentation_url[0])
				presentation = d.presentation_url;
			r = igd_ask(&best.loc, loc_s, xml, xlen, answers);
			if (r)
				goto out;
		}
	}
	/* The admin page: the gateway's port 80, and the presentationURL when it is plain HTTP
	 * on the gateway too (another address is never asked). */
	struct http_url root = {.addr = q->gw, .port = 80, .path = "/"};
	memcpy(root.host, q->gateway, sizeof(root.host));
	r = admin_page(q, &root, admin);
	struct http_url pres;
	if (r == 0 && presentation && http_url_resolve(&best.loc, presentation, &pres) == 0 &&
	    pres.addr == q->gw && (pres.port != 80 || strcmp(pres.path, "/") != 0))
		r = admin_page(q, &pres, admin);
out:
	free(xml);
	if (r) {
		json_decref(answers);
		snprintf(why, whylen, "out of memory");
		return MAMORI_ENOMEM;
	}
	*json = json_dumps(answers, JSON_COMPACT);
	json_decref(answers);
	if (*json == NULL) {
		snprintf(why, whylen, "out of memory");
		return MAMORI_ENOMEM;
	}
	*len = strlen(*json);
	return 0;
}
