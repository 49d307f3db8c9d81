/* SPDX-License-Identifier: Apache-2.0 */
/* firewall.*: whether inbound traffic is filtered and denied by default, for IPv4 and IPv6.
 * The live nftables ruleset is the truth (iptables-nft, ufw and firewalld all end up there);
 * when it cannot be read (a mounted image, no privilege) the boot-time configuration of ufw,
 * firewalld, nftables.service or iptables-persistent stands in, and the notes say so. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/firewall.h"

enum { END_FALL = 0, END_ACCEPT = 1, END_DENY = 2, END_UNK = 3 };

/* ---- what a rule admits ---- */

/* "Default deny" means the other devices at home reach only what was opened on purpose (CSAJ
 * 5.1.7: everything but the printer and the router is kept out). An accept whose matches only
 * name an input interface, an address family or a whole network lets a class of devices reach
 * every service, which is the opposite; so a rule is judged by its matches:
 *   narrow  a service port, replies (ct state established/related), ICMP, loopback, a single
 *           host, broadcast or multicast: allowed. A whole network, even a /24, is the
 *           home LAN itself (every family device), so only a single address counts;
 *   open    nothing else than an interface, a family, a wide network, a source port, a rate,
 *           ...: the family is not default-deny;
 *   unknown something this code cannot judge: no deny is claimed, the verdict is unknown.
 * A rule is narrow as soon as one of its matches is (they all must hold). */
enum { CLS_NARROW, CLS_OPEN, CLS_UNKNOWN };
#define FAM_V4 1u
#define FAM_V6 2u
#define FAM_ALL 3u
#define FW_V4_MIN_PREFIX 32   /* shorter prefixes are a network of devices */
#define FW_V6_MIN_PREFIX 128
#define FW_MAX_PORT_SPAN 1024 /* a port range this wide is no longer one service */

enum {
	SEL_IIF,     /* iif, iifname: the interface a packet came in on */
	SEL_NFPROTO, /* meta nfproto, meta protocol: the address family */
	SEL_L4PROTO, /* meta l4proto, ip protocol, ip6 nexthdr */
	SEL_SADDR,
	SEL_DADDR,
	SEL_DPORT,
	SEL_ICMP,    /* icmp/icmpv6 type or code */
	SEL_CTSTATE,
	SEL_CTSTATUS, /* ct status dnat: port forwards set up on purpose (firewalld) */
	SEL_PKTTYPE,
	SEL_FIBTYPE, /* fib daddr type */
	SEL_HOST,    /* ether saddr: one device */
	SEL_OPEN,    /* selects nothing that matters here: source port, flags, length, rate */
	SEL_UNKNOWN,
};

/* One match being classified: its selector, then its values one by one. */
struct acls {
	int sel;
	unsigned fam;	 /* the families the selector exists in (ip saddr: IPv4) */
	bool neg, rel;	 /* "!=", or "<" and friends */
	bool open, unk;	 /* some value admits broadly / cannot be judged */
	unsigned named;	 /* SEL_NFPROTO: the families named */
	bool named_unk;	 /* SEL_NFPROTO: a value that is no family name */
	char unk_val[40]; /* the first value that could not be judged */
};

static bool eq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static bool word_in(const char *w, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (eq(w, list[i]))
			return true;
	return false;
}

/* A named set, an unresolved variable or a value this code could not read. */
static bool is_ref(const char *v)
{
	return v[0] == '@' || v[0] == '$' || v[0] == '?' || v[0] == '\0';
}

/* The prefix length of "addr/len" (the full length for a plain address), -1 if unreadable. */
static int addr_prefix(const char *v, bool v6)
{
	const char *slash = strchr(v, '/');
	long long n;
	if (slash == NULL)
		return v6 ? 128 : 32;
	if (str_to_ll(slash + 1, 0, v6 ? 128 : 32, &n, NULL))
		return -1;
	return (int)n;
}

static bool addr_multicast(const char *v)
{
	const char *dot = strchr(v, '.');
	long long o;
	if (strncmp(v, "ff", 2) == 0 && strchr(v, ':'))
		return true;
	if (dot && strn_to_ll(v, (size_t)(dot - v), 224, 239, &o, NULL) == 0)
		return true;
	return strncmp(v, "255.255.255.255", 15) == 0 && (v[15] == '\0' || v[15] == '/');
}

static int port_cls(const char *v)
{
	if (is_ref(v))
		return v[0] == '@' ? CLS_NARROW : CLS_UNKNOWN; /* a named set of ports is ports */
	const char *dash = strchr(v, '-');
	if (!c_isdigit((unsigned char)v[0]) || dash == NULL)
		return CLS_NARROW; /* a port number or a service name */
	long long a, b;
	if (strn_to_ll(v, (size_t)(dash - v), 0, 65535, &a, NULL) ||
	    str_to_ll(dash + 1, 0, 65535, &b, NULL))
		return CLS_UNKNOWN;
	return b - a >= FW_MAX_PORT_SPAN ? CLS_OPEN : CLS_NARROW;
}

static void acls_atom(struct acls *a, const char *v)
{
	static const char *const l4open[] = {"tcp", "udp", "udplite", "sctp", "dccp", "6",
					     "17",  "33",  "132",     "136",  NULL};
	static const char *const replies[] = {"established", "related", NULL};
	static const char *const bcast[] = {"broadcast", "multicast", "anycast", NULL};
	static const char *const status[] = {"dnat", "snat",	 "seen-reply", "assured",
					     "expected", "seen_reply", NULL};
	int c = CLS_UNKNOWN;
	switch (a->sel) {
	case SEL_IIF:
		c = eq(v, "lo") ? CLS_NARROW : CLS_OPEN;
		break;
	case SEL_NFPROTO:
		if (eq(v, "ipv4") || eq(v, "ip"))
			a->named |= FAM_V4;
		else if (eq(v, "ipv6") || eq(v, "ip6"))
			a->named |= FAM_V6;
		else if (is_ref(v))
			a->named_unk = true;
		c = CLS_OPEN;
		break;
	case SEL_L4PROTO:
		c = is_ref(v) ? CLS_UNKNOWN : word_in(v, l4open) ? CLS_OPEN : CLS_NARROW;
		break;
	case SEL_SADDR: {
		int p = is_ref(v) || strchr(v, '-') ? -1 : addr_prefix(v, a->fam == FAM_V6);
		int min = a->fam == FAM_V6 ? FW_V6_MIN_PREFIX : FW_V4_MIN_PREFIX;
		c = p < 0 ? CLS_UNKNOWN : p < min ? CLS_OPEN : CLS_NARROW;
		break;
	}
	case SEL_DADDR:
		c = is_ref(v) ? CLS_UNKNOWN : addr_multicast(v) ? CLS_NARROW : CLS_OPEN;
		break;
	case SEL_DPORT:
		c = port_cls(v);
		break;
	case SEL_ICMP:
		c = CLS_NARROW;
		break;
	case SEL_CTSTATE:
		c = is_ref(v) ? CLS_UNKNOWN : word_in(v, replies) ? CLS_NARROW : CLS_OPEN;
		break;
	case SEL_CTSTATUS:
		c = word_in(v, status) ? CLS_NARROW : CLS_UNKNOWN;
		break;
	case SEL_PKTTYPE:
		c = is_ref(v) ? CLS_UNKNOWN : word_in(v, bcast) ? CLS_NARROW : CLS_OPEN;
		break;
	case SEL_FIBTYPE:
		c = word_in(v, bcast)			 ? CLS_NARROW
		    : eq(v, "local") || eq(v, "unicast") ? CLS_OPEN
							 : CLS_UNKNOWN;
		break;
	case SEL_HOST:
		c = is_ref(v) ? CLS_UNKNOWN : CLS_NARROW;
		break;
	case SEL_OPEN:
		c = CLS_OPEN;
		break;
	default:
		break;
	}
	if (c == CLS_OPEN)
		a->open = true;
	else if (c == CLS_UNKNOWN) {
		if (!a->unk)
			snprintf(a->unk_val, sizeof(a->unk_val), "%s", v);
		a->unk = true;
	}
}

/* Names an unjudged match for the evidence: "ip saddr @lan". */
static void acls_what(const struct acls *a, int cls, char *what, size_t wl)
{
	size_t l = strlen(what);
	if (cls == CLS_UNKNOWN && a->sel != SEL_UNKNOWN && a->unk_val[0] && l + 2 < wl)
		snprintf(what + l, wl - l, " %s", a->unk_val);
}

/* The class of one classified match; *fam: the families it can match at all. */
static int acls_result(const struct acls *a, unsigned *fam)
{
	*fam = a->fam;
	if (a->sel == SEL_NFPROTO) {
		unsigned named = a->named_unk || a->named == 0 ? FAM_ALL : a->named;
		*fam = a->neg && !a->named_unk ? FAM_ALL & ~named : named;
		return CLS_OPEN;
	}
	if (a->sel == SEL_UNKNOWN)
		return CLS_UNKNOWN;
	if (a->sel == SEL_ICMP)
		return CLS_NARROW; /* whatever the type, it stays ICMP */
	if (a->rel && a->sel != SEL_DPORT && a->sel != SEL_OPEN)
		return CLS_UNKNOWN;
	if (a->neg || a->rel)
		return CLS_OPEN; /* "all but X", "above X" */
	return a->open ? CLS_OPEN : a->unk ? CLS_UNKNOWN : CLS_NARROW;
}

/* The matches of one rule together. */
struct macc {
	bool cond;    /* some statement selects packets */
	bool narrow;  /* some match is narrow: the rule is */
	bool unknown; /* some match could not be judged */
	bool other;   /* some match is more than a family restriction */
	unsigned fam; /* the families the rule can match */
	char why[64]; /* the first match that could not be judged */
};

static void macc_add(struct macc *m, int cls, unsigned fam, bool famonly, const char *what)
{
	m->cond = true;
	m->fam &= fam;
	if (!famonly)
		m->other = true;
	if (cls == CLS_NARROW)
		m->narrow = true;
	else if (cls == CLS_UNKNOWN && !m->unknown) {
		m->unknown = true;
		snprintf(m->why, sizeof(m->why), "%s", what ? what : "?");
	}
}

/* ---- rules in one form, and what a chain does with them ---- */

enum { V_NONE, V_ACCEPT, V_DROP, V_JUMP, V_GOTO, V_RETURN, V_CONTINUE };
enum { SCAN_NONE, SCAN_UNK, SCAN_OPEN };
#define NO_RULE ((size_t)-1)

struct fr_rule {
	size_t chain;
	long seq;		/* order in the chain */
	long target;		/* chain index of a jump/goto, -1 when it does not exist */
	long long handle;	/* live: the rule's handle */
	int file, line;		/* scripts: where the rule is */
	const json_t *expr;	/* live: the statements, rendered for the evidence */
	const char *text, *why; /* scripts: the rule, and what could not be judged */
	unsigned char verdict, cls, fam;
	bool cond;    /* holds a match or a statement that selects packets */
	bool famonly; /* its only matches restrict the address family */
};

struct fr_chain {
	const char *family, *table, *name, *type, *hook;
	const char *policy_text; /* scripts: a policy that could not be read */
	bool base;		 /* a filter chain on the input hook */
	bool policy_drop;
	int file, line; /* scripts: the policy, or the chain */
	size_t first, nrules;
	unsigned char fam;
	signed char memo[2]; /* default path per family: -1 not computed, -2 in progress */
	signed char scan[2]; /* broad-accept scan: 0 not done, 1 in progress, 2 done */
	unsigned char res[2];
	size_t end_rule[2], via[2];
};

struct fr_set {
	struct fr_chain *chains;
	size_t nchains;
	struct fr_rule *rules;
	size_t nrules;
	const char *const *files;
};

static unsigned fam_of(const char *family)
{
	return eq(family, "ip") ? FAM_V4 : eq(family, "ip6") ? FAM_V6 : eq(family, "inet") ? FAM_ALL : 0;
}

static void fr_chain_init(struct fr_chain *c)
{
	c->fam = fam_of(c->family);
	c->memo[0] = c->memo[1] = -1;
	c->end_rule[0] = c->end_rule[1] = c->via[0] = c->via[1] = NO_RULE;
	c->file = -1;
}

