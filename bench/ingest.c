/* SPDX-License-Identifier: Apache-2.0 */
/* Load generator for bench/ingest.sh: N agent threads, each with its own enrolled client
 * certificate and one kept-alive TLS connection, POST realistic wire reports (a real scan's,
 * a fresh report_id each time) to mamorid for a fixed time; prints reports/s and latency
 * percentiles as one JSON line.
 * REPORT_JSON is a full report (mamori scan --format json); it is turned into the wire form
 * the agent sends, with the package list left out as after the first acknowledged report, or
 * included every time with MAMORI_BENCH_INVENTORY=1.
 * usage: bench_ingest URL CA_FILE SECONDS REPORT_JSON STATE_DIR... */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/scan.h"
#include "core/report_wire.h"

#define MAX_SAMPLES (1 << 20)

struct agent {
	pthread_t thread;
	const char *url, *ca, *state;
	const char *body_template;
	size_t body_len;
	size_t id_offset;
	double seconds;
	unsigned seed, index;
	size_t ok, failed;
	double *lat;
	size_t nlat;
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t discard(char *p, size_t s, size_t n, void *u)
{
	(void)p, (void)u;
	return s * n;
}

static void *run(void *arg)
{
	struct agent *a = arg;
	char cert[4096], key[4096], url[1024];
	snprintf(cert, sizeof cert, "%s/device.crt", a->state);
	snprintf(key, sizeof key, "%s/device.key", a->state);
	snprintf(url, sizeof url, "%s/v1/reports", a->url);
	char *body = malloc(a->body_len + 1);
	memcpy(body, a->body_template, a->body_len + 1);
	CURL *h = curl_easy_init();
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CAINFO, a->ca);
	curl_easy_setopt(h, CURLOPT_SSLCERT, cert);
	curl_easy_setopt(h, CURLOPT_SSLKEY, key);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)a->body_len);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	double end = now_s() + a->seconds;
	unsigned long long sent = 0;
	while (now_s() < end) {
		/* Unique per run, agent and report: run nonce, agent number, counter. */
		char id[33];
		snprintf(id, sizeof id, "%08x%08x%016llx", a->seed, a->index, sent++);
		memcpy(body + a->id_offset, id, 32);
		double t0 = now_s();
		long code = 0;
		CURLcode rc = curl_easy_perform(h);
		double dt = now_s() - t0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (rc == CURLE_OK && code == 200) {
			a->ok++;
			if (a->nlat < MAX_SAMPLES)
				a->lat[a->nlat++] = dt;
		} else {
			if (a->failed++ == 0)
				fprintf(stderr, "bench_ingest: %s: %s (HTTP %ld)\n", a->state,
					curl_easy_strerror(rc), code);
		}
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	free(body);
	return NULL;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: bench_ingest URL CA_FILE SECONDS REPORT_JSON STATE_DIR...\n");
		return 2;
	}
	struct errbuf e;
	json_error_t je;
	json_t *report = json_load_file(argv[4], 0, &je);
	if (report == NULL) {
		fprintf(stderr, "bench_ingest: %s: %s\n", argv[4], je.text);
		return 2;
	}
	char known[65] = "", sha[65];
	json_t *pk = json_object_get(json_object_get(json_object_get(report, "facts"), "software.packages"), "value");
	const char *inv = getenv("MAMORI_BENCH_INVENTORY");
	if (pk && !(inv && strcmp(inv, "1") == 0) && inventory_sha256(pk, known, &e) != 0) {
		fprintf(stderr, "bench_ingest: %s\n", e.msg);
		return 2;
	}
	if (report_to_wire(report, known[0] ? known : NULL, sha, &e) != 0) {
		fprintf(stderr, "bench_ingest: %s\n", e.msg);
		return 2;
	}
	char *body = json_dumps(report, JSON_COMPACT);
	json_decref(report);
	size_t len = body ? strlen(body) : 0;
	char *id = strstr(body, "\"report_id\":\"");
	if (id == NULL) {
		fprintf(stderr, "bench_ingest: %s: no compact \"report_id\":\"…\"\n", argv[4]);
		return 2;
	}
	size_t off = (size_t)(id - body) + strlen("\"report_id\":\"");
	double seconds = strtod(argv[3], NULL);
	int n = argc - 5;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned run_nonce = (unsigned)(ts.tv_sec ^ (ts.tv_nsec << 2) ^ getpid());
	struct agent *ag = calloc((size_t)n, sizeof *ag);
	for (int i = 0; i < n; i++) {
		ag[i] = (struct agent){.url = argv[1], .ca = argv[2], .state = argv[5 + i],
				       .body_template = body, .body_len = len, .id_offset = off,
				       .seconds = seconds, .seed = run_nonce, .index = (unsigned)i};
		ag[i].lat = malloc(sizeof(double) * MAX_SAMPLES / (size_t)n + 1);
	}
	double t0 = now_s();
	for (int i = 0; i < n; i++)
		pthread_create(&ag[i].thread, NULL, run, &ag[i]);
	size_t ok = 0, failed = 0, nlat = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(ag[i].thread, NULL);
		ok += ag[i].ok;
		failed += ag[i].failed;
		nlat += ag[i].nlat;
	}
	double wall = now_s() - t0;
	double *all = malloc(sizeof(double) * (nlat + 1));
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		memcpy(all + k, ag[i].lat, sizeof(double) * ag[i].nlat);
		k += ag[i].nlat;
	}
	qsort(all, nlat, sizeof(double), cmp_double);
	double p50 = nlat ? all[nlat / 2] : 0, p99 = nlat ? all[(size_t)((double)nlat * 0.99)] : 0;
	printf("{\"agents\": %d, \"seconds\": %.2f, \"reports\": %zu, \"failed\": %zu, "
	       "\"reports_per_s\": %.0f, \"p50_ms\": %.2f, \"p99_ms\": %.2f, \"bytes\": %zu}\n",
	       n, wall, ok, failed, (double)ok / wall, p50 * 1e3, p99 * 1e3, len);
	for (int i = 0; i < n; i++)
		free(ag[i].lat);
	free(ag);
	free(all);
	free(body);
	curl_global_cleanup();
	return failed && !ok ? 1 : 0;
}
