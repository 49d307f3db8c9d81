/* SPDX-License-Identifier: Apache-2.0 */
/* `mamori plan` for people: the terminal, Markdown and HTML views of the recommendation,
 * the checklist and the register's progress. The sheets are in sheet.c. */
#include <stdio.h>
#include <string.h>

#include "core/plan.h"

enum plan_msg {
	P_TITLE,
	P_METHODS,
	P_ROLES,
	P_DEVICES,
	P_RECOMMEND,
	P_RECOMMEND_BASIS,
	P_SCORE,
	P_CHOSEN,
	P_CHECKLIST,
	P_ITEMS,
	P_AUTOMATED,
	P_DEVICES_SCANNED,
	P_FIRST,
	P_NEXT,
	P_OUT,
	P_MEASURED,
	P_REGISTER,
	P_PROGRESS,
	P_DONE,
	P_PLANNED,
	P_OVERDUE,
	P_NOT_NEEDED,
	P_UNDECIDED,
	P_FIRST_OPEN,
	P_OUTSIDE,
	P_BY,
	P_OWNER,
	P_NO_ITEMS,
	P_COUNT
};

static const char *const plan_msgs[P_COUNT][2] = {
	[P_TITLE] = {"Telework security plan", "テレワークセキュリティ計画"},
	[P_METHODS] = {"Telework methods", "テレワーク方式"},
	[P_ROLES] = {"Roles", "役割"},
	[P_DEVICES] = {"Devices", "端末"},
	[P_RECOMMEND] = {"Recommended methods", "おすすめの方式"},
	[P_RECOMMEND_BASIS] = {"scored from your answers on MIC's comparison of the seven methods (S best .. D worst)",
			       "回答をもとに、総務省による 7 方式の比較 (S が最良、D が最低) で採点"},
	[P_SCORE] = {"score", "点数"},
	[P_CHOSEN] = {"chosen", "選択"},
	[P_CHECKLIST] = {"Checklist", "チェックリスト"},
	[P_ITEMS] = {"items", "項目"},
	[P_AUTOMATED] = {"checked automatically by mamori scan", "mamori scan で自動確認"},
	[P_DEVICES_SCANNED] = {"devices scanned", "台のスキャン結果"},
	[P_FIRST] = {"◎ Do first: high importance and easy", "◎ 最初に: 重要度が高く実施が易しい"},
	[P_NEXT] = {"○ Then: the rest of the SME checklist", "○ 次に: チェックリストのそれ以外"},
	[P_OUT] = {"- Outside the SME checklist (low importance or hard)",
		   "- チェックリスト対象外 (重要度が低い、または実施が難しい)"},
	[P_MEASURED] = {"measured", "測定結果"},
	[P_REGISTER] = {"register", "台帳"},
	[P_PROGRESS] = {"Progress", "進捗"},
	[P_DONE] = {"done", "実施済み"},
	[P_PLANNED] = {"will do", "実施予定"},
	[P_OVERDUE] = {"overdue", "期限切れ"},
	[P_NOT_NEEDED] = {"not needed", "不要"},
	[P_UNDECIDED] = {"not decided", "未決定"},
	[P_FIRST_OPEN] = {"◎ items still open", "未完了の◎項目"},
	[P_OUTSIDE] = {"register entries outside this checklist", "このチェックリスト外の台帳項目"},
	[P_BY] = {"by", "期限"},
	[P_OWNER] = {"owner", "担当"},
	[P_NO_ITEMS] = {"No item matches the chosen methods and roles.",
			"選んだ方式と役割に当てはまる項目はありません。"},
};

static bool is_ja(const struct plan_view *v)
{
	return v->lang && strcmp(v->lang, "ja") == 0;
}

static const char *pm(const struct plan_view *v, enum plan_msg m)
{
	return plan_msgs[m][is_ja(v) ? 1 : 0];
}

static const char *method_name(const struct plan_view *v, const char *id)
{
	const struct method *m = guide_method(v->cl->guide, id);
	return m ? text_get(&m->name, v->lang) : id;
}

static const char *named_name(const struct named *n, const char *id, const char *lang)
{
	return n ? text_get(&n->name, lang) : id;
}

