/* SPDX-License-Identifier: Apache-2.0 */
/* rdp.*: remote-desktop servers (xrdp, VNC servers, GNOME Remote Desktop, krfb): which are on,
 * on which port and whether they listen on every interface. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/rdp.h"

#define XRDP_DEFAULT_PORT 3389

static int parse_port(const char *s, unsigned *port)
{
	long long v;
	const char *err;
	if (str_to_ll(s, 1, 65535, &v, &err))
		return MAMORI_EPARSE;
	*port = (unsigned)v;
	return 0;
}

int rdp_xrdp_port_parse(const char *value, const char *address, struct rdp_bind *out)
{
	struct rdp_bind b;
	memset(&b, 0, sizeof(b));
	snprintf(b.transport, sizeof(b.transport), "tcp");
	if (value[0] == '/') {
		snprintf(b.transport, sizeof(b.transport), "unix");
		*out = b;
		return 0;
	}
	const char *sep = strstr(value, "://");
	if (sep == NULL) {
		/* A bare port; older xrdp took the address from address= (default all). */
		if (parse_port(value, &b.port))
			return MAMORI_EPARSE;
		const char *a = address && *address ? address : "0.0.0.0";
		snprintf(b.address, sizeof(b.address), "%s", a);
		b.any_address = strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0;
		b.loopback = strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0;
		*out = b;
		return 0;
	}
	size_t sl = (size_t)(sep - value);
	bool v6 = sl == 4 && memcmp(value, "tcp6", 4) == 0;
	bool vsock = sl == 5 && memcmp(value, "vsock", 5) == 0;
	if (!(v6 || vsock || (sl == 3 && memcmp(value, "tcp", 3) == 0)))
		return MAMORI_EPARSE;
	const char *rest = sep + 3;
	const char *colon = strrchr(rest, ':');
	if (colon == NULL || parse_port(colon + 1, &b.port))
		return MAMORI_EPARSE;
	size_t al = (size_t)(colon - rest);
	if (al >= sizeof(b.address))
		return MAMORI_EPARSE;
	char addr[64];
	snprintf(addr, sizeof(addr), "%.*s", (int)al, rest);
	if (vsock) {
		snprintf(b.transport, sizeof(b.transport), "vsock");
		snprintf(b.address, sizeof(b.address), "%s", addr);
		*out = b;
		return 0;
	}
	if (v6 && al >= 2 && addr[0] == '{' && addr[al - 1] == '}') {
		memmove(addr, addr + 1, al - 2);
		addr[al - 2] = '\0';
	}
	if (addr[0] == '\0') {
		b.any_address = true;
		snprintf(b.address, sizeof(b.address), "%s", v6 ? "::" : "0.0.0.0");
	} else if (strcmp(addr, ".") == 0) {
		/* xrdp's "." is the loopback address of the family. */
		b.loopback = true;
		snprintf(b.address, sizeof(b.address), "%s", v6 ? "::1" : "127.0.0.1");
	} else {
		snprintf(b.address, sizeof(b.address), "%s", addr);
		b.any_address = strcmp(addr, "0.0.0.0") == 0 || strcmp(addr, "::") == 0;
		b.loopback = strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
	}
	*out = b;
	return 0;
}

/* ---- the probe ---- */

struct xrdp_ini {
	char port[256], address[128];
	int port_line, address_line;
};

static int xrdp_ini_fn(const char *section, const char *key, const char *value, int line, void *ud)
{
	struct xrdp_ini *x = ud;
	if (c_strcasecmp(section, "Globals") != 0)
		return 0;
	if (c_strcasecmp(key, "port") == 0) {
		snprintf(x->port, sizeof(x->port), "%s", value);
		x->port_line = line;
	} else if (c_strcasecmp(key, "address") == 0) {
		snprintf(x->address, sizeof(x->address), "%s", value);
		x->address_line = line;
	}
	return 0;
}

struct rdp_svc {
	const char *name;
	const char *const *units;
	const char *const *procs;
	const char *const *pkgs;
	unsigned port;	 /* default port */
	int any_default; /* 1 binds all interfaces by default, -1 unknown */
};

