/* SPDX-License-Identifier: Apache-2.0 */
/* sharing.*: whether the PC serves files (SMB, NFS) or announces itself (mDNS/DNS-SD through
 * avahi, WS-Discovery through wsdd) to the other devices of the home network. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/netsvc.h"
#include "probes/linux/sharing.h"

/* ---- exports(5) ---- */

struct exp_state {
	exports_fn fn;
	void *ud;
	char *acc; /* the logical line being joined from continuations */
	size_t acclen;
	int start;
};

static int exp_entry(struct exp_state *st, int *bad_line)
{
	const char *s = st->acc;
	size_t len = st->acclen;
	str_trim(&s, &len);
	st->acclen = 0;
	if (len == 0 || s[0] == '#')
		return 0;
	char path[4096];
	size_t i = 0, o = 0;
	if (s[0] == '"') {
		for (i = 1; i < len && s[i] != '"'; i++)
			if (o + 1 < sizeof(path))
				path[o++] = s[i];
		if (i >= len) {
			*bad_line = st->start;
			return MAMORI_EPARSE;
		}
		i++;
	} else {
		for (; i < len && !c_isspace((unsigned char)s[i]); i++)
			if (o + 1 < sizeof(path))
				path[o++] = s[i];
	}
	path[o] = '\0';
	if (path[0] != '/' && strncmp(path, "gss/", 4) != 0) {
		*bad_line = st->start;
		return MAMORI_EPARSE;
	}
	/* The client list: host(options) with balanced parentheses. */
	int depth = 0;
	for (; i < len; i++) {
		if (s[i] == '(')
			depth++;
		else if (s[i] == ')')
			depth--;
		if (depth < 0 || depth > 1)
			break;
	}
	if (depth != 0) {
		*bad_line = st->start;
		return MAMORI_EPARSE;
	}
	return st->fn(path, st->start, st->ud);
}

static int exp_line(const char *s, size_t len, int lineno, void *ud)
{
	struct exp_state *st = ud;
	if (st->acclen == 0)
		st->start = lineno;
	/* A comment ends the line; a backslash at its end continues it. */
	const char *hash = memchr(s, '#', len);
	size_t l = hash ? (size_t)(hash - s) : len;
	while (l && c_isspace((unsigned char)s[l - 1]))
		l--;
	bool cont = l > 0 && s[l - 1] == '\\';
	if (cont)
		l--;
	if (st->acclen + l + 1 > EXPORTS_MAX_LINE)
		return MAMORI_ETOOBIG;
	memcpy(st->acc + st->acclen, s, l);
	st->acclen += l;
	st->acc[st->acclen++] = ' ';
	if (cont)
		return 0;
	int bad = 0; /* for_each_line reports the line; exports_parse moves it to the start */
	return exp_entry(st, &bad);
}

int exports_parse(const char *buf, size_t len, exports_fn fn, void *ud, int *bad_line)
{
	struct exp_state st = {.fn = fn, .ud = ud};
	st.acc = malloc(EXPORTS_MAX_LINE + 1);
	if (st.acc == NULL)
		return MAMORI_ENOMEM;
	int r = for_each_line(buf, len, EXPORTS_MAX_LINE, exp_line, &st, bad_line);
	if (r == 0 && st.acclen)
		r = exp_entry(&st, bad_line);
	else if (r == MAMORI_EPARSE || r == MAMORI_ETOOBIG)
		*bad_line = st.start ? st.start : *bad_line;
	free(st.acc);
	return r == MAMORI_ETOOBIG ? MAMORI_EPARSE : r;
}

/* ---- the probe ---- */

struct exp_collect {
	json_t *list;
	const char *file;
};

static int exp_add(const char *path, int line, void *ud)
{
	struct exp_collect *ec = ud;
	json_t *o = json_pack("{s:s,s:s,s:i}", "path", path, "file", ec->file, "line", line);
	return o == NULL || json_array_append_new(ec->list, o) ? MAMORI_ENOMEM : 0;
}