static int cmp_rule(const void *a, const void *b)
{
	const struct fr_rule *x = a, *y = b;
	if (x->chain != y->chain)
		return x->chain < y->chain ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts the rules into chain order and gives each chain its range. */
static void fr_index(struct fr_set *s)
{
	qsort(s->rules, s->nrules, sizeof(*s->rules), cmp_rule);
	for (size_t k = 0; k < s->nrules;) {
		struct fr_chain *ch = &s->chains[s->rules[k].chain];
		ch->first = k;
		while (k < s->nrules && &s->chains[s->rules[k].chain] == ch) {
			ch->nrules++;
			k++;
		}
	}
}

/* A rule that takes every packet (of the families it applies to) that reaches it. */
static bool fr_uncond(const struct fr_rule *r)
{
	return !r->cond || r->famonly;
}

/* What a packet of family f that no conditional rule caught meets in chain ci: an
 * unconditional accept, an unconditional drop/reject, the end of the chain (the base chain's
 * policy), or END_UNK when a jump cannot be followed. */
static int fr_eval(struct fr_set *s, size_t ci, int f, int depth)
{
	struct fr_chain *c = &s->chains[ci];
	unsigned fb = 1u << f;
	if (c->memo[f] >= 0)
		return c->memo[f];
	/* A loop (nft refuses them) or deep nesting: do not claim what we cannot prove. */
	if (c->memo[f] == -2 || depth > FW_JUMP_DEPTH)
		return END_UNK;
	c->memo[f] = -2;
	int res = END_FALL;
	for (size_t i = c->first; i < c->first + c->nrules; i++) {
		const struct fr_rule *r = &s->rules[i];
		if (!(r->fam & fb) || !fr_uncond(r) || r->verdict == V_NONE ||
		    r->verdict == V_CONTINUE)
			continue;
		if (r->verdict == V_ACCEPT || r->verdict == V_DROP) {
			res = r->verdict == V_ACCEPT ? END_ACCEPT : END_DENY;
			c->end_rule[f] = i;
			break;
		}
		if (r->verdict == V_RETURN)
			break;
		int t = r->target < 0 ? END_UNK : fr_eval(s, (size_t)r->target, f, depth + 1);
		if (r->verdict == V_GOTO || t != END_FALL) {
			res = t;
			c->end_rule[f] = i;
			break;
		}
	}
	c->memo[f] = (signed char)res;
	return res;
}

/* Whether chain ci, entered by a packet of family f, reaches an accept through a rule (or a
 * chain of jumps) that is not narrow: SCAN_OPEN, SCAN_UNK when a rule on the way cannot be
 * judged, SCAN_NONE. via[f] is the rule of ci that leads there. */
static int fr_scan(struct fr_set *s, size_t ci, int f, int depth)
{
	struct fr_chain *c = &s->chains[ci];
	unsigned fb = 1u << f;
	if (c->scan[f] == 2)
		return c->res[f];
	if (c->scan[f] == 1 || depth > FW_JUMP_DEPTH)
		return SCAN_UNK;
	c->scan[f] = 1;
	int res = SCAN_NONE;
	size_t via = NO_RULE;
	for (size_t i = c->first; i < c->first + c->nrules && res != SCAN_OPEN; i++) {
		const struct fr_rule *r = &s->rules[i];
		if (!(r->fam & fb) || r->verdict == V_NONE || r->verdict == V_CONTINUE)
			continue;
		if (r->cls != CLS_NARROW) {
			int got = SCAN_NONE;
			if (r->verdict == V_ACCEPT)
				got = r->cls == CLS_UNKNOWN ? SCAN_UNK : SCAN_OPEN;
			else if (r->verdict == V_JUMP || r->verdict == V_GOTO) {
				int t = r->target < 0 ? SCAN_UNK
						      : fr_scan(s, (size_t)r->target, f, depth + 1);
				got = t == SCAN_OPEN && r->cls != CLS_UNKNOWN ? SCAN_OPEN
				      : t != SCAN_NONE			      ? SCAN_UNK
									      : SCAN_NONE;
			}
			if (got > res) {
				res = got;
				via = i;
			}
		}
		/* After an unconditional end of the chain nothing is reached. */
		if (fr_uncond(r) &&
		    (r->verdict != V_JUMP ||
		     (r->target < 0 || fr_eval(s, (size_t)r->target, f, depth + 1) != END_FALL)))
			break;
	}
	c->scan[f] = 2;
	c->res[f] = (unsigned char)res;
	c->via[f] = via;
	return res;
}

/* ---- evidence ---- */

struct sb {
	char *buf;
	size_t cap, len;
};

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	if (b->cap == 0 || b->len + 1 >= b->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	b->len += (size_t)n < b->cap - b->len ? (size_t)n : b->cap - b->len - 1;
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void jr_val(struct sb *b, const json_t *v, bool quote, int depth)
{
	const json_t *x;
	if (json_is_string(v))
		sb_printf(b, quote ? "\"%s\"" : "%s", json_string_value(v));
	else if (json_is_integer(v))
		sb_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_array(v) && depth < 4) {
		size_t i;
		const json_t *e;
		json_array_foreach(v, i, e)
		{
			if (i)
				sb_printf(b, ",");
			jr_val(b, e, quote, depth + 1);
		}
	} else if ((x = json_object_get(v, "set")) != NULL && depth < 4) {
		sb_printf(b, "{ ");
		if (json_is_array(x)) {
			size_t i;
			const json_t *e;
			json_array_foreach(x, i, e)
			{
				sb_printf(b, "%s", i ? ", " : "");
				jr_val(b, e, quote, depth + 1);
			}
		} else
			jr_val(b, x, quote, depth + 1);
		sb_printf(b, " }");
	} else if ((x = json_object_get(v, "prefix")) != NULL) {
		jr_val(b, json_object_get(x, "addr"), false, depth + 1);
		sb_printf(b, "/");
		jr_val(b, json_object_get(x, "len"), false, depth + 1);
	} else if ((x = json_object_get(v, "range")) != NULL && json_array_size(x) == 2) {
		jr_val(b, json_array_get(x, 0), quote, depth + 1);
		sb_printf(b, "-");
		jr_val(b, json_array_get(x, 1), quote, depth + 1);
	} else if ((x = json_object_get(v, "elem")) != NULL && depth < 4)
		jr_val(b, json_object_get(x, "val"), quote, depth + 1);
	else
		sb_printf(b, "?");
}

/* Writes the selector of a match; returns whether its string values are quoted by nft. */
static bool jr_left(struct sb *b, const json_t *l)
{
	const json_t *x;
	if ((x = json_object_get(l, "meta")) != NULL) {
		const char *k = jstr(x, "key");
		k = k ? k : "?";
		bool bare = eq(k, "iif") || eq(k, "iifname") || eq(k, "oif") || eq(k, "oifname") ||
			    eq(k, "mark");
		sb_printf(b, "%s%s", bare ? "" : "meta ", k);
		return eq(k, "iifname") || eq(k, "oifname");
	}
	if ((x = json_object_get(l, "payload")) != NULL && jstr(x, "protocol"))
		sb_printf(b, "%s %s", jstr(x, "protocol"), jstr(x, "field") ? jstr(x, "field") : "?");
	else if ((x = json_object_get(l, "ct")) != NULL)
		sb_printf(b, "ct %s", jstr(x, "key") ? jstr(x, "key") : "?");
	else if ((x = json_object_get(l, "fib")) != NULL)
		sb_printf(b, "fib %s", jstr(x, "result") ? jstr(x, "result") : "?");
	else {
		const char *k = json_is_object(l) ? json_object_iter_key(json_object_iter((json_t *)l))
						  : NULL;
		sb_printf(b, "%s", k ? k : "?");
	}
	return false;
}

/* The rule in nft's own words, roughly: "iifname "wlan0" goto filter_IN_trusted". */
static void jr_rule(struct sb *b, const json_t *expr)
{
	size_t k;
	const json_t *st;
	json_array_foreach(expr, k, st)
	{
		const char *key = json_object_iter_key(json_object_iter((json_t *)st));
		const json_t *v = json_object_iter_value(json_object_iter((json_t *)st));
		if (key == NULL)
			continue;
		sb_printf(b, "%s", k ? " " : "");
		if (eq(key, "match")) {
			bool q = jr_left(b, json_object_get(v, "left"));
			const char *op = jstr(v, "op");
			if (op && !eq(op, "==") && !eq(op, "in"))
				sb_printf(b, " %s", op);
			sb_printf(b, " ");
			jr_val(b, json_object_get(v, "right"), q, 0);
		} else if (eq(key, "jump") || eq(key, "goto"))
			sb_printf(b, "%s %s", key, jstr(v, "target") ? jstr(v, "target") : "?");
		else if (eq(key, "xt"))
			sb_printf(b, "xt %s \"%s\"", jstr(v, "type") ? jstr(v, "type") : "?",
				  jstr(v, "name") ? jstr(v, "name") : "?");
		else if (eq(key, "vmap")) {
			jr_left(b, json_object_get(v, "key"));
			sb_printf(b, " vmap { ... }");
		} else
			sb_printf(b, "%s", key);
	}
}

static void nj_rule_ir(const json_t *expr, unsigned fam, struct fr_rule *r, struct macc *m);

/* `RULE` (where), then the rules of the chains it leads to, up to a few levels. */
static void fr_path(const struct fr_set *s, size_t ri, int f, bool scan, struct sb *b, int depth)
{
	if (ri == NO_RULE || ri >= s->nrules)
		return;
	const struct fr_rule *r = &s->rules[ri];
	const struct fr_chain *c = &s->chains[r->chain];
	char tmp[160];
	struct sb t = {tmp, sizeof(tmp), 0};
	tmp[0] = '\0';
	const char *why = r->why;
	struct macc m;
	if (r->expr) {
		jr_rule(&t, r->expr);
		if (r->cls == CLS_UNKNOWN) {
			struct fr_rule again;
			nj_rule_ir(r->expr, FAM_ALL, &again, &m);
			why = m.why;
		}
	} else
		sb_printf(&t, "%s", r->text ? r->text : "?");
	sb_printf(b, "`%s` (", tmp);
	if (r->expr)
		sb_printf(b, "chain %s, handle %lld", c->name, r->handle);
	else if (s->files && r->file >= 0)
		sb_printf(b, "%s:%d", s->files[r->file], r->line);
	else
		sb_printf(b, "chain %s, line %d", c->name, r->line);
	sb_printf(b, ")");
	if (r->cls == CLS_UNKNOWN && why && why[0])
		sb_printf(b, " [cannot judge: %s]", why);
	if ((r->verdict == V_JUMP || r->verdict == V_GOTO) && r->target >= 0 && depth < 3) {
		const struct fr_chain *tc = &s->chains[r->target];
		size_t next = scan ? tc->via[f] : tc->end_rule[f];
		if (next != NO_RULE) {
			sb_printf(b, ", then ");
			fr_path(s, next, f, scan, b, depth + 1);
		}
	}
}

static void fr_loc(const struct fr_set *s, size_t ri, int *file, int *line)
{
	if (ri == NO_RULE || ri >= s->nrules || s->rules[ri].expr)
		return;
	*file = s->rules[ri].file;
	*line = s->rules[ri].line;
}

/* What base chain ci does with family f: 2 denies by default, 1 unknown, 0 lets traffic in. */
static int fr_decide(struct fr_set *s, size_t ci, int f, char *how, size_t howlen, int *file,
		     int *line)
{
	struct fr_chain *c = &s->chains[ci];
	struct sb b = {how, howlen, 0};
	how[0] = '\0';
	*file = c->file;
	*line = c->line;
	int end = fr_eval(s, ci, f, 0);
	if (end == END_UNK) {
		sb_printf(&b,
			  "a jump could not be followed (a missing chain, a loop or more than %d "
			  "levels): no deny is claimed",
			  FW_JUMP_DEPTH);
		return 1;
	}
	if (end == END_ACCEPT) {
		sb_printf(&b, "an unconditional accept rule lets everything in: ");
		fr_path(s, c->end_rule[f], f, false, &b, 0);
		fr_loc(s, c->end_rule[f], file, line);
		return 0;
	}
	int deny = 2;
	if (end == END_DENY) {
		sb_printf(&b, "ends in an unconditional drop/reject rule: ");
		fr_path(s, c->end_rule[f], f, false, &b, 0);
		fr_loc(s, c->end_rule[f], file, line);
	} else if (c->policy_text) {
		sb_printf(&b, "policy %s; %zu rule(s)", c->policy_text, c->nrules);
		deny = 1;
	} else {
		sb_printf(&b, "policy %s, %zu rule(s)", c->policy_drop ? "drop" : "accept",
			  c->nrules);
		if (!c->policy_drop)
			return 0;
	}
	int sc = fr_scan(s, ci, f, 0);
	if (sc == SCAN_NONE)
		return deny;
	fr_loc(s, c->via[f], file, line);
	if (sc == SCAN_OPEN) {
		sb_printf(&b, "; but this lets in far more than a service: it matches only an "
			      "interface, address family, wide network or the like, no service port, "
			      "single host or replies: ");
		fr_path(s, c->via[f], f, true, &b, 0);
		return 0;
	}
	sb_printf(&b, "; but what this accepts cannot be judged, so no deny is claimed: ");
	fr_path(s, c->via[f], f, true, &b, 0);
	return 1;
}

/* Adds one base chain's verdict for a family: one that denies is enough, else unknown wins. */
static void view_add(struct fw_family_view *v, const struct fr_chain *c, bool filtered,
		     int state, const char *how, int file, int line)
{
	bool was_filtered = v->filtered;
	v->filtered |= filtered;
	if (v->deny)
		return;
	bool take;
	if (state == 2) {
		v->deny = true;
		v->unknown = false;
		take = true;
	} else if (state == 1) {
		take = !v->unknown;
		v->unknown = true;
	} else
		take = !v->unknown && (v->chain[0] == '\0' || (filtered && !was_filtered));
	if (!take)
		return;
	snprintf(v->chain, sizeof(v->chain), "%s %s %s", c->family, c->table, c->name);
	snprintf(v->how, sizeof(v->how), "%s", how);
	v->file = file;
	v->line = line;
}

/* Decides every base chain of s into out; returns the number of base chains. */
static size_t fr_summarize(struct fr_set *s, struct fw_summary *out)
{
	size_t n = 0;
	out->v4.file = out->v6.file = -1;
	for (size_t i = 0; i < s->nchains; i++) {
		struct fr_chain *c = &s->chains[i];
		if (!c->base || c->fam == 0)
			continue;
		n++;
		bool filtered = c->policy_drop || c->policy_text || c->nrules > 0;
		for (int f = 0; f < 2; f++) {
			if (!(c->fam & (1u << f)))
				continue;
			char how[640];
			int file, line;
			int state = fr_decide(s, i, f, how, sizeof(how), &file, &line);
			view_add(f == 0 ? &out->v4 : &out->v6, c, filtered, state, how, file, line);
		}
	}
	return n;
}

/* ---- the live ruleset (nft -j list ruleset) ---- */

static int cmp_chain(const void *a, const void *b)
{
	const struct fr_chain *x = a, *y = b;
	int r = strcmp(x->family, y->family);
	if (r == 0)
		r = strcmp(x->table, y->table);
	return r ? r : strcmp(x->name, y->name);
}

static long fr_find(const struct fr_set *s, const char *family, const char *table,
		    const char *name)
{
	struct fr_chain key = {.family = family, .table = table, .name = name};
	const struct fr_chain *c =
	    bsearch(&key, s->chains, s->nchains, sizeof(*s->chains), cmp_chain);
	return c ? (long)(c - s->chains) : -1;
}

/* Adds the values of a JSON right-hand side (a literal, a set, a prefix, a range, a list). */
static void jatoms(struct acls *a, const json_t *v, int depth)
{
	char tmp[160];
	const json_t *x;
	if (json_is_string(v)) {
		acls_atom(a, json_string_value(v));
		return;
	}
	if (json_is_integer(v)) {
		snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		acls_atom(a, tmp);
		return;
	}
	if (depth < 4 && json_is_array(v)) {
		size_t i;
		const json_t *e;
		json_array_foreach(v, i, e)
		jatoms(a, e, depth + 1);
		return;
	}
	if (depth < 4 && (x = json_object_get(v, "set")) != NULL) {
		jatoms(a, x, depth + 1);
		return;
	}
	if (depth < 4 && (x = json_object_get(v, "elem")) != NULL) {
		jatoms(a, json_object_get(x, "val"), depth + 1);
		return;
	}
	if ((x = json_object_get(v, "prefix")) != NULL && jstr(x, "addr") &&
	    json_is_integer(json_object_get(x, "len"))) {
		snprintf(tmp, sizeof(tmp), "%s/%" JSON_INTEGER_FORMAT, jstr(x, "addr"),
			 json_integer_value(json_object_get(x, "len")));
		acls_atom(a, tmp);
		return;
	}
	if ((x = json_object_get(v, "range")) != NULL && json_array_size(x) == 2) {
		struct sb b = {tmp, sizeof(tmp), 0};
		jr_val(&b, x, false, 0); /* "lo,hi" */
		char *comma = strchr(tmp, ',');
		if (comma)
			*comma = '-';
		acls_atom(a, tmp);
		return;
	}
	acls_atom(a, "?");
}

/* The selector of a JSON match's left-hand side. */
static void jsel(const json_t *left, struct acls *a, char *what, size_t wl)
{
	static const char *const meta_open[] = {"iiftype", "length", "cpu",	"time",
						"day",	   "hour",   "random", NULL};
	static const char *const l4[] = {"tcp", "udp", "udplite", "sctp", "dccp", "th", NULL};
	const json_t *x;
	memset(a, 0, sizeof(*a));
	a->sel = SEL_UNKNOWN;
	a->fam = FAM_ALL;
	if ((x = json_object_get(left, "meta")) != NULL) {
		const char *k = jstr(x, "key");
		k = k ? k : "?";
		snprintf(what, wl, "meta %s", k);
		if (eq(k, "iif") || eq(k, "iifname") || eq(k, "iifgroup"))
			a->sel = SEL_IIF;
		else if (eq(k, "nfproto") || eq(k, "protocol"))
			a->sel = SEL_NFPROTO;
		else if (eq(k, "l4proto"))
			a->sel = SEL_L4PROTO;
		else if (eq(k, "pkttype"))
			a->sel = SEL_PKTTYPE;
		else if (word_in(k, meta_open))
			a->sel = SEL_OPEN;
		return;
	}
	if ((x = json_object_get(left, "payload")) != NULL) {
		const char *p = jstr(x, "protocol"), *fd = jstr(x, "field");
		if (p == NULL || fd == NULL) {
			snprintf(what, wl, "a raw payload match");
			return;
		}
		snprintf(what, wl, "%s %s", p, fd);
		if (eq(p, "ip") || eq(p, "ip6")) {
			bool v6 = eq(p, "ip6");
			a->fam = v6 ? FAM_V6 : FAM_V4;
			a->sel = eq(fd, "saddr")				? SEL_SADDR
				 : eq(fd, "daddr")				? SEL_DADDR
				 : eq(fd, v6 ? "nexthdr" : "protocol") ? SEL_L4PROTO
								       : SEL_OPEN;
		} else if (word_in(p, l4))
			a->sel = eq(fd, "dport") ? SEL_DPORT : SEL_OPEN;
		else if (eq(p, "icmp") || eq(p, "icmpv6")) {
			a->sel = SEL_ICMP;
			a->fam = eq(p, "icmp") ? FAM_V4 : FAM_V6;
		} else if (eq(p, "ether"))
			a->sel = eq(fd, "saddr") ? SEL_HOST : SEL_OPEN;
		else if (eq(p, "vlan") || eq(p, "arp"))
			a->sel = SEL_OPEN;
		return;
	}
	if ((x = json_object_get(left, "ct")) != NULL) {
		const char *k = jstr(x, "key");
		snprintf(what, wl, "ct %s", k ? k : "?");
		if (k && json_object_get(x, "dir") == NULL)
			a->sel = eq(k, "state")	   ? SEL_CTSTATE
				 : eq(k, "status") ? SEL_CTSTATUS
						   : SEL_UNKNOWN;
		return;
	}
	if ((x = json_object_get(left, "fib")) != NULL) {
		const json_t *fl = json_object_get(x, "flags");
		bool daddr = false, saddr = false;
		size_t i;
		const json_t *e;
		if (json_is_string(fl))
			daddr = eq(json_string_value(fl), "daddr");
		json_array_foreach(fl, i, e)
		{
			daddr |= json_is_string(e) && eq(json_string_value(e), "daddr");
			saddr |= json_is_string(e) && eq(json_string_value(e), "saddr");
		}
		snprintf(what, wl, "fib %s", jstr(x, "result") ? jstr(x, "result") : "?");
		if (jstr(x, "result") && eq(jstr(x, "result"), "type") && daddr && !saddr)
			a->sel = SEL_FIBTYPE;
		return;
	}
	const char *k =
	    json_is_object(left) ? json_object_iter_key(json_object_iter((json_t *)left)) : NULL;
	snprintf(what, wl, "a %s expression", k ? k : "literal");
}

static void jmatch(struct macc *m, const json_t *v)
{
	struct acls a;
	char what[64];
	unsigned fam;
	jsel(json_object_get(v, "left"), &a, what, sizeof(what));
	const char *op = jstr(v, "op");
	if (op == NULL || eq(op, "==") || eq(op, "in"))
		;
	else if (eq(op, "!="))
		a.neg = true;
	else if (eq(op, "<") || eq(op, ">") || eq(op, "<=") || eq(op, ">="))
		a.rel = true;
	else
		a.sel = SEL_UNKNOWN;
	jatoms(&a, json_object_get(v, "right"), 0);
	int c = acls_result(&a, &fam);
	acls_what(&a, c, what, sizeof(what));
	macc_add(m, c, fam, a.sel == SEL_NFPROTO, what);
}

static int jverdict(const json_t *v)
{
	if (json_object_get(v, "accept") || json_object_get(v, "queue"))
		return V_ACCEPT;
	if (json_object_get(v, "drop") || json_object_get(v, "reject"))
		return V_DROP;
	if (json_object_get(v, "jump") || json_object_get(v, "goto"))
		return V_JUMP;
	return V_NONE;
}

/* A verdict map: which of its accepting elements are narrow. */
static void jvmap(struct macc *m, const json_t *v, bool *accepts)
{
	struct acls key;
	char what[64];
	jsel(json_object_get(v, "key"), &key, what, sizeof(what));
	const json_t *set = json_object_get(json_object_get(v, "data"), "set");
	bool open = false, unk = false;
	size_t i;
	const json_t *e;
	if (!json_is_array(set)) {
		*accepts = unk = true; /* a named map: its verdicts are not read */
		snprintf(what, sizeof(what), "a named verdict map");
	}
	json_array_foreach(set, i, e)
	{
		int vd = jverdict(json_array_get(e, 1));
		if (!json_is_array(e) || json_array_size(e) != 2) {
			*accepts = unk = true;
			continue;
		}
		if (vd != V_ACCEPT && vd != V_JUMP)
			continue;
		*accepts = true;
		struct acls one = key;
		unsigned fam;
		jatoms(&one, json_array_get(e, 0), 0);
		int c = acls_result(&one, &fam);
		if (c == CLS_OPEN && vd == V_ACCEPT)
			open = true;
		else if (c != CLS_NARROW) {
			unk = true; /* jumps inside a map are not followed */
			snprintf(what, sizeof(what), "a verdict map that jumps");
		}
	}
	macc_add(m, open ? CLS_OPEN : unk ? CLS_UNKNOWN : CLS_NARROW, FAM_ALL, false, what);
}

/* The common form of one live rule: its verdict, and the class of its matches. */
static void nj_rule_ir(const json_t *expr, unsigned fam, struct fr_rule *r, struct macc *m)
{
	size_t k;
	const json_t *st;
	bool vmap_accepts = false;
	memset(m, 0, sizeof(*m));
	m->fam = fam;
	r->verdict = V_NONE;
	r->target = -1;
	json_array_foreach(expr, k, st)
	{
		const char *key = json_object_iter_key(json_object_iter((json_t *)st));
		const json_t *v = json_object_iter_value(json_object_iter((json_t *)st));
		if (key == NULL)
			continue;
		if (eq(key, "match"))
			jmatch(m, v);
		else if (eq(key, "accept") || eq(key, "queue"))
			r->verdict = V_ACCEPT;
		else if (eq(key, "drop") || eq(key, "reject"))
			r->verdict = V_DROP;
		else if (eq(key, "jump") || eq(key, "goto"))
			r->verdict = eq(key, "jump") ? V_JUMP : V_GOTO;
		else if (eq(key, "return"))
			r->verdict = V_RETURN;
		else if (eq(key, "continue"))
			r->verdict = V_CONTINUE;
		else if (eq(key, "limit") || eq(key, "quota") || eq(key, "ct count") ||
			 eq(key, "meter") || eq(key, "synproxy"))
			macc_add(m, CLS_OPEN, FAM_ALL, false, key);
		else if (eq(key, "vmap"))
			jvmap(m, v, &vmap_accepts);
		else if (eq(key, "xt")) {
			/* iptables-nft's compat matches and targets: their options are not in
			 * the JSON, so nothing is known of what they select. */
			const char *t = jstr(v, "type"), *n = jstr(v, "name");
			char what[64];
			snprintf(what, sizeof(what), "xt %s \"%s\"", t ? t : "?", n ? n : "?");
			if (t && eq(t, "target") && n && eq(n, "REJECT"))
				r->verdict = V_DROP; /* iptables-nft's -j REJECT */
			else if (t && eq(t, "target"))
				m->cond = m->other = true; /* LOG, MARK...: no verdict known */
			else
				macc_add(m, CLS_UNKNOWN, FAM_ALL, false, what);
		}
	}
	if (r->verdict == V_NONE && vmap_accepts)
		r->verdict = V_ACCEPT;
	r->cond = m->cond;
	r->cls = m->narrow ? CLS_NARROW : m->unknown ? CLS_UNKNOWN : CLS_OPEN;
	r->fam = (unsigned char)m->fam;
	r->famonly = m->cond && !m->other;
}

struct nj {
	struct fr_set s;
	bool ufw;
};

static void nj_backend(const struct nj *nj, const char *chain, char *out, size_t outlen)
{
	if (chain[0] == '\0')
		snprintf(out, outlen, "none");
	else if (strstr(chain, " firewalld "))
		snprintf(out, outlen, "firewalld");
	else if ((strncmp(chain, "ip filter ", 10) == 0 ||
		  strncmp(chain, "ip6 filter ", 11) == 0) &&
		 nj->ufw)
		snprintf(out, outlen, "ufw");
	else if (strcmp(chain, "ip filter INPUT") == 0 || strcmp(chain, "ip6 filter INPUT") == 0)
		snprintf(out, outlen, "iptables-nft");
	else
		snprintf(out, outlen, "nftables");
}

static int nj_collect(struct nj *nj, const json_t *arr, char *why, size_t whylen)
{
	struct fr_set *s = &nj->s;
	size_t n = json_array_size(arr), i, nch = 0, nru = 0;
	const json_t *it;
	if (n > FW_NFT_MAX_OBJECTS) {
		snprintf(why, whylen, "more than %u objects", FW_NFT_MAX_OBJECTS);
		return MAMORI_ETOOBIG;
	}
	json_array_foreach(arr, i, it)
	{
		if (!json_is_object(it)) {
			snprintf(why, whylen, "element %zu of \"nftables\" is not an object", i);
			return MAMORI_EPARSE;
		}
		nch += json_object_get(it, "chain") != NULL;
		nru += json_object_get(it, "rule") != NULL;
	}
	s->chains = calloc(nch ? nch : 1, sizeof(*s->chains));
	s->rules = calloc(nru ? nru : 1, sizeof(*s->rules));
	if (s->chains == NULL || s->rules == NULL)
		return MAMORI_ENOMEM;
	json_array_foreach(arr, i, it)
	{
		const json_t *c = json_object_get(it, "chain");
		if (c == NULL)
			continue;
		struct fr_chain *ch = &s->chains[s->nchains];
		ch->family = jstr(c, "family");
		ch->table = jstr(c, "table");
		ch->name = jstr(c, "name");
		if (!ch->family || !ch->table || !ch->name) {
			snprintf(why, whylen, "chain (element %zu) lacks family, table or name", i);
			return MAMORI_EPARSE;
		}
		ch->type = jstr(c, "type");
		ch->hook = jstr(c, "hook");
		const char *pol = jstr(c, "policy");
		ch->policy_drop = pol && eq(pol, "drop");
		ch->base = ch->type && eq(ch->type, "filter") && ch->hook && eq(ch->hook, "input");
		fr_chain_init(ch);
		if (strncmp(ch->name, "ufw-", 4) == 0 || strncmp(ch->name, "ufw6-", 5) == 0)
			nj->ufw = true;
		s->nchains++;
	}
	qsort(s->chains, s->nchains, sizeof(*s->chains), cmp_chain);
	json_array_foreach(arr, i, it)
	{
		const json_t *r = json_object_get(it, "rule");
		if (r == NULL)
			continue;
		const char *f = jstr(r, "family"), *t = jstr(r, "table"), *c = jstr(r, "chain");
		const json_t *expr = json_object_get(r, "expr");
		if (!f || !t || !c || !json_is_array(expr)) {
			snprintf(why, whylen,
				 "rule (element %zu) lacks family, table, chain or expr", i);
			return MAMORI_EPARSE;
		}
		long ci = fr_find(s, f, t, c);
		if (ci < 0) {
			snprintf(why, whylen, "rule (element %zu) of an undeclared chain %s %s %s",
				 i, f, t, c);
			return MAMORI_EPARSE;
		}
		struct fr_rule *ru = &s->rules[s->nrules++];
		struct macc m;
		nj_rule_ir(expr, s->chains[ci].fam, ru, &m);
		ru->chain = (size_t)ci;
		ru->seq = (long)i;
		ru->expr = expr;
		ru->file = -1;
		const json_t *h = json_object_get(r, "handle");
		ru->handle = json_is_integer(h) ? (long long)json_integer_value(h) : -1;
		if (ru->verdict == V_JUMP || ru->verdict == V_GOTO) {
			size_t k;
			const json_t *st;
			const char *target = NULL;
			json_array_foreach(expr, k, st)
			{
				const json_t *j = json_object_get(st, "jump");
				j = j ? j : json_object_get(st, "goto");
				if (j && jstr(j, "target"))
					target = jstr(j, "target");
			}
			ru->target = target ? fr_find(s, f, t, target) : -1;
		}
	}
	fr_index(s);
	return 0;
}

int fw_nft_json_load(const char *buf, size_t len, size_t max, json_t **root, const json_t **arr,
		     char *why, size_t whylen)
{
	if (len > max) {
		snprintf(why, whylen, "ruleset larger than %zu bytes", max);
		return MAMORI_ETOOBIG;
	}
	json_error_t je;
	*root = json_loadb(buf, len, 0, &je);
	if (*root == NULL) {
		snprintf(why, whylen, "malformed JSON at line %d column %d: %s", je.line, je.column,
			 je.text);
		return MAMORI_EPARSE;
	}
	*arr = json_object_get(*root, "nftables");
	if (!json_is_array(*arr)) {
		json_decref(*root);
		*root = NULL;
		snprintf(why, whylen, "expected an object with an \"nftables\" array");
		return MAMORI_EPARSE;
	}
	return 0;
}

int fw_nft_json_parse(const char *buf, size_t len, struct fw_summary *out, char *why, size_t whylen)
{
	json_t *root;
	const json_t *arr;
	int lr = fw_nft_json_load(buf, len, FW_NFT_JSON_MAX, &root, &arr, why, whylen);
	if (lr)
		return lr;
	struct nj nj = {0};
	int r = nj_collect(&nj, arr, why, whylen);
	if (r == 0) {
		struct fw_summary *s = calloc(1, sizeof(*s));
		if (s == NULL)
			r = MAMORI_ENOMEM;
		else {
			s->input_chains = fr_summarize(&nj.s, s);
			const char *decider = s->v4.chain[0] ? s->v4.chain : s->v6.chain;
			nj_backend(&nj, decider, s->backend, sizeof(s->backend));
			*out = *s;
			free(s);
		}
	}
	free(nj.s.chains);
	free(nj.s.rules);
	json_decref(root);
	return r;
}

/* ---- nftables scripts (/etc/nftables.conf) ---- */

#define NC_MAX_TOK 256
#define NC_TOKLEN 64
#define NC_MAX_DEPTH 32
#define NC_MAX_CHAINS 4096
#define NC_MAX_RULES 20000
#define NC_MAX_DEFS 256
#define NC_DEF_LEN 1024

struct fw_nft_chain {
	char family[8], table[64], name[64];
	bool is_filter, hook_input, policy_drop;
	char policy_bad[200]; /* a policy that could not be read ("$pol (why)") */
	size_t nrules;
	int file, line; /* the policy, or the chain's declaration */
};

struct fw_nft_rule {
	size_t chain;
	long seq;
	int file, line;
	unsigned char verdict, cls, fam;
	bool cond, famonly;
	char target[64];
	char text[120];
	char why[64];
};

struct fw_nft_def {
	char name[64];
	char val[NC_DEF_LEN]; /* the value's words, each NUL-terminated */
	size_t ntok;
	bool bad;     /* not kept: its uses stay unresolved */
	bool keyword; /* "define pol = drop": nft 1.0 refuses a bare verdict here */
};

enum { CTX_TOP, CTX_TABLE, CTX_CHAIN, CTX_OTHER, CTX_INLINE };

struct nc_state {
	struct fw_nft_conf *conf;
	int file;
	fw_include_fn inc;
	void *ud;
	int stack[NC_MAX_DEPTH];
	int open_line[NC_MAX_DEPTH];
	size_t sp;
	char family[8], table[64];
	long chain;
	char tok[NC_MAX_TOK][NC_TOKLEN];
	bool quoted[NC_MAX_TOK];
	size_t ntok;
	bool trunc;	 /* words were dropped (the last one is always kept) */
	bool unresolved; /* a $variable no define sets */
	char arg1[1024]; /* the second token in full (include paths) */
	int line;
};

static bool nc_is_family(const char *s)
{
	static const char *const f[] = {"ip", "ip6", "inet", "arp", "bridge", "netdev", NULL};
	return word_in(s, f);
}

/* The chain of that name in c, created if new; its index, or a negative error. */
static long conf_chain(struct fw_nft_conf *c, int file, const char *family, const char *table,
		       const char *name, int line)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->chains[i].family, family) == 0 &&
		    strcmp(c->chains[i].table, table) == 0 && strcmp(c->chains[i].name, name) == 0)
			return (long)i;
	if (c->n >= NC_MAX_CHAINS)
		return MAMORI_ETOOBIG;
	struct fw_nft_chain *v = realloc(c->chains, (c->n + 1) * sizeof(*v));
	if (v == NULL)
		return MAMORI_ENOMEM;
	c->chains = v;
	struct fw_nft_chain *ch = &v[c->n];
	memset(ch, 0, sizeof(*ch));
	snprintf(ch->family, sizeof(ch->family), "%s", family);
	snprintf(ch->table, sizeof(ch->table), "%s", table);
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	ch->file = file;
	ch->line = line;
	return (long)c->n++;
}

