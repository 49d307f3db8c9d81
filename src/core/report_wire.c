/* SPDX-License-Identifier: Apache-2.0 */
/* The report as the agent sends it: docs/server.md "The report on the wire". */
#include "core/report_wire.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#define PACKAGES_FACT "software.packages"

/* The canonical form both ends hash. Documented in docs/server.md; changing it makes every
 * agent send its package list again once. */
#define INVENTORY_JSON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

static int digest_cb(const char *buf, size_t size, void *data)
{
	return EVP_DigestUpdate(data, buf, size) == 1 ? 0 : -1;
}

int inventory_sha256(const json_t *packages, char out[65], struct errbuf *e)
{
	if (!json_is_array(packages))
		return err_set(e, MAMORI_EINVAL, "inventory: the package list is not an array");
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int rc = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL) {
		rc = err_set(e, MAMORI_ENOMEM, "out of memory");
		goto out;
	}
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    json_dump_callback(packages, digest_cb, ctx, INVENTORY_JSON_FLAGS) != 0 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32) {
		rc = err_set(e, MAMORI_ENOMEM, "inventory: hashing the package list failed");
		goto out;
	}
	hex_encode(md, mdlen, out);
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* The spool names files after the id and the server keys reports by it: keep it plain. */
static bool id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!c_isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

/* Everything report_to_wire relies on, checked before anything changes. */
static int check_shape(const json_t *r, struct errbuf *e)
{
	if (!json_is_object(r))
		return err_set(e, MAMORI_EPARSE, "report: expected a JSON object");
	const json_t *v = json_object_get(r, "schema_version");
	if (!json_is_integer(v) || json_integer_value(v) != MAMORI_REPORT_SCHEMA_VERSION)
		return err_set(e, MAMORI_EPARSE, "report: schema_version: expected %d",
			       MAMORI_REPORT_SCHEMA_VERSION);
	v = json_object_get(r, "report_id");
	if (!json_is_string(v) || !id_ok(json_string_value(v)))
		return err_set(e, MAMORI_EPARSE,
			       "report: report_id: expected 1 to 64 letters, digits, '-' or '_'");
	const json_t *facts = json_object_get(r, "facts");
	if (!json_is_object(facts))
		return err_set(e, MAMORI_EPARSE, "report: facts: expected an object");
	const char *name;
	json_t *f;
	json_object_foreach((json_t *)facts, name, f)
	{
		if (!json_is_object(f))
			return err_set(e, MAMORI_EPARSE, "report: facts.%s: expected an object",
				       name);
	}
	const json_t *fs = json_object_get(r, "findings");
	if (!json_is_array(fs))
		return err_set(e, MAMORI_EPARSE, "report: findings: expected an array");
	size_t i, k;
	json_t *fd, *ev;
	json_array_foreach(fs, i, fd)
	{
		if (!json_is_object(fd))
			return err_set(e, MAMORI_EPARSE,
				       "report: findings[%zu]: expected an object", i);
		const json_t *evs = json_object_get(fd, "evidence");
		if (evs == NULL)
			continue;
		if (!json_is_array(evs))
			return err_set(e, MAMORI_EPARSE,
				       "report: findings[%zu].evidence: expected an array", i);
		json_array_foreach(evs, k, ev)
		{
			if (!json_is_object(ev))
				return err_set(e, MAMORI_EPARSE,
					       "report: findings[%zu].evidence[%zu]: expected an "
					       "object",
					       i, k);
		}
	}
	return 0;
}

/* An evidence entry that repeats its fact (same value, and the same source, line and note)
 * becomes a bare reference {"fact": name}: the server reads the rest from "facts". */
static void dedup_evidence(json_t *evidence, const json_t *facts)
{
	size_t k;
	json_t *ev;
	json_array_foreach(evidence, k, ev)
	{
		const json_t *fname = json_object_get(ev, "fact");
		const json_t *val = json_object_get(ev, "value");
		if (!json_is_string(fname) || val == NULL)
			continue;
		const json_t *fact = json_object_get(facts, json_string_value(fname));
		const json_t *fval = json_object_get(fact, "value");
		if (fval == NULL || !json_equal(val, fval))
			continue;
		json_object_del(ev, "value");
		static const char *const same[] = {"source", "line", "note"};
		for (size_t j = 0; j < sizeof same / sizeof same[0]; j++) {
			const json_t *mine = json_object_get(ev, same[j]);
			if (mine && json_equal(mine, json_object_get(fact, same[j])))
				json_object_del(ev, same[j]);
		}
	}
}

int report_to_wire(json_t *report, const char *known_sha256, char sha256_out[65], struct errbuf *e)
{
	int r = check_shape(report, e);
	if (r)
		return r;
	json_t *facts = json_object_get(report, "facts");
	json_t *pk = json_object_get(facts, PACKAGES_FACT);
	json_t *list = json_object_get(pk, "value");
	char sha[65] = "";
	json_t *inv = NULL;
	/* everything that can fail comes before the first change */
	if (json_is_array(list)) {
		if ((r = inventory_sha256(list, sha, e)))
			return r;
		inv = json_pack("{s:s, s:I}", "sha256", sha, "count",
				(json_int_t)json_array_size(list));
		if (inv == NULL)
			return err_set(e, MAMORI_ENOMEM, "out of memory");
	}
	size_t i;
	json_t *fd;
	json_array_foreach(json_object_get(report, "findings"), i, fd)
	{
		/* the server has the same catalog: texts and guideline links come from it */
		json_object_del(fd, "title");
		json_object_del(fd, "rationale");
		json_object_del(fd, "remediation");
		json_object_del(fd, "refs");
		json_object_del(fd, "controls");
		json_t *evs = json_object_get(fd, "evidence");
		if (evs)
			dedup_evidence(evs, facts);
	}
	if (inv) {
		/* set_new steals inv even when it fails */
		if (json_object_set_new(report, "inventory", inv))
			return err_set(e, MAMORI_ENOMEM, "out of memory");
		if (known_sha256 && strcmp(known_sha256, sha) == 0) {
			if (json_object_set_new(pk, "omitted", json_string("inventory")))
				return err_set(e, MAMORI_ENOMEM, "out of memory");
			json_object_del(pk, "value");
		}
	}
	memcpy(sha256_out, sha, sizeof(sha));
	return 0;
}
