/* SPDX-License-Identifier: Apache-2.0 */
/* mamorid admin … (dashboard administrators) and mamorid audit … (the audit log). */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "server/audit_chain.h"
#include "server/auth.h"
#include "server/cmd.h"
#include "server/qr.h"

#define TOTP_ISSUER "mamori"

void cmd_actor(char *out, size_t len)
{
	const struct passwd *pw = getpwuid(geteuid());
	if (pw != NULL && pw->pw_name != NULL)
		snprintf(out, len, "cli:%.48s", pw->pw_name);
	else
		snprintf(out, len, "cli:uid%u", (unsigned)geteuid());
}

/* One line from fd 0 without its newline; false at EOF or when it is too long. */
static bool read_line(char *out, size_t len)
{
	if (fgets(out, (int)len, stdin) == NULL)
		return false;
	size_t n = strlen(out);
	if (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	else if (!feof(stdin))
		return false; /* longer than the buffer */
	if (n > 0 && out[n - 1] == '\r')
		out[--n] = '\0';
	return true;
}

static bool prompt_hidden(const char *prompt, char *out, size_t len)
{
	struct termios old, quiet;
	fputs(prompt, stderr);
	fflush(stderr);
	bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	bool ok = read_line(out, len);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return ok;
}

/* The new password: from the terminal (asked twice) or one line of stdin. */
static int read_password(bool from_stdin, char *out, size_t len, struct errbuf *e)
{
	if (from_stdin) {
		if (!read_line(out, len))
			return err_set(e, MAMORI_EINVAL,
				       "no password on standard input (one line)");
		return auth_password_policy(out, e);
	}
	if (!isatty(STDIN_FILENO))
		return err_set(e, MAMORI_EINVAL,
			       "standard input is not a terminal: use --password-stdin");
	char again[AUTH_PASSWORD_MAX + 2];
	if (!prompt_hidden("password (at least 12 characters): ", out, len) ||
	    !prompt_hidden("the same password again: ", again, sizeof again))
		return err_set(e, MAMORI_EINVAL, "no password given");
	bool same = strcmp(out, again) == 0;
	explicit_bzero(again, sizeof again);
	if (!same)
		return err_set(e, MAMORI_EINVAL, "the two passwords differ");
	return auth_password_policy(out, e);
}

/* Shows the second factor: the QR code, the key for typing in, and the recovery codes. */
static int show_second_factor(const char *name, const char *secret,
			      char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1], struct errbuf *e)
{
	char uri[512];
	char *qr = NULL;
	int rc = totp_uri(TOTP_ISSUER, name, secret, uri, sizeof uri, e);
	if (rc == 0)
		rc = qr_terminal(uri, &qr, e);
	if (rc < 0)
		return rc;
	printf("Scan this code with an authenticator app (TOTP, RFC 6238):\n\n%s\n", qr);
	printf("or type the key in by hand:\n  key: %s\n  uri: %s\n\n", secret, uri);
	printf("One-time recovery codes: each signs in once in place of a TOTP code.\n"
	       "Keep them offline; they are not shown again.\n");
	for (int i = 0; i < RECOVERY_CODES; i++)
		printf("  %s\n", codes[i]);
	free(qr);
	return 0;
}

static int admin_add(struct ctx *c, int argc, char **argv)
{
	const char *name = NULL;
	bool from_stdin = false;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = true;
		else if (name == NULL && argv[i][0] != '-')
			name = argv[i];
		else {
			fprintf(stderr, "mamorid: admin add NAME [--password-stdin]\n");
			return 2;
		}
	}
	if (name == NULL) {
		fprintf(stderr, "mamorid: admin add NAME [--password-stdin]\n");
		return 2;
	}
	char pw[AUTH_PASSWORD_MAX + 2], hash[AUTH_HASH_MAX], secret[TOTP_B32_MAX];
	char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1], hashes[RECOVERY_CODES][65];
	int rc = read_password(from_stdin, pw, sizeof pw, &c->e);
	if (rc == 0)
		rc = auth_password_hash(pw, hash, &c->e);
	explicit_bzero(pw, sizeof pw);
	if (rc == 0)
		rc = totp_secret_new(secret, &c->e);
	if (rc == 0)
		rc = recovery_codes_new(codes, hashes, &c->e);
	if (rc < 0) {
		fprintf(stderr, "mamorid: admin add %s: %s\n", name, c->e.msg);
		return 2;
	}
	struct store *st = NULL;
	if ((rc = open_store(c, &st)) != 0)
		return rc;
	char actor[64];
	cmd_actor(actor, sizeof actor);
	struct store_audit_in a = {actor, "admin-add", name, NULL, NULL, (int64_t)time(NULL)};
	int r = store_admin_add(st, name, hash, secret, (const char(*)[65])hashes, RECOVERY_CODES,
				&a, &c->e);
	if (r != 0) {
		fprintf(stderr, "mamorid: admin add: %s\n", c->e.msg);
		rc = r == STORE_CONFLICT ? 1 : 2;
	} else {
		printf("Added the administrator %s.\n", name);
		if (show_second_factor(name, secret, codes, &c->e) < 0) {
			fprintf(stderr, "mamorid: %s\n", c->e.msg);
			rc = 2;
		}
	}
	store_close(st);
	return rc;
}