static long conf_find(const struct fw_nft_conf *c, const char *family, const char *table,
		      const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (eq(c->chains[i].family, family) && eq(c->chains[i].table, table) &&
		    eq(c->chains[i].name, name))
			return (long)i;
	return -1;
}

static long nc_chain(struct nc_state *st, const char *family, const char *table, const char *name,
		     int line)
{
	return conf_chain(st->conf, st->file, family, table, name, line);
}

/* A new rule at the end of chain ci (at its start with insert); NULL when out of room (*err). */
static struct fw_nft_rule *conf_rule(struct fw_nft_conf *c, long ci, bool insert, int file,
				     int line, int *err)
{
	c->chains[ci].nrules++;
	if (c->nrules >= NC_MAX_RULES) {
		*err = MAMORI_ETOOBIG;
		return NULL;
	}
	if (c->nrules == c->rules_cap) {
		size_t cap = c->rules_cap ? c->rules_cap * 2 : 64;
		struct fw_nft_rule *v = realloc(c->rules, cap * sizeof(*v));
		if (v == NULL) {
			*err = MAMORI_ENOMEM;
			return NULL;
		}
		c->rules = v;
		c->rules_cap = cap;
	}
	struct fw_nft_rule *r = &c->rules[c->nrules++];
	memset(r, 0, sizeof(*r));
	r->chain = (size_t)ci;
	c->seq++;
	r->seq = insert ? -c->seq : c->seq; /* insert puts it first */
	r->file = file;
	r->line = line;
	return r;
}

