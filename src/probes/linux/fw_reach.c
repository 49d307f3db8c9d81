/* SPDX-License-Identifier: Apache-2.0 */
/* fw_reach: walks the live nftables ruleset as the kernel would for one NEW TCP/UDP packet
 * from a LAN neighbour to this PC, and says whether it gets in. Three-valued: a match this
 * code cannot evaluate splits the walk into "it matches" and "it does not", and the verdict
 * is only known when every branch ends the same way; otherwise the rule is named. */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "probes/linux/firewall.h"
#include "probes/linux/fw_reach.h"

#define FAM_V4 1u
#define FAM_V6 2u
#define HOOK_PRE 1
#define HOOK_INPUT 2
/* Conntrack attaches to a packet at this prerouting priority (NF_IP_PRI_CONNTRACK). */
#define PRIO_CONNTRACK (-200)

enum tri { T_FALSE, T_TRUE, T_UNK };

struct wchain {
	const char *family, *table, *name;
	unsigned fam;
	int hook; /* 0: a regular chain, or a base chain this code does not walk */
	long long prio;
	bool policy_drop;
	size_t first, n; /* the chain's rules: rs->rules[first .. first + n) */
};

struct wrule {
	size_t chain;
	size_t seq;
	long long handle;
	const json_t *expr;
};

struct wset {
	const char *family, *table, *name;
	const json_t *elem;
};

struct fwr_ruleset {
	json_t *root;
	struct wchain *chains; /* sorted by family, table, name */
	size_t nchains;
	struct wrule *rules; /* sorted by chain, then order in the ruleset */
	size_t nrules;
	struct wset *sets; /* sorted like chains; maps too */
	size_t nsets;
	size_t *base; /* the walked base chains, by hook then priority */
	size_t nbase;
};

const char *fwr_verdict_name(enum fwr_verdict v)
{
	return v == FWR_BLOCKED ? "blocked" : v == FWR_OPEN ? "open" : "unknown";
}

static bool eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Whether the table has the dormant flag ("flags": "dormant" or ["dormant", ...]). */
static bool table_dormant(const json_t *arr, const char *family, const char *name)
{
	size_t i;
	const json_t *it;
	json_array_foreach(arr, i, it)
	{
		const json_t *t = json_object_get(it, "table");
		if (t == NULL || !eq(jstr(t, "family"), family) || !eq(jstr(t, "name"), name))
			continue;
		const json_t *fl = json_object_get(t, "flags");
		if (eq(json_string_value(fl), "dormant"))
			return true;
		size_t k;
		const json_t *f;
		json_array_foreach(fl, k, f) if (eq(json_string_value(f), "dormant")) return true;
	}
	return false;
}

static unsigned fam_of(const char *f)
{
	return eq(f, "ip") ? FAM_V4 : eq(f, "ip6") ? FAM_V6 : eq(f, "inet") ? FAM_V4 | FAM_V6 : 0;
}

static int cmp3(const char *af, const char *at, const char *an, const char *bf, const char *bt,
		const char *bn)
{
	int c = strcmp(af, bf);
	if (c == 0)
		c = strcmp(at, bt);
	return c ? c : strcmp(an, bn);
}

static int cmp_chain(const void *a, const void *b)
{
	const struct wchain *x = a, *y = b;
	return cmp3(x->family, x->table, x->name, y->family, y->table, y->name);
}

static int cmp_set(const void *a, const void *b)
{
	const struct wset *x = a, *y = b;
	return cmp3(x->family, x->table, x->name, y->family, y->table, y->name);
}

