/* SPDX-License-Identifier: Apache-2.0 */
#include "core/facts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"

/* A sorted array: facts are few (hundreds) and read far more often than written. */
struct facts {
	struct fact *v;
	size_t n, cap;
};

struct facts *facts_new(void)
{
	return calloc(1, sizeof(struct facts));
}

static void fact_clear(struct fact *x)
{
	free(x->name);
	json_decref(x->value);
	free(x->reason);
	free(x->source);
	free(x->note);
	memset(x, 0, sizeof(*x));
}

void facts_free(struct facts *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++)
		fact_clear(&f->v[i]);
	free(f->v);
	free(f);
}

/* Binary search; returns the index where name is or would be inserted. */
static size_t facts_find(const struct facts *f, const char *name, bool *found)
{
	size_t lo = 0, hi = f->n;
	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(f->v[mid].name, name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int facts_store(struct facts *f, const char *name, json_t *value, char *reason,
		       const char *source, int line, const char *note)
{
	struct fact x = {
		.name = xstrdup(name),
		.value = value,
		.reason = reason,
		.source = xstrdup(source),
		.line = line,
		.note = xstrdup(note),
	};
	if (x.name == NULL || (source && !x.source) || (note && !x.note) ||
	    (value == NULL && reason == NULL)) {
		fact_clear(&x);
		return MAMORI_ENOMEM;
	}
	bool found;
	size_t i = facts_find(f, name, &found);
	if (found) {
		fact_clear(&f->v[i]);
		f->v[i] = x;
		return 0;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct fact *p = realloc(f->v, cap * sizeof(*p));
		if (p == NULL) {
			fact_clear(&x);
			return MAMORI_ENOMEM;
		}
		f->v = p;
		f->cap = cap;
	}
	memmove(&f->v[i + 1], &f->v[i], (f->n - i) * sizeof(*f->v));
	f->v[i] = x;
	f->n++;
	return 0;
}

int facts_put(struct facts *f, const char *name, json_t *value, const char *source, int line,
	      const char *note)
{
	if (value == NULL)
		return MAMORI_ENOMEM;
	return facts_store(f, name, value, NULL, source, line, note);
}

int facts_put_bool(struct facts *f, const char *name, bool v, const char *source, int line,
		   const char *note)
{
	return facts_put(f, name, json_boolean(v), source, line, note);
}

int facts_put_int(struct facts *f, const char *name, long long v, const char *source, int line,
		  const char *note)
{
	return facts_put(f, name, json_integer(v), source, line, note);
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	unsigned min;
	unsigned cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2, cp = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, cp = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

json_t *json_string_lossy(const char *s)
{
	json_t *j = json_string(s);
	if (j || s == NULL)
		return j;
	struct buf b;
	buf_init(&b, strlen(s) * 3 + 1);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_seq(p);
		if (n ? buf_add(&b, p, n) : buf_adds(&b, "\xEF\xBF\xBD"))
			return NULL;
		p += n ? n : 1;
	}
	char *clean = buf_take(&b);
	j = clean ? json_string(clean) : NULL;
	free(clean);
	return j;
}

int facts_put_str(struct facts *f, const char *name, const char *v, const char *source, int line,
		  const char *note)
{
	return facts_put(f, name, v ? json_string_lossy(v) : json_null(), source, line, note);
}

int facts_put_unknown(struct facts *f, const char *name, const char *source, int line,
		      const char *reason_fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, reason_fmt);
	vsnprintf(tmp, sizeof(tmp), reason_fmt, ap);
	va_end(ap);
	char *reason = xstrdup(tmp);
	if (reason == NULL)
		return MAMORI_ENOMEM;
	return facts_store(f, name, NULL, reason, source, line, NULL);
}

const struct fact *facts_get(const struct facts *f, const char *name)
{
	bool found;
	size_t i = facts_find(f, name, &found);
	return found ? &f->v[i] : NULL;
}

size_t facts_count(const struct facts *f)
{
	return f->n;
}

const struct fact *facts_at(const struct facts *f, size_t i)
{
	return i < f->n ? &f->v[i] : NULL;
}

json_t *fact_to_json(const struct fact *x)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	int r = 0;
	if (x->value)
		r |= json_object_set(o, "value", x->value);
	else
		r |= json_object_set_new(o, "unknown", json_string_lossy(x->reason));
	if (x->source)
		r |= json_object_set_new(o, "source", json_string_lossy(x->source));
	if (x->line > 0)
		r |= json_object_set_new(o, "line", json_integer(x->line));
	if (x->note)
		r |= json_object_set_new(o, "note", json_string_lossy(x->note));
	if (r) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *facts_to_json(const struct facts *f)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < f->n; i++) {
		if (json_object_set_new(o, f->v[i].name, fact_to_json(&f->v[i]))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int facts_from_json(struct facts *f, const json_t *j, struct errbuf *e)
{
	if (!json_is_object(j))
		return err_set(e, MAMORI_EPARSE, "facts: expected a JSON object of facts");
	const char *name;
	json_t *v;
	json_object_foreach((json_t *)j, name, v)
	{
		if (!json_is_object(v))
			return err_set(e, MAMORI_EPARSE, "facts: %s: expected an object", name);
		const json_t *src = json_object_get(v, "source");
		const json_t *line = json_object_get(v, "line");
		const json_t *note = json_object_get(v, "note");
		const json_t *val = json_object_get(v, "value");
		const json_t *unk = json_object_get(v, "unknown");
		const char *s = json_is_string(src) ? json_string_value(src) : NULL;
		int ln = json_is_integer(line) ? (int)json_integer_value(line) : 0;
		int r;
		if (val)
			r = facts_put(f, name, json_incref((json_t *)val), s, ln,
				      json_is_string(note) ? json_string_value(note) : NULL);
		else if (json_is_string(unk))
			r = facts_put_unknown(f, name, s, ln, "%s", json_string_value(unk));
		else
			return err_set(e, MAMORI_EPARSE, "facts: %s: needs \"value\" or \"unknown\"",
				       name);
		if (r)
			return err_set(e, r, "facts: out of memory");
	}
	return 0;
}
