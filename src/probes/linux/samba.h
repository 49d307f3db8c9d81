/* SPDX-License-Identifier: Apache-2.0 */
/* The legacy family's pure parsers: Samba's smb.conf and its protocol names. */
#ifndef MAMORI_LINUX_SAMBA_H
#define MAMORI_LINUX_SAMBA_H

#include <stddef.h>

#define SMB_CONF_MAX_LINE 16384 /* a logical line, continuations joined */

/* Calls fn for each "key = value" with the section it is in (lower case; "global" before any
 * header, or start_section when parsing an included file), the key normalized as Samba
 * compares it (lower case, white space removed: "server min protocol" -> "serverminprotocol"),
 * the trimmed value and the line where the logical line starts. Lines ending in a backslash
 * continue; '#' and ';' start comment lines; lines without '=' are ignored as Samba does.
 * Returns 0, fn's non-zero value or MAMORI_EPARSE with *bad_line (a section header without
 * its closing bracket, an overlong line). */
typedef int (*smb_conf_fn)(const char *section, const char *key, const char *value, int line,
			   void *ud);
int smb_conf_parse(const char *buf, size_t len, const char *start_section, smb_conf_fn fn, void *ud,
		   int *bad_line);

/* Ranks a protocol name as Samba's enum does (CORE 0 ... NT1 4, SMB2_02 5, SMB2_10 6,
 * SMB3_00 8, SMB3_02 9, SMB3_11 10); "SMB2" means SMB2_10 and "SMB3" SMB3_11. Case-insensitive.
 * Returns the rank or -1 for an unknown name. */
int smb_protocol_rank(const char *name);

#endif
