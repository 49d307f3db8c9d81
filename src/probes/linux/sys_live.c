/* SPDX-License-Identifier: Apache-2.0 */
/* The live system's answers to what only a system call can tell. */
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probes/linux/common.h"
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

static const struct sys_ops live_ops = {
	.nft_ruleset_json = live_nft,
	.clock_synchronized = live_clock,
	.listeners = live_listeners,
	.router_ask = router_ask_live,
};

const struct sys_ops *sys_ops_live(void)
{
	return &live_ops;
}
