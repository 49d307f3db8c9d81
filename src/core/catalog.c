/* SPDX-License-Identifier: Apache-2.0 */
#include "core/catalog.h"

#include <stdlib.h>
#include <string.h>

#include "core/yamlx.h"

const char *const topics[] = {
	"patch",	  "eol",	   "antivirus",	     "disk-encryption",
	"firewall",	  "file-sharing",  "remote-desktop", "local-admin",
	"password-policy", "lockout",	   "wifi",	     "router-exposure",
	"radios",	  "screen-lock",   "time-sync",	     "log-retention",
	"usb-storage",	  "software-inventory", "remote-access-tool", "legacy-protocol",
	"tls",		  "ssh",	   "mfa",	     "backup",
};
const size_t topics_count = sizeof(topics) / sizeof(topics[0]);

static const char *const sev_names[] = {"info", "low", "medium", "high", "critical"};
static const char *const status_names[] = {"pass", "fail", "unknown", "not_applicable",
					   "disabled"};
static const char *const mic_categories[] = {
	"governance-risk",  "asset-configuration",	"vulnerability",	"privilege",
	"data-protection",  "malware",			"communication-protection",
	"account-authentication", "access-control",	"incident-log",		"physical",
	"threat-intelligence", "education",		NULL};
static const char *const mic_roles[] = {"executive", "administrator", "teleworker", NULL};
static const char *const mic_levels[] = {"basic", "advanced", NULL};

bool topic_valid(const char *t)
{
	for (size_t i = 0; i < topics_count; i++)
		if (strcmp(topics[i], t) == 0)
			return true;
	return false;
}

const char *severity_name(enum severity s)
{
	return (unsigned)s < SEV_COUNT ? sev_names[s] : "?";
}

int severity_parse(const char *s, enum severity *out)
{
	for (int i = 0; i < SEV_COUNT; i++)
		if (s && strcmp(s, sev_names[i]) == 0) {
			*out = (enum severity)i;
			return 0;
		}
	return MAMORI_EINVAL;
}

const char *status_name(enum status s)
{
	return (unsigned)s < ST_COUNT ? status_names[s] : "?";
}

const char *text_get(const struct text *t, const char *lang)
{
	if (lang && strcmp(lang, "ja") == 0 && t->ja)
		return t->ja;
	return t->en ? t->en : "";
}

const struct text *check_remediation(const struct check *ck, const char *platform)
{
	for (size_t i = 0; i < ck->nremediation; i++)
		if (strcmp(ck->remediation[i].platform, platform) == 0)
			return &ck->remediation[i].text;
	return NULL;
}

struct catalog *catalog_new(void)
{
	struct catalog *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->defaults = json_object();
	if (c->defaults == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

static void text_free(struct text *t)
{
	free(t->en);
	free(t->ja);
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void check_free(struct check *ck)
{
	free(ck->id);
	free(ck->topic);
	strv_free(ck->platforms, ck->nplatforms);
	free(ck->applies_src);
	expr_free(ck->applies);
	free(ck->expr_src);
	expr_free(ck->expr);
	text_free(&ck->title);
	text_free(&ck->rationale);
	for (size_t i = 0; i < ck->nremediation; i++) {
		free(ck->remediation[i].platform);
		text_free(&ck->remediation[i].text);
	}
	free(ck->remediation);
	for (size_t i = 0; i < ck->nmic; i++) {
		free(ck->mic[i].category);
		free(ck->mic[i].role);
		free(ck->mic[i].level);
		free(ck->mic[i].item);
	}
	free(ck->mic);
	strv_free(ck->csaj, ck->ncsaj);
	strv_free(ck->jnsa, ck->njnsa);
	free(ck->file);
}

void catalog_free(struct catalog *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nchecks; i++)
		check_free(&c->checks[i]);
	free(c->checks);
	for (size_t i = 0; i < c->nparams; i++) {
		free(c->params[i].name);
		json_decref(c->params[i].def);
		free(c->params[i].source);
		text_free(&c->params[i].label);
	}
	free(c->params);
	json_decref(c->defaults);
	free(c);
}

/* Loader state for one file. */
struct ld {
	yaml_document_t *doc;
	const char *file;
	const char *id; /* check being read, for messages */
	struct errbuf *e;
};

static int ld_err(struct ld *l, const yaml_node_t *n, const char *msg, const char *arg)
{
	if (l->id)
		return err_set(l->e, MAMORI_EPARSE, "%s:%d: check %s: %s%s", l->file, yamlx_line(n),
			       l->id, msg, arg ? arg : "");
	return err_set(l->e, MAMORI_EPARSE, "%s:%d: %s%s", l->file, yamlx_line(n), msg,
		       arg ? arg : "");
}

static int ld_str(struct ld *l, const yaml_node_t *map, const char *key, bool required,
		  char **out)
{
	yaml_node_t *n = yamlx_get(l->doc, map, key);
	if (n == NULL) {
		if (!required)
			return 0;
		return ld_err(l, map, "missing key: ", key);
	}
	const char *s = yamlx_str(n);
	if (s == NULL || s[0] == '\0')
		return ld_err(l, n, "expected a non-empty text for ", key);
	*out = xstrdup(s);
	return *out ? 0 : err_set(l->e, MAMORI_ENOMEM, "out of memory");
}

/* YAML's folded style (">") joins lines with a space, which Japanese text does not use:
 * drop a single space that stands between two non-ASCII characters. */
static void ja_unfold(char *s)
{
	size_t o = 0;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == ' ' && o > 0 && (unsigned char)s[o - 1] >= 0x80 &&
		    (unsigned char)s[i + 1] >= 0x80)
			continue;
		s[o++] = s[i];
	}
	s[o] = '\0';
}

