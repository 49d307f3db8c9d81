/* SPDX-License-Identifier: Apache-2.0 */
/* sshd_config parsing and sshd's effective configuration, as `sshd -T` computes it.
 * The parser is pure (buffer in, callback out); the evaluator reads files only through the
 * loader it is given, so tests can feed it an in-memory tree. See docs/probes/ssh.md. */
#ifndef MAMORI_LINUX_SSH_H
#define MAMORI_LINUX_SSH_H

#include <stdbool.h>
#include <stddef.h>

#define SSHD_MAX_ARGS 64	  /* arguments on one line; more is refused as malformed */
#define SSHD_MAX_LINE 65536	  /* bytes per line */
#define SSHD_MAX_DEPTH 16	  /* Include nesting, as OpenSSH's SERVCONF_MAX_DEPTH */
#define SSHD_MAX_FILES 256	  /* files read in total through Include */
#define SSHD_MAX_MATCH_VALUES 512 /* remembered settings inside Match blocks */
#define SSHD_MAX_PORTS 64
#define SSHD_MAX_LISTEN 64

/* One directive: keyword as written, arguments unquoted. Pointers valid during the call. */
struct sshd_line {
	const char *keyword;
	const char *args[SSHD_MAX_ARGS];
	size_t nargs;
	int line;
};
typedef int (*sshd_line_fn)(const struct sshd_line *l, void *ud);

/* Splits an sshd_config buffer into directives: '#' comments (also after arguments), "key
 * value" or "key=value", double quotes. Returns 0, fn's non-zero value, or MAMORI_EPARSE
 * with *bad_line and *err (a static message) set. */
int sshd_config_parse(const char *buf, size_t len, sshd_line_fn fn, void *ud, int *bad_line,
		      const char **err);

/* The options mamori judges; each can appear globally and (except UsePAM) in Match. */
enum sshd_opt {
	SSHD_PASSWORD_AUTH,
	SSHD_KBDINT_AUTH,
	SSHD_USE_PAM,
	SSHD_PERMIT_ROOT,
	SSHD_PERMIT_EMPTY,
	SSHD_NOPTS
};

struct sshd_value {
	bool set;
	char value[32]; /* lower case: "yes", "no", "prohibit-password", ... */
	char file[256];
	int line;
};

/* A setting inside a Match block, with the Match line that starts the block. */
struct sshd_match_value {
	enum sshd_opt opt;
	char value[32];
	char file[256];
	int line;
	char match_file[256];
	int match_line;
	char criteria[128];
	bool match_all; /* "Match all": applies to every connection */
};

struct sshd_config {
	struct sshd_value global[SSHD_NOPTS];
	struct sshd_match_value *matches;
	size_t nmatches;
	unsigned ports[SSHD_MAX_PORTS];
	size_t nports;
	char port_file[256];
	int port_line;
	char listen[SSHD_MAX_LISTEN][80]; /* ListenAddress host parts, brackets removed */
	size_t nlisten;
	char listen_file[256];
	int listen_line;
	size_t nfiles; /* files read */
	/* Set when the configuration is unusable (sshd would refuse to start or we cannot read
	 * a file): where and why. */
	char err_file[256];
	int err_line;
	char err[512];
};

/* How the evaluator reads files: paths are absolute. read returns 0 or a negative MAMORI_E*
 * with why; glob returns sorted matching paths (an empty list when none match). */
struct sshd_loader {
	int (*read)(void *ud, const char *path, char **buf, size_t *len, char *why, size_t whylen);
	int (*glob)(void *ud, const char *pattern, char ***paths, size_t *count);
	void (*free_paths)(char **paths);
	void *ud;
};

/* Reads path and its Includes into c (zeroed by the caller). Returns 0; MAMORI_EPARSE /
 * MAMORI_ENOENT / MAMORI_EACCES / MAMORI_EIO / MAMORI_ETOOBIG with c->err* set when sshd would
 * not accept the configuration or a file cannot be read; MAMORI_ENOMEM. */
int sshd_config_load(struct sshd_config *c, const char *path, const struct sshd_loader *ld);
void sshd_config_free(struct sshd_config *c);

/* The worst value any connection can get for opt: the global value (or OpenSSH's default)
 * and every Match block's value, in order, up to a "Match all" block that sets it. *from
 * receives the Match value that decided it, or NULL when the global value (or default) did.
 * Returns "yes"/"no" for flags, the PermitRootLogin keyword otherwise. */
const char *sshd_effective(const struct sshd_config *c, enum sshd_opt opt,
			   const struct sshd_match_value **from);

/* The compiled-in default of opt. */
const char *sshd_default(enum sshd_opt opt);

#endif
