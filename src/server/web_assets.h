/* SPDX-License-Identifier: Apache-2.0 */
/* The dashboard's files (web/), compiled into mamorid by cmake/WebAssets.cmake. */
#ifndef MAMORI_SERVER_WEB_ASSETS_H
#define MAMORI_SERVER_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *path; /* relative to web/, e.g. "app.js", "i18n/ja.json" */
	const char *type; /* Content-Type */
	const char *etag; /* strong, quoted: "\"0123…\"" */
	const unsigned char *data;
	size_t len;
};
extern const struct web_asset web_assets[]; /* sorted by path (bytes) */
extern const size_t web_assets_count;

/* The asset at path (relative to web/), or NULL. */
const struct web_asset *web_asset_find(const char *path);

#endif