static int ld_text(struct ld *l, const yaml_node_t *map, const char *key, struct text *t)
{
	yaml_node_t *n = yamlx_get(l->doc, map, key);
	if (n == NULL)
		return ld_err(l, map, "missing key: ", key);
	static const char *const langs[] = {"en", "ja", NULL};
	if (yamlx_only_keys(l->doc, n, langs, l->file, key, l->e))
		return MAMORI_EPARSE;
	int r = ld_str(l, n, "en", true, &t->en);
	if (r == 0)
		r = ld_str(l, n, "ja", true, &t->ja);
	if (r == 0)
		ja_unfold(t->ja);
	return r;
}

static int ld_strv(struct ld *l, const yaml_node_t *n, const char *what, char ***out, size_t *nout)
{
	if (!yamlx_is_seq(n))
		return ld_err(l, n, "expected a list for ", what);
	size_t cnt = yamlx_seq_len(n);
	char **v = calloc(cnt + 1, sizeof(char *));
	if (v == NULL)
		return err_set(l->e, MAMORI_ENOMEM, "out of memory");
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *it = yamlx_seq_at(l->doc, n, i);
		const char *s = yamlx_str(it);
		if (s == NULL || s[0] == '\0' || (v[i] = xstrdup(s)) == NULL) {
			strv_free(v, i);
			return s ? err_set(l->e, MAMORI_ENOMEM, "out of memory")
				 : ld_err(l, it, "expected texts in ", what);
		}
	}
	*out = v;
	*nout = cnt;
	return 0;
}

static bool in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static int ld_expr(struct ld *l, const yaml_node_t *map, const char *key, char **src,
		   struct expr **x)
{
	if (ld_str(l, map, key, false, src))
		return MAMORI_EPARSE;
	if (*src == NULL)
		return 0;
	int col = 0;
	struct errbuf pe = {{0}};
	if (expr_parse(*src, x, &col, &pe)) {
		yaml_node_t *n = yamlx_get(l->doc, map, key);
		return err_set(l->e, MAMORI_EPARSE, "%s:%d: check %s: %s, column %d: %s", l->file,
			       yamlx_line(n), l->id, key, col, pe.msg);
	}
	return 0;
}

