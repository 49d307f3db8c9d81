/* SPDX-License-Identifier: Apache-2.0 */
#include "server/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/facts.h"

static enum log_format log_fmt = LOG_JSON;
static enum log_level log_min = LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_setup(enum log_format format, enum log_level level)
{
	log_fmt = format;
	log_min = level;
}

bool log_enabled(enum log_level level)
{
	return level >= log_min;
}

static void timestamp(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char day[24];
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%03dZ", day, (int)(ts.tv_nsec / 1000000) % 1000);
}

/* Text form: key=value, value quoted with \" and control characters escaped when needed, so
 * that a client's string cannot forge a field or a line. */
static void text_value(struct buf *b, const char *v)
{
	bool plain = v[0] != '\0';
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f)
			plain = false;
	if (plain) {
		buf_add(b, v, strlen(v));
		return;
	}
	buf_add(b, "\"", 1);
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			buf_add(b, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			char hex[8];
			snprintf(hex, sizeof hex, "\\x%02x", c);
			buf_add(b, hex, 4);
		} else {
			buf_add(b, (const char *)&c, 1);
		}
	}
	buf_add(b, "\"", 1);
}

void log_event(enum log_level level, const char *msg, ...)
{
	if (!log_enabled(level))
		return;
	char ts[64];
	timestamp(ts, sizeof ts);
	va_list ap;
	va_start(ap, msg);
	char *line = NULL;
	if (log_fmt == LOG_JSON) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "ts", ts, "level", level_names[level], "msg", msg);
		const char *k;
		while (o && (k = va_arg(ap, const char *)) != NULL) {
			const char *v = va_arg(ap, const char *);
			if (v)
				json_object_set_new(o, k, json_string_lossy(v));
		}
		char *dump = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (dump)
			line = xasprintf("%s\n", dump);
		free(dump);
		json_decref(o);
	} else {
		struct buf b;
		buf_init(&b, 64 * 1024);
		buf_printf(&b, "%s %s ", ts, level_names[level]);
		text_value(&b, msg);
		const char *k;
		while ((k = va_arg(ap, const char *)) != NULL) {
			const char *v = va_arg(ap, const char *);
			if (v == NULL)
				continue;
			buf_printf(&b, " %s=", k);
			text_value(&b, v);
		}
		buf_add(&b, "\n", 1);
		/* On failure buf_add has freed the contents: data is NULL. */
		line = b.data ? buf_take(&b) : NULL;
		buf_free(&b);
	}
	va_end(ap);
	if (line == NULL)
		return;
	/* One write per line, so lines of concurrent threads do not interleave. */
	ssize_t w = write(STDERR_FILENO, line, strlen(line));
	(void)w;
	free(line);
}
