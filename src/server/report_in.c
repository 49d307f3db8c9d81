/* SPDX-License-Identifier: Apache-2.0 */
#include "server/report_in.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/report_wire.h"

static const char *const statuses[] = {"pass", "fail", "unknown", "not_applicable", "disabled", NULL};
static const char *const severities[] = {"info", "low", "medium", "high", "critical", NULL};

/* One pass before parsing: nesting depth (cJSON recurses), raw control characters in strings
 * (JSON forbids them; cJSON would take them) and \u0000 escapes, either of which would cut a
 * C string short without anyone noticing. Brackets inside strings do not count. */
static int prescan(const char *s, size_t len, struct errbuf *e)
{
	int depth = 0;
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_str) {
			if ((unsigned char)c < 0x20)
				return err_set(e, MAMORI_EPARSE, "a raw control character in a string at byte %zu", i);
			if (c == '\\') {
				if (i + 5 < len && memcmp(s + i + 1, "u0000", 5) == 0)
					return err_set(e, MAMORI_EPARSE, "a \\u0000 escape at byte %zu", i);
				i++;
			} else if (c == '"') {
				in_str = false;
			}
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > REPORT_MAX_DEPTH)
				return err_set(e, MAMORI_EPARSE, "JSON nested deeper than %d levels",
					       REPORT_MAX_DEPTH);
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return 0;
}

