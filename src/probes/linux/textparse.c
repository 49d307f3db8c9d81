/* SPDX-License-Identifier: Apache-2.0 */
/* The small pure parsers the Linux probes share: INI keyfiles, KEY=value files, and the
 * /proc/net socket tables. Each takes a buffer and does no I/O, so it can be fuzzed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"

#define TEXT_MAX_LINE 8192

struct ini_state {
	ini_fn fn;
	void *ud;
	char section[256];
};

static int ini_line(const char *s, size_t len, int lineno, void *ud)
{
	struct ini_state *st = ud;
	str_trim(&s, &len);
	if (len == 0 || s[0] == '#' || s[0] == ';')
		return 0;
	if (s[0] == '[') {
		if (s[len - 1] != ']' || len - 2 >= sizeof(st->section))
			return MAMORI_EPARSE;
		const char *sec = s + 1;
		size_t sl = len - 2;
		str_trim(&sec, &sl);
		snprintf(st->section, sizeof(st->section), "%.*s", (int)sl, sec);
		return 0;
	}
	const char *eq = memchr(s, '=', len);
	if (eq == NULL)
		return MAMORI_EPARSE;
	const char *k = s, *v = eq + 1;
	size_t kl = (size_t)(eq - s), vl = len - kl - 1;
	str_trim(&k, &kl);
	str_trim(&v, &vl);
	if (kl == 0)
		return MAMORI_EPARSE;
	char key[256], val[TEXT_MAX_LINE + 1];
	if (kl >= sizeof(key))
		return MAMORI_EPARSE;
	snprintf(key, sizeof(key), "%.*s", (int)kl, k);
	snprintf(val, sizeof(val), "%.*s", (int)vl, v);
	return st->fn(st->section, key, val, lineno, st->ud);
}

int ini_parse(const char *buf, size_t len, ini_fn fn, void *ud, int *bad_line)
{
	struct ini_state st = {.fn = fn, .ud = ud};
	int r = for_each_line(buf, len, TEXT_MAX_LINE, ini_line, &st, bad_line);
	return r == MAMORI_ETOOBIG ? MAMORI_EPARSE : r;
}

struct kv_state {
	kv_fn fn;
	void *ud;
};

static int kv_line(const char *s, size_t len, int lineno, void *ud)
{
	struct kv_state *st = ud;
	str_trim(&s, &len);
	if (len == 0 || s[0] == '#')
		return 0;
	const char *eq = memchr(s, '=', len);
	if (eq == NULL || eq == s)
		return MAMORI_EPARSE;
	size_t kl = (size_t)(eq - s);
	for (size_t i = 0; i < kl; i++)
		if (!(c_isalnum((unsigned char)s[i]) || s[i] == '_'))
			return MAMORI_EPARSE;
	char key[128], val[TEXT_MAX_LINE + 1];
	if (kl >= sizeof(key))
		return MAMORI_EPARSE;
	snprintf(key, sizeof(key), "%.*s", (int)kl, s);
	const char *v = eq + 1, *end = s + len;
	size_t o = 0;
	char quote = 0;
	for (; v < end; v++) {
		char c = *v;
		if (quote) {
			if (c == quote) {
				quote = 0;
				continue;
			}
			if (quote == '"' && c == '\\' && v + 1 < end) {
				c = *++v;
			}
		} else if (c == '"' || c == '\'') {
			quote = c;
			continue;
		} else if (c == '#' && (o == 0 || c_isspace((unsigned char)val[o - 1]))) {
			break; /* trailing comment */
		} else if (c == '\\' && v + 1 < end) {
			c = *++v;
		}
		val[o++] = c;
	}
	if (quote)
		return MAMORI_EPARSE;
	while (o > 0 && c_isspace((unsigned char)val[o - 1]))
		o--;
	val[o] = '\0';
	return st->fn(key, val, lineno, st->ud);
}

int kv_parse(const char *buf, size_t len, kv_fn fn, void *ud, int *bad_line)
{
	struct kv_state st = {.fn = fn, .ud = ud};
	int r = for_each_line(buf, len, TEXT_MAX_LINE, kv_line, &st, bad_line);
	return r == MAMORI_ETOOBIG ? MAMORI_EPARSE : r;
}

/* ---- /proc/net/{tcp,udp}[6] ---- */

