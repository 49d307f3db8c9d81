/* SPDX-License-Identifier: Apache-2.0 */
/* The live system's answers to what only a system call can tell. */
#define _GNU_SOURCE
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/openat2.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "probes/linux/common.h"
#include "probes/linux/lan.h"
#include "probes/linux/router.h"

static int live_nft(void *ud, char **json, size_t *len, char *why, size_t whylen)
{
	(void)ud;
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (nft == NULL) {
		snprintf(why, whylen, "libnftables: cannot create a context");
		return MAMORI_ENOMEM;
	}
	nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON);
	if (nft_ctx_buffer_output(nft) || nft_ctx_buffer_error(nft)) {
		nft_ctx_free(nft);
		snprintf(why, whylen, "libnftables: cannot buffer output");
		return MAMORI_ENOMEM;
	}
	int r = nft_run_cmd_from_buffer(nft, "list ruleset");
	if (r != 0) {
		const char *err = nft_ctx_get_error_buffer(nft);
		snprintf(why, whylen, "nftables ruleset not readable: %s",
			 err && *err ? err : "permission denied (run as root)");
		size_t l = strlen(why);
		while (l && (why[l - 1] == '\n'))
			why[--l] = '\0';
		nft_ctx_free(nft);
		return MAMORI_EACCES;
	}
	const char *out = nft_ctx_get_output_buffer(nft);
	*json = strdup(out ? out : "");
	*len = *json ? strlen(*json) : 0;
	nft_ctx_free(nft);
	if (*json == NULL) {
		snprintf(why, whylen, "out of memory");
		return MAMORI_ENOMEM;
	}
	return 0;
}

static int live_clock(void *ud, bool *synced, char *why, size_t whylen)
{
	(void)ud;
	struct timex tx = {0};
	int state = adjtimex(&tx);
	if (state < 0) {
		snprintf(why, whylen, "adjtimex failed");
		return MAMORI_EIO;
	}
	*synced = state != TIME_ERROR && !(tx.status & STA_UNSYNC);
	return 0;
}

/* One sock_diag dump: TCP sockets in LISTEN, or UDP sockets, of one address family. */
static int diag_dump(int fd, int family, int protocol, struct listener **ls, size_t *count)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nh = {.nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
		.req = {.sdiag_family = (unsigned char)family, .sdiag_protocol = (unsigned char)protocol,
			.idiag_states = protocol == IPPROTO_TCP ? 1u << 10 /* TCP_LISTEN */
								: 1u << 7 /* TCP_CLOSE: unconnected UDP */},
	};
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return MAMORI_EIO;
	static char buf[32768];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return MAMORI_EIO;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return MAMORI_EIO;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				continue;
			const struct inet_diag_msg *d = NLMSG_DATA(h);
			/* UDP: only sockets not connected to a peer are "bound" listeners. */
			if (protocol == IPPROTO_UDP && d->id.idiag_dport != 0)
				continue;
			struct listener l = {0};
			snprintf(l.proto, sizeof(l.proto), "%s", protocol == IPPROTO_TCP ? "tcp" : "udp");
			l.v6 = family == AF_INET6;
			l.port = ntohs(d->id.idiag_sport);
			const unsigned char *a = (const unsigned char *)d->id.idiag_src;
			inet_ntop(family, a, l.addr, sizeof(l.addr));
			if (l.v6) {
				static const unsigned char zero[16], lo6[16] = {[15] = 1};
				static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
				l.any_address = memcmp(a, zero, 16) == 0;
				l.loopback = memcmp(a, lo6, 16) == 0 ||
					     (memcmp(a, mapped, 12) == 0 && a[12] == 127);
			} else {
				l.any_address = memcmp(a, "\0\0\0\0", 4) == 0;
				l.loopback = a[0] == 127;
			}
			bool dup = false;
			for (size_t i = 0; i < *count && !dup; i++) {
				const struct listener *o = &(*ls)[i];
				dup = o->port == l.port && o->v6 == l.v6 && !strcmp(o->proto, l.proto) &&
				      !strcmp(o->addr, l.addr);
			}
			if (dup)
				continue;
			if (*count >= 65536)
				return MAMORI_ETOOBIG;
			struct listener *nl = realloc(*ls, (*count + 1) * sizeof(*nl));
			if (nl == NULL)
				return MAMORI_ENOMEM;
			nl[(*count)++] = l;
			*ls = nl;
		}
	}
}

