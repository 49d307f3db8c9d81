/* SPDX-License-Identifier: Apache-2.0 */
/* mamorid's log: one line per event on stderr, JSON objects (for log collectors) or text. */
#ifndef MAMORI_SERVER_LOG_H
#define MAMORI_SERVER_LOG_H

#include "server/config.h"

void log_setup(enum log_format format, enum log_level level);
bool log_enabled(enum log_level level);
/* fields: pairs of key, value strings ending with NULL; NULL values are left out. Values
 * come from clients too: JSON escapes them, the text form quotes them. */
void log_event(enum log_level level, const char *msg, ...) __attribute__((sentinel));

#endif
