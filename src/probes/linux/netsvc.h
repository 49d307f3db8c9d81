/* SPDX-License-Identifier: Apache-2.0 */
/* Whether a network service is on, from systemd units, processes, packages and sockets:
 * shared by the sharing and rdp families. */
#ifndef MAMORI_LINUX_NETSVC_H
#define MAMORI_LINUX_NETSVC_H

#include <jansson.h>
#include <stdbool.h>

#include "probes/linux/common.h"

struct svc_spec {
	const char *const *units; /* NULL-terminated lists; NULL for none */
	const char *const *procs;
	const char *const *pkgs;
	const unsigned *tcp; /* ports; terminated by 0 */
	const unsigned *udp;
	bool sockets_decide; /* false: a socket alone is evidence, not proof */
};

struct svc_state {
	int on;		  /* 1 on, 0 off, -1 cannot tell */
	json_t *evidence; /* strings: what was found (owned) */
	char source[512]; /* the strongest evidence's file */
	char note[512];	  /* how it was decided, or why it cannot be told */
};

/* Looks for the service; returns 0 or MAMORI_ENOMEM. out->evidence must be freed with
 * json_decref (svc_put does it). */
int svc_detect(struct probe_ctx *ctx, const struct svc_spec *sp, struct svc_state *out);

/* Records FAMILY.NAME (bool, unknown when it cannot be told) and FAMILY.NAME_evidence (list of
 * strings), then frees out->evidence. */
int svc_put(struct probe_ctx *ctx, const char *fact, const char *evidence_fact,
	    struct svc_state *out);

#endif
