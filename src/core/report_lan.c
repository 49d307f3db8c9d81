/* SPDX-License-Identifier: Apache-2.0 */
/* `mamori lan`'s terminal report: the home network as the router, wifi and lan facts describe
 * it (docs/lan.md), then the findings, then the firewall rules that would close the PC to the
 * family's other devices. Every value comes from a fact; an unknown fact is shown as such with
 * its reason, never as a reassuring default. */
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/report.h"

struct lan_out {
	const struct report_ctx *r;
	struct buf *b;
	int err;
};

/* Appends to the report; the first failure is kept and the rest is skipped. */
#define out(o, ...)                                                                                \
	do {                                                                                       \
		if ((o)->err == 0)                                                                 \
			(o)->err = buf_printf((o)->b, __VA_ARGS__);                                \
	} while (0)

static const char *m(const struct lan_out *o, enum msg id)
{
	return msg(o->r->lang, id);
}

/* The fact's value, or NULL when it is unknown or missing; *why says which and why. */
static const json_t *fact_value(const struct lan_out *o, const char *name, const char **why)
{
	const struct fact *f = facts_get(o->r->facts, name);
	*why = f == NULL ? "no probe recorded this fact" : f->reason;
	return f ? f->value : NULL;
}

static const char *str_or(const json_t *v, const char *key, const char *dflt)
{
	const char *s = json_string_value(key ? json_object_get(v, key) : v);
	return s && *s ? s : dflt;
}

/* "Label: value" for a string fact, or "Label: not known (why)". */
static void line_fact(struct lan_out *o, enum msg label, const char *name)
{
	const char *why;
	const json_t *v = fact_value(o, name, &why);
	if (v && json_is_string(v))
		out(o, "  %s: %s\n", m(o, label), json_string_value(v));
	else if (v && json_is_null(v))
		out(o, "  %s: %s\n", m(o, label), m(o, M_LAN_NONE));
	else
		out(o, "  %s: %s (%s)\n", m(o, label), m(o, M_FACT_UNKNOWN), why ? why : "?");
}

static bool port_listed(const json_t *ports, json_int_t port)
{
	size_t i;
	const json_t *p;
	json_array_foreach(ports, i, p) if (json_integer_value(p) == port) return true;
	return false;
}

