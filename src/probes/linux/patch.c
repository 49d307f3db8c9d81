/* SPDX-License-Identifier: Apache-2.0 */
/* patch.*: pending security updates, read the way apt sees them: the installed versions in
 * dpkg's status against the versions the configured "-security" suites offer in
 * /var/lib/apt/lists, compared in dpkg's version order. Also the shared apt list reader
 * (apt.h) that the packages family uses. */
#define _GNU_SOURCE /* memmem, memrchr */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <lz4frame.h>
#include <pthread.h>
#include <stdbool.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probes/linux/apt.h"
#include "probes/linux/common.h"
#include "probes/linux/probes.h"

/* ---- dpkg versions ---- */

int deb_version_parse(const char *s, struct deb_version *out)
{
	if (s == NULL)
		return MAMORI_EINVAL;
	size_t len = strlen(s);
	/* dpkg trims leading and trailing blanks, then refuses embedded ones. */
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0)
		return MAMORI_EINVAL;
	for (size_t i = 0; i < len; i++)
		if (s[i] == ' ' || s[i] == '\t')
			return MAMORI_EINVAL;
	struct deb_version v = {0};
	const char *colon = memchr(s, ':', len);
	if (colon) {
		if (colon == s)
			return MAMORI_EINVAL; /* epoch is empty */
		unsigned long e = 0;
		for (const char *p = s; p < colon; p++) {
			if (!c_isdigit((unsigned char)*p))
				return MAMORI_EINVAL;
			e = e * 10 + (unsigned long)(*p - '0');
			if (e > INT_MAX)
				return MAMORI_EINVAL;
		}
		v.epoch = e;
		len -= (size_t)(colon + 1 - s);
		s = colon + 1;
		if (len == 0)
			return MAMORI_EINVAL; /* nothing after colon */
	}
	const char *hyphen = NULL;
	for (size_t i = len; i > 0; i--) {
		if (s[i - 1] == '-') {
			hyphen = s + i - 1;
			break;
		}
	}
	v.upstream = s;
	if (hyphen) {
		v.upstream_len = (size_t)(hyphen - s);
		v.revision = hyphen + 1;
		v.revision_len = len - v.upstream_len - 1;
		if (v.revision_len == 0)
			return MAMORI_EINVAL; /* revision is empty */
	} else {
		v.upstream_len = len;
		v.revision = "";
		v.revision_len = 0;
	}
	if (v.upstream_len == 0)
		return MAMORI_EINVAL;
	*out = v;
	return 0;
}

/* dpkg's order of a character: digits 0 (they are compared as numbers), end 0, '~' before
 * everything, letters by ASCII, other marks after all letters. */
static int ver_order(const char *p, const char *end)
{
	if (p >= end)
		return 0;
	int c = (unsigned char)*p;
	if (c_isdigit(c))
		return 0;
	if (c_isalpha(c))
		return c;
	if (c == '~')
		return -1;
	return c + 256;
}

