/* SPDX-License-Identifier: Apache-2.0 */
/* Reads arbitrary YAML as `mamori plan` answers over the embedded catalog, then scores the
 * methods and builds the checklist from whatever was accepted; also as a guide file. */
#include <stdint.h>
#include <stdlib.h>

#include "core/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errbuf e;
	static struct catalog *base;
	if (base == NULL && catalog_load_embedded(&base, &e) != 0)
		abort(); /* the shipped catalog must load */
	const struct guide *g = base->guide;
	struct plan_answers a;
	plan_answers_init(&a, g);
	if (plan_answers_read(&a, g, "fuzz.yaml", (const char *)data, size, &e) == 0) {
		struct method_score s[16];
		if (g->nmethods > 16)
			abort();
		plan_recommend(g, &a, s);
		const char *const *methods = (const char *const *)a.methods;
		const char *best[] = {s[0].method->id};
		struct checklist cl;
		if (checklist_build(&cl, base, &a, a.nmethods ? methods : best,
				    a.nmethods ? a.nmethods : 1, "2026-11-23", &e) == 0) {
			struct buf b;
			buf_init(&b, 64u << 20);
			struct plan_view v = {.cl = &cl, .scores = s, .nscores = g->nmethods,
					      .answers = &a, .lang = "ja"};
			if (plan_write_text(&v, &b))
				abort();
			buf_free(&b);
			checklist_free(&cl);
		}
	}
	plan_answers_free(&a);
	/* The same bytes as a controls file and as a profile of a fresh catalog. */
	struct catalog *c = catalog_new();
	if (c) {
		catalog_add(c, "controls/fuzz.yaml", (const char *)data, size, &e);
		catalog_add(c, "controls/selection.yaml", (const char *)data, size, &e);
		catalog_add(c, "profiles/fuzz.yaml", (const char *)data, size, &e);
		catalog_finish(c, &e);
		catalog_free(c);
	}
	return 0;
}
