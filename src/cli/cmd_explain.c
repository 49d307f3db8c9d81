/* SPDX-License-Identifier: Apache-2.0 */
/* mamori explain CHECK: one check in full. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/scan.h"
#include "core/guide.h"
#include "core/i18n.h"

static void print_text(const char *label, const char *text)
{
	printf("%s:\n", label);
	const char *p = text;
	while (*p) {
		size_t l = strcspn(p, "\n");
		printf("  %.*s\n", (int)l, p);
		p += l + (p[l] == '\n');
	}
}

/* The sources by the names of seeds/ files they are cited with in the catalog. */
static const char *source_name(const char *src, bool ja)
{
	static const struct {
		const char *key, *en, *ja;
	} docs[] = {
		{"seeds/000", "vendor talk on telework threats and duties", "ベンダー講演 (テレワークの脅威と対策)"},
		{"seeds/001", "MIC briefing on the Telework Security Guideline, 5th ed.", "総務省 テレワークセキュリティガイドライン第5版 説明資料"},
		{"seeds/002", "JNSA checklist after the state of emergency", "JNSA 緊急事態宣言解除後のチェックリスト"},
		{"seeds/003", "carrier article on the MIC guideline's measures", "通信事業者による総務省ガイドライン対策の解説記事"},
		{"seeds/004", "CSAJ home-working security policy (2018)", "CSAJ 在宅勤務セキュリティポリシー (2018)"},
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		if (strstr(src, docs[i].key))
			return ja ? docs[i].ja : docs[i].en;
	return NULL;
}

static const char *grade_label(enum grade g, bool ja)
{
	if (!ja)
		return grade_name(g);
	return g == GRADE_HIGH ? "高" : g == GRADE_MEDIUM ? "中" : "低";
}

static void explain_control(const struct catalog *cat, const struct control *c, const char *lang)
{
	const struct guide *g = cat->guide;
	bool ja = strcmp(lang, "ja") == 0;
	char label[96];
	const struct named *cg = guide_category(g, c->category), *rl = guide_role(g, c->role);
	printf("%s  %s\n  %s\n\n", c->id, control_label(c, label, sizeof(label)),
	       text_get(&c->title, lang));
	print_text(ja ? "対策" : "Measure", text_get(&c->text, lang));
	for (size_t i = 0; i < c->nstatements; i++) {
		char lb[64];
		snprintf(lb, sizeof(lb), "%s (%s)", ja ? "規定" : "Statement", c->statements[i].level);
		print_text(lb, text_get(&c->statements[i].text, lang));
	}
	for (size_t i = 0; i < c->nnotes; i++)
		print_text(ja ? "補足" : "Note", text_get(&c->notes[i], lang));
	printf("\n%s: %s\n%s: %s\n", ja ? "分類" : "Category", cg ? text_get(&cg->name, lang) : c->category,
	       ja ? "役割" : "Role", rl ? text_get(&rl->name, lang) : c->role);
	printf("%s: %s%s\n", ja ? "水準" : "Level",
	       c->advanced ? (ja ? "発展対策" : "advanced") : (ja ? "基本対策" : "basic"),
	       c->level_stated ? (ja ? " (資料に記載)" : " (stated by the source)")
			       : (ja ? " (難易度から)" : " (from the difficulty)"));
	printf("%s: %s  (%s %s, %s %s%s)\n", ja ? "優先度" : "SME priority", priority_mark(c->priority),
	       ja ? "重要度" : "importance", grade_label(c->importance, ja), ja ? "難易度" : "difficulty",
	       grade_label(c->difficulty, ja), ja ? "、mamori の評価" : ", mamori's rating");
	if (c->csaj_level)
		printf("CSAJ: %s\n", c->csaj_level);
	printf("%s:", ja ? "テレワーク方式" : "Telework methods");
	if (c->nmethods == 0)
		printf(" %s", ja ? "すべて" : "all");
	for (size_t i = 0; i < c->nmethods; i++) {
		const struct method *m = guide_method(g, c->methods[i]);
		printf("%s %s", i ? "," : "", m ? text_get(&m->name, lang) : c->methods[i]);
	}
	printf("\n%s:", ja ? "対応する脅威" : "Counters");
	for (size_t i = 0; i < c->nthreats; i++) {
		const struct threat *t = guide_threat(g, c->threats[i]);
		printf("%s %s", i ? "," : "", t ? text_get(&t->name, lang) : c->threats[i]);
	}
	printf("\n%s:", ja ? "自動で確認するチェック" : "Checked by");
	if (c->nchecks == 0)
		printf(" %s", ja ? "なし (人が確認する項目)" : "none (a person confirms this item)");
	for (size_t i = 0; i < c->nchecks; i++)
		printf("%s %s", i ? "," : "", c->checks[i]->id);
	const char *doc = source_name(c->source, ja);
	printf("\n%s: %s%s%s%s\n%s: %s:%d\n", ja ? "出典" : "Source", c->source, doc ? " (" : "",
	       doc ? doc : "", doc ? ")" : "", ja ? "定義" : "Defined in", c->file, c->line);
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {{"lang", required_argument, NULL, 'l'},
					     {"catalog", required_argument, NULL, 'c'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *lang = NULL, *dir = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': lang = optarg; break;
		case 'c': dir = optarg; break;
		case 'h': puts("usage: mamori explain CHECK [--lang ja|en] [--catalog DIR]"); return 0;
		default: return EXIT_ERROR;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: mamori explain CHECK [--lang ja|en]\n");
		return EXIT_ERROR;
	}
	lang = cli_lang(lang);
	struct errbuf e = {{0}};
	struct catalog *cat;
	if (scan_load_catalog(dir, &cat, &e)) {
		fprintf(stderr, "mamori: %s\n", e.msg);
		return EXIT_ERROR;
	}
	const struct check *ck = catalog_find(cat, argv[optind]);
	const struct control *ctl = guide_control(cat->guide, argv[optind]);
	if (ck == NULL && ctl) {
		explain_control(cat, ctl, lang);
		catalog_free(cat);
		return EXIT_PASS;
	}
	if (ck == NULL) {
		fprintf(stderr,
			"mamori: no check or control named '%s' (see 'mamori scan --verbose' and "
			"'mamori plan --all --format csv')\n",
			argv[optind]);
		catalog_free(cat);
		return EXIT_ERROR;
	}
	bool ja = strcmp(lang, "ja") == 0;
	printf("%s\n  %s\n\n", ck->id, text_get(&ck->title, lang));
	printf("%s: %s\n%s: %s\n", msg(lang, M_TOPIC), topic_label(lang, ck->topic),
	       msg(lang, M_SEVERITY), severity_label(lang, (int)ck->severity));
	printf("%s:", ja ? "対象プラットフォーム" : "Platforms");
	for (size_t i = 0; i < ck->nplatforms; i++)
		printf(" %s", ck->platforms[i]);
	const char **paths = NULL, **params = NULL;
	size_t np = 0, nq = 0;
	printf("\n%s:", ja ? "読み取る事実" : "Reads facts");
	struct expr *xs[2] = {ck->applies, ck->expr};
	for (int k = 0; k < 2; k++) {
		if (xs[k] == NULL || expr_names(xs[k], &paths, &np, &params, &nq))
			continue;
		for (size_t i = 0; i < np; i++)
			printf(" %s", paths[i]);
		for (size_t i = 0; i < nq; i++) {
			const struct param *p = catalog_param(cat, params[i]);
			char *v = p ? json_dumps(p->def, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
			printf(" $%s(=%s)", params[i], v ? v : "?");
			free(v);
		}
		free(paths);
		free(params);
	}
	printf("\n");
	if (ck->applies_src)
		printf("%s: %s\n", ja ? "適用条件" : "Applies when", ck->applies_src);
	printf("%s: %s\n\n", ja ? "判定式" : "Expression", ck->expr_src);
	print_text(msg(lang, M_WHY), text_get(&ck->rationale, lang));
	for (size_t i = 0; i < ck->nremediation; i++) {
		char label[128];
		snprintf(label, sizeof(label), "%s (%s)", msg(lang, M_FIX), ck->remediation[i].platform);
		print_text(label, text_get(&ck->remediation[i].text, lang));
	}
	printf("%s:\n", msg(lang, M_REFS));
	for (size_t i = 0; i < ck->ncontrols; i++) {
		const struct control *ref = ck->ctl ? ck->ctl[i] : NULL;
		char label[96];
		if (ref)
			printf("  %s  %s  [%s]\n", control_label(ref, label, sizeof(label)),
			       text_get(&ref->title, lang), ref->id);
		else
			printf("  %s\n", ck->controls[i]);
	}
	printf("%s: %s:%d\n", ja ? "定義" : "Defined in", ck->file, ck->line);
	catalog_free(cat);
	return 0;
}
