/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "core/guide.h"
#include "core/report.h"

void format_time(long long t, char *out, size_t outlen)
{
	char d[16];
	format_date(t, d, sizeof(d));
	long long s = ((t % 86400) + 86400) % 86400;
	snprintf(out, outlen, "%sT%02lld:%02lld:%02lldZ", d, s / 3600, s / 60 % 60, s % 60);
}

static json_t *text_json(const struct text *t)
{
	return json_pack("{s:s, s:s}", "en", t->en ? t->en : "", "ja", t->ja ? t->ja : "");
}

static json_t *controls_json(const struct check *ck)
{
	json_t *v = json_array();
	for (size_t i = 0; v && i < ck->ncontrols; i++) {
		const struct control *c = ck->ctl ? ck->ctl[i] : NULL;
		if (c == NULL) {
			json_array_append_new(v, json_pack("{s:s}", "id", ck->controls[i]));
			continue;
		}
		char label[96];
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", c->id, "framework",
				      c->framework, "label", control_label(c, label, sizeof(label)),
				      "category", c->category, "role", c->role, "level",
				      c->advanced ? "advanced" : "basic", "priority",
				      priority_name(c->priority));
		if (o && c->item)
			json_object_set_new(o, "item", json_string(c->item));
		json_array_append_new(v, o);
	}
	return v;
}

static json_t *finding_json(const struct report_ctx *r, const struct finding *fd)
{
	const struct check *ck = fd->check;
	const struct text *rem = check_remediation(ck, r->platform);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o*, s:o*, s:o*, s:O, s:o*}", "check", ck->id,
			      "topic", ck->topic, "severity", severity_name(ck->severity), "status",
			      status_name(fd->status), "title", text_json(&ck->title), "rationale",
			      text_json(&ck->rationale), "remediation",
			      rem ? text_json(rem) : json_null(), "evidence", fd->evidence, "controls",
			      controls_json(ck));
	if (o && fd->reason)
		json_object_set_new(o, "reason", json_string_lossy(fd->reason));
	return o;
}

static const char *fact_str(const struct facts *f, const char *name)
{
	const struct fact *x = facts_get(f, name);
	return x && json_is_string(x->value) ? json_string_value(x->value) : NULL;
}

json_t *report_json(const struct report_ctx *r)
{
	char when[32];
	format_time(r->now, when, sizeof(when));
	json_t *findings = json_array();
	for (size_t i = 0; findings && i < r->findings->n; i++)
		if (json_array_append_new(findings, finding_json(r, &r->findings->v[i]))) {
			json_decref(findings);
			return NULL;
		}
	const unsigned *c = r->findings->count;
	json_t *sev = json_object();
	for (int s = 0; sev && s < SEV_COUNT; s++) {
		json_int_t n = 0;
		for (size_t i = 0; i < r->findings->n; i++)
			if (r->findings->v[i].status == ST_FAIL &&
			    (int)r->findings->v[i].check->severity == s)
				n++;
		json_object_set_new(sev, severity_name((enum severity)s), json_integer(n));
	}
	json_t *disabled = json_array();
	for (size_t i = 0; disabled && i < r->policy->ndisabled; i++)
		json_array_append_new(disabled,
				      json_pack("{s:s, s:s}", "check", r->policy->disabled[i].check,
						"reason", r->policy->disabled[i].reason));
	const char *host = fact_str(r->facts, "host.hostname");
	const char *mid = fact_str(r->facts, "host.machine_id");
	json_t *o = json_pack(
		"{s:i, s:s, s:{s:s, s:s}, s:s, s:s, s:s*, s:{s:s*, s:s*, s:s*}, s:o, s:{s:s, s:O, "
		"s:o*}, s:{s:i, s:i, s:i, s:i, s:i, s:o*}, s:o*, s:o*}",
		"schema_version", MAMORI_REPORT_SCHEMA_VERSION, "report_id", r->report_id, "tool",
		"name", "mamori", "version", MAMORI_VERSION, "generated_at", when, "platform",
		r->platform, "only", r->only, "host", "hostname", host, "machine_id", mid, "os",
		fact_str(r->facts, "os.pretty_name"), "root", json_string_lossy(r->root), "policy", "name",
		r->policy->name, "params", r->policy->params, "disabled", disabled, "summary", "pass",
		(json_int_t)c[ST_PASS], "fail", (json_int_t)c[ST_FAIL], "unknown",
		(json_int_t)c[ST_UNKNOWN], "not_applicable", (json_int_t)c[ST_NOT_APPLICABLE],
		"disabled", (json_int_t)c[ST_DISABLED], "fail_by_severity", sev, "findings",
		findings, "facts", facts_to_json(r->facts));
	return o;
}
