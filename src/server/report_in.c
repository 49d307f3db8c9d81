/* SPDX-License-Identifier: Apache-2.0 */
#include "server/report_in.h"

#include <stdlib.h>
#include <string.h>

#include "core/report_wire.h"

static const char *const statuses[] = {"pass", "fail", "unknown", "not_applicable", "disabled", NULL};
static const char *const severities[] = {"info", "low", "medium", "high", "critical", NULL};

/* jansson's own limit is 2048 levels; reports are at most a few deep, and a cheap pre-scan
 * refuses deeper input before it is parsed at all. */
static int too_deep(const char *s, size_t len)
{
	int depth = 0;
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > REPORT_MAX_DEPTH)
				return 1;
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

static const char *fact_string(json_t *facts, const char *name)
{
	json_t *v = json_object_get(json_object_get(facts, name), "value");
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int64_t fact_count(json_t *facts, const char *name)
{
	json_t *v = json_object_get(json_object_get(facts, name), "value");
	return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
}

static int invalid(struct errbuf *e, const char *what)
{
	return err_set(e, MAMORI_EINVAL, "not a mamori report: %s", what);
}

static int read_findings(struct report_in *r, json_t *list, struct errbuf *e)
{
	size_t n = json_array_size(list);
	if (!json_is_array(list))
		return invalid(e, "\"findings\" must be a list");
	if (n > REPORT_MAX_FINDINGS)
		return invalid(e, "\"findings\" has more than 1024 entries");
	r->findings = calloc(n ? n : 1, sizeof *r->findings);
	if (r->findings == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *f = json_array_get(list, i);
		const char *check = json_string_value(json_object_get(f, "check"));
		const char *topic = json_string_value(json_object_get(f, "topic"));
		const char *sev = json_string_value(json_object_get(f, "severity"));
		const char *st = json_string_value(json_object_get(f, "status"));
		if (!json_is_object(f) || !check || !topic || !sev || !st)
			return err_set(e, MAMORI_EINVAL,
				       "not a mamori report: findings[%zu] needs check, topic, severity and status", i);
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

static int read_inventory(struct report_in *r, json_t *facts, struct errbuf *e)
{
	json_t *inv = json_object_get(r->root, "inventory");
	json_t *list = json_object_get(json_object_get(facts, "software.packages"), "value");
	if (inv == NULL) {
		if (list)
			return invalid(e, "a package list without \"inventory\"");
		return 0;
	}
	const char *sha = json_string_value(json_object_get(inv, "sha256"));
	if (!json_is_object(inv) || sha == NULL || !is_hex(sha, 64))
		return invalid(e, "\"inventory\" needs sha256 (64 lower-case hex)");
	r->rep.inventory_sha256 = sha;
	if (list == NULL)
		return 0;
	if (!json_is_array(list))
		return invalid(e, "software.packages must be a list");
	char mine[65];
	int rc = inventory_sha256(list, mine, e);
	if (rc)
		return rc;
	if (strcmp(mine, sha) != 0)
		return invalid(e, "the package list does not match inventory.sha256");
	r->inventory_json = json_dumps(list, JSON_COMPACT | JSON_SORT_KEYS);
	if (r->inventory_json == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	r->rep.inventory_json = r->inventory_json;
	r->rep.inventory_len = strlen(r->inventory_json);
	r->rep.package_count = (int64_t)json_array_size(list);
	return 0;
}

int report_in_parse(const char *body, size_t len, struct report_in *out, struct errbuf *e)
{
	memset(out, 0, sizeof *out);
	if (too_deep(body, len))
		return err_set(e, MAMORI_EPARSE, "JSON nested deeper than %d levels", REPORT_MAX_DEPTH);
	json_error_t je;
	out->root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (out->root == NULL)
		return err_set(e, MAMORI_EPARSE, "malformed JSON at line %d, column %d: %s", je.line,
			       je.column, je.text);
	json_t *root = out->root;
	int rc = MAMORI_EINVAL;
	if (!json_is_object(root)) {
		rc = invalid(e, "expected an object");
		goto bad;
	}
	json_t *ver = json_object_get(root, "schema_version");
	if (!json_is_integer(ver) || json_integer_value(ver) != MAMORI_REPORT_SCHEMA_VERSION) {
		rc = invalid(e, "schema_version must be 2");
		goto bad;
	}
	const char *id = json_string_value(json_object_get(root, "report_id"));
	if (id == NULL || !is_hex(id, 32)) {
		rc = invalid(e, "report_id must be 32 lower-case hex digits");
		goto bad;
	}
	out->rep.report_id = id;
	const char *gen = json_string_value(json_object_get(root, "generated_at"));
	if (gen == NULL || parse_rfc3339(gen, &out->rep.generated_at) != 0) {
		rc = invalid(e, "generated_at must be a time like 2026-11-23T09:00:00Z");
		goto bad;
	}
	json_t *host = json_object_get(root, "host");
	const char *hostname = json_string_value(json_object_get(host, "hostname"));
	if (hostname == NULL || hostname[0] == '\0' || !is_text(hostname, 255)) {
		rc = invalid(e, "host.hostname must be a name of at most 255 bytes");
		goto bad;
	}
	out->rep.hostname = hostname;
	json_t *facts = json_object_get(root, "facts");
	if (facts && !json_is_object(facts)) {
		rc = invalid(e, "\"facts\" must be an object");
		goto bad;
	}
	/* Ledger fields: unusable values are left out, not refused (the posture still counts). */
	const char *os = fact_string(facts, "os.pretty_name");
	if (os == NULL)
		os = json_string_value(json_object_get(host, "os"));
	out->rep.os_name = os && is_text(os, 255) ? os : NULL;
	const char *ver_id = fact_string(facts, "os.version_id");
	out->rep.os_version = ver_id && is_text(ver_id, 64) ? ver_id : NULL;
	const char *serial = fact_string(facts, "host.serial_number");
	out->rep.serial_number = serial && is_text(serial, 255) ? serial : NULL;
	out->rep.security_updates_pending = fact_count(facts, "patch.security_pending_count");
	out->rep.package_count = fact_count(facts, "software.package_count");
	if ((rc = read_findings(out, json_object_get(root, "findings"), e)) != 0)
		goto bad;
	if ((rc = read_inventory(out, facts, e)) != 0)
		goto bad;
	return 0;
bad:
	report_in_free(out);
	return rc;
}

void report_in_free(struct report_in *r)
{
	if (r == NULL)
		return;
	json_decref(r->root);
	free(r->findings);
	free(r->inventory_json);
	memset(r, 0, sizeof *r);
}