static const struct fw_nft_def *nc_def_find(const struct fw_nft_conf *c, const char *name,
					    size_t len)
{
	for (size_t i = 0; i < c->ndefs; i++)
		if (strlen(c->defs[i].name) == len && memcmp(c->defs[i].name, name, len) == 0)
			return &c->defs[i];
	return NULL;
}

/* `define NAME = value`, `redefine`, `undefine NAME`. */
static int nc_define(struct nc_state *st)
{
	struct fw_nft_conf *c = st->conf;
	const char *name = st->tok[1];
	struct fw_nft_def *d = (struct fw_nft_def *)nc_def_find(c, name, strlen(name));
	if (eq(st->tok[0], "undefine")) {
		if (d)
			d->name[0] = '\0';
		return 0;
	}
	if (d == NULL) {
		if (c->ndefs >= NC_MAX_DEFS)
			return MAMORI_ETOOBIG;
		d = realloc(c->defs, (c->ndefs + 1) * sizeof(*d));
		if (d == NULL)
			return MAMORI_ENOMEM;
		c->defs = d;
		d = &c->defs[c->ndefs++];
		snprintf(d->name, sizeof(d->name), "%s", name);
	}
	d->ntok = 0;
	/* nft parses a define's value as an expression, where a bare accept/drop is a syntax
	 * error (nft 1.0.6: "unexpected drop"); `define pol = "drop"` is the working form. */
	d->keyword = st->ntok == 4 && !st->quoted[3] &&
		     (eq(st->tok[3], "accept") || eq(st->tok[3], "drop"));
	d->bad = st->trunc || st->unresolved || d->keyword;
	size_t off = 0;
	for (size_t i = 3; i < st->ntok && !d->bad; i++) {
		size_t l = strlen(st->tok[i]);
		if (off + l + 1 > sizeof(d->val)) {
			d->bad = true;
			break;
		}
		memcpy(d->val + off, st->tok[i], l + 1);
		off += l + 1;
		d->ntok++;
	}
	return 0;
}

static int nc_verdict_word(const char *w)
{
	if (eq(w, "accept") || eq(w, "queue"))
		return V_ACCEPT;
	if (eq(w, "drop") || eq(w, "reject"))
		return V_DROP;
	if (eq(w, "jump"))
		return V_JUMP;
	if (eq(w, "goto"))
		return V_GOTO;
	if (eq(w, "return"))
		return V_RETURN;
	if (eq(w, "continue"))
		return V_CONTINUE;
	return -1;
}

/* Skips a "{ ... }" group at t[i] (or one word); returns the index after it. */
static size_t nc_skip_group(const struct nc_state *st, size_t i)
{
	if (i >= st->ntok)
		return i;
	if (!eq(st->tok[i], "{"))
		return i + 1;
	int depth = 0;
	for (; i < st->ntok; i++) {
		if (eq(st->tok[i], "{"))
			depth++;
		else if (eq(st->tok[i], "}") && --depth == 0)
			return i + 1;
	}
	return i;
}

/* Values after a selector and its operator: one word, a comma list or a { set }. */
static size_t nc_values(const struct nc_state *st, size_t i, struct acls *a)
{
	size_t n = st->ntok;
	if (i >= n) {
		acls_atom(a, "?");
		return i;
	}
	if (eq(st->tok[i], "{")) {
		for (i++; i < n && !eq(st->tok[i], "}"); i++) {
			if (eq(st->tok[i], "{")) {
				acls_atom(a, "?");
				i = nc_skip_group(st, i) - 1;
			} else if (!eq(st->tok[i], ","))
				acls_atom(a, st->tok[i]);
		}
		if (i >= n)
			acls_atom(a, "?"); /* the set was cut off */
		return i + 1;
	}
	acls_atom(a, st->tok[i++]);
	while (i + 1 < n && eq(st->tok[i], ",")) {
		acls_atom(a, st->tok[i + 1]);
		i += 2;
	}
	return i;
}

/* A verdict map "{ key : verdict, ... }" at t[i]. */
static size_t nc_vmap(const struct nc_state *st, size_t i, const struct acls *key, struct macc *m,
		      bool *accepts)
{
	size_t n = st->ntok;
	bool open = false, unk = false;
	if (i >= n || !eq(st->tok[i], "{")) {
		macc_add(m, CLS_UNKNOWN, FAM_ALL, false, "a named verdict map");
		*accepts = true;
		return i + 1;
	}
	i++;
	while (i < n && !eq(st->tok[i], "}")) {
		/* one element: KEY [:] VERDICT [TARGET] */
		char k[NC_TOKLEN];
		snprintf(k, sizeof(k), "%s", st->tok[i]);
		int vd = -1;
		char *colon = strrchr(k, ':');
		if (colon && nc_verdict_word(colon + 1) >= 0) {
			vd = nc_verdict_word(colon + 1); /* "established:accept" */
			*colon = '\0';
		} else if (colon && colon[1] == '\0' && colon > k && colon[-1] != ':')
			*colon = '\0';
		for (i++; i < n && !eq(st->tok[i], ",") && !eq(st->tok[i], "}"); i++)
			if (vd < 0 && nc_verdict_word(st->tok[i]) >= 0)
				vd = nc_verdict_word(st->tok[i]);
		if (i < n && eq(st->tok[i], ","))
			i++;
		if (vd != V_ACCEPT && vd != V_JUMP && vd != V_GOTO)
			continue;
		*accepts = true;
		struct acls one = *key;
		unsigned fam;
		acls_atom(&one, k);
		int c = acls_result(&one, &fam);
		if (c == CLS_OPEN && vd == V_ACCEPT)
			open = true;
		else if (c != CLS_NARROW)
			unk = true;
	}
	if (i >= n)
		unk = *accepts = true;
	macc_add(m, open ? CLS_OPEN : unk ? CLS_UNKNOWN : CLS_NARROW, FAM_ALL, false,
		 "a verdict map that jumps");
	return i + 1;
}

/* Reads the selector at t[*i] into a (advancing *i); false when t[*i] starts no match this
 * code reads (or a concatenation such as "ip saddr . tcp dport"). */
static bool nc_sel(const struct nc_state *st, size_t *i, struct acls *a, char *what, size_t wl)
{
	static const char *const l4[] = {"tcp", "udp", "udplite", "sctp", "dccp", "th", NULL};
	static const char *const meta_open[] = {"iiftype", "length", "cpu",	"time",
						"day",	   "hour",   "random", NULL};
	static const char *const bare[] = {"iif",     "iifname", "iifgroup", "pkttype",
					   "iiftype", "mark",	 NULL};
	size_t n = st->ntok, k = *i;
	const char *w = st->tok[k];
	const char *f = k + 1 < n ? st->tok[k + 1] : "";
	memset(a, 0, sizeof(*a));
	a->sel = SEL_UNKNOWN;
	a->fam = FAM_ALL;
	if (eq(w, "meta") || word_in(w, bare)) {
		const char *key = eq(w, "meta") ? f : w;
		k += eq(w, "meta") ? 2 : 1;
		snprintf(what, wl, "meta %s", key);
		if (eq(key, "iif") || eq(key, "iifname") || eq(key, "iifgroup"))
			a->sel = SEL_IIF;
		else if (eq(key, "nfproto") || eq(key, "protocol"))
			a->sel = SEL_NFPROTO;
		else if (eq(key, "l4proto"))
			a->sel = SEL_L4PROTO;
		else if (eq(key, "pkttype"))
			a->sel = SEL_PKTTYPE;
		else if (word_in(key, meta_open))
			a->sel = SEL_OPEN;
	} else if (eq(w, "ip") || eq(w, "ip6")) {
		bool v6 = eq(w, "ip6");
		a->fam = v6 ? FAM_V6 : FAM_V4;
		a->sel = eq(f, "saddr")			      ? SEL_SADDR
			 : eq(f, "daddr")		      ? SEL_DADDR
			 : eq(f, v6 ? "nexthdr" : "protocol") ? SEL_L4PROTO
							      : SEL_OPEN;
		snprintf(what, wl, "%s %s", w, f);
		k += 2;
	} else if (word_in(w, l4)) {
		a->sel = eq(f, "dport") ? SEL_DPORT : eq(f, "option") ? SEL_UNKNOWN : SEL_OPEN;
		snprintf(what, wl, "%s %s", w, f);
		k += 2;
	} else if (eq(w, "icmp") || eq(w, "icmpv6")) {
		a->sel = SEL_ICMP;
		a->fam = eq(w, "icmp") ? FAM_V4 : FAM_V6;
		snprintf(what, wl, "%s %s", w, f);
		k += 2;
	} else if (eq(w, "ct")) {
		a->sel = eq(f, "state") ? SEL_CTSTATE : eq(f, "status") ? SEL_CTSTATUS : SEL_UNKNOWN;
		snprintf(what, wl, "ct %s", f);
		k += 2;
	} else if (eq(w, "ether") || eq(w, "vlan") || eq(w, "arp")) {
		a->sel = eq(w, "ether") && eq(f, "saddr") ? SEL_HOST : SEL_OPEN;
		snprintf(what, wl, "%s %s", w, f);
		k += 2;
	} else if (eq(w, "fib")) {
		bool daddr = false, saddr = false;
		for (k++; k < n && (eq(st->tok[k], "saddr") || eq(st->tok[k], "daddr") ||
				    eq(st->tok[k], "mark") || eq(st->tok[k], "iif") ||
				    eq(st->tok[k], "."));
		     k++) {
			daddr |= eq(st->tok[k], "daddr");
			saddr |= eq(st->tok[k], "saddr");
		}
		const char *res = k < n ? st->tok[k++] : "";
		a->sel = eq(res, "type") && daddr && !saddr ? SEL_FIBTYPE : SEL_UNKNOWN;
		snprintf(what, wl, "fib %s", res);
	} else
		return false;
	if (k > n)
		k = n;
	if (k < n && eq(st->tok[k], ".")) {
		snprintf(what, wl, "a concatenation (%s . ...)", w);
		return false;
	}
	*i = k;
	return true;
}