/* "fail on 1 of 3 devices" etc.; empty when nothing was scanned. */
static int measured_text(const struct plan_view *v, const struct checklist_row *r, struct buf *b)
{
	return checklist_cell(v->cl, r, COL_MEASURED, v->lang, b);
}

static int entry_text(const struct plan_view *v, const struct entry *en, struct buf *b)
{
	if (en == NULL || en->decision == DECISION_NONE)
		return 0;
	int r = buf_adds(b, decision_word(en->decision, v->lang));
	if (!r && en->decision == DECISION_WILL_DO && en->deadline[0])
		r = buf_printf(b, " (%s %s)%s", pm(v, P_BY), en->deadline,
			       entry_overdue(en, v->cl->today) ? is_ja(v) ? " 期限切れ" : " OVERDUE"
							       : "");
	if (!r && en->owner)
		r = buf_printf(b, ", %s %s", pm(v, P_OWNER), en->owner);
	if (!r && en->decision == DECISION_NOT_NEEDED && en->reason)
		r = buf_printf(b, ": %s", en->reason);
	return r;
}

static int join_methods(const struct plan_view *v, struct buf *b)
{
	for (size_t i = 0; i < v->cl->nmethods; i++)
		if (buf_printf(b, "%s%s", i ? ", " : "", method_name(v, v->cl->methods[i])))
			return MAMORI_ENOMEM;
	return 0;
}

static int join_roles(const struct plan_view *v, struct buf *b)
{
	for (size_t i = 0; i < v->cl->nroles; i++)
		if (buf_printf(b, "%s%s", i ? ", " : "",
			       named_name(guide_role(v->cl->guide, v->cl->roles[i]), v->cl->roles[i],
					  v->lang)))
			return MAMORI_ENOMEM;
	return 0;
}

static const char *devices_text(const struct plan_view *v)
{
	const char *d = v->answers && v->answers->devices ? v->answers->devices : "company";
	if (!is_ja(v))
		return strcmp(d, "both") == 0 ? "company-owned and personal" : strcmp(d, "personal") == 0 ? "personal" : "company-owned";
	return strcmp(d, "both") == 0 ? "会社支給と私物" : strcmp(d, "personal") == 0 ? "私物" : "会社支給";
}

/* The two axes that earned a method the most points, as reasons. */
static void top_axes(const struct method_score *s, int out[2])
{
	out[0] = out[1] = -1;
	for (int k = 0; k < METHOD_AXES; k++) {
		if (out[0] < 0 || s->axis_points[k] > s->axis_points[out[0]]) {
			out[1] = out[0];
			out[0] = k;
		} else if (out[1] < 0 || s->axis_points[k] > s->axis_points[out[1]]) {
			out[1] = k;
		}
	}
}

static bool chosen(const struct checklist *cl, const char *id)
{
	for (size_t i = 0; i < cl->nmethods; i++)
		if (strcmp(cl->methods[i], id) == 0)
			return true;
	return false;
}

static int text_header(const struct plan_view *v, struct buf *b)
{
	int r = buf_printf(b, "%s\n\n%s: ", pm(v, P_TITLE), pm(v, P_METHODS));
	r = r || join_methods(v, b) || buf_printf(b, "\n%s: ", pm(v, P_ROLES)) || join_roles(v, b);
	return r || buf_printf(b, "\n%s: %s\n", pm(v, P_DEVICES), devices_text(v));
}

static int text_recommend(const struct plan_view *v, struct buf *b)
{
	const struct guide *g = v->cl->guide;
	if (v->scores == NULL)
		return 0;
	int r = buf_printf(b, "\n%s (%s)\n", pm(v, P_RECOMMEND), pm(v, P_RECOMMEND_BASIS));
	for (size_t i = 0; !r && i < v->nscores; i++) {
		const struct method_score *s = &v->scores[i];
		r = buf_printf(b, "  %d. %s  %s %d%s\n", s->rank, text_get(&s->method->name, v->lang),
			       pm(v, P_SCORE), s->score,
			       chosen(v->cl, s->method->id) ? is_ja(v) ? "  ← 選択" : "  <- chosen" : "");
		if (r || i >= 3)
			continue;
		int ax[2];
		top_axes(s, ax);
		for (int k = 0; k < 2 && !r; k++)
			if (ax[k] >= 0)
				r = buf_printf(b, "       %s %c: %s\n",
					       text_get(&g->axes[ax[k]].name, v->lang),
					       s->method->ratings[ax[k]].grade,
					       text_get(&s->method->ratings[ax[k]].why, v->lang));
		if (!r)
			r = buf_printf(b, "       %s\n", text_get(&s->method->use_case, v->lang));
	}
	return r;
}