static bool is_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(c_isdigit((unsigned char)s[i]) || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Check ids and topics: lower-case words joined by '-', '_' or '.', 1..max bytes. */
static bool is_name(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || c_isdigit(c) || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static bool one_of(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* Strings the ledger shows: at most max bytes, no control characters. */
static bool is_text(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* "2026-11-23T09:00:00Z" (the report writer's form) to Unix seconds. */
static int parse_rfc3339(const char *s, int64_t *out)
{
	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return -1;
	long long f[6];
	const int at[6] = {0, 5, 8, 11, 14, 17}, w[6] = {4, 2, 2, 2, 2, 2};
	const long long hi[6] = {9999, 12, 31, 23, 59, 60}, lo[6] = {1970, 1, 1, 0, 0, 0};
	const char *why;
	for (int i = 0; i < 6; i++)
		if (strn_to_ll(s + at[i], (size_t)w[i], lo[i], hi[i], &f[i], &why) != 0)
			return -1;
	long long days = days_from_civil(f[0], (unsigned)f[1], (unsigned)f[2]);
	*out = days * 86400 + f[3] * 3600 + f[4] * 60 + f[5];
	return 0;
}

/* cJSON keeps every member of an object, duplicates too, and finds the first: refuse
 * duplicates wherever the ledger reads, so that no two readers can see different reports. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *duplicate_key(const cJSON *obj)
{
	size_t n = 0;
	for (const cJSON *c = obj->child; c; c = c->next)
		n++;
	if (n < 2)
		return NULL;
	if (n <= 8) { /* small objects: pairwise */
		for (const cJSON *a = obj->child; a; a = a->next)
			for (const cJSON *b = a->next; b; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					return a->string;
		return NULL;
	}
	char **keys = malloc(n * sizeof *keys);
	if (keys == NULL)
		return "";
	size_t i = 0;
	for (const cJSON *c = obj->child; c; c = c->next)
		keys[i++] = c->string;
	qsort(keys, n, sizeof *keys, cmp_str);
	const char *dup = NULL;
	for (i = 1; i < n && dup == NULL; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0)
			dup = keys[i];
	free(keys);
	return dup;
}

static const char *str_member(const cJSON *obj, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* Facts whose members the ledger reads: each must not repeat a member, or two readers of the
 * stored body could see two different values. */
static const char *const ledger_facts[] = {"os.pretty_name", "os.version_id", "host.serial_number",
					   "patch.security_pending_count", "software.package_count",
					   "software.packages", NULL};

static const cJSON *fact_value(const cJSON *facts, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(facts, name), "value");
}

static const char *fact_string(const cJSON *facts, const char *name)
{
	return cJSON_GetStringValue(fact_value(facts, name));
}

/* A whole non-negative number (cJSON keeps numbers as doubles), else -1. */
static int64_t whole(const cJSON *v)
{
	if (!cJSON_IsNumber(v))
		return -1;
	double d = v->valuedouble;
	return d >= 0 && d <= 9007199254740992.0 && (double)(int64_t)d == d ? (int64_t)d : -1;
}

static int invalid(struct errbuf *e, const char *what)
{
	return err_set(e, MAMORI_EINVAL, "not a mamori report: %s", what);
}

static int read_findings(struct report_in *r, const cJSON *list, struct errbuf *e)
{
	if (!cJSON_IsArray(list))
		return invalid(e, "\"findings\" must be a list");
	size_t n = (size_t)cJSON_GetArraySize(list);
	if (n > REPORT_MAX_FINDINGS)
		return invalid(e, "\"findings\" has more than 1024 entries");
	r->findings = calloc(n ? n : 1, sizeof *r->findings);
	if (r->findings == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	size_t i = 0;
	for (const cJSON *f = list->child; f; f = f->next, i++) {
		const char *check = str_member(f, "check"), *topic = str_member(f, "topic");
		const char *sev = str_member(f, "severity"), *st = str_member(f, "status");
		if (!cJSON_IsObject(f) || !check || !topic || !sev || !st)
			return err_set(e, MAMORI_EINVAL,
				       "not a mamori report: findings[%zu] needs check, topic, severity and status", i);
		if (duplicate_key(f))
			return err_set(e, MAMORI_EINVAL, "not a mamori report: findings[%zu] repeats a key", i);
		if (!is_name(check, 128) || !is_name(topic, 64))
			return err_set(e, MAMORI_EINVAL, "not a mamori report: findings[%zu]: bad check or topic name", i);
		if (!one_of(sev, severities))
			return err_set(e, MAMORI_EINVAL, "not a mamori report: findings[%zu]: unknown severity", i);
		if (!one_of(st, statuses))
			return err_set(e, MAMORI_EINVAL, "not a mamori report: findings[%zu]: unknown status", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(r->findings[j].check, check) == 0)
				return err_set(e, MAMORI_EINVAL,
					       "not a mamori report: findings[%zu]: check %s appears twice", i, check);
		r->findings[i] = (struct store_finding){check, topic, sev, st};
		if (strcmp(st, "pass") == 0)
			r->rep.n_pass++;
		else if (strcmp(st, "fail") == 0)
			r->rep.n_fail++;
		else if (strcmp(st, "unknown") == 0)
			r->rep.n_unknown++;
		else if (strcmp(st, "not_applicable") == 0)
			r->rep.n_not_applicable++;
	}
	r->rep.findings = r->findings;
	r->rep.n_findings = n;
	r->rep.status = r->rep.n_fail ? "fail" : r->rep.n_unknown ? "unknown" : "pass";
	return 0;
}

/* The package list, when sent, is hashed as the agent hashed it (inventory_sha256 over
 * jansson's canonical form); it is rare, so it goes through jansson. */
static int read_inventory(struct report_in *r, const cJSON *facts, struct errbuf *e)
{
	const cJSON *inv = cJSON_GetObjectItemCaseSensitive(r->root, "inventory");
	const cJSON *list = fact_value(facts, "software.packages");
	if (inv == NULL) {
		if (list)
			return invalid(e, "a package list without \"inventory\"");
		return 0;
	}
	const char *sha = str_member(inv, "sha256");
	if (!cJSON_IsObject(inv) || sha == NULL || !is_hex(sha, 64))
		return invalid(e, "\"inventory\" needs sha256 (64 lower-case hex)");
	r->rep.inventory_sha256 = sha;
	if (list == NULL)
		return 0;
	if (!cJSON_IsArray(list))
		return invalid(e, "software.packages must be a list");
	char *text = cJSON_PrintUnformatted(list);
	json_t *jlist = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
	free(text);
	if (jlist == NULL)
		return invalid(e, "software.packages is not a list jansson can read");
	char mine[65];
	int rc = inventory_sha256(jlist, mine, e);
	if (rc == 0 && strcmp(mine, sha) != 0)
		rc = invalid(e, "the package list does not match inventory.sha256");
	if (rc == 0) {
		r->inventory_json = json_dumps(jlist, JSON_COMPACT | JSON_SORT_KEYS);
		if (r->inventory_json == NULL)
			rc = err_set(e, MAMORI_ENOMEM, "out of memory");
	}
	if (rc == 0) {
		r->rep.inventory_json = r->inventory_json;
		r->rep.inventory_len = strlen(r->inventory_json);
		r->rep.package_count = (int64_t)json_array_size(jlist);
	}
	json_decref(jlist);
	return rc;
}

static int read_report(struct report_in *out, struct errbuf *e)
{
	const cJSON *root = out->root;
	if (!cJSON_IsObject(root))
		return invalid(e, "expected an object");
	const char *dup = duplicate_key(root);
	if (dup)
		return err_set(e, MAMORI_EINVAL, "not a mamori report: key \"%s\" appears twice", dup);
	if (whole(cJSON_GetObjectItemCaseSensitive(root, "schema_version")) != MAMORI_REPORT_SCHEMA_VERSION)
		return invalid(e, "schema_version must be 2");
	const char *id = str_member(root, "report_id");
	if (id == NULL || !is_hex(id, 32))
		return invalid(e, "report_id must be 32 lower-case hex digits");
	out->rep.report_id = id;
	const char *gen = str_member(root, "generated_at");
	if (gen == NULL || parse_rfc3339(gen, &out->rep.generated_at) != 0)
		return invalid(e, "generated_at must be a time like 2026-11-23T09:00:00Z");
	const cJSON *host = cJSON_GetObjectItemCaseSensitive(root, "host");
	const char *hostname = str_member(host, "hostname");
	if (hostname == NULL || hostname[0] == '\0' || !is_text(hostname, 255) || duplicate_key(host))
		return invalid(e, "host.hostname must be a name of at most 255 bytes");
	out->rep.hostname = hostname;
	const cJSON *facts = cJSON_GetObjectItemCaseSensitive(root, "facts");
	if (facts && !cJSON_IsObject(facts))
		return invalid(e, "\"facts\" must be an object");
	if (facts && (dup = duplicate_key(facts)) != NULL)
		return err_set(e, MAMORI_EINVAL, "not a mamori report: fact \"%s\" appears twice", dup);
	for (size_t i = 0; ledger_facts[i]; i++) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(facts, ledger_facts[i]);
		if (f && (!cJSON_IsObject(f) || duplicate_key(f)))
			return err_set(e, MAMORI_EINVAL, "not a mamori report: fact %s must be an object without repeated members",
				       ledger_facts[i]);
	}
	const cJSON *inv = cJSON_GetObjectItemCaseSensitive(root, "inventory");
	if (inv && duplicate_key(inv))
		return invalid(e, "\"inventory\" repeats a member");
	/* Ledger fields: unusable values are left out, not refused (the posture still counts). */
	const char *os = fact_string(facts, "os.pretty_name");
	if (os == NULL)
		os = str_member(host, "os");
	out->rep.os_name = os && is_text(os, 255) ? os : NULL;
	const char *ver = fact_string(facts, "os.version_id");
	out->rep.os_version = ver && is_text(ver, 64) ? ver : NULL;
	const char *serial = fact_string(facts, "host.serial_number");
	out->rep.serial_number = serial && is_text(serial, 255) ? serial : NULL;
	out->rep.security_updates_pending = whole(fact_value(facts, "patch.security_pending_count"));
	out->rep.package_count = whole(fact_value(facts, "software.package_count"));
	int rc = read_findings(out, cJSON_GetObjectItemCaseSensitive(root, "findings"), e);
	if (rc == 0)
		rc = read_inventory(out, facts, e);
	return rc;
}

int report_in_parse(const char *body, size_t len, struct report_in *out, struct errbuf *e)
{
	memset(out, 0, sizeof *out);
	int rc = prescan(body, len, e);
	if (rc)
		return rc;
	size_t bad = utf8_first_bad(body, len);
	if (bad != len)
		return err_set(e, MAMORI_EPARSE, "not UTF-8 at byte %zu", bad);
	const char *end = NULL;
	out->root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (out->root == NULL) {
		size_t at = end && end >= body && end <= body + len ? (size_t)(end - body) : 0;
		return err_set(e, MAMORI_EPARSE, "malformed JSON near byte %zu", at);
	}
	/* Only white space may follow the value. */
	for (const char *p = end; p && p < body + len; p++)
		if (!c_isspace((unsigned char)*p)) {
			report_in_free(out);
			return err_set(e, MAMORI_EPARSE, "malformed JSON: text after the value at byte %zu",
				       (size_t)(p - body));
		}
	rc = read_report(out, e);
	if (rc)
		report_in_free(out);
	return rc;
}

void report_in_free(struct report_in *r)
{
	if (r == NULL)
		return;
	cJSON_Delete(r->root);
	free(r->findings);
	free(r->inventory_json);
	memset(r, 0, sizeof *r);
}
