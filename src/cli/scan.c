/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/scan.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/guide.h"
#include "core/register.h"

int read_file(const char *path, size_t max, char **buf, size_t *len, struct errbuf *e)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return err_set(e, errno == ENOENT ? MAMORI_ENOENT : MAMORI_EIO, "%s: %s", path,
			       strerror(errno));
	struct buf b;
	buf_init(&b, max);
	char chunk[16384];
	size_t n;
	int r = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((r = buf_add(&b, chunk, n)))
			break;
	if (r == 0 && ferror(f))
		r = MAMORI_EIO;
	fclose(f);
	if (r) {
		buf_free(&b);
		return err_set(e, r, "%s: %s", path,
			       r == MAMORI_ETOOBIG ? "file too large" : "read failed");
	}
	*len = b.len;
	*buf = buf_take(&b);
	return *buf ? 0 : err_set(e, MAMORI_ENOMEM, "out of memory");
}

static int add_file(struct catalog *c, const char *dir, const char *rel, struct errbuf *e)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	char *buf;
	size_t len;
	int r = read_file(path, 8u << 20, &buf, &len, e);
	if (r)
		return r;
	r = catalog_add(c, rel, buf, len, e);
	free(buf);
	return r;
}



static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds every *.yaml of dir/sub, in name order. A missing optional folder is fine. */
static int add_folder(struct catalog *c, const char *dir, const char *sub, bool required,
		      struct errbuf *e)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	DIR *d = opendir(path);
	if (d == NULL)
		return required || errno != ENOENT
			       ? err_set(e, MAMORI_ENOENT, "%s: %s", path, strerror(errno))
			       : 0;
	char *names[512];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL && n < 512) {
		size_t l = strlen(de->d_name);
		if (l > 5 && strcmp(de->d_name + l - 5, ".yaml") == 0)
			names[n++] = xasprintf("%s/%s", sub, de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(char *), cmp_name);
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		if (r == 0)
			r = names[i] ? add_file(c, dir, names[i], e)
				     : err_set(e, MAMORI_ENOMEM, "out of memory");
		free(names[i]);
	}
	return r;
}

int scan_load_catalog(const char *dir, struct catalog **out, struct errbuf *e)
{
	if (dir == NULL)
		return catalog_load_embedded(out, e);
	struct catalog *c = catalog_new();
	if (c == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	int r = add_file(c, dir, "params.yaml", e);
	if (r == 0)
		r = add_folder(c, dir, "checks", true, e);
	if (r == 0)
		r = add_folder(c, dir, "controls", false, e);
	if (r == 0)
		r = add_folder(c, dir, "profiles", false, e);
	if (r == 0)
		r = catalog_finish(c, e);
	if (r) {
		catalog_free(c);
		return r;
	}
	*out = c;
	return 0;
}

int scan_apply_policy(struct policy *p, const struct catalog *c, const char *file,
		      struct errbuf *e)
{
	/* A bare name is a shipped profile. */
	const struct profile *prof = strchr(file, '/') || strchr(file, '.')
					     ? NULL
					     : guide_profile(c->guide, file);
	if (prof)
		return policy_apply_profile(p, c, prof, e);
	char *buf;
	size_t len;
	int r = read_file(file, 32u << 20, &buf, &len, e);
	if (r) {
		if (r == MAMORI_ENOENT && !strchr(file, '/') && !strchr(file, '.'))
			return err_set(e, MAMORI_EINVAL,
				       "--policy %s: no such file, and not a profile (mic-basic, "
				       "mic-advanced, csaj, jnsa-return)",
				       file);
		return r;
	}
	if (register_looks_like(file, buf, len)) {
		struct risk_register *reg = NULL;
		r = register_read(file, buf, len, c->guide, &reg, e);
		if (r == 0)
			r = policy_apply_register(p, c, reg, e);
		register_free(reg);
	} else {
		r = policy_apply_yaml(p, c, file, buf, len, e);
	}
	free(buf);
	return r;
}

int scan_load_policy(const struct catalog *c, const char *const *files, size_t nfiles,
		     struct policy **out, struct errbuf *e)
{
	struct policy *p;
	int r = policy_default(c, &p, e);
	for (size_t i = 0; r == 0 && i < nfiles; i++)
		r = scan_apply_policy(p, c, files[i], e);
	if (r) {
		policy_free(p);
		return r;
	}
	*out = p;
	return 0;
}

struct scan_session {
	struct probe_ctx ctx;
	struct facts *facts;
	const char *only;
};

int scan_begin(const char *root, long long now, const struct sys_ops *sys,
	       const char *only_probes, struct scan_session **out, struct errbuf *e)
{
	return scan_begin_net(root, now, sys, only_probes, 0, false, out, e);
}

int scan_begin_net(const char *root, long long now, const struct sys_ops *sys,
		   const char *only_probes, unsigned net_wait_ms, bool net_discover,
		   struct scan_session **out, struct errbuf *e)
{
	struct scan_session *s = calloc(1, sizeof(*s));
	if (s == NULL || (s->facts = facts_new()) == NULL) {
		free(s);
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	}
	int r = probe_ctx_open(&s->ctx, root, (time_t)now, sys, s->facts, e);
	if (r) {
		facts_free(s->facts);
		free(s);
		return r;
	}
	if (!s->ctx.live)
		s->ctx.sys = NULL; /* the running kernel does not describe a mounted image */
	if (sys && s->ctx.sys == NULL && sys != sys_ops_live())
		s->ctx.sys = sys; /* a test feeding recorded answers for its fixture */
	s->ctx.net_wait_ms = net_wait_ms;
	s->ctx.net_discover = net_discover;
	s->only = only_probes;
	s->ctx.net_wait_ms = net_wait_ms;
	r = probes_run_early(&s->ctx, only_probes, e);
	if (r) {
		struct facts *unused;
		scan_end(s, &unused, NULL); /* joins what was started */
		return r;
	}
	*out = s;
	return 0;
}

int scan_end(struct scan_session *s, struct facts **out, struct errbuf *e)
{
	int r = probes_run(&s->ctx, s->only, e);
	probe_ctx_close(&s->ctx);
	if (r)
		facts_free(s->facts);
	else
		*out = s->facts;
	free(s);
	return r;
}

int scan_collect(const char *root, long long now, const struct sys_ops *sys,
		 const char *only_probes, struct facts **out, struct errbuf *e)
{
	struct scan_session *s;
	int r = scan_begin(root, now, sys, only_probes, &s, e);
	return r ? r : scan_end(s, out, e);
}

int parse_time(const char *s, long long *out)
{
	char date[11];
	if (s == NULL || strlen(s) < 10)
		return MAMORI_EINVAL;
	memcpy(date, s, 10);
	date[10] = '\0';
	long long t;
	if (parse_date(date, &t))
		return MAMORI_EINVAL;
	if (s[10] == '\0') {
		*out = t;
		return 0;
	}
	long long h, m, sec;
	if (strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
	    strn_to_ll(s + 11, 2, 0, 23, &h, NULL) || strn_to_ll(s + 14, 2, 0, 59, &m, NULL) ||
	    strn_to_ll(s + 17, 2, 0, 60, &sec, NULL))
		return MAMORI_EINVAL;
	*out = t + h * 3600 + m * 60 + sec;
	return 0;
}
