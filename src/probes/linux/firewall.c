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

enum { END_FALL = 0, END_ACCEPT = 1, END_DENY = 2 };

/* ---- the live ruleset (nft -j list ruleset) ---- */

struct nj_chain {
	const char *family, *table, *name, *type, *hook, *policy;
	size_t first, nrules; /* range in the sorted rule array */
	int memo;	      /* -1 not computed, -2 in progress, else END_* */
};

struct nj_rule {
	size_t chain, seq;
	const json_t *expr;
};

struct nj {
	struct nj_chain *chains;
	size_t nchains;
	struct nj_rule *rules;
	size_t nrules;
	bool ufw;
};

static int cmp_chain(const void *a, const void *b)
{
	const struct nj_chain *x = a, *y = b;
	int r = strcmp(x->family, y->family);
	if (r == 0)
		r = strcmp(x->table, y->table);
	return r ? r : strcmp(x->name, y->name);
}

static int cmp_rule(const void *a, const void *b)
{
	const struct nj_rule *x = a, *y = b;
	if (x->chain != y->chain)
		return x->chain < y->chain ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static long nj_find(const struct nj *nj, const char *family, const char *table, const char *name)
{
	struct nj_chain key = {.family = family, .table = table, .name = name};
	const struct nj_chain *c =
	    bsearch(&key, nj->chains, nj->nchains, sizeof(*nj->chains), cmp_chain);
	return c ? (long)(c - nj->chains) : -1;
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Statements that select packets: a rule holding one is conditional. Everything else (counter,
 * log, mangle, ...) lets every packet through to the verdict. */
static bool stmt_is_match(const char *k)
{
	static const char *const m[] = {"match", "limit", "quota",    "ct count", "vmap",
					"xt",	 "meter", "synproxy", NULL};
	for (size_t i = 0; m[i]; i++)
		if (strcmp(k, m[i]) == 0)
			return true;
	return false;
}

static int nj_eval(struct nj *nj, size_t ci, int depth);

static int nj_target(struct nj *nj, size_t ci, const json_t *v, int depth)
{
	const char *t = jstr(v, "target");
	long ti = t ? nj_find(nj, nj->chains[ci].family, nj->chains[ci].table, t) : -1;
	/* An unknown target proves nothing: never claim a deny through it. */
	return ti < 0 ? END_ACCEPT : nj_eval(nj, (size_t)ti, depth + 1);
}

/* What a packet no conditional rule caught meets in chain ci: an unconditional accept, an
 * unconditional drop/reject, or the end of the chain (the base chain's policy). */
static int nj_eval(struct nj *nj, size_t ci, int depth)
{
	struct nj_chain *c = &nj->chains[ci];
	if (c->memo >= 0)
		return c->memo;
	/* A loop (nft refuses them) or deep nesting: do not claim a deny we cannot prove. */
	if (c->memo == -2 || depth > FW_JUMP_DEPTH)
		return END_ACCEPT;
	c->memo = -2;
	int res = END_FALL;
	for (size_t i = c->first; i < c->first + c->nrules; i++) {
		const json_t *expr = nj->rules[i].expr;
		bool cond = false;
		int verdict = -1; /* -1 none, END_* , 3 jump, 4 goto, 5 return */
		const json_t *arg = NULL;
		size_t k;
		const json_t *st;
		json_array_foreach(expr, k, st)
		{
			const char *key = json_object_iter_key(json_object_iter((json_t *)st));
			if (key == NULL)
				continue;
			const json_t *v = json_object_iter_value(json_object_iter((json_t *)st));
			if (stmt_is_match(key))
				cond = true;
			else if (strcmp(key, "accept") == 0 || strcmp(key, "queue") == 0)
				verdict = END_ACCEPT;
			else if (strcmp(key, "drop") == 0 || strcmp(key, "reject") == 0)
				verdict = END_DENY;
			else if (strcmp(key, "jump") == 0)
				verdict = 3, arg = v;
			else if (strcmp(key, "goto") == 0)
				verdict = 4, arg = v;
			else if (strcmp(key, "return") == 0)
				verdict = 5;
		}
		if (cond || verdict < 0)
			continue;
		if (verdict == END_ACCEPT || verdict == END_DENY) {
			res = verdict;
			break;
		}
		if (verdict == 5)
			break;
		int r = nj_target(nj, ci, arg, depth);
		if (verdict == 4 || r != END_FALL) {
			res = r;
			break;
		}
	}
	c->memo = res;
	return res;
}

static void view_add(struct fw_family_view *v, const struct nj_chain *c, bool filtered, bool deny,
		     const char *how)
{
	bool was_filtered = v->filtered;
	v->filtered |= filtered;
	if (deny && !v->deny) {
		v->deny = true;
		snprintf(v->chain, sizeof(v->chain), "%s %s %s", c->family, c->table, c->name);
		snprintf(v->how, sizeof(v->how), "%s", how);
	} else if (!v->deny && (v->chain[0] == '\0' || (filtered && !was_filtered))) {
		snprintf(v->chain, sizeof(v->chain), "%s %s %s", c->family, c->table, c->name);
		snprintf(v->how, sizeof(v->how), "%s", how);
	}
}

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
	size_t n = json_array_size(arr), i;
	const json_t *it;
	if (n > FW_NFT_MAX_OBJECTS) {
		snprintf(why, whylen, "more than %u objects", FW_NFT_MAX_OBJECTS);
		return MAMORI_ETOOBIG;
	}
	nj->chains = calloc(n ? n : 1, sizeof(*nj->chains));
	nj->rules = calloc(n ? n : 1, sizeof(*nj->rules));
	if (nj->chains == NULL || nj->rules == NULL)
		return MAMORI_ENOMEM;
	json_array_foreach(arr, i, it)
	{
		if (!json_is_object(it)) {
			snprintf(why, whylen, "element %zu of \"nftables\" is not an object", i);
			return MAMORI_EPARSE;
		}
		const json_t *c = json_object_get(it, "chain");
		if (c == NULL)
			continue;
		struct nj_chain *ch = &nj->chains[nj->nchains];
		ch->family = jstr(c, "family");
		ch->table = jstr(c, "table");
		ch->name = jstr(c, "name");
		if (!ch->family || !ch->table || !ch->name) {
			snprintf(why, whylen, "chain (element %zu) lacks family, table or name", i);
			return MAMORI_EPARSE;
		}
		ch->type = jstr(c, "type");
		ch->hook = jstr(c, "hook");
		ch->policy = jstr(c, "policy");
		ch->memo = -1;
		if (strncmp(ch->name, "ufw-", 4) == 0 || strncmp(ch->name, "ufw6-", 5) == 0)
			nj->ufw = true;
		nj->nchains++;
	}
	qsort(nj->chains, nj->nchains, sizeof(*nj->chains), cmp_chain);
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
		long ci = nj_find(nj, f, t, c);
		if (ci < 0) {
			snprintf(why, whylen, "rule (element %zu) of an undeclared chain %s %s %s",
				 i, f, t, c);
			return MAMORI_EPARSE;
		}
		nj->rules[nj->nrules++] = (struct nj_rule){(size_t)ci, i, expr};
	}
	qsort(nj->rules, nj->nrules, sizeof(*nj->rules), cmp_rule);
	for (size_t k = 0; k < nj->nrules;) {
		struct nj_chain *ch = &nj->chains[nj->rules[k].chain];
		ch->first = k;
		while (k < nj->nrules && &nj->chains[nj->rules[k].chain] == ch) {
			ch->nrules++;
			k++;
		}
	}
	return 0;
}

