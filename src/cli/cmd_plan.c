/* SPDX-License-Identifier: Apache-2.0 */
/* mamori plan: the self-assessment of the guidance (docs/plan.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/scan.h"
#include "core/plan.h"

enum { OPT_ANSWERS = 256, OPT_SCAN, OPT_REGISTER, OPT_LANG, OPT_CATALOG, OPT_NOW, OPT_METHOD,
       OPT_ROLE, OPT_ALL, OPT_NO_COLOR, OPT_DEFAULTS };

static const char plan_help[] =
	"usage: mamori plan [OPTIONS]\n"
	"  Asks which telework methods, roles, devices and data apply (on a terminal), or reads\n"
	"  them from --answers; recommends methods from MIC's comparison; builds the checklist\n"
	"  of the guideline's controls for the chosen methods and roles, ◎ first.\n"
	"      --answers FILE           answers as YAML (docs/plan.md); no questions asked\n"
	"      --defaults               no questions: every answer takes its default\n"
	"      --method ID              plan for this method (vpn, remote-desktop, vdi,\n"
	"                               secure-container, secure-browser, cloud, standalone);\n"
	"                               repeat for several\n"
	"      --role ID                only this role's items (executive, administrator,\n"
	"                               teleworker); repeat for several\n"
	"      --all                    also list the items outside the SME checklist\n"
	"      --scan REPORT.json       measured status from scan reports (one report, a JSON\n"
	"                               array of reports, or one report per line); repeatable\n"
	"      --register FILE          a filled risk register (YAML, CSV or XLSX): validate it\n"
	"                               and report progress\n"
	"  -f, --format FORMAT          text (default), markdown, html, csv, xlsx, yaml\n"
	"                               (yaml: the register with every item, to fill in)\n"
	"  -o, --output FILE            write to FILE (needed for xlsx)\n"
	"      --lang ja|en             language (default from LANG)\n"
	"      --now YYYY-MM-DD         today, for overdue deadlines\n"
	"      --catalog DIR            read the catalog from DIR\n"
	"      --no-color               no colours on a terminal\n";

struct plan_opts {
	const char *answers, *reg, *format, *out, *lang, *catalog;
	const char *scans[64];
	size_t nscans;
	const char *methods[16];
	size_t nmethods;
	const char *roles[8];
	size_t nroles;
	bool all, color, defaults;
	long long now;
};

static bool ja(const char *lang)
{
	return lang && strcmp(lang, "ja") == 0;
}

/* Reads a line from stdin; returns NULL at end of input. */
static char *ask(const char *prompt, char *line, size_t size)
{
	fputs(prompt, stdout);
	fflush(stdout);
	if (fgets(line, (int)size, stdin) == NULL)
		return NULL;
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

static int ask_yes_no(const char *lang, const struct text *q, const struct text *help, bool def)
{
	char line[256], prompt[2048];
	snprintf(prompt, sizeof(prompt), "\n%s\n  (%s)\n  [%s] ", text_get(q, lang), text_get(help, lang),
		 def ? (ja(lang) ? "はい/いいえ、既定: はい" : "Y/n") : (ja(lang) ? "はい/いいえ、既定: いいえ" : "y/N"));
	for (;;) {
		if (ask(prompt, line, sizeof(line)) == NULL)
			return def;
		if (line[0] == '\0')
			return def;
		if (strchr("yY", line[0]) || strcmp(line, "はい") == 0)
			return 1;
		if (strchr("nN", line[0]) || strcmp(line, "いいえ") == 0)
			return 0;
		fputs(ja(lang) ? "  y (はい) か n (いいえ) で答えてください。\n" : "  Please answer y or n.\n",
		      stdout);
	}
}

static char **split_ids(const char *s, size_t *n)
{
	char **v = calloc(strlen(s) + 2, sizeof(char *));
	*n = 0;
	if (v == NULL)
		return NULL;
	char *copy = xstrdup(s), *save = NULL;
	for (char *t = copy ? strtok_r(copy, ", ", &save) : NULL; t; t = strtok_r(NULL, ", ", &save))
		v[(*n)++] = xstrdup(t);
	free(copy);
	return v;
}

/* The interactive questions: devices, data, the selection questions, then roles. */
static void interview(struct plan_answers *a, const struct guide *g, const char *lang)
{
	char line[256];
	printf("%s\n", ja(lang) ? "テレワークの方式と対策を選ぶための質問です。Enter で既定の答えになります。"
				: "A few questions to choose telework methods and measures. Enter keeps the default.");
	for (;;) {
		const char *p = ask(ja(lang) ? "\n使う端末は? company (会社支給) / personal (私物) / both [company] "
					     : "\nWhich PCs will be used? company / personal / both [company] ",
				    line, sizeof(line));
		if (p == NULL || !*p || !strcmp(p, "company") || !strcmp(p, "personal") || !strcmp(p, "both")) {
			a->devices = xstrdup(p && *p ? p : "company");
			break;
		}
	}
	const char *p = ask(ja(lang) ? "\n扱うデータは? personal-info, confidential, internal, public (カンマ区切り) [internal] "
				     : "\nWhat data is handled? personal-info, confidential, internal, public (comma-separated) [internal] ",
			    line, sizeof(line));
	if (p && *p) {
		size_t n;
		char **v = split_ids(p, &n);
		a->data = v;
		a->ndata = v ? n : 0;
	}
	for (size_t i = 0; i < g->nquestions; i++) {
		const struct question *q = &g->questions[i];
		if ((strcmp(q->id, "personal-devices") == 0 && a->devices) ||
		    (strcmp(q->id, "sensitive-data") == 0 && a->ndata))
			continue; /* already answered above */
		a->answers[i] = ask_yes_no(lang, &q->text, &q->help, plan_answer(a, g, i));
	}
	p = ask(ja(lang) ? "\n対象の役割は? executive, administrator, teleworker (カンマ区切り) [すべて] "
			 : "\nWhich roles? executive, administrator, teleworker (comma-separated) [all] ",
		line, sizeof(line));
	if (p && *p) {
		size_t n;
		char **v = split_ids(p, &n);
		size_t keep = 0;
		for (size_t i = 0; v && i < n; i++) {
			if (guide_role(g, v[i]))
				v[keep++] = v[i];
			else
				free(v[i]);
		}
		a->roles = v;
		a->nroles = keep;
	}
}

/* After the recommendation: which methods to plan for. */
static void choose_methods(struct plan_answers *a, const struct guide *g,
			   const struct method_score *s, const char *lang)
{
	char line[256];
	printf("\n%s\n", ja(lang) ? "おすすめの方式 (点数の高い順):" : "Recommended methods (best first):");
	for (size_t i = 0; i < g->nmethods; i++)
		printf("  %zu. %-28s %s %d\n", i + 1, text_get(&s[i].method->name, lang), s[i].method->id,
		       s[i].score);
	const char *p = ask(ja(lang) ? "\n計画に使う方式 (番号か id をカンマ区切り) [1] "
				     : "\nMethods to plan for (numbers or ids, comma-separated) [1] ",
			    line, sizeof(line));
	size_t n = 0;
	char **v = p && *p ? split_ids(p, &n) : NULL;
	a->methods = calloc(g->nmethods + 1, sizeof(char *));
	for (size_t i = 0; a->methods && v && i < n; i++) {
		long k = strtol(v[i], NULL, 10);
		const char *id = k >= 1 && (size_t)k <= g->nmethods ? s[k - 1].method->id
				 : guide_method(g, v[i])	      ? v[i]
								      : NULL;
		if (id)
			a->methods[a->nmethods++] = xstrdup(id);
	}
	strv_free(v, n);
	if (a->methods && a->nmethods == 0)
		a->methods[a->nmethods++] = xstrdup(s[0].method->id);
}

/* Each JSON value in the file is a report, or an array of reports. */
static int add_scans(struct checklist *cl, const char *file, struct errbuf *e)
{
	char *buf;
	size_t len;
	int r = read_file(file, 256u << 20, &buf, &len, e);
	if (r)
		return r;
	size_t off = 0, n = 0;
	while (r == 0) {
		while (off < len && strchr(" \t\r\n", buf[off]))
			off++;
		if (off >= len)
			break;
		json_error_t je;
		json_t *v = json_loadb(buf + off, len - off, JSON_DISABLE_EOF_CHECK, &je);
		if (v == NULL) {
			r = err_set(e, MAMORI_EPARSE, "%s: line %d: %s", file, je.line, je.text);
			break;
		}
		off += je.position;
		char name[4200];
		if (json_is_array(v)) {
			size_t i;
			json_t *it;
			json_array_foreach(v, i, it)
			{
				snprintf(name, sizeof(name), "%s: report %zu", file, ++n);
				if ((r = checklist_add_scan(cl, it, name, e)))
					break;
			}
		} else {
			snprintf(name, sizeof(name), "%s: report %zu", file, ++n);
			r = checklist_add_scan(cl, v, name, e);
		}
		json_decref(v);
	}
	if (r == 0 && n == 0)
		r = err_set(e, MAMORI_EPARSE, "%s: no scan report in the file", file);
	free(buf);
	return r;
}

static int parse_opts(int argc, char **argv, struct plan_opts *o)
{
	static const struct option opts[] = {
		{"answers", required_argument, NULL, OPT_ANSWERS},
		{"scan", required_argument, NULL, OPT_SCAN},
		{"register", required_argument, NULL, OPT_REGISTER},
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"lang", required_argument, NULL, OPT_LANG},
		{"catalog", required_argument, NULL, OPT_CATALOG},
		{"now", required_argument, NULL, OPT_NOW},
		{"method", required_argument, NULL, OPT_METHOD},
		{"role", required_argument, NULL, OPT_ROLE},
		{"all", no_argument, NULL, OPT_ALL},
		{"defaults", no_argument, NULL, OPT_DEFAULTS},
		{"no-color", no_argument, NULL, OPT_NO_COLOR},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ANSWERS: o->answers = optarg; break;
		case OPT_SCAN:
			if (o->nscans == sizeof(o->scans) / sizeof(o->scans[0])) {
				fputs("mamori: --scan: at most 64 files (a file may hold many reports)\n", stderr);
				return EXIT_ERROR;
			}
			o->scans[o->nscans++] = optarg;
			break;
		case OPT_REGISTER: o->reg = optarg; break;
		case 'f': o->format = optarg; break;
		case 'o': o->out = optarg; break;
		case OPT_LANG:
			if (strcmp(optarg, "ja") && strcmp(optarg, "en")) {
				fprintf(stderr, "mamori: --lang: expected ja or en, not '%s'\n", optarg);
				return EXIT_ERROR;
			}
			o->lang = optarg;
			break;
		case OPT_CATALOG: o->catalog = optarg; break;
		case OPT_NOW:
			if (parse_time(optarg, &o->now)) {
				fprintf(stderr, "mamori: --now: expected YYYY-MM-DD, not '%s'\n", optarg);
				return EXIT_ERROR;
			}
			break;
		case OPT_METHOD:
			if (o->nmethods == sizeof(o->methods) / sizeof(o->methods[0]))
				return EXIT_ERROR;
			o->methods[o->nmethods++] = optarg;
			break;
		case OPT_ROLE:
			if (o->nroles == sizeof(o->roles) / sizeof(o->roles[0]))
				return EXIT_ERROR;
			o->roles[o->nroles++] = optarg;
			break;
		case OPT_ALL: o->all = true; break;
		case OPT_DEFAULTS: o->defaults = true; break;
		case OPT_NO_COLOR: o->color = false; break;
		case 'h': fputs(plan_help, stdout); return EXIT_PASS + 100;
		default: fputs(plan_help, stderr); return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mamori: unexpected argument '%s'\n", argv[optind]);
		return EXIT_ERROR;
	}
	static const char *const formats[] = {"text", "markdown", "html", "csv", "xlsx", "yaml"};
	bool known = false;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		known |= strcmp(o->format, formats[i]) == 0;
	if (!known) {
		fprintf(stderr, "mamori: --format: expected text, markdown, html, csv, xlsx or yaml, not '%s'\n",
			o->format);
		return EXIT_ERROR;
	}
	if (strcmp(o->format, "xlsx") == 0 && (o->out == NULL || strcmp(o->out, "-") == 0)) {
		fputs("mamori: --format xlsx needs -o FILE\n", stderr);
		return EXIT_ERROR;
	}
	return 0;
}

