/* SPDX-License-Identifier: Apache-2.0 */
/* The Linux probe families' entry points; registry.c lists them. */
#ifndef MAMORI_LINUX_PROBES_H
#define MAMORI_LINUX_PROBES_H

#include "probes/probe.h"

int probe_host_collect(struct probe_ctx *ctx);
/* @probe-decls: each probe family adds its declaration above this line */

#endif