/* dpkg's verrevcmp on two length-bounded strings. */
static int verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae || b < be) {
		int first_diff = 0;
		while ((a < ae && !c_isdigit((unsigned char)*a)) ||
		       (b < be && !c_isdigit((unsigned char)*b))) {
			int ac = ver_order(a, ae), bc = ver_order(b, be);
			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && b < be && c_isdigit((unsigned char)*a) &&
		       c_isdigit((unsigned char)*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < ae && c_isdigit((unsigned char)*a))
			return 1;
		if (b < be && c_isdigit((unsigned char)*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

int deb_version_cmp(const struct deb_version *a, const struct deb_version *b)
{
	if (a->epoch != b->epoch)
		return a->epoch > b->epoch ? 1 : -1;
	int r = verrevcmp(a->upstream, a->upstream + a->upstream_len, b->upstream,
			  b->upstream + b->upstream_len);
	if (r)
		return r;
	return verrevcmp(a->revision, a->revision + a->revision_len, b->revision,
			 b->revision + b->revision_len);
}

int deb_version_cmp_str(const char *a, const char *b, int *cmp)
{
	struct deb_version va, vb;
	if (deb_version_parse(a, &va) || deb_version_parse(b, &vb))
		return MAMORI_EINVAL;
	*cmp = deb_version_cmp(&va, &vb);
	return 0;
}

/* ---- Release files ---- */

static int month_index(const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	for (int i = 0; i < 12; i++)
		if (memcmp(months + 3 * i, s, 3) == 0)
			return i + 1;
	return 0;
}

/* "[Sat, ]21 Nov 2026 00:53:02 UTC" (apt also accepts GMT and numeric zones). */
static int rfc2822_parse(const char *s, size_t len, long long *t)
{
	const char *end = s + len;
	const char *comma = memchr(s, ',', len);
	if (comma)
		s = comma + 1;
	while (s < end && *s == ' ')
		s++;
	const char *p = s;
	while (p < end && c_isdigit((unsigned char)*p))
		p++;
	long long day, year, hh, mm, ss, zh = 0, zm = 0;
	if (strn_to_ll(s, (size_t)(p - s), 1, 31, &day, NULL) || end - p < 22 || *p != ' ' ||
	    p[4] != ' ')
		return MAMORI_EPARSE;
	int mon = month_index(p + 1);
	p += 5;
	if (mon == 0 || strn_to_ll(p, 4, 1970, 9999, &year, NULL) || p[4] != ' ' ||
	    strn_to_ll(p + 5, 2, 0, 23, &hh, NULL) || p[7] != ':' ||
	    strn_to_ll(p + 8, 2, 0, 59, &mm, NULL) || p[10] != ':' ||
	    strn_to_ll(p + 11, 2, 0, 60, &ss, NULL))
		return MAMORI_EPARSE;
	p += 13;
	while (p < end && *p == ' ')
		p++;
	size_t zl = (size_t)(end - p);
	int sign = 1;
	if ((zl == 3 && (memcmp(p, "UTC", 3) == 0 || memcmp(p, "GMT", 3) == 0)) ||
	    (zl == 1 && *p == 'Z')) {
		/* UTC */
	} else if (zl == 5 && (*p == '+' || *p == '-')) {
		sign = *p == '-' ? -1 : 1;
		if (strn_to_ll(p + 1, 2, 0, 23, &zh, NULL) ||
		    strn_to_ll(p + 3, 2, 0, 59, &zm, NULL))
			return MAMORI_EPARSE;
	} else {
		return MAMORI_EPARSE;
	}
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (day > mdays[mon - 1])
		return MAMORI_EPARSE;
	*t = days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hh * 3600 + mm * 60 +
	     ss - sign * (zh * 3600 + zm * 60);
	return 0;
}

struct date_state {
	long long t;
	int line;
	bool found;
	int err;
};

static int date_line(const char *s, size_t len, int lineno, void *ud)
{
	struct date_state *st = ud;
	if (len && s[len - 1] == '\r')
		len--;
	/* The signature follows the signed body; nothing after it is apt's. */
	if (len >= 29 && memcmp(s, "-----BEGIN PGP SIGNATURE-----", 29) == 0)
		return 1;
	if (len < 5 || memcmp(s, "Date:", 5) != 0)
		return 0;
	const char *v = s + 5;
	size_t vl = len - 5;
	str_trim(&v, &vl);
	st->line = lineno;
	if (rfc2822_parse(v, vl, &st->t)) {
		st->err = MAMORI_EPARSE;
		return 1;
	}
	st->found = true;
	return 1;
}

int apt_release_date_parse(const char *buf, size_t len, long long *t, int *line)
{
	struct date_state st = {0};
	int bad = 0;
	int r = for_each_line(buf, len, 1 << 16, date_line, &st, &bad);
	if (r < 0) {
		*line = bad;
		return MAMORI_EPARSE;
	}
	if (st.err) {
		*line = st.line;
		return st.err;
	}
	if (!st.found)
		return MAMORI_ENOENT;
	*t = st.t;
	*line = st.line;
	return 0;
}

/* ---- the lists ---- */

void apt_lists_free(struct apt_list *lists, size_t count)
{
	if (lists == NULL)
		return;
	for (size_t i = 0; i < count; i++)
		free(lists[i].name);
	free(lists);
}

int apt_lists_find(struct probe_ctx *ctx, struct apt_list **lists, size_t *count, char *why,
		   size_t whylen)
{
	char **names;
	size_t n;
	int r = rootfs_list(ctx, APT_LISTS_DIR, "*_Packages*", &names, &n);
	if (r) {
		snprintf(why, whylen, "cannot list %s", APT_LISTS_DIR);
		return r;
	}
	struct apt_list *v = calloc(n ? n : 1, sizeof(*v));
	if (v == NULL) {
		rootfs_names_free(names);
		return MAMORI_ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = strstr(names[i], "_Packages");
		const char *ext = p + strlen("_Packages");
		if (*ext != '\0' && *ext != '.')
			continue; /* e.g. "_Packages.diff_Index" never lands here, but be strict */
		v[k].comp = *ext == '\0'	       ? APT_PLAIN
			    : strcmp(ext, ".lz4") == 0 ? APT_LZ4
						       : APT_UNSUPPORTED;
		/* Debian: "..._dists_bookworm-security_..." and, up to Debian 10,
		 * "..._debian-security_dists_buster_updates_..."; Ubuntu "..._jammy-security_...".
		 */
		v[k].security = strstr(names[i], "-security_") != NULL;
		v[k].name = names[i];
		names[i] = NULL;
		k++;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	*lists = v;
	*count = k;
	return 0;
}

/* Opens a file under the root the way rootfs_read does (openat2 RESOLVE_IN_ROOT), for
 * streaming: the lists are too big to hold in memory. */
static int apt_open(const struct probe_ctx *ctx, const char *path)
{
	struct open_how how = {
	    .flags = (unsigned long long)(O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC),
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	while (*path == '/')
		path++;
	int fd = (int)syscall(SYS_openat2, ctx->rootfd, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = openat(ctx->rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

size_t apt_complete_stanzas(const char *buf, size_t len)
{
	while (len >= 2) {
		const char *nl = memrchr(buf, '\n', len);
		if (nl == NULL)
			return 0;
		size_t i = (size_t)(nl - buf) + 1;
		if (i >= 2 && buf[i - 2] == '\n')
			return i;
		len = i - 1;
	}
	return 0;
}

/* Stanza lines are counted only when a message needs them (see apt_list_read). */
struct stanza_pass {
	deb_stanza_fn fn;
	void *ud;
};

static int unlined_cb(const struct deb_stanza *st, void *ud)
{
	struct stanza_pass *sp = ud;
	struct deb_stanza s = *st;
	s.line = 0;
	return sp->fn(&s, sp->ud);
}

/* Newlines in a chunk, eight bytes at a time: this runs over every byte of every list. */
static int count_lines(const char *s, size_t len)
{
	const uint64_t nl = 0x0a0a0a0a0a0a0a0aull, low7 = 0x7f7f7f7f7f7f7f7full;
	size_t n = 0, i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		uint64_t x = w ^ nl; /* zero bytes where s has '\n' */
		/* High bit set exactly in the zero bytes of x. */
		uint64_t z = ~(((x & low7) + low7) | x | low7);
		/* Each match is one bit 7; the multiply sums the bytes into the top one. */
		n += (size_t)(((z >> 7) * 0x0101010101010101ull) >> 56);
	}
	for (; i < len; i++)
		n += s[i] == '\n';
	return (int)n;
}

struct list_reader {
	int fd;
	LZ4F_dctx *dctx;
	char in[64 << 10];
	const char *src; /* in: what reader_fill consumes */
	size_t in_pos, in_len;
	bool eof, frame_done;
	unsigned long long total;
};

/* Fills dst with up to cap uncompressed bytes; *got 0 means end of file. */
static int reader_fill(struct list_reader *rd, char *dst, size_t cap, size_t *got, const char **err)
{
	*got = 0;
	while (*got == 0) {
		if (rd->in_pos == rd->in_len && !rd->eof) {
			rd->src = rd->in;
			ssize_t n = read(rd->fd, rd->in, sizeof(rd->in));
			if (n < 0) {
				if (errno == EINTR)
					continue;
				*err = strerror(errno);
				return MAMORI_EIO;
			}
			rd->in_pos = 0;
			rd->in_len = (size_t)n;
			rd->eof = n == 0;
		}
		if (rd->dctx == NULL) {
			size_t n = rd->in_len - rd->in_pos;
			if (n > cap)
				n = cap;
			memcpy(dst, rd->src + rd->in_pos, n);
			rd->in_pos += n;
			*got = n;
			if (n == 0)
				return 0; /* end of file */
		} else {
			if (rd->in_pos == rd->in_len) {
				if (!rd->frame_done) {
					*err = "the lz4 frame is truncated";
					return MAMORI_EPARSE;
				}
				return 0; /* end of file after a complete frame */
			}
			size_t dlen = cap, slen = rd->in_len - rd->in_pos;
			size_t hint =
			    LZ4F_decompress(rd->dctx, dst, &dlen, rd->src + rd->in_pos, &slen, NULL);
			if (LZ4F_isError(hint)) {
				*err = LZ4F_getErrorName(hint);
				return MAMORI_EPARSE;
			}
			rd->in_pos += slen;
			*got = dlen;
			/* 0: a frame ended (another may follow, as the lz4 tool allows). */
			rd->frame_done = hint == 0;
		}
		rd->total += *got;
		if (rd->total > APT_LIST_MAX_BYTES) {
			*err = "larger than the limit";
			return MAMORI_ETOOBIG;
		}
	}
	return 0;
}

static int reader_open(struct probe_ctx *ctx, const struct apt_list *list, const char *path,
		       struct list_reader *rd, char *why, size_t whylen)
{
	rd->fd = apt_open(ctx, path);
	if (rd->fd < 0) {
		int err = errno;
		snprintf(why, whylen, "cannot read %s: %s", path, strerror(err));
		return err == ENOENT			 ? MAMORI_ENOENT
		       : (err == EACCES || err == EPERM) ? MAMORI_EACCES
							 : MAMORI_EIO;
	}
	if (list->comp == APT_LZ4 &&
	    LZ4F_isError(LZ4F_createDecompressionContext(&rd->dctx, LZ4F_VERSION)))
		return MAMORI_ENOMEM;
	return 0;
}

static void reader_close(struct list_reader *rd)
{
	if (rd->dctx)
		LZ4F_freeDecompressionContext(rd->dctx);
	if (rd->fd >= 0)
		close(rd->fd);
	memset(rd, 0, sizeof(*rd));
	rd->fd = -1;
}

/* Lines in the first `upto` uncompressed bytes of the list, read again: only for errors. */
static int lines_before(struct probe_ctx *ctx, const struct apt_list *list, const char *path,
			unsigned long long upto, struct list_reader *rd, char *win)
{
	char why[256];
	int lines = 0;
	if (reader_open(ctx, list, path, rd, why, sizeof(why)) == 0) {
		while (upto > 0) {
			size_t got;
			const char *err;
			size_t cap = upto < APT_STANZA_MAX ? (size_t)upto : APT_STANZA_MAX;
			if (reader_fill(rd, win, cap, &got, &err) || got == 0)
				break;
			lines += count_lines(win, got);
			upto -= got;
		}
	}
	reader_close(rd);
	return lines;
}

int apt_list_read(struct probe_ctx *ctx, const struct apt_list *list, deb_stanza_fn fn, void *ud,
		  char *why, size_t whylen)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", APT_LISTS_DIR, list->name);
	if (list->comp == APT_UNSUPPORTED) {
		snprintf(why, whylen, "cannot read %s: only plain and .lz4 lists are supported",
			 path);
		return MAMORI_EINVAL;
	}
	struct list_reader *rd = calloc(1, sizeof(*rd));
	if (rd)
		rd->fd = -1;
	char *win = malloc(APT_STANZA_MAX);
	int r = 0;
	if (rd == NULL || win == NULL) {
		r = MAMORI_ENOMEM;
		goto out;
	}
	r = reader_open(ctx, list, path, rd, why, whylen);
	if (r)
		goto out;
	struct stanza_pass sp = {fn, ud};
	size_t used = 0;
	unsigned long long done = 0; /* uncompressed bytes before win[0] */
	for (;;) {
		size_t got;
		const char *err = NULL;
		r = reader_fill(rd, win + used, APT_STANZA_MAX - 1 - used, &got, &err);
		if (r) {
			snprintf(why, whylen, "cannot read %s: %s", path, err);
			goto out;
		}
		used += got;
		/* Parse complete stanzas; at the end of the file, everything left. */
		size_t cut = got == 0 ? used : apt_complete_stanzas(win, used);
		if (cut == 0 && used == APT_STANZA_MAX - 1) {
			reader_close(rd);
			int base = lines_before(ctx, list, path, done, rd, win);
			snprintf(why, whylen, "%s:%d: a stanza longer than %u bytes", path,
				 base + 1, APT_STANZA_MAX);
			r = MAMORI_EPARSE;
			goto out;
		}
		if (cut) {
			int bad = 0;
			r = deb_stanzas_parse(win, cut, unlined_cb, &sp, &bad);
			if (r) {
				if (r == MAMORI_EPARSE) {
					reader_close(rd);
					int base = lines_before(ctx, list, path, done, rd, win);
					snprintf(
					    why, whylen,
					    "%s:%d: malformed line (expected \"Field: value\")",
					    path, base + bad);
				}
				goto out;
			}
			memmove(win, win + cut, used - cut);
			used -= cut;
			done += cut;
		}
		if (got == 0)
			break;
	}
out:
	if (rd)
		reader_close(rd);
	free(rd);
	free(win);
	return r;
}

/* The first "\n\n" in [p, end), or NULL. Eight bytes at a time (SWAR): stanzas are a few
 * hundred bytes of text and this runs over every byte of a main list. */
static const char *find_blank_line(const char *p, const char *end)
{
#ifdef __SSE2__
	/* sixteen bytes at a time where the CPU has SSE2 (every x86-64) */
	const __m128i nl = _mm_set1_epi8('\n');
	while (end - p >= 17) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
		unsigned m = (unsigned)_mm_movemask_epi8(
		    _mm_and_si128(_mm_cmpeq_epi8(a, nl), _mm_cmpeq_epi8(b, nl)));
		if (m)
			return p + __builtin_ctz(m);
		p += 16;
	}
#endif
	const uint64_t lows = 0x7F7F7F7F7F7F7F7FULL, nls = 0x0A0A0A0A0A0A0A0AULL;
	bool carry = false; /* the previous word ended with '\n' */
	while (end - p >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		uint64_t x = w ^ nls;
		/* exactly the bytes that are '\n' get their high bit set */
		uint64_t m = ~(((x & lows) + lows) | x | lows);
		if (carry && (m & 0x80))
			return p - 1;
		/* little-endian: byte i is bits 8i..8i+7, so byte i+1's mark shifted down meets
		 * byte i's */
		uint64_t pair = m & (m >> 8);
		if (pair)
			return p + (__builtin_ctzll(pair) >> 3);
		carry = (m >> 63) != 0;
		p += 8;
	}
	if (carry && p < end && *p == '\n')
		return p - 1;
	for (; p + 1 < end; p++)
		if (p[0] == '\n' && p[1] == '\n')
			return p;
	return NULL;
}

/* Package and Source of each stanza in [buf, buf+len), which holds complete stanzas and
 * starts at a stanza. Only these two fields are looked at, because a main list is tens of
 * megabytes and every other field would cost time for nothing. apt-ftparchive writes
 * Source right after Package; a Source further down than the stanza's first few lines is
 * not seen, and the binary's own name is used instead. */
static int scan_names(const char *buf, size_t len, apt_name_fn fn, void *ud)
{
	static const char pkg[] = "Package: ", src[] = "Source: ";
	const size_t pl = sizeof(pkg) - 1, sl = sizeof(src) - 1;
	const char *end = buf + len, *st = buf;
	while (st < end) {
		while (st < end && *st == '\n')
			st++; /* extra blank lines */
		if (st >= end)
			break;
		const char *nl = memchr(st, '\n', (size_t)(end - st));
		if (nl == NULL)
			nl = end;
		if ((size_t)(nl - st) > pl && memcmp(st, pkg, pl) == 0) {
			const char *name = st + pl, *sname = name;
			size_t nlen = (size_t)(nl - name), slen = nlen;
			const char *l2 = nl + 1;
			for (int k = 0; k < 4 && l2 < end && *l2 != '\n'; k++) {
				const char *e2 = memchr(l2, '\n', (size_t)(end - l2));
				if (e2 == NULL)
					e2 = end;
				if ((size_t)(e2 - l2) > sl && memcmp(l2, src, sl) == 0) {
					sname = l2 + sl;
					slen = (size_t)(e2 - sname);
					const char *sp = memchr(sname, ' ', slen);
					if (sp)
						slen = (size_t)(sp - sname);
					break;
				}
				l2 = e2 + 1;
			}
			int r = fn(name, nlen, sname, slen, ud);
			if (r)
				return r;
		}
		const char *blank = nl < end ? find_blank_line(nl, end) : NULL;
		if (blank == NULL)
			break;
		st = blank + 2;
	}
	return 0;
}

/* apt_list_names decompresses on one thread and scans on another: decompressing a main list
 * and scanning it cost about the same, so the two halves overlap. Two slots of text go back
 * and forth; each holds whole stanzas, and the part of a stanza that did not fit is copied
 * to the head of the next slot before it is filled. */
struct name_pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *slot[2];
	size_t len[2];
	bool full[2];
	bool last[2]; /* this slot ends the list */
	bool stop;    /* the consumer gave up */
	int err;
	char errmsg[256];
	struct list_reader *rd;
	size_t carry; /* the producer's own: the cut stanza to move to the next slot */
	const char *carry_from;
};

/* Fills slot i (which the consumer has released) and hands it over. True when it was the
 * last one. */
static bool pipe_fill(struct name_pipe *np, int i)
{
	char *buf = np->slot[i];
	if (np->carry)
		memcpy(buf, np->carry_from, np->carry); /* disjoint from what the consumer reads */
	size_t used = np->carry;
	bool eof = false;
	int err = 0;
	const char *msg = NULL;
	while (used < APT_STANZA_MAX - 1) {
		size_t got;
		err = reader_fill(np->rd, buf + used, APT_STANZA_MAX - 1 - used, &got, &msg);
		if (err || got == 0) {
			eof = true;
			break;
		}
		used += got;
	}
	size_t cut = eof ? used : apt_complete_stanzas(buf, used);
	if (!eof && cut == 0) {
		err = MAMORI_EPARSE;
		msg = "a stanza longer than the reading window";
	}
	np->carry = used - cut;
	np->carry_from = buf + cut;
	pthread_mutex_lock(&np->mu);
	np->len[i] = err ? 0 : cut;
	np->last[i] = eof || err;
	np->full[i] = true;
	if (err) {
		np->err = err;
		snprintf(np->errmsg, sizeof(np->errmsg), "%s", msg ? msg : "read failed");
	}
	pthread_cond_broadcast(&np->cv);
	pthread_mutex_unlock(&np->mu);
	return eof || err;
}

static void *pipe_produce(void *arg)
{
	struct name_pipe *np = arg;
	for (int i = 0;; i ^= 1) {
		pthread_mutex_lock(&np->mu);
		while (np->full[i] && !np->stop)
			pthread_cond_wait(&np->cv, &np->mu);
		bool stop = np->stop;
		pthread_mutex_unlock(&np->mu);
		if (stop || pipe_fill(np, i))
			return NULL;
	}
}

int apt_list_names(struct probe_ctx *ctx, const struct apt_list *list, apt_name_fn fn, void *ud,
		   char *why, size_t whylen)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", APT_LISTS_DIR, list->name);
	if (list->comp == APT_UNSUPPORTED) {
		snprintf(why, whylen, "cannot read %s: only plain and .lz4 lists are supported",
			 path);
		return MAMORI_EINVAL;
	}
	struct name_pipe np = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
	np.rd = calloc(1, sizeof(*np.rd));
	if (np.rd)
		np.rd->fd = -1;
	np.slot[0] = malloc(APT_STANZA_MAX);
	np.slot[1] = malloc(APT_STANZA_MAX);
	int r = 0;
	bool threaded = false;
	pthread_t producer;
	if (np.rd == NULL || np.slot[0] == NULL || np.slot[1] == NULL) {
		r = MAMORI_ENOMEM;
		goto out;
	}
	r = reader_open(ctx, list, path, np.rd, why, whylen);
	if (r)
		goto out;
	threaded = pthread_create(&producer, NULL, pipe_produce, &np) == 0;
	for (int i = 0;; i ^= 1) {
		if (!threaded)
			pipe_fill(&np, i); /* no second thread to be had: fill here, then scan */
		pthread_mutex_lock(&np.mu);
		while (!np.full[i])
			pthread_cond_wait(&np.cv, &np.mu);
		size_t len = np.len[i];
		bool last = np.last[i];
		int err = np.err;
		pthread_mutex_unlock(&np.mu);
		if (err) {
			snprintf(why, whylen, "cannot read %s: %s", path, np.errmsg);
			r = err;
			break;
		}
		r = scan_names(np.slot[i], len, fn, ud);
		pthread_mutex_lock(&np.mu);
		np.full[i] = false;
		if (r)
			np.stop = true;
		pthread_cond_broadcast(&np.cv);
		pthread_mutex_unlock(&np.mu);
		if (r || last)
			break;
	}
out:
	if (threaded) {
		pthread_mutex_lock(&np.mu);
		np.stop = true;
		pthread_cond_broadcast(&np.cv);
		pthread_mutex_unlock(&np.mu);
		pthread_join(producer, NULL);
	}
	if (np.rd)
		reader_close(np.rd);
	free(np.rd);
	free(np.slot[0]);
	free(np.slot[1]);
	return r;
}

/* ---- the patch probe ---- */

struct pending_state {
	const struct dpkg_pkg *pkgs;
	size_t npkgs;
	char **best; /* per installed package: the highest newer version offered, or NULL */
	const char **best_list;
	const char *cur_list;
};

static int security_cb(const struct deb_stanza *st, void *ud)
{
	struct pending_state *ps = ud;
	if (st->version == NULL)
		return 0;
	/* pkgs is sorted by name, then arch: find the first entry with this name. */
	size_t lo = 0, hi = ps->npkgs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ps->pkgs[mid].name, st->package) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < ps->npkgs && strcmp(ps->pkgs[i].name, st->package) == 0; i++) {
		const struct dpkg_pkg *p = &ps->pkgs[i];
		const char *arch = st->arch ? st->arch : "";
		if (strcmp(arch, p->arch) != 0 && strcmp(arch, "all") != 0)
			continue;
		int c;
		/* A version dpkg would refuse cannot be installed from this list either. */
		if (deb_version_cmp_str(st->version, p->version, &c) || c <= 0)
			continue;
		if (ps->best[i] && (deb_version_cmp_str(st->version, ps->best[i], &c) || c <= 0))
			continue;
		char *v = xstrdup(st->version);
		if (v == NULL)
			return MAMORI_ENOMEM;
		free(ps->best[i]);
		ps->best[i] = v;
		ps->best_list[i] = ps->cur_list;
	}
	return 0;
}

static int put_pending_unknown(struct facts *f, const char *src, const char *reason)
{
	int r = facts_put_unknown(f, "patch.security_pending", src, 0, "%s", reason);
	return r ? r : facts_put_unknown(f, "patch.security_pending_count", src, 0, "%s", reason);
}

static int pending_facts(struct probe_ctx *ctx, const struct apt_list *lists, size_t nlists)
{
	struct facts *f = ctx->facts;
	const struct dpkg_pkg *pkgs;
	size_t npkgs;
	char why[768];
	if (pkg_list(ctx, &pkgs, &npkgs, why, sizeof(why)))
		return put_pending_unknown(f, "/var/lib/dpkg/status", why);
	size_t nsec = 0;
	for (size_t i = 0; i < nlists; i++)
		nsec += lists[i].security;
	if (nsec == 0) {
		snprintf(why, sizeof(why),
			 nlists ? "no security suite among the lists in %s"
				: "no package lists in %s (apt update has not run, or they were "
				  "removed)",
			 APT_LISTS_DIR);
		return put_pending_unknown(f, APT_LISTS_DIR, why);
	}
	struct pending_state ps = {.pkgs = pkgs, .npkgs = npkgs};
	ps.best = calloc(npkgs ? npkgs : 1, sizeof(char *));
	ps.best_list = calloc(npkgs ? npkgs : 1, sizeof(char *));
	int r = 0;
	char unread[768] = "";
	size_t nread = 0;
	if (ps.best == NULL || ps.best_list == NULL) {
		r = MAMORI_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nlists && r == 0; i++) {
		if (!lists[i].security)
			continue;
		ps.cur_list = lists[i].name;
		char w[512];
		r = apt_list_read(ctx, &lists[i], security_cb, &ps, w, sizeof(w));
		if (r == MAMORI_ENOMEM)
			goto out;
		if (r) {
			if (unread[0] == '\0')
				snprintf(unread, sizeof(unread), "%s", w);
			r = 0;
			continue;
		}
		nread++;
	}
	json_t *arr = json_array();
	if (arr == NULL) {
		r = MAMORI_ENOMEM;
		goto out;
	}
	struct buf note;
	buf_init(&note, 4096);
	size_t count = 0;
	const char *src = NULL;
	for (size_t i = 0; i < npkgs; i++) {
		if (ps.best[i] == NULL)
			continue;
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "name", pkgs[i].name,
							 "installed", pkgs[i].version, "available",
							 ps.best[i]))) {
			json_decref(arr);
			buf_free(&note);
			r = MAMORI_ENOMEM;
			goto out;
		}
		if (count < 20)
			buf_printf(&note, "%s%s %s -> %s", count ? ", " : "", pkgs[i].name,
				   pkgs[i].version, ps.best[i]);
		if (src == NULL)
			src = ps.best_list[i];
		count++;
	}
	if (count > 20)
		buf_printf(&note, " and %zu more", count - 20);
	char srcpath[4096];
	snprintf(srcpath, sizeof(srcpath), "%s/%s", APT_LISTS_DIR, src ? src : "");
	const char *source = src ? srcpath : APT_LISTS_DIR;
	if (unread[0] && count == 0) {
		/* A list we could not read may hold the update. */
		json_decref(arr);
		buf_free(&note);
		r = put_pending_unknown(f, source, unread);
		goto out;
	}
	char summary[1024];
	snprintf(summary, sizeof(summary), "%s%s%s%s", count ? "" : "none pending in ",
		 count ? (note.data ? note.data : "") : "the security lists",
		 unread[0] ? "; more may be pending: " : "", unread);
	r = facts_put(f, "patch.security_pending", arr, source, 0,
		      "installed (dpkg status) older than a security list offers");
	if (r == 0)
		r = facts_put_int(f, "patch.security_pending_count", (long long)count, source, 0,
				  summary);
	buf_free(&note);
