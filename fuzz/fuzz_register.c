/* SPDX-License-Identifier: Apache-2.0 */
/* Reads arbitrary bytes as a risk register (XLSX, YAML or CSV: register_read picks) against a
 * small guide, then looks every entry up again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/register.h"

/* Sorted by id, as guide_control expects. */
static struct control controls[] = {
    {.id = "csaj-5.1.1"}, {.id = "csaj-5.1.3"}, {.id = "duty-teleworker-1"},
    {.id = "jnsa-2-2"},	  {.id = "mic-c-2"},
};
static const struct guide guide = {.controls = controls,
				   .ncontrols = sizeof(controls) / sizeof(controls[0])};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errbuf e;
	struct risk_register *r = NULL;
	if (register_read("fuzz", (const char *)data, size, &guide, &r, &e) != 0) {
		if (r != NULL || e.msg[0] == '\0') /* a failure leaves nothing and says why */
			abort();
		return 0;
	}
	for (size_t i = 0; i < r->nentries; i++) {
		const struct entry *en = &r->entries[i];
		if (register_find(r, en->control) != en ||
		    guide_control(&guide, en->control) == NULL)
			abort();
		if (en->decision == DECISION_WILL_DO && en->deadline[0] == '\0')
			abort();
		if (en->decision == DECISION_NOT_NEEDED && en->reason == NULL)
			abort();
		for (int a = 0; a < AXIS_COUNT; a++)
			(void)impact_word(en->impact[a], "ja");
	}
	register_free(r);
	return 0;
}