struct rdp_scan {
	json_t *list;
	bool pkg_ok, proc_ok, net_ok, installed;
	char pkg_why[256], proc_why[256], net_why[256];
};

static json_t *entry(const char *name, const char *transport, json_t *port, const char *address,
		     json_t *any, const char *source, const char *how)
{
	return json_pack("{s:s,s:s,s:o,s:s?,s:o,s:s,s:s}", "name", name, "transport", transport,
			 "port", port, "address", address, "any_address", any, "source", source,
			 "how", how);
}

/* Enabled user units: /etc/systemd/user (global) and each home's ~/.config/systemd/user. */
static int user_unit_enabled(struct probe_ctx *ctx, const char *unit, char *where_out,
			     size_t wherelen)
{
	char **homes;
	size_t nh;
	int r = rootfs_list(ctx, "/home", NULL, &homes, &nh);
	if (r)
		return r;
	int found = 0;
	for (size_t i = 0; i <= nh && !found; i++) {
		char dir[512];
		if (i == nh)
			snprintf(dir, sizeof(dir), "/etc/systemd/user");
		else
			snprintf(dir, sizeof(dir), "/home/%.200s/.config/systemd/user", homes[i]);
		char **wants;
		size_t nw;
		if (rootfs_list(ctx, dir, "*.wants", &wants, &nw))
			continue;
		for (size_t k = 0; k < nw && !found; k++) {
			char p[1024];
			if (snprintf(p, sizeof(p), "%s/%s/%s", dir, wants[k], unit) >=
			    (int)sizeof(p))
				continue; /* no such long unit path exists */
			char tgt[512];
			if (rootfs_readlink(ctx, p, tgt, sizeof(tgt)) > 0 ||
			    rootfs_exists(ctx, p)) {
				if (snprintf(where_out, wherelen, "%s", p) >= (int)wherelen)
					where_out[wherelen - 1] = '\0';
				found = 1;
			}
		}
		rootfs_names_free(wants);
	}
	rootfs_names_free(homes);
	return found;
}

/* Is the server on? Fills how/source with the first evidence. 1 yes, 0 no, <0 ENOMEM. */
static int svc_on(struct probe_ctx *ctx, struct rdp_scan *sc, const struct rdp_svc *s, char *how,
		  size_t howlen, char *src, size_t srclen)
{
	for (size_t i = 0; s->pkgs && s->pkgs[i]; i++) {
		int r = pkg_installed(ctx, s->pkgs[i], NULL, sc->pkg_why, sizeof(sc->pkg_why));
		if (r == MAMORI_ENOMEM)
			return r;
		if (r < 0)
			sc->pkg_ok = false;
		if (r == 1)
			sc->installed = true;
	}
	for (size_t i = 0; s->units && s->units[i]; i++) {
		char link[512] = "";
		int r = unit_enabled(ctx, s->units[i], link, sizeof(link));
		if (r < 0)
			return r;
		if (r == 0 && (r = user_unit_enabled(ctx, s->units[i], link, sizeof(link))) < 0)
			return r;
		if (r) {
			snprintf(how, howlen, "%s enabled", s->units[i]);
			snprintf(src, srclen, "%s", link);
			return 1;
		}
	}
	for (size_t i = 0; s->procs && s->procs[i]; i++) {
		int r = proc_running(ctx, s->procs[i], sc->proc_why, sizeof(sc->proc_why));
		if (r < 0) {
			sc->proc_ok = false;
			break;
		}
		if (r) {
			snprintf(how, howlen, "process %s running", s->procs[i]);
			snprintf(src, srclen, "/proc");
			return 1;
		}
	}
	return 0;
}

static bool rdp_port(unsigned p, unsigned xrdp_port)
{
	return p == 3389 || (p >= 5900 && p <= 5909) || p == xrdp_port;
}

