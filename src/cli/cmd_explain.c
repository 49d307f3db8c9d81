/* SPDX-License-Identifier: Apache-2.0 */
/* mamori explain CHECK: one check in full. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/scan.h"
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
	if (ck == NULL) {
		fprintf(stderr, "mamori: no check named '%s' (see 'mamori scan --verbose')\n",
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
	for (size_t i = 0; i < ck->nmic; i++)
		printf("  MIC: %s / %s / %s%s%s\n", ck->mic[i].category, ck->mic[i].role,
		       ck->mic[i].level, ck->mic[i].item ? " / " : "",
		       ck->mic[i].item ? ck->mic[i].item : "");
	for (size_t i = 0; i < ck->ncsaj; i++)
		printf("  CSAJ: %s\n", ck->csaj[i]);
	for (size_t i = 0; i < ck->njnsa; i++)
		printf("  JNSA: %s\n", ck->jnsa[i]);
	printf("%s: %s:%d\n", ja ? "定義" : "Defined in", ck->file, ck->line);
	catalog_free(cat);
	return 0;
}