/* The common form of one rule of a script, from its words t[i..]. */
static void nc_classify(const struct nc_state *st, size_t i, struct fw_nft_rule *r)
{
	static const char *const limit_words[] = {
	    "rate",  "over",   "until",  "burst", "used",	  "packets", "bytes", "kbytes",
	    "mbytes", "second", "minute", "hour",  "day", "week",    "inv",   NULL};
	static const char *const log_args[] = {"prefix", "level", "group", "snaplen",
					       "queue-threshold", NULL};
	static const char *const log_flags[] = {"tcp",	 "ip",	   "sequence", "options",
						"skuid", "ether", "all",      ",", NULL};
	const size_t n = st->ntok;
	struct macc m;
	memset(&m, 0, sizeof(m));
	m.fam = FAM_ALL;
	int verdict = -1;
	bool vmap_accepts = false;
	while (i < n) {
		const char *w = st->tok[i];
		int v = nc_verdict_word(w);
		if (v >= 0) {
			verdict = v;
			if ((v == V_JUMP || v == V_GOTO) && i + 1 < n)
				snprintf(r->target, sizeof(r->target), "%s", st->tok[i + 1]);
			break;
		}
		if (eq(w, "counter")) {
			for (i++; i + 1 < n && (eq(st->tok[i], "packets") || eq(st->tok[i], "bytes") ||
						eq(st->tok[i], "name"));)
				i += 2;
			continue;
		}
		if (eq(w, "log")) {
			for (i++; i < n;) {
				if (word_in(st->tok[i], log_args))
					i += 2;
				else if (eq(st->tok[i], "flags"))
					for (i++; i < n && word_in(st->tok[i], log_flags); i++)
						;
				else
					break;
			}
			continue;
		}
		if (eq(w, "comment")) {
			i += 2;
			continue;
		}
		if (eq(w, "notrack")) {
			i++;
			continue;
		}
		if (eq(w, "limit") || eq(w, "quota")) {
			macc_add(&m, CLS_OPEN, FAM_ALL, false, w);
			for (i++; i < n; i++) {
				const char *x = st->tok[i];
				if (eq(x, "name"))
					i++;
				else if (!word_in(x, limit_words) && !c_isdigit((unsigned char)x[0]) &&
					 strchr(x, '/') == NULL)
					break;
			}
			continue;
		}
		if (eq(w, "meter")) {
			macc_add(&m, CLS_OPEN, FAM_ALL, false, w);
			i = nc_skip_group(st, i + 2);
			continue;
		}
		if ((eq(w, "update") || eq(w, "add") || eq(w, "delete")) && i + 1 < n &&
		    st->tok[i + 1][0] == '@') {
			i = nc_skip_group(st, i + 2);
			continue;
		}
		if (eq(w, "ct") && i + 1 < n && eq(st->tok[i + 1], "count")) {
			macc_add(&m, CLS_OPEN, FAM_ALL, false, "ct count");
			i += 2;
			if (i < n && eq(st->tok[i], "over"))
				i++;
			i++;
			continue;
		}
		struct acls a;
		char what[64] = "";
		if (!nc_sel(st, &i, &a, what, sizeof(what))) {
			/* Something this code does not read: judge nothing more, find the verdict
			 * outside braces. */
			if (eq(what, ""))
				snprintf(what, sizeof(what), "\"%.60s\"", w);
			macc_add(&m, CLS_UNKNOWN, FAM_ALL, false, what);
			for (int depth = 0; i < n; i++) {
				if (eq(st->tok[i], "{"))
					depth++;
				else if (eq(st->tok[i], "}"))
					depth--;
				else if (depth == 0 && nc_verdict_word(st->tok[i]) >= 0) {
					verdict = nc_verdict_word(st->tok[i]);
					if ((verdict == V_JUMP || verdict == V_GOTO) && i + 1 < n)
						snprintf(r->target, sizeof(r->target), "%s",
							 st->tok[i + 1]);
					break;
				}
			}
			break;
		}
		if (i < n && eq(st->tok[i], "set")) {
			i = nc_skip_group(st, i + 1); /* a mangling statement: "meta mark set 1" */
			continue;
		}
		if (i < n && eq(st->tok[i], "vmap")) {
			i = nc_vmap(st, i + 1, &a, &m, &vmap_accepts);
			continue;
		}
		if (i < n) {
			const char *op = st->tok[i];
			if (eq(op, "==") || eq(op, "eq"))
				i++;
			else if (eq(op, "!=") || eq(op, "ne")) {
				a.neg = true;
				i++;
			} else if (eq(op, "<") || eq(op, ">") || eq(op, "<=") || eq(op, ">=") ||
				   eq(op, "lt") || eq(op, "gt") || eq(op, "le") || eq(op, "ge")) {
				a.rel = true;
				i++;
			} else if (eq(op, "&") || eq(op, "|") || eq(op, "^") || eq(op, "map"))
				a.sel = SEL_UNKNOWN;
		}
		i = nc_values(st, i, &a);
		unsigned fam;
		int c = acls_result(&a, &fam);
		acls_what(&a, c, what, sizeof(what));
		macc_add(&m, c, fam, a.sel == SEL_NFPROTO, what);
	}
	if (verdict < 0 && vmap_accepts)
		verdict = V_ACCEPT;
	/* A rule cut short, or one using an undefined variable: what it accepts is unknown
	 * unless one of the matches read already narrows it. */
	if ((st->trunc || (st->unresolved && verdict < 0)) && !m.narrow) {
		if (!m.unknown || st->trunc)
			snprintf(m.why, sizeof(m.why), "%s",
				 st->trunc ? "a rule too long to read" : "an undefined variable");
		m.unknown = true;
		if (verdict < 0 || st->trunc)
			verdict = V_ACCEPT;
	}
	r->verdict = (unsigned char)(verdict < 0 ? V_NONE : verdict);
	r->cond = m.cond;
	r->cls = m.narrow ? CLS_NARROW : m.unknown ? CLS_UNKNOWN : CLS_OPEN;
	r->fam = (unsigned char)m.fam;
	r->famonly = m.cond && !m.other;
	snprintf(r->why, sizeof(r->why), "%s", m.why);
}

static int nc_rule(struct nc_state *st, long ci, size_t from, bool insert)
{
	int err = 0;
	struct fw_nft_rule *r = conf_rule(st->conf, ci, insert, st->file, st->line, &err);
	if (r == NULL)
		return err;
	struct sb b = {r->text, sizeof(r->text), 0};
	for (size_t i = from; i < st->ntok; i++)
		sb_printf(&b, "%s%s", i > from && !eq(st->tok[i], ",") ? " " : "", st->tok[i]);
	if (st->trunc)
		sb_printf(&b, " ...");
	nc_classify(st, from, r);
	return 0;
}

static int nc_flush(struct nc_state *st)
{
	int ctx = st->stack[st->sp - 1];
	int r = 0;
	if (st->ntok == 0)
		return 0;
	if (((eq(st->tok[0], "define") || eq(st->tok[0], "redefine")) && st->ntok >= 3 &&
	     eq(st->tok[2], "=")) ||
	    (eq(st->tok[0], "undefine") && st->ntok >= 2)) {
		r = nc_define(st);
	} else if (ctx == CTX_TOP && strcmp(st->tok[0], "include") == 0 && st->ntok >= 2 &&
		   st->inc) {
		r = st->inc(st->arg1, st->line, st->ud);
	} else if (ctx == CTX_TOP && st->ntok >= 4 &&
		   (strcmp(st->tok[0], "add") == 0 || strcmp(st->tok[0], "insert") == 0) &&
		   strcmp(st->tok[1], "rule") == 0) {
		size_t k = 2;
		const char *fam = "ip";
		if (nc_is_family(st->tok[k]))
			fam = st->tok[k++];
		if (k + 1 < st->ntok) {
			long ci = nc_chain(st, fam, st->tok[k], st->tok[k + 1], st->line);
			if (ci < 0)
				r = (int)ci;
			else
				r = nc_rule(st, ci, k + 2, st->tok[0][0] == 'i');
		}
	} else if (ctx == CTX_CHAIN) {
		struct fw_nft_chain *ch = &st->conf->chains[st->chain];
		if (strcmp(st->tok[0], "type") == 0 && st->ntok >= 2) {
			ch->is_filter = strcmp(st->tok[1], "filter") == 0;
			for (size_t i = 2; i + 1 < st->ntok; i++)
				if (strcmp(st->tok[i], "hook") == 0)
					ch->hook_input = strcmp(st->tok[i + 1], "input") == 0;
		} else if (strcmp(st->tok[0], "policy") == 0 && st->ntok >= 2) {
			ch->policy_drop = strcmp(st->tok[1], "drop") == 0;
			ch->policy_bad[0] = '\0';
			if (st->tok[1][0] == '$') {
				const char *v = st->tok[1];
				const struct fw_nft_def *d = nc_def_find(st->conf, v + 1, strlen(v + 1));
				snprintf(ch->policy_bad, sizeof(ch->policy_bad),
					 "%.40s cannot be read: %s", v,
					 d == NULL   ? "no define sets it"
					 : d->keyword ? "its define is a bare verdict, which nft 1.0 "
							"refuses: the file may not load at all; "
							"write it in quotes"
						      : "its define could not be read");
			}
			ch->file = st->file;
			ch->line = st->line;
		} else if (strcmp(st->tok[0], "comment") != 0 &&
			   strcmp(st->tok[0], "devices") != 0) {
			r = nc_rule(st, st->chain, 0, false);
		}
	}
	st->ntok = 0;
	return r;
}

static int nc_push(struct nc_state *st, int ctx, int line)
{
	if (st->sp >= NC_MAX_DEPTH)
		return MAMORI_EPARSE;
	st->open_line[st->sp] = line;
	st->stack[st->sp++] = ctx;
	return 0;
}

static void nc_push_tok(struct nc_state *st, const char *s, size_t l, bool quoted)
{
	if (st->ntok == NC_MAX_TOK) {
		st->trunc = true; /* keep the newest word last: it is usually the verdict */
		st->ntok--;
	}
	snprintf(st->tok[st->ntok], NC_TOKLEN, "%.*s", (int)(l < NC_TOKLEN ? l : NC_TOKLEN - 1), s);
	st->quoted[st->ntok++] = quoted;
}

static void nc_token(struct nc_state *st, const char *s, size_t l, bool quoted)
{
	if (st->ntok == 0) {
		st->line = 0;
		st->trunc = st->unresolved = false;
	}
	if (st->ntok == 1)
		snprintf(st->arg1, sizeof(st->arg1), "%.*s", (int)l, s);
	if (!quoted && l > 1 && s[0] == '$') {
		const struct fw_nft_def *d = nc_def_find(st->conf, s + 1, l - 1);
		if (d && !d->bad) {
			const char *p = d->val;
			for (size_t i = 0; i < d->ntok; i++) {
				size_t pl = strlen(p);
				nc_push_tok(st, p, pl, true);
				p += pl + 1;
			}
			return;
		}
		st->unresolved = true;
	}
	nc_push_tok(st, s, l, quoted);
}

/* '{' after the statement collected so far: a table or chain block, another block whose
 * contents do not matter, or an anonymous set inside a statement (kept as a "{" word). */
static int nc_open(struct nc_state *st, int line)
{
	int ctx = st->stack[st->sp - 1];
	size_t k = 0;
	if (ctx == CTX_TOP && st->ntok >= 1 &&
	    (strcmp(st->tok[0], "add") == 0 || strcmp(st->tok[0], "create") == 0))
		k = 1;
	const char *kw = st->ntok > k ? st->tok[k] : "";
	if (ctx == CTX_TOP && strcmp(kw, "table") == 0 && st->ntok - k >= 2) {
		bool fam = st->ntok - k >= 3 && nc_is_family(st->tok[k + 1]);
		snprintf(st->family, sizeof(st->family), "%.7s", fam ? st->tok[k + 1] : "ip");
		snprintf(st->table, sizeof(st->table), "%s", st->tok[k + (fam ? 2 : 1)]);
		st->ntok = 0;
		return nc_push(st, CTX_TABLE, line);
	}
	if ((ctx == CTX_TOP && strcmp(kw, "chain") == 0 && st->ntok - k >= 3) ||
	    (ctx == CTX_TABLE && strcmp(kw, "chain") == 0 && st->ntok == 2)) {
		const char *fam = st->family, *table = st->table, *name = st->tok[1];
		if (ctx == CTX_TOP) {
			bool hasfam = st->ntok - k >= 4 && nc_is_family(st->tok[k + 1]);
			fam = hasfam ? st->tok[k + 1] : "ip";
			table = st->tok[k + (hasfam ? 2 : 1)];
			name = st->tok[k + (hasfam ? 3 : 2)];
		}
		long ci = nc_chain(st, fam, table, name, line);
		if (ci < 0)
			return (int)ci;
		st->chain = ci;
		st->ntok = 0;
		return nc_push(st, CTX_CHAIN, line);
	}
	if (ctx == CTX_TABLE && st->ntok >= 1 && strcmp(kw, "chain") != 0) {
		static const char *const blocks[] = {"set",	 "map",	  "flowtable", "counter",
						     "quota",	 "limit", "ct",	       "secmark",
						     "synproxy", NULL};
		if (word_in(kw, blocks)) {
			st->ntok = 0;
			return nc_push(st, CTX_OTHER, line);
		}
	}
	if (ctx == CTX_OTHER)
		return nc_push(st, CTX_OTHER, line);
	nc_token(st, "{", 1, true);
	if (st->line == 0)
		st->line = line;
	return nc_push(st, CTX_INLINE, line);
}

int fw_nft_conf_parse(const char *buf, size_t len, int file, struct fw_nft_conf *conf,
		      fw_include_fn inc, void *ud, int *bad_line)
{
	struct nc_state *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return MAMORI_ENOMEM;
	st->conf = conf;
	st->file = file;
	st->inc = inc;
	st->ud = ud;
	st->stack[st->sp++] = CTX_TOP;
	int line = 1, r = 0;
	const char *p = buf, *end = buf + len;
	while (p < end && r == 0) {
		char c = *p;
		if (c == '\n') {
			if (st->stack[st->sp - 1] != CTX_INLINE)
				r = nc_flush(st);
			line++;
			p++;
		} else if (c == '\\' && p + 1 < end && p[1] == '\n') {
			line++;
			p += 2;
		} else if (c_isspace((unsigned char)c)) {
			p++;
		} else if (c == '#') {
			while (p < end && *p != '\n')
				p++;
		} else if (c == ';') {
			if (st->stack[st->sp - 1] != CTX_INLINE)
				r = nc_flush(st);
			p++;
		} else if (c == '{') {
			if (st->ntok && st->line == 0)
				st->line = line;
			r = nc_open(st, line);
			p++;
		} else if (c == '}') {
			if (st->sp <= 1) {
				r = MAMORI_EPARSE;
				break;
			}
			if (st->stack[st->sp - 1] != CTX_INLINE)
				r = nc_flush(st);
			else
				nc_token(st, "}", 1, true);
			st->sp--;
			p++;
		} else if (c == ',') {
			nc_token(st, ",", 1, true);
			p++;
		} else if (c == '"') {
			const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
			const char *nl = memchr(p + 1, '\n', (size_t)(end - p - 1));
			if (q == NULL || (nl && nl < q)) {
				r = MAMORI_EPARSE;
				break;
			}
			nc_token(st, p + 1, (size_t)(q - p - 1), true);
			if (st->line == 0)
				st->line = line;
			p = q + 1;
		} else {
			const char *s = p;
			while (p < end && !c_isspace((unsigned char)*p) && *p != ';' && *p != '{' &&
			       *p != '}' && *p != '#' && *p != '"' && *p != ',')
				p++;
			nc_token(st, s, (size_t)(p - s), false);
			if (st->line == 0)
				st->line = line;
		}
	}
	if (r == 0)
		r = nc_flush(st);
	if (r == 0 && st->sp > 1) {
		line = st->open_line[st->sp - 1];
		r = MAMORI_EPARSE;
	}
	if (r == MAMORI_EPARSE || r == MAMORI_ETOOBIG)
		*bad_line = line;
	free(st);
	return r;
}