static int totp_reset(struct ctx *c, struct store *st, const char *name,
		      const struct store_audit_in *a)
{
	char secret[TOTP_B32_MAX];
	char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1], hashes[RECOVERY_CODES][65];
	if (totp_secret_new(secret, &c->e) < 0 || recovery_codes_new(codes, hashes, &c->e) < 0) {
		fprintf(stderr, "mamorid: %s\n", c->e.msg);
		return 2;
	}
	int r = store_admin_set_totp(st, name, secret, (const char(*)[65])hashes, RECOVERY_CODES, a,
				     &c->e);
	if (r != 0) {
		fprintf(stderr, "mamorid: %s\n", c->e.msg);
		return r == STORE_NOT_FOUND ? 1 : 2;
	}
	printf("New second factor for %s; the old one and its sessions are void.\n", name);
	if (show_second_factor(name, secret, codes, &c->e) < 0) {
		fprintf(stderr, "mamorid: %s\n", c->e.msg);
		return 2;
	}
	return 0;
}

static void print_time(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "-");
}

static int admin_list(struct ctx *c, struct store *st)
{
	json_t *list = NULL;
	if (store_admin_list(st, &list, &c->e) != 0) {
		fprintf(stderr, "mamorid: %s\n", c->e.msg);
		return 2;
	}
	int64_t now = (int64_t)time(NULL);
	printf("%-24s  %-20s  %-9s  %s\n", "NAME", "CREATED", "STATE", "RECOVERY CODES LEFT");
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(list, "admins"), i, a)
	{
		char created[32];
		print_time(json_integer_value(json_object_get(a, "created_at")), created,
			   sizeof created);
		const char *state = json_is_true(json_object_get(a, "disabled")) ? "removed"
				    : json_integer_value(json_object_get(a, "locked_until")) > now
					? "locked"
					: "active";
		printf("%-24s  %-20s  %-9s  %lld\n", json_string_value(json_object_get(a, "name")),
		       created, state,
		       (long long)json_integer_value(json_object_get(a, "recovery_left")));
	}
	json_decref(list);
	return 0;
}

int admin_cmd(struct ctx *c, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "add") == 0)
		return admin_add(c, argc - 1, argv + 1);
	bool list = argc == 1 && strcmp(argv[0], "list") == 0;
	bool named =
	    argc == 2 && (strcmp(argv[0], "unlock") == 0 || strcmp(argv[0], "remove") == 0 ||
			  strcmp(argv[0], "totp-reset") == 0);
	if (!list && !named) {
		fprintf(stderr, "mamorid: admin add NAME [--password-stdin] | list | unlock NAME | "
				"remove NAME | totp-reset NAME\n");
		return 2;
	}
	struct store *st = NULL;
	int rc = open_store(c, &st);
	if (rc)
		return rc;
	if (list) {
		rc = admin_list(c, st);
		store_close(st);
		return rc;
	}
	char actor[64];
	cmd_actor(actor, sizeof actor);
	const char *name = argv[1];
	struct store_audit_in a = {actor, NULL, name, NULL, NULL, (int64_t)time(NULL)};
	int r = 0;
	if (strcmp(argv[0], "totp-reset") == 0) {
		a.action = "admin-totp-reset";
		rc = totp_reset(c, st, name, &a);
	} else {
		bool unlock = strcmp(argv[0], "unlock") == 0;
		a.action = unlock ? "admin-unlock" : "admin-remove";
		r = unlock ? store_admin_unlock(st, name, &a, &c->e)
			   : store_admin_disable(st, name, &a, &c->e);
		if (r != 0) {
			fprintf(stderr, "mamorid: %s\n", c->e.msg);
			rc = r == STORE_NOT_FOUND ? 1 : 2;
		} else {
			printf(unlock ? "%s may sign in again\n"
				      : "%s is removed and signed out everywhere\n",
			       name);
		}
	}
	store_close(st);
	return rc;
}

/* ---- mamorid audit ---- */

struct verify_ctx {
	struct audit_verifier v;
	int64_t want_seq; /* an expected head noted elsewhere, 0: none */
	char seen_hash[65];
};

static int verify_one(void *ctx, const struct audit_entry *en)
{
	struct verify_ctx *vc = ctx;
	if (!audit_verify_next(&vc->v, en))
		return 1;
	if (en->seq == vc->want_seq)
		memcpy(vc->seen_hash, en->hash, 65);
	return 0;
}

