/* SPDX-License-Identifier: Apache-2.0 */
/* The user interface's own words (check texts live in the catalog), in English and Japanese. */
#ifndef MAMORI_I18N_H
#define MAMORI_I18N_H

enum msg {
	M_REPORT_TITLE,
	M_HOST,
	M_OS,
	M_ROOT,
	M_GENERATED,
	M_POLICY,
	M_SUMMARY,
	M_PASS,
	M_FAIL,
	M_UNKNOWN,
	M_NOT_APPLICABLE,
	M_DISABLED,
	M_FOUND,
	M_WHY,
	M_FIX,
	M_REFS,
	M_UNKNOWN_BECAUSE,
	M_DISABLED_BECAUSE,
	M_ALL_PASS,
	M_PASSING_HIDDEN,
	M_SEVERITY_INFO,
	M_SEVERITY_LOW,
	M_SEVERITY_MEDIUM,
	M_SEVERITY_HIGH,
	M_SEVERITY_CRITICAL,
	M_TOPIC,
	M_CHECK,
	M_STATUS,
	M_SEVERITY,
	M_EVIDENCE,
	M_FACT_UNKNOWN,
	/* mamori lan (report_lan.c) */
	M_LAN_TITLE,
	M_LAN_ROUTER,
	M_LAN_GATEWAY,
	M_LAN_MODEL,
	M_LAN_FIRMWARE,
	M_LAN_UPNP,
	M_LAN_UPNP_ON,
	M_LAN_UPNP_OFF,
	M_LAN_EXTERNAL,
	M_LAN_MAPPINGS,
	M_LAN_NONE,
	M_LAN_RISKY,
	M_LAN_ADMIN,
	M_LAN_PLAIN_HTTP,
	M_LAN_NOT_PLAIN,
	M_LAN_WIFI,
	M_LAN_NOT_WIFI,
	M_LAN_OPEN_AUTO,
	M_LAN_DEVICES,
	M_LAN_THIS_PC,
	M_LAN_ROLE_ROUTER,
	M_LAN_ROLE_PRINTER,
	M_LAN_ROLE_OTHER,
	M_LAN_FW_BLOCKED,
	M_LAN_FW_OPEN,
	M_LAN_FW_UNKNOWN,
	M_LAN_NO_NEIGHBOURS,
	M_LAN_ANY_DEVICE,
	M_LAN_FINDINGS,
	M_LAN_FIX_RULES,
	M_COUNT
};

/* lang is "ja" or anything else for English. */
const char *msg(const char *lang, enum msg m);
/* The severity's display name ("high", "高"); sev is an enum severity. */
const char *severity_label(const char *lang, int sev);
/* The topic's display name. */
const char *topic_label(const char *lang, const char *topic);
/* "ja" when LANG/LC_ALL/LC_MESSAGES name a ja_* locale, else "en". Pure: pass the values. */
const char *lang_from_env(const char *lc_all, const char *lc_messages, const char *lang);

#endif