static void counts(const struct checklist *cl, size_t c[3])
{
	c[0] = c[1] = c[2] = 0;
	for (size_t i = 0; i < cl->nrows; i++)
		c[cl->rows[i].control->priority]++;
}

static int text_progress(const struct plan_view *v, const struct progress *pp, struct buf *b)
{
	if (v->cl->reg == NULL)
		return 0;
	const struct progress p = *pp;
	int r = buf_printf(b, "\n%s (%s %s, %s)\n  %s %zu, %s %zu (%s %zu), %s %zu, %s %zu; %s: %zu\n",
			   pm(v, P_PROGRESS), pm(v, P_REGISTER), v->cl->reg->file ? v->cl->reg->file : "",
			   v->cl->today, pm(v, P_DONE), p.done, pm(v, P_PLANNED), p.planned,
			   pm(v, P_OVERDUE), p.overdue, pm(v, P_NOT_NEEDED), p.not_needed,
			   pm(v, P_UNDECIDED), p.undecided, pm(v, P_FIRST_OPEN), p.first_open);
	if (!r && p.outside)
		r = buf_printf(b, "  %s: %zu\n", pm(v, P_OUTSIDE), p.outside);
	return r;
}

int plan_write_text(const struct plan_view *v, struct buf *b)
{
	const struct checklist *cl = v->cl;
	const char *bold = v->color ? "\033[1m" : "", *dim = v->color ? "\033[2m" : "",
		   *red = v->color ? "\033[31m" : "", *reset = v->color ? "\033[0m" : "";
	size_t c[3];
	counts(cl, c);
	struct progress p;
	checklist_progress(cl, &p);
	int r = text_header(v, b) || text_recommend(v, b);
	r = r || buf_printf(b, "\n%s%s%s: %zu %s (◎ %zu, ○ %zu%s", bold, pm(v, P_CHECKLIST), reset,
			    cl->nrows, pm(v, P_ITEMS), c[0], c[1], c[2] ? ", - " : "");
	if (!r && c[2])
		r = buf_printf(b, "%zu", c[2]);
	r = r || buf_printf(b, "); %s: %zu", pm(v, P_AUTOMATED), p.automated);
	if (!r && cl->ndevices)
		r = buf_printf(b, "; %d %s", cl->ndevices, pm(v, P_DEVICES_SCANNED));
	r = r || buf_adds(b, "\n");
	if (!r && cl->nrows == 0)
		r = buf_printf(b, "  %s\n", pm(v, P_NO_ITEMS));
	int section = -1;
	struct buf tmp;
	buf_init(&tmp, 1u << 20);
	for (size_t i = 0; !r && i < cl->nrows; i++) {
		const struct checklist_row *row = &cl->rows[i];
		const struct control *ctl = row->control;
		if ((int)ctl->priority != section) {
			section = (int)ctl->priority;
			r = buf_printf(b, "\n%s%s%s\n", bold,
				       pm(v, section == PRIO_FIRST  ? P_FIRST
					     : section == PRIO_NEXT ? P_NEXT
								    : P_OUT),
				       reset);
		}
		char label[96];
		const struct named *cat = guide_category(cl->guide, ctl->category);
		const struct named *role = guide_role(cl->guide, ctl->role);
		r = r || buf_printf(b, "  %s %s  %s%s\n      %s%s / %s%s\n", priority_mark(ctl->priority),
				    control_label(ctl, label, sizeof(label)), text_get(&ctl->title, v->lang),
				    "", dim, named_name(cat, ctl->category, v->lang),
				    named_name(role, ctl->role, v->lang), reset);
		buf_reset(&tmp);
		if (!r && ctl->nchecks && measured_text(v, row, &tmp) == 0 && tmp.len) {
			bool bad = row->measured.fail > 0;
			r = buf_printf(b, "      %s: %s%s%s", pm(v, P_MEASURED), bad ? red : "", tmp.data,
				       bad ? reset : "");
			for (size_t k = 0; !r && k < ctl->nchecks; k++)
				r = buf_printf(b, "%s%s", k ? ", " : " (", ctl->checks[k]->id);
			r = r || buf_adds(b, ctl->nchecks ? ")\n" : "\n");
		}
		buf_reset(&tmp);
		if (!r && entry_text(v, row->entry, &tmp) == 0 && tmp.len)
			r = buf_printf(b, "      %s: %s%s%s\n", pm(v, P_REGISTER),
				       entry_overdue(row->entry, cl->today) ? red : "", tmp.data,
				       entry_overdue(row->entry, cl->today) ? reset : "");
	}
	buf_free(&tmp);
	return r || text_progress(v, &p, b) ? MAMORI_ENOMEM : 0;
}

