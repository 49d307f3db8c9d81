/* SPDX-License-Identifier: Apache-2.0 */
/* What the agent, the server and the tests share: error codes, severities, statuses. */
#ifndef MAMORI_MAMORI_H
#define MAMORI_MAMORI_H

#define MAMORI_VERSION "0.1.0"
/* Bumped whenever the JSON report changes incompatibly; see schema/report.schema.json. */
#define MAMORI_REPORT_SCHEMA_VERSION 2

/* Every function that can fail returns 0 or one of these; the message goes to a struct errbuf. */
enum mamori_err {
	MAMORI_OK = 0,
	MAMORI_ENOMEM = -1,  /* allocation failed */
	MAMORI_EINVAL = -2,  /* bad argument or bad input */
	MAMORI_EIO = -3,     /* read or write failed */
	MAMORI_ENOENT = -4,  /* file or item does not exist */
	MAMORI_ETOOBIG = -5, /* input passed its cap */
	MAMORI_EPARSE = -6,  /* input is malformed */
	MAMORI_EACCES = -7,  /* permission denied */
};

enum severity {
	SEV_INFO = 0,
	SEV_LOW,
	SEV_MEDIUM,
	SEV_HIGH,
	SEV_CRITICAL,
	SEV_COUNT
};

enum status {
	ST_PASS = 0,
	ST_FAIL,
	ST_UNKNOWN,
	ST_NOT_APPLICABLE,
	ST_DISABLED, /* switched off by the policy, with a reason */
	ST_COUNT
};

/* Exit codes a script can rely on. */
enum mamori_exit {
	EXIT_PASS = 0,
	EXIT_FINDINGS = 1,
	EXIT_ERROR = 2,
};

#endif
