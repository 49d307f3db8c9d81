/* SPDX-License-Identifier: Apache-2.0 */
/* mamori lan: the home network around this PC (docs/lan.md). The router, wifi, lan, firewall
 * and sharing probes with the network probes on for longer than a scan allows, the checks of
 * the home-network topics, and a report a teleworker can act on. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/scan.h"
#include "core/report.h"

/* The probes the report reads and the topics whose checks it shows. */
#define LAN_PROBES "host,router,wifi,lan,firewall,sharing"
#define LAN_TOPICS "router-exposure,wifi,firewall,file-sharing"
#define LAN_WAIT_MS 2000 /* routers answer UPnP searches within a second or two */
#define LAN_WAIT_MAX 30000

enum { OPT_LANG = 256, OPT_CATALOG, OPT_NO_COLOR, OPT_WAIT, OPT_DISCOVER };

static const struct option lan_opts[] = {{"format", required_argument, NULL, 'f'},
					 {"output", required_argument, NULL, 'o'},
					 {"policy", required_argument, NULL, 'p'},
					 {"lang", required_argument, NULL, OPT_LANG},
					 {"catalog", required_argument, NULL, OPT_CATALOG},
					 {"no-color", no_argument, NULL, OPT_NO_COLOR},
					 {"wait", required_argument, NULL, OPT_WAIT},
					 {"discover", no_argument, NULL, OPT_DISCOVER},
					 {"verbose", no_argument, NULL, 'v'},
					 {"help", no_argument, NULL, 'h'},
					 {NULL, 0, NULL, 0}};

static const char lan_help[] =
    "usage: mamori lan [OPTIONS]\n"
    "  The home network around this PC: the router (UPnP port mappings, its administration\n"
    "  page), the Wi-Fi in use, the other devices on the LAN and whether this PC's firewall\n"
    "  lets them in; what to change on the router and on the PC.\n"
    "      --discover               also look for devices: one packet to each address of\n"
    "                               this PC's own subnet (a /22 at most), rate-limited\n"
    "      --wait MS                how long to wait for the router's UPnP answer (default\n"
    "                               2000)\n"
    "  -f, --format text|json       output format (default text)\n"
    "  -o, --output FILE            write the report to FILE (default stdout)\n"
    "  -p, --policy POLICY          a profile or policy file, as for mamori scan\n"
    "      --lang ja|en             language (default from LANG)\n"
    "      --catalog DIR            read the catalog from DIR instead of the built-in one\n"
    "      --no-color               no colours even on a terminal\n"
    "  -v, --verbose                also list the checks that pass\n";

int cmd_lan(int argc, char **argv)
{
	const char *format = "text", *outpath = NULL, *lang = NULL, *catdir = NULL;
	const char *policies[16];
	size_t npolicies = 0;
	bool color = true, verbose = false;
	unsigned wait_ms = LAN_WAIT_MS;
	bool discover = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:p:vh", lan_opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'p':
			if (npolicies == sizeof policies / sizeof policies[0]) {
				fprintf(stderr, "mamori: --policy: at most 16\n");
				return EXIT_ERROR;
			}
			policies[npolicies++] = optarg;
			break;
		case OPT_LANG:
			if (strcmp(optarg, "ja") && strcmp(optarg, "en")) {
				fprintf(stderr, "mamori: --lang: expected ja or en, not '%s'\n",
					optarg);
				return EXIT_ERROR;
			}
			lang = optarg;
			break;
		case OPT_CATALOG:
			catdir = optarg;
			break;
		case OPT_NO_COLOR:
			color = false;
			break;
		case OPT_WAIT: {
			long long ms;
			const char *why;
			if (str_to_ll(optarg, 100, LAN_WAIT_MAX, &ms, &why) != 0) {
				fprintf(stderr,
					"mamori: --wait: expected milliseconds, 100 to %d (%s)\n",
					LAN_WAIT_MAX, why);
				return EXIT_ERROR;
			}
			wait_ms = (unsigned)ms;
			break;
		}
		case OPT_DISCOVER:
			discover = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(lan_help, stdout);
			return EXIT_PASS;
		default:
			fputs(lan_help, stderr);
			return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mamori: unexpected argument '%s'\n", argv[optind]);
		return EXIT_ERROR;
	}
	if (strcmp(format, "text") && strcmp(format, "json")) {
		fprintf(stderr, "mamori: --format: expected text or json, not '%s'\n", format);
		return EXIT_ERROR;
	}
	struct errbuf e = {{0}};
	struct catalog *cat = NULL;
	struct policy *pol = NULL;
	struct facts *facts = NULL;
	struct findings *fs = NULL;
	struct scan_session *session;
	int rc = EXIT_ERROR;
	long long now = (long long)time(NULL);
	if (scan_begin_net("/", now, sys_ops_live(), LAN_PROBES, wait_ms, discover, &session, &e))
		goto fail;
	if (scan_load_catalog(catdir, &cat, &e) ||
	    scan_load_policy(cat, policies, npolicies, &pol, &e)) {
		struct errbuf ignored;
		struct facts *unused = NULL;
		if (scan_end(session, &unused, &ignored) == 0)
			facts_free(unused);
		goto fail;
	}
	if (scan_end(session, &facts, &e) ||
	    evaluate(cat, pol, facts, "linux", LAN_TOPICS, &fs, &e))
		goto fail;
	struct report_ctx r = {
	    .lang = cli_lang(lang),
	    .platform = "linux",
	    .root = "/",
	    .now = now,
	    .report_id = "",
	    .only = LAN_TOPICS,
	    .color = color && !outpath && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL,
	    .verbose = verbose,
	    .catalog = cat,
	    .policy = pol,
	    .facts = facts,
	    .findings = fs,
	};
	struct buf b;
	buf_init(&b, 64u << 20);
	int w;
	if (strcmp(format, "json") == 0) {
		json_t *j = report_json(&r);
		char *s = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
		json_decref(j);
		w = s ? buf_adds(&b, s) || buf_adds(&b, "\n") : MAMORI_ENOMEM;
		free(s);
	} else {
		w = report_lan_text(&r, &b);
	}
	if (w) {
		buf_free(&b);
		err_set(&e, MAMORI_ENOMEM, "out of memory writing the report");
		goto fail;
	}
	rc = cli_write(outpath, b.data, b.len);
	buf_free(&b);
	if (rc == 0)
		rc = findings_fail_at(fs, SEV_LOW) ? EXIT_FINDINGS : EXIT_PASS;
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
