/* SPDX-License-Identifier: Apache-2.0 */
#include "core/catalog.h"

#include <stdlib.h>
#include <string.h>

#include "core/guide.h"
#include "core/loader.h"
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
bool topic_listed(const char *list, const char *topic)
{
	size_t n = strlen(topic);
	for (const char *p = list; p != NULL; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, topic, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

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
	strv_free(ck->controls, ck->ncontrols);
	free(ck->ctl);
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
	guide_free(c->guide);
	free(c);
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

static int ld_controls(struct ld *l, const yaml_node_t *n, struct check *ck)
{
	if (ld_strv(l, n, "controls", &ck->controls, &ck->ncontrols))
		return MAMORI_EPARSE;
	if (ck->ncontrols == 0)
		return ld_err(l, n, "controls: a check must automate at least one control", NULL);
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
					   "remediation", "controls", NULL};
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
	yaml_node_t *ctl = yamlx_get(l->doc, n, "controls");
	if (ctl == NULL)
		return ld_err(l, n, "missing key: controls", NULL);
	return ld_controls(l, ctl, ck);
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
	bool is_guide = strncmp(name, "controls/", 9) == 0 || strncmp(name, "profiles/", 9) == 0;
	if (!is_params && !is_checks && !is_guide)
		return 0;
	if (is_guide && c->guide == NULL && (c->guide = guide_new()) == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	yaml_document_t doc;
	int r = yamlx_load(&doc, name, text, len, e);
	if (r)
		return r;
	struct ld l = {.doc = &doc, .file = name, .e = e};
	yaml_node_t *root = yamlx_root(&doc);
	if (is_guide)
		r = guide_add(c->guide, &l, root, c);
	else
		r = is_params ? add_params(c, &l, root) : add_checks(c, &l, root);
	yaml_document_delete(&doc);
	if (r)
		c->failed = true;
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
	if (c->failed)
		return err_set(e, MAMORI_EINVAL, "the catalog did not load (see the first error)");
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
	if (c->guide == NULL && (c->guide = guide_new()) == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	return guide_finish(c->guide, c, e);
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
