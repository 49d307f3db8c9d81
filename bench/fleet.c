/* SPDX-License-Identifier: Apache-2.0 */
/* Fleet simulation for the store: enrolls DEVICES devices, stores one report of 55 findings
 * over 21 topics for each (THREADS callers at once, as mamorid's request threads would),
 * then a second round for a fifth of them, and times the ledger's first page and the topic
 * summary. See bench/README.md. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#include "core/catalog.h"
#include "server/store.h"

#define N_FINDINGS 55
#define N_TOPICS 21
#define RUNS 20
#define T0 1790000000LL

static const char *const fleet_topics[N_TOPICS] = {
    "accounts", "antivirus", "bluetooth", "disk",  "firewall",	   "legacy", "logs",
    "os",	"packages",  "pam",	  "patch", "remote_tools", "rdp",    "screenlock",
    "sharing",	"ssh",	     "timesync",  "tls",   "usb",	   "wifi",   "password"};
static const char *const severities[] = {"low", "medium", "high", "critical"};
/* The findings carry the embedded catalog's checks when it has N_FINDINGS of them, so that
 * the dashboard's per-check, per-control and per-category answers have real data. */
static const struct catalog *g_cat;

struct fleet {
	struct store *st;
	long devices;
	int threads;
	int round; /* 0: enroll, 1: first reports, 2: second reports */
	long second;
	char *body;
	size_t body_len;
};

struct worker {
	struct fleet *f;
	int t;
	long done, failed;
	char err[512];
};

static uint32_t mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static void device_id(long i, char out[33])
{
	snprintf(out, 33, "%08" PRIx32 "%024lx", mix((uint32_t)i), (unsigned long)i);
}

/* A realistic mix: most checks pass, some fail or cannot be decided, a few do not apply or
 * are switched off by the policy. */
static const char *status_of(long dev, int check, int round)
{
	uint32_t h = mix((uint32_t)(dev * 131 + check * 7 + (round > 1 && check % 11 == 0)));
	unsigned p = h % 100;
	if (p < 78)
		return "pass";
	if (p < 88)
		return "fail";
	if (p < 93)
		return "unknown";
	if (p < 98)
		return "not_applicable";
	return "disabled";
}

static int do_enroll(struct fleet *f, long i, struct errbuf *e)
{
	char id[33], tok[80], host[32], serial[41];
	device_id(i, id);
	snprintf(tok, sizeof(tok), "fleet-token-%s", id);
	snprintf(host, sizeof(host), "pc-%08" PRIx32, mix((uint32_t)i ^ 0x5bd1e995U));
	snprintf(serial, sizeof(serial), "%s%08lx", id, (unsigned long)i);
	int rc = store_token_add(f->st, tok, T0, T0 + 86400, e);
	if (rc != 0)
		return rc;
	struct store_enrollment en = {tok, id, host, "user", serial, T0 + 397 * 86400LL, T0 + 1};
	return store_enroll(f->st, &en, e);
}

