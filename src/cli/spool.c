/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's spool: docs/internals/SPOOL.md. Every operation works relative to the spool's
 * directory descriptor and under flock(DIR/.lock), so two agents never send one entry twice. */
#include "cli/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_BYTES (64ull << 20)
#define DEFAULT_MAX_ENTRIES 10000u
/* rejected/ is for the administrator to read; a server that rejects every report must not
 * fill the disk with them */
#define REJECTED_MAX 100u
/* no single entry is read past this, whatever the limits were when it was written */
#define READ_MAX (1ull << 30)
#define TIME_DIGITS 16
#define ID_MAX 64
#define NAME_LEN (TIME_DIGITS + 1 + ID_MAX + 5 + 1)

struct entry {
	char name[NAME_LEN];
	uint64_t size;
};

struct listing {
	struct entry *v;
	size_t n, cap;
	uint64_t bytes;
};

static spool_log_fn log_fn;

void spool_set_log(spool_log_fn fn)
{
	log_fn = fn;
}

static void slog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void slog(const char *fmt, ...)
{
	if (log_fn == NULL)
		return;
	char line[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap); /* a truncated log line is still useful */
	va_end(ap);
	log_fn(line);
}

static bool id_ok(const char *s, size_t n)
{
	if (n == 0 || n > ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!c_isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

/* "<16 digits>-<id>.json" */
static bool entry_name(const char *n)
{
	size_t len = strlen(n);
	if (len < TIME_DIGITS + 1 + 1 + 5 || n[TIME_DIGITS] != '-' ||
	    strcmp(n + len - 5, ".json") != 0)
		return false;
	for (size_t i = 0; i < TIME_DIGITS; i++)
		if (!c_isdigit((unsigned char)n[i]))
			return false;
	return id_ok(n + TIME_DIGITS + 1, len - TIME_DIGITS - 1 - 5);
}

/* The report id inside an entry name. */
static void entry_id(const char *name, char out[ID_MAX + 1])
{
	size_t n = strlen(name) - TIME_DIGITS - 1 - 5;
	memcpy(out, name + TIME_DIGITS + 1, n);
	out[n] = '\0';
}

static int open_dir(const char *dir, bool create, int *out, struct errbuf *e)
{
	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return err_set(e, errno == EACCES ? MAMORI_EACCES : MAMORI_EIO,
			       "spool %s: cannot create: %s", dir, strerror(errno));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno == ENOENT ? MAMORI_ENOENT : MAMORI_EIO, "spool %s: %s", dir,
			       strerror(errno));
	*out = fd;
	return 0;
}

static int lock_dir(int dfd, const char *dir, int *out, struct errbuf *e)
{
	int fd = openat(dfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_set(e, MAMORI_EIO, "spool %s: cannot open .lock: %s", dir,
			       strerror(errno));
	int r;
	while ((r = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
		;
	if (r != 0) {
		int err = errno;
		close(fd);
		return err_set(e, MAMORI_EIO, "spool %s: cannot lock: %s", dir, strerror(err));
	}
	*out = fd;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static int push_entry(struct listing *l, const char *name, uint64_t size)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct entry *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return MAMORI_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	size_t len = strlen(name);
	if (len >= sizeof(l->v[l->n].name))
		return MAMORI_EINVAL; /* entry_name allows no such name */
	memcpy(l->v[l->n].name, name, len + 1);
	l->v[l->n].size = size;
	l->n++;
	l->bytes += size;
	return 0;
}

/* Lists the entries, oldest first; removes what a crash left behind (the caller holds the
 * lock, so no writer is busy with them) and reports stray files. */
static int list_entries(int dfd, const char *dir, struct listing *l, struct errbuf *e)
{
	*l = (struct listing){0};
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return err_set(e, MAMORI_EIO, "spool %s: %s", dir, strerror(errno));
	}
	rewinddir(d);
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 || strcmp(n, ".lock") == 0 ||
		    strcmp(n, "rejected") == 0)
			continue;
		if (strncmp(n, ".tmp-", 5) == 0 || strncmp(n, ".note-", 6) == 0) {
			if (unlinkat(dfd, n, 0) == 0)
				slog("spool %s: removed %s, left by an interrupted run", dir, n);
			continue;
		}
		struct stat st;
		if (fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue; /* gone meanwhile */
		if (!S_ISREG(st.st_mode) || !entry_name(n)) {
			slog("spool %s: ignoring %s, which is not a spooled report", dir, n);
			continue;
		}
		if (push_entry(l, n, (uint64_t)st.st_size)) {
			rc = err_set(e, MAMORI_ENOMEM, "out of memory");
			break;
		}
	}
	closedir(d);
	if (rc) {
		free(l->v);
		*l = (struct listing){0};
		return rc;
	}
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(l->v[0]), cmp_entry);
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Writes a small file in dir fd (mode 0600), replacing it. */
static int write_small(int dfd, const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	int r = write_all(fd, text, strlen(text));
	if (r == 0 && text[0] && text[strlen(text) - 1] != '\n')
		r = write_all(fd, "\n", 1);
	if (close(fd) != 0)
		r = -1;
	return r;
}

static uint64_t entry_time(const char *name)
{
	long long t = 0;
	const char *err;
	if (strn_to_ll(name, TIME_DIGITS, 0, 9999999999999999ll, &t, &err))
		return 0;
	return (uint64_t)t;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int spool_add(const char *dir, const char *report_id, const char *body, size_t len,
	      const struct spool_limits *lim, unsigned *dropped, struct errbuf *e)
{
	uint64_t max_bytes = lim && lim->max_bytes ? lim->max_bytes : DEFAULT_MAX_BYTES;
	unsigned max_entries = lim && lim->max_entries ? lim->max_entries : DEFAULT_MAX_ENTRIES;
	if (!id_ok(report_id, strlen(report_id)))
		return err_set(e, MAMORI_EINVAL,
			       "spool: report id '%.80s' is not 1 to 64 letters, "
			       "digits, '-' or '_'",
			       report_id);
	if (len == 0)
		return err_set(e, MAMORI_EINVAL, "spool: empty report");
	if ((uint64_t)len > max_bytes)
		return err_set(e, MAMORI_ETOOBIG,
			       "spool: report %s is %zu bytes, more than the spool's limit of %llu",
			       report_id, len, (unsigned long long)max_bytes);
	int dfd = -1, lfd = -1, fd = -1, rc = 0;
	struct listing l = {0};
	char name[NAME_LEN], tmp[NAME_LEN + 5];
	bool tmp_made = false;
	if ((rc = open_dir(dir, true, &dfd, e)) || (rc = lock_dir(dfd, dir, &lfd, e)) ||
	    (rc = list_entries(dfd, dir, &l, e)))
		goto out;
	/* names sort in the order reports were added, even if the clock stepped back */
	uint64_t t = now_us();
	if (l.n > 0 && entry_time(l.v[l.n - 1].name) >= t)
		t = entry_time(l.v[l.n - 1].name) + 1;
	int w = snprintf(name, sizeof(name), "%016llu-%s.json", (unsigned long long)t, report_id);
	int w2 = snprintf(tmp, sizeof(tmp), ".tmp-%s", name);
	if (w < 0 || (size_t)w >= sizeof(name) || w2 < 0 || (size_t)w2 >= sizeof(tmp)) {
		rc = err_set(e, MAMORI_EINVAL, "spool: name too long");
		goto out;
	}
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = err_set(e, MAMORI_EIO, "spool %s: cannot create %s: %s", dir, tmp,
			     strerror(errno));
		goto out;
	}
	tmp_made = true;
	if (write_all(fd, body, len) != 0 || fsync(fd) != 0) {
		rc = err_set(e, MAMORI_EIO, "spool %s: cannot write %s: %s", dir, tmp,
			     strerror(errno));
		goto out;
	}
	int cr = close(fd);
	fd = -1;
	if (cr != 0 || renameat(dfd, tmp, dfd, name) != 0) {
		rc = err_set(e, MAMORI_EIO, "spool %s: cannot write %s: %s", dir, name,
			     strerror(errno));
		goto out;
	}
	tmp_made = false;
	if (fsync(dfd) != 0) {
		rc = err_set(e, MAMORI_EIO, "spool %s: fsync: %s", dir, strerror(errno));
		goto out;
	}
	/* Only now that the new report is safe are old ones given up: the newest posture is
	 * the one that matters. */
	unsigned d = 0;
	size_t n = l.n;
	uint64_t bytes = l.bytes + len;
	for (size_t i = 0; i < l.n && (n + 1 > max_entries || bytes > max_bytes); i++) {
		if (unlinkat(dfd, l.v[i].name, 0) != 0 && errno != ENOENT) {
			rc = err_set(e, MAMORI_EIO, "spool %s: cannot remove %s: %s", dir,
				     l.v[i].name, strerror(errno));
			goto out;
		}
		n--;
		bytes -= l.v[i].size;
		d++;
	}
	if (d && fsync(dfd) != 0) {
		rc = err_set(e, MAMORI_EIO, "spool %s: fsync: %s", dir, strerror(errno));
		goto out;
	}
	if (dropped)
		*dropped = d;
out:
	if (fd >= 0)
		close(fd);
	if (tmp_made)
		unlinkat(dfd, tmp, 0);
	free(l.v);
	if (lfd >= 0)
		close(lfd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* Reads an entry whole; NULL with errno set when it cannot. */
static char *read_entry(int dfd, const char *name, size_t *len)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	struct stat st;
	char *p = NULL;
	if (fstat(fd, &st) != 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > READ_MAX) {
		errno = EFBIG;
		goto fail;
	}
	size_t size = (size_t)st.st_size, got = 0;
	p = malloc(size + 1);
	if (p == NULL)
		goto fail;
	while (got < size) {
		ssize_t r = read(fd, p + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break; /* shrank meanwhile: what is there is what we have */
		got += (size_t)r;
	}
	close(fd);
	p[got] = '\0';
	*len = got;
	return p;
fail:;
	int err = errno;
	free(p);
	close(fd);
	errno = err;
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keeps rejected/ at REJECTED_MAX reports, dropping the oldest with their notes. */
static void trim_rejected(int rfd)
{
	int fd = dup(rfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!entry_name(de->d_name))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 128;
			char **nv = realloc(names, nc * sizeof(*nv));
			if (nv == NULL)
				break;
			names = nv;
			cap = nc;
		}
		if ((names[n] = xstrdup(de->d_name)) == NULL)
			break;
		n++;
	}
	closedir(d);
	if (n > REJECTED_MAX) {
		qsort(names, n, sizeof(names[0]), cmp_str);
		for (size_t i = 0; i < n - REJECTED_MAX; i++) {
			char note[NAME_LEN + 8];
			snprintf(note, sizeof(note), "%.*s.reason", (int)(strlen(names[i]) - 5),
				 names[i]);
			unlinkat(rfd, names[i], 0);
			unlinkat(rfd, note, 0);
		}
	}
	strv_free(names, n);
}

/* Moves an entry to rejected/ with the reason beside it: the pending note the send callback
 * left (.note-ID), else text. */
static int reject(int dfd, const char *dir, const char *name, const char *text, struct errbuf *e)
{
	if (mkdirat(dfd, "rejected", 0700) != 0 && errno != EEXIST)
		return err_set(e, MAMORI_EIO, "spool %s: cannot create rejected/: %s", dir,
			       strerror(errno));
	int rfd = openat(dfd, "rejected", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (rfd < 0)
		return err_set(e, MAMORI_EIO, "spool %s: rejected/: %s", dir, strerror(errno));
	int rc = 0;
	char id[ID_MAX + 1], pending[ID_MAX + 8], note[NAME_LEN + 8];
	entry_id(name, id);
	snprintf(pending, sizeof(pending), ".note-%s", id);
	snprintf(note, sizeof(note), "%.*s.reason", (int)(strlen(name) - 5), name);
	if (renameat(dfd, name, rfd, name) != 0) {
		rc = err_set(e, MAMORI_EIO, "spool %s: cannot move %s to rejected/: %s", dir, name,
			     strerror(errno));
		unlinkat(dfd, pending, 0);
		goto out;
	}
	if (renameat(dfd, pending, rfd, note) != 0 && write_small(rfd, note, text) != 0)
		slog("spool %s: cannot write rejected/%s: %s", dir, note, strerror(errno));
	trim_rejected(rfd);
	if (fsync(rfd) != 0 || fsync(dfd) != 0)
		rc = err_set(e, MAMORI_EIO, "spool %s: fsync: %s", dir, strerror(errno));
out:
	close(rfd);
	return rc;
}

int spool_reject_note(const char *dir, const char *report_id, const char *note, struct errbuf *e)
{
	if (!id_ok(report_id, strlen(report_id)))
		return err_set(e, MAMORI_EINVAL, "spool: bad report id");
	int dfd, rc = open_dir(dir, false, &dfd, e);
	if (rc)
		return rc;
	char name[ID_MAX + 8];
	snprintf(name, sizeof(name), ".note-%s", report_id);
	if (write_small(dfd, name, note) != 0)
		rc = err_set(e, MAMORI_EIO, "spool %s: cannot write %s: %s", dir, name,
			     strerror(errno));
	close(dfd);
	return rc;
}

int spool_flush(const char *dir, spool_send_fn send, void *ctx, unsigned *sent, unsigned *left,
		struct errbuf *e)
{
	int dfd = -1, lfd = -1, rc;
	struct listing l = {0};
	unsigned ok = 0;
	size_t i = 0;
	rc = open_dir(dir, false, &dfd, e);
	if (rc == MAMORI_ENOENT) {
		/* nothing was ever spooled */
		*sent = 0;
		*left = 0;
		return 0;
	}
	if (rc || (rc = lock_dir(dfd, dir, &lfd, e)) || (rc = list_entries(dfd, dir, &l, e)))
		goto out;
	for (; i < l.n; i++) {
		const char *name = l.v[i].name;
		char id[ID_MAX + 1];
		entry_id(name, id);
		size_t len = 0;
		char *body = read_entry(dfd, name, &len);
		if (body == NULL || len == 0) {
			char why[300];
			snprintf(why, sizeof(why), "the spooled file was %s",
				 body ? "empty" : strerror(errno));
			free(body);
			slog("spool %s: %s: %s; moved to rejected/", dir, name, why);
			if ((rc = reject(dfd, dir, name, why, e)))
				goto out;
			continue;
		}
		int r = send(ctx, id, body, len);
		free(body);
		if (r < 0)
			break;
		if (r == 0) {
			if (unlinkat(dfd, name, 0) != 0 && errno != ENOENT) {
				rc = err_set(e, MAMORI_EIO, "spool %s: cannot remove %s: %s", dir,
					     name, strerror(errno));
				goto out;
			}
			ok++;
		} else if ((rc = reject(dfd, dir, name, "rejected by the server", e))) {
			goto out;
		}
	}
	/* an acknowledged report sent again is only a duplicate: no fsync per removal */
	if (ok && fsync(dfd) != 0) {
		rc = err_set(e, MAMORI_EIO, "spool %s: fsync: %s", dir, strerror(errno));
		goto out;
	}
	*sent = ok;
	*left = (unsigned)(l.n - i);
out:
	free(l.v);
	if (lfd >= 0)
		close(lfd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}