/* Markdown: one table per priority. Cells may not hold '|' or newlines. */
static int md_cell(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		int r = *s == '|'    ? buf_adds(b, "\\|")
			: *s == '\n' ? buf_adds(b, " ")
				     : buf_add(b, s, 1);
		if (r)
			return r;
	}
	return buf_adds(b, " | ");
}

int plan_write_markdown(const struct plan_view *v, struct buf *b)
{
	const struct checklist *cl = v->cl;
	const struct guide *g = cl->guide;
	int r = buf_printf(b, "# %s\n\n- %s: ", pm(v, P_TITLE), pm(v, P_METHODS));
	r = r || join_methods(v, b) || buf_printf(b, "\n- %s: ", pm(v, P_ROLES)) || join_roles(v, b);
	r = r || buf_printf(b, "\n- %s: %s\n", pm(v, P_DEVICES), devices_text(v));
	if (!r && v->scores) {
		r = buf_printf(b, "\n## %s\n\n%s.\n\n| # | %s | %s |", pm(v, P_RECOMMEND),
			       pm(v, P_RECOMMEND_BASIS), pm(v, P_METHODS), pm(v, P_SCORE));
		for (size_t k = 0; !r && k < g->naxes; k++)
			r = buf_printf(b, " %s |", text_get(&g->axes[k].name, v->lang));
		r = r || buf_adds(b, "\n|---|---|---|");
		for (size_t k = 0; !r && k < g->naxes; k++)
			r = buf_adds(b, "---|");
		for (size_t i = 0; !r && i < v->nscores; i++) {
			const struct method_score *s = &v->scores[i];
			r = buf_printf(b, "\n| %d | %s%s | %d |", s->rank,
				       text_get(&s->method->name, v->lang),
				       chosen(cl, s->method->id) ? " ✔" : "", s->score);
			for (size_t k = 0; !r && k < g->naxes; k++)
				r = buf_printf(b, " %c |", s->method->ratings[k].grade);
		}
		r = r || buf_adds(b, "\n");
	}
	size_t c[3];
	counts(cl, c);
	struct progress p;
	checklist_progress(cl, &p);
	r = r || buf_printf(b, "\n## %s\n\n%zu %s (◎ %zu, ○ %zu, - %zu); %s: %zu", pm(v, P_CHECKLIST),
			    cl->nrows, pm(v, P_ITEMS), c[0], c[1], c[2], pm(v, P_AUTOMATED),
			    p.automated);
	if (!r && cl->ndevices)
		r = buf_printf(b, "; %d %s", cl->ndevices, pm(v, P_DEVICES_SCANNED));
	r = r || buf_adds(b, "\n");
	int section = -1;
	struct buf tmp;
	buf_init(&tmp, 1u << 20);
	for (size_t i = 0; !r && i < cl->nrows; i++) {
		const struct checklist_row *row = &cl->rows[i];
		const struct control *ctl = row->control;
		if ((int)ctl->priority != section) {
			section = (int)ctl->priority;
			r = buf_printf(b, "\n### %s\n\n| ", pm(v, section == PRIO_FIRST  ? P_FIRST
								  : section == PRIO_NEXT ? P_NEXT
											 : P_OUT));
			static const enum column cols[] = {COL_ID, COL_ITEM, COL_CATEGORY, COL_ROLE,
							   COL_TITLE, COL_MEASURE, COL_CHECKS,
							   COL_MEASURED, COL_DECISION};
			for (size_t k = 0; !r && k < sizeof(cols) / sizeof(cols[0]); k++)
				r = md_cell(b, column_label(cols[k], v->lang));
			r = r || buf_adds(b, "\n|---|---|---|---|---|---|---|---|---|\n");
		}
		static const enum column cols[] = {COL_ID,      COL_ITEM,   COL_CATEGORY,
						   COL_ROLE,    COL_TITLE,  COL_MEASURE,
						   COL_CHECKS,  COL_MEASURED};
		r = r || buf_adds(b, "| ");
		for (size_t k = 0; !r && k < sizeof(cols) / sizeof(cols[0]); k++) {
			buf_reset(&tmp);
			r = checklist_cell(cl, row, cols[k], v->lang, &tmp) ||
			    md_cell(b, tmp.data ? tmp.data : "");
		}
		buf_reset(&tmp);
		r = r || entry_text(v, row->entry, &tmp) || md_cell(b, tmp.data ? tmp.data : "") ||
		    buf_adds(b, "\n");
	}
	buf_free(&tmp);
	if (!r && cl->reg)
		r = buf_printf(b, "\n## %s\n\n- %s: %zu\n- %s: %zu (%s: %zu)\n- %s: %zu\n- %s: %zu\n- %s: %zu\n",
			       pm(v, P_PROGRESS), pm(v, P_DONE), p.done, pm(v, P_PLANNED), p.planned,
			       pm(v, P_OVERDUE), p.overdue, pm(v, P_NOT_NEEDED), p.not_needed,
			       pm(v, P_UNDECIDED), p.undecided, pm(v, P_FIRST_OPEN), p.first_open);
	return r ? MAMORI_ENOMEM : 0;
}