static int do_report(struct fleet *f, long i, struct errbuf *e)
{
	char id[33], rid[33], host[32];
	char checks[N_FINDINGS][24];
	struct store_finding fs[N_FINDINGS];
	device_id(i, id);
	snprintf(rid, sizeof(rid), "%08" PRIx32 "%02x%022lx", mix((uint32_t)i * 3 + 1), f->round,
		 (unsigned long)i);
	snprintf(host, sizeof(host), "pc-%08" PRIx32, mix((uint32_t)i ^ 0x5bd1e995U));
	struct store_report r = {
	    .report_id = rid,
	    .device_id = id,
	    .generated_at = T0 + f->round * 86400LL,
	    .received_at = T0 + f->round * 86400LL + 2,
	    .hostname = host,
	    .os_name = "Debian GNU/Linux",
	    .os_version = "12",
	    .serial_number = id + 16,
	    .security_updates_pending = (int64_t)(mix((uint32_t)i) % 8),
	    .package_count = 1500 + (int64_t)(mix((uint32_t)i) % 800),
	    .findings = fs,
	    .n_findings = N_FINDINGS,
	    .body = f->body,
	    .body_len = strlen(f->body),
	    .inventory_sha256 = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
	    .inventory_json = f->round == 1 ? "[{\"name\":\"bash\",\"version\":\"5.2\"}]" : NULL,
	};
	if (r.inventory_json != NULL)
		r.inventory_len = strlen(r.inventory_json);
	for (int k = 0; k < N_FINDINGS; k++) {
		if (g_cat != NULL)
			fs[k] = (struct store_finding){g_cat->checks[k].id, g_cat->checks[k].topic,
						       severity_name(g_cat->checks[k].severity),
						       status_of(i, k, f->round)};
		else {
			snprintf(checks[k], sizeof(checks[k]), "%s-%02d",
				 fleet_topics[k % N_TOPICS], k);
			fs[k] =
			    (struct store_finding){checks[k], fleet_topics[k % N_TOPICS],
						   severities[k % 4], status_of(i, k, f->round)};
		}
		const char *s = fs[k].status;
		if (strcmp(s, "pass") == 0)
			r.n_pass++;
		else if (strcmp(s, "fail") == 0)
			r.n_fail++;
		else if (strcmp(s, "unknown") == 0)
			r.n_unknown++;
		else if (strcmp(s, "not_applicable") == 0)
			r.n_not_applicable++;
	}
	r.status = r.n_fail ? "fail" : r.n_unknown ? "unknown" : "pass";
	struct store_put_result res;
	return store_report_put(f->st, &r, &res, e);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct fleet *f = w->f;
	long n = f->round == 2 ? f->second : f->devices;
	for (long i = w->t; i < n; i += f->threads) {
		struct errbuf e = {{0}};
		int rc = f->round == 0 ? do_enroll(f, i, &e) : do_report(f, i, &e);
		if (rc != 0) {
			if (w->failed++ == 0)
				snprintf(w->err, sizeof(w->err), "%s", e.msg);
		} else {
			w->done++;
		}
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds of the threads alive now other than the caller's workers: the main thread
 * (idle meanwhile) and the store's committer, whose serial work bounds the throughput. */
static double store_threads_cpu(void)
{
	DIR *d = opendir("/proc/self/task");
	double sum = 0;
	struct dirent *de;
	long hz = sysconf(_SC_CLK_TCK);
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char path[300], buf[1024];
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat", de->d_name);
		FILE *fp = fopen(path, "r");
		if (fp == NULL)
			continue;
		size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
		buf[n] = '\0';
		/* Fields after the ")" of the name: state is 3rd, utime 14th, stime 15th. */
		char *p = strrchr(buf, ')');
		for (int field = 2; p != NULL && field < 14; field++)
			p = strchr(p + 1, ' ');
		if (p == NULL)
			continue;
		char *end;
		unsigned long long ut = strtoull(p + 1, &end, 10);
		unsigned long long stm = strtoull(end, NULL, 10);
		sum += (double)(ut + stm) / (double)hz;
	}
	if (d != NULL)
		closedir(d);
	return sum;
}

static int run_round(struct fleet *f, const char *what)
{
	pthread_t th[256];
	struct worker w[256];
	double t0 = now_s(), c0 = cpu_s(), s0 = store_threads_cpu();
	for (int t = 0; t < f->threads; t++) {
		w[t] = (struct worker){.f = f, .t = t};
		if (pthread_create(&th[t], NULL, worker_main, &w[t]) != 0) {
			fprintf(stderr, "fleet: cannot start thread %d\n", t);
			return -1;
		}
	}
	long done = 0, failed = 0;
	for (int t = 0; t < f->threads; t++) {
		pthread_join(th[t], NULL);
		done += w[t].done;
		failed += w[t].failed;
		if (w[t].failed > 0)
			fprintf(stderr, "fleet: %s: %s\n", what, w[t].err);
	}
	double wall = now_s() - t0, cpu = cpu_s() - c0, serial = store_threads_cpu() - s0;
	double per = done > 0 ? 1000.0 / (double)done : 0;
	printf("%-28s %7ld in %6.1f s %6.0f/s  CPU/each: %5.3f ms process, %5.3f ms committer\n",
	       what, done, wall, (double)done / wall, cpu * per, serial * per);
	fflush(stdout);
	return failed > 0 ? -1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median and max of RUNS calls; returns the max in ms, or -1 on failure. */
static double time_query(struct store *st, const char *what, int which, const char *after)
{
	double ms[RUNS];
	for (int i = 0; i < RUNS; i++) {
		struct errbuf e = {{0}};
		json_t *j = NULL;
		double t0 = now_s();
		int rc = which == 0   ? store_devices_page(st, after, 50, &j, &e)
			 : which == 1 ? store_topic_summary(st, &j, &e)
				      : store_status_counts(st, &j, &e);
		ms[i] = (now_s() - t0) * 1000.0;
		if (rc != 0) {
			fprintf(stderr, "fleet: %s: %s\n", what, e.msg);
			return -1;
		}
		if (i == 0 && which == 0)
			printf("%-28s total %" JSON_INTEGER_FORMAT ", %zu on the page\n", what,
			       json_integer_value(json_object_get(j, "total")),
			       json_array_size(json_object_get(j, "devices")));
		json_decref(j);
	}
	qsort(ms, RUNS, sizeof(ms[0]), cmp_double);
	printf("%-28s median %7.2f ms  max %7.2f ms  (%d runs)\n", what,
	       (ms[RUNS / 2 - 1] + ms[RUNS / 2]) / 2, ms[RUNS - 1], RUNS);
	return ms[RUNS - 1];
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 5) {
		fprintf(stderr, "usage: bench_fleet URL [DEVICES [THREADS [--queries-only]]]\n");
		return 2;
	}
	struct fleet f = {.devices = argc > 2 ? strtol(argv[2], NULL, 10) : 100000,
			  .threads = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 16};
	bool queries_only = argc > 4 && strcmp(argv[4], "--queries-only") == 0;
	if (f.devices < 1 || f.threads < 1 || f.threads > 256) {
		fprintf(stderr, "bench_fleet: DEVICES >= 1, THREADS in [1, 256]\n");
		return 2;
	}
	/* The second round (the daily steady state: mostly the same findings): a fifth of the
	 * devices, or FLEET_SECOND reports. */
	f.second = f.devices / 5 > 0 ? f.devices / 5 : 1;
	if (getenv("FLEET_SECOND") != NULL)
		f.second = strtol(getenv("FLEET_SECOND"), NULL, 10);
	if (f.second < 1 || f.second > f.devices) {
		fprintf(stderr, "bench_fleet: FLEET_SECOND in [1, DEVICES]\n");
		return 2;
	}
	/* The wire report (mamori push) of a real scan is about 30 KB: facts and evidence, no
	 * finding texts. FLEET_BODY_BYTES sets another size. */
	long body_bytes =
	    getenv("FLEET_BODY_BYTES") ? strtol(getenv("FLEET_BODY_BYTES"), NULL, 10) : 30000;
	if (body_bytes < 64 || body_bytes > (16L << 20)) {
		fprintf(stderr, "bench_fleet: FLEET_BODY_BYTES in [64, 16 MiB]\n");
		return 2;
	}
	f.body = malloc((size_t)body_bytes + 1);
	if (f.body == NULL)
		return 1;
	size_t cap = (size_t)body_bytes + 1, o = 0;
	int n = snprintf(f.body, cap, "{\"schema_version\":2,\"facts\":{");
	o = n > 0 ? (size_t)n : 0;
	for (int k = 0; o + 64 < cap; k++) {
		uint32_t h1 = mix((uint32_t)k), h2 = mix((uint32_t)k + 77777u);
		n = snprintf(f.body + o, cap - o,
			     "\"fact.%05d\":{\"value\":\"%08" PRIx32 "-%04" PRIx32 "\",\"source\":"
			     "\"/etc/conf-%u\",\"line\":%u},",
			     k, h1, h2 & 0xffff, h2 % 97, h1 % 400);
		if (n < 0 || (size_t)n >= cap - o)
			break;
		o += (size_t)n;
	}
	snprintf(f.body + o - 1, cap - o + 1, "}}");
	f.body_len = strlen(f.body);

	struct errbuf e = {{0}};
	struct catalog *cat = NULL;
	if (catalog_load_embedded(&cat, &e) == 0 && cat->nchecks >= N_FINDINGS)
		g_cat = cat;
	if (store_open(argv[1], 4, &f.st, &e) != 0) {
		fprintf(stderr, "bench_fleet: %s\n", e.msg);
		return 1;
	}
	printf("fleet: %s, %ld devices, %d threads, %d findings over %d topics, body %zu bytes\n",
	       store_backend(f.st), f.devices, f.threads, N_FINDINGS, N_TOPICS, f.body_len);
	int rc = 0;
	if (!queries_only) {
		f.round = 0;
		rc = run_round(&f, "enroll (token + enroll)");
		f.round = 1;
		if (rc == 0)
			rc = run_round(&f, "first report per device");
		f.round = 2;
		if (rc == 0)
			rc = run_round(&f, "second report");
	}
	char mid[33];
	device_id(f.devices / 2, mid);
	double q[4] = {
	    time_query(f.st, "devices page (first, 50)", 0, NULL),
	    time_query(f.st, "devices page (after id, 50)", 0, mid),
	    time_query(f.st, "topic summary", 1, NULL),
	    time_query(f.st, "status counts", 2, NULL),
	};
	for (int i = 0; i < 4; i++)
		if (q[i] < 0)
			rc = -1;
	printf("budget: page and summary each < 100 ms: %s\n",
	       rc == 0 && q[0] < 100 && q[1] < 100 && q[2] < 100 ? "within budget" : "OVER BUDGET");
	store_close(f.st);
	catalog_free(cat);
	free(f.body);
	return rc == 0 ? 0 : 1;
}
