/* SPDX-License-Identifier: Apache-2.0 */
/* sshd_config: the line parser, and the effective-configuration rules applied to one file
 * (Include resolves to nothing here, so only the parser and Match/first-wins logic run). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "probes/linux/ssh.h"

static const uint8_t *cur_data;
static size_t cur_size;

static int count_cb(const struct sshd_line *l, void *ud)
{
	size_t *n = ud;
	*n += l->nargs + strlen(l->keyword);
	return 0;
}

static int fz_read(void *ud, const char *path, char **buf, size_t *len, char *why, size_t wl)
{
	(void)ud, (void)why, (void)wl;
	if (strcmp(path, "/etc/ssh/sshd_config") != 0)
		return MAMORI_ENOENT;
	*buf = malloc(cur_size + 1);
	if (*buf == NULL)
		return MAMORI_ENOMEM;
	memcpy(*buf, cur_data, cur_size);
	(*buf)[cur_size] = '\0';
	*len = cur_size;
	return 0;
}

static int fz_glob(void *ud, const char *pattern, char ***paths, size_t *count)
{
	(void)ud, (void)pattern;
	*paths = calloc(1, sizeof(char *));
	*count = 0;
	return *paths ? 0 : MAMORI_ENOMEM;
}

static void fz_free(char **paths)
{
	free(paths);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	int bad;
	const char *err;
	sshd_config_parse((const char *)data, size, count_cb, &n, &bad, &err);
	cur_data = data;
	cur_size = size;
	struct sshd_loader ld = {fz_read, fz_glob, fz_free, NULL};
	struct sshd_config *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return 0;
	if (sshd_config_load(c, "/etc/ssh/sshd_config", &ld) == 0) {
		const struct sshd_match_value *m;
		for (int o = 0; o < SSHD_NOPTS; o++)
			(void)sshd_effective(c, (enum sshd_opt)o, &m);
	}
	sshd_config_free(c);
	free(c);
	return 0;
}
