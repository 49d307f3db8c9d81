/* SPDX-License-Identifier: Apache-2.0 */
/* The administrator's dashboard: the embedded single-page app (web/) with its security
 * headers, and the data API it reads (docs/server.md, "Dashboard API"): overview, trend,
 * filtered ledger pages, failing devices per check and per control, the catalog's texts,
 * the organization's risk register and the checklist, as JSON, CSV and XLSX. */
#include "server/api_ui.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/catalog.h"
#include "core/guide.h"
#include "core/i18n.h"
#include "core/plan.h"
#include "core/register.h"
#include "server/log.h"
#include "server/web_assets.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 1000
#define OVERVIEW_DEFAULT 10
#define TREND_DEFAULT 30
#define TREND_MAX 366
#define XLSX_MAX ((size_t)64 << 20)

/* ---- the catalog, loaded once ---- */

static pthread_once_t catalog_once = PTHREAD_ONCE_INIT;
static struct catalog *catalog;
static char *catalog_json; /* GET /v1/catalog, built once */
static char catalog_error[sizeof(((struct errbuf *)0)->msg)];

static json_t *text_json(const struct text *t)
{
	return json_pack("{s:s?, s:s?}", "en", t->en, "ja", t->ja);
}

static json_t *named_json(const struct named *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:o, s:o}", "id", v[i].id, "name",
						       text_json(&v[i].name), "description",
						       text_json(&v[i].description))) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *check_json(const struct check *ck)
{
	json_t *rem = json_array(), *ctl = json_array();
	for (size_t i = 0; rem != NULL && i < ck->nremediation; i++)
		if (json_array_append_new(
			rem, json_pack("{s:s, s:o}", "platform", ck->remediation[i].platform,
				       "text", text_json(&ck->remediation[i].text))) < 0) {
			json_decref(rem);
			rem = NULL;
		}
	for (size_t i = 0; ctl != NULL && i < ck->ncontrols; i++)
		if (json_array_append_new(ctl, json_string(ck->controls[i])) < 0) {
			json_decref(ctl);
			ctl = NULL;
		}
	if (rem == NULL || ctl == NULL) {
		json_decref(rem);
		json_decref(ctl);
		return NULL;
	}
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id", ck->id, "topic", ck->topic,
			 "severity", severity_name(ck->severity), "title", text_json(&ck->title),
			 "rationale", text_json(&ck->rationale), "remediation", rem, "controls",
			 ctl);
}

static json_t *control_json(const struct control *c)
{
	char label[96];
	json_t *checks = json_array();
	for (size_t i = 0; checks != NULL && i < c->nchecks; i++)
		if (json_array_append_new(checks, json_string(c->checks[i]->id)) < 0) {
			json_decref(checks);
			checks = NULL;
		}
	if (checks == NULL)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id",
			 c->id, "label", control_label(c, label, sizeof label), "framework",
			 c->framework, "item", c->item, "category", c->category, "role", c->role,
			 "priority", priority_name(c->priority), "mark", priority_mark(c->priority),
			 "level", c->advanced ? "advanced" : "basic", "title", text_json(&c->title),
			 "text", text_json(&c->text), "checks", checks);
}

static json_t *build_catalog_json(const struct catalog *cat)
{
	const struct guide *g = cat->guide;
	json_t *checks = json_array(), *controls = json_array(), *tops = json_array(),
	       *sev = json_array();
	bool ok = checks && controls && tops && sev;
	for (size_t i = 0; ok && i < cat->nchecks; i++)
		ok = json_array_append_new(checks, check_json(&cat->checks[i])) == 0;
	for (size_t i = 0; ok && i < g->ncontrols; i++)
		ok = json_array_append_new(controls, control_json(&g->controls[i])) == 0;
	for (size_t i = 0; ok && i < topics_count; i++)
		ok = json_array_append_new(tops,
					   json_pack("{s:s, s:{s:s, s:s}}", "id", topics[i], "name",
						     "en", topic_label("en", topics[i]), "ja",
						     topic_label("ja", topics[i]))) == 0;
	for (int i = 0; ok && i < SEV_COUNT; i++)
		ok = json_array_append_new(sev, json_pack("{s:s, s:{s:s, s:s}}", "id",
							  severity_name((enum severity)i), "name",
							  "en", severity_label("en", i), "ja",
							  severity_label("ja", i))) == 0;
	if (!ok) {
		json_decref(checks);
		json_decref(controls);
		json_decref(tops);
		json_decref(sev);
		return NULL;
	}
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "checks", checks, "controls", controls,
			 "categories", named_json(g->categories, g->ncategories), "roles",
			 named_json(g->roles, g->nroles), "topics", tops, "severities", sev);
}

static void catalog_load(void)
{
	struct errbuf e = {{0}};
	if (catalog_load_embedded(&catalog, &e) != 0) {
		snprintf(catalog_error, sizeof catalog_error, "%s", e.msg);
		catalog = NULL;
		return;
	}
	json_t *j = build_catalog_json(catalog);
	catalog_json = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (catalog_json == NULL)
		snprintf(catalog_error, sizeof catalog_error, "out of memory");
}

/* The embedded catalog, or NULL with a 500 reply. */
static const struct catalog *get_catalog(struct reply *out)
{
	pthread_once(&catalog_once, catalog_load);
	if (catalog == NULL || catalog_json == NULL) {
		log_event(LOG_ERROR, "dashboard: cannot load the catalog", "error", catalog_error,
			  NULL);
		reply_error(out, 500, "the catalog cannot be loaded");
		return NULL;
	}
	return catalog;
}