static int ld_refs(struct ld *l, const yaml_node_t *refs, struct check *ck)
{
	static const char *const keys[] = {"mic", "csaj", "jnsa", NULL};
	if (yamlx_only_keys(l->doc, refs, keys, l->file, "refs", l->e))
		return MAMORI_EPARSE;
	yaml_node_t *mic = yamlx_get(l->doc, refs, "mic");
	if (mic) {
		if (!yamlx_is_seq(mic))
			return ld_err(l, mic, "refs.mic: expected a list", NULL);
		ck->nmic = yamlx_seq_len(mic);
		ck->mic = calloc(ck->nmic ? ck->nmic : 1, sizeof(*ck->mic));
		if (ck->mic == NULL)
			return err_set(l->e, MAMORI_ENOMEM, "out of memory");
		static const char *const mkeys[] = {"category", "role", "level", "item", NULL};
		for (size_t i = 0; i < ck->nmic; i++) {
			yaml_node_t *m = yamlx_seq_at(l->doc, mic, i);
			struct mic_ref *r = &ck->mic[i];
			if (yamlx_only_keys(l->doc, m, mkeys, l->file, "refs.mic", l->e) ||
			    ld_str(l, m, "category", true, &r->category) ||
			    ld_str(l, m, "role", true, &r->role) ||
			    ld_str(l, m, "level", true, &r->level) ||
			    ld_str(l, m, "item", false, &r->item))
				return MAMORI_EPARSE;
			if (!in_list(r->category, mic_categories))
				return ld_err(l, m, "unknown MIC category: ", r->category);
			if (!in_list(r->role, mic_roles))
				return ld_err(l, m, "unknown MIC role: ", r->role);
			if (!in_list(r->level, mic_levels))
				return ld_err(l, m, "unknown MIC level: ", r->level);
		}
	}
	yaml_node_t *csaj = yamlx_get(l->doc, refs, "csaj");
	if (csaj && ld_strv(l, csaj, "refs.csaj", &ck->csaj, &ck->ncsaj))
		return MAMORI_EPARSE;
	yaml_node_t *jnsa = yamlx_get(l->doc, refs, "jnsa");
	if (jnsa && ld_strv(l, jnsa, "refs.jnsa", &ck->jnsa, &ck->njnsa))
		return MAMORI_EPARSE;
	if (ck->nmic + ck->ncsaj + ck->njnsa == 0)
		return ld_err(l, refs, "refs: at least one guideline reference is required", NULL);
	return 0;
}

static bool id_valid(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || c_isdigit(*s) || *s == '-'))
			return false;
	return true;
}

static int ld_check(struct ld *l, const yaml_node_t *n, struct check *ck)
{
	static const char *const keys[] = {"id",    "topic",       "severity", "platforms",
					   "applies", "expr",     "title",    "rationale",
					   "remediation", "refs", NULL};
	l->id = NULL;
	if (ld_str(l, n, "id", true, &ck->id))
		return MAMORI_EPARSE;
	if (!id_valid(ck->id))
		return ld_err(l, n, "check id must be [a-z0-9-]{1,64}: ", ck->id);
	l->id = ck->id;
	ck->line = yamlx_line(n);
	if ((ck->file = xstrdup(l->file)) == NULL)
		return err_set(l->e, MAMORI_ENOMEM, "out of memory");
	if (yamlx_only_keys(l->doc, n, keys, l->file, ck->id, l->e))
		return MAMORI_EPARSE;
	char *sev = NULL;
	if (ld_str(l, n, "topic", true, &ck->topic))
		return MAMORI_EPARSE;
	if (!topic_valid(ck->topic))
		return ld_err(l, yamlx_get(l->doc, n, "topic"), "unknown topic: ", ck->topic);
	if (ld_str(l, n, "severity", true, &sev))
		return MAMORI_EPARSE;
	int r = severity_parse(sev, &ck->severity);
	if (r) {
		r = ld_err(l, yamlx_get(l->doc, n, "severity"),
			   "severity must be info, low, medium, high or critical: ", sev);
		free(sev);
		return r;
	}
	free(sev);
	yaml_node_t *pl = yamlx_get(l->doc, n, "platforms");
	if (pl == NULL)
		return ld_err(l, n, "missing key: platforms", NULL);
	if (ld_strv(l, pl, "platforms", &ck->platforms, &ck->nplatforms))
		return MAMORI_EPARSE;
	if (ld_expr(l, n, "applies", &ck->applies_src, &ck->applies))
		return MAMORI_EPARSE;
	if (ld_expr(l, n, "expr", &ck->expr_src, &ck->expr))
		return MAMORI_EPARSE;
	if (ck->expr == NULL)
		return ld_err(l, n, "missing key: expr", NULL);
	if (ld_text(l, n, "title", &ck->title) || ld_text(l, n, "rationale", &ck->rationale))
		return MAMORI_EPARSE;
	yaml_node_t *rem = yamlx_get(l->doc, n, "remediation");
	if (!yamlx_is_map(rem))
		return ld_err(l, rem ? rem : n, "remediation: expected a mapping per platform",
			      NULL);
	size_t np = (size_t)(rem->data.mapping.pairs.top - rem->data.mapping.pairs.start);
	ck->remediation = calloc(np ? np : 1, sizeof(*ck->remediation));
	if (ck->remediation == NULL)
		return err_set(l->e, MAMORI_ENOMEM, "out of memory");
	for (yaml_node_pair_t *pr = rem->data.mapping.pairs.start; pr < rem->data.mapping.pairs.top;
	     pr++) {
		const char *plat = yamlx_str(yaml_document_get_node(l->doc, pr->key));
		struct remediation *rm = &ck->remediation[ck->nremediation++];
		if (plat == NULL || (rm->platform = xstrdup(plat)) == NULL)
			return ld_err(l, rem, "remediation: bad platform name", NULL);
		if (ld_text(l, rem, plat, &rm->text))
			return MAMORI_EPARSE;
	}
	for (size_t i = 0; i < ck->nplatforms; i++)
		if (check_remediation(ck, ck->platforms[i]) == NULL)
			return ld_err(l, rem, "remediation: missing for platform ",
				      ck->platforms[i]);
	yaml_node_t *refs = yamlx_get(l->doc, n, "refs");
	if (refs == NULL)
		return ld_err(l, n, "missing key: refs", NULL);
	return ld_refs(l, refs, ck);
}

