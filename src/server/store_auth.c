/* SPDX-License-Identifier: Apache-2.0 */
/* The store's administrators, sign-in, sessions and hash-chained audit log. Every change to
 * them runs on the committer thread with its audit entry in the same transaction, so an
 * action and its record are kept or lost together. docs/internals/STORE.md. */
#include "server/store_int.h"

#include <stdio.h>
#include <string.h>

#include "server/audit_chain.h"
#include "server/auth.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define MAX_AUDIT_TEXT 4096

static int check_admin_name(const char *name, struct errbuf *e);

/* ---- the audit chain ---- */

static const struct db_query q_audit_head = {
    Q_AUDIT_HEAD, "read audit head", "SELECT seq, hash FROM audit_head WHERE id = 1", NULL, 0};
/* Locks the head, so that appends from several instances queue up. */
static const struct db_query q_audit_head_lock = {
    Q_AUDIT_HEAD_LOCK, "lock audit head", "SELECT seq, hash FROM audit_head WHERE id = 1",
    "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE", 0};
static const struct db_query q_audit_add = {
    Q_AUDIT_ADD, "add audit entry",
    "INSERT INTO audit_log (seq, at, actor, action, target, detail, remote, prev, hash)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    NULL, 0};
static const struct db_query q_audit_head_set = {
    Q_AUDIT_HEAD_SET, "move audit head", "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
    NULL, 0};

static const char *or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/* Audit fields are printed on terminals (mamorid audit list): no control characters, so
 * that nobody can forge a line or move the cursor through a sign-in name. */
static int no_controls(const char *field, const char *s, struct errbuf *e)
{
	for (const unsigned char *p = (const unsigned char *)s; p != NULL && *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return err_set(e, MAMORI_EINVAL, "%s: control character", field);
	return 0;
}

int store_audit_check(const struct store_audit_in *a, struct errbuf *e)
{
	int rc;
	if ((rc = store_check_text("audit actor", a->actor, STORE_MAX_ACTOR, false, e)) < 0 ||
	    (rc = store_check_text("audit action", a->action, STORE_MAX_ID, false, e)) < 0 ||
	    (rc = store_check_text("audit target", a->target, MAX_AUDIT_TEXT, true, e)) < 0 ||
	    (rc = store_check_text("audit detail", a->detail, MAX_AUDIT_TEXT, true, e)) < 0 ||
	    (rc = store_check_text("audit remote", a->remote, STORE_MAX_ID, true, e)) < 0 ||
	    (rc = no_controls("audit actor", a->actor, e)) < 0 ||
	    (rc = no_controls("audit action", a->action, e)) < 0 ||
	    (rc = no_controls("audit target", a->target, e)) < 0 ||
	    (rc = no_controls("audit detail", a->detail, e)) < 0 ||
	    (rc = no_controls("audit remote", a->remote, e)) < 0)
		return rc;
	return 0;
}

static int read_head(struct db *db, const struct db_query *q, int64_t *seq, char hash[65],
		     struct errbuf *e)
{
	struct db_stmt *s;
	int rc = db_prepare(db, q, &s, e);
	if (rc < 0)
		return rc;
	rc = db_step(s, e);
	if (rc == 1) {
		*seq = db_col_int64(s, 0);
		const char *h = db_col_text(s, 1);
		if (h == NULL || strlen(h) != 64)
			rc = err_set(e, MAMORI_EIO, "audit head: the stored hash is malformed");
		else {
			memcpy(hash, h, 65);
			rc = 0;
		}
	} else if (rc == 0) {
		rc = err_set(e, MAMORI_EIO, "audit head: missing (the audit_head row was removed)");
	}
	db_done(s);
	return rc;
}

int store_audit_lock(struct db *db, struct errbuf *e)
{
	int64_t seq;
	char hash[65];
	return read_head(db, &q_audit_head_lock, &seq, hash, e);
}

int store_audit_append(struct db *db, const struct store_audit_in *a, struct errbuf *e)
{
	int64_t seq;
	char prev[65];
	int rc = read_head(db, &q_audit_head_lock, &seq, prev, e);
	if (rc < 0)
		return rc;
	struct audit_entry en = {.seq = seq + 1,
				 .at = a->now,
				 .actor = a->actor,
				 .action = a->action,
				 .target = or_empty(a->target),
				 .detail = or_empty(a->detail),
				 .remote = or_empty(a->remote)};
	audit_entry_seal(&en, prev);
	if (en.hash[0] ==
	    '\0') /* hashing failed: an entry that never verifies would end the chain */
		return err_set(e, MAMORI_ENOMEM, "audit entry: cannot compute its hash");
	struct db_stmt *s;
	if ((rc = db_prepare(db, &q_audit_add, &s, e)) < 0)
		return rc;
	db_bind_int64(s, 1, en.seq);
	db_bind_int64(s, 2, en.at);
	db_bind_text(s, 3, en.actor);
	db_bind_text(s, 4, en.action);
	db_bind_text(s, 5, en.target);
	db_bind_text(s, 6, en.detail);
	db_bind_text(s, 7, en.remote);
	db_bind_text(s, 8, en.prev);
	db_bind_text(s, 9, en.hash);
	rc = db_step(s, e);
	db_done(s);
	if (rc < 0)
		return rc;
	if ((rc = db_prepare(db, &q_audit_head_set, &s, e)) < 0)
		return rc;
	db_bind_int64(s, 1, en.seq);
	db_bind_text(s, 2, en.hash);
	rc = db_step(s, e);
	db_done(s);
	return rc < 0 ? rc : 0;
}

static int audit_run(struct store *st, struct db *db, struct store_job *j, struct errbuf *e)
{
	(void)st;
	return store_audit_append(db, j->arg, e);
}

int store_audit(struct store *st, const struct store_audit_in *a, struct errbuf *e)
{
	int rc = store_audit_check(a, e);
	if (rc < 0)
		return rc;
	struct store_job j = {.run = audit_run, .key = "", .arg = a, .audited = true};
	return store_submit(st, &j, e);
}

/* ---- administrators ---- */

static const struct db_query q_admin_add = {
    Q_ADMIN_ADD, "add admin",
    "INSERT INTO admins (name, pw_hash, totp_secret, created_at) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (name) DO NOTHING RETURNING name",
    NULL, 0};
static const struct db_query q_admin_get = {
    Q_ADMIN_GET, "read admin",
    "SELECT name, pw_hash, totp_secret, failed, locked_until, created_at, disabled_at,"
    " (SELECT COUNT(*) FROM recovery_codes WHERE admin = $1 AND used_at IS NULL)"
    " FROM admins WHERE name = $1",
    NULL, 0};
static const struct db_query q_admin_lock = {
    Q_ADMIN_LOCK, "lock admin",
    "SELECT totp_secret, totp_last_step, failed, locked_until, disabled_at FROM admins"
    " WHERE name = $1",
    "SELECT totp_secret, totp_last_step, failed, locked_until, disabled_at FROM admins"
    " WHERE name = $1 FOR UPDATE",
    0};
static const struct db_query q_admin_list = {
    Q_ADMIN_LIST, "list admins",
    "SELECT name, created_at, locked_until, failed, disabled_at,"
    " (SELECT COUNT(*) FROM recovery_codes r WHERE r.admin = a.name AND used_at IS NULL)"
    " FROM admins a ORDER BY name",
    NULL, 0};
static const struct db_query q_admin_set_lock = {
    Q_ADMIN_SET_LOCK, "update admin lockout",
    "UPDATE admins SET failed = $2, locked_until = $3 WHERE name = $1 AND disabled_at IS NULL"
    " RETURNING name",
    NULL, 0};
static const struct db_query q_admin_signed_in = {
    Q_ADMIN_SIGNED_IN, "update admin sign-in",
    "UPDATE admins SET failed = 0, locked_until = 0, totp_last_step = $2 WHERE name = $1", NULL, 0};
static const struct db_query q_admin_set_totp = {
    Q_ADMIN_SET_TOTP, "replace admin TOTP secret",
    "UPDATE admins SET totp_secret = $2, totp_last_step = 0 WHERE name = $1"
    " AND disabled_at IS NULL RETURNING name",
    NULL, 0};
static const struct db_query q_admin_disable = {
    Q_ADMIN_DISABLE, "remove admin",
    "UPDATE admins SET disabled_at = $2 WHERE name = $1 AND disabled_at IS NULL RETURNING name",
    NULL, 0};
static const struct db_query q_recovery_add = {
    Q_RECOVERY_ADD, "add recovery code",
    "INSERT INTO recovery_codes (admin, sha256) VALUES ($1, $2)", NULL, 0};
static const struct db_query q_recovery_delete = {Q_RECOVERY_DELETE, "delete recovery codes",
						  "DELETE FROM recovery_codes WHERE admin = $1",
						  NULL, 0};
static const struct db_query q_recovery_use = {
    Q_RECOVERY_USE, "use recovery code",
    "UPDATE recovery_codes SET used_at = $3 WHERE admin = $1 AND sha256 = $2"
    " AND used_at IS NULL RETURNING sha256",
    NULL, 0};
static const struct db_query q_sessions_delete = {Q_SESSIONS_DELETE, "end admin sessions",
						  "DELETE FROM sessions WHERE admin = $1", NULL, 0};

/* Runs q with text $1 and optional int $2/text $2; returns 1 when it gave a row, 0 when not. */
static int run_named(struct db *db, const struct db_query *q, const char *name, const char *t2,
		     int64_t i2, bool has_i2, struct errbuf *e)
{
	struct db_stmt *s;
	int rc = db_prepare(db, q, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, name);
	if (t2 != NULL)
		db_bind_text(s, 2, t2);
	else if (has_i2)
		db_bind_int64(s, 2, i2);
	rc = db_step(s, e);
	db_done(s);
	return rc;
}

static int recovery_replace(struct db *db, const char *name, const char hashes[][65], size_t n,
			    struct errbuf *e)
{
	int rc = run_named(db, &q_recovery_delete, name, NULL, 0, false, e);
	for (size_t i = 0; rc >= 0 && i < n; i++)
		rc = run_named(db, &q_recovery_add, name, hashes[i], 0, false, e);
	return rc < 0 ? rc : 0;
}

struct admin_write {
	const char *name, *pw_hash, *totp_secret;
	const char (*hashes)[65];
	size_t n_hashes;
	const struct store_audit_in *audit;
	bool *found; /* jobs are const; the answer goes back through this */
};

static int admin_add_run(struct store *st, struct db *db, struct store_job *j, struct errbuf *e)
{
	(void)st;
	const struct admin_write *w = j->arg;
	struct db_stmt *s;
	int rc = db_prepare(db, &q_admin_add, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, w->name);
	db_bind_text(s, 2, w->pw_hash);
	db_bind_text(s, 3, w->totp_secret);
	db_bind_int64(s, 4, w->audit->now);
	rc = db_step(s, e);
	db_done(s);
	*w->found = rc == 1;
	if (rc <= 0)
		return rc; /* taken: nothing written */
	if ((rc = recovery_replace(db, w->name, w->hashes, w->n_hashes, e)) < 0)
		return rc;
	return store_audit_append(db, w->audit, e);
}

bool store_admin_name_ok(const char *name)
{
	struct errbuf e;
	return check_admin_name(name, &e) == 0;
}

static int check_admin_name(const char *name, struct errbuf *e)
{
	if (name == NULL || name[0] == '\0')
		return err_set(e, MAMORI_EINVAL, "admin name: empty");
	size_t n = strlen(name);
	if (n > 64)
		return err_set(e, MAMORI_EINVAL, "admin name: longer than 64 characters");
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '@';
		if (!ok)
			return err_set(e, MAMORI_EINVAL,
				       "admin name: only letters, digits and . _ - @ are allowed");
	}
	return 0;
}

int store_admin_add(struct store *st, const char *name, const char *pw_hash,
		    const char *totp_secret, const char hashes[][65], size_t n_hashes,
		    const struct store_audit_in *a, struct errbuf *e)
{
	int rc;
	if ((rc = check_admin_name(name, e)) < 0 ||
	    (rc = store_check_text("password hash", pw_hash, 160, false, e)) < 0 ||
	    (rc = store_check_text("TOTP secret", totp_secret, 64, false, e)) < 0 ||
	    (rc = store_audit_check(a, e)) < 0)
		return rc;
	bool added = false;
	struct admin_write w = {name, pw_hash, totp_secret, hashes, n_hashes, a, &added};
	struct store_job j = {.run = admin_add_run, .key = "", .arg = &w, .audited = true};
	if ((rc = store_submit(st, &j, e)) < 0)
		return rc;
	if (!added)
		return err_set(e, STORE_CONFLICT, "an admin named %s exists already", name);
	return 0;
}

static int fill_admin(struct db_stmt *s, void *p, struct errbuf *e)
{
	(void)e;
	struct store_admin *out = p;
	snprintf(out->name, sizeof out->name, "%s", or_empty(db_col_text(s, 0)));
	snprintf(out->pw_hash, sizeof out->pw_hash, "%s", or_empty(db_col_text(s, 1)));
	snprintf(out->totp_secret, sizeof out->totp_secret, "%s", or_empty(db_col_text(s, 2)));
	out->failed = (int)db_col_int64(s, 3);
	out->locked_until = db_col_int64(s, 4);
	out->created_at = db_col_int64(s, 5);
	out->disabled = !db_col_null(s, 6);
	out->recovery_left = (int)db_col_int64(s, 7);
	return 0;
}

int store_admin_get(struct store *st, const char *name, struct store_admin *out, struct errbuf *e)
{
	int rc = store_check_text("admin name", name, STORE_MAX_ID, false, e);
	if (rc < 0)
		return rc;
	memset(out, 0, sizeof *out);
	rc = store_read_row(st, &q_admin_get, name, fill_admin, out, e);
	if (rc == 0)
		return err_set(e, STORE_NOT_FOUND, "no admin named %s", name);
	return rc < 0 ? rc : 0;
}

int store_admin_list(struct store *st, json_t **out, struct errbuf *e)
{
	struct db *db;
	int rc = store_reader(st, &db, e);
	if (rc < 0)
		return rc;
	json_t *list = json_array();
	struct db_stmt *s;
	if ((rc = db_prepare(db, &q_admin_list, &s, e)) < 0)
		goto out;
	while ((rc = db_step(s, e)) == 1) {
		json_array_append_new(
		    list,
		    json_pack("{s:s, s:I, s:I, s:I, s:b, s:I}", "name", or_empty(db_col_text(s, 0)),
			      "created_at", (json_int_t)db_col_int64(s, 1), "locked_until",
			      (json_int_t)db_col_int64(s, 2), "failed",
			      (json_int_t)db_col_int64(s, 3), "disabled", !db_col_null(s, 4),
			      "recovery_left", (json_int_t)db_col_int64(s, 5)));
	}
	db_done(s);
out:
	store_reader_put(st, db);
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	*out = json_pack("{s:o}", "admins", list);
	return 0;
}

static int set_totp_run(struct store *st, struct db *db, struct store_job *j, struct errbuf *e)
{
	(void)st;
	const struct admin_write *w = j->arg;
	int rc = run_named(db, &q_admin_set_totp, w->name, w->totp_secret, 0, false, e);
	*w->found = rc == 1;
	if (rc <= 0)
		return rc;
	if ((rc = recovery_replace(db, w->name, w->hashes, w->n_hashes, e)) < 0 ||
	    (rc = run_named(db, &q_sessions_delete, w->name, NULL, 0, false, e)) < 0)
		return rc;
	return store_audit_append(db, w->audit, e);
}

int store_admin_set_totp(struct store *st, const char *name, const char *totp_secret,
			 const char hashes[][65], size_t n_hashes, const struct store_audit_in *a,
			 struct errbuf *e)
{
	int rc;
	if ((rc = store_check_text("admin name", name, STORE_MAX_ID, false, e)) < 0 ||
	    (rc = store_check_text("TOTP secret", totp_secret, 64, false, e)) < 0 ||
	    (rc = store_audit_check(a, e)) < 0)
		return rc;
	bool found = false;
	struct admin_write w = {name, NULL, totp_secret, hashes, n_hashes, a, &found};
	struct store_job j = {.run = set_totp_run, .key = "", .arg = &w, .audited = true};
	if ((rc = store_submit(st, &j, e)) < 0)
		return rc;
	return found ? 0 : err_set(e, STORE_NOT_FOUND, "no admin named %s", name);
}

static int unlock_run(struct store *st, struct db *db, struct store_job *j, struct errbuf *e)
{
	(void)st;
	const struct admin_write *w = j->arg;
	struct db_stmt *s;
	int rc = db_prepare(db, &q_admin_set_lock, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, w->name);
	db_bind_int64(s, 2, 0);
	db_bind_int64(s, 3, 0);
	rc = db_step(s, e);
	db_done(s);
	*w->found = rc == 1;
	if (rc <= 0)
		return rc;
	return store_audit_append(db, w->audit, e);
}

static int disable_run(struct store *st, struct db *db, struct store_job *j, struct errbuf *e)
{
	(void)st;
	const struct admin_write *w = j->arg;
	int rc = run_named(db, &q_admin_disable, w->name, NULL, w->audit->now, true, e);
	*w->found = rc == 1;
	if (rc <= 0)
		return rc;
	if ((rc = run_named(db, &q_sessions_delete, w->name, NULL, 0, false, e)) < 0)
		return rc;
	return store_audit_append(db, w->audit, e);
}

static int admin_change(struct store *st, store_job_fn run, const char *name,
			const struct store_audit_in *a, struct errbuf *e)
{
	int rc;
	if ((rc = store_check_text("admin name", name, STORE_MAX_ID, false, e)) < 0 ||
	    (rc = store_audit_check(a, e)) < 0)
		return rc;
	bool found = false;
	struct admin_write w = {.name = name, .audit = a, .found = &found};
	struct store_job j = {.run = run, .key = "", .arg = &w, .audited = true};
	if ((rc = store_submit(st, &j, e)) < 0)
		return rc;
	return found ? 0 : err_set(e, STORE_NOT_FOUND, "no admin named %s", name);
}

int store_admin_unlock(struct store *st, const char *name, const struct store_audit_in *a,
		       struct errbuf *e)
{
	return admin_change(st, unlock_run, name, a, e);
}

int store_admin_disable(struct store *st, const char *name, const struct store_audit_in *a,
			struct errbuf *e)
{
	return admin_change(st, disable_run, name, a, e);
}

/* ---- sign-in ---- */

static const struct db_query q_session_add = {
    Q_SESSION_ADD, "add session",
    "INSERT INTO sessions (sha256, admin, csrf, created_at, last_seen) VALUES ($1, $2, $3, $4, $4)",
    NULL, 0};

static int audit_signin(struct db *db, const struct store_signin *si, const char *action,
			const char *detail, struct errbuf *e)
{
	struct store_audit_in a = {si->name, action, si->name, detail, si->remote, si->now};
	return store_audit_append(db, &a, e);
}

/* The second factor: six digits are a TOTP code, anything else may be a recovery code. */
static int second_factor(struct db *db, struct store_signin *si, const char *secret,
			 int64_t *last_step, bool *ok, struct errbuf *e)
{
	size_t digits = 0, other = 0;
	for (const char *p = si->code; *p != '\0'; p++)
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p != ' ')
			other++;
	*ok = false;
	if (digits == 6 && other == 0) {
		*ok = totp_verify(secret, si->code, si->now, last_step);
		return 0;
	}
	char hash[65];
	if (!recovery_code_hash(si->code, hash))
		return 0;
	struct db_stmt *s;
	int rc = db_prepare(db, &q_recovery_use, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, si->name);
	db_bind_text(s, 2, hash);
	db_bind_int64(s, 3, si->now);
	rc = db_step(s, e);
	db_done(s);
	if (rc < 0)
		return rc;
	*ok = si->recovery_used = rc == 1;
	return 0;
}