struct nc_key {
	const struct fw_nft_chain *c;
	size_t i;
};

static int cmp_nc_key(const void *a, const void *b)
{
	const struct fw_nft_chain *x = ((const struct nc_key *)a)->c;
	const struct fw_nft_chain *y = ((const struct nc_key *)b)->c;
	int r = strcmp(x->family, y->family);
	if (r == 0)
		r = strcmp(x->table, y->table);
	return r ? r : strcmp(x->name, y->name);
}

int fw_nft_conf_summary(const struct fw_nft_conf *conf, const char *const *files,
			struct fw_summary *out, int *file, int *line)
{
	struct fr_set s = {0};
	struct nc_key *keys = calloc(conf->n ? conf->n : 1, sizeof(*keys));
	struct fw_summary *sum = calloc(1, sizeof(*sum));
	s.chains = calloc(conf->n ? conf->n : 1, sizeof(*s.chains));
	s.rules = calloc(conf->nrules ? conf->nrules : 1, sizeof(*s.rules));
	s.files = files;
	int r = 0;
	if (!keys || !sum || !s.chains || !s.rules) {
		r = MAMORI_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < conf->n; i++) {
		const struct fw_nft_chain *c = &conf->chains[i];
		struct fr_chain *fc = &s.chains[i];
		fc->family = c->family;
		fc->table = c->table;
		fc->name = c->name;
		fc->base = c->is_filter && c->hook_input;
		fc->policy_drop = c->policy_drop;
		fc->policy_text = c->policy_bad[0] ? c->policy_bad : NULL;
		fr_chain_init(fc);
		fc->file = c->file;
		fc->line = c->line;
		keys[i] = (struct nc_key){c, i};
	}
	s.nchains = conf->n;
	qsort(keys, conf->n, sizeof(*keys), cmp_nc_key);
	for (size_t i = 0; i < conf->nrules; i++) {
		const struct fw_nft_rule *cr = &conf->rules[i];
		struct fr_rule *fr = &s.rules[i];
		fr->chain = cr->chain;
		fr->seq = cr->seq;
		fr->file = cr->file;
		fr->line = cr->line;
		fr->text = cr->text;
		fr->why = cr->why;
		fr->handle = -1;
		fr->verdict = cr->verdict;
		fr->cls = cr->cls;
		fr->fam = cr->fam;
		fr->cond = cr->cond;
		fr->famonly = cr->famonly;
		fr->target = -1;
		if (cr->verdict == V_JUMP || cr->verdict == V_GOTO) {
			const struct fw_nft_chain *from = &conf->chains[cr->chain];
			struct fw_nft_chain want;
			memcpy(want.family, from->family, sizeof(want.family));
			memcpy(want.table, from->table, sizeof(want.table));
			snprintf(want.name, sizeof(want.name), "%s", cr->target);
			struct nc_key key = {&want, 0};
			const struct nc_key *hit =
			    bsearch(&key, keys, conf->n, sizeof(*keys), cmp_nc_key);
			fr->target = hit ? (long)hit->i : -1;
		}
	}
	s.nrules = conf->nrules;
	fr_index(&s);
	sum->input_chains = fr_summarize(&s, sum);
	snprintf(sum->backend, sizeof(sum->backend), "%s", sum->input_chains ? "nftables" : "none");
	/* The place for firewall.active: where IPv4 was decided, else IPv6, else the first
	 * input chain. */
	*file = -1;
	*line = 0;
	for (size_t i = 0; i < s.nchains && *file < 0; i++)
		if (s.chains[i].base && s.chains[i].fam)
			*file = s.chains[i].file, *line = s.chains[i].line;
	if (sum->v6.chain[0] && sum->v6.file >= 0)
		*file = sum->v6.file, *line = sum->v6.line;
	if (sum->v4.chain[0] && sum->v4.file >= 0)
		*file = sum->v4.file, *line = sum->v4.line;
	*out = *sum;
out:
	free(keys);
	free(sum);
	free(s.chains);
	free(s.rules);
	return r;
}

void fw_nft_conf_free(struct fw_nft_conf *conf)
{
	free(conf->chains);
	free(conf->rules);
	free(conf->defs);
	memset(conf, 0, sizeof(*conf));
}

/* ---- iptables-save files (/etc/iptables/rules.v4, rules.v6) ---- */

/* The filter table becomes chains and rules in the scripts' form, so the same decision (jumps
 * to user chains followed, accepts judged by their matches) applies. */
struct ipt_state {
	struct fw_nft_conf conf;
	const char *family;
	bool in_filter;
	int err; /* MAMORI_ENOMEM or MAMORI_ETOOBIG while building */
};

/* Splits s into words honouring double quotes; returns the count (at most max). */
static size_t ipt_words(const char *s, size_t len, const char **w, size_t *wl, size_t max)
{
	size_t n = 0, i = 0;
	while (i < len && n < max) {
		while (i < len && c_isspace((unsigned char)s[i]))
			i++;
		if (i >= len)
			break;
		size_t start = i;
		if (s[i] == '"') {
			i++;
			while (i < len && s[i] != '"')
				i += (s[i] == '\\' && i + 1 < len) ? 2 : 1;
			i = i < len ? i + 1 : len;
		} else {
			while (i < len && !c_isspace((unsigned char)s[i]))
				i++;
		}
		w[n] = s + start;
		wl[n++] = i - start;
	}
	return n;
}

static bool weq(const char *w, size_t l, const char *s)
{
	return l == strlen(s) && memcmp(w, s, l) == 0;
}

/* Copies a word without its quotes, lowercased when asked. */
static void ipt_word(char *out, size_t outlen, const char *w, size_t l, bool lower)
{
	if (l >= 2 && w[0] == '"' && w[l - 1] == '"')
		w++, l -= 2;
	snprintf(out, outlen, "%.*s", (int)l, w);
	for (char *p = out; lower && *p; p++)
		*p = (char)c_tolower((unsigned char)*p);
}

/* Feeds a comma list ("22,80:90") to a, as ports when asked (iptables writes ranges a:b). */
static void ipt_atoms(struct acls *a, const char *v, bool ports)
{
	char one[64];
	while (*v) {
		size_t l = strcspn(v, ",");
		snprintf(one, sizeof(one), "%.*s", (int)(l < sizeof(one) ? l : sizeof(one) - 1), v);
		char *colon = ports ? strchr(one, ':') : NULL;
		if (colon)
			*colon = '-';
		acls_atom(a, one);
		v += l;
		if (*v == ',')
			v++;
	}
}

/* The matches and target of one -A/-I line, words w[i..n). */
static void ipt_classify(const struct ipt_state *st, const char **w, const size_t *wl, size_t n,
			 size_t i, struct fw_nft_rule *r)
{
	struct macc m;
	memset(&m, 0, sizeof(m));
	m.fam = FAM_ALL;
	bool neg = false;
	int verdict = -1;
	unsigned fam = eq(st->family, "ip6") ? FAM_V6 : FAM_V4;
	while (i < n) {
		char opt[64], val[256];
		ipt_word(opt, sizeof(opt), w[i], wl[i], false);
		if (eq(opt, "!")) {
			neg = true;
			i++;
			continue;
		}
		if (eq(opt, "-m") || eq(opt, "--match")) {
			i += 2;
			continue;
		}
		if (eq(opt, "--comment")) {
			i += 2;
			continue;
		}
		if (eq(opt, "-j") || eq(opt, "--jump") || eq(opt, "-g") || eq(opt, "--goto")) {
			char t[64];
			ipt_word(t, sizeof(t), i + 1 < n ? w[i + 1] : "", i + 1 < n ? wl[i + 1] : 0,
				 false);
			bool go = eq(opt, "-g") || eq(opt, "--goto");
			if (eq(t, "ACCEPT") || eq(t, "QUEUE") || eq(t, "NFQUEUE"))
				verdict = V_ACCEPT;
			else if (eq(t, "DROP") || eq(t, "REJECT"))
				verdict = V_DROP;
			else if (eq(t, "RETURN"))
				verdict = V_RETURN;
			else if (t[0] && conf_find(&st->conf, st->family, "filter", t) >= 0) {
				verdict = go ? V_GOTO : V_JUMP;
				snprintf(r->target, sizeof(r->target), "%s", t);
			} else if (go)
				verdict = V_GOTO; /* to a chain that does not exist: unknown */
			break; /* LOG, MARK and other extension targets do not end the chain */
		}
		bool has_val = i + 1 < n;
		ipt_word(val, sizeof(val), has_val ? w[i + 1] : "?", has_val ? wl[i + 1] : 1, false);
		struct acls a;
		memset(&a, 0, sizeof(a));
		a.fam = fam;
		a.neg = neg;
		a.sel = SEL_UNKNOWN;
		neg = false;
		size_t step = 2;
		bool ports = false, lower = false;
		if (eq(opt, "-i") || eq(opt, "--in-interface"))
			a.sel = SEL_IIF;
		else if (eq(opt, "-s") || eq(opt, "--source") || eq(opt, "--src-range"))
			a.sel = eq(opt, "--src-range") ? SEL_UNKNOWN : SEL_SADDR;
		else if (eq(opt, "-d") || eq(opt, "--destination"))
			a.sel = SEL_DADDR;
		else if (eq(opt, "-p") || eq(opt, "--protocol")) {
			a.sel = SEL_L4PROTO;
			lower = true;
		} else if (eq(opt, "--dport") || eq(opt, "--destination-port") ||
			   eq(opt, "--dports") || eq(opt, "--destination-ports")) {
			a.sel = SEL_DPORT;
			ports = true;
		} else if (eq(opt, "--sport") || eq(opt, "--source-port") || eq(opt, "--sports") ||
			   eq(opt, "--source-ports") || eq(opt, "--limit") ||
			   eq(opt, "--limit-burst") || eq(opt, "--tcp-flags") || eq(opt, "-o") ||
			   eq(opt, "--out-interface")) {
			a.sel = SEL_OPEN;
			step = eq(opt, "--tcp-flags") ? 3 : 2;
		} else if (eq(opt, "--syn") || eq(opt, "-f") || eq(opt, "--fragment")) {
			a.sel = SEL_OPEN;
			step = 1;
		} else if (eq(opt, "--icmp-type") || eq(opt, "--icmpv6-type"))
			a.sel = SEL_ICMP;
		else if (eq(opt, "--ctstate") || eq(opt, "--state")) {
			a.sel = SEL_CTSTATE;
			lower = true;
		} else if (eq(opt, "--ctstatus")) {
			a.sel = SEL_CTSTATUS;
			lower = true;
		} else if (eq(opt, "--pkt-type")) {
			a.sel = SEL_PKTTYPE;
			lower = true;
		} else if (eq(opt, "--dst-type")) {
			a.sel = SEL_FIBTYPE;
			lower = true;
		} else {
			/* an option this code does not read, with its arguments */
			for (step = 1; i + step < n && w[i + step][0] != '-' && w[i + step][0] != '!';
			     step++)
				;
		}
		if (lower)
			ipt_word(val, sizeof(val), has_val ? w[i + 1] : "?", has_val ? wl[i + 1] : 1,
				 true);
		if (a.sel != SEL_UNKNOWN && step > 1)
			ipt_atoms(&a, val, ports);
		unsigned f;
		int c = acls_result(&a, &f);
		char what[64];
		snprintf(what, sizeof(what), "%s", opt);
		acls_what(&a, c, what, sizeof(what));
		macc_add(&m, c, f, false, what);
		i += step;
	}
	r->verdict = (unsigned char)(verdict < 0 ? V_NONE : verdict);
	r->cond = m.cond;
	r->cls = m.narrow ? CLS_NARROW : m.unknown ? CLS_UNKNOWN : CLS_OPEN;
	r->fam = (unsigned char)m.fam;
	r->famonly = false;
	snprintf(r->why, sizeof(r->why), "%s", m.why);
}

static int ipt_line(const char *s, size_t len, int lineno, void *ud)
{
	struct ipt_state *st = ud;
	str_trim(&s, &len);
	if (len == 0 || s[0] == '#')
		return 0;
	if (s[0] == '*') {
		st->in_filter = len == 7 && memcmp(s, "*filter", 7) == 0;
		return 0;
	}
	if (weq(s, len, "COMMIT"))
		return 0;
	const char *w[256];
	size_t wl[256];
	size_t n = ipt_words(s, len, w, wl, 256), k = 0;
	if (n > 0 && w[0][0] == '[') /* iptables-save -c: "[packets:bytes] -A ..." */
		k = 1;
	if (s[0] == ':') {
		if (n < 2)
			return MAMORI_EPARSE;
		if (!st->in_filter)
			return 0;
		char name[64];
		ipt_word(name, sizeof(name), w[0] + 1, wl[0] - 1, false);
		long ci = conf_chain(&st->conf, 0, st->family, "filter", name, lineno);
		if (ci < 0)
			return (int)ci;
		struct fw_nft_chain *ch = &st->conf.chains[ci];
		ch->is_filter = true;
		ch->hook_input = eq(name, "INPUT");
		ch->policy_drop = weq(w[1], wl[1], "DROP");
		ch->line = lineno;
		return 0;
	}
	if (n < k + 2 || w[k][0] != '-')
		return MAMORI_EPARSE;
	bool ins = weq(w[k], wl[k], "-I") || weq(w[k], wl[k], "--insert");
	if (!st->in_filter || !(ins || weq(w[k], wl[k], "-A") || weq(w[k], wl[k], "--append")))
		return 0;
	char name[64];
	ipt_word(name, sizeof(name), w[k + 1], wl[k + 1], false);
	size_t i = k + 2;
	if (ins && i < n && c_isdigit((unsigned char)w[i][0])) {
		/* "-I CHAIN N": iptables-save never writes it; only the first place is read */
		long long pos;
		if (strn_to_ll(w[i], wl[i], 1, 1, &pos, NULL))
			return MAMORI_EPARSE;
		i++;
	}
	long ci = conf_chain(&st->conf, 0, st->family, "filter", name, lineno);
	if (ci < 0)
		return (int)ci;
	st->conf.chains[ci].is_filter = true;
	st->conf.chains[ci].hook_input = eq(name, "INPUT");
	int err = 0;
	struct fw_nft_rule *r = conf_rule(&st->conf, ci, ins, 0, lineno, &err);
	if (r == NULL) {
		st->err = err;
		return err;
	}
	struct sb b = {r->text, sizeof(r->text), 0};
	sb_printf(&b, "%.*s", (int)(len < 400 ? len : 400), s);
	ipt_classify(st, w, wl, n, i, r);
	return 0;
}