int fw_nft_json_parse(const char *buf, size_t len, struct fw_summary *out, char *why, size_t whylen)
{
	if (len > FW_NFT_JSON_MAX) {
		snprintf(why, whylen, "ruleset larger than %u bytes", FW_NFT_JSON_MAX);
		return MAMORI_ETOOBIG;
	}
	json_error_t je;
	json_t *root = json_loadb(buf, len, 0, &je);
	if (root == NULL) {
		snprintf(why, whylen, "malformed JSON at line %d column %d: %s", je.line, je.column,
			 je.text);
		return MAMORI_EPARSE;
	}
	const json_t *arr = json_object_get(root, "nftables");
	if (!json_is_array(arr)) {
		json_decref(root);
		snprintf(why, whylen, "expected an object with an \"nftables\" array");
		return MAMORI_EPARSE;
	}
	struct nj nj = {0};
	struct fw_summary s = {0};
	int r = nj_collect(&nj, arr, why, whylen);
	for (size_t i = 0; r == 0 && i < nj.nchains; i++) {
		struct nj_chain *c = &nj.chains[i];
		bool v4 = strcmp(c->family, "ip") == 0 || strcmp(c->family, "inet") == 0;
		bool v6 = strcmp(c->family, "ip6") == 0 || strcmp(c->family, "inet") == 0;
		if (!c->hook || strcmp(c->hook, "input") != 0 || !c->type ||
		    strcmp(c->type, "filter") != 0 || !(v4 || v6))
			continue;
		s.input_chains++;
		bool drop = c->policy && strcmp(c->policy, "drop") == 0;
		int end = nj_eval(&nj, i, 0);
		bool deny = end == END_DENY || (end == END_FALL && drop);
		char how[200];
		if (end == END_DENY)
			snprintf(how, sizeof(how), "ends in an unconditional drop/reject rule");
		else if (end == END_ACCEPT)
			snprintf(how, sizeof(how),
				 "an unconditional accept rule lets everything in");
		else
			snprintf(how, sizeof(how), "policy %s, %zu rule(s)",
				 drop ? "drop" : "accept", c->nrules);
		bool filtered = drop || c->nrules > 0;
		if (v4)
			view_add(&s.v4, c, filtered, deny, how);
		if (v6)
			view_add(&s.v6, c, filtered, deny, how);
	}
	if (r == 0) {
		const char *decider = s.v4.chain[0] ? s.v4.chain : s.v6.chain;
		nj_backend(&nj, decider, s.backend, sizeof(s.backend));
		*out = s;
	}
	free(nj.chains);
	free(nj.rules);
	json_decref(root);
	return r;
}