static int add_checks(struct catalog *c, struct ld *l, const yaml_node_t *root)
{
	static const char *const keys[] = {"checks", NULL};
	if (yamlx_only_keys(l->doc, root, keys, l->file, "top level", l->e))
		return MAMORI_EPARSE;
	yaml_node_t *seq = yamlx_get(l->doc, root, "checks");
	if (!yamlx_is_seq(seq))
		return ld_err(l, seq ? seq : root, "checks: expected a list", NULL);
	size_t n = yamlx_seq_len(seq);
	struct check *v = realloc(c->checks, (c->nchecks + n) * sizeof(*v));
	if (v == NULL && n)
		return err_set(l->e, MAMORI_ENOMEM, "out of memory");
	if (v)
		c->checks = v;
	for (size_t i = 0; i < n; i++) {
		struct check *ck = &c->checks[c->nchecks];
		memset(ck, 0, sizeof(*ck));
		int r = ld_check(l, yamlx_seq_at(l->doc, seq, i), ck);
		if (r == 0 && catalog_find(c, ck->id))
			r = ld_err(l, yamlx_seq_at(l->doc, seq, i), "duplicate check id", NULL);
		if (r) {
			check_free(ck);
			return r;
		}
		c->nchecks++;
	}
	return 0;
}

static int add_params(struct catalog *c, struct ld *l, const yaml_node_t *root)
{
	static const char *const keys[] = {"params", NULL};
	static const char *const pkeys[] = {"default", "source", "en", "ja", NULL};
	if (yamlx_only_keys(l->doc, root, keys, l->file, "top level", l->e))
		return MAMORI_EPARSE;
	yaml_node_t *map = yamlx_get(l->doc, root, "params");
	if (!yamlx_is_map(map))
		return ld_err(l, map ? map : root, "params: expected a mapping", NULL);
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
	     pr++) {
		const char *name = yamlx_str(yaml_document_get_node(l->doc, pr->key));
		yaml_node_t *pn = yaml_document_get_node(l->doc, pr->value);
		if (name == NULL || catalog_param(c, name))
			return ld_err(l, pn, "duplicate or bad parameter name: ", name);
		if (yamlx_only_keys(l->doc, pn, pkeys, l->file, name, l->e))
			return MAMORI_EPARSE;
		struct param *v = realloc(c->params, (c->nparams + 1) * sizeof(*v));
		if (v == NULL)
			return err_set(l->e, MAMORI_ENOMEM, "out of memory");
		c->params = v;
		struct param *p = &c->params[c->nparams];
		memset(p, 0, sizeof(*p));
		if ((p->name = xstrdup(name)) == NULL)
			return err_set(l->e, MAMORI_ENOMEM, "out of memory");
		c->nparams++; /* from here on catalog_free releases it */
		yaml_node_t *dn = yamlx_get(l->doc, pn, "default");
		if (dn == NULL)
			return ld_err(l, pn, "missing key: default for ", name);
		p->def = yamlx_to_json(l->doc, dn, l->file, l->e);
		if (p->def == NULL)
			return MAMORI_EPARSE;
		if (ld_str(l, pn, "source", true, &p->source) ||
		    ld_str(l, pn, "en", true, &p->label.en) ||
		    ld_str(l, pn, "ja", true, &p->label.ja))
			return MAMORI_EPARSE;
		if (json_object_set(c->defaults, p->name, p->def))
			return err_set(l->e, MAMORI_ENOMEM, "out of memory");
	}
	return 0;
}

