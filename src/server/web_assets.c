/* SPDX-License-Identifier: Apache-2.0 */
/* Looking up the embedded dashboard files. */
#include "server/web_assets.h"

#include <stdlib.h>
#include <string.h>

static int cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct web_asset *)elem)->path);
}

const struct web_asset *web_asset_find(const char *path)
{
	return bsearch(path, web_assets, web_assets_count, sizeof(web_assets[0]), cmp);
}
