/* SPDX-License-Identifier: Apache-2.0 */
/* The probe interface: what every OS's probes share. See docs/internals/PROBES.md. */
#ifndef MAMORI_PROBE_H
#define MAMORI_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/facts.h"
#include "core/util.h"

struct listener;	    /* a listening socket: probes/linux/common.h */
struct lan_ifaddr;	    /* an interface address: probes/linux/lan.h */
struct router_query; /* the default gateway and its subnets: probes/linux/router.h */

/* Facts that only a system call can give, behind one table so that tests can feed them.
 * Each returns 0 and fills its out-parameters, or a negative error with a reason in why.
 * NULL members (and a NULL table, as when auditing a mounted image) mean "not available". */
struct sys_ops {
	/* The live nftables ruleset as `nft -j list ruleset` prints it (caller frees *json). */
	int (*nft_ruleset_json)(void *ud, char **json, size_t *len, char *why, size_t whylen);
	/* Whether the kernel clock is synchronized (adjtimex STA_UNSYNC clear). */
	int (*clock_synchronized)(void *ud, bool *synced, char *why, size_t whylen);
	/* Listening TCP and bound UDP sockets of this network namespace, from the kernel's
	 * sock_diag interface (the same as /proc/net/{tcp,udp}[6], without the cost of walking
	 * every established connection). The caller frees *ls. NULL: read /proc/net instead. */
	int (*listeners)(void *ud, struct listener **ls, size_t *count, char *why,
			 size_t whylen);
	/* One request to a wpa_supplicant control socket (a UNIX datagram socket such as
	 * /run/wpa_supplicant/wlan0, resolved under the audited root rootfd): sends cmd
	 * ("STATUS") and returns the reply (NUL-terminated, at most 16 KiB; the caller frees
	 * *reply). MAMORI_ENOENT when there is no socket at that path, MAMORI_EACCES when it may
	 * not be used, MAMORI_EIO when nothing answers in time. */
	int (*wpa_ctrl_request)(void *ud, int rootfd, const char *socket_path, const char *cmd,
				char **reply, size_t *len, char *why, size_t whylen);
	/* The addresses of every interface (getifaddrs); the caller frees *addrs. */
	int (*if_addrs)(void *ud, struct lan_ifaddr **addrs, size_t *count, char *why,
			size_t whylen);
	/* The kernel's neighbour table of one family (6: IPv6) as the raw messages of an
	 * rtnetlink RTM_GETNEIGH dump, for lan_rtnl_neigh_parse; the caller frees *buf. */
	int (*neigh_dump)(void *ud, int family, void **buf, size_t *len, char *why,
			  size_t whylen);
	/* mamori lan --discover: one empty UDP datagram to port 9 of each of the n IPv4
	 * targets (host byte order), at most rate a second, never through a gateway; a
	 * target outside net/prefix, or its network or broadcast address, is refused (not
	 * sent). *sent: how many were sent. Network I/O: only when the probe may send. */
	int (*lan_sweep)(void *ud, const char *ifname, uint32_t net, unsigned prefix,
			 const uint32_t *targets, size_t n, unsigned rate, size_t *sent,
			 char *why, size_t whylen);
	/* Asks the LAN's router (UPnP IGD, its port mappings, the admin page on port 80) and
	 * returns what it answered as JSON (docs/probes/router.md; the caller frees *json).
	 * Network I/O: the router probe calls it only when net_wait_ms > 0 on a live system; a
	 * test's table returns recorded answers instead. */
	int (*router_ask)(void *ud, const struct router_query *q, char **json, size_t *len,
			  char *why, size_t whylen);
	void *ud;
};

struct probe_job;   /* probe.c */
struct probe_cache; /* parsed files several probes share (dpkg status, units, sockets, ...) */

struct probe_ctx {
	const char *root;  /* the audited root directory, "/" for this machine */
	int rootfd;        /* an O_PATH descriptor of root; every read goes through it */
	bool live;         /* root is the running system: /proc, /sys and sys_ops describe it */
	time_t now;        /* the scan's clock (injectable for tests) */
	const struct sys_ops *sys; /* may be NULL */
	struct facts *facts;       /* where probes put what they find */
	struct probe_cache *cache; /* owned by the scan; probes use the accessors in common.h */
	struct probe_job *jobs;    /* deferred work, see probe_defer */
	bool early_done;           /* probes_run_early has run */
	/* Network probes (router, lan: docs/lan.md). How long to wait for the router's UPnP
	 * answer, in milliseconds; 0: send nothing on the network (their facts are unknown,
	 * "not asked"). Only on a live system. */
	unsigned net_wait_ms;
	/* mamori lan --discover: also sweep the PC's own subnet for neighbours (bounded to the
	 * subnet, rate-limited); otherwise only the kernel's neighbour tables are read. */
	bool net_discover;
};

/* Runs work(arg) on a thread while the other probes collect, then done(ctx, arg) in the
 * scan's thread once they all have: for a probe that must read something big (the apt
 * lists). work may read files under the root but must not touch ctx->facts or ctx->cache;
 * done records the facts and frees arg. Without threads, work runs at once. Returns 0 or
 * MAMORI_ENOMEM (then done has already run, so arg is freed). */
int probe_defer(struct probe_ctx *ctx, void *(*work)(void *arg),
		int (*done)(struct probe_ctx *ctx, void *arg), void *arg);

/* One probe family: collects facts into ctx->facts. Returns 0 even when facts are unknown
 * (that is recorded as an unknown fact); a negative code only for ENOMEM-like failures. */
struct probe {
	const char *name;      /* "ssh", "pam", ... */
	const char *platforms; /* "linux" */
	int (*collect)(struct probe_ctx *ctx);
	const char *summary;   /* one line: what it reads */
	bool early;            /* run before the catalog loads: it starts long work (probe_defer) */
};

/* The registration table for this build's OS (src/probes/<os>/registry.c). */
extern const struct probe probes[];
extern const size_t probes_count;

/* Opens root and prepares ctx; root "/" makes it live. Returns 0 or an error in e. */
int probe_ctx_open(struct probe_ctx *ctx, const char *root, time_t now, const struct sys_ops *sys,
		   struct facts *facts, struct errbuf *e);
void probe_ctx_close(struct probe_ctx *ctx);

/* Runs every probe (or only those whose name is in `only`, comma separated, when not NULL)
 * and joins their deferred work. probes_run_early runs only the `early` ones: a caller that
 * has other work (loading the catalog) does it between the two calls, while their threads
 * read; probes_run then skips what already ran. */
int probes_run_early(struct probe_ctx *ctx, const char *only, struct errbuf *e);
int probes_run(struct probe_ctx *ctx, const char *only, struct errbuf *e);

/* The live system's sys_ops (adjtimex, libnftables); NULL members where unavailable. */
const struct sys_ops *sys_ops_live(void);

#endif