int fw_iptables_save_parse(const char *buf, size_t len, bool v6, struct fw_family_view *out,
			   int *bad_line)
{
	struct ipt_state *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return MAMORI_ENOMEM;
	st->family = v6 ? "ip6" : "ip";
	int r = for_each_line(buf, len, 1 << 16, ipt_line, st, bad_line);
	if (r == MAMORI_ETOOBIG && st->err == 0)
		r = MAMORI_EPARSE;
	if (r == 0) {
		struct fw_summary *sum = calloc(1, sizeof(*sum));
		int file, line;
		r = sum ? fw_nft_conf_summary(&st->conf, NULL, sum, &file, &line) : MAMORI_ENOMEM;
		if (r == 0) {
			*out = v6 ? sum->v6 : sum->v4;
			if (out->file < 0 && out->chain[0])
				out->line = line;
		}
		free(sum);
	}
	fw_nft_conf_free(&st->conf);
	free(st);
	return r;
}

/* ---- firewalld zone files ---- */

int fw_zone_target_parse(const char *buf, size_t len, char *target, size_t targetlen, int *line,
			 int *bad_line)
{
	int ln = 1;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			ln++;
		if (buf[i] != '<' || len - i < 6 || memcmp(buf + i + 1, "zone", 4) != 0 ||
		    !(c_isspace((unsigned char)buf[i + 5]) || buf[i + 5] == '>' ||
		      buf[i + 5] == '/'))
			continue;
		*line = ln;
		snprintf(target, targetlen, "default");
		size_t j = i + 5;
		while (j < len && buf[j] != '>') {
			if (buf[j] == '\n')
				ln++;
			if (len - j > 7 && memcmp(buf + j, "target", 6) == 0 &&
			    c_isspace((unsigned char)buf[j - 1])) {
				size_t k = j + 6;
				while (k < len && c_isspace((unsigned char)buf[k]))
					k++;
				if (k >= len || buf[k] != '=')
					break;
				k++;
				while (k < len && c_isspace((unsigned char)buf[k]))
					k++;
				if (k >= len || (buf[k] != '"' && buf[k] != '\''))
					break;
				char q = buf[k++];
				size_t e = k;
				while (e < len && buf[e] != q && buf[e] != '\n')
					e++;
				if (e >= len || buf[e] != q)
					break;
				snprintf(target, targetlen, "%.*s", (int)(e - k), buf + k);
				*line = ln;
				return 0;
			}
			j++;
		}
		if (j >= len || buf[j] != '>') {
			*bad_line = ln;
			return MAMORI_EPARSE;
		}
		return 0;
	}
	*bad_line = ln;
	return MAMORI_EPARSE;
}

/* ---- the probe ---- */

enum { TRI_UNK = -1, TRI_NO = 0, TRI_YES = 1 };
enum { F_ACTIVE, F_DENY4, F_DENY6, F_N };

/* One firewall's boot-time configuration, as far as it decides each fact. */
struct fw_cand {
	bool present;
	char backend[32];
	int val[F_N]; /* TRI_* */
	char src[F_N][256];
	int line[F_N];
	char text[F_N][900]; /* the note, or the reason when unknown */
};

static void cand_set(struct fw_cand *c, int i, int val, const char *src, int line, const char *fmt,
		     ...) __attribute__((format(printf, 6, 7)));
static void cand_set(struct fw_cand *c, int i, int val, const char *src, int line, const char *fmt,
		     ...)
{
	c->val[i] = val;
	snprintf(c->src[i], sizeof(c->src[i]), "%s", src ? src : "");
	c->line[i] = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->text[i], sizeof(c->text[i]), fmt, ap);
	va_end(ap);
}

struct kv_want {
	const char *key[3];
	char val[3][128];
	int line[3];
};

static int kv_want_fn(const char *key, const char *value, int line, void *ud)
{
	struct kv_want *w = ud;
	for (size_t i = 0; i < 3 && w->key[i]; i++)
		if (strcmp(key, w->key[i]) == 0) {
			snprintf(w->val[i], sizeof(w->val[i]), "%s", value);
			w->line[i] = line; /* the shell keeps the last assignment */
		}
	return 0;
}

/* Reads a KEY=value file. Returns 0, MAMORI_ENOENT, or another error with why set. */
static int read_kv(struct probe_ctx *ctx, const char *path, struct kv_want *w, char *why,
		   size_t whylen)
{
	char *buf;
	size_t len;
	int r = rootfs_read(ctx, path, 1u << 20, &buf, &len, why, whylen);
	if (r)
		return r;
	int bad = 0;
	r = kv_parse(buf, len, kv_want_fn, w, &bad);
	free(buf);
	if (r == MAMORI_EPARSE)
		snprintf(why, whylen, "%s:%d: malformed line (expected KEY=value)", path, bad);
	return r;
}

static int cand_ufw(struct probe_ctx *ctx, struct fw_cand *c)
{
	static const char conf[] = "/etc/ufw/ufw.conf", defs[] = "/etc/default/ufw";
	char why[512];
	struct kv_want w = {.key = {"ENABLED"}};
	int r = read_kv(ctx, conf, &w, why, sizeof(why));
	if (r == MAMORI_ENOENT)
		return 0;
	if (r == MAMORI_ENOMEM)
		return r;
	c->present = true;
	snprintf(c->backend, sizeof(c->backend), "ufw");
	if (r) {
		for (int i = 0; i < F_N; i++)
			cand_set(c, i, TRI_UNK, conf, 0, "%s", why);
		return 0;
	}
	char unit[512] = "";
	int en = unit_enabled(ctx, "ufw.service", unit, sizeof(unit));
	if (en < 0)
		return en;
	bool enabled = c_strcasecmp(w.val[0], "yes") == 0;
	if (enabled && en)
		cand_set(c, F_ACTIVE, TRI_YES, conf, w.line[0],
			 "ENABLED=yes and ufw.service enabled (%s)", unit);
	else if (enabled)
		cand_set(c, F_ACTIVE, TRI_NO, conf, w.line[0],
			 "ENABLED=yes, but ufw.service is not enabled: ufw does not start at boot");
	else
		cand_set(c, F_ACTIVE, TRI_NO, conf, w.line[0],
			 "ufw is installed but not enabled (ENABLED=%s)",
			 w.val[0][0] ? w.val[0] : "no");
	struct kv_want d = {.key = {"DEFAULT_INPUT_POLICY", "IPV6"}};
	r = read_kv(ctx, defs, &d, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r || d.val[0][0] == '\0') {
		if (r == 0)
			snprintf(why, sizeof(why), "%s sets no DEFAULT_INPUT_POLICY", defs);
		cand_set(c, F_DENY4, TRI_UNK, defs, 0, "%s", why);
		cand_set(c, F_DENY6, TRI_UNK, defs, 0, "%s", why);
		return 0;
	}
	bool deny = c_strcasecmp(d.val[0], "DROP") == 0 || c_strcasecmp(d.val[0], "REJECT") == 0;
	cand_set(c, F_DENY4, deny ? TRI_YES : TRI_NO, defs, d.line[0],
		 "ufw: DEFAULT_INPUT_POLICY=\"%s\"", d.val[0]);
	/* ufw filters IPv6 only with IPV6=yes (its default when the line is absent). */
	bool v6 = d.val[1][0] == '\0' || c_strcasecmp(d.val[1], "yes") == 0;
	if (!v6)
		cand_set(c, F_DENY6, TRI_NO, defs, d.line[1], "ufw: IPV6=%s, IPv6 is not filtered",
			 d.val[1]);
	else
		cand_set(c, F_DENY6, deny ? TRI_YES : TRI_NO, defs, d.line[0],
			 "ufw with IPV6=yes%s: DEFAULT_INPUT_POLICY=\"%s\"",
			 d.val[1][0] ? "" : " (default)", d.val[0]);
	return 0;
}

static int cand_firewalld(struct probe_ctx *ctx, struct fw_cand *c)
{
	static const char conf[] = "/etc/firewalld/firewalld.conf";
	if (!rootfs_exists(ctx, conf) && !rootfs_exists(ctx, "/usr/lib/firewalld/zones"))
		return 0;
	c->present = true;
	snprintf(c->backend, sizeof(c->backend), "firewalld");
	char unit[512] = "", why[512];
	int en = unit_enabled(ctx, "firewalld.service", unit, sizeof(unit));
	if (en < 0)
		return en;
	if (en)
		cand_set(c, F_ACTIVE, TRI_YES, unit, 0, "firewalld.service enabled");
	else
		cand_set(c, F_ACTIVE, TRI_NO, conf, 0,
			 "firewalld is installed but firewalld.service is not enabled");
	struct kv_want w = {.key = {"DefaultZone"}};
	int r = read_kv(ctx, conf, &w, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r && r != MAMORI_ENOENT) {
		cand_set(c, F_DENY4, TRI_UNK, conf, 0, "%s", why);
		cand_set(c, F_DENY6, TRI_UNK, conf, 0, "%s", why);
		return 0;
	}
	const char *zone = w.val[0][0] ? w.val[0] : "public";
	if (strchr(zone, '/') || strlen(zone) > 64) {
		cand_set(c, F_DENY4, TRI_UNK, conf, w.line[0], "%s:%d: invalid DefaultZone", conf,
			 w.line[0]);
		cand_set(c, F_DENY6, TRI_UNK, conf, w.line[0], "%s:%d: invalid DefaultZone", conf,
			 w.line[0]);
		return 0;
	}
	/* /etc overrides the packaged zone of the same name. */
	char target[64] = "", path[256] = "";
	int tline = 0, known = 0;
	static const char *const dirs[] = {"/etc/firewalld/zones", "/usr/lib/firewalld/zones"};
	for (size_t i = 0; i < 2 && !known; i++) {
		char *buf;
		size_t len;
		snprintf(path, sizeof(path), "%s/%s.xml", dirs[i], zone);
		r = rootfs_read(ctx, path, 1u << 20, &buf, &len, why, sizeof(why));
		if (r == MAMORI_ENOENT)
			continue;
		if (r == MAMORI_ENOMEM)
			return r;
		if (r == 0) {
			int bad = 0;
			r = fw_zone_target_parse(buf, len, target, sizeof(target), &tline, &bad);
			free(buf);
			if (r)
				snprintf(why, sizeof(why),
					 "%s:%d: malformed zone file (no <zone> element)", path,
					 bad);
		}
		known = r ? -1 : 1;
	}
	if (known == 0) {
		/* firewalld's built-in zones when no file is installed. */
		static const char *const builtin[][2] = {
		    {"block", "%%REJECT%%"}, {"dmz", "default"},    {"drop", "DROP"},
		    {"external", "default"}, {"home", "default"},   {"internal", "default"},
		    {"public", "default"},   {"trusted", "ACCEPT"}, {"work", "default"},
		    {"nm-shared", "ACCEPT"}};
		for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
			if (strcmp(zone, builtin[i][0]) == 0) {
				snprintf(target, sizeof(target), "%s", builtin[i][1]);
				known = 1;
				snprintf(path, sizeof(path), "%s", conf);
				tline = w.line[0];
			}
		if (!known)
			snprintf(why, sizeof(why), "default zone \"%s\" has no zone file", zone);
	}
	if (known != 1) {
		cand_set(c, F_DENY4, TRI_UNK, path, 0, "%s", why);
		cand_set(c, F_DENY6, TRI_UNK, path, 0, "%s", why);
		return 0;
	}
	/* Target "default" rejects what the zone does not allow; only ACCEPT lets all in. */
	bool deny = strcmp(target, "ACCEPT") != 0;
	for (int i = F_DENY4; i <= F_DENY6; i++)
		cand_set(c, i, deny ? TRI_YES : TRI_NO, path, tline,
			 "firewalld default zone \"%s\"%s, target %s", zone,
			 w.val[0][0] ? "" : " (default)", target);
	return 0;
}

#define NFT_MAX_FILES 32
#define NFT_MAX_INCLUDE_DEPTH 8

struct nft_files {
	struct probe_ctx *ctx;
	struct fw_nft_conf conf;
	char *names[NFT_MAX_FILES];
	size_t n;
	int depth;
	char why[512];
};

static int nft_file(struct nft_files *nf, const char *path);

static int nft_include(const char *path, int line, void *ud)
{
	struct nft_files *nf = ud;
	const char *parent = nf->names[nf->n - 1];
	char full[1024];
	/* nft looks up relative includes in its include path, /etc on Debian. */
	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "/etc/%s", path);
	if (nf->depth >= NFT_MAX_INCLUDE_DEPTH) {
		snprintf(nf->why, sizeof(nf->why), "%.400s:%d: includes nested deeper than %d",
			 parent, line, NFT_MAX_INCLUDE_DEPTH);
		return MAMORI_ETOOBIG;
	}
	char **paths;
	size_t n;
	int r = rootfs_glob(nf->ctx, full, &paths, &n);
	if (r)
		return r;
	if (n == 0 && strpbrk(full, "*?[") == NULL) {
		rootfs_names_free(paths);
		snprintf(nf->why, sizeof(nf->why), "%.200s:%d: included file %.250s not found",
			 parent, line, full);
		return MAMORI_ENOENT;
	}
	nf->depth++;
	for (size_t i = 0; i < n && r == 0; i++)
		r = nft_file(nf, paths[i]);
	nf->depth--;
	rootfs_names_free(paths);
	return r;
}

static int nft_file(struct nft_files *nf, const char *path)
{
	if (nf->n >= NFT_MAX_FILES) {
		snprintf(nf->why, sizeof(nf->why), "more than %d nftables files included",
			 NFT_MAX_FILES);
		return MAMORI_ETOOBIG;
	}
	char *buf;
	size_t len;
	int r = rootfs_read(nf->ctx, path, ROOTFS_MAX_FILE, &buf, &len, nf->why, sizeof(nf->why));
	if (r)
		return r;
	size_t id = nf->n;
	nf->names[nf->n++] = xstrdup(path);
	if (nf->names[id] == NULL) {
		free(buf);
		return MAMORI_ENOMEM;
	}
	int bad = 0;
	r = fw_nft_conf_parse(buf, len, (int)id, &nf->conf, nft_include, nf, &bad);
	free(buf);
	if (r == MAMORI_EPARSE || (r == MAMORI_ETOOBIG && bad > 0 && nf->why[0] == '\0'))
		snprintf(nf->why, sizeof(nf->why), "%s:%d: malformed nftables syntax", path, bad);
	return r;
}

