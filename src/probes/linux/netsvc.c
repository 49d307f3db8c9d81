/* SPDX-License-Identifier: Apache-2.0 */
/* Service detection shared by the sharing and rdp families: a service counts as on when its
 * unit is enabled, its process runs or (for most) a socket of its ports is open beyond
 * loopback; it counts as off only when the package database or the live process table can
 * vouch for it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/netsvc.h"

static int ev_add(struct svc_state *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int ev_add(struct svc_state *out, const char *fmt, ...)
{
	char s[640];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	return json_array_append_new(out->evidence, json_string(s)) ? MAMORI_ENOMEM : 0;
}

static bool port_in(const unsigned *ports, unsigned p)
{
	for (size_t i = 0; ports && ports[i]; i++)
		if (ports[i] == p)
			return true;
	return false;
}

int svc_detect(struct probe_ctx *ctx, const struct svc_spec *sp, struct svc_state *out)
{
	memset(out, 0, sizeof(*out));
	out->evidence = json_array();
	if (out->evidence == NULL)
		return MAMORI_ENOMEM;
	bool on = false, installed = false, pkg_ok = true, proc_ok = true;
	char pkg_why[256] = "", proc_why[256] = "", first_pkg[128] = "";
	int r;
	for (size_t i = 0; sp->units && sp->units[i]; i++) {
		char link[512] = "";
		r = unit_enabled(ctx, sp->units[i], link, sizeof(link));
		if (r < 0)
			return r;
		if (r == 1) {
			if (!on)
				snprintf(out->source, sizeof(out->source), "%s", link);
			on = true;
			if (ev_add(out, "%s enabled (%s)", sp->units[i], link))
				return MAMORI_ENOMEM;
		}
	}
	for (size_t i = 0; sp->procs && sp->procs[i]; i++) {
		r = proc_running(ctx, sp->procs[i], proc_why, sizeof(proc_why));
		if (r < 0) {
			proc_ok = false;
			break;
		}
		if (r == 1) {
			if (!on)
				snprintf(out->source, sizeof(out->source), "/proc");
			on = true;
			if (ev_add(out, "process %s running", sp->procs[i]))
				return MAMORI_ENOMEM;
		}
	}
	for (size_t i = 0; sp->pkgs && sp->pkgs[i]; i++) {
		const char *ver = NULL;
		r = pkg_installed(ctx, sp->pkgs[i], &ver, pkg_why, sizeof(pkg_why));
		if (r == MAMORI_ENOMEM)
			return r;
		if (r < 0) {
			pkg_ok = false;
			break;
		}
		if (r == 1) {
			if (!installed)
				snprintf(first_pkg, sizeof(first_pkg), "%s", sp->pkgs[i]);
			installed = true;
			if (ev_add(out, "package %s %s installed", sp->pkgs[i], ver ? ver : ""))
				return MAMORI_ENOMEM;
		}
	}
	const struct listener *ls;
	size_t nls;
	char net_why[256];
	if (net_listeners(ctx, &ls, &nls, net_why, sizeof(net_why)) == 0) {
		for (size_t i = 0; i < nls; i++) {
			const struct listener *l = &ls[i];
			bool tcp = strcmp(l->proto, "tcp") == 0;
			if (l->loopback || !port_in(tcp ? sp->tcp : sp->udp, l->port))
				continue;
			if (ev_add(out, l->v6 ? "%s [%s]:%u open" : "%s %s:%u open", l->proto,
				   l->addr, l->port))
				return MAMORI_ENOMEM;
			if (sp->sockets_decide) {
				if (!on)
					snprintf(out->source, sizeof(out->source), "/proc/net/%s%s",
						 l->proto, l->v6 ? "6" : "");
				on = true;
			}
		}
	}
	if (on) {
		out->on = 1;
		snprintf(out->note, sizeof(out->note), "found running, enabled or listening");
	} else if (pkg_ok && !installed) {
		out->on = 0;
		snprintf(out->source, sizeof(out->source), "/var/lib/dpkg/status");
		snprintf(out->note, sizeof(out->note),
			 "not installed, not enabled, no process or socket");
	} else if (proc_ok || pkg_ok) {
		out->on = 0;
		snprintf(out->source, sizeof(out->source), "%s",
			 installed ? "/var/lib/dpkg/status" : "/proc");
		snprintf(out->note, sizeof(out->note), "%s%s but not enabled%s",
			 installed ? "package " : "",
			 installed  ? first_pkg
			 : pkg_ok ? "not found in the package database,"
				  : "package database unreadable;",
			 proc_ok ? " and not running"
				 : " (running state not checked: no process table)");
	} else {
		out->on = -1;
		snprintf(out->note, sizeof(out->note), "cannot tell: %.240s; %.240s", pkg_why,
			 proc_why);
	}
	return 0;
}

int svc_put(struct probe_ctx *ctx, const char *fact, const char *evidence_fact,
	    struct svc_state *out)
{
	int r;
	/* The check shows only this fact, so its note carries what was found. */
	char note[1536];
	size_t o = (size_t)snprintf(note, sizeof(note), "%s", out->note);
	size_t i;
	const json_t *it;
	json_array_foreach(out->evidence, i, it)
	{
		if (o >= sizeof(note))
			break;
		o += (size_t)snprintf(note + o, sizeof(note) - o, "%s%s", i ? "; " : ": ",
				      json_string_value(it));
	}
	if (out->on < 0)
		r = facts_put_unknown(ctx->facts, fact, NULL, 0, "%s", note);
	else
		r = facts_put_bool(ctx->facts, fact, out->on == 1, out->source, 0, note);
	json_t *ev = out->evidence;
	out->evidence = NULL;
	if (r == 0)
		r = facts_put(ctx->facts, evidence_fact, ev, NULL, 0, NULL);
	else
		json_decref(ev);
	return r;
}