int catalog_add(struct catalog *c, const char *name, const char *text, size_t len,
		struct errbuf *e)
{
	bool is_params = strcmp(name, "params.yaml") == 0;
	bool is_checks = strncmp(name, "checks/", 7) == 0;
	if (!is_params && !is_checks)
		return 0;
	yaml_document_t doc;
	int r = yamlx_load(&doc, name, text, len, e);
	if (r)
		return r;
	struct ld l = {.doc = &doc, .file = name, .e = e};
	yaml_node_t *root = yamlx_root(&doc);
	r = is_params ? add_params(c, &l, root) : add_checks(c, &l, root);
	yaml_document_delete(&doc);
	return r;
}

static int cmp_check(const void *a, const void *b)
{
	const struct check *x = a, *y = b;
	int c = strcmp(x->topic, y->topic);
	return c ? c : strcmp(x->id, y->id);
}

int catalog_finish(struct catalog *c, struct errbuf *e)
{
	for (size_t i = 0; i < c->nchecks; i++) {
		struct check *ck = &c->checks[i];
		struct expr *xs[2] = {ck->applies, ck->expr};
		for (int k = 0; k < 2; k++) {
			if (xs[k] == NULL)
				continue;
			const char **paths, **params;
			size_t np, nq;
			if (expr_names(xs[k], &paths, &np, &params, &nq))
				return err_set(e, MAMORI_ENOMEM, "out of memory");
			const char *missing = NULL;
			for (size_t j = 0; j < nq && !missing; j++)
				if (catalog_param(c, params[j]) == NULL)
					missing = params[j];
			int r = 0;
			if (missing)
				r = err_set(e, MAMORI_EPARSE,
					    "%s:%d: check %s: unknown parameter $%s (not in params.yaml)",
					    ck->file, ck->line, ck->id, missing);
			free(paths);
			free(params);
			if (r)
				return r;
		}
	}
	if (c->nchecks)
		qsort(c->checks, c->nchecks, sizeof(*c->checks), cmp_check);
	return 0;
}

int catalog_load_embedded(struct catalog **out, struct errbuf *e)
{
	struct catalog *c = catalog_new();
	if (c == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	for (size_t i = 0; i < catalog_embedded_count; i++) {
		int r = catalog_add(c, catalog_embedded[i].name, catalog_embedded[i].text,
				    catalog_embedded[i].len, e);
		if (r) {
			catalog_free(c);
			return r;
		}
	}
	int r = catalog_finish(c, e);
	if (r) {
		catalog_free(c);
		return r;
	}
	*out = c;
	return 0;
}

const struct check *catalog_find(const struct catalog *c, const char *id)
{
	for (size_t i = 0; i < c->nchecks; i++)
		if (strcmp(c->checks[i].id, id) == 0)
			return &c->checks[i];
	return NULL;
}

const struct param *catalog_param(const struct catalog *c, const char *name)
{
	for (size_t i = 0; i < c->nparams; i++)
		if (strcmp(c->params[i].name, name) == 0)
			return &c->params[i];
	return NULL;
}
