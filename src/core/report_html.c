/* SPDX-License-Identifier: Apache-2.0 */
/* One self-contained HTML file: inline CSS, no scripts, no external resources. */
#include <string.h>

#include "core/guide.h"
#include "core/i18n.h"
#include "core/report.h"

static const char css[] =
	"body{font-family:system-ui,'Hiragino Sans','Noto Sans CJK JP',sans-serif;margin:2rem;"
	"color:#1b1f24;max-width:70rem}"
	"h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de}"
	".meta{color:#57606a}.sum span{display:inline-block;margin-right:1rem;padding:.2rem .6rem;"
	"border-radius:.3rem;background:#f6f8fa}"
	"details{border:1px solid #d0d7de;border-radius:.4rem;margin:.4rem 0;padding:.4rem .8rem}"
	"summary{cursor:pointer}.st{font-weight:700;display:inline-block;min-width:7em}"
	".pass{color:#1a7f37}.fail{color:#cf222e}.unknown{color:#9a6700}"
	".not_applicable,.disabled{color:#6e7781}.sev{font-size:.85em;color:#57606a}"
	"dt{font-weight:600;margin-top:.5rem}dd{margin-left:1rem;white-space:pre-wrap}"
	"code{font-size:.9em;background:#f6f8fa;padding:0 .2rem}";

static const enum msg status_msg[ST_COUNT] = {M_PASS, M_FAIL, M_UNKNOWN, M_NOT_APPLICABLE,
					      M_DISABLED};
static const enum msg sev_msg[SEV_COUNT] = {M_SEVERITY_INFO, M_SEVERITY_LOW, M_SEVERITY_MEDIUM,
					    M_SEVERITY_HIGH, M_SEVERITY_CRITICAL};

static int dd(struct buf *b, const char *term, const char *text)
{
	return buf_adds(b, "<dt>") || buf_add_html(b, term) || buf_adds(b, "</dt><dd>") ||
	       buf_add_html(b, text) || buf_adds(b, "</dd>");
}

static int html_finding(const struct report_ctx *r, const struct finding *fd, struct buf *b)
{
	const char *L = r->lang;
	const struct check *ck = fd->check;
	int e = buf_printf(b, "<details%s><summary><span class=\"st %s\">",
			   fd->status == ST_FAIL ? " open" : "", status_name(fd->status));
	e = e || buf_add_html(b, msg(L, status_msg[fd->status])) ||
	    buf_adds(b, "</span> <span class=\"sev\">[") ||
	    buf_add_html(b, msg(L, sev_msg[ck->severity])) || buf_adds(b, "]</span> ") ||
	    buf_add_html(b, text_get(&ck->title, L)) || buf_adds(b, " <code>") ||
	    buf_add_html(b, ck->id) || buf_adds(b, "</code></summary><dl>");
	if (e)
		return MAMORI_ENOMEM;
	if (json_array_size(fd->evidence)) {
		struct buf line;
		buf_init(&line, 1 << 20);
		size_t k;
		json_t *ev;
		json_array_foreach(fd->evidence, k, ev)
		{
			if ((k && buf_adds(&line, "\n")) || evidence_line(ev, &line)) {
				buf_free(&line);
				return MAMORI_ENOMEM;
			}
		}
		e = dd(b, msg(L, M_EVIDENCE), line.data ? line.data : "");
		buf_free(&line);
		if (e)
			return MAMORI_ENOMEM;
	}
	if (fd->reason && dd(b, msg(L, fd->status == ST_DISABLED ? M_DISABLED_BECAUSE
							      : M_UNKNOWN_BECAUSE),
			     fd->reason))
		return MAMORI_ENOMEM;
	const struct text *rem = check_remediation(ck, r->platform);
	if (dd(b, msg(L, M_WHY), text_get(&ck->rationale, L)) ||
	    (rem && dd(b, msg(L, M_FIX), text_get(rem, L))))
		return MAMORI_ENOMEM;
	struct buf refs;
	buf_init(&refs, 4096);
	check_control_labels(ck, &refs);
	e = dd(b, msg(L, M_REFS), refs.data ? refs.data : "");
	buf_free(&refs);
	return e || buf_adds(b, "</dl></details>\n") ? MAMORI_ENOMEM : 0;
}

int report_html(const struct report_ctx *r, struct buf *b)
{
	const char *L = r->lang;
	const struct findings *fs = r->findings;
	char when[32];
	format_time(r->now, when, sizeof(when));
	const struct fact *host = facts_get(r->facts, "host.hostname");
	const struct fact *os = facts_get(r->facts, "os.pretty_name");
	int e = buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
			      "<meta name=\"viewport\" content=\"width=device-width\">"
			      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
			      "<title>", L);
	e = e || buf_add_html(b, msg(L, M_REPORT_TITLE)) ||
	    buf_printf(b, "</title><style>%s</style></head><body><h1>", css) ||
	    buf_add_html(b, msg(L, M_REPORT_TITLE)) || buf_adds(b, "</h1><p class=\"meta\">") ||
	    buf_add_html(b, msg(L, M_HOST)) || buf_adds(b, ": ") ||
	    buf_add_html(b, host && json_is_string(host->value) ? json_string_value(host->value) : "?") ||
	    buf_adds(b, " · ") || buf_add_html(b, msg(L, M_OS)) || buf_adds(b, ": ") ||
	    buf_add_html(b, os && json_is_string(os->value) ? json_string_value(os->value) : "?") ||
	    buf_adds(b, " · ") || buf_add_html(b, msg(L, M_GENERATED)) ||
	    buf_printf(b, ": %s · ", when) || buf_add_html(b, msg(L, M_POLICY)) ||
	    buf_adds(b, ": ") || buf_add_html(b, r->policy->name) ||
	    buf_adds(b, "</p><p class=\"sum\">");
	for (int s = 0; !e && s < ST_COUNT; s++)
		e = buf_printf(b, "<span class=\"%s\">", status_name((enum status)s)) ||
		    buf_add_html(b, msg(L, status_msg[s])) ||
		    buf_printf(b, ": %u</span>", fs->count[s]);
	e = e || buf_adds(b, "</p>\n");
	for (size_t t = 0; !e && t < topics_count; t++) {
		bool any = false;
		for (size_t k = 0; k < fs->n && !any; k++)
			any = strcmp(fs->v[k].check->topic, topics[t]) == 0;
		if (!any)
			continue;
		e = buf_adds(b, "<h2>") || buf_add_html(b, topic_label(L, topics[t])) ||
		    buf_adds(b, "</h2>\n");
		/* failures by severity first, then the rest */
		for (int pass = 0; !e && pass < 2; pass++)
			for (int s = SEV_CRITICAL; !e && s >= 0; s--)
				for (size_t k = 0; !e && k < fs->n; k++) {
					const struct finding *fd = &fs->v[k];
					if (strcmp(fd->check->topic, topics[t]) ||
					    (int)fd->check->severity != s ||
					    (fd->status == ST_FAIL) != (pass == 0))
						continue;
					e = html_finding(r, fd, b);
				}
	}
	e = e || buf_adds(b, "</body></html>\n");
	return e ? MAMORI_ENOMEM : 0;
}
