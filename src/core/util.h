/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers every module uses: error context, bounded numbers, strings. */
#ifndef MAMORI_UTIL_H
#define MAMORI_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include "mamori/mamori.h"

/* The caller owns the buffer; library code writes the message here and never prints. */
struct errbuf {
	char msg[512];
};

/* Formats into e (if not NULL) and returns code, so callers can `return err_set(e, ...)`. */
int err_set(struct errbuf *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Parses a whole decimal integer in [min, max]; like OpenBSD strtonum. On failure returns
 * MAMORI_EINVAL and sets *errstr to "invalid", "too small" or "too large"; *out is untouched. */
int str_to_ll(const char *s, long long min, long long max, long long *out, const char **errstr);
/* Same for a string that is not NUL-terminated. */
int strn_to_ll(const char *s, size_t len, long long min, long long max, long long *out,
	       const char **errstr);

/* Locale-independent character classes (input is untrusted bytes). */
static inline bool c_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static inline bool c_isdigit(int c)
{
	return c >= '0' && c <= '9';
}
static inline bool c_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static inline bool c_isalnum(int c)
{
	return c_isalpha(c) || c_isdigit(c);
}
static inline int c_tolower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* ASCII case-insensitive comparisons. */
int c_strcasecmp(const char *a, const char *b);
int c_strncasecmp(const char *a, const char *b, size_t n);

/* strdup / strndup that return NULL on failure (never abort). */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Allocates and formats; NULL on failure. */
/* Whether s is one of the first n strings of v. */
bool strv_has(char *const *v, size_t n, const char *s);
/* Frees the first n strings of v, then v. */
void strv_free(char **v, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Trims ASCII white space in place on a [*s, *s+*len) view. */
void str_trim(const char **s, size_t *len);

/* Splits buf into lines; calls fn for each with its 1-based number. Stops when fn returns
 * non-zero and returns that value. Lines longer than max_line make it return MAMORI_ETOOBIG
 * with *bad_line set. */
typedef int (*line_fn)(const char *line, size_t len, int lineno, void *ud);
int for_each_line(const char *buf, size_t len, size_t max_line, line_fn fn, void *ud,
		  int *bad_line);

/* Days from the Unix epoch for a civil date; used for date tables. */
long long days_from_civil(long long y, unsigned m, unsigned d);
/* Parses YYYY-MM-DD into Unix seconds at 00:00 UTC. */
int parse_date(const char *s, long long *out);
/* Formats Unix seconds as YYYY-MM-DD into out (at least 11 bytes). */
void format_date(long long t, char *out, size_t outlen);

/* A duration as people type it: digits with an optional unit s, m, h or d ("90s", "15m",
 * "24h", "7d", "45" = seconds), from 1 s to max seconds. No sign, no spaces, no fractions.
 * *out is written only on success. */
int parse_duration(const char *s, long long max, long long *out, struct errbuf *e);
/* MAMORI_ENOENT, MAMORI_EACCES or MAMORI_EIO for an errno value. */
int errno_to_err(int err);
/* n bytes as 2n lower-case hex digits and a NUL into out (2n + 1 bytes). */
void hex_encode(const unsigned char *bytes, size_t n, char *out);

/* Offset of the first byte that is not well-formed UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF), or len when all is well-formed. */
size_t utf8_first_bad(const char *s, size_t len);
bool utf8_valid(const char *s, size_t len);

#endif
