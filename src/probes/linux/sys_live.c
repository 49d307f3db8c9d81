/* SPDX-License-Identifier: Apache-2.0 */
/* The live system's answers to what only a system call can tell. */
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

#include "probes/probe.h"

static int live_nft(void *ud, char **json, size_t *len, char *why, size_t whylen)
{
	(void)ud;
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (nft == NULL) {
		snprintf(why, whylen, "libnftables: cannot create a context");
		return MAMORI_ENOMEM;
	}
	nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON);
	if (nft_ctx_buffer_output(nft) || nft_ctx_buffer_error(nft)) {
		nft_ctx_free(nft);
		snprintf(why, whylen, "libnftables: cannot buffer output");
		return MAMORI_ENOMEM;
	}
	int r = nft_run_cmd_from_buffer(nft, "list ruleset");
	if (r != 0) {
		const char *err = nft_ctx_get_error_buffer(nft);
		snprintf(why, whylen, "nftables ruleset not readable: %s",
			 err && *err ? err : "permission denied (run as root)");
		size_t l = strlen(why);
		while (l && (why[l - 1] == '\n'))
			why[--l] = '\0';
		nft_ctx_free(nft);
		return MAMORI_EACCES;
	}
	const char *out = nft_ctx_get_output_buffer(nft);
	*json = strdup(out ? out : "");
	*len = *json ? strlen(*json) : 0;
	nft_ctx_free(nft);
	if (*json == NULL) {
		snprintf(why, whylen, "out of memory");
		return MAMORI_ENOMEM;
	}
	return 0;
}

static int live_clock(void *ud, bool *synced, char *why, size_t whylen)
{
	(void)ud;
	struct timex tx = {0};
	int state = adjtimex(&tx);
	if (state < 0) {
		snprintf(why, whylen, "adjtimex failed");
		return MAMORI_EIO;
	}
	*synced = state != TIME_ERROR && !(tx.status & STA_UNSYNC);
	return 0;
}

static const struct sys_ops live_ops = {
	.nft_ruleset_json = live_nft,
	.clock_synchronized = live_clock,
};

const struct sys_ops *sys_ops_live(void)
{
	return &live_ops;
}
