/* SPDX-License-Identifier: Apache-2.0 */
/* mamori catalog stats: what the guideline catalog holds and how much of it checks automate. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/scan.h"
#include "core/guide.h"

struct tally {
	const char *id;
	const struct text *name;
	size_t total, automated;
};

static void count(struct tally *t, size_t n, const char *id, bool automated)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].id, id) == 0) {
			t[i].total++;
			t[i].automated += automated;
			return;
		}
}

static json_t *tally_json(const struct tally *t, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < n; i++)
		json_object_set_new(o, t[i].id,
				    json_pack("{s:I, s:I}", "controls", (json_int_t)t[i].total,
					      "automated", (json_int_t)t[i].automated));
	return o;
}

static void tally_print(const char *title, const struct tally *t, size_t n, const char *lang)
{
	printf("\n%s\n", title);
	for (size_t i = 0; i < n; i++) {
		const char *name = t[i].name ? text_get(t[i].name, lang) : t[i].id;
		printf("  %-40s %4zu  %4zu (%3.0f%%)\n", name, t[i].total, t[i].automated,
		       t[i].total ? 100.0 * (double)t[i].automated / (double)t[i].total : 0.0);
	}
}

static const struct text fw_names[] = {
	{"MIC Telework Security Guideline", "総務省 テレワークセキュリティガイドライン"},
	{"CSAJ home-working security policy", "CSAJ 在宅勤務セキュリティポリシー"},
	{"JNSA re-connect checklist", "JNSA 再接続チェックリスト"},
	{"Vendor duty table (seeds/000)", "ベンダーの対策表"}};
static const struct text prio_names[] = {{"◎ high importance, easy", "◎ 重要度が高く易しい"},
					  {"○ rest of the SME checklist", "○ チェックリストのそれ以外"},
					  {"- outside the SME checklist", "- チェックリスト対象外"}};
static const struct text level_names[] = {{"basic", "基本対策"}, {"advanced", "発展対策"}};

static int stats(const struct catalog *cat, const char *format, const char *lang)
{
	const struct guide *g = cat->guide;
	struct tally *cats = calloc(g->ncategories + 1, sizeof(*cats));
	struct tally *roles = calloc(g->nroles + 1, sizeof(*roles));
	struct tally fws[] = {{"mic", &fw_names[0], 0, 0}, {"csaj", &fw_names[1], 0, 0},
			      {"jnsa", &fw_names[2], 0, 0}, {"duty", &fw_names[3], 0, 0}};
	struct tally prios[] = {{"first", &prio_names[0], 0, 0}, {"next", &prio_names[1], 0, 0},
				{"out", &prio_names[2], 0, 0}};
	struct tally levels[] = {{"basic", &level_names[0], 0, 0},
				 {"advanced", &level_names[1], 0, 0}};
	if (cats == NULL || roles == NULL) {
		free(cats);
		free(roles);
		fputs("mamori: out of memory\n", stderr);
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < g->ncategories; i++)
		cats[i] = (struct tally){g->categories[i].id, &g->categories[i].name, 0, 0};
	for (size_t i = 0; i < g->nroles; i++)
		roles[i] = (struct tally){g->roles[i].id, &g->roles[i].name, 0, 0};
	size_t automated = 0, checks_linked = 0;
	for (size_t i = 0; i < g->ncontrols; i++) {
		const struct control *c = &g->controls[i];
		bool a = c->nchecks > 0;
		automated += a;
		count(cats, g->ncategories, c->category, a);
		count(roles, g->nroles, c->role, a);
		count(fws, 4, c->framework, a);
		count(prios, 3, priority_name(c->priority), a);
		count(levels, 2, c->advanced ? "advanced" : "basic", a);
	}
	for (size_t i = 0; i < cat->nchecks; i++)
		checks_linked += cat->checks[i].ncontrols > 0;
	double share = g->ncontrols ? (double)automated / (double)g->ncontrols : 0.0;
	int rc = EXIT_PASS;
	if (strcmp(format, "json") == 0) {
		json_t *o = json_pack(
			"{s:I, s:I, s:I, s:f, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o}", "controls",
			(json_int_t)g->ncontrols, "automated", (json_int_t)automated, "checks",
			(json_int_t)cat->nchecks, "automated_share", share, "methods",
			(json_int_t)g->nmethods, "threats", (json_int_t)g->nthreats, "profiles",
			(json_int_t)g->nprofiles, "by_framework", tally_json(fws, 4), "by_category",
			tally_json(cats, g->ncategories), "by_role", tally_json(roles, g->nroles),
			"by_level", tally_json(levels, 2), "by_priority", tally_json(prios, 3));
		char *s = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
		if (s)
			puts(s);
		else
			rc = EXIT_ERROR;
		free(s);
		json_decref(o);
	} else {
		bool ja = strcmp(lang, "ja") == 0;
		printf(ja ? "ガイドラインのカタログ: 対策 %zu 項目、うち %zu 項目 (%.0f%%) を %zu 個のチェックが自動で確認\n"
			    "テレワーク方式 %zu、脅威とトラブル事例 %zu、プロファイル %zu\n"
			  : "Guideline catalog: %zu controls, %zu (%.0f%%) checked automatically by %zu checks\n"
			    "%zu telework methods, %zu threats and trouble cases, %zu profiles\n",
		       g->ncontrols, automated, 100.0 * share, checks_linked, g->nmethods, g->nthreats,
		       g->nprofiles);
		printf(ja ? "\n%-40s %4s  %s\n" : "\n%-40s %4s  %s\n", "", ja ? "項目" : "all",
		       ja ? "自動確認" : "automated");
		tally_print(ja ? "出典" : "By source", fws, 4, lang);
		tally_print(ja ? "分類" : "By category", cats, g->ncategories, lang);
		tally_print(ja ? "役割" : "By role", roles, g->nroles, lang);
		tally_print(ja ? "対策の水準 (難易度から)" : "By level (from difficulty)", levels, 2, lang);
		tally_print(ja ? "中小企業チェックリストでの優先度" : "By SME checklist priority", prios,
			    3, lang);
		puts(ja ? "\n水準と優先度は、総務省の手引きの表 (重要度 x 難易度) から導いています。"
			  "多くの項目の重要度と難易度は資料に記載がないため、mamori による評価です。"
			: "\nLevel and priority follow MIC's grid (importance x difficulty). For most items "
			  "the sources do not rate importance and difficulty; those ratings are mamori's.");
	}
	free(cats);
	free(roles);
	return rc;
}

int cmd_catalog(int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"lang", required_argument, NULL, 'l'},
					     {"catalog", required_argument, NULL, 'c'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *format = "text", *lang = NULL, *dir = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'l': lang = optarg; break;
		case 'c': dir = optarg; break;
		case 'h':
			puts("usage: mamori catalog stats [--format text|json] [--lang ja|en] [--catalog DIR]");
			return EXIT_PASS;
		default: return EXIT_ERROR;
		}
	}
	if (optind >= argc || strcmp(argv[optind], "stats") != 0 || optind + 1 != argc) {
		fputs("usage: mamori catalog stats [--format text|json] [--lang ja|en] [--catalog DIR]\n",
		      stderr);
		return EXIT_ERROR;
	}
	if (strcmp(format, "text") && strcmp(format, "json")) {
		fprintf(stderr, "mamori: --format: expected text or json, not '%s'\n", format);
		return EXIT_ERROR;
	}
	struct errbuf e = {{0}};
	struct catalog *cat = NULL;
	if (scan_load_catalog(dir, &cat, &e)) {
		fprintf(stderr, "mamori: %s\n", e.msg);
		return EXIT_ERROR;
	}
	int rc = stats(cat, format, cli_lang(lang));
	catalog_free(cat);
	return rc;
}