static void router_section(struct lan_out *o)
{
	const char *why;
	out(o, "%s== %s ==%s\n", o->r->color ? "\033[1;36m" : "", m(o, M_LAN_ROUTER),
	    o->r->color ? "\033[0m" : "");
	line_fact(o, M_LAN_GATEWAY, "router.gateway");
	const json_t *dev = fact_value(o, "router.device", &why);
	if (json_is_object(dev)) {
		const char *mk = str_or(dev, "manufacturer", NULL),
			   *md = str_or(dev, "model_name", NULL);
		const char *num = str_or(dev, "model_number", NULL);
		if (mk || md || num)
			out(o, "  %s: %s%s%s%s%s\n", m(o, M_LAN_MODEL), mk ? mk : "",
			    mk && md ? " " : "", md ? md : "", num ? " " : "", num ? num : "");
		out(o, "  %s: %s\n", m(o, M_LAN_FIRMWARE),
		    str_or(dev, "firmware", m(o, M_FACT_UNKNOWN)));
	}
	const json_t *igd = fact_value(o, "router.upnp_igd", &why);
	if (json_is_boolean(igd))
		out(o, "  %s: %s\n", m(o, M_LAN_UPNP),
		    m(o, json_is_true(igd) ? M_LAN_UPNP_ON : M_LAN_UPNP_OFF));
	else
		out(o, "  %s: %s (%s)\n", m(o, M_LAN_UPNP), m(o, M_FACT_UNKNOWN), why ? why : "?");
	if (json_is_true(igd))
		line_fact(o, M_LAN_EXTERNAL, "router.external_address");
	const json_t *maps = fact_value(o, "router.port_mappings", &why);
	const json_t *risky =
	    o->r->policy ? json_object_get(o->r->policy->params, "router_risky_ports") : NULL;
	if (json_is_array(maps)) {
		out(o, "  %s:\n", m(o, M_LAN_MAPPINGS));
		if (json_array_size(maps) == 0)
			out(o, "    %s\n", m(o, M_LAN_NONE));
		size_t i;
		const json_t *mp;
		json_array_foreach(maps, i, mp)
		{
			json_int_t ext = json_integer_value(json_object_get(mp, "external_port"));
			json_int_t in = json_integer_value(json_object_get(mp, "internal_port"));
			/* As router-no-risky-port-mappings decides: port 0 is every port. */
			bool bad = !json_is_false(json_object_get(mp, "enabled")) &&
				   (ext == 0 || (json_is_array(risky) && (port_listed(risky, ext) ||
									  port_listed(risky, in))));
			out(o, "    %s %lld -> %s:%lld  %s%s%s\n", str_or(mp, "protocol", "?"),
			    (long long)ext, str_or(mp, "internal_client", "?"),
			    (long long)json_integer_value(json_object_get(mp, "internal_port")),
			    str_or(mp, "description", ""), bad ? "  !! " : "",
			    bad ? m(o, M_LAN_RISKY) : "");
		}
	} else {
		out(o, "  %s: %s (%s)\n", m(o, M_LAN_MAPPINGS), m(o, M_FACT_UNKNOWN),
		    why ? why : "?");
	}
	const json_t *plain = fact_value(o, "router.admin_plain_http", &why);
	if (json_is_boolean(plain)) {
		const char *url_why;
		const char *url = str_or(fact_value(o, "router.admin_url", &url_why), NULL, "");
		out(o, "  %s: %s%s%s\n", m(o, M_LAN_ADMIN),
		    m(o, json_is_true(plain) ? M_LAN_PLAIN_HTTP : M_LAN_NOT_PLAIN),
		    *url ? "  " : "", url);
	} else {
		out(o, "  %s: %s (%s)\n", m(o, M_LAN_ADMIN), m(o, M_FACT_UNKNOWN), why ? why : "?");
	}
	out(o, "\n");
}

static void wifi_section(struct lan_out *o)
{
	const char *why;
	out(o, "%s== %s ==%s\n", o->r->color ? "\033[1;36m" : "", m(o, M_LAN_WIFI),
	    o->r->color ? "\033[0m" : "");
	const json_t *links = fact_value(o, "wifi.links", &why);
	if (!json_is_array(links)) {
		out(o, "  %s (%s)\n", m(o, M_FACT_UNKNOWN), why ? why : "?");
	} else if (json_array_size(links) == 0) {
		out(o, "  %s\n", m(o, M_LAN_NOT_WIFI));
	} else {
		size_t i;
		const json_t *l;
		json_array_foreach(links, i, l)
		{
			out(o, "  %s: \"%s\"  %s (%s, %s)\n", str_or(l, "interface", "?"),
			    str_or(l, "ssid", "?"), str_or(l, "security", "?"),
			    str_or(l, "key_mgmt", "?"), str_or(l, "pairwise_cipher", "?"));
		}
	}
	const json_t *profiles = fact_value(o, "wifi.profiles", &why);
	if (json_is_array(profiles)) {
		size_t i, n = 0;
		const json_t *p;
		json_array_foreach(profiles, i, p)
		{
			const char *sec = str_or(p, "security", "");
			if (!json_is_true(json_object_get(p, "autoconnect")) ||
			    (strcmp(sec, "open") != 0 && strcmp(sec, "owe") != 0))
				continue;
			if (n++ == 0)
				out(o, "  %s:\n", m(o, M_LAN_OPEN_AUTO));
			out(o, "    \"%s\"  (%s)\n", str_or(p, "ssid", "?"), str_or(p, "file", ""));
		}
	}
	out(o, "\n");
}