/* ---- nftables scripts (/etc/nftables.conf) ---- */

#define NC_MAX_TOK 24
#define NC_TOKLEN 64
#define NC_MAX_DEPTH 32
#define NC_MAX_CHAINS 4096

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
	size_t ntok;
	char arg1[1024]; /* the second token in full (include paths) */
	int line;
};

static bool nc_is_family(const char *s)
{
	static const char *const f[] = {"ip", "ip6", "inet", "arp", "bridge", "netdev", NULL};
	for (size_t i = 0; f[i]; i++)
		if (strcmp(s, f[i]) == 0)
			return true;
	return false;
}

static long nc_chain(struct nc_state *st, const char *family, const char *table, const char *name,
		     int line)
{
	struct fw_nft_conf *c = st->conf;
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
	ch->file = st->file;
	ch->line = line;
	return (long)c->n++;
}

/* A rule: counter and log statements pass every packet on; then a verdict with no match
 * before it is unconditional. Jumps are not followed, so an unconditional goto proves
 * nothing (treated like accept: no deny is claimed through it). */
static void nc_rule(struct nc_state *st, long ci, size_t from, bool insert)
{
	struct fw_nft_chain *ch = &st->conf->chains[ci];
	size_t i = from;
	ch->nrules++;
	while (i < st->ntok) {
		const char *t = st->tok[i];
		if (strcmp(t, "counter") == 0 || strcmp(t, "log") == 0) {
			i++;
			continue;
		}
		if (strcmp(t, "packets") == 0 || strcmp(t, "bytes") == 0 ||
		    strcmp(t, "prefix") == 0 || strcmp(t, "level") == 0 ||
		    strcmp(t, "flags") == 0 || strcmp(t, "group") == 0) {
			i += 2;
			continue;
		}
		break;
	}
	if (i >= st->ntok)
		return;
	const char *v = st->tok[i];
	int term = 0;
	if (strcmp(v, "accept") == 0 || strcmp(v, "queue") == 0 || strcmp(v, "goto") == 0)
		term = END_ACCEPT;
	else if (strcmp(v, "drop") == 0 || strcmp(v, "reject") == 0)
		term = END_DENY;
	if (term && (ch->term == 0 || insert)) {
		ch->term = term;
		ch->file = st->file;
		ch->line = st->line;
	}
}

static int nc_flush(struct nc_state *st)
{
	int ctx = st->stack[st->sp - 1];
	int r = 0;
	if (st->ntok == 0)
		return 0;
	if (ctx == CTX_TOP && strcmp(st->tok[0], "include") == 0 && st->ntok >= 2 && st->inc) {
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
				nc_rule(st, ci, k + 2, st->tok[0][0] == 'i');
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
			if (ch->term == 0) {
				ch->file = st->file;
				ch->line = st->line;
			}
		} else if (strcmp(st->tok[0], "comment") != 0 &&
			   strcmp(st->tok[0], "devices") != 0) {
			nc_rule(st, st->chain, 0, false);
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

/* '{' after the statement collected so far: a table or chain block, another block whose
 * contents do not matter, or an anonymous set inside a statement. */
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
		for (size_t i = 0; blocks[i]; i++)
			if (strcmp(kw, blocks[i]) == 0) {
				st->ntok = 0;
				return nc_push(st, CTX_OTHER, line);
			}
	}
	if (ctx == CTX_OTHER)
		return nc_push(st, CTX_OTHER, line);
	return nc_push(st, CTX_INLINE, line);
}

