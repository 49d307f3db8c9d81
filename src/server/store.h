/* SPDX-License-Identifier: Apache-2.0 */
/* mamorid's storage: one small interface, two backends that behave the same (SQLite by
 * default, PostgreSQL for fleets behind several instances). docs/internals/STORE.md. */
#ifndef MAMORI_SERVER_STORE_H
#define MAMORI_SERVER_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/util.h"

/* Besides MAMORI_OK and the negative enum mamori_err codes, store calls may return: */
enum store_rc {
	STORE_NOT_FOUND = 1, /* no such device / report */
	STORE_CONFLICT = 2,  /* the report id belongs to another device */
	STORE_GONE = 3,      /* token unknown, used or expired (one answer for all three) */
};

struct store;

/* url: "sqlite:PATH", a plain PATH, or "postgresql://…" / "postgres://…" (libpq URI).
 * Creates or migrates the schema (versioned migrations; safe when several instances start
 * at once on one PostgreSQL). readers: size of the read-connection pool (>= 1). */
int store_open(const char *url, int readers, struct store **out, struct errbuf *e);
/* Waits for the pending commits, then closes. store_close(NULL) does nothing. */
void store_close(struct store *st);
/* "sqlite" or "postgresql". */
const char *store_backend(const struct store *st);
/* The age past which a device's latest report makes it stale (mamorid: gate_max_report_age;
 * default 24 h). Set before serving: the trend's daily rows count stale devices with it. */
void store_set_max_report_age(struct store *st, int64_t seconds);
/* The schema version the database is at. */
int store_schema_version(struct store *st, int *out, struct errbuf *e);

struct store_audit_in;
/* Enrollment tokens. Only the SHA-256 (hex) of a token is stored. */
int store_token_add(struct store *st, const char *token_sha256, int64_t created, int64_t expires,
		    struct errbuf *e);
/* The same, with its audit entry in the same transaction (the _audited variants below alike:
 * the action and its record are kept or lost together). */
int store_token_add_audited(struct store *st, const char *token_sha256, int64_t created,
			    int64_t expires, const struct store_audit_in *a, struct errbuf *e);

/* Whether a token could enroll now (unknown, used or expired: STORE_GONE), without taking it:
 * enrollment checks it before signing a CSR, then store_enroll takes it atomically. */
int store_token_check(struct store *st, const char *token_sha256, int64_t now, struct errbuf *e);

struct store_enrollment {
	const char *token_sha256;
	const char *device_id;   /* 32 hex, chosen by the caller */
	const char *hostname;    /* as the device gave it at enrollment */
	const char *user;        /* may be NULL */
	const char *cert_serial; /* lower-case hex, no leading zeros stripped: as ca.h gives it */
	int64_t cert_not_after;
	int64_t now;
};
/* In one transaction: takes the token (unused and unexpired at `now`, else STORE_GONE and
 * nothing changes), adds the device and its certificate. */
int store_enroll(struct store *st, const struct store_enrollment *en, struct errbuf *e);

/* Admin client certificates (mamorid admin-cert). */
int store_admin_cert_add(struct store *st, const char *cert_serial, const char *name,
			 int64_t not_after, int64_t now, struct errbuf *e);
int store_admin_cert_add_audited(struct store *st, const char *cert_serial, const char *name,
				 int64_t not_after, int64_t now, const struct store_audit_in *audit,
				 struct errbuf *e);

/* Revokes every admin certificate issued under name; STORE_NOT_FOUND when there is none. */
int store_admin_revoke(struct store *st, const char *name, int64_t now, struct errbuf *e);
int store_admin_revoke_audited(struct store *st, const char *name, int64_t now,
			       const struct store_audit_in *audit, struct errbuf *e);

enum store_cert_kind { STORE_CERT_DEVICE = 1, STORE_CERT_ADMIN = 2 };
struct store_cert {
	enum store_cert_kind kind;
	char owner[65];  /* the device id, or the admin's name */
	bool revoked;
	int64_t not_after;
};
/* The certificate with this serial; STORE_NOT_FOUND when unknown. Read on every request, so
 * that a revocation takes effect at once on every instance. */
int store_cert_lookup(struct store *st, const char *cert_serial, struct store_cert *out,
		      struct errbuf *e);
/* Revokes every certificate of the device and takes it out of the summary; STORE_NOT_FOUND
 * when there is no such device. Revoking twice is not an error. */
int store_device_revoke(struct store *st, const char *device_id, int64_t now, struct errbuf *e);
int store_device_revoke_audited(struct store *st, const char *device_id, int64_t now,
				const struct store_audit_in *a, struct errbuf *e);