static int cmp_rule(const void *a, const void *b)
{
	const struct wrule *x = a, *y = b;
	if (x->chain != y->chain)
		return x->chain < y->chain ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static long find_chain(const struct fwr_ruleset *rs, const char *f, const char *t, const char *n)
{
	size_t lo = 0, hi = rs->nchains;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct wchain *c = &rs->chains[mid];
		int r = cmp3(f, t, n, c->family, c->table, c->name);
		if (r == 0)
			return (long)mid;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static const struct wset *find_set(const struct fwr_ruleset *rs, const char *f, const char *t,
				   const char *n)
{
	size_t lo = 0, hi = rs->nsets;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct wset *s = &rs->sets[mid];
		int r = cmp3(f, t, n, s->family, s->table, s->name);
		if (r == 0)
			return s;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* A base chain with what orders it (qsort has no context argument). */
struct base_key {
	const struct wchain *c;
	size_t idx;
};

static int cmp_base(const void *a, const void *b)
{
	const struct wchain *x = ((const struct base_key *)a)->c;
	const struct wchain *y = ((const struct base_key *)b)->c;
	if (x->hook != y->hook)
		return x->hook < y->hook ? -1 : 1;
	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return cmp_chain(x, y);
}

void fwr_free(struct fwr_ruleset *rs)
{
	if (rs == NULL)
		return;
	json_decref(rs->root);
	free(rs->chains);
	free(rs->rules);
	free(rs->sets);
	free(rs->base);
	free(rs);
}

static int load_objects(struct fwr_ruleset *rs, const json_t *arr, char *why, size_t whylen)
{
	size_t n = json_array_size(arr), i, nch = 0, nru = 0, nse = 0;
	const json_t *it;
	if (n > FWR_MAX_OBJECTS) {
		snprintf(why, whylen, "more than %u objects", FWR_MAX_OBJECTS);
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
		nse += json_object_get(it, "set") != NULL || json_object_get(it, "map") != NULL;
	}
	rs->chains = calloc(nch ? nch : 1, sizeof(*rs->chains));
	rs->rules = calloc(nru ? nru : 1, sizeof(*rs->rules));
	rs->sets = calloc(nse ? nse : 1, sizeof(*rs->sets));
	rs->base = calloc(nch ? nch : 1, sizeof(*rs->base));
	if (!rs->chains || !rs->rules || !rs->sets || !rs->base)
		return MAMORI_ENOMEM;
	json_array_foreach(arr, i, it)
	{
		const json_t *c = json_object_get(it, "chain");
		const json_t *s = json_object_get(it, "set");
		if (s == NULL)
			s = json_object_get(it, "map");
		if (s) {
			struct wset *w = &rs->sets[rs->nsets];
			w->family = jstr(s, "family");
			w->table = jstr(s, "table");
			w->name = jstr(s, "name");
			w->elem = json_object_get(s, "elem");
			if (w->family && w->table && w->name)
				rs->nsets++;
		}
		if (c == NULL)
			continue;
		struct wchain *ch = &rs->chains[rs->nchains];
		ch->family = jstr(c, "family");
		ch->table = jstr(c, "table");
		ch->name = jstr(c, "name");
		if (!ch->family || !ch->table || !ch->name) {
			snprintf(why, whylen, "chain (element %zu) lacks family, table or name", i);
			return MAMORI_EPARSE;
		}
		ch->fam = fam_of(ch->family);
		const char *type = jstr(c, "type"), *hook = jstr(c, "hook");
		/* A dormant table's chains are not attached to their hooks. */
		if (ch->fam && (eq(type, "filter") || eq(type, "nat")) &&
		    !table_dormant(arr, ch->family, ch->table))
			ch->hook = eq(hook, "prerouting") ? HOOK_PRE
				   : eq(hook, "input")	  ? HOOK_INPUT
							  : 0;
		const json_t *prio = json_object_get(c, "prio");
		ch->prio = json_is_integer(prio) ? (long long)json_integer_value(prio) : 0;
		ch->policy_drop = eq(jstr(c, "policy"), "drop");
		rs->nchains++;
	}
	/* qsort may not be given NULL, which an empty array can be */
	if (rs->nchains > 1)
		qsort(rs->chains, rs->nchains, sizeof(*rs->chains), cmp_chain);
	if (rs->nsets > 1)
		qsort(rs->sets, rs->nsets, sizeof(*rs->sets), cmp_set);
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
		long ci = find_chain(rs, f, t, c);
		if (ci < 0) {
			snprintf(why, whylen,
				 "rule (element %zu) of an undeclared chain %.60s %.60s %.60s", i,
				 f, t, c);
			return MAMORI_EPARSE;
		}
		struct wrule *w = &rs->rules[rs->nrules++];
		w->chain = (size_t)ci;
		w->seq = i;
		w->expr = expr;
		const json_t *h = json_object_get(r, "handle");
		w->handle = json_is_integer(h) ? (long long)json_integer_value(h) : -1;
	}
	if (rs->nrules > 1)
		qsort(rs->rules, rs->nrules, sizeof(*rs->rules), cmp_rule);
	for (size_t k = 0; k < rs->nrules;) {
		struct wchain *ch = &rs->chains[rs->rules[k].chain];
		ch->first = k;
		while (k < rs->nrules && &rs->chains[rs->rules[k].chain] == ch) {
			ch->n++;
			k++;
		}
	}
	struct base_key *keys = calloc(rs->nchains ? rs->nchains : 1, sizeof(*keys));
	if (keys == NULL)
		return MAMORI_ENOMEM;
	for (size_t k = 0; k < rs->nchains; k++)
		if (rs->chains[k].hook)
			keys[rs->nbase++] = (struct base_key){&rs->chains[k], k};
	if (rs->nbase > 1)
		qsort(keys, rs->nbase, sizeof(*keys), cmp_base);
	for (size_t k = 0; k < rs->nbase; k++)
		rs->base[k] = keys[k].idx;
	free(keys);
	return 0;
}

int fwr_load(const char *buf, size_t len, struct fwr_ruleset **out, char *why, size_t whylen)
{
	json_t *root;
	const json_t *arr;
	int lr = fw_nft_json_load(buf, len, FWR_JSON_MAX, &root, &arr, why, whylen);
	if (lr)
		return lr;
	struct fwr_ruleset *rs = calloc(1, sizeof(*rs));
	if (rs == NULL) {
		json_decref(root);
		return MAMORI_ENOMEM;
	}
	rs->root = root;
	int r = load_objects(rs, arr, why, whylen);
	if (r) {
		fwr_free(rs);
		return r;
	}
	*out = rs;
	return 0;
}

size_t fwr_base_chains(const struct fwr_ruleset *rs, int family)
{
	unsigned fb = family == 6 ? FAM_V6 : FAM_V4;
	size_t n = 0;
	for (size_t i = 0; i < rs->nbase; i++)
		n += (rs->chains[rs->base[i]].fam & fb) != 0;
	return n;
}

/* ---- what the packet looks like to each selector ---- */

enum sel {
	S_UNK,	    /* cannot be evaluated */
	S_FALSE,    /* never holds for this packet (icmp type, an unrelated header) */
	S_IIFNAME,  /* meta iifname, meta iif */
	S_NFPROTO,  /* meta nfproto */
	S_ETHPROTO, /* meta protocol */
	S_L4PROTO,  /* meta l4proto, ip protocol, ip6 nexthdr */
	S_SADDR,    /* ip/ip6 saddr (family checked) */
	S_DADDR,    /* ip/ip6 daddr */
	S_DPORT,    /* tcp/udp/th dport */
	S_CTSTATE,  /* ct state */
	S_CTSTATUS, /* ct status */
	S_CTDIR,    /* ct direction */
	S_PKTTYPE,  /* meta pkttype */
	S_FIBTYPE,  /* fib daddr [. iif] type */
	S_FIBOIF,   /* fib saddr [. mark] [. iif] oif/oifname: the reverse path */
	S_ETHSADDR, /* ether saddr */
};

struct ev {
	const struct fwr_ruleset *rs;
	const struct fwr_packet *p;
	const struct wchain *base;
	bool before_ct; /* the base chain runs before conntrack: ct state is "invalid" */
	size_t steps;
	unsigned bits; /* 1: accept, 2: drop, 4: unknown */
	char why[3][320];
	char cause[320]; /* the first unevaluable match that split the walk */
	char what[96];	 /* set by the evaluators: what could not be evaluated */
	char rewrite[200]; /* a path met a statement that may rewrite or divert the packet */
};

#define OUT_ACCEPT 1u
#define OUT_DROP 2u
#define OUT_UNK 4u

/* Notes what could not be evaluated (the first thing only): a, b, c (b may be NULL). */
static void set_what(struct ev *ev, const char *a, const char *b, const char *c)
{
	if (ev->what[0] == '\0')
		snprintf(ev->what, sizeof(ev->what), "%s%.60s%s", a, b ? b : "?", c);
}

/* The selector of a match's left side; sets what it is for the evidence. */
static enum sel selector(struct ev *ev, const json_t *left)
{
	const struct fwr_packet *p = ev->p;
	const json_t *x;
	if ((x = json_object_get(left, "meta")) != NULL) {
		const char *k = jstr(x, "key");
		if (eq(k, "iifname") || eq(k, "iif"))
			return S_IIFNAME;
		if (eq(k, "nfproto"))
			return S_NFPROTO;
		if (eq(k, "protocol"))
			return S_ETHPROTO;
		if (eq(k, "l4proto"))
			return S_L4PROTO;
		if (eq(k, "pkttype"))
			return S_PKTTYPE;
		set_what(ev, "meta ", k, "");
		return S_UNK;
	}
	if ((x = json_object_get(left, "payload")) != NULL) {
		const char *proto = jstr(x, "protocol"), *field = jstr(x, "field");
		static const char *const other_l4[] = {"icmp",	  "icmpv6", "igmp", "sctp", "dccp",
						       "udplite", "esp",    "ah",   "comp", NULL};
		if (proto == NULL || field == NULL) {
			set_what(ev, "", "a raw payload expression", "");
			return S_UNK;
		}
		for (size_t i = 0; other_l4[i]; i++)
			if (eq(proto, other_l4[i]))
				return S_FALSE; /* nft adds the l4proto dependency */
		if (eq(proto, "ip") || eq(proto, "ip6")) {
			if ((eq(proto, "ip") ? 4 : 6) != p->family)
				return S_FALSE;
			if (eq(field, "saddr"))
				return S_SADDR;
			if (eq(field, "daddr"))
				return S_DADDR;
			if (eq(field, "protocol") || eq(field, "nexthdr"))
				return S_L4PROTO;
			set_what(ev, "", field, " header field");
			return S_UNK;
		}
		if (eq(proto, "tcp") || eq(proto, "udp") || eq(proto, "th")) {
			int want = eq(proto, "tcp") ? 6 : eq(proto, "udp") ? 17 : 0;
			if (want && want != p->l4proto)
				return S_FALSE;
			if (eq(field, "dport"))
				return S_DPORT;
			set_what(ev, "transport header ", field, "");
			return S_UNK;
		}
		if (eq(proto, "ether") && eq(field, "saddr"))
			return S_ETHSADDR;
		set_what(ev, "", proto, " header");
		return S_UNK;
	}
	if ((x = json_object_get(left, "ct")) != NULL) {
		const char *k = jstr(x, "key");
		/* Before conntrack there is no entry: the kernel reads "invalid" for ct state
		 * and stops the rule (no match, whatever the operator) for any other key. */
		if (eq(k, "state"))
			return S_CTSTATE;
		if (ev->before_ct)
			return S_FALSE;
		if (json_object_get(x, "dir") != NULL) {
			set_what(ev, "ct ", k, " with a direction");
			return S_UNK;
		}
		if (eq(k, "status"))
			return S_CTSTATUS;
		if (eq(k, "direction"))
			return S_CTDIR;
		set_what(ev, "ct ", k, "");
		return S_UNK;
	}
	if ((x = json_object_get(left, "fib")) != NULL) {
		const char *res = jstr(x, "result");
		const json_t *fl = json_object_get(x, "flags");
		bool saddr = false, daddr = false, other = false;
		size_t i;
		const json_t *f;
		size_t nfl = json_is_array(fl) ? json_array_size(fl) : 1;
		for (i = 0; i < nfl && nfl <= 8; i++) {
			/* one flag may be printed as a plain string */
			f = json_is_array(fl) ? json_array_get(fl, i) : fl;
			const char *s = json_string_value(f);
			if (eq(s, "saddr"))
				saddr = true;
			else if (eq(s, "daddr"))
				daddr = true;
			else if (!eq(s, "iif") && !eq(s, "mark"))
				other = true;
		}
		other |= nfl > 8;
		if (!other && daddr && !saddr && eq(res, "type"))
			return S_FIBTYPE;
		if (!other && saddr && !daddr && (eq(res, "oif") || eq(res, "oifname")))
			return S_FIBOIF;
		set_what(ev, "fib ", res, " lookup");
		return S_UNK;
	}
	if (json_object_get(left, "concat"))
		set_what(ev, "", "a concatenation", "");
	else if (json_object_get(left, "&") || json_object_get(left, "|") ||
		 json_object_get(left, "^") || json_object_get(left, "<<") ||
		 json_object_get(left, ">>"))
		set_what(ev, "", "a bitwise expression", "");
	else {
		const char *k = json_is_object(left)
				    ? json_object_iter_key(json_object_iter((json_t *)left))
				    : NULL;
		set_what(ev, "", k ? k : "an expression", "");
	}
	return S_UNK;
}

/* ---- one value of a match's right side against the packet ---- */

static enum tri tri_not(enum tri t)
{
	return t == T_UNK ? T_UNK : t == T_TRUE ? T_FALSE : T_TRUE;
}

static bool parse_port(const json_t *v, long long *out)
{
	if (json_is_integer(v)) {
		*out = (long long)json_integer_value(v);
		return *out >= 0 && *out <= 65535;
	}
	const char *s = json_string_value(v);
	return s && str_to_ll(s, 0, 65535, out, NULL) == 0;
}

static bool parse_addr(const json_t *v, int family, unsigned char out[16])
{
	const char *s = json_string_value(v);
	if (s == NULL || strlen(s) >= 64)
		return false;
	return inet_pton(family == 4 ? AF_INET : AF_INET6, s, out) == 1;
}

static bool parse_mac(const char *s, unsigned char out[6])
{
	if (s == NULL || strlen(s) != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			int c = c_tolower((unsigned char)s[i * 3 + k]);
			if (c_isdigit(c))
				v = v * 16 + (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v = v * 16 + (unsigned)(c - 'a' + 10);
			else
				return false;
		}
		if (i < 5 && s[i * 3 + 2] != ':')
			return false;
		out[i] = (unsigned char)v;
	}
	return true;
}

static bool prefix_match(const unsigned char *a, const unsigned char *net, long long len)
{
	size_t full = (size_t)len / 8;
	unsigned rem = (unsigned)(len % 8);
	if (memcmp(a, net, full) != 0)
		return false;
	if (rem == 0)
		return true;
	unsigned char mask = (unsigned char)(0xffu << (8 - rem));
	return (a[full] & mask) == (net[full] & mask);
}

/* The packet's own value for a selector, as a string where names are compared. */
static const char *pkt_name(const struct ev *ev, enum sel s)
{
	const struct fwr_packet *p = ev->p;
	switch (s) {
	case S_IIFNAME:
		return p->iifname ? p->iifname : "";
	case S_NFPROTO:
		return p->family == 4 ? "ipv4" : "ipv6";
	case S_ETHPROTO:
		return p->family == 4 ? "ip" : "ip6";
	case S_CTSTATE:
		return ev->before_ct ? "invalid" : "new";
	case S_CTDIR:
		return "original";
	case S_PKTTYPE:
		return "host";
	case S_FIBTYPE:
		return "local";
	default:
		return NULL;
	}
}

/* Known names of each selector: a name outside the list cannot be judged. */
static bool known_name(enum sel s, const char *v)
{
	static const char *const states[] = {"new",	"established", "related",
					     "invalid", "untracked",   NULL};
	static const char *const statuses[] = {"expected", "seen-reply", "assured", "confirmed",
					       "snat",	   "dnat",	 "dying",   NULL};
	static const char *const ptypes[] = {"host",	  "unicast", "broadcast",
					     "multicast", "other",   NULL};
	static const char *const ftypes[] = {
	    "unspec",	   "unicast",  "local", "broadcast", "anycast",	 "multicast", "blackhole",
	    "unreachable", "prohibit", "throw", "nat",	     "xresolve", NULL};
	const char *const *l = s == S_CTSTATE	 ? states
			       : s == S_CTSTATUS ? statuses
			       : s == S_PKTTYPE	 ? ptypes
			       : s == S_FIBTYPE	 ? ftypes
						 : NULL;
	if (l == NULL)
		return true;
	for (size_t i = 0; l[i]; i++)
		if (eq(v, l[i]))
			return true;
	return false;
}

/* A name with nft's trailing-wildcard form ("eth*") against the packet's interface. */
static bool ifname_match(const char *pat, const char *name)
{
	size_t l = strlen(pat);
	if (l && pat[l - 1] == '*' && (l < 2 || pat[l - 2] != '\\'))
		return strncmp(pat, name, l - 1) == 0;
	return strcmp(pat, name) == 0;
}

static enum tri elem_match(struct ev *ev, enum sel s, const json_t *v, const char *fam,
			   const char *table, int depth);

/* Whether any element of an array (a set's elements) matches. */
static enum tri any_match(struct ev *ev, enum sel s, const json_t *arr, const char *fam,
			  const char *table, int depth)
{
	size_t i;
	const json_t *e;
	enum tri r = T_FALSE;
	if (!json_is_array(arr)) {
		set_what(ev, "", "a malformed set", "");
		return T_UNK;
	}
	json_array_foreach(arr, i, e)
	{
		enum tri t = elem_match(ev, s, e, fam, table, depth + 1);
		if (t == T_TRUE)
			return T_TRUE;
		if (t == T_UNK)
			r = T_UNK;
	}
	return r;
}

static int l4_number(const json_t *v, bool *other)
{
	long long n;
	const char *s = json_string_value(v);
	*other = false;
	if (json_is_integer(v)) {
		n = (long long)json_integer_value(v);
		return n >= 0 && n <= 255 ? (int)n : -1;
	}
	if (s == NULL)
		return -1;
	if (str_to_ll(s, 0, 255, &n, NULL) == 0)
		return (int)n;
	if (eq(s, "tcp"))
		return 6;
	if (eq(s, "udp"))
		return 17;
	*other = true; /* a protocol name that is neither: another protocol */
	return -1;
}

/* Equality or membership of the packet's value in one right-hand value. */
static enum tri elem_match(struct ev *ev, enum sel s, const json_t *v, const char *fam,
			   const char *table, int depth)
{
	const struct fwr_packet *p = ev->p;
	const json_t *x;
	if (depth > FWR_EXPR_DEPTH) {
		set_what(ev, "", "a deeply nested value", "");
		return T_UNK;
	}
	if (json_is_string(v) && json_string_value(v)[0] == '@') {
		const struct wset *set = find_set(ev->rs, fam, table, json_string_value(v) + 1);
		if (set == NULL) {
			set_what(ev, "set ", json_string_value(v), " (not in the ruleset)");
			return T_UNK;
		}
		return set->elem ? any_match(ev, s, set->elem, fam, table, depth) : T_FALSE;
	}
	if ((x = json_object_get(v, "set")) != NULL)
		return json_is_array(x) ? any_match(ev, s, x, fam, table, depth)
					: elem_match(ev, s, x, fam, table, depth + 1);
	if ((x = json_object_get(v, "elem")) != NULL)
		return elem_match(ev, s, json_object_get(x, "val"), fam, table, depth + 1);
	if (json_is_array(v)) /* ct state {"in": [...]}: any of the flags */
		return any_match(ev, s, v, fam, table, depth);
	const json_t *pre = json_object_get(v, "prefix");
	const json_t *rng = json_object_get(v, "range");
	switch (s) {
	case S_SADDR:
	case S_DADDR: {
		const unsigned char *a = s == S_SADDR ? p->saddr : p->daddr;
		unsigned char lo[16], hi[16];
		size_t n = p->family == 4 ? 4 : 16;
		if (s == S_DADDR && !p->has_daddr) {
			set_what(ev, "", "the destination address", "");
			return T_UNK;
		}
		if (pre) {
			const json_t *len = json_object_get(pre, "len");
			long long l =
			    json_is_integer(len) ? (long long)json_integer_value(len) : -1;
			if (!parse_addr(json_object_get(pre, "addr"), p->family, lo) || l < 0 ||
			    l > (long long)n * 8) {
				set_what(ev, "", "an address prefix", "");
				return T_UNK;
			}
			return prefix_match(a, lo, l) ? T_TRUE : T_FALSE;
		}
		if (rng) {
			if (!json_is_array(rng) || json_array_size(rng) != 2 ||
			    !parse_addr(json_array_get(rng, 0), p->family, lo) ||
			    !parse_addr(json_array_get(rng, 1), p->family, hi)) {
				set_what(ev, "", "an address range", "");
				return T_UNK;
			}
			return memcmp(a, lo, n) >= 0 && memcmp(a, hi, n) <= 0 ? T_TRUE : T_FALSE;
		}
		if (!parse_addr(v, p->family, lo)) {
			set_what(ev, "address ", json_is_string(v) ? json_string_value(v) : "?",
				 "");
			return T_UNK;
		}
		return memcmp(a, lo, n) == 0 ? T_TRUE : T_FALSE;
	}
	case S_DPORT: {
		long long a, b;
		if (rng) {
			if (!json_is_array(rng) || json_array_size(rng) != 2 ||
			    !parse_port(json_array_get(rng, 0), &a) ||
			    !parse_port(json_array_get(rng, 1), &b)) {
				set_what(ev, "", "a port range", "");
				return T_UNK;
			}
			return (long long)p->dport >= a && (long long)p->dport <= b ? T_TRUE
										    : T_FALSE;
		}
		if (!parse_port(v, &a)) {
			set_what(ev, "port ", json_is_string(v) ? json_string_value(v) : "?", "");
			return T_UNK;
		}
		return (long long)p->dport == a ? T_TRUE : T_FALSE;
	}
	case S_L4PROTO: {
		bool other;
		int n = l4_number(v, &other);
		if (other)
			return T_FALSE;
		if (n < 0) {
			set_what(ev, "", "a protocol value", "");
			return T_UNK;
		}
		return n == p->l4proto ? T_TRUE : T_FALSE;
	}
	case S_NFPROTO:
	case S_ETHPROTO:
		if (json_is_integer(v)) {
			long long n = (long long)json_integer_value(v);
			long long want = s == S_NFPROTO ? (p->family == 4 ? 2 : 10)
							: (p->family == 4 ? 0x0800 : 0x86dd);
			return n == want ? T_TRUE : T_FALSE;
		}
		if (!json_is_string(v)) {
			set_what(ev, "", "a protocol family value", "");
			return T_UNK;
		}
		return eq(json_string_value(v), pkt_name(ev, s)) ? T_TRUE : T_FALSE;
	case S_IIFNAME:
		if (!json_is_string(v)) {
			set_what(ev, "", "an interface value", "");
			return T_UNK;
		}
		return ifname_match(json_string_value(v), pkt_name(ev, s)) ? T_TRUE : T_FALSE;
	case S_CTSTATE:
	case S_CTSTATUS:
	case S_CTDIR:
	case S_PKTTYPE:
	case S_FIBTYPE: {
		const char *name = json_string_value(v);
		if (name == NULL || !known_name(s, name)) {
			set_what(ev, "value ", name ? name : "(not a name)", "");
			return T_UNK;
		}
		/* A NEW packet that no NAT rule rewrote carries none of the ct status bits. */
		if (s == S_CTSTATUS)
			return T_FALSE;
		return eq(name, pkt_name(ev, s)) ? T_TRUE : T_FALSE;
	}
	case S_FIBOIF:
		/* The neighbour is on the LAN's own subnet: the route back to it leaves through
		 * the interface it came in on. */
		if (json_is_boolean(v))
			return json_is_true(v) ? T_TRUE : T_FALSE;
		if (json_is_string(v))
			return eq(json_string_value(v), p->iifname) ? T_TRUE : T_FALSE;
		set_what(ev, "", "a fib result", "");
		return T_UNK;
	case S_ETHSADDR: {
		unsigned char mac[6];
		if (!p->has_smac) {
			set_what(ev, "", "ether saddr (MAC unknown)", "");
			return T_UNK;
		}
		if (!parse_mac(json_string_value(v), mac)) {
			set_what(ev, "", "a MAC address value", "");
			return T_UNK;
		}
		return memcmp(mac, p->smac, 6) == 0 ? T_TRUE : T_FALSE;
	}
	default:
		return T_UNK;
	}
}

/* "<", ">", "<=", ">=" against one scalar: ports and addresses only. */
static enum tri rel_match(struct ev *ev, enum sel s, const char *op, const json_t *v)
{
	const struct fwr_packet *p = ev->p;
	int c;
	if (s == S_DPORT) {
		long long b;
		if (!parse_port(v, &b)) {
			set_what(ev, "", "a port comparison", "");
			return T_UNK;
		}
		c = (long long)p->dport < b ? -1 : (long long)p->dport > b;
	} else if (s == S_SADDR || (s == S_DADDR && p->has_daddr)) {
		unsigned char b[16];
		if (!parse_addr(v, p->family, b)) {
			set_what(ev, "", "an address comparison", "");
			return T_UNK;
		}
		c = memcmp(s == S_SADDR ? p->saddr : p->daddr, b, p->family == 4 ? 4 : 16);
	} else {
		set_what(ev, "a comparison with ", op, "");
		return T_UNK;
	}
	bool r = eq(op, "<") ? c < 0 : eq(op, ">") ? c > 0 : eq(op, "<=") ? c <= 0 : c >= 0;
	return r ? T_TRUE : T_FALSE;
}

#define CONCAT_MAX 8

/* A concatenation ("ip saddr . tcp dport") against one right-hand value: a set, a named set
 * or one {"concat": [...]} element whose parts all match. */
static enum tri concat_match(struct ev *ev, const enum sel *sels, size_t n, const json_t *v,
			     const struct wchain *c, int depth)
{
	const json_t *x;
	if (depth > FWR_EXPR_DEPTH) {
		set_what(ev, "", "a deeply nested value", "");
		return T_UNK;
	}
	const json_t *arr = NULL;
	if (json_is_string(v) && json_string_value(v)[0] == '@') {
		const struct wset *set =
		    find_set(ev->rs, c->family, c->table, json_string_value(v) + 1);
		if (set == NULL) {
			set_what(ev, "set ", json_string_value(v), " (not in the ruleset)");
			return T_UNK;
		}
		arr = set->elem;
		if (arr == NULL)
			return T_FALSE;
	} else if ((x = json_object_get(v, "set")) != NULL) {
		arr = x;
	} else if ((x = json_object_get(v, "elem")) != NULL) {
		return concat_match(ev, sels, n, json_object_get(x, "val"), c, depth + 1);
	}
	if (arr) {
		size_t i;
		const json_t *e;
		enum tri r = T_FALSE;
		if (!json_is_array(arr)) {
			set_what(ev, "", "a malformed set", "");
			return T_UNK;
		}
		json_array_foreach(arr, i, e)
		{
			enum tri t = concat_match(ev, sels, n, e, c, depth + 1);
			if (t == T_TRUE)
				return T_TRUE;
			if (t == T_UNK)
				r = T_UNK;
		}
		return r;
	}
	x = json_object_get(v, "concat");
	if (!json_is_array(x) || json_array_size(x) != n) {
		set_what(ev, "", "a concatenation value", "");
		return T_UNK;
	}
	enum tri r = T_TRUE;
	for (size_t i = 0; i < n && r != T_FALSE; i++) {
		enum tri t =
		    elem_match(ev, sels[i], json_array_get(x, i), c->family, c->table, depth + 1);
		if (t != T_TRUE)
			r = t == T_FALSE ? T_FALSE : T_UNK;
	}
	return r;
}

static enum tri eval_concat(struct ev *ev, const char *op, const json_t *parts, const json_t *right,
			    const struct wchain *c)
{
	enum sel sels[CONCAT_MAX];
	size_t n = json_array_size(parts);
	bool unk = n == 0 || n > CONCAT_MAX;
	for (size_t i = 0; i < n && i < CONCAT_MAX; i++) {
		sels[i] = selector(ev, json_array_get(parts, i));
		if (sels[i] == S_FALSE)
			return T_FALSE; /* one part is not in this packet: no match */
		unk |= sels[i] == S_UNK;
	}
	if (unk || right == NULL) {
		set_what(ev, "", "a concatenation", "");
		return T_UNK;
	}
	if (eq(op, "==") || eq(op, "in"))
		return concat_match(ev, sels, n, right, c, 0);
	if (eq(op, "!="))
		return tri_not(concat_match(ev, sels, n, right, c, 0));
	set_what(ev, "", "a concatenation comparison", "");
	return T_UNK;
}

static enum tri eval_match(struct ev *ev, const json_t *m, const struct wchain *c)
{
	const char *op = jstr(m, "op");
	const json_t *right = json_object_get(m, "right");
	const json_t *left = json_object_get(m, "left");
	if (json_is_array(json_object_get(left, "concat")) && op)
		return eval_concat(ev, op, json_object_get(left, "concat"), right, c);
	enum sel s = selector(ev, left);
	if (s == S_FALSE)
		return T_FALSE;
	if (s == S_UNK || op == NULL || right == NULL) {
		set_what(ev, "", "a match", "");
		return T_UNK;
	}
	if (eq(op, "==") || eq(op, "in"))
		return elem_match(ev, s, right, c->family, c->table, 0);
	if (eq(op, "!="))
		return tri_not(elem_match(ev, s, right, c->family, c->table, 0));
	if (eq(op, "<") || eq(op, ">") || eq(op, "<=") || eq(op, ">="))
		return rel_match(ev, s, op, right);
	set_what(ev, "operator ", op, "");
	return T_UNK;
}

/* ---- rules ---- */

enum eff { E_NONE, E_ACCEPT, E_DROP, E_UNK, E_JUMP, E_GOTO, E_RETURN, E_CONTINUE };

struct rule_ev {
	enum tri match;
	enum eff eff;
	const char *target;
	char what[96];
};

/* The verdict of a verdict object ({"accept": null}, {"jump": {"target": ..}}). */
static bool verdict_of(const json_t *v, enum eff *eff, const char **target)
{
	const char *k =
	    json_is_object(v) ? json_object_iter_key(json_object_iter((json_t *)v)) : NULL;
	if (k == NULL)
		return false;
	*target = NULL;
	if (eq(k, "accept"))
		*eff = E_ACCEPT;
	else if (eq(k, "drop") || eq(k, "reject"))
		*eff = E_DROP;
	else if (eq(k, "return"))
		*eff = E_RETURN;
	else if (eq(k, "continue"))
		*eff = E_CONTINUE;
	else if (eq(k, "jump") || eq(k, "goto")) {
		*eff = eq(k, "jump") ? E_JUMP : E_GOTO;
		*target = jstr(json_object_get(v, k), "target");
	} else if (eq(k, "queue"))
		*eff = E_UNK; /* a program in user space decides */
	else
		return false;
	return true;
}

/* A verdict map: the element whose key matches gives the verdict. */
static void eval_vmap(struct ev *ev, const json_t *vm, const struct wchain *c, struct rule_ev *re)
{
	const json_t *data = json_object_get(vm, "data");
	enum sel s = selector(ev, json_object_get(vm, "key"));
	const json_t *elems = NULL;
	if (json_is_string(data) && json_string_value(data)[0] == '@') {
		const struct wset *m =
		    find_set(ev->rs, c->family, c->table, json_string_value(data) + 1);
		elems = m ? m->elem : NULL;
		if (m == NULL)
			set_what(ev, "map ", json_string_value(data), " (not in the ruleset)");
	} else {
		elems = json_object_get(data, "set");
	}
	if (s == S_UNK || !json_is_array(elems)) {
		set_what(ev, "", "a verdict map", "");
		re->eff = E_UNK;
		return;
	}
	if (s == S_FALSE) {
		re->eff = E_NONE; /* the key does not exist in this packet: no verdict */
		return;
	}
	size_t i;
	const json_t *e;
	json_array_foreach(elems, i, e)
	{
		if (!json_is_array(e) || json_array_size(e) != 2) {
			set_what(ev, "", "a verdict map element", "");
			re->eff = E_UNK;
			return;
		}
		enum tri t = elem_match(ev, s, json_array_get(e, 0), c->family, c->table, 1);
		if (t == T_UNK) {
			re->eff = E_UNK;
			return;
		}
		if (t == T_TRUE) {
			if (!verdict_of(json_array_get(e, 1), &re->eff, &re->target)) {
				set_what(ev, "", "a verdict map element", "");
				re->eff = E_UNK;
			}
			return;
		}
	}
	re->eff = E_NONE; /* no key matched: the rule does nothing */
}

/* Statements that change nothing about whether this packet gets in. */
static bool harmless(const char *k, const json_t *v)
{
	static const char *const none[] = {
	    "counter", "log",	     "set",	  "map",	"last",
	    "secmark", "flow",	     "ct helper", "ct timeout", "ct expectation",
	    "snat",    "masquerade", NULL};
	for (size_t i = 0; none[i]; i++)
		if (eq(k, none[i]))
			return true;
	if (eq(k, "mangle")) {
		/* Setting a mark or priority changes no field this code evaluates; rewriting a
		 * header field (tcp dport set ...) does. */
		const json_t *key = json_object_get(v, "key");
		return json_object_get(key, "meta") != NULL || json_object_get(key, "ct") != NULL;
	}
	return false;
}

static void eval_rule(struct ev *ev, const struct wrule *r, const struct wchain *c,
		      struct rule_ev *re)
{
	size_t i;
	const json_t *st;
	re->match = T_TRUE;
	re->eff = E_NONE;
	re->target = NULL;
	re->what[0] = '\0';
	json_array_foreach(r->expr, i, st)
	{
		const char *k = json_is_object(st)
				    ? json_object_iter_key(json_object_iter((json_t *)st))
				    : NULL;
		const json_t *v = k ? json_object_get(st, k) : NULL;
		ev->what[0] = '\0';
		if (k == NULL) {
			snprintf(re->what, sizeof(re->what), "a malformed statement");
			re->eff = E_UNK;
			return;
		}
		if (eq(k, "match")) {
			enum tri t = eval_match(ev, v, c);
			if (t == T_FALSE) {
				re->match = T_FALSE;
				return;
			}
			if (t == T_UNK && re->match == T_TRUE) {
				re->match = T_UNK;
				snprintf(re->what, sizeof(re->what), "%s", ev->what);
			}
			continue;
		}
		if (eq(k, "limit") || eq(k, "quota") || eq(k, "ct count") || eq(k, "meter") ||
		    eq(k, "synproxy")) {
			/* Rates and counts depend on the traffic of the moment. */
			if (re->match == T_TRUE) {
				re->match = T_UNK;
				snprintf(re->what, sizeof(re->what), "%s", k);
			}
			continue;
		}
		if (eq(k, "xt")) {
			const char *t = jstr(v, "type"), *n = jstr(v, "name");
			if (eq(t, "target") && eq(n, "REJECT")) {
				re->eff = E_DROP; /* iptables-nft's -j REJECT */
				return;
			}
			if (eq(t, "target") && (eq(n, "LOG") || eq(n, "NFLOG")))
				continue;
			if (eq(t, "match")) {
				/* iptables-nft compat matches: their options are not in the JSON */
				if (re->match == T_TRUE) {
					re->match = T_UNK;
					snprintf(re->what, sizeof(re->what), "xt match %.60s",
						 n ? n : "?");
				}
				continue;
			}
			snprintf(re->what, sizeof(re->what), "xt target %.60s", n ? n : "?");
			re->eff = E_UNK;
			return;
		}
		if (eq(k, "vmap")) {
			ev->what[0] = '\0';
			eval_vmap(ev, v, c, re);
			if (re->eff == E_UNK && !re->what[0])
				snprintf(re->what, sizeof(re->what), "%s",
					 ev->what[0] ? ev->what : "a verdict map");
			return;
		}
		if (verdict_of(st, &re->eff, &re->target)) {
			if (re->eff == E_UNK)
				snprintf(re->what, sizeof(re->what), "%s", k);
			return;
		}
		if (harmless(k, v))
			continue;
		/* dnat, redirect, notrack, tproxy, a header rewrite...: what happens next is
		 * not known here. */
		snprintf(re->what, sizeof(re->what), "statement %.60s", k);
		re->eff = E_UNK;
		return;
	}
}

/* ---- walking the chains ---- */

struct frame {
	size_t chain, idx;
};

static void rule_name(const struct wchain *c, long long handle, char *out, size_t outlen)
{
	if (handle >= 0)
		snprintf(out, outlen, "%.20s %.40s %.40s, handle %lld", c->family, c->table,
			 c->name, handle);
	else
		snprintf(out, outlen, "%.20s %.40s %.40s", c->family, c->table, c->name);
}

/* A path ends: accepted, dropped or unknown; the first reason of each is kept. */
static void outcome(struct ev *ev, unsigned bit, const char *text)
{
	int k = bit == OUT_ACCEPT ? 0 : bit == OUT_DROP ? 1 : 2;
	if (!(ev->bits & bit))
		snprintf(ev->why[k], sizeof(ev->why[k]), "%s", text);
	ev->bits |= bit;
}

static void walk(struct ev *ev, struct frame *stk, int depth, size_t ci, size_t i, int splits);

/* Applies a rule's verdict to the walk's position. Returns true when the path has ended. */
static bool apply(struct ev *ev, const struct rule_ev *re, const struct wrule *r, struct frame *stk,
		  int *depth, size_t *ci, size_t *i)
{
	const struct wchain *c = &ev->rs->chains[*ci];
	char name[160], text[320];
	rule_name(c, r->handle, name, sizeof(name));
	switch (re->eff) {
	case E_ACCEPT:
		snprintf(text, sizeof(text), "%s: accept", name);
		outcome(ev, OUT_ACCEPT, text);
		return true;
	case E_DROP:
		snprintf(text, sizeof(text), "%s: drop", name);
		outcome(ev, OUT_DROP, text);
		return true;
	case E_UNK:
		snprintf(text, sizeof(text), "%s: %s cannot be evaluated", name,
			 re->what[0] ? re->what : "a statement");
		/* dnat, redirect, tproxy...: the packet may never reach the later chains */
		if (ev->rewrite[0] == '\0' && (!re->what[0] || strncmp(re->what, "statement ", 10) == 0))
			snprintf(ev->rewrite, sizeof(ev->rewrite), "%.190s", text);
		outcome(ev, OUT_UNK, text);
		return true;
	case E_JUMP:
	case E_GOTO: {
		long t = re->target ? find_chain(ev->rs, c->family, c->table, re->target) : -1;
		if (t < 0) {
			snprintf(text, sizeof(text),
				 "%s: jumps to %.100s, which is not in the ruleset", name,
				 re->target ? re->target : "?");
			outcome(ev, OUT_UNK, text);
			return true;
		}
		if (re->eff == E_JUMP) {
			if (*depth >= FWR_JUMP_DEPTH) {
				snprintf(text, sizeof(text), "%s: jumps nested too deep", name);
				outcome(ev, OUT_UNK, text);
				return true;
			}
			stk[*depth].chain = *ci;
			stk[*depth].idx = *i + 1;
			(*depth)++;
		}
		*ci = (size_t)t;
		*i = 0;
		return false;
	}
	case E_RETURN:
		*i = ev->rs->chains[*ci].n; /* the end of the chain returns */
		return false;
	default:
		(*i)++;
		return false;
	}
}

static void walk(struct ev *ev, struct frame *stk, int depth, size_t ci, size_t i, int splits)
{
	for (;;) {
		const struct wchain *c = &ev->rs->chains[ci];
		char text[320];
		if (++ev->steps > FWR_MAX_STEPS) {
			snprintf(text, sizeof(text), "the evaluation stopped after %u rule visits",
				 FWR_MAX_STEPS);
			outcome(ev, OUT_UNK, text);
			return;
		}
		if (i >= c->n) {
			if (depth == 0) {
				char name[160];
				rule_name(c, -1, name, sizeof(name));
				snprintf(text, sizeof(text), "%s: policy %s", name,
					 ev->base->policy_drop ? "drop" : "accept");
				outcome(ev, ev->base->policy_drop ? OUT_DROP : OUT_ACCEPT, text);
				return;
			}
			depth--;
			ci = stk[depth].chain;
			i = stk[depth].idx;
			continue;
		}
		const struct wrule *r = &ev->rs->rules[c->first + i];
		struct rule_ev re;
		eval_rule(ev, r, c, &re);
		if (re.match == T_FALSE || re.eff == E_NONE || re.eff == E_CONTINUE) {
			i++;
			continue;
		}
		if (re.match == T_UNK) {
			if (ev->cause[0] == '\0') {
				char name[160];
				rule_name(c, r->handle, name, sizeof(name));
				snprintf(ev->cause, sizeof(ev->cause), "%s: %s cannot be evaluated",
					 name, re.what[0] ? re.what : "a match");
			}
			if (splits >= FWR_MAX_SPLITS) {
				snprintf(text, sizeof(text),
					 "%.200s; and too many such rules on one path", ev->cause);
				outcome(ev, OUT_UNK, text);
				return;
			}
			/* The branch where the rule matches, on a copy of the stack. */
			struct frame copy[FWR_JUMP_DEPTH];
			int d = depth;
			size_t cj = ci, j = i;
			memcpy(copy, stk, sizeof(copy[0]) * (size_t)depth);
			if (!apply(ev, &re, r, copy, &d, &cj, &j))
				walk(ev, copy, d, cj, j, splits + 1);
			i++; /* and the branch where it does not */
			continue;
		}
		if (apply(ev, &re, r, stk, &depth, &ci, &i))
			return;
	}
}

/* Appends "; s" (or s to an empty dst), cut to fit. */
static void append(char *dst, size_t cap, const char *s)
{
	size_t l = strlen(dst);
	if (l && l + 2 < cap) {
		memcpy(dst + l, "; ", 2);
		l += 2;
	}
	size_t n = strlen(s);
	if (n > cap - 1 - l)
		n = cap - 1 - l;
	memcpy(dst + l, s, n);
	dst[l + n] = '\0';
}

int fwr_eval(const struct fwr_ruleset *rs, const struct fwr_packet *p, struct fwr_result *out)
{
	if ((p->family != 4 && p->family != 6) || (p->l4proto != 6 && p->l4proto != 17))
		return MAMORI_EINVAL;
	unsigned fb = p->family == 4 ? FAM_V4 : FAM_V6;
	struct ev *ev = calloc(1, sizeof(*ev));
	if (ev == NULL)
		return MAMORI_ENOMEM;
	ev->rs = rs;
	ev->p = p;
	bool all_accept = true, blocked = false;
	char accepted[320] = "", unknown[320] = "", rewritten[200] = "";
	size_t seen = 0;
	for (size_t k = 0; k < rs->nbase && !blocked; k++) {
		const struct wchain *c = &rs->chains[rs->base[k]];
		if (!(c->fam & fb))
			continue;
		seen++;
		ev->base = c;
		ev->before_ct = c->hook == HOOK_PRE && c->prio < PRIO_CONNTRACK;
		ev->bits = 0;
		ev->cause[0] = '\0';
		struct frame stk[FWR_JUMP_DEPTH];
		if (c->hook == HOOK_PRE && c->prio == PRIO_CONNTRACK) {
			/* Before or after conntrack, as the chains happened to register. */
			char name[160];
			rule_name(c, -1, name, sizeof(name));
			snprintf(unknown, sizeof(unknown), "%s: runs at conntrack's own priority",
				 name);
			all_accept = false;
			continue;
		}
		ev->rewrite[0] = '\0';
		walk(ev, stk, 0, rs->base[k], 0, 0);
		if (ev->bits == OUT_DROP && rewritten[0]) {
			/* An earlier chain may have sent the packet elsewhere (a DNAT to a
			 * container goes to forward): this drop may never see it. */
			all_accept = false;
			if (unknown[0] == '\0')
				snprintf(unknown, sizeof(unknown),
					 "%.110s, and an earlier chain may rewrite or divert the packet "
					 "(%.110s)",
					 ev->why[1], rewritten);
		} else if (ev->bits == OUT_DROP) {
			blocked = true;
			snprintf(out->why, sizeof(out->why), "%s", ev->why[1]);
		} else if (ev->bits == OUT_ACCEPT) {
			append(accepted, sizeof(accepted), ev->why[0]);
		} else {
			all_accept = false;
			if (unknown[0] == '\0')
				snprintf(unknown, sizeof(unknown), "%s",
					 ev->cause[0] ? ev->cause : ev->why[2]);
		}
		if (rewritten[0] == '\0' && ev->rewrite[0] != '\0')
			snprintf(rewritten, sizeof(rewritten), "%s", ev->rewrite);
	}
	if (blocked)
		out->verdict = FWR_BLOCKED;
	else if (!all_accept) {
		out->verdict = FWR_UNKNOWN;
		snprintf(out->why, sizeof(out->why), "%s", unknown);
	} else {
		out->verdict = FWR_OPEN;
		if (seen == 0)
			snprintf(out->why, sizeof(out->why), "no %s input chain filters",
				 p->family == 4 ? "IPv4" : "IPv6");
		else
			snprintf(out->why, sizeof(out->why), "%s", accepted);
	}
	out->steps = ev->steps;
	free(ev);
	return 0;
}