static int cand_nftables(struct probe_ctx *ctx, struct fw_cand *c)
{
	static const char conf[] = "/etc/nftables.conf";
	if (!rootfs_exists(ctx, conf))
		return 0;
	c->present = true;
	snprintf(c->backend, sizeof(c->backend), "nftables");
	struct nft_files *nf = calloc(1, sizeof(*nf));
	if (nf == NULL)
		return MAMORI_ENOMEM;
	nf->ctx = ctx;
	int r = nft_file(nf, conf);
	if (r == MAMORI_ENOMEM)
		goto out;
	if (r) {
		for (int i = 0; i < F_N; i++)
			cand_set(c, i, TRI_UNK, conf, 0, "%s", nf->why);
		r = 0;
		goto out;
	}
	struct fw_summary s;
	int file, line;
	r = fw_nft_conf_summary(&nf->conf, (const char *const *)nf->names, &s, &file, &line);
	if (r)
		goto out;
	const char *src = file >= 0 ? nf->names[file] : conf;
	char unit[512] = "";
	r = unit_enabled(ctx, "nftables.service", unit, sizeof(unit));
	if (r < 0)
		goto out;
	bool filtered = s.v4.filtered || s.v6.filtered;
	if (r && filtered)
		cand_set(c, F_ACTIVE, TRI_YES, src, line, "nftables.service enabled (%s); %s: %s",
			 unit, s.v4.chain[0] ? s.v4.chain : s.v6.chain,
			 s.v4.chain[0] ? s.v4.how : s.v6.how);
	else if (r)
		cand_set(c, F_ACTIVE, TRI_NO, src, line,
			 "nftables.service enabled, but %s filters nothing on the input hook",
			 conf);
	else
		cand_set(c, F_ACTIVE, TRI_NO, conf, 0,
			 "nftables.service is not enabled: %s is not loaded at boot", conf);
	r = 0;
	for (int i = F_DENY4; i <= F_DENY6; i++) {
		const struct fw_family_view *v = i == F_DENY4 ? &s.v4 : &s.v6;
		cand_set(c, i,
			 v->deny      ? TRI_YES
			 : v->unknown ? TRI_UNK
				      : TRI_NO,
			 v->file >= 0 ? nf->names[v->file] : src, v->file >= 0 ? v->line : line,
			 "%s%s%s",
			 v->chain[0]	? v->chain
			 : i == F_DENY4 ? "no IPv4 input chain"
					: "no IPv6 (ip6 or inet) input chain",
			 v->chain[0] ? ": " : "", v->how);
	}
out:
	fw_nft_conf_free(&nf->conf);
	for (size_t i = 0; i < nf->n; i++)
		free(nf->names[i]);
	free(nf);
	return r;
}

static int ipt_file(struct probe_ctx *ctx, struct fw_cand *c, int i, const char *path)
{
	char *buf, why[512];
	size_t len;
	int r = rootfs_read(ctx, path, ROOTFS_MAX_FILE, &buf, &len, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r == MAMORI_ENOENT) {
		cand_set(c, i, TRI_NO, path, 0, "%s not found: %s is not filtered", path,
			 i == F_DENY4 ? "IPv4" : "IPv6");
		return 0;
	}
	if (r) {
		cand_set(c, i, TRI_UNK, path, 0, "%s", why);
		return 0;
	}
	struct fw_family_view *v = calloc(1, sizeof(*v));
	int bad = 0;
	if (v == NULL) {
		free(buf);
		return MAMORI_ENOMEM;
	}
	r = fw_iptables_save_parse(buf, len, i == F_DENY6, v, &bad);
	free(buf);
	if (r) {
		if (r == MAMORI_ETOOBIG)
			cand_set(c, i, TRI_UNK, path, bad, "%s:%d: more rules or chains than are read",
				 path, bad);
		else
			cand_set(c, i, TRI_UNK, path, bad,
				 "%s:%d: malformed line (iptables-save format)", path, bad);
		free(v);
		return r == MAMORI_ENOMEM ? r : 0;
	}
	const char *what = v->deny	   ? "drops what no rule accepts"
			   : v->unknown	   ? "may let traffic in"
			   : !v->filtered ? "is empty and accepts everything"
					  : "lets in what no rule refuses";
	cand_set(c, i, v->deny ? TRI_YES : v->unknown ? TRI_UNK : TRI_NO, path, v->line,
		 "filter table INPUT chain %s%s%s", what, v->how[0] ? ": " : "", v->how);
	free(v);
	return 0;
}

static int cand_iptables(struct probe_ctx *ctx, struct fw_cand *c)
{
	static const char v4[] = "/etc/iptables/rules.v4", v6[] = "/etc/iptables/rules.v6";
	if (!rootfs_exists(ctx, v4) && !rootfs_exists(ctx, v6))
		return 0;
	c->present = true;
	snprintf(c->backend, sizeof(c->backend), "iptables-persistent");
	int r = ipt_file(ctx, c, F_DENY4, v4);
	if (r == 0)
		r = ipt_file(ctx, c, F_DENY6, v6);
	if (r)
		return r;
	char unit[512] = "";
	int en = unit_enabled(ctx, "netfilter-persistent.service", unit, sizeof(unit));
	if (en < 0)
		return en;
	if (en)
		cand_set(c, F_ACTIVE, TRI_YES, unit, 0,
			 "netfilter-persistent.service enabled: loads %s at boot", v4);
	else
		cand_set(c, F_ACTIVE, TRI_NO, v4, 0,
			 "netfilter-persistent.service is not enabled: the saved rules are not "
			 "loaded at boot");
	return 0;
}

static int put_tri(struct probe_ctx *ctx, const char *name, const struct fw_cand *c, int i,
		   const char *prefix)
{
	char note[1600];
	if (c->val[i] == TRI_UNK)
		return facts_put_unknown(ctx->facts, name, c->src[i], c->line[i], "%s%s", prefix,
					 c->text[i]);
	snprintf(note, sizeof(note), "%s%s", prefix, c->text[i]);
	return facts_put_bool(ctx->facts, name, c->val[i] == TRI_YES, c->src[i], c->line[i], note);
}

/* Decides from the boot-time configuration; nolive says why the live ruleset was not used. */
static int fw_from_config(struct probe_ctx *ctx, const char *nolive)
{
	static const char *const names[F_N] = {"firewall.active", "firewall.inbound_default_deny",
					       "firewall.ipv6_covered"};
	struct fw_cand cands[4];
	memset(cands, 0, sizeof(cands));
	int (*const fns[4])(struct probe_ctx *, struct fw_cand *) = {cand_ufw, cand_firewalld,
								     cand_nftables, cand_iptables};
	for (size_t i = 0; i < 4; i++) {
		int r = fns[i](ctx, &cands[i]);
		if (r)
			return r;
	}
	char prefix[640];
	snprintf(prefix, sizeof(prefix), "from configuration (%s): ", nolive);
	const struct fw_cand *pick = NULL, *first = NULL;
	bool unk_active = false;
	for (size_t i = 0; i < 4; i++) {
		if (!cands[i].present)
			continue;
		if (first == NULL)
			first = &cands[i];
		if (cands[i].val[F_ACTIVE] == TRI_UNK)
			unk_active = true;
		if (cands[i].val[F_ACTIVE] == TRI_YES &&
		    (pick == NULL ||
		     (pick->val[F_DENY4] != TRI_YES && cands[i].val[F_DENY4] == TRI_YES)))
			pick = &cands[i];
	}
	int r = 0;
	if (first == NULL) {
		for (int i = 0; i < F_N && r == 0; i++)
			r = facts_put_unknown(
			    ctx->facts, names[i], NULL, 0,
			    "%s, and no firewall configuration was found (ufw, "
			    "firewalld, /etc/nftables.conf, /etc/iptables/rules.v4)",
			    nolive);
		if (r == 0)
			r = facts_put_unknown(ctx->facts, "firewall.backend", NULL, 0, "%s",
					      nolive);
		if (r == 0)
			r = facts_put_unknown(ctx->facts, "firewall.source", NULL, 0, "%s", nolive);
		return r;
	}
	if (pick == NULL) {
		/* Nothing that loads at boot: no filtering, unless a state is unknown. */
		const struct fw_cand *a = first;
		for (size_t i = 0; i < 4 && unk_active; i++)
			if (cands[i].present && cands[i].val[F_ACTIVE] == TRI_UNK)
				a = &cands[i];
		r = put_tri(ctx, names[F_ACTIVE], a, F_ACTIVE, prefix);
		for (int i = F_DENY4; i <= F_DENY6 && r == 0; i++) {
			if (unk_active)
				r = facts_put_unknown(
				    ctx->facts, names[i], first->src[F_ACTIVE], 0,
				    "%swhether the firewall is enabled is unknown", prefix);
			else
				r = facts_put_bool(
				    ctx->facts, names[i], false, first->src[F_ACTIVE],
				    first->line[F_ACTIVE],
				    "no firewall is enabled at boot (from configuration)");
		}
		if (r == 0)
			r = facts_put_str(ctx->facts, "firewall.backend", "none", NULL, 0,
					  "no firewall enabled in the configuration");
		if (r == 0)
			r = facts_put_str(ctx->facts, "firewall.source", first->src[F_ACTIVE], 0, 0,
					  prefix);
		return r;
	}
	r = put_tri(ctx, names[F_ACTIVE], pick, F_ACTIVE, prefix);
	for (int i = F_DENY4; i <= F_DENY6 && r == 0; i++) {
		/* Every enabled firewall filters the packet; one that denies is enough. */
		const struct fw_cand *d = pick;
		for (size_t k = 0; k < 4; k++)
			if (cands[k].val[F_ACTIVE] == TRI_YES && cands[k].val[i] == TRI_YES &&
			    d->val[i] != TRI_YES)
				d = &cands[k];
		r = put_tri(ctx, names[i], d, i, prefix);
	}
	if (r == 0)
		r = facts_put_str(ctx->facts, "firewall.backend", pick->backend,
				  pick->src[F_ACTIVE], pick->line[F_ACTIVE], prefix);
	if (r == 0)
		r = facts_put_str(ctx->facts, "firewall.source",
				  pick->src[F_DENY4][0] ? pick->src[F_DENY4] : pick->src[F_ACTIVE],
				  0, 0, prefix);
	return r;
}

static int fw_from_live(struct probe_ctx *ctx, const struct fw_summary *s)
{
	static const char src[] = "live nftables ruleset";
	char note[1024];
	bool active = s->v4.filtered || s->v6.filtered;
	if (active)
		snprintf(note, sizeof(note), "%zu input-hook filter chain(s); %s: %s",
			 s->input_chains, s->v4.chain[0] ? s->v4.chain : s->v6.chain,
			 s->v4.chain[0] ? s->v4.how : s->v6.how);
	else if (s->input_chains)
		snprintf(note, sizeof(note),
			 "input-hook chains have no rules and accept everything (%s)",
			 s->v4.chain[0] ? s->v4.chain : s->v6.chain);
	else
		snprintf(note, sizeof(note), "no input-hook filter chain in the ruleset");
	int r = facts_put_bool(ctx->facts, "firewall.active", active, src, 0, note);
	if (r)
		return r;
	if (s->v4.chain[0])
		snprintf(note, sizeof(note), "%s: %s", s->v4.chain, s->v4.how);
	else
		snprintf(note, sizeof(note), "no IPv4 (ip or inet family) input chain");
	if (s->v4.unknown && !s->v4.deny)
		r = facts_put_unknown(ctx->facts, "firewall.inbound_default_deny", src, 0, "%s",
				      note);
	else
		r = facts_put_bool(ctx->facts, "firewall.inbound_default_deny", s->v4.deny, src, 0,
				   note);
	if (r)
		return r;
	bool v6 = s->v6.deny, v6unk = s->v6.unknown && !s->v6.deny;
	if (s->v6.chain[0])
		snprintf(note, sizeof(note), "%s: %s", s->v6.chain, s->v6.how);
	else if (s->v4.filtered)
		snprintf(note, sizeof(note),
			 "only ip (IPv4) family chains filter input: IPv6 traffic is not filtered");
	else
		snprintf(note, sizeof(note), "no IPv6 (ip6 or inet family) input chain");
	if (!v6 && ctx->live && !rootfs_exists(ctx, "/proc/net/if_inet6")) {
		v6 = true;
		v6unk = false;
		snprintf(note, sizeof(note),
			 "IPv6 is disabled in the kernel (no /proc/net/if_inet6)");
	}
	if (v6unk)
		r = facts_put_unknown(ctx->facts, "firewall.ipv6_covered", src, 0, "%s", note);
	else
		r = facts_put_bool(ctx->facts, "firewall.ipv6_covered", v6, src, 0, note);
	if (r == 0)
		r = facts_put_str(ctx->facts, "firewall.backend", s->backend, src, 0, NULL);
	if (r == 0)
		r = facts_put_str(ctx->facts, "firewall.source", src, NULL, 0, NULL);
	return r;
}

/* Legacy iptables (x_tables) rules never show in the nftables ruleset. */
static bool legacy_tables_loaded(struct probe_ctx *ctx)
{
	static const char *const p[] = {"/proc/net/ip_tables_names", "/proc/net/ip6_tables_names"};
	for (size_t i = 0; i < 2; i++) {
		char *buf, why[256];
		size_t len;
		if (rootfs_read(ctx, p[i], 4096, &buf, &len, why, sizeof(why)))
			continue;
		bool filter = strstr(buf, "filter") != NULL;
		free(buf);
		if (filter)
			return true;
	}
	return false;
}

int probe_firewall_collect(struct probe_ctx *ctx)
{
	char why[512] = "";
	if (ctx->sys == NULL || ctx->sys->nft_ruleset_json == NULL) {
		snprintf(why, sizeof(why), "no live ruleset: %s is audited as an image", ctx->root);
		return fw_from_config(ctx, why);
	}
	char *json = NULL;
	size_t len = 0;
	int r = ctx->sys->nft_ruleset_json(ctx->sys->ud, &json, &len, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r)
		return fw_from_config(ctx, why);
	struct fw_summary s;
	char pwhy[400];
	r = fw_nft_json_parse(json, len, &s, pwhy, sizeof(pwhy));
	free(json);
	if (r == MAMORI_ENOMEM)
		return r;
	if (r) {
		snprintf(why, sizeof(why), "nftables ruleset: %s", pwhy);
		return fw_from_config(ctx, why);
	}
	if (!(s.v4.deny && s.v6.deny) && ctx->live && legacy_tables_loaded(ctx))
		return fw_from_config(ctx, "legacy iptables tables are loaded "
					   "(/proc/net/ip_tables_names) and not visible in the "
					   "nftables ruleset");
	return fw_from_live(ctx, &s);
}