/* One finding as the ledger keeps it (the texts are in the catalog). */
struct store_finding {
	const char *check;
	const char *topic;
	const char *severity;
	const char *status; /* pass, fail, unknown, not_applicable, disabled */
};

/* A validated report, as api.c extracts it. Strings are borrowed for the call. */
struct store_report {
	const char *report_id; /* 32 hex */
	const char *device_id;
	int64_t generated_at, received_at;
	const char *hostname;
	const char *os_name, *os_version; /* may be NULL */
	const char *serial_number;        /* may be NULL */
	int64_t security_updates_pending; /* -1 unknown */
	int64_t package_count;            /* -1 unknown */
	const char *status;               /* worst: fail > unknown > pass */
	int n_pass, n_fail, n_unknown, n_not_applicable;
	const struct store_finding *findings;
	size_t n_findings;
	const char *body; /* the report as received (JSON) */
	size_t body_len;
	const char *inventory_sha256; /* may be NULL: the report names no inventory */
	const char *inventory_json;   /* the package list itself, or NULL when not sent */
	size_t inventory_len;
};

struct store_put_result {
	bool duplicate;      /* this report id was stored before: nothing changed */
	bool need_inventory; /* the server does not have the inventory the report names */
};
/* Stores the report, its findings, the device's new latest state and per-topic summary, and
 * the inventory if sent, in one transaction; returns only after it is committed durably
 * (concurrent callers are committed together). STORE_CONFLICT: the id is another device's. */
int store_report_put(struct store *st, const struct store_report *r, struct store_put_result *out,
		     struct errbuf *e);

/* What the gate reads of a device, by its id, or (serial not NULL) by the serial of one of
 * its certificates, in one query: its failing checks of the given severities (NULL-terminated,
 * at most 5 names), oldest failure first, with since when. At most STORE_GATE_MAX are named,
 * the rest counted in n_more: being newer, they leave their grace period later. By serial:
 * the certificate too (has_cert), STORE_NOT_FOUND when no certificate has the serial, and
 * known is false when the certificate is not a device's. */
#define STORE_GATE_MAX 32
struct store_gate_state {
	bool has_cert;
	struct store_cert cert;
	bool known, revoked;
	int64_t last_generated_at; /* 0: no report yet */
	struct {
		char check[129];
		char severity[16];
		int64_t since;
	} failing[STORE_GATE_MAX];
	size_t n_failing, n_more;
};
int store_gate_state(struct store *st, const char *device_id, const char *serial,
		     const char *const *severities, struct store_gate_state *out, struct errbuf *e);

/* Queries for the API. On success *out is a new reference the caller owns. */
/* {"devices": [...], "next": id|null, "total": N}; order: hostname, id; after: NULL or an id. */
int store_devices_page(struct store *st, const char *after, int limit, json_t **out,
		       struct errbuf *e);
int store_device_get(struct store *st, const char *id, json_t **out, struct errbuf *e);
/* {"device": id, "report_id": …, "findings": [{check, topic, severity, status}]} */
int store_device_findings(struct store *st, const char *id, json_t **out, struct errbuf *e);
/* {"reports": [{report_id, generated_at, received_at, status, counts}], "next": received|null}
 * newest first; before: 0 or a received_at (Unix seconds) to page on. */
int store_device_reports(struct store *st, const char *id, int64_t before, int limit,
			 json_t **out, struct errbuf *e);
/* The report body as received; *body is malloc'd. */
int store_report_body(struct store *st, const char *report_id, char **body, size_t *len,
		      struct errbuf *e);
/* {"topics": [{"topic", "pass", "fail", "unknown", "not_applicable"}], "devices": N} — devices
 * (not revoked, with a report) by their status in each topic. Kept up to date on every put,
 * so it costs the same for 10 devices or 100,000. */
int store_topic_summary(struct store *st, json_t **out, struct errbuf *e);
/* {"pass": n, "fail": n, "unknown": n, "none": n (enrolled, no report yet), "revoked": n} */
int store_status_counts(struct store *st, json_t **out, struct errbuf *e);
/* Calls row() for every device in ledger order with the CSV columns (docs/server.md); stops
 * and returns row()'s value when it is not 0. */
typedef int (*store_row_fn)(void *ctx, const char *const *cols, size_t ncols);
extern const char *const store_ledger_columns[];
extern const size_t store_ledger_ncolumns;
int store_devices_each(struct store *st, store_row_fn row, void *ctx, struct errbuf *e);