static void nc_token(struct nc_state *st, const char *s, size_t l)
{
	if (st->ntok == 0)
		st->line = 0;
	if (st->ntok == 1)
		snprintf(st->arg1, sizeof(st->arg1), "%.*s", (int)l, s);
	if (st->ntok < NC_MAX_TOK) {
		snprintf(st->tok[st->ntok], NC_TOKLEN, "%.*s", (int)l, s);
		st->ntok++;
	}
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
			st->sp--;
			p++;
		} else if (c == '"') {
			const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
			const char *nl = memchr(p + 1, '\n', (size_t)(end - p - 1));
			if (q == NULL || (nl && nl < q)) {
				r = MAMORI_EPARSE;
				break;
			}
			nc_token(st, p + 1, (size_t)(q - p - 1));
			if (st->line == 0)
				st->line = line;
			p = q + 1;
		} else {
			const char *s = p;
			while (p < end && !c_isspace((unsigned char)*p) && *p != ';' && *p != '{' &&
			       *p != '}' && *p != '#' && *p != '"')
				p++;
			nc_token(st, s, (size_t)(p - s));
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

void fw_nft_conf_summary(const struct fw_nft_conf *conf, struct fw_summary *out, int *file,
			 int *line)
{
	struct fw_summary s = {0};
	int f4 = -1, l4 = 0, f6 = -1, l6 = 0, fa = -1, la = 0;
	for (size_t i = 0; i < conf->n; i++) {
		const struct fw_nft_chain *c = &conf->chains[i];
		bool v4 = strcmp(c->family, "ip") == 0 || strcmp(c->family, "inet") == 0;
		bool v6 = strcmp(c->family, "ip6") == 0 || strcmp(c->family, "inet") == 0;
		if (!c->is_filter || !c->hook_input || !(v4 || v6))
			continue;
		s.input_chains++;
		bool deny = c->term == END_DENY || (c->term == 0 && c->policy_drop);
		bool filtered = c->policy_drop || c->nrules > 0;
		char how[200];
		if (c->term == END_DENY)
			snprintf(how, sizeof(how), "an unconditional drop/reject rule");
		else if (c->term == END_ACCEPT)
			snprintf(how, sizeof(how), "an unconditional accept (or goto) rule");
		else
			snprintf(how, sizeof(how), "policy %s, %zu rule(s)",
				 c->policy_drop ? "drop" : "accept", c->nrules);
		struct nj_chain view = {.family = c->family, .table = c->table, .name = c->name};
		if (fa < 0)
			fa = c->file, la = c->line;
		if (v4) {
			bool first = !s.v4.deny && deny;
			view_add(&s.v4, &view, filtered, deny, how);
			if (first || f4 < 0)
				f4 = c->file, l4 = c->line;
		}
		if (v6) {
			bool first = !s.v6.deny && deny;
			view_add(&s.v6, &view, filtered, deny, how);
			if (first || f6 < 0)
				f6 = c->file, l6 = c->line;
		}
	}
	snprintf(s.backend, sizeof(s.backend), "%s", s.input_chains ? "nftables" : "none");
	*file = f4 >= 0 ? f4 : f6 >= 0 ? f6 : fa;
	*line = f4 >= 0 ? l4 : f6 >= 0 ? l6 : la;
	*out = s;
}

void fw_nft_conf_free(struct fw_nft_conf *conf)
{
	free(conf->chains);
	conf->chains = NULL;
	conf->n = 0;
}

/* ---- iptables-save files (/etc/iptables/rules.v4, rules.v6) ---- */

struct ipt_state {
	bool in_filter, policy_drop, filtered;
	int term, term_line, policy_line;
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
	const char *w[64];
	size_t wl[64];
	size_t n = ipt_words(s, len, w, wl, 64);
	if (s[0] == ':') {
		if (n < 2)
			return MAMORI_EPARSE;
		if (st->in_filter && weq(w[0], wl[0], ":INPUT")) {
			st->policy_drop = weq(w[1], wl[1], "DROP");
			st->policy_line = lineno;
		}
		return 0;
	}
	if (s[0] != '-' || n < 2)
		return MAMORI_EPARSE;
	if (!st->in_filter || !(weq(w[0], wl[0], "-A") || weq(w[0], wl[0], "-I")) ||
	    !weq(w[1], wl[1], "INPUT"))
		return 0;
	st->filtered = true;
	/* Unconditional: nothing but a comment before -j TARGET (and the target's options). */
	size_t i = 2;
	while (i + 2 < n && weq(w[i], wl[i], "-m") && weq(w[i + 1], wl[i + 1], "comment") &&
	       weq(w[i + 2], wl[i + 2], "--comment"))
		i += 4;
	if (i + 1 >= n || !(weq(w[i], wl[i], "-j") || weq(w[i], wl[i], "-g")))
		return 0;
	int term = 0;
	if (weq(w[i + 1], wl[i + 1], "DROP") || weq(w[i + 1], wl[i + 1], "REJECT"))
		term = END_DENY;
	else if (weq(w[i + 1], wl[i + 1], "ACCEPT") || weq(w[i], wl[i], "-g"))
		term = END_ACCEPT;
	if (term && (st->term == 0 || weq(w[0], wl[0], "-I"))) {
		st->term = term;
		st->term_line = lineno;
	}
	return 0;
}

int fw_iptables_save_parse(const char *buf, size_t len, bool *filtered, bool *deny, int *line,
			   int *bad_line)
{
	struct ipt_state st = {0};
	int r = for_each_line(buf, len, 1 << 16, ipt_line, &st, bad_line);
	if (r)
		return r == MAMORI_ETOOBIG ? MAMORI_EPARSE : r;
	*filtered = st.filtered || st.policy_drop;
	*deny = st.term == END_DENY || (st.term == 0 && st.policy_drop);
	*line = st.term ? st.term_line : st.policy_line;
	return 0;
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
	char text[F_N][400]; /* the note, or the reason when unknown */
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
	fw_nft_conf_summary(&nf->conf, &s, &file, &line);
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
	cand_set(c, F_DENY4, s.v4.deny ? TRI_YES : TRI_NO, src, line, "%s%s%s",
		 s.v4.chain[0] ? s.v4.chain : "no IPv4 input chain", s.v4.chain[0] ? ": " : "",
		 s.v4.how);
	cand_set(c, F_DENY6, s.v6.deny ? TRI_YES : TRI_NO, src, line, "%s%s%s",
		 s.v6.chain[0] ? s.v6.chain : "no IPv6 (ip6 or inet) input chain",
		 s.v6.chain[0] ? ": " : "", s.v6.how);
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
	bool filtered, deny;
	int line = 0, bad = 0;
	r = fw_iptables_save_parse(buf, len, &filtered, &deny, &line, &bad);
	free(buf);
	if (r) {
		cand_set(c, i, TRI_UNK, path, bad, "%s:%d: malformed line (iptables-save format)",
			 path, bad);
		return r == MAMORI_ENOMEM ? r : 0;
	}
	cand_set(c, i, deny ? TRI_YES : TRI_NO, path, line, "filter table INPUT chain %s",
		 deny	    ? "drops what no rule accepts"
		 : filtered ? "lets in what no rule refuses"
			    : "is empty and accepts everything");
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
	char note[1024];
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
	char note[640];
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
	r = facts_put_bool(ctx->facts, "firewall.inbound_default_deny", s->v4.deny, src, 0, note);
	if (r)
		return r;
	bool v6 = s->v6.deny;
	if (s->v6.chain[0])
		snprintf(note, sizeof(note), "%s: %s", s->v6.chain, s->v6.how);
	else if (s->v4.filtered)
		snprintf(note, sizeof(note),
			 "only ip (IPv4) family chains filter input: IPv6 traffic is not filtered");
	else
		snprintf(note, sizeof(note), "no IPv6 (ip6 or inet family) input chain");
	if (!v6 && ctx->live && !rootfs_exists(ctx, "/proc/net/if_inet6")) {
		v6 = true;
		snprintf(note, sizeof(note),
			 "IPv6 is disabled in the kernel (no /proc/net/if_inet6)");
	}
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