static int live_listeners(void *ud, struct listener **ls, size_t *count, char *why,
			  size_t whylen)
{
	(void)ud;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		snprintf(why, whylen, "sock_diag: %s", strerror(errno));
		return MAMORI_EIO;
	}
	struct listener *v = NULL;
	size_t n = 0;
	static const int fams[] = {AF_INET, AF_INET6}, protos[] = {IPPROTO_TCP, IPPROTO_UDP};
	int r = 0;
	for (int p = 0; p < 2 && r == 0; p++)
		for (int f = 0; f < 2 && r == 0; f++)
			r = diag_dump(fd, fams[f], protos[p], &v, &n);
	close(fd);
	if (r) {
		free(v);
		snprintf(why, whylen, "sock_diag dump failed");
		return r;
	}
	*ls = v;
	*count = n;
	return 0;
}

/* ---- wpa_supplicant's control interface ---- */

#define WPA_REPLY_MAX (16u << 10)
#define WPA_WAIT_MS 300

static int errno_code(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return MAMORI_ENOENT;
	case EACCES:
	case EPERM:
		return MAMORI_EACCES;
	case ENOMEM:
		return MAMORI_ENOMEM;
	default:
		return MAMORI_EIO;
	}
}

/* The socket's directory, opened under the root like every file a probe reads (an absolute
 * symlink resolves inside the root, never on the host). */
static int ctrl_dir_open(int rootfd, const char *dir)
{
	const char *rel = dir;
	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		rel = ".";
	struct open_how how = {
	    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = openat(rootfd, rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd;
}

static long long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What wpa_ctrl_request() does, without a file for the client: the client socket is bound
 * in the abstract namespace (the kernel picks a free name), so nothing is left on disk and a
 * private /tmp (the agent's PrivateTmp=yes) does not hide it from wpa_supplicant, which sends
 * its reply to the address the request came from. The server is reached through
 * /proc/self/fd/DIRFD/NAME, the directory opened under the root. */
static int live_wpa_ctrl(void *ud, int rootfd, const char *path, const char *cmd, char **reply,
			 size_t *len, char *why, size_t whylen)
{
	(void)ud;
	int dfd = -1, fd = -1, r = 0;
	char *buf = NULL;
	const char *slash = strrchr(path, '/');
	char dir[256];
	if (path[0] != '/' || slash == NULL || slash[1] == '\0' || strlen(slash + 1) > 64 ||
	    (size_t)(slash - path) >= sizeof(dir)) {
		snprintf(why, whylen, "%s: not a control socket path", path);
		return MAMORI_EINVAL;
	}
	const char *name = slash + 1;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	dfd = ctrl_dir_open(rootfd, dir[0] ? dir : "/");
	if (dfd < 0) {
		r = errno_code(errno);
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		goto out;
	}
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		r = errno_code(errno);
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISSOCK(st.st_mode)) {
		r = MAMORI_EIO;
		snprintf(why, whylen, "%s: not a socket", path);
		goto out;
	}
	/* wpa_supplicant runs as root; a socket someone else made could say anything. */
	if (st.st_uid != 0) {
		r = MAMORI_EACCES;
		snprintf(why, whylen, "%s: not owned by root (uid %u): not wpa_supplicant's",
			 path, (unsigned)st.st_uid);
		goto out;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, name);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		r = MAMORI_EINVAL;
		snprintf(why, whylen, "%s: name too long", path);
		goto out;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un me = {.sun_family = AF_UNIX};
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(sa_family_t)) != 0) {
		r = MAMORI_EIO;
		snprintf(why, whylen, "cannot create a client socket: %s", strerror(errno));
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sa,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1)) != 0) {
		int err = errno;
		r = err == ECONNREFUSED ? MAMORI_EIO : errno_code(err);
		snprintf(why, whylen, "%s: %s", path,
			 err == ECONNREFUSED ? "nothing listens (left by a stopped wpa_supplicant?)"
			 : r == MAMORI_EACCES
			     ? "permission denied (run as root or in the socket's group)"
			     : strerror(err));
		goto out;
	}
	if (send(fd, cmd, strlen(cmd), 0) < 0) {
		r = MAMORI_EIO;
		snprintf(why, whylen, "%s: send: %s", path, strerror(errno));
		goto out;
	}
	buf = malloc(WPA_REPLY_MAX + 1);
	if (buf == NULL) {
		r = MAMORI_ENOMEM;
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	long long deadline = ms_now() + WPA_WAIT_MS;
	for (;;) {
		long long left = deadline - ms_now();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int pr = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			r = MAMORI_EIO;
			snprintf(why, whylen, "%s: no answer within %d ms", path, WPA_WAIT_MS);
			goto out;
		}
		ssize_t got = recv(fd, buf, WPA_REPLY_MAX, MSG_TRUNC);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = MAMORI_EIO;
			snprintf(why, whylen, "%s: recv: %s", path, strerror(errno));
			goto out;
		}
		if ((size_t)got > WPA_REPLY_MAX) {
			r = MAMORI_ETOOBIG;
			snprintf(why, whylen, "%s: reply larger than %u bytes", path,
				 WPA_REPLY_MAX);
			goto out;
		}
		/* "<N>..." is an event for an attached monitor, not our reply. */
		if (got > 0 && buf[0] == '<')
			continue;
		buf[got] = '\0';
		*reply = buf;
		*len = (size_t)got;
		buf = NULL;
		break;
	}
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return r;
}

