/* SPDX-License-Identifier: Apache-2.0 */
/* Life cycle of the per-scan cache (the accessors are in common.h). */
#ifndef MAMORI_LINUX_CACHE_H
#define MAMORI_LINUX_CACHE_H

struct probe_cache;
struct probe_cache *probe_cache_new(void);
void probe_cache_free(struct probe_cache *c);

#endif
