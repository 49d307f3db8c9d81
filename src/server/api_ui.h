/* SPDX-License-Identifier: Apache-2.0 */
/* The administrator's dashboard: its files (web/, embedded) at / and /static/, and its data
 * API under /v1 (docs/server.md, "Dashboard API"). api.c routes here. */
#ifndef MAMORI_SERVER_API_UI_H
#define MAMORI_SERVER_API_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "server/server.h"

/* The largest body a dashboard route takes (PUT /v1/register/{control}). */
#define API_UI_MAX_BODY (256 * 1024)

/* GET / and GET /static/…: public, so that the sign-in screen loads. */
bool api_ui_is_asset(const char *path);
/* The dashboard's admin reads (GET), /v1/devices included. */
bool api_ui_is_admin_get(const char *path);
/* The dashboard's admin writes (PUT /v1/register/{control}). */
bool api_ui_is_admin_put(const char *path);

/* Answers an asset request (200, or 304 for a matching If-None-Match). */
void api_ui_asset(const struct request *rq, struct reply *out);
/* Answers a dashboard API request; the caller has checked that an admin is calling. */
void api_ui_handle(struct server *s, const struct request *rq, struct reply *out);

#endif