static int parse_head(const char *s, int64_t *seq, char hash[65])
{
	const char *colon = strchr(s, ':');
	if (colon == NULL || strlen(colon + 1) != 64)
		return -1;
	char num[24];
	size_t n = (size_t)(colon - s);
	if (n == 0 || n >= sizeof num)
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	long long v;
	const char *why;
	if (str_to_ll(num, 0, INT64_MAX, &v, &why) != 0)
		return -1;
	for (const char *p = colon + 1; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return -1;
	*seq = v;
	memcpy(hash, colon + 1, 65);
	return 0;
}

static int audit_verify(struct ctx *c, struct store *st, const char *expect)
{
	int64_t want_seq = 0;
	char want_hash[65] = "";
	if (expect != NULL && parse_head(expect, &want_seq, want_hash) != 0) {
		fprintf(stderr, "mamorid: --head: expected SEQ:HASH (a number, a colon and 64 "
				"lower-case hex digits), as `audit verify` prints it\n");
		return 2;
	}
	int64_t head_seq;
	char head_hash[65];
	if (store_audit_head(st, &head_seq, head_hash, &c->e) != 0) {
		fprintf(stderr, "mamorid: audit log: %s\n", c->e.msg);
		return 1;
	}
	struct verify_ctx vc = {.want_seq = want_seq};
	audit_verify_begin(&vc.v);
	int r = store_audit_each(st, head_seq, verify_one, &vc, &c->e);
	if (r < 0) {
		fprintf(stderr, "mamorid: audit log: %s\n", c->e.msg);
		return 2;
	}
	struct audit_verifier *v = &vc.v;
	bool ok = !v->failed && audit_verify_end(v, head_seq, head_hash);
	/* The head kept in the database can be rewritten along with the entries; one noted
	 * elsewhere (the server's log, a ticket) cannot. */
	if (ok && want_seq > 0 && vc.seen_hash[0] == '\0') {
		ok = false;
		snprintf(v->why, sizeof v->why,
			 "the log ends at entry %lld, before the expected head %lld: entries were "
			 "removed",
			 (long long)v->last_seq, (long long)want_seq);
	} else if (ok && want_seq > 0 && strcmp(vc.seen_hash, want_hash) != 0) {
		ok = false;
		snprintf(
		    v->why, sizeof v->why,
		    "entry %lld does not have the expected hash: the log was rewritten up to there",
		    (long long)want_seq);
	}
	if (!ok) {
		printf("audit log: NOT intact: %s\n", v->why);
		return 1;
	}
	printf("audit log: %lld entries, chain intact\nhead: %lld:%s\n", (long long)v->checked,
	       (long long)v->last_seq, v->last_seq > 0 ? v->last_hash : head_hash);
	return 0;
}

/* A stored entry is checked on the way in, but the database may have been edited: never
 * hand a terminal its control characters. */
static const char *printable_field(json_t *en, const char *key, char *buf, size_t len)
{
	snprintf(buf, len, "%s", json_string_value(json_object_get(en, key)) ?: "");
	for (char *p = buf; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return buf;
}

static int audit_list(struct ctx *c, struct store *st, int limit)
{
	json_t *page = NULL;
	if (store_audit_page(st, 0, limit, &page, &c->e) != 0) {
		fprintf(stderr, "mamorid: %s\n", c->e.msg);
		return 2;
	}
	size_t i;
	json_t *en;
	printf("%-6s  %-20s  %-20s  %-18s  %-24s  %s\n", "SEQ", "TIME", "ACTOR", "ACTION", "TARGET",
	       "DETAIL");
	json_array_foreach(json_object_get(page, "entries"), i, en)
	{
		char at[32];
		print_time(json_integer_value(json_object_get(en, "at")), at, sizeof at);
		char f[4][4097];
		printf("%-6lld  %-20s  %-20s  %-18s  %-24s  %s\n",
		       (long long)json_integer_value(json_object_get(en, "seq")), at,
		       printable_field(en, "actor", f[0], sizeof f[0]),
		       printable_field(en, "action", f[1], sizeof f[1]),
		       printable_field(en, "target", f[2], sizeof f[2]),
		       printable_field(en, "detail", f[3], sizeof f[3]));
	}
	json_decref(page);
	return 0;
}

int audit_cmd(struct ctx *c, int argc, char **argv)
{
	const char *head = NULL;
	long long limit = 50;
	bool verify = argc >= 1 && strcmp(argv[0], "verify") == 0;
	bool list = argc >= 1 && strcmp(argv[0], "list") == 0;
	for (int i = 1; i < argc && (verify || list); i++) {
		const char *why;
		if (verify && strcmp(argv[i], "--head") == 0 && i + 1 < argc)
			head = argv[++i];
		else if (list && strcmp(argv[i], "--limit") == 0 && i + 1 < argc &&
			 str_to_ll(argv[++i], 1, 100000, &limit, &why) == 0)
			continue;
		else
			verify = list = false;
	}
	if (!verify && !list) {
		fprintf(stderr,
			"mamorid: audit verify [--head SEQ:HASH] | audit list [--limit N]\n");
		return 2;
	}
	struct store *st = NULL;
	int rc = open_store(c, &st);
	if (rc)
		return rc;
	rc = verify ? audit_verify(c, st, head) : audit_list(c, st, (int)limit);
	store_close(st);
	return rc;
}