static unsigned mask_bits(const unsigned char *m, size_t n)
{
	unsigned bits = 0;
	for (size_t i = 0; i < n; i++)
		for (int b = 7; b >= 0 && (m[i] >> b) & 1; b--)
			bits++;
	return bits;
}

static int live_if_addrs(void *ud, struct lan_ifaddr **addrs, size_t *count, char *why,
			 size_t whylen)
{
	(void)ud;
	struct ifaddrs *ifa;
	if (getifaddrs(&ifa) != 0) {
		snprintf(why, whylen, "getifaddrs: %s", strerror(errno));
		return errno == ENOMEM ? MAMORI_ENOMEM : MAMORI_EIO;
	}
	size_t n = 0, cap = 0;
	struct lan_ifaddr *v = NULL;
	int r = 0;
	for (const struct ifaddrs *a = ifa; a && r == 0; a = a->ifa_next) {
		if (a->ifa_addr == NULL || a->ifa_netmask == NULL || a->ifa_name == NULL ||
		    strlen(a->ifa_name) >= sizeof(v->ifname) ||
		    (a->ifa_addr->sa_family != AF_INET && a->ifa_addr->sa_family != AF_INET6))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct lan_ifaddr *nv = nc <= 65536 ? realloc(v, nc * sizeof(*nv)) : NULL;
			if (nv == NULL) {
				r = MAMORI_ENOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		struct lan_ifaddr *x = &v[n++];
		memset(x, 0, sizeof(*x));
		snprintf(x->ifname, sizeof(x->ifname), "%s", a->ifa_name);
		x->ifindex = if_nametoindex(a->ifa_name);
		if (a->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *s4 = (const struct sockaddr_in *)a->ifa_addr;
			const struct sockaddr_in *m4 = (const struct sockaddr_in *)a->ifa_netmask;
			x->family = 4;
			memcpy(x->addr, &s4->sin_addr, 4);
			x->prefix = mask_bits((const unsigned char *)&m4->sin_addr, 4);
		} else {
			const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)a->ifa_addr;
			const struct sockaddr_in6 *m6 = (const struct sockaddr_in6 *)a->ifa_netmask;
			x->family = 6;
			memcpy(x->addr, &s6->sin6_addr, 16);
			x->prefix = mask_bits((const unsigned char *)&m6->sin6_addr, 16);
		}
	}
	freeifaddrs(ifa);
	if (r) {
		free(v);
		snprintf(why, whylen, "out of memory");
		return r;
	}
	*addrs = v;
	*count = n;
	return 0;
}

/* Whether a received datagram ends the dump (NLMSG_DONE) or failed (NLMSG_ERROR: -1). */
static int dump_end(const unsigned char *b, size_t n)
{
	size_t off = 0;
	while (n - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;
		memcpy(&h, b + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > n - off)
			return -1;
		if (h.nlmsg_type == NLMSG_DONE)
			return 1;
		if (h.nlmsg_type == NLMSG_ERROR)
			return -1;
		off += NLMSG_ALIGN(h.nlmsg_len);
		if (off > n)
			break;
	}
	return 0;
}