/* Systemd units whose name mentions vnc (vncserver@:1.service, x11vnc.service, ...). */
static int vnc_units(struct probe_ctx *ctx, struct rdp_scan *sc)
{
	char **wants;
	size_t nw;
	int r = rootfs_list(ctx, "/etc/systemd/system", "*.wants", &wants, &nw);
	if (r)
		return r;
	for (size_t i = 0; i < nw && r == 0; i++) {
		char dir[512];
		snprintf(dir, sizeof(dir), "/etc/systemd/system/%.200s", wants[i]);
		char **units;
		size_t nu;
		if (rootfs_list(ctx, dir, "*vnc*", &units, &nu))
			continue;
		for (size_t k = 0; k < nu && r == 0; k++) {
			bool known = false;
			size_t n = json_array_size(sc->list);
			for (size_t j = 0; j < n; j++)
				if (strstr(json_string_value(
					       json_object_get(json_array_get(sc->list, j), "how")),
					   units[k]))
					known = true;
			if (known)
				continue;
			/* vncserver@:N listens on 5900+N. */
			const char *colon = strstr(units[k], "@:");
			unsigned port = 0;
			long long d;
			const char *err;
			if (colon &&
			    strn_to_ll(colon + 2, strcspn(colon + 2, "."), 0, 99, &d, &err) == 0)
				port = 5900 + (unsigned)d;
			char how[600], src[1024];
			snprintf(how, sizeof(how), "%s enabled", units[k]);
			snprintf(src, sizeof(src), "%s/%s", dir, units[k]);
			json_t *e = entry("vnc", "tcp", port ? json_integer(port) : json_null(),
					  NULL, json_null(), src, how);
			if (e == NULL || json_array_append_new(sc->list, e))
				r = MAMORI_ENOMEM;
		}
		rootfs_names_free(units);
	}
	rootfs_names_free(wants);
	return r;
}