/* Command-line choices override the answers file. */
static int apply_cli_choices(struct plan_answers *a, const struct guide *g,
			     const struct plan_opts *o, struct errbuf *e)
{
	if (o->nmethods) {
		strv_free(a->methods, a->nmethods);
		a->methods = calloc(o->nmethods + 1, sizeof(char *));
		a->nmethods = 0;
		for (size_t i = 0; a->methods && i < o->nmethods; i++) {
			if (!guide_method(g, o->methods[i]))
				return err_set(e, MAMORI_EINVAL,
					       "--method: unknown method '%s' (vpn, remote-desktop, vdi, "
					       "secure-container, secure-browser, cloud, standalone)",
					       o->methods[i]);
			a->methods[a->nmethods++] = xstrdup(o->methods[i]);
		}
	}
	if (o->nroles) {
		strv_free(a->roles, a->nroles);
		a->roles = calloc(o->nroles + 1, sizeof(char *));
		a->nroles = 0;
		for (size_t i = 0; a->roles && i < o->nroles; i++) {
			if (!guide_role(g, o->roles[i]))
				return err_set(e, MAMORI_EINVAL,
					       "--role: unknown role '%s' (executive, administrator, "
					       "teleworker)",
					       o->roles[i]);
			a->roles[a->nroles++] = xstrdup(o->roles[i]);
		}
	}
	if (o->all)
		a->all = true;
	return 0;
}