static void neighbours_section(struct lan_out *o)
{
	const char *why;
	out(o, "%s== %s ==%s\n", o->r->color ? "\033[1;36m" : "", m(o, M_LAN_DEVICES),
	    o->r->color ? "\033[0m" : "");
	const json_t *addrs = fact_value(o, "lan.addresses", &why);
	if (json_is_array(addrs)) {
		out(o, "  %s:", m(o, M_LAN_THIS_PC));
		size_t i;
		const json_t *a;
		json_array_foreach(addrs, i, a) out(o, " %s", str_or(a, NULL, "?"));
		const json_t *ifc = fact_value(o, "lan.interface", &why);
		out(o, "%s%s%s\n", json_is_string(ifc) ? " (" : "", str_or(ifc, NULL, ""),
		    json_is_string(ifc) ? ")" : "");
	}
	const json_t *ns = fact_value(o, "lan.neighbours", &why);
	if (!json_is_array(ns)) {
		out(o, "  %s (%s)\n\n", m(o, M_FACT_UNKNOWN), why ? why : "?");
		return;
	}
	if (json_array_size(ns) == 0)
		out(o, "  %s\n", m(o, M_LAN_NO_NEIGHBOURS));
	size_t i;
	const json_t *n;
	json_array_foreach(ns, i, n)
	{
		enum msg role = json_is_true(json_object_get(n, "gateway"))   ? M_LAN_ROLE_ROUTER
				: json_is_true(json_object_get(n, "printer")) ? M_LAN_ROLE_PRINTER
									      : M_LAN_ROLE_OTHER;
		const char *fw = str_or(n, "firewall", "unknown");
		out(o, "  %-16s %-17s %-14s ", str_or(n, "address", "?"), str_or(n, "mac", ""),
		    m(o, role));
		if (strcmp(fw, "blocked") == 0) {
			out(o, "%s\n", m(o, M_LAN_FW_BLOCKED));
		} else if (strcmp(fw, "open") == 0) {
			out(o, "%s", m(o, M_LAN_FW_OPEN));
			size_t k;
			const json_t *p;
			json_array_foreach(json_object_get(n, "open_ports"), k, p)
			    out(o, " %s", str_or(p, NULL, "?"));
			out(o, "\n");
		} else {
			out(o, "%s (%s)\n", m(o, M_LAN_FW_UNKNOWN), str_or(n, "why", "?"));
		}
	}
	const json_t *any = fact_value(o, "lan.other_device_ports", &why);
	if (json_is_array(any) && json_array_size(any) > 0) {
		out(o, "  %s", m(o, M_LAN_ANY_DEVICE));
		size_t k;
		const json_t *p;
		json_array_foreach(any, k, p) out(o, " %s", str_or(p, NULL, "?"));
		out(o, "\n");
	}
	out(o, "\n");
}

/* Whether a fact is a list with something in it. */
static bool nonempty(const struct lan_out *o, const char *name)
{
	const char *why;
	const json_t *v = fact_value(o, name, &why);
	return json_is_array(v) && json_array_size(v) > 0;
}

int report_lan_text(const struct report_ctx *r, struct buf *b)
{
	struct lan_out o = {r, b, 0};
	char when[32];
	format_time(r->now, when, sizeof when);
	const struct fact *host = facts_get(r->facts, "host.hostname");
	out(&o, "%s%s%s\n", r->color ? "\033[1m" : "", msg(r->lang, M_LAN_TITLE),
	    r->color ? "\033[0m" : "");
	out(&o, "%s: %s   %s: %s\n\n", msg(r->lang, M_HOST),
	    host && json_is_string(host->value) ? json_string_value(host->value) : "?",
	    msg(r->lang, M_GENERATED), when);
	router_section(&o);
	wifi_section(&o);
	neighbours_section(&o);
	if (o.err)
		return o.err;
	out(&o, "%s== %s ==%s\n", r->color ? "\033[1m" : "", msg(r->lang, M_LAN_FINDINGS),
	    r->color ? "\033[0m" : "");
	if (o.err || (o.err = report_text_findings(r, b)) != 0)
		return o.err;
	const char *why;
	const json_t *fix = fact_value(&o, "lan.firewall_fix", &why);
	if (json_is_string(fix) &&
	    (nonempty(&o, "lan.neighbours_let_in") || nonempty(&o, "lan.other_device_ports"))) {
		const char *rules = json_string_value(fix);
		size_t len = strlen(rules);
		out(&o, "\n%s:\n%s%s", msg(r->lang, M_LAN_FIX_RULES), rules,
		    len > 0 && rules[len - 1] == '\n' ? "" : "\n");
	}
	return o.err;
}