/* ---- administrators, sessions and the audit log (store_auth.c) ---- */

/* Bytes of an audit actor: an admin's name (64), "cert:" and an admin certificate's name,
 * "cli:USER". */
#define STORE_MAX_ACTOR 72
/* What an audit entry says; the store adds seq, time and the chain. */
struct store_audit_in {
	const char *actor;  /* admin name, "cli" */
	const char *action; /* "signin", "token-create", ... docs/server.md lists them */
	const char *target; /* NULL: "" */
	const char *detail; /* NULL: "" */
	const char *remote; /* NULL: "" */
	int64_t now;
};
/* Appends one entry to the audit log (its own transaction). */
int store_audit(struct store *st, const struct store_audit_in *a, struct errbuf *e);

struct store_admin {
	char name[65];
	char pw_hash[161];
	char totp_secret[65];
	int failed;
	int64_t locked_until;
	int64_t created_at;
	bool disabled;
	int recovery_left;
};
/* Adds an administrator with its one-time recovery code hashes, audited as "admin-add" by
 * a->actor. STORE_CONFLICT when the name is taken (a removed admin's name stays taken, so the
 * audit log keeps meaning one person). */
int store_admin_add(struct store *st, const char *name, const char *pw_hash,
		    const char *totp_secret, const char hashes[][65], size_t n_hashes,
		    const struct store_audit_in *a, struct errbuf *e);
/* Admin names: letters, digits and . _ - @, 1 to 64 of them. */
bool store_admin_name_ok(const char *name);
/* STORE_NOT_FOUND when there is no such admin. */
int store_admin_get(struct store *st, const char *name, struct store_admin *out, struct errbuf *e);
/* {"admins": [{name, created_at, locked_until, failed, disabled, recovery_left}]} */
int store_admin_list(struct store *st, json_t **out, struct errbuf *e);
/* Replaces the TOTP secret and the recovery codes, ends the admin's sessions (audited as
 * "admin-totp-reset"). */
int store_admin_set_totp(struct store *st, const char *name, const char *totp_secret,
			 const char hashes[][65], size_t n_hashes, const struct store_audit_in *a,
			 struct errbuf *e);
/* Clears a lockout ("admin-unlock") or disables the admin and ends its sessions
 * ("admin-remove"). STORE_NOT_FOUND when there is no such (enabled) admin. */
int store_admin_unlock(struct store *st, const char *name, const struct store_audit_in *a,
		       struct errbuf *e);
int store_admin_disable(struct store *st, const char *name, const struct store_audit_in *a,
			struct errbuf *e);

/* A sign-in attempt whose password the caller has already checked (outside any transaction:
 * Argon2id takes tens of milliseconds). In one transaction with the admin's row locked: the
 * lockout, the second factor (TOTP, each code once, or an unused recovery code), the failure
 * count, the new session and the audit entries. */
enum store_signin_outcome {
	SIGNIN_OK,
	SIGNIN_REFUSED,	    /* unknown or removed admin, wrong password or code */
	SIGNIN_LOCKED,	    /* locked before this attempt: nothing was checked */
	SIGNIN_JUST_LOCKED, /* this failure locked the account */
};
struct store_signin {
	const char *name;
	bool password_ok;
	const char *code;	    /* TOTP or recovery code, as typed */
	const char *session_sha256; /* the new session, on success */
	const char *csrf;
	const char *remote;
	int64_t now;
	/* out */
	enum store_signin_outcome outcome;
	int64_t locked_until;
	bool recovery_used;
	int recovery_left;
};
int store_signin(struct store *st, struct store_signin *si, struct errbuf *e);

struct store_session {
	char admin[65];
	char csrf[65];
	int64_t created_at, last_seen;
};
/* The session with this hash when it exists, its admin is enabled, it was seen within
 * idle_max and began within abs_max; else STORE_NOT_FOUND. */
int store_session_get(struct store *st, const char *sha256, int64_t now, int64_t idle_max,
		      int64_t abs_max, struct store_session *out, struct errbuf *e);
/* Records activity (callers do it at most once a minute per session). */
int store_session_touch(struct store *st, const char *sha256, int64_t now, struct errbuf *e);
/* Ends a session ("signout"); not an error when it is gone already. */
int store_session_end(struct store *st, const char *sha256, const struct store_audit_in *a,
		      struct errbuf *e);

struct audit_entry;
/* Calls fn for every audit entry up to seq `upto` in seq order (as stored: verification is
 * the caller's); stops at and returns fn's value when it is not 0. Entries appended while
 * it reads are past `upto` (read the head first) and not seen. */
