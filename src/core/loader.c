/* SPDX-License-Identifier: Apache-2.0 */
#include "core/loader.h"

#include <stdlib.h>
#include <string.h>

int ld_err(struct ld *l, const yaml_node_t *n, const char *msg, const char *arg)
{
	if (l->id)
		return err_set(l->e, MAMORI_EPARSE, "%s:%d: %s %s: %s%s", l->file, yamlx_line(n),
			       l->kind ? l->kind : "check", l->id, msg, arg ? arg : "");
	return err_set(l->e, MAMORI_EPARSE, "%s:%d: %s%s", l->file, yamlx_line(n), msg,
		       arg ? arg : "");
}

int ld_oom(struct ld *l)
{
	return err_set(l->e, MAMORI_ENOMEM, "out of memory");
}

int ld_str(struct ld *l, const yaml_node_t *map, const char *key, bool required, char **out)
{
	yaml_node_t *n = yamlx_get(l->doc, map, key);
	if (n == NULL) {
		if (!required)
			return 0;
		return ld_err(l, map, "missing key: ", key);
	}
	const char *s = yamlx_str(n);
	if (s == NULL || s[0] == '\0')
		return ld_err(l, n, "expected a non-empty text for ", key);
	*out = xstrdup(s);
	return *out ? 0 : ld_oom(l);
}

/* YAML's folded style (">") joins lines with a space, which Japanese text does not use:
 * drop a single space that stands between two non-ASCII characters. */
void ja_unfold(char *s)
{
	size_t o = 0;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == ' ' && o > 0 && (unsigned char)s[o - 1] >= 0x80 &&
		    (unsigned char)s[i + 1] >= 0x80)
			continue;
		s[o++] = s[i];
	}
	s[o] = '\0';
}

int ld_text_node(struct ld *l, const yaml_node_t *n, const char *what, struct text *t)
{
	static const char *const langs[] = {"en", "ja", NULL};
	if (!yamlx_is_map(n))
		return ld_err(l, n, "expected a mapping with en and ja for ", what);
	if (yamlx_only_keys(l->doc, n, langs, l->file, what, l->e))
		return MAMORI_EPARSE;
	int r = ld_str(l, n, "en", true, &t->en);
	if (r == 0)
		r = ld_str(l, n, "ja", true, &t->ja);
	if (r == 0)
		ja_unfold(t->ja);
	return r;
}

int ld_text(struct ld *l, const yaml_node_t *map, const char *key, struct text *t)
{
	yaml_node_t *n = yamlx_get(l->doc, map, key);
	if (n == NULL)
		return ld_err(l, map, "missing key: ", key);
	return ld_text_node(l, n, key, t);
}

int ld_strv(struct ld *l, const yaml_node_t *n, const char *what, char ***out, size_t *nout)
{
	if (!yamlx_is_seq(n))
		return ld_err(l, n, "expected a list for ", what);
	size_t cnt = yamlx_seq_len(n);
	char **v = calloc(cnt + 1, sizeof(char *));
	if (v == NULL)
		return ld_oom(l);
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *it = yamlx_seq_at(l->doc, n, i);
		const char *s = yamlx_str(it);
		if (s == NULL || s[0] == '\0' || (v[i] = xstrdup(s)) == NULL) {
			strv_free(v, i);
			return s ? ld_oom(l) : ld_err(l, it, "expected texts in ", what);
		}
	}
	*out = v;
	*nout = cnt;
	return 0;
}

int ld_int(struct ld *l, const yaml_node_t *map, const char *key, bool required, long long min,
	   long long max, long long *out)
{
	yaml_node_t *n = yamlx_get(l->doc, map, key);
	if (n == NULL)
		return required ? ld_err(l, map, "missing key: ", key) : 0;
	const char *s = yamlx_str(n);
	long long v;
	if (s == NULL || str_to_ll(s, min, max, &v, NULL))
		return ld_err(l, n, "expected a whole number in range for ", key);
	*out = v;
	return 0;
}

bool in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

void text_free(struct text *t)
{
	free(t->en);
	free(t->ja);
}