/* ---- replies ---- */

static void add_header(struct reply *out, const char *name, const char *value)
{
	if (out->n_extra < sizeof out->extra / sizeof out->extra[0]) {
		out->extra[out->n_extra].name = name;
		out->extra[out->n_extra].value = value;
		out->n_extra++;
	}
}

static void store_failed(struct reply *out, int r, const struct errbuf *e, const char *what)
{
	if (r == STORE_NOT_FOUND) {
		reply_error(out, 404, what);
	} else if (r == MAMORI_EINVAL) {
		reply_error(out, 400, e->msg);
	} else {
		log_event(LOG_ERROR, "dashboard query failed", "error", e->msg, NULL);
		reply_error(out, 503, "the database cannot answer now");
	}
}

/* A download: body (malloc'd, len bytes) with its type and file name. */
static void reply_download(struct reply *out, char *body, size_t len, const char *type,
			   const char *filename)
{
	out->status = 200;
	out->content_type = type;
	out->body = body;
	out->len = len;
	snprintf(out->extra_value, sizeof out->extra_value, "attachment; filename=\"%s\"",
		 filename);
	add_header(out, "Content-Disposition", out->extra_value);
}

/* ---- assets ---- */

bool api_ui_is_asset(const char *path)
{
	return strcmp(path, "/") == 0 || strncmp(path, "/static/", 8) == 0;
}

/* Whether an If-None-Match list names etag (or is "*"). */
static bool etag_matches(const char *header, const char *etag)
{
	if (header == NULL)
		return false;
	if (strcmp(header, "*") == 0)
		return true;
	return strstr(header, etag) != NULL;
}

void api_ui_asset(const struct request *rq, struct reply *out)
{
	out->endpoint = EP_OTHER;
	const char *p = rq->path;
	const struct web_asset *a = NULL;
	if (strcmp(p, "/") == 0)
		a = web_asset_find("index.html");
	else if (strstr(p, "..") == NULL && strstr(p, "//") == NULL)
		a = web_asset_find(p + 8);
	/* The strict CSP and the other security headers are on every response (http.c). */
	if (a == NULL) {
		reply_error(out, 404, "no such file");
		return;
	}
	/* Revalidated on every load (a 304 costs a round trip, not the file): a new mamorid
	 * serves its new files at once. */
	add_header(out, "Cache-Control", "no-cache");
	add_header(out, "ETag", a->etag);
	const char *inm = rq->header ? rq->header(rq->conn, "If-None-Match") : NULL;
	if (etag_matches(inm, a->etag)) {
		out->status = 304;
		out->content_type = a->type;
		out->body = NULL;
		out->len = 0;
		return;
	}
	char *copy = malloc(a->len + 1);
	if (copy == NULL) {
		out->n_extra = 0;
		reply_error(out, 500, "out of memory");
		return;
	}
	memcpy(copy, a->data, a->len);
	copy[a->len] = '\0';
	out->status = 200;
	out->content_type = a->type;
	out->body = copy;
	out->len = a->len;
}

/* ---- routes ---- */

static bool under(const char *path, const char *prefix, const char *suffix)
{
	size_t n = strlen(prefix), m = strlen(path), k = strlen(suffix);
	return strncmp(path, prefix, n) == 0 && m > n + k && strcmp(path + m - k, suffix) == 0 &&
	       memchr(path + n, '/', m - n - k) == NULL;
}

bool api_ui_is_admin_get(const char *p)
{
	static const char *const exact[] = {"/v1/devices",
					    "/v1/overview",
					    "/v1/trend",
					    "/v1/catalog",
					    "/v1/register",
					    "/v1/register.csv",
					    "/v1/register.xlsx",
					    "/v1/checklist",
					    "/v1/checklist.csv",
					    "/v1/checklist.xlsx",
					    NULL};
	for (size_t i = 0; exact[i]; i++)
		if (strcmp(p, exact[i]) == 0)
			return true;
	return under(p, "/v1/checks/", "/devices") || under(p, "/v1/controls/", "/devices");
}

bool api_ui_is_admin_put(const char *p)
{
	return strncmp(p, "/v1/register/", 13) == 0 && p[13] != '\0' && strchr(p + 13, '/') == NULL;
}

/* ---- arguments ---- */

static const char *arg(const struct request *rq, const char *name)
{
	const char *v = rq->arg(rq->conn, name);
	return v && v[0] ? v : NULL;
}

static int int_arg(const struct request *rq, const char *name, long long min, long long max,
		   long long def, long long *out, struct reply *reply)
{
	const char *s = arg(rq, name), *why;
	*out = def;
	if (s && str_to_ll(s, min, max, out, &why) != 0) {
		char msg[128];
		snprintf(msg, sizeof msg, "%s must be a number from %lld to %lld", name, min, max);
		reply_error(reply, 400, msg);
		return -1;
	}
	return 0;
}