/* sharing.nfs_exports: every export in /etc/exports and /etc/exports.d/ *.exports. */
static int collect_exports(struct probe_ctx *ctx)
{
	char **files;
	size_t n;
	int r = rootfs_glob(ctx, "/etc/exports.d/*.exports", &files, &n);
	if (r)
		return r;
	struct exp_collect ec = {.list = json_array()};
	if (ec.list == NULL) {
		rootfs_names_free(files);
		return MAMORI_ENOMEM;
	}
	char why[512] = "";
	const char *bad_file = NULL;
	int bad = 0;
	for (size_t i = 0; i <= n && r == 0; i++) {
		const char *path = i == 0 ? "/etc/exports" : files[i - 1];
		char *buf;
		size_t len;
		r = rootfs_read(ctx, path, ROOTFS_MAX_FILE, &buf, &len, why, sizeof(why));
		if (r == MAMORI_ENOENT) {
			r = 0;
			continue;
		}
		if (r) {
			bad_file = path;
			break;
		}
		ec.file = path;
		r = exports_parse(buf, len, exp_add, &ec, &bad);
		free(buf);
		if (r == MAMORI_EPARSE) {
			snprintf(why, sizeof(why), "%s:%d: malformed export line", path, bad);
			bad_file = path;
		}
	}
	rootfs_names_free(files);
	if (r == MAMORI_ENOMEM) {
		json_decref(ec.list);
		return r;
	}
	if (r) {
		json_decref(ec.list);
		return facts_put_unknown(ctx->facts, "sharing.nfs_exports", bad_file, bad, "%s",
					 why);
	}
	return facts_put(ctx->facts, "sharing.nfs_exports", ec.list, "/etc/exports", 0,
			 "/etc/exports and /etc/exports.d/*.exports");
}

int probe_sharing_collect(struct probe_ctx *ctx)
{
	static const char *const smb_units[] = {"smbd.service", "nmbd.service", "samba.service",
						"samba-ad-dc.service", NULL};
	static const char *const smb_procs[] = {"smbd", "nmbd", "samba", NULL};
	static const char *const smb_pkgs[] = {"samba", NULL};
	static const unsigned smb_tcp[] = {139, 445, 0}, smb_udp[] = {137, 138, 0};
	static const char *const nfs_units[] = {"nfs-server.service", "nfs-kernel-server.service",
						NULL};
	static const char *const nfs_procs[] = {"nfsd", "rpc.mountd", NULL};
	static const char *const nfs_pkgs[] = {"nfs-kernel-server", NULL};
	static const unsigned nfs_ports[] = {2049, 0};
	static const char *const mdns_units[] = {"avahi-daemon.service", "avahi-daemon.socket",
						 NULL};
	static const char *const mdns_procs[] = {"avahi-daemon", NULL};
	static const char *const mdns_pkgs[] = {"avahi-daemon", NULL};
	static const unsigned mdns_udp[] = {5353, 0};
	static const char *const wsd_units[] = {"wsdd.service", "wsdd2.service",
						"wsdd-server.service", NULL};
	static const char *const wsd_procs[] = {"wsdd", "wsdd2", NULL};
	static const char *const wsd_pkgs[] = {"wsdd", "wsdd2", "wsdd-server", NULL};
	static const unsigned wsd_tcp[] = {5357, 0}, wsd_udp[] = {3702, 0};
	/* A udp 5353 socket alone is often a browser's mDNS client, so only avahi's unit or
	 * process proves a responder; the socket is shown as evidence. */
	const struct {
		const char *fact, *evidence;
		struct svc_spec spec;
	} svcs[] = {
	    {"sharing.smb_serving",
	     "sharing.smb_evidence",
	     {smb_units, smb_procs, smb_pkgs, smb_tcp, smb_udp, true}},
	    {"sharing.nfs_serving",
	     "sharing.nfs_evidence",
	     {nfs_units, nfs_procs, nfs_pkgs, nfs_ports, nfs_ports, true}},
	    {"sharing.mdns_announcing",
	     "sharing.mdns_evidence",
	     {mdns_units, mdns_procs, mdns_pkgs, NULL, mdns_udp, false}},
	    {"sharing.wsd_announcing",
	     "sharing.wsd_evidence",
	     {wsd_units, wsd_procs, wsd_pkgs, wsd_tcp, wsd_udp, true}},
	};
	for (size_t i = 0; i < sizeof(svcs) / sizeof(svcs[0]); i++) {
		struct svc_state st;
		int r = svc_detect(ctx, &svcs[i].spec, &st);
		if (r == 0)
			r = svc_put(ctx, svcs[i].fact, svcs[i].evidence, &st);
		else
			json_decref(st.evidence);
		if (r)
			return r;
	}
	return collect_exports(ctx);
}
