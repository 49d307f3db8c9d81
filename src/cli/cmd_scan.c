/* SPDX-License-Identifier: Apache-2.0 */
/* mamori scan / mamori facts */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/scan.h"
#include "core/i18n.h"
#include "core/report.h"

const char *cli_lang(const char *forced)
{
	if (forced)
		return forced;
	return lang_from_env(getenv("LC_ALL"), getenv("LC_MESSAGES"), getenv("LANG"));
}

int cli_write(const char *path, const char *data, size_t len)
{
	FILE *f = path && strcmp(path, "-") != 0 ? fopen(path, "wb") : stdout;
	if (f == NULL) {
		fprintf(stderr, "mamori: cannot write %s\n", path);
		return EXIT_ERROR;
	}
	size_t n = fwrite(data, 1, len, f);
	int bad = n != len || fflush(f) != 0;
	if (f != stdout)
		bad |= fclose(f) != 0;
	if (bad) {
		fprintf(stderr, "mamori: cannot write %s\n", path ? path : "stdout");
		return EXIT_ERROR;
	}
	return 0;
}

static void new_report_id(char out[33])
{
	unsigned char raw[16];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		/* never block a scan on entropy; the id only needs to be unique */
		unsigned long long t = (unsigned long long)time(NULL) ^ (unsigned long long)getpid();
		for (size_t i = 0; i < sizeof(raw); i++)
			raw[i] = (unsigned char)(t >> (8 * (i % 8))) ^ (unsigned char)i;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

enum { OPT_HTML = 256, OPT_FAIL_ON, OPT_LANG, OPT_CATALOG, OPT_NOW, OPT_NO_COLOR, OPT_PROBE,
       OPT_NET_WAIT, OPT_DISCOVER };

static const struct option scan_opts[] = {
	{"format", required_argument, NULL, 'f'},  {"output", required_argument, NULL, 'o'},
	{"html", required_argument, NULL, OPT_HTML}, {"root", required_argument, NULL, 'r'},
	{"policy", required_argument, NULL, 'p'},  {"only", required_argument, NULL, 't'},
	{"fail-on", required_argument, NULL, OPT_FAIL_ON}, {"lang", required_argument, NULL, OPT_LANG},
	{"catalog", required_argument, NULL, OPT_CATALOG}, {"now", required_argument, NULL, OPT_NOW},
	{"no-color", no_argument, NULL, OPT_NO_COLOR}, {"verbose", no_argument, NULL, 'v'},
	{"probe", required_argument, NULL, OPT_PROBE}, {"help", no_argument, NULL, 'h'},
	{"net-wait", required_argument, NULL, OPT_NET_WAIT},
	{"discover", no_argument, NULL, OPT_DISCOVER},
	{NULL, 0, NULL, 0}};

static const char scan_help[] =
	"usage: mamori scan [OPTIONS]\n"
	"  -f, --format text|json|html  output format (default text)\n"
	"  -o, --output FILE            write the report to FILE (default stdout)\n"
	"      --html FILE              also write the HTML report to FILE\n"
	"  -r, --root DIR               audit the root filesystem at DIR (default /)\n"
	"  -p, --policy POLICY          apply a profile (mic-basic, mic-advanced, csaj,\n"
	"                               jnsa-return), a policy file (docs/policy.md) or a risk\n"
	"                               register's \"not needed\" decisions (docs/register.md);\n"
	"                               repeat to apply several, in order\n"
	"  -t, --only TOPIC             only the checks of one topic\n"
	"      --fail-on SEVERITY       exit 1 if a check of this severity or above fails\n"
	"                               (info, low, medium, high, critical; default low)\n"
	"      --lang ja|en             language (default from LANG)\n"
	"      --catalog DIR            read the catalog from DIR instead of the built-in one\n"
	"      --now TIME               the scan's clock, YYYY-MM-DD[THH:MM:SSZ] (for audits\n"
	"                               of an image as of a date, and reproducible tests)\n"
	"      --no-color               no colours even on a terminal\n"
	"  -v, --verbose                also list the checks that pass\n"
	"      --net-wait MS            how long the network probes wait for the home router's\n"
	"                               UPnP answer (default 1200; 0: send nothing on the LAN)\n"
	"      --discover               also sweep the PC's own IPv4 subnet for neighbours\n"
	"                               (at most /22, 200 a second)\n";

struct common {
	const char *root, *only, *lang, *catalog, *probe, *out;
	const char *policies[16];
	size_t npolicies;
	long long now;
	unsigned net_wait_ms;
	bool discover;
};

static int do_scan(int argc, char **argv, bool facts_only)
{
	struct common o = {.root = "/", .now = (long long)time(NULL), .net_wait_ms = NET_WAIT_DEFAULT_MS};
	const char *format = "text", *html = NULL;
	enum severity fail_on = SEV_LOW;
	bool color = true, verbose = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:r:p:t:vh", scan_opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'o': o.out = optarg; break;
		case OPT_HTML: html = optarg; break;
		case 'r': o.root = optarg; break;
		case 'p':
			if (o.npolicies == sizeof(o.policies) / sizeof(o.policies[0])) {
				fprintf(stderr, "mamori: --policy: at most 16\n");
				return EXIT_ERROR;
			}
			o.policies[o.npolicies++] = optarg;
			break;
		case 't': o.only = optarg; break;
		case OPT_PROBE: o.probe = optarg; break;
		case OPT_FAIL_ON:
			if (severity_parse(optarg, &fail_on)) {
				fprintf(stderr, "mamori: --fail-on: expected info, low, medium, high or critical, not '%s'\n", optarg);
				return EXIT_ERROR;
			}
			break;
		case OPT_LANG:
			if (strcmp(optarg, "ja") && strcmp(optarg, "en")) {
				fprintf(stderr, "mamori: --lang: expected ja or en, not '%s'\n", optarg);
				return EXIT_ERROR;
			}
			o.lang = optarg;
			break;
		case OPT_CATALOG: o.catalog = optarg; break;
		case OPT_NOW:
			if (parse_time(optarg, &o.now)) {
				fprintf(stderr, "mamori: --now: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not '%s'\n", optarg);
				return EXIT_ERROR;
			}
			break;
		case OPT_NO_COLOR: color = false; break;
		case OPT_NET_WAIT: {
			long long ms;
			if (str_to_ll(optarg, 0, 60000, &ms, NULL)) {
				fprintf(stderr, "mamori: --net-wait: expected milliseconds from 0 to 60000, not '%s'\n", optarg);
				return EXIT_ERROR;
			}
			o.net_wait_ms = (unsigned)ms;
			break;
		}
		case OPT_DISCOVER: o.discover = true; break;
		case 'v': verbose = true; break;
		case 'h': fputs(scan_help, stdout); return EXIT_PASS;
		default: fputs(scan_help, stderr); return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mamori: unexpected argument '%s'\n", argv[optind]);
		return EXIT_ERROR;
	}
	if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "html")) {
		fprintf(stderr, "mamori: --format: expected text, json or html, not '%s'\n", format);
		return EXIT_ERROR;
	}
	if (o.only && !topic_valid(o.only)) {
		fprintf(stderr, "mamori: --only: unknown topic '%s'\n", o.only);
		return EXIT_ERROR;
	}
	struct errbuf e = {{0}};
	struct catalog *cat = NULL;
	struct policy *pol = NULL;
	struct facts *facts = NULL;
	struct findings *fs = NULL;
	int rc = EXIT_ERROR;
	struct scan_session *session;
	if (o.discover && o.net_wait_ms == 0) {
		fprintf(stderr, "mamori: --discover needs the network probes (--net-wait above 0)\n");
		return EXIT_ERROR;
	}
	if (scan_begin_net(o.root, o.now, sys_ops_live(), o.probe, o.net_wait_ms, o.discover,
			   &session, &e))
		goto fail;
	/* the catalog loads while the early probes' threads read the package lists */
	if (!facts_only && (scan_load_catalog(o.catalog, &cat, &e) ||
			    scan_load_policy(cat, o.policies, o.npolicies, &pol, &e))) {
		struct errbuf ignored;
		struct facts *unused = NULL;
		if (scan_end(session, &unused, &ignored) == 0)
			facts_free(unused);
		goto fail;
	}
	if (scan_end(session, &facts, &e))
		goto fail;
	if (facts_only) {
		json_t *j = facts_to_json(facts);
		char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
		json_decref(j);
		if (s == NULL) {
			err_set(&e, MAMORI_ENOMEM, "out of memory");
			goto fail;
		}
		struct buf b;
		buf_init(&b, 256u << 20);
		if (buf_adds(&b, s) || buf_adds(&b, "\n")) {
			free(s);
			err_set(&e, MAMORI_ENOMEM, "out of memory");
			goto fail;
		}
		free(s);
		rc = cli_write(o.out, b.data, b.len);
		buf_free(&b);
		goto done;
	}
	if (evaluate(cat, pol, facts, "linux", o.only, &fs, &e))
		goto fail;
	char rid[33];
	new_report_id(rid);
	struct report_ctx rc_ = {
		.lang = cli_lang(o.lang),
		.platform = "linux",
		.root = o.root,
		.now = o.now,
		.report_id = rid,
		.only = o.only,
		.color = color && !o.out && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL,
		.verbose = verbose,
		.catalog = cat,
		.policy = pol,
		.facts = facts,
		.findings = fs,
	};
	struct buf b;
	buf_init(&b, 256u << 20);
	int w;
	if (strcmp(format, "json") == 0) {
		json_t *j = report_json(&rc_);
		/* indented for a person at a terminal, compact for programs (a third of the size) */
		size_t flags = rc_.color || (o.out == NULL && isatty(STDOUT_FILENO)) ? JSON_INDENT(2)
										      : JSON_COMPACT;
		char *s = j ? json_dumps(j, flags) : NULL;
		json_decref(j);
		w = s ? buf_adds(&b, s) || buf_adds(&b, "\n") : MAMORI_ENOMEM;
		free(s);
	} else if (strcmp(format, "html") == 0) {
		w = report_html(&rc_, &b);
	} else {
		w = report_text(&rc_, &b);
	}
	if (w) {
		buf_free(&b);
		err_set(&e, MAMORI_ENOMEM, "out of memory writing the report");
		goto fail;
	}
	rc = cli_write(o.out, b.data, b.len);
	buf_free(&b);
	if (rc == 0 && html) {
		rc_.color = false;
		buf_init(&b, 256u << 20);
		if (report_html(&rc_, &b)) {
			buf_free(&b);
			err_set(&e, MAMORI_ENOMEM, "out of memory writing the report");
			goto fail;
		}
		rc = cli_write(html, b.data, b.len);
		buf_free(&b);
		if (rc == 0)
			fprintf(stderr, "%s: %s\n",
				strcmp(rc_.lang, "ja") == 0 ? "HTML レポートを書き出しました"
							    : "HTML report written to",
				html);
	}
	if (rc == 0)
		rc = findings_fail_at(fs, fail_on) ? EXIT_FINDINGS : EXIT_PASS;
	goto done;
fail:
	fprintf(stderr, "mamori: %s\n", e.msg[0] ? e.msg : "failed");
	rc = EXIT_ERROR;
done:
	findings_free(fs);
	facts_free(facts);
	policy_free(pol);
	catalog_free(cat);
	return rc;
}

int cmd_scan(int argc, char **argv)
{
	return do_scan(argc, argv, false);
}

int cmd_facts(int argc, char **argv)
{
	return do_scan(argc, argv, true);
}
