/* SPDX-License-Identifier: Apache-2.0 */
/* What `scan`, `facts` and `explain` share: loading the catalog and policy, collecting facts. */
#ifndef MAMORI_CLI_SCAN_H
#define MAMORI_CLI_SCAN_H

#include "core/catalog.h"
#include "core/eval.h"
#include "core/policy.h"
#include "probes/probe.h"

/* Reads a whole file (at most max bytes) into a NUL-terminated buffer. */
int read_file(const char *path, size_t max, char **buf, size_t *len, struct errbuf *e);
/* The embedded catalog, or the one in dir (its params.yaml and checks/ *.yaml). */
int scan_load_catalog(const char *dir, struct catalog **out, struct errbuf *e);
/* The catalog's defaults, with each of files applied in order: a profile name (mic-basic,
 * ...), a policy YAML file, or a risk register (YAML, CSV, XLSX) whose "not needed"
 * decisions switch checks off. */
int scan_load_policy(const struct catalog *c, const char *const *files, size_t nfiles,
		     struct policy **out, struct errbuf *e);
int scan_apply_policy(struct policy *p, const struct catalog *c, const char *file,
		      struct errbuf *e);
/* Runs the probes (only those named in only_probes, comma separated, when not NULL). */
int scan_collect(const char *root, long long now, const struct sys_ops *sys,
		 const char *only_probes, struct facts **out, struct errbuf *e);

/* The same in two steps, so that the caller can load the catalog while the early probes'
 * threads read the package lists: scan_begin starts, scan_end finishes (and frees s, on
 * success and on error alike). scan_begin_net also sets the network probes: net_wait_ms > 0
 * lets them ask the LAN (how long they wait for the router's answer); 0 sends nothing. */
struct scan_session;
int scan_begin(const char *root, long long now, const struct sys_ops *sys,
	       const char *only_probes, struct scan_session **out, struct errbuf *e);
/* How long scan, push and agent let the router probe wait for a UPnP answer: a router that
 * answers usually does so within tens of milliseconds, but may take up to the search's MX of
 * one second, and only after the whole wait does silence mean "no UPnP" (docs/lan.md). */
#define NET_WAIT_DEFAULT_MS 1200
/* scan_begin with the network probes' settings (probe_ctx net_wait_ms, net_discover). */
int scan_begin_net(const char *root, long long now, const struct sys_ops *sys,
		   const char *only_probes, unsigned net_wait_ms, bool net_discover,
		   struct scan_session **out, struct errbuf *e);
int scan_end(struct scan_session *s, struct facts **out, struct errbuf *e);
/* Parses "2026-11-01T00:00:00Z" or "2026-11-01". */
int parse_time(const char *s, long long *out);

#endif