static int signin_run(struct store *st, struct db *db, struct store_job *j, struct errbuf *e)
{
	(void)st;
	struct store_signin *si = *(struct store_signin *const *)j->arg;
	si->outcome = SIGNIN_REFUSED;
	si->locked_until = 0;
	si->recovery_used = false;
	struct db_stmt *s;
	int rc = db_prepare(db, &q_admin_lock, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, si->name);
	if ((rc = db_step(s, e)) <= 0) {
		db_done(s);
		return rc < 0 ? rc : audit_signin(db, si, "signin-failed", "no such admin", e);
	}
	char secret[65];
	snprintf(secret, sizeof secret, "%s", or_empty(db_col_text(s, 0)));
	int64_t last_step = db_col_int64(s, 1);
	struct lockout lk = {(int)db_col_int64(s, 2), db_col_int64(s, 3)};
	bool disabled = !db_col_null(s, 4);
	db_done(s);
	if (disabled)
		return audit_signin(db, si, "signin-failed", "admin removed", e);
	if (lockout_locked(&lk, si->now)) {
		si->outcome = SIGNIN_LOCKED;
		si->locked_until = lk.locked_until;
		return audit_signin(db, si, "signin-refused", "locked", e);
	}
	bool factor_ok = false;
	if (si->password_ok && (rc = second_factor(db, si, secret, &last_step, &factor_ok, e)) < 0)
		return rc;
	if (si->password_ok && factor_ok) {
		lockout_success(&lk);
		if ((rc = run_named(db, &q_admin_signed_in, si->name, NULL, last_step, true, e)) <
		    0)
			return rc;
		if ((rc = db_prepare(db, &q_session_add, &s, e)) < 0)
			return rc;
		db_bind_text(s, 1, si->session_sha256);
		db_bind_text(s, 2, si->name);
		db_bind_text(s, 3, si->csrf);
		db_bind_int64(s, 4, si->now);
		rc = db_step(s, e);
		db_done(s);
		if (rc < 0)
			return rc;
		si->outcome = SIGNIN_OK;
		return audit_signin(db, si, "signin", si->recovery_used ? "recovery code" : "totp",
				    e);
	}
	bool locked_now = lockout_failure(&lk, si->now);
	if ((rc = db_prepare(db, &q_admin_set_lock, &s, e)) < 0)
		return rc;
	db_bind_text(s, 1, si->name);
	db_bind_int64(s, 2, lk.failed);
	db_bind_int64(s, 3, lk.locked_until);
	rc = db_step(s, e);
	db_done(s);
	if (rc < 0)
		return rc;
	char detail[64];
	snprintf(detail, sizeof detail, "%s; failure %d of %d",
		 si->password_ok ? "wrong code" : "wrong password",
		 locked_now ? AUTH_LOCK_FAILURES : lk.failed, AUTH_LOCK_FAILURES);
	if ((rc = audit_signin(db, si, "signin-failed", detail, e)) < 0)
		return rc;
	if (!locked_now)
		return 0;
	si->outcome = SIGNIN_JUST_LOCKED;
	si->locked_until = lk.locked_until;
	char until[48];
	snprintf(until, sizeof until, "locked until %lld", (long long)lk.locked_until);
	return audit_signin(db, si, "lockout", until, e);
}

