/* SPDX-License-Identifier: Apache-2.0 */
/* Facts: typed, named observations about a system, each with where it came from.
 * See docs/internals/FACTS.md. */
#ifndef MAMORI_FACTS_H
#define MAMORI_FACTS_H

#include <jansson.h>
#include <stdbool.h>

#include "core/util.h"

/* A fact's value is a JSON value (boolean, integer, string, array or object); an unknown fact
 * has value NULL and a reason. Evidence says where the value was read: a file (or pseudo
 * source such as "nftables ruleset") and a 1-based line, 0 when no line applies. */
struct fact {
	char *name;   /* dotted, e.g. "ssh.password_authentication" */
	json_t *value; /* NULL when unknown */
	char *reason; /* why it is unknown; NULL when known */
	char *source; /* file or source it came from; may be NULL */
	int line;     /* 1-based line in source, 0 if none */
	char *note;   /* how it was derived ("default: no PasswordAuthentication line"); may be NULL */
};

struct facts;

struct facts *facts_new(void);
void facts_free(struct facts *f);

/* Records a known fact. Takes ownership of value (a jansson reference) even on failure.
 * A later call with the same name replaces the earlier fact. source and note may be NULL. */
int facts_put(struct facts *f, const char *name, json_t *value, const char *source, int line,
	      const char *note);
int facts_put_bool(struct facts *f, const char *name, bool v, const char *source, int line,
		   const char *note);
int facts_put_int(struct facts *f, const char *name, long long v, const char *source, int line,
		  const char *note);
int facts_put_str(struct facts *f, const char *name, const char *v, const char *source, int line,
		  const char *note);
/* Records that name could not be read, and why (the reason should name the file and line). */
int facts_put_unknown(struct facts *f, const char *name, const char *source, int line,
		      const char *reason_fmt, ...) __attribute__((format(printf, 5, 6)));

/* Returns the fact or NULL if no probe recorded it. */
const struct fact *facts_get(const struct facts *f, const char *name);
size_t facts_count(const struct facts *f);
/* Facts in name order, index 0..count-1. */
const struct fact *facts_at(const struct facts *f, size_t i);

/* A JSON string of s; bytes that are not valid UTF-8 (a file name, an SSID) become U+FFFD
 * so that what a probe read can always be reported. NULL only when memory runs out. */
json_t *json_string_lossy(const char *s);

/* Serializes all facts as {"name": {"value": v, "source": s, "line": n, "note": t}} or
 * {"name": {"unknown": reason, ...}}. Returns a new reference or NULL. */
json_t *facts_to_json(const struct facts *f);
json_t *fact_to_json(const struct fact *fact);
/* Reads what facts_to_json wrote (used by the evaluator tests and `--facts FILE`). */
int facts_from_json(struct facts *f, const json_t *j, struct errbuf *e);

#endif