out:
	if (ps.best)
		for (size_t i = 0; i < npkgs; i++)
			free(ps.best[i]);
	free(ps.best);
	free(ps.best_list);
	return r;
}

static int source_fact(struct probe_ctx *ctx, const struct apt_list *lists, size_t nlists)
{
	if (nlists == 0)
		return facts_put_unknown(ctx->facts, "patch.security_source_present", APT_LISTS_DIR,
					 0,
					 "no package lists in %s: apt update has not run, or the "
					 "lists were removed",
					 APT_LISTS_DIR);
	for (size_t i = 0; i < nlists; i++) {
		if (lists[i].security) {
			char p[4096];
			snprintf(p, sizeof(p), "%s/%s", APT_LISTS_DIR, lists[i].name);
			return facts_put_bool(ctx->facts, "patch.security_source_present", true, p,
					      0, "a -security suite's package list");
		}
	}
	char note[128];
	snprintf(note, sizeof(note), "%zu package lists, none from a -security suite", nlists);
	return facts_put_bool(ctx->facts, "patch.security_source_present", false, APT_LISTS_DIR, 0,
			      note);
}

/* The newest Date: among the Release files: apt refreshes them all on every update. */
static int age_fact(struct probe_ctx *ctx)
{
	char **names;
	size_t n;
	int r = rootfs_list(ctx, APT_LISTS_DIR, "*Release", &names, &n);
	if (r)
		return facts_put_unknown(ctx->facts, "patch.lists_age_days", APT_LISTS_DIR, 0,
					 "cannot list %s", APT_LISTS_DIR);
	long long newest = 0;
	bool have = false, from_mtime = false;
	char src[4096] = "", why[4200] = "";
	int line = 0;
	for (size_t i = 0; i < n; i++) {
		char path[4096], *buf, w[256];
		size_t len;
		snprintf(path, sizeof(path), "%s/%s", APT_LISTS_DIR, names[i]);
		r = rootfs_read(ctx, path, 16u << 20, &buf, &len, w, sizeof(w));
		if (r == MAMORI_ENOMEM) {
			rootfs_names_free(names);
			return r;
		}
		if (r) {
			snprintf(why, sizeof(why), "%s", w);
			continue;
		}
		long long t;
		int l = 0;
		r = apt_release_date_parse(buf, len, &t, &l);
		free(buf);
		bool mt = false;
		if (r == MAMORI_ENOENT) {
			/* No Date field: when apt last wrote the file is the best we have. */
			struct stat st;
			if (rootfs_stat(ctx, path, &st))
				continue;
			t = (long long)st.st_mtime;
			l = 0;
			mt = true;
		} else if (r) {
			snprintf(why, sizeof(why), "%s:%d: malformed Date field", path, l);
			continue;
		}
		if (!have || t > newest) {
			have = true;
			newest = t;
			line = l;
			from_mtime = mt;
			snprintf(src, sizeof(src), "%s", path);
		}
	}
	rootfs_names_free(names);
	if (!have) {
		if (why[0])
			return facts_put_unknown(ctx->facts, "patch.lists_age_days", NULL, 0, "%s",
						 why);
		return facts_put_unknown(ctx->facts, "patch.lists_age_days", APT_LISTS_DIR, 0,
					 "no Release or InRelease file in %s: apt update has not "
					 "run",
					 APT_LISTS_DIR);
	}
	long long age = ctx->now >= newest ? (ctx->now - newest) / 86400 : 0;
	char when[16], note[256];
	format_date(newest, when, sizeof(when));
	snprintf(note, sizeof(note), "newest list dated %s (%s)%s", when,
		 from_mtime ? "file time: the file has no Date field" : "its Date field",
		 ctx->now < newest ? "; in the future, counted as 0" : "");
	return facts_put_int(ctx->facts, "patch.lists_age_days", age, src, line, note);
}

int probe_patch_collect(struct probe_ctx *ctx)
{
	struct apt_list *lists = NULL;
	size_t nlists = 0;
	char why[512];
	int r = apt_lists_find(ctx, &lists, &nlists, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r) {
		static const char *const names[] = {"patch.security_pending",
						    "patch.security_pending_count",
						    "patch.security_source_present"};
		for (size_t i = 0; i < 3; i++)
			if ((r = facts_put_unknown(ctx->facts, names[i], APT_LISTS_DIR, 0, "%s",
						   why)))
				return r;
	} else {
		r = source_fact(ctx, lists, nlists);
		if (r == 0)
			r = pending_facts(ctx, lists, nlists);
		apt_lists_free(lists, nlists);
		if (r)
			return r;
	}
	return age_fact(ctx);
}