int probe_rdp_collect(struct probe_ctx *ctx)
{
	static const char *const xrdp_units[] = {"xrdp.service", NULL};
	static const char *const xrdp_procs[] = {"xrdp", NULL};
	static const char *const xrdp_pkgs[] = {"xrdp", NULL};
	static const char *const x11vnc_units[] = {"x11vnc.service", NULL};
	static const char *const x11vnc_procs[] = {"x11vnc", NULL};
	static const char *const x11vnc_pkgs[] = {"x11vnc", NULL};
	static const char *const tiger_procs[] = {"Xtigervnc",	     "Xvnc",	  "x0vncserver",
						  "x0tigervncserve", "Xtightvnc", NULL};
	static const char *const tiger_pkgs[] = {
	    "tigervnc-standalone-server", "tigervnc-scraping-server", "tightvncserver", NULL};
	static const char *const vino_procs[] = {"vino-server", NULL};
	static const char *const vino_pkgs[] = {"vino", NULL};
	static const char *const grd_units[] = {"gnome-remote-desktop.service", NULL};
	/* comm keeps 15 bytes of gnome-remote-desktop-daemon */
	static const char *const grd_procs[] = {"gnome-remote-de", NULL};
	static const char *const grd_pkgs[] = {"gnome-remote-desktop", NULL};
	static const char *const krfb_procs[] = {"krfb", NULL};
	static const char *const krfb_pkgs[] = {"krfb", NULL};
	static const struct rdp_svc others[] = {
	    {"x11vnc", x11vnc_units, x11vnc_procs, x11vnc_pkgs, 5900, 1},
	    {"tigervnc", NULL, tiger_procs, tiger_pkgs, 5900, -1},
	    {"vino", NULL, vino_procs, vino_pkgs, 5900, 1},
	    {"gnome-remote-desktop", grd_units, grd_procs, grd_pkgs, 3389, 1},
	    {"krfb", NULL, krfb_procs, krfb_pkgs, 5900, 1},
	};
	struct rdp_scan sc = {.pkg_ok = true, .proc_ok = true, .net_ok = true};
	sc.list = json_array();
	if (sc.list == NULL)
		return MAMORI_ENOMEM;
	int r = 0;
	char how[600], src[600], why[512] = "";
	unsigned xrdp_port = XRDP_DEFAULT_PORT;

	/* xrdp, with its port and address from /etc/xrdp/xrdp.ini. */
	const struct rdp_svc xrdp = {"xrdp", xrdp_units, xrdp_procs, xrdp_pkgs, 3389, 1};
	r = svc_on(ctx, &sc, &xrdp, how, sizeof(how), src, sizeof(src));
	if (r < 0)
		goto fail;
	if (r == 1) {
		static const char ini[] = "/etc/xrdp/xrdp.ini";
		struct xrdp_ini x = {0};
		char *buf;
		size_t len;
		int bad = 0;
		json_t *e;
		int rr = rootfs_read(ctx, ini, ROOTFS_MAX_FILE, &buf, &len, why, sizeof(why));
		if (rr == MAMORI_ENOMEM) {
			r = rr;
			goto fail;
		}
		if (rr == 0) {
			rr = ini_parse(buf, len, xrdp_ini_fn, &x, &bad);
			free(buf);
			if (rr)
				snprintf(why, sizeof(why), "%s:%d: malformed line", ini, bad);
		}
		struct rdp_bind b;
		char h[1400];
		if (rr == 0 && x.port[0] == '\0')
			snprintf(x.port, sizeof(x.port), "%d", XRDP_DEFAULT_PORT);
		if (rr == 0 && rdp_xrdp_port_parse(x.port, x.address, &b) != 0) {
			snprintf(why, sizeof(why),
				 "%s:%d: port=%s is not a port or address xrdp knows", ini,
				 x.port_line, x.port);
			rr = MAMORI_EPARSE;
		}
		if (rr) {
			/* Unknown port and binding: the checks on them become unknown, not pass. */
			snprintf(h, sizeof(h), "%s; port unknown: %s", how, why);
			e = entry("xrdp", "tcp", json_null(), NULL, json_null(), ini, h);
		} else {
			xrdp_port = b.transport[0] == 't' ? b.port : 0;
			snprintf(h, sizeof(h), "%s; %s:%d: port=%s%s", how, ini, x.port_line,
				 x.port, x.port_line ? "" : " (default)");
			e = entry("xrdp", b.transport, b.port ? json_integer(b.port) : json_null(),
				  b.address, json_boolean(b.any_address), ini, h);
		}
		if (e == NULL || json_array_append_new(sc.list, e)) {
			r = MAMORI_ENOMEM;
			goto fail;
		}
	}
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		r = svc_on(ctx, &sc, &others[i], how, sizeof(how), src, sizeof(src));
		if (r < 0)
			goto fail;
		if (r == 0)
			continue;
		char h[700];
		snprintf(h, sizeof(h),
			 "%s; port %u assumed (default) unless a socket shows otherwise", how,
			 others[i].port);
		json_t *e = entry(others[i].name, "tcp", json_integer(others[i].port), NULL,
				  others[i].any_default < 0 ? json_null()
							    : json_boolean(others[i].any_default),
				  src, h);
		if (e == NULL || json_array_append_new(sc.list, e)) {
			r = MAMORI_ENOMEM;
			goto fail;
		}
	}
	if ((r = vnc_units(ctx, &sc)) != 0)
		goto fail;

	/* Sockets: the truth on a live system. A socket on a remote-desktop port either confirms
	 * a server found above (and gives its real binding) or is a server of its own. */
	const struct listener *ls;
	size_t nls;
	bool listening = false;
	if (net_listeners(ctx, &ls, &nls, sc.net_why, sizeof(sc.net_why)) != 0)
		sc.net_ok = false;
	else
		for (size_t i = 0; i < nls; i++) {
			const struct listener *l = &ls[i];
			if (strcmp(l->proto, "tcp") != 0 || !rdp_port(l->port, xrdp_port) ||
			    l->loopback)
				continue;
			listening = true;
			char lsrc[64], h[200];
			snprintf(lsrc, sizeof(lsrc), "/proc/net/tcp%s", l->v6 ? "6" : "");
			snprintf(h, sizeof(h), "tcp %s%s%s:%u listening", l->v6 ? "[" : "", l->addr,
				 l->v6 ? "]" : "", l->port);
			bool matched = false;
			size_t n = json_array_size(sc.list);
			for (size_t j = 0; j < n; j++) {
				json_t *e = json_array_get(sc.list, j);
				const json_t *p = json_object_get(e, "port");
				bool vnc_range = l->port >= 5900 && l->port <= 5909;
				bool same = json_is_integer(p) && json_integer_value(p) == l->port;
				bool vnc_guess =
				    json_is_integer(p) && json_integer_value(p) == 5900 &&
				    vnc_range &&
				    strcmp(json_string_value(json_object_get(e, "name")), "xrdp") !=
					0;
				if (!(same || vnc_guess || (json_is_null(p) && vnc_range)))
					continue;
				matched = true;
				char nh[1400];
				snprintf(nh, sizeof(nh), "%s; %s",
					 json_string_value(json_object_get(e, "how")), h);
				if (json_object_set_new(e, "port", json_integer(l->port)) ||
				    json_object_set_new(e, "address", json_string(l->addr)) ||
				    json_object_set_new(e, "any_address",
							json_boolean(l->any_address)) ||
				    json_object_set_new(e, "how", json_string(nh))) {
					r = MAMORI_ENOMEM;
					goto fail;
				}
				break;
			}
			if (matched)
				continue;
			json_t *e = entry("unknown", "tcp", json_integer(l->port), l->addr,
					  json_boolean(l->any_address), lsrc, h);
			if (e == NULL || json_array_append_new(sc.list, e)) {
				r = MAMORI_ENOMEM;
				goto fail;
			}
		}

	size_t n = json_array_size(sc.list);
	if (n == 0 && !sc.pkg_ok && !sc.proc_ok) {
		r = facts_put_unknown(ctx->facts, "rdp.services", NULL, 0, "cannot tell: %s; %s",
				      sc.pkg_why, sc.proc_why);
		json_decref(sc.list);
		sc.list = NULL;
	} else {
		char note[300];
		if (n)
			snprintf(note, sizeof(note), "%zu remote-desktop server(s) found", n);
		else
			snprintf(note, sizeof(note), "%s%s%s",
				 sc.installed ? "remote-desktop software is installed, but no server "
						"is enabled"
				 : sc.pkg_ok ? "no remote-desktop server is installed or enabled"
					     : "no remote-desktop server is enabled (the package "
					       "database is unreadable)",
				 sc.proc_ok ? ", running" : "",
				 sc.net_ok ? " or listening" : " (no socket tables to check)");
		r = facts_put(ctx->facts, "rdp.services", sc.list,
			      n ? NULL : "/var/lib/dpkg/status", 0, note);
		sc.list = NULL;
	}
	if (r)
		return r;
	if (!sc.net_ok)
		r = facts_put_unknown(ctx->facts, "rdp.listening", NULL, 0, "%s", sc.net_why);
	else
		r = facts_put_bool(ctx->facts, "rdp.listening", listening, "/proc/net/tcp", 0,
				   "a socket on 3389, 5900-5909 or xrdp's port, beyond loopback");
	if (r)
		return r;
	/* Bound to every interface: true if any server is; unknown if any binding is. */
	const struct fact *svc = facts_get(ctx->facts, "rdp.services");
	if (svc == NULL || svc->value == NULL)
		return facts_put_unknown(ctx->facts, "rdp.bound_all_interfaces", NULL, 0, "%s",
					 svc && svc->reason ? svc->reason : "no services");
	int all = 0;
	const char *which = NULL, *wsrc = NULL;
	size_t i;
	json_t *e;
	json_array_foreach(svc->value, i, e)
	{
		const json_t *a = json_object_get(e, "any_address");
		if (json_is_true(a) && all != 1) {
			all = 1;
			which = json_string_value(json_object_get(e, "how"));
			wsrc = json_string_value(json_object_get(e, "source"));
		} else if (json_is_null(a) && all == 0) {
			all = -1;
			which = json_string_value(json_object_get(e, "how"));
			wsrc = json_string_value(json_object_get(e, "source"));
		}
	}
	if (all < 0)
		return facts_put_unknown(ctx->facts, "rdp.bound_all_interfaces", wsrc, 0,
					 "the listening address is not known: %s", which);
	return facts_put_bool(ctx->facts, "rdp.bound_all_interfaces", all == 1, wsrc, 0,
			      which ? which : "no server bound to every interface");
fail:
	json_decref(sc.list);
	return r;
}