int store_signin(struct store *st, struct store_signin *si, struct errbuf *e)
{
	int rc;
	if ((rc = store_check_text("admin name", si->name, STORE_MAX_ID, false, e)) < 0 ||
	    (rc = store_check_text("code", si->code, 64, false, e)) < 0 ||
	    (rc = store_check_text("session", si->session_sha256, 64, false, e)) < 0 ||
	    (rc = store_check_text("csrf", si->csrf, 64, false, e)) < 0 ||
	    (rc = store_check_text("remote", si->remote, STORE_MAX_ID, true, e)) < 0)
		return rc;
	struct store_signin *p = si;
	struct store_job j = {.run = signin_run, .key = "", .arg = &p, .audited = true};
	if ((rc = store_submit(st, &j, e)) < 0)
		return rc;
	si->recovery_left = -1;
	if (si->outcome == SIGNIN_OK && si->recovery_used) {
		struct store_admin a;
		struct errbuf ignore;
		if (store_admin_get(st, si->name, &a, &ignore) == 0)
			si->recovery_left = a.recovery_left;
	}
	return 0;
}

/* ---- sessions ---- */

static const struct db_query q_session_get = {
    Q_SESSION_GET, "read session",
    "SELECT s.admin, s.csrf, s.created_at, s.last_seen FROM sessions s"
    " JOIN admins a ON a.name = s.admin WHERE s.sha256 = $1 AND a.disabled_at IS NULL",
    NULL, 0};