static bool hex32(const char *s)
{
	if (s == NULL || strlen(s) != 32)
		return false;
	for (size_t i = 0; i < 32; i++)
		if (!(c_isdigit((unsigned char)s[i]) || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* An id in a path or argument: 1 to max printable ASCII bytes, no '/'. */
static bool plain_id(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '/')
			return false;
	return true;
}

static const char *lang_arg(const struct request *rq)
{
	const char *l = arg(rq, "lang");
	return l && strcmp(l, "ja") == 0 ? "ja" : "en";
}

static int after_arg(const struct request *rq, const char **out, struct reply *reply)
{
	*out = arg(rq, "after");
	if (*out && !hex32(*out)) {
		reply_error(reply, 400, "after must be a device id");
		return -1;
	}
	return 0;
}

/* ---- GET /v1/devices ---- */

static void devices(struct server *s, const struct request *rq, struct reply *out)
{
	static const char *const states[] = {"pass", "fail", "unknown", "none", "revoked", NULL};
	long long limit;
	struct store_device_filter f = {.now = (int64_t)time(NULL)};
	if (int_arg(rq, "limit", 1, PAGE_MAX, PAGE_DEFAULT, &limit, out) ||
	    after_arg(rq, &f.after, out))
		return;
	f.limit = (int)limit;
	f.status = arg(rq, "status");
	f.topic = arg(rq, "topic");
	f.check = arg(rq, "check");
	f.q = arg(rq, "q");
	const char *stale = arg(rq, "stale"), *sort = arg(rq, "sort");
	bool known = false;
	for (size_t i = 0; f.status && states[i]; i++)
		known = known || strcmp(f.status, states[i]) == 0;
	if (f.status && !known) {
		reply_error(out, 400, "status must be pass, fail, unknown, none or revoked");
		return;
	}
	if (f.topic && !topic_valid(f.topic)) {
		reply_error(out, 400, "topic: not a topic of the catalog");
		return;
	}
	if ((f.check && !plain_id(f.check, 128)) || (f.q && strlen(f.q) > 255)) {
		reply_error(out, 400,
			    "check: an id of at most 128 characters; q: at most 255 bytes");
		return;
	}
	if (stale && strcmp(stale, "1") != 0 && strcmp(stale, "0") != 0 &&
	    strcmp(stale, "true") != 0 && strcmp(stale, "false") != 0) {
		reply_error(out, 400, "stale must be 1 or 0");
		return;
	}
	f.stale = stale && (strcmp(stale, "1") == 0 || strcmp(stale, "true") == 0);
	if (sort == NULL || strcmp(sort, "hostname") == 0)
		f.sort = STORE_SORT_HOSTNAME;
	else if (strcmp(sort, "worst") == 0)
		f.sort = STORE_SORT_WORST;
	else if (strcmp(sort, "last_seen") == 0)
		f.sort = STORE_SORT_LAST_SEEN;
	else {
		reply_error(out, 400, "sort must be hostname, worst or last_seen");
		return;
	}
	json_t *o = NULL;
	struct errbuf e;
	int r = store_devices_query(s->store, &f, &o, &e);
	if (r)
		store_failed(out, r, &e, "no such device (after)");
	else
		reply_json(out, 200, o);
}

/* ---- overview and trend ---- */

/* Checks' counts as a list, most failing first; and per guideline category the failing
 * findings (a device failing two checks of a category counts twice) and the checks that
 * fail somewhere. */
static int rank_checks(const struct catalog *cat, json_t *counts, json_t **checks_out,
		       json_t **categories_out)
{
	const struct guide *g = cat->guide;
	json_t *checks = json_array(), *cats = json_array();
	json_int_t *fail = calloc(g->ncategories + 1, sizeof(*fail));
	json_int_t *nfail = calloc(g->ncategories + 1, sizeof(*nfail));
	json_int_t *unknown = calloc(g->ncategories + 1, sizeof(*unknown));
	bool *seen = calloc(g->ncategories + 1, sizeof(*seen));
	int rc = checks && cats && fail && nfail && unknown && seen ? 0 : MAMORI_ENOMEM;
	const char *id;
	json_t *c;
	json_object_foreach(counts, id, c)
	{
		if (rc)
			break;
		json_t *item = json_deep_copy(c);
		if (item == NULL || json_object_set_new(item, "check", json_string(id)) < 0 ||
		    json_array_append_new(checks, item) < 0) {
			rc = MAMORI_ENOMEM;
			break;
		}
		const struct check *ck = catalog_find(cat, id);
		json_int_t f = json_integer_value(json_object_get(c, "fail"));
		json_int_t u = json_integer_value(json_object_get(c, "unknown"));
		memset(seen, 0, (g->ncategories + 1) * sizeof(*seen));
		for (size_t i = 0; ck && ck->ctl && i < ck->ncontrols; i++) {
			size_t k = ck->ctl[i] ? named_index(g->categories, g->ncategories,
							    ck->ctl[i]->category)
					      : g->ncategories;
			if (k >= g->ncategories || seen[k])
				continue;
			seen[k] = true;
			fail[k] += f;
			unknown[k] += u;
			nfail[k] += f > 0;
		}
	}
	/* Most failing first; insertion sort, a few dozen checks. */
	for (size_t i = 1; rc == 0 && i < json_array_size(checks); i++)
		for (size_t k = i; k > 0; k--) {
			json_t *a = json_array_get(checks, k - 1), *b = json_array_get(checks, k);
			if (json_integer_value(json_object_get(a, "fail")) >=
			    json_integer_value(json_object_get(b, "fail")))
				break;
			json_incref(a);
			json_array_set(checks, k - 1, b);
			json_array_set_new(checks, k, a);
		}
	for (size_t k = 0; rc == 0 && k < g->ncategories; k++)
		if (json_array_append_new(cats, json_pack("{s:s, s:I, s:I, s:I}", "category",
							  g->categories[k].id, "failing_findings",
							  fail[k], "unknown_findings", unknown[k],
							  "failing_checks", nfail[k])) < 0)
			rc = MAMORI_ENOMEM;
	free(fail);
	free(nfail);
	free(unknown);
	free(seen);
	if (rc) {
		json_decref(checks);
		json_decref(cats);
		return rc;
	}
	*checks_out = checks;
	*categories_out = cats;
	return 0;
}

static void overview(struct server *s, const struct request *rq, struct reply *out)
{
	const struct catalog *cat = get_catalog(out);
	long long n;
	if (cat == NULL || int_arg(rq, "limit", 1, 100, OVERVIEW_DEFAULT, &n, out))
		return;
	int64_t now = (int64_t)time(NULL), age = s->cfg->gate_max_report_age;
	json_t *counts = NULL, *tsum = NULL, *checks = NULL, *ranked = NULL, *cats = NULL,
	       *worst = NULL, *stale = NULL;
	struct errbuf e;
	struct store_device_filter fw = {.now = now, .sort = STORE_SORT_WORST, .limit = (int)n};
	struct store_device_filter fs = {.now = now, .stale = true, .limit = (int)n};
	int r;
	if ((r = store_fleet_counts(s->store, now, age, &counts, &e)) ||
	    (r = store_topic_summary(s->store, &tsum, &e)) ||
	    (r = store_check_counts(s->store, &checks, &e)) ||
	    (r = store_devices_query(s->store, &fw, &worst, &e)) ||
	    (r = store_devices_query(s->store, &fs, &stale, &e))) {
		store_failed(out, r, &e, "no data");
		goto out;
	}
	/* The worst are those that fail something. */
	json_t *wl = json_object_get(worst, "devices");
	for (size_t i = json_array_size(wl); i > 0; i--)
		if (json_integer_value(json_object_get(
			json_object_get(json_array_get(wl, i - 1), "counts"), "fail")) == 0)
			json_array_remove(wl, i - 1);
	if (rank_checks(cat, checks, &ranked, &cats) != 0) {
		reply_error(out, 500, "out of memory");
		goto out;
	}
	reply_json(out, 200, json_pack("{s:O, s:{s:I}, s:O, s:O, s:O, s:O, s:O, s:O}", "devices", counts,
				  "policy", "max_report_age", (json_int_t)age, "topics",
				  json_object_get(tsum, "topics"), "categories", cats, "checks",
				  ranked, "worst", json_object_get(worst, "devices"), "stale",
				  json_object_get(stale, "devices"), "stale_next",
				  json_object_get(stale, "next")));
out:
	json_decref(counts);
	json_decref(tsum);
	json_decref(checks);
	json_decref(ranked);
	json_decref(cats);
	json_decref(worst);
	json_decref(stale);
}

static void day_of(int64_t t, char out[11])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Daily points from the stored rows; a day without a row (no report, enrollment or revocation
 * that day) repeats the day before; today is counted now. */
static void trend(struct server *s, const struct request *rq, struct reply *out)
{
	long long days;
	if (int_arg(rq, "days", 1, TREND_MAX, TREND_DEFAULT, &days, out))
		return;
	int64_t now = (int64_t)time(NULL), age = s->cfg->gate_max_report_age;
	int64_t start = now - (days - 1) * 86400;
	char from[11], today[11];
	day_of(start, from);
	day_of(now, today);
	json_t *rows = NULL, *live = NULL, *list = json_array();
	struct errbuf e;
	int r;
	if (list == NULL) {
		reply_error(out, 500, "out of memory");
		return;
	}
	if ((r = store_trend(s->store, from, &rows, &e)) ||
	    (r = store_fleet_counts(s->store, now, age, &live, &e))) {
		store_failed(out, r, &e, "no data");
		goto out;
	}
	json_t *prev = json_object_get(rows, "before"), *stored = json_object_get(rows, "days");
	size_t k = 0;
	for (int64_t t = start; t <= now + 1; t += 86400) {
		char day[11];
		day_of(t, day);
		json_t *row = json_array_get(stored, k);
		if (row && strcmp(json_string_value(json_object_get(row, "day")), day) == 0) {
			prev = row;
			k++;
		}
		json_t *point;
		if (strcmp(day, today) == 0)
			point = json_pack("{s:s, s:O, s:O, s:O, s:O, s:O, s:O}", "day", day, "pass",
					  json_object_get(live, "pass"), "fail",
					  json_object_get(live, "fail"), "unknown",
					  json_object_get(live, "unknown"), "none",
					  json_object_get(live, "none"), "revoked",
					  json_object_get(live, "revoked"), "stale",
					  json_object_get(live, "stale"));
		else if (json_is_object(prev)) {
			point = json_deep_copy(prev);
			if (point)
				json_object_set_new(point, "day", json_string(day));
		} else
			continue; /* before the first row: no data */
		if (point == NULL || json_array_append_new(list, point) < 0) {
			reply_error(out, 500, "out of memory");
			goto out;
		}
		if (strcmp(day, today) == 0)
			break;
	}
	reply_json(out, 200, json_pack("{s:O, s:I}", "days", list, "max_report_age", (json_int_t)age));
out:
	json_decref(list);
	json_decref(rows);
	json_decref(live);
}

/* ---- failing devices of a check or a control ---- */

static json_t *zero_counts(void)
{
	return json_pack("{s:i, s:i, s:i, s:i, s:i}", "pass", 0, "fail", 0, "unknown", 0,
			 "not_applicable", 0, "disabled", 0);
}

static void failing(struct server *s, const struct request *rq, bool control, struct reply *out)
{
	const struct catalog *cat = get_catalog(out);
	if (cat == NULL)
		return;
	size_t prefix = control ? strlen("/v1/controls/") : strlen("/v1/checks/");
	char id[129];
	size_t n = strlen(rq->path) - prefix - strlen("/devices");
	if (n == 0 || n >= sizeof id) {
		reply_error(out, 404, control ? "no such control" : "no such check");
		return;
	}
	memcpy(id, rq->path + prefix, n);
	id[n] = '\0';
	long long limit;
	const char *after;
	if (!plain_id(id, 128) || int_arg(rq, "limit", 1, PAGE_MAX, PAGE_DEFAULT, &limit, out) ||
	    after_arg(rq, &after, out)) {
		if (out->status == 0)
			reply_error(out, 404, control ? "no such control" : "no such check");
		return;
	}
	const struct control *ctl = control ? guide_control(cat->guide, id) : NULL;
	if (control && ctl == NULL) {
		reply_error(out, 404, "no such control");
		return;
	}
	const char *ids[32];
	size_t nids = 0;
	if (control)
		for (size_t i = 0; i < ctl->nchecks && nids < 32; i++)
			ids[nids++] = ctl->checks[i]->id;
	else
		ids[nids++] = id;
	json_t *counts = NULL, *page = NULL, *per = json_array();
	struct errbuf e;
	int r = store_check_counts(s->store, &counts, &e);
	if (r == 0 && nids > 0)
		r = store_devices_failing(s->store, ids, nids, after, (int)limit, &page, &e);
	if (r) {
		store_failed(out, r, &e, "no such device (after)");
		goto out;
	}
	if (page == NULL)
		page = json_pack("{s:[], s:n}", "devices", "next");
	for (size_t i = 0; per && i < nids; i++) {
		json_t *c = json_object_get(counts, ids[i]);
		json_t *item = c ? json_deep_copy(c) : zero_counts();
		if (item == NULL || json_object_set_new(item, "check", json_string(ids[i])) < 0 ||
		    json_array_append_new(per, item) < 0) {
			json_decref(per);
			per = NULL;
		}
	}
	if (page == NULL || per == NULL) {
		reply_error(out, 500, "out of memory");
		goto out;
	}
	/* One check: since when each device fails it, at the device's top level. */
	size_t i;
	json_t *dv;
	json_array_foreach(json_object_get(page, "devices"), i, dv) if (!control) json_object_set(
	    dv, "failing_since",
	    json_object_get(json_array_get(json_object_get(dv, "failing"), 0), "since"));
	if (control)
		reply_json(out, 200, json_pack("{s:s, s:O, s:O, s:O}", "control", id, "checks", per,
					  "devices", json_object_get(page, "devices"), "next",
					  json_object_get(page, "next")));
	else
		reply_json(out, 200, json_pack("{s:s, s:O, s:O, s:O}", "check", id, "counts",
					  json_array_get(per, 0), "devices",
					  json_object_get(page, "devices"), "next",
					  json_object_get(page, "next")));
out:
	json_decref(counts);
	json_decref(page);
	json_decref(per);
}

/* ---- the risk register ---- */

/* The stored entries as a register document core/register.c reads: the same rules for the
 * browser as for a sheet. Entries of controls the catalog no longer has are left out. */
static int stored_register(struct server *s, const struct catalog *cat, struct risk_register **out,
			   struct errbuf *e)
{
	json_t *list = NULL;
	int r = store_register_list(s->store, &list, e);
	if (r)
		return r;
	json_t *entries = json_array(), *doc = NULL;
	size_t i;
	json_t *en;
	char *text = NULL;
	r = entries ? 0 : MAMORI_ENOMEM;
	json_array_foreach(json_object_get(list, "entries"), i, en)
	{
		const char *ctl = json_string_value(json_object_get(en, "control"));
		if (r || ctl == NULL || guide_control(cat->guide, ctl) == NULL)
			continue;
		json_t *x = json_pack("{s:s}", "control", ctl);
		static const char *const keys[] = {"state", "decision", "deadline",
						   "owner", "reason",	NULL};
		for (size_t k = 0; x && keys[k]; k++) {
			json_t *v = json_object_get(en, keys[k]);
			if (json_is_string(v))
				json_object_set(x, keys[k], v);
		}
		json_t *imp = json_object_get(en, "impact");
		if (x && json_object_size(imp) > 0)
			json_object_set(x, "impact", imp);
		if (x == NULL || json_array_append_new(entries, x) < 0)
			r = MAMORI_ENOMEM;
	}
	if (r == 0 && (doc = json_pack("{s:o}", "register", entries)) == NULL)
		r = MAMORI_ENOMEM;
	entries = doc ? NULL : entries;
	/* JSON is YAML: register_read takes it as a register file. Spaces after the separators,
	 * as YAML 1.1 wants them. */
	if (r == 0 && (text = json_dumps(doc, 0)) == NULL)
		r = MAMORI_ENOMEM;
	if (r == 0)
		r = register_read("register", text, strlen(text), cat->guide, out, e);
	else
		err_set(e, r, "out of memory");
	free(text);
	json_decref(doc);
	json_decref(entries);
	json_decref(list);
	return r;
}

static void register_get(struct server *s, struct reply *out)
{
	json_t *o = NULL;
	struct errbuf e;
	int r = store_register_list(s->store, &o, &e);
	if (r)
		store_failed(out, r, &e, "no register");
	else
		reply_json(out, 200, o);
}

/* "register:1: register entry 1 (csaj-5.1.1): deadline: expected …" -> "deadline: expected …" */
static const char *entry_message(const char *msg)
{
	const char *p = strstr(msg, "register entry 1");
	if (p == NULL)
		return msg;
	p += strlen("register entry 1");
	if (*p == ' ' && p[1] == '(') {
		const char *close = strstr(p, "): ");
		if (close)
			return close + 3;
	}
	return *p == ':' && p[1] == ' ' ? p + 2 : msg;
}


/* Text as a person types it: no control characters but tab and line breaks, none of the C1
 * controls (U+0080 to U+009F) and no U+2028/U+2029, which the YAML reader behind the register
 * would refuse or turn into spaces. The UTF-8 itself was checked by the JSON parser. */
static bool plain_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	for (; *p; p++) {
		if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f)
			return false;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return false;
		if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
			return false;
	}
	return true;
}
static void register_put(struct server *s, const struct request *rq, struct reply *out)
{
	const struct catalog *cat = get_catalog(out);
	if (cat == NULL)
		return;
	const char *control = rq->path + strlen("/v1/register/");
	if (!plain_id(control, 128) || guide_control(cat->guide, control) == NULL) {
		reply_error(out, 404, "no such control");
		return;
	}
	const char *t = rq->content_type;
	if (t == NULL || c_strncasecmp(t, "application/json", 16) != 0) {
		reply_error(out, 415, "send the entry as application/json");
		return;
	}
	json_error_t je;
	json_t *body = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
	json_t *doc = NULL;
	char *text = NULL;
	struct risk_register *reg = NULL;
	struct errbuf e = {{0}};
	if (!json_is_object(body)) {
		reply_error(out, 400,
			    "expected a JSON object: state, impact, decision, deadline, "
			    "owner, reason");
		goto out;
	}
	json_t *given = json_object_get(body, "control");
	if (given && (!json_is_string(given) || strcmp(json_string_value(given), control) != 0)) {
		reply_error(out, 422, "control: differs from the one in the path");
		goto out;
	}
	/* Only texts and the impact mapping of texts: YAML would read other JSON values its own
	 * way. */
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v)
	{
		bool ok = json_is_string(v) || json_is_null(v);
		bool plain = !json_is_string(v) || plain_text(json_string_value(v));
		if (strcmp(k, "impact") == 0 && json_is_object(v)) {
			const char *ik;
			json_t *iv;
			ok = true;
			json_object_foreach(v, ik, iv)
			{
				ok = ok && (json_is_string(iv) || json_is_null(iv));
				plain = plain && (!json_is_string(iv) || plain_text(json_string_value(iv)));
			}
		}
		if (!ok || !plain) {
			char msg[200];
			snprintf(msg, sizeof msg, "%.64s: %s", k,
				 ok ? "control characters other than tab and line breaks are not text"
				    : "expected text");
			reply_error(out, 422, msg);
			goto out;
		}
	}
	json_object_set_new(body, "control", json_string(control));
	doc = json_pack("{s:[O]}", "register", body);
	text = doc ? json_dumps(doc, 0) : NULL;
	if (text == NULL) {
		reply_error(out, 500, "out of memory");
		goto out;
	}
	int r = register_read("register", text, strlen(text), cat->guide, &reg, &e);
	if (r) {
		reply_error(out, r == MAMORI_ENOMEM ? 500 : 422, entry_message(e.msg));
		goto out;
	}
	const struct entry *en = &reg->entries[0];
	struct store_register_entry se = {
	    .control = control,
	    .state = en->state,
	    .decision = en->decision ? decision_word(en->decision, "en") : NULL,
	    .deadline = en->deadline[0] ? en->deadline : NULL,
	    .owner = en->owner,
	    .reason = en->reason,
	    .now = (int64_t)time(NULL)};
	/* The log says what the entry now is in words checked above; the free texts (state,
	 * owner, reason: any length, line breaks) only by the SHA-256 of the whole entry as
	 * sent, which proves later what was set without copying it into the log. */
	char sha[65], detail[160];
	token_hash(text, sha);
	snprintf(detail, sizeof detail, "decision=%s deadline=%s entry-sha256=%.16s",
		 se.decision ? se.decision : "-", se.deadline ? se.deadline : "-", sha);
	struct api_audit au;
	const struct store_audit_in *audit = api_audit(&au, rq, "register-change", control, detail);
	se.updated_by = au.actor;
	for (int i = 0; i < AXIS_COUNT; i++)
		se.impact[i] = en->impact[i] ? impact_word(en->impact[i], "en") : NULL;
	if ((r = store_register_put(s->store, &se, audit, &e)) != 0) {
		store_failed(out, r, &e, "no such control");
		goto out;
	}
	log_event(LOG_INFO, "register entry changed", "control", control, "admin", se.updated_by,
		  NULL);
	json_t *stored = NULL;
	if ((r = store_register_get(s->store, control, &stored, &e)) != 0)
		store_failed(out, r, &e, "no such entry");
	else
		reply_json(out, 200, stored);