int cmd_plan(int argc, char **argv)
{
	struct plan_opts o = {.format = "text", .color = true, .now = (long long)time(NULL)};
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc == EXIT_PASS + 100 ? EXIT_PASS : rc;
	const char *lang = cli_lang(o.lang);
	struct errbuf e = {{0}};
	struct catalog *cat = NULL;
	struct plan_answers a = {0};
	struct risk_register *reg = NULL;
	struct checklist cl = {0};
	struct method_score *scores = NULL;
	struct buf b;
	buf_init(&b, 256u << 20);
	rc = EXIT_ERROR;
	if (scan_load_catalog(o.catalog, &cat, &e))
		goto fail;
	const struct guide *g = cat->guide;
	if (g->nmethods == 0 || g->ncontrols == 0) {
		err_set(&e, MAMORI_EINVAL, "the catalog has no telework methods or controls");
		goto fail;
	}
	plan_answers_init(&a, g);
	if (o.answers) {
		char *buf;
		size_t len;
		if (read_file(o.answers, 1u << 20, &buf, &len, &e))
			goto fail;
		int r = plan_answers_read(&a, g, o.answers, buf, len, &e);
		free(buf);
		if (r)
			goto fail;
	}
	if (apply_cli_choices(&a, g, &o, &e))
		goto fail;
	bool interactive = !o.answers && !o.defaults && isatty(STDIN_FILENO) &&
			   isatty(STDOUT_FILENO) && o.out == NULL;
	if (interactive)
		interview(&a, g, lang);
	else if (!o.answers && !o.defaults)
		fputs(ja(lang) ? "mamori: 回答ファイル (--answers) がないため、質問は既定の答えで進めます\n"
			       : "mamori: no --answers and not on a terminal: every question takes its default\n",
		      stderr);
	scores = calloc(g->nmethods + 1, sizeof(*scores));
	if (scores == NULL)
		goto oom;
	plan_recommend(g, &a, scores);
	if (a.nmethods == 0) {
		if (interactive) {
			choose_methods(&a, g, scores, lang);
		} else {
			a.methods = calloc(2, sizeof(char *));
			if (a.methods && (a.methods[0] = xstrdup(scores[0].method->id)))
				a.nmethods = 1;
		}
		if (a.nmethods == 0)
			goto oom;
	}
	char today[11];
	time_t now = (time_t)o.now;
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	if (checklist_build(&cl, cat, &a, (const char *const *)a.methods, a.nmethods, today, &e))
		goto fail;
	for (size_t i = 0; i < o.nscans; i++)
		if (add_scans(&cl, o.scans[i], &e))
			goto fail;
	if (o.reg) {
		char *buf;
		size_t len;
		if (read_file(o.reg, 32u << 20, &buf, &len, &e))
			goto fail;
		int r = register_read(o.reg, buf, len, g, &reg, &e);
		free(buf);
		if (r)
			goto fail;
		checklist_set_register(&cl, reg);
	}
	struct plan_view v = {.cl = &cl,
			      .scores = scores,
			      .nscores = g->nmethods,
			      .answers = &a,
			      .lang = lang,
			      .color = o.color && !o.out && isatty(STDOUT_FILENO) &&
				       getenv("NO_COLOR") == NULL};
	int r;
	if (strcmp(o.format, "xlsx") == 0) {
		if (checklist_write_xlsx(&cl, lang, o.out, &e))
			goto fail;
		rc = EXIT_PASS;
		goto done;
	}
	if (strcmp(o.format, "csv") == 0)
		r = checklist_write_csv(&cl, lang, &b, &e);
	else if (strcmp(o.format, "yaml") == 0)
		r = checklist_write_register_yaml(&cl, &b, &e);
	else if (strcmp(o.format, "markdown") == 0)
		r = plan_write_markdown(&v, &b);
	else if (strcmp(o.format, "html") == 0)
		r = plan_write_html(&v, &b);
	else
		r = plan_write_text(&v, &b);
	if (r) {
		if (e.msg[0] == '\0')
			err_set(&e, r, "cannot write the plan (out of memory)");
		goto fail;
	}
	rc = cli_write(o.out, b.data ? b.data : "", b.len);
	goto done;
oom:
	err_set(&e, MAMORI_ENOMEM, "out of memory");
fail:
	fprintf(stderr, "mamori: %s\n", e.msg);
	rc = EXIT_ERROR;
done:
	buf_free(&b);
	free(scores);
	checklist_free(&cl);
	register_free(reg);
	plan_answers_free(&a);
	catalog_free(cat);
	return rc;
}