typedef int (*store_audit_fn)(void *ctx, const struct audit_entry *en);
int store_audit_each(struct store *st, int64_t upto, store_audit_fn fn, void *ctx,
		     struct errbuf *e);
/* The head kept apart from the entries: the last seq and its hash. */
int store_audit_head(struct store *st, int64_t *seq, char hash[65], struct errbuf *e);
/* {"entries": [{seq, at, actor, action, target, detail, remote, hash}], "next": seq|null},
 * newest first; before: 0 or a seq to page on. */
int store_audit_page(struct store *st, int64_t before, int limit, json_t **out, struct errbuf *e);
/* ---- The dashboard (store_ui.c, docs/server.md "Dashboard API") ---- */

enum store_sort { STORE_SORT_HOSTNAME, STORE_SORT_WORST, STORE_SORT_LAST_SEEN };
/* A page of the ledger, filtered and sorted on the server; every choice walks an index
 * (keyset paging), none reads the whole ledger. Strings are borrowed for the call. */
struct store_device_filter {
	const char *status; /* NULL, or pass|fail|unknown|none|revoked (revoked: only those) */
	const char *topic;  /* NULL, or devices failing this topic; the order is then by id */
	const char *check;  /* NULL, or devices failing this check; the order is then by id */
	const char *q;	    /* NULL, or a host name prefix */
	bool stale;	    /* only devices whose latest report is older than now - max age;
			       the order is then oldest report first */
	int64_t now;
	enum store_sort sort;
	const char *after; /* NULL, or the last id of the previous page */
	int limit;	   /* 1 to 1000 */
	int budget;	   /* rows the walk may pass over that other filters drop (0: 5000) */
};
/* {"devices": [...], "next": id|null, "total": N|null, "order": "hostname"|"worst"|
 * "last_seen"|"stale"|"id", "partial": bool}: total when a counter has it (one filter or
 * none), else null; partial: the page stopped at its budget before it was full (a rare
 * combination of filters), `next` goes on from there.
 * worst: most failing checks first; last_seen: newest first, never-seen devices last.
 * An unknown `after` is STORE_NOT_FOUND. */
int store_devices_query(struct store *st, const struct store_device_filter *f, json_t **out,
			struct errbuf *e);
/* Devices (not revoked) failing any of the n checks (1 to 32), by id, each with the checks it
 * fails and since when: {"devices": [{…, "failing": [{"check", "since"}]}], "next": id|null}. */
int store_devices_failing(struct store *st, const char *const *checks, size_t n, const char *after,
			  int limit, json_t **out, struct errbuf *e);
/* {"CHECK": {"pass": n, "fail": n, "unknown": n, "not_applicable": n, "disabled": n}, …}:
 * devices (not revoked, with a report) by the state of each check. */
int store_check_counts(struct store *st, json_t **out, struct errbuf *e);
/* {"pass", "fail", "unknown", "none", "revoked", "stale", "total"}: stale = not revoked, latest
 * report older than now - max_age (they count in their status too). */
int store_fleet_counts(struct store *st, int64_t now, int64_t max_age, json_t **out,
		       struct errbuf *e);
/* The daily rows from day `from` (YYYY-MM-DD) on: {"days": [{"day", "pass", "fail",
 * "unknown", "none", "revoked", "stale"}], "before": the last row before `from` or null}. */
int store_trend(struct store *st, const char *from, json_t **out, struct errbuf *e);

/* One entry of the organization's risk register (docs/register.md), validated by the caller
 * (core/register.c). NULL texts are "not filled in". */
struct store_register_entry {
	const char *control;
	const char *state;
	const char *impact[4]; /* confidentiality, integrity, availability, accountability */
	const char *decision, *deadline, *owner, *reason;
	const char *updated_by; /* the admin's name */
	int64_t now;
};
/* Adds or replaces an entry; a: its audit entry ("register-change"), in the same transaction,
 * or NULL. */
int store_register_put(struct store *st, const struct store_register_entry *en,
		       const struct store_audit_in *a, struct errbuf *e);
/* {"entries": [{"control", "state", "impact": {…}, "decision", "deadline", "owner", "reason",
 * "updated_at", "updated_by"}]} by control id; get: one entry or STORE_NOT_FOUND. */
int store_register_list(struct store *st, json_t **out, struct errbuf *e);
int store_register_get(struct store *st, const char *control, json_t **out, struct errbuf *e);

#endif