out:
	register_free(reg);
	free(text);
	json_decref(doc);
	json_decref(body);
}

/* ---- the checklist ---- */

/* Every control of the catalog, with the fleet's results per control and the register. The
 * measured figures of a control are those of its worst check (per-check counters: exact per
 * check, a lower bound on the devices failing any of several). */
struct fleet_checklist {
	struct plan_answers answers;
	struct checklist cl;
	struct risk_register *reg;
	json_t *counts; /* store_check_counts */
	json_t *fleet;	/* store_fleet_counts */
};

static void fleet_checklist_free(struct fleet_checklist *f)
{
	checklist_free(&f->cl);
	plan_answers_free(&f->answers);
	register_free(f->reg);
	json_decref(f->counts);
	json_decref(f->fleet);
}

static int fleet_checklist(struct server *s, const struct catalog *cat, struct fleet_checklist *f,
			   struct errbuf *e)
{
	const struct guide *g = cat->guide;
	memset(f, 0, sizeof *f);
	plan_answers_init(&f->answers, g);
	f->answers.all = true;
	if (f->answers.answers == NULL || (f->answers.devices = xstrdup("both")) == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	const char **methods = calloc(g->nmethods + 1, sizeof(*methods));
	if (methods == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	for (size_t i = 0; i < g->nmethods; i++)
		methods[i] = g->methods[i].id;
	char today[11];
	day_of((int64_t)time(NULL), today);
	int r = checklist_build(&f->cl, cat, &f->answers, methods, g->nmethods, today, e);
	free(methods);
	if (r)
		return r;
	if ((r = store_check_counts(s->store, &f->counts, e)) ||
	    (r = store_fleet_counts(s->store, (int64_t)time(NULL), s->cfg->gate_max_report_age,
				    &f->fleet, e)) ||
	    (r = stored_register(s, cat, &f->reg, e)))
		return r;
	json_int_t reporting = json_integer_value(json_object_get(f->fleet, "pass")) +
			       json_integer_value(json_object_get(f->fleet, "fail")) +
			       json_integer_value(json_object_get(f->fleet, "unknown"));
	f->cl.ndevices = (int)reporting;
	for (size_t i = 0; i < f->cl.nrows; i++) {
		const struct control *c = f->cl.rows[i].control;
		struct measured *m = &f->cl.rows[i].measured;
		for (size_t k = 0; k < c->nchecks; k++) {
			json_t *x = json_object_get(f->counts, c->checks[k]->id);
			int pass = (int)json_integer_value(json_object_get(x, "pass"));
			int fail = (int)json_integer_value(json_object_get(x, "fail"));
			int unknown = (int)json_integer_value(json_object_get(x, "unknown"));
			int ran = pass + fail + unknown;
			if (ran > m->devices)
				m->devices = ran;
			if (fail > m->fail)
				m->fail = fail;
			if (unknown > m->unknown)
				m->unknown = unknown;
		}
		m->pass =
		    m->devices - m->fail - m->unknown > 0 ? m->devices - m->fail - m->unknown : 0;
	}
	checklist_set_register(&f->cl, f->reg);
	return 0;
}

static json_t *entry_json(const struct entry *en)
{
	if (en == NULL)
		return json_null();
	json_t *impact = json_object();
	for (int i = 0; impact && i < AXIS_COUNT; i++)
		if (en->impact[i])
			json_object_set_new(impact, impact_axis_name((enum impact_axis)i),
					    json_string(impact_word(en->impact[i], "en")));
	return json_pack("{s:s?, s:o, s:s?, s:s?, s:s?, s:s?}", "state", en->state, "impact",
			 impact ? impact : json_null(), "decision",
			 en->decision ? decision_word(en->decision, "en") : NULL, "deadline",
			 en->deadline[0] ? en->deadline : NULL, "owner", en->owner, "reason",
			 en->reason);
}

static void checklist_json(struct server *s, const struct catalog *cat, struct reply *out)
{
	struct fleet_checklist f;
	struct errbuf e = {{0}};
	json_t *rows = json_array();
	int r = rows ? fleet_checklist(s, cat, &f, &e) : MAMORI_ENOMEM;
	if (r) {
		if (rows)
			fleet_checklist_free(&f);
		json_decref(rows);
		store_failed(out, r == MAMORI_ENOMEM ? MAMORI_EIO : r, &e, "no checklist");
		return;
	}
	for (size_t i = 0; i < f.cl.nrows && rows; i++) {
		const struct checklist_row *row = &f.cl.rows[i];
		const struct control *c = row->control;
		json_t *checks = json_array();
		for (size_t k = 0; checks && k < c->nchecks; k++) {
			json_t *x = json_object_get(f.counts, c->checks[k]->id);
			json_t *item = x ? json_deep_copy(x) : zero_counts();
			if (item == NULL ||
			    json_object_set_new(item, "check", json_string(c->checks[k]->id)) < 0 ||
			    json_array_append_new(checks, item) < 0) {
				json_decref(checks);
				checks = NULL;
			}
		}
		struct buf measured;
		buf_init(&measured, 4096);
		checklist_cell(&f.cl, row, COL_MEASURED, "en", &measured);
		json_t *item =
		    checks ? json_pack("{s:s, s:o, s:{s:i, s:i, s:i, s:i}, s:o, s:b}", "id", c->id,
				       "checks", checks, "measured", "devices",
				       row->measured.devices, "pass", row->measured.pass, "fail",
				       row->measured.fail, "unknown", row->measured.unknown,
				       "entry", entry_json(row->entry), "overdue",
				       entry_overdue(row->entry, f.cl.today))
			   : NULL;
		buf_free(&measured);
		if (item == NULL || json_array_append_new(rows, item) < 0) {
			json_decref(rows);
			rows = NULL;
		}
	}
	struct progress p;
	checklist_progress(&f.cl, &p);
	json_t *o =
	    rows ? json_pack("{s:o, s:i, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}", "rows", rows,
			     "devices", f.cl.ndevices, "progress", "rows", (json_int_t)p.rows,
			     "automated", (json_int_t)p.automated, "done", (json_int_t)p.done,
			     "planned", (json_int_t)p.planned, "overdue", (json_int_t)p.overdue,
			     "not_needed", (json_int_t)p.not_needed, "undecided",
			     (json_int_t)p.undecided, "first_open", (json_int_t)p.first_open)
		 : NULL;
	fleet_checklist_free(&f);
	reply_json(out, 200, o);
}

/* Reads a file written by the XLSX writer into a malloc'd buffer. */
static int slurp(const char *path, char **data, size_t *len, struct errbuf *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0 || sb.st_size < 0 || (size_t)sb.st_size > XLSX_MAX) {
		if (fd >= 0)
			close(fd);
		return err_set(e, MAMORI_EIO, "cannot read the workbook");
	}
	char *buf = malloc((size_t)sb.st_size + 1);
	size_t got = 0;
	while (buf && got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (buf == NULL || got != (size_t)sb.st_size) {
		free(buf);
		return err_set(e, MAMORI_EIO, "cannot read the workbook");
	}
	*data = buf;
	*len = got;
	return 0;
}

/* /v1/checklist.{csv,xlsx} and /v1/register.{csv,xlsx}: the register is the checklist's rows
 * that have an entry. */
static void sheet_export(struct server *s, const struct catalog *cat, const struct request *rq,
			 bool register_only, bool xlsx, struct reply *out)
{
	const char *lang = lang_arg(rq);
	struct fleet_checklist f;
	struct errbuf e = {{0}};
	int r = fleet_checklist(s, cat, &f, &e);
	if (r) {
		fleet_checklist_free(&f);
		store_failed(out, r == MAMORI_ENOMEM ? MAMORI_EIO : r, &e, "no checklist");
		return;
	}
	if (register_only) {
		size_t k = 0;
		for (size_t i = 0; i < f.cl.nrows; i++)
			if (f.cl.rows[i].entry)
				f.cl.rows[k++] = f.cl.rows[i];
		f.cl.nrows = k;
	}
	const char *name = register_only ? "mamori-register" : "mamori-checklist";
	char filename[64];
	snprintf(filename, sizeof filename, "%s.%s", name, xlsx ? "xlsx" : "csv");
	if (!xlsx) {
		struct buf b;
		buf_init(&b, (size_t)64 << 20);
		if (checklist_write_csv(&f.cl, lang, &b, &e) != 0) {
			buf_free(&b);
			reply_error(out, 500, e.msg);
		} else {
			size_t len = b.len;
			reply_download(out, buf_take(&b), len, "text/csv; charset=utf-8", filename);
		}
		fleet_checklist_free(&f);
		return;
	}
	/* The XLSX writer writes a file: a private temporary one, read back and removed. */
	const char *dir = getenv("TMPDIR");
	char path[512];
	snprintf(path, sizeof path, "%s/mamorid-sheet-XXXXXX", dir && dir[0] ? dir : "/tmp");
	int fd = mkstemp(path);
	char *data = NULL;
	size_t len = 0;
	if (fd < 0) {
		log_event(LOG_ERROR, "dashboard: cannot create a temporary file", "error",
			  strerror(errno), NULL);
		reply_error(out, 500, "cannot write the workbook now");
	} else {
		close(fd);
		if (checklist_write_xlsx(&f.cl, lang, path, &e) != 0 ||
		    slurp(path, &data, &len, &e) != 0) {
			log_event(LOG_ERROR, "dashboard: XLSX export failed", "error", e.msg, NULL);
			reply_error(out, 500, "cannot write the workbook now");
		} else {
			reply_download(
			    out, data, len,
			    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			    filename);
		}
		unlink(path);
	}
	fleet_checklist_free(&f);
}

/* ---- dispatch ---- */

void api_ui_handle(struct server *s, const struct request *rq, struct reply *out)
{
	const char *p = rq->path;
	out->endpoint = EP_DEVICES;
	if (strcmp(rq->method, "PUT") == 0) {
		if (api_ui_is_admin_put(p))
			register_put(s, rq, out);
		else
			reply_error(out, 405, "method not allowed");
		return;
	}
	if (strcmp(p, "/v1/devices") == 0) {
		devices(s, rq, out);
		return;
	}
	if (strcmp(p, "/v1/overview") == 0) {
		overview(s, rq, out);
		return;
	}
	if (strcmp(p, "/v1/trend") == 0) {
		trend(s, rq, out);
		return;
	}
	if (strcmp(p, "/v1/register") == 0) {
		register_get(s, out);
		return;
	}
	const struct catalog *cat = get_catalog(out);
	if (cat == NULL)
		return;
	if (strcmp(p, "/v1/catalog") == 0) {
		char *copy = xstrdup(catalog_json);
		if (copy == NULL) {
			reply_error(out, 500, "out of memory");
			return;
		}
		out->status = 200;
		out->content_type = "application/json";
		out->body = copy;
		out->len = strlen(copy);
	} else if (strcmp(p, "/v1/checklist") == 0) {
		checklist_json(s, cat, out);
	} else if (strcmp(p, "/v1/checklist.csv") == 0 || strcmp(p, "/v1/checklist.xlsx") == 0) {
		sheet_export(s, cat, rq, false, strcmp(p, "/v1/checklist.xlsx") == 0, out);
	} else if (strcmp(p, "/v1/register.csv") == 0 || strcmp(p, "/v1/register.xlsx") == 0) {
		sheet_export(s, cat, rq, true, strcmp(p, "/v1/register.xlsx") == 0, out);
	} else if (under(p, "/v1/checks/", "/devices")) {
		failing(s, rq, false, out);
	} else if (under(p, "/v1/controls/", "/devices")) {
		failing(s, rq, true, out);
	} else {
		reply_error(out, 404, "no such resource");
	}
}