static const struct db_query q_session_touch = {
    Q_SESSION_TOUCH, "touch session",
    "UPDATE sessions SET last_seen = $2 WHERE sha256 = $1 AND last_seen < $2", NULL, 0};
static const struct db_query q_session_delete = {
    Q_SESSION_DELETE, "end session", "DELETE FROM sessions WHERE sha256 = $1 RETURNING admin", NULL,
    0};
static const struct db_query q_sessions_expire = {
    Q_SESSIONS_EXPIRE, "expire sessions", "DELETE FROM sessions WHERE last_seen < $1", NULL, 0};

static int fill_session(struct db_stmt *s, void *p, struct errbuf *e)
{
	(void)e;
	struct store_session *out = p;
	snprintf(out->admin, sizeof out->admin, "%s", or_empty(db_col_text(s, 0)));
	snprintf(out->csrf, sizeof out->csrf, "%s", or_empty(db_col_text(s, 1)));
	out->created_at = db_col_int64(s, 2);
	out->last_seen = db_col_int64(s, 3);
	return 0;
}

int store_session_get(struct store *st, const char *sha256, int64_t now, int64_t idle_max,
		      int64_t abs_max, struct store_session *out, struct errbuf *e)
{
	int rc = store_check_text("session", sha256, 64, false, e);
	if (rc < 0)
		return rc;
	memset(out, 0, sizeof *out);
	rc = store_read_row(st, &q_session_get, sha256, fill_session, out, e);
	if (rc == 0)
		return err_set(e, STORE_NOT_FOUND, "no such session");
	if (rc < 0)
		return rc;
	if (now - out->last_seen > idle_max || now - out->created_at > abs_max)
		return err_set(e, STORE_NOT_FOUND, "session expired");
	return 0;
}