struct net_state {
	const char *proto;
	bool v6;
	struct listener **ls;
	size_t *count;
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = c_tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int hex_bytes(const char *s, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* The kernel prints each 32-bit word of the address in host byte order (%08X). */
static int parse_addr(const char *s, size_t len, bool v6, struct listener *l)
{
	size_t alen = v6 ? 32 : 8;
	if (len != alen + 5 || s[alen] != ':')
		return -1;
	unsigned char raw[16], addr[16];
	if (hex_bytes(s, alen / 2, raw))
		return -1;
	for (size_t w = 0; w < alen / 8; w++)
		for (int b = 0; b < 4; b++)
			addr[w * 4 + (size_t)b] = raw[w * 4 + (size_t)(3 - b)];
	unsigned char pb[2];
	if (hex_bytes(s + alen + 1, 2, pb))
		return -1;
	l->port = (unsigned)pb[0] << 8 | pb[1];
	bool zero = true;
	for (size_t i = 0; i < alen / 2; i++)
		zero = zero && addr[i] == 0;
	l->any_address = zero;
	if (v6) {
		static const unsigned char lo6[16] = {[15] = 1};
		static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
		l->loopback = memcmp(addr, lo6, 16) == 0 ||
			      (memcmp(addr, mapped, 12) == 0 && addr[12] == 127);
		snprintf(l->addr, sizeof(l->addr),
			 "%x:%x:%x:%x:%x:%x:%x:%x", addr[0] << 8 | addr[1], addr[2] << 8 | addr[3],
			 addr[4] << 8 | addr[5], addr[6] << 8 | addr[7], addr[8] << 8 | addr[9],
			 addr[10] << 8 | addr[11], addr[12] << 8 | addr[13], addr[14] << 8 | addr[15]);
		if (zero)
			snprintf(l->addr, sizeof(l->addr), "::");
	} else {
		l->loopback = addr[0] == 127;
		snprintf(l->addr, sizeof(l->addr), "%u.%u.%u.%u", addr[0], addr[1], addr[2],
			 addr[3]);
	}
	return 0;
}

static int next_field(const char **s, const char *end, const char **f, size_t *fl)
{
	while (*s < end && c_isspace((unsigned char)**s))
		(*s)++;
	*f = *s;
	while (*s < end && !c_isspace((unsigned char)**s))
		(*s)++;
	*fl = (size_t)(*s - *f);
	return *fl ? 0 : -1;
}

static int net_line(const char *s, size_t len, int lineno, void *ud)
{
	struct net_state *st = ud;
	const char *end = s + len, *f;
	size_t fl;
	if (lineno == 1)
		return 0; /* header */
	if (next_field(&s, end, &f, &fl) != 0)
		return 0; /* blank line */
	if (f[fl - 1] != ':')
		return MAMORI_EPARSE;
	struct listener l = {0};
	snprintf(l.proto, sizeof(l.proto), "%s", st->proto);
	l.v6 = st->v6;
	if (next_field(&s, end, &f, &fl) || parse_addr(f, fl, st->v6, &l))
		return MAMORI_EPARSE;
	const char *rem;
	size_t rl;
	if (next_field(&s, end, &rem, &rl))
		return MAMORI_EPARSE;
	struct listener remote = {0};
	if (parse_addr(rem, rl, st->v6, &remote))
		return MAMORI_EPARSE;
	if (next_field(&s, end, &f, &fl) || fl != 2)
		return MAMORI_EPARSE;
	int state = hexval((unsigned char)f[0]) * 16 + hexval((unsigned char)f[1]);
	if (state < 0)
		return MAMORI_EPARSE;
	bool tcp = strcmp(st->proto, "tcp") == 0;
	/* TCP: LISTEN (0x0A). UDP: unconnected sockets (remote all zero, state CLOSE 0x07). */
	if (tcp ? state != 0x0A : !(remote.any_address && remote.port == 0 && state == 0x07))
		return 0;
	for (size_t i = 0; i < *st->count; i++) {
		const struct listener *o = &(*st->ls)[i];
		if (o->port == l.port && o->v6 == l.v6 && strcmp(o->proto, l.proto) == 0 &&
		    strcmp(o->addr, l.addr) == 0)
			return 0; /* SO_REUSEPORT duplicates */
	}
	if (*st->count >= 65536)
		return MAMORI_ETOOBIG;
	struct listener *nl = realloc(*st->ls, (*st->count + 1) * sizeof(*nl));
	if (nl == NULL)
		return MAMORI_ENOMEM;
	nl[(*st->count)++] = l;
	*st->ls = nl;
	return 0;
}

int proc_net_parse(const char *buf, size_t len, const char *proto, bool v6, struct listener **ls,
		   size_t *count, int *bad_line)
{
	struct net_state st = {.proto = proto, .v6 = v6, .ls = ls, .count = count};
	return for_each_line(buf, len, 4096, net_line, &st, bad_line);
}