static const char html_style[] =
	"body{font-family:system-ui,'Noto Sans CJK JP',sans-serif;margin:2em;color:#222}"
	"table{border-collapse:collapse;width:100%;margin:1em 0}"
	"th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}"
	"th{background:#f3f3f3}.fail{color:#b00020;font-weight:bold}.overdue{color:#b00020}"
	"td.mark{font-size:1.2em;text-align:center}";

static int html_td(struct buf *b, const char *cls, const char *s)
{
	if (cls ? buf_printf(b, "<td class=\"%s\">", cls) : buf_adds(b, "<td>"))
		return MAMORI_ENOMEM;
	return buf_add_html(b, s ? s : "") || buf_adds(b, "</td>");
}

int plan_write_html(const struct plan_view *v, struct buf *b)
{
	const struct checklist *cl = v->cl;
	const struct guide *g = cl->guide;
	struct buf tmp;
	buf_init(&tmp, 1u << 20);
	int r = buf_printf(b,
			   "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
			   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
			   "style-src 'unsafe-inline'\"><title>",
			   is_ja(v) ? "ja" : "en");
	r = r || buf_add_html(b, pm(v, P_TITLE)) ||
	    buf_printf(b, "</title><style>%s</style></head><body>\n<h1>", html_style) ||
	    buf_add_html(b, pm(v, P_TITLE)) || buf_adds(b, "</h1>\n<dl><dt>") ||
	    buf_add_html(b, pm(v, P_METHODS)) || buf_adds(b, "</dt><dd>");
	r = r || join_methods(v, &tmp) || buf_add_html(b, tmp.data ? tmp.data : "") ||
	    buf_adds(b, "</dd><dt>") || buf_add_html(b, pm(v, P_ROLES)) || buf_adds(b, "</dt><dd>");
	buf_reset(&tmp);
	r = r || join_roles(v, &tmp) || buf_add_html(b, tmp.data ? tmp.data : "") ||
	    buf_adds(b, "</dd><dt>") || buf_add_html(b, pm(v, P_DEVICES)) ||
	    buf_adds(b, "</dt><dd>") || buf_add_html(b, devices_text(v)) ||
	    buf_adds(b, "</dd></dl>\n");
	if (!r && v->scores) {
		r = buf_adds(b, "<h2>") || buf_add_html(b, pm(v, P_RECOMMEND)) ||
		    buf_adds(b, "</h2><p>") || buf_add_html(b, pm(v, P_RECOMMEND_BASIS)) ||
		    buf_adds(b, "</p><table><tr><th>#</th><th>") || buf_add_html(b, pm(v, P_METHODS)) ||
		    buf_adds(b, "</th><th>") || buf_add_html(b, pm(v, P_SCORE)) || buf_adds(b, "</th>");
		for (size_t k = 0; !r && k < g->naxes; k++)
			r = buf_adds(b, "<th>") || buf_add_html(b, text_get(&g->axes[k].name, v->lang)) ||
			    buf_adds(b, "</th>");
		r = r || buf_adds(b, "</tr>\n");
		for (size_t i = 0; !r && i < v->nscores; i++) {
			const struct method_score *s = &v->scores[i];
			r = buf_printf(b, "<tr><td>%d</td><td>", s->rank) ||
			    buf_add_html(b, text_get(&s->method->name, v->lang)) ||
			    buf_adds(b, chosen(cl, s->method->id) ? " ✔" : "") ||
			    buf_printf(b, "</td><td>%d</td>", s->score);
			for (size_t k = 0; !r && k < g->naxes; k++) {
				r = buf_printf(b, "<td title=\"") ||
				    buf_add_html(b, text_get(&s->method->ratings[k].why, v->lang)) ||
				    buf_printf(b, "\">%c</td>", s->method->ratings[k].grade);
			}
			r = r || buf_adds(b, "</tr>\n");
		}
		r = r || buf_adds(b, "</table>\n");
	}
	r = r || buf_adds(b, "<h2>") || buf_add_html(b, pm(v, P_CHECKLIST)) || buf_adds(b, "</h2>\n");
	static const enum column cols[] = {COL_PRIORITY, COL_ID,      COL_ITEM,   COL_CATEGORY,
					   COL_ROLE,     COL_LEVEL,   COL_TITLE,  COL_MEASURE,
					   COL_CHECKS,   COL_MEASURED};
	const size_t ncols = sizeof(cols) / sizeof(cols[0]);
	r = r || buf_adds(b, "<table><tr>");
	for (size_t k = 0; !r && k < ncols; k++)
		r = buf_adds(b, "<th>") || buf_add_html(b, column_label(cols[k], v->lang)) ||
		    buf_adds(b, "</th>");
	r = r || buf_adds(b, "<th>") || buf_add_html(b, pm(v, P_REGISTER)) ||
	    buf_adds(b, "</th></tr>\n");
	for (size_t i = 0; !r && i < cl->nrows; i++) {
		const struct checklist_row *row = &cl->rows[i];
		r = buf_adds(b, "<tr>");
		for (size_t k = 0; !r && k < ncols; k++) {
			buf_reset(&tmp);
			const char *cls = cols[k] == COL_PRIORITY			    ? "mark"
					  : cols[k] == COL_MEASURED && row->measured.fail ? "fail"
											  : NULL;
			r = checklist_cell(cl, row, cols[k], v->lang, &tmp) ||
			    html_td(b, cls, tmp.data);
		}
		buf_reset(&tmp);
		r = r || entry_text(v, row->entry, &tmp) ||
		    html_td(b, entry_overdue(row->entry, cl->today) ? "overdue" : NULL, tmp.data) ||
		    buf_adds(b, "</tr>\n");
	}
	r = r || buf_adds(b, "</table>\n");
	if (!r && cl->reg) {
		struct progress p;
		checklist_progress(cl, &p);
		r = buf_adds(b, "<h2>") || buf_add_html(b, pm(v, P_PROGRESS)) ||
		    buf_printf(b, "</h2><ul><li>%s: %zu</li><li>%s: %zu (%s: %zu)</li><li>%s: %zu</li>"
				  "<li>%s: %zu</li><li>%s: %zu</li></ul>\n",
			       pm(v, P_DONE), p.done, pm(v, P_PLANNED), p.planned, pm(v, P_OVERDUE),
			       p.overdue, pm(v, P_NOT_NEEDED), p.not_needed, pm(v, P_UNDECIDED),
			       p.undecided, pm(v, P_FIRST_OPEN), p.first_open);
	}
	buf_free(&tmp);
	return r || buf_adds(b, "</body></html>\n") ? MAMORI_ENOMEM : 0;
}