static int live_neigh_dump(void *ud, int family, void **out, size_t *len, char *why,
			   size_t whylen)
{
	(void)ud;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		snprintf(why, whylen, "rtnetlink: %s", strerror(errno));
		return MAMORI_EIO;
	}
	struct {
		struct nlmsghdr nh;
		struct ndmsg nd;
	} req = {
		.nh = {.nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETNEIGH,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1},
		.nd = {.ndm_family = (unsigned char)(family == 6 ? AF_INET6 : AF_INET)},
	};
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct buf b;
	buf_init(&b, LAN_NEIGH_DUMP_MAX);
	int r = 0;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		snprintf(why, whylen, "rtnetlink request: %s", strerror(errno));
		r = MAMORI_EIO;
	}
	unsigned char *chunk = malloc(65536);
	if (chunk == NULL && r == 0) {
		snprintf(why, whylen, "out of memory");
		r = MAMORI_ENOMEM;
	}
	while (r == 0) {
		ssize_t n = recv(fd, chunk, 65536, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, whylen, "rtnetlink dump: %s",
				 n < 0 ? strerror(errno) : "closed");
			r = MAMORI_EIO;
			break;
		}
		if ((r = buf_add(&b, chunk, (size_t)n)) != 0) {
			snprintf(why, whylen, "neighbour dump larger than %u bytes",
				 LAN_NEIGH_DUMP_MAX);
			break;
		}
		int end = dump_end(chunk, (size_t)n);
		if (end < 0) {
			snprintf(why, whylen, "the kernel refused the neighbour dump");
			r = MAMORI_EIO;
		} else if (end > 0) {
			break;
		}
	}
	close(fd);
	free(chunk);
	if (r) {
		buf_free(&b);
		return r;
	}
	*len = b.len;
	*out = buf_take(&b);
	return *out ? 0 : MAMORI_ENOMEM;
}

static void ts_add_ns(struct timespec *t, long long ns)
{
	ns += t->tv_nsec;
	t->tv_sec += (time_t)(ns / 1000000000LL);
	t->tv_nsec = (long)(ns % 1000000000LL);
}

static int live_lan_sweep(void *ud, const char *ifname, uint32_t net, unsigned prefix,
			  const uint32_t *targets, size_t n, unsigned rate, size_t *sent,
			  char *why, size_t whylen)
{
	(void)ud;
	*sent = 0;
	if (rate == 0 || rate > LAN_SWEEP_RATE)
		rate = LAN_SWEEP_RATE;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return MAMORI_EIO;
	}
	/* Nothing may leave the LAN: one hop at most, and only to directly connected hosts
	 * (MSG_DONTROUTE); on the LAN's interface when the kernel lets us bind to it. */
	int ttl = 1;
	setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	if (ifname && ifname[0])
		setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname));
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	long long step = 1000000000LL / rate;
	for (size_t i = 0; i < n && i < LAN_SWEEP_MAX; i++) {
		if (!lan_sweep_allowed(net, prefix, targets[i]))
			continue; /* outside the subnet, or its network or broadcast address */
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		ts_add_ns(&next, step);
		struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(LAN_SWEEP_PORT),
					 .sin_addr = {.s_addr = htonl(targets[i])}};
		/* An empty datagram: the kernel must resolve the address before it can send. */
		if (sendto(fd, "", 0, MSG_DONTROUTE | MSG_DONTWAIT, (struct sockaddr *)&to,
			   sizeof(to)) == 0)
			(*sent)++;
	}
	close(fd);
	return 0;
}

static const struct sys_ops live_ops = {
	.nft_ruleset_json = live_nft,
	.clock_synchronized = live_clock,
	.listeners = live_listeners,
	.wpa_ctrl_request = live_wpa_ctrl,
	.if_addrs = live_if_addrs,
	.neigh_dump = live_neigh_dump,
	.lan_sweep = live_lan_sweep,
	.router_ask = router_ask_live,
};

const struct sys_ops *sys_ops_live(void)
{
	return &live_ops;
}
