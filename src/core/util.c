/* SPDX-License-Identifier: Apache-2.0 */
#include "core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int err_set(struct errbuf *e, int code, const char *fmt, ...)
{
	if (e != NULL) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		if (n < 0)
			e->msg[0] = '\0';
	}
	return code;
}

int strn_to_ll(const char *s, size_t len, long long min, long long max, long long *out,
	       const char **errstr)
{
	const char *dummy;
	if (errstr == NULL)
		errstr = &dummy;
	*errstr = "invalid";
	if (s == NULL || len == 0 || len > 32)
		return MAMORI_EINVAL;
	size_t i = 0;
	bool neg = false;
	if (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-';
		i = 1;
		if (len == 1)
			return MAMORI_EINVAL;
	}
	unsigned long long v = 0;
	for (; i < len; i++) {
		if (!c_isdigit((unsigned char)s[i]))
			return MAMORI_EINVAL;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (9223372036854775808ULL - d) / 10) {
			*errstr = neg ? "too small" : "too large";
			return MAMORI_EINVAL;
		}
		v = v * 10 + d;
	}
	long long r;
	if (neg) {
		r = v == 9223372036854775808ULL ? (-9223372036854775807LL - 1) : -(long long)v;
	} else {
		if (v > 9223372036854775807ULL) {
			*errstr = "too large";
			return MAMORI_EINVAL;
		}
		r = (long long)v;
	}
	if (r < min) {
		*errstr = "too small";
		return MAMORI_EINVAL;
	}
	if (r > max) {
		*errstr = "too large";
		return MAMORI_EINVAL;
	}
	*errstr = NULL;
	*out = r;
	return 0;
}

int str_to_ll(const char *s, long long min, long long max, long long *out, const char **errstr)
{
	return strn_to_ll(s, s ? strlen(s) : 0, min, max, out, errstr);
}

int c_strcasecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = c_tolower((unsigned char)*a), cb = c_tolower((unsigned char)*b);
		if (ca != cb || ca == 0)
			return ca - cb;
	}
}

int c_strncasecmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int ca = c_tolower((unsigned char)a[i]), cb = c_tolower((unsigned char)b[i]);
		if (ca != cb || ca == 0)
			return ca - cb;
	}
	return 0;
}

char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
	return s ? strndup(s, n) : NULL;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = malloc((size_t)n + 1);
	if (p == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void str_trim(const char **s, size_t *len)
{
	while (*len > 0 && c_isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && c_isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

int for_each_line(const char *buf, size_t len, size_t max_line, line_fn fn, void *ud, int *bad_line)
{
	int lineno = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *start = buf + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - start) : len - pos;
		lineno++;
		if (l > max_line) {
			if (bad_line)
				*bad_line = lineno;
			return MAMORI_ETOOBIG;
		}
		if (l > 0 && start[l - 1] == '\r')
			l--;
		int r = fn(start, l, lineno, ud);
		if (r != 0) {
			if (bad_line)
				*bad_line = lineno;
			return r;
		}
		pos += (nl ? (size_t)(nl - start) + 1 : len - pos);
	}
	return 0;
}

/* Howard Hinnant's days_from_civil. */
long long days_from_civil(long long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

int parse_date(const char *s, long long *out)
{
	long long y, m, d;
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return MAMORI_EINVAL;
	if (strn_to_ll(s, 4, 1900, 9999, &y, NULL) || strn_to_ll(s + 5, 2, 1, 12, &m, NULL) ||
	    strn_to_ll(s + 8, 2, 1, 31, &d, NULL))
		return MAMORI_EINVAL;
	*out = days_from_civil(y, (unsigned)m, (unsigned)d) * 86400;
	return 0;
}

void format_date(long long t, char *out, size_t outlen)
{
	long long z = (t >= 0 ? t : t - 86399) / 86400 + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long y = (long long)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	snprintf(out, outlen, "%04lld-%02u-%02u", y + (m <= 2), m, d);
}

void strv_free(char **v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

bool strv_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* Offset of the first byte that is not well-formed UTF-8, or len. */
size_t utf8_first_bad(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		unsigned min, cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1, min = 0x80, cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, min = 0x800, cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, min = 0x10000, cp = c & 0x07;
		} else {
			return i;
		}
		if (len - i <= n)
			return i;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

bool utf8_valid(const char *s, size_t len)
{
	return utf8_first_bad(s, len) == len;
}

int errno_to_err(int err)
{
	if (err == ENOENT)
		return MAMORI_ENOENT;
	if (err == EACCES || err == EPERM)
		return MAMORI_EACCES;
	return MAMORI_EIO;
}

void hex_encode(const unsigned char *bytes, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[bytes[i] >> 4];
		out[2 * i + 1] = hex[bytes[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

int parse_duration(const char *s, long long max, long long *out, struct errbuf *e)
{
	size_t n = strlen(s);
	long long unit = 1;
	if (n > 0 && !c_isdigit((unsigned char)s[n - 1])) {
		switch (s[n - 1]) {
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		default:
			goto bad;
		}
		n--;
	}
	/* strn_to_ll would take a sign or spaces: a duration is digits only */
	if (n == 0 || n > 12)
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!c_isdigit((unsigned char)s[i]))
			goto bad;
	long long v;
	const char *why;
	if (strn_to_ll(s, n, 1, max / unit, &v, &why))
		return err_set(e, MAMORI_EINVAL, "'%s': %s (between 1s and %llds)", s, why, max);
	*out = v * unit;
	return 0;
bad:
	return err_set(e, MAMORI_EINVAL, "'%s': expected a duration such as 90s, 15m, 1h or 2d", s);
}