struct touch {
	const char *sha256;
	int64_t now;
};

static int touch_run(struct store *st, struct db *db, struct store_job *j, struct errbuf *e)
{
	(void)st;
	const struct touch *t = j->arg;
	struct db_stmt *s;
	int rc = db_prepare(db, &q_session_touch, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, t->sha256);
	db_bind_int64(s, 2, t->now);
	rc = db_step(s, e);
	db_done(s);
	if (rc < 0)
		return rc;
	/* Sessions idle for a day are gone for good; the read refuses them much sooner. */
	if ((rc = db_prepare(db, &q_sessions_expire, &s, e)) < 0)
		return rc;
	db_bind_int64(s, 1, t->now - 86400);
	rc = db_step(s, e);
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_session_touch(struct store *st, const char *sha256, int64_t now, struct errbuf *e)
{
	int rc = store_check_text("session", sha256, 64, false, e);
	if (rc < 0)
		return rc;
	struct touch t = {sha256, now};
	struct store_job j = {.run = touch_run, .key = "", .arg = &t};
	return store_submit(st, &j, e);
}

struct session_end {
	const char *sha256;
	const struct store_audit_in *audit;
};

static int session_end_run(struct store *st, struct db *db, struct store_job *j, struct errbuf *e)
{
	(void)st;
	const struct session_end *se = j->arg;
	int rc = run_named(db, &q_session_delete, se->sha256, NULL, 0, false, e);
	if (rc <= 0)
		return rc;
	return store_audit_append(db, se->audit, e);
}

int store_session_end(struct store *st, const char *sha256, const struct store_audit_in *a,
		      struct errbuf *e)
{
	int rc;
	if ((rc = store_check_text("session", sha256, 64, false, e)) < 0 ||
	    (rc = store_audit_check(a, e)) < 0)
		return rc;
	struct session_end se = {sha256, a};
	struct store_job j = {.run = session_end_run, .key = "", .arg = &se, .audited = true};
	return store_submit(st, &j, e);
}

/* ---- reading the audit log ---- */

static const struct db_query q_audit_all = {
    Q_AUDIT_ALL, "read audit log",
    "SELECT seq, at, actor, action, target, detail, remote, prev, hash FROM audit_log"
    " WHERE seq <= $1 ORDER BY seq",
    NULL, 0};
static const struct db_query q_audit_page = {
    Q_AUDIT_PAGE, "read audit log page",
    "SELECT seq, at, actor, action, target, detail, remote, prev, hash FROM audit_log"
    " WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
    NULL, 0};

static void entry_from_row(struct db_stmt *s, struct audit_entry *en)
{
	en->seq = db_col_int64(s, 0);
	en->at = db_col_int64(s, 1);
	en->actor = or_empty(db_col_text(s, 2));
	en->action = or_empty(db_col_text(s, 3));
	en->target = or_empty(db_col_text(s, 4));
	en->detail = or_empty(db_col_text(s, 5));
	en->remote = or_empty(db_col_text(s, 6));
	snprintf(en->prev, sizeof en->prev, "%s", or_empty(db_col_text(s, 7)));
	snprintf(en->hash, sizeof en->hash, "%s", or_empty(db_col_text(s, 8)));
}

int store_audit_each(struct store *st, int64_t upto, store_audit_fn fn, void *ctx, struct errbuf *e)
{
	struct db *db;
	int rc = store_reader(st, &db, e);
	if (rc < 0)
		return rc;
	struct db_stmt *s;
	if ((rc = db_prepare(db, &q_audit_all, &s, e)) < 0)
		goto out;
	db_bind_int64(s, 1, upto);
	while ((rc = db_step(s, e)) == 1) {
		struct audit_entry en;
		entry_from_row(s, &en);
		if ((rc = fn(ctx, &en)) != 0)
			break;
	}
	db_done(s);
out:
	store_reader_put(st, db);
	return rc;
}

int store_audit_head(struct store *st, int64_t *seq, char hash[65], struct errbuf *e)
{
	struct db *db;
	int rc = store_reader(st, &db, e);
	if (rc < 0)
		return rc;
	rc = read_head(db, &q_audit_head, seq, hash, e);
	store_reader_put(st, db);
	return rc;
}

int store_audit_page(struct store *st, int64_t before, int limit, json_t **out, struct errbuf *e)
{
	struct db *db;
	int rc = store_reader(st, &db, e);
	if (rc < 0)
		return rc;
	json_t *list = json_array();
	int64_t last = 0;
	int n = 0;
	struct db_stmt *s;
	if ((rc = db_prepare(db, &q_audit_page, &s, e)) < 0)
		goto out;
	db_bind_int64(s, 1, before > 0 ? before : INT64_MAX);
	db_bind_int64(s, 2, limit);
	while ((rc = db_step(s, e)) == 1) {
		struct audit_entry en;
		entry_from_row(s, &en);
		json_array_append_new(
		    list, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "seq",
				    (json_int_t)en.seq, "at", (json_int_t)en.at, "actor", en.actor,
				    "action", en.action, "target", en.target, "detail", en.detail,
				    "remote", en.remote, "hash", en.hash));
		last = en.seq;
		n++;
	}
	db_done(s);
out:
	store_reader_put(st, db);
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	*out = json_pack("{s:o, s:o}", "entries", list, "next",
			 n == limit && last > 1 ? json_integer(last) : json_null());
	return 0;
}

/* ZERO_HASH documents what the first entry's prev is; the migration seeds the head with it. */
_Static_assert(sizeof(ZERO_HASH) == 65, "a SHA-256 in hex");
