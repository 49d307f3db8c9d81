/* SPDX-License-Identifier: Apache-2.0 */
/* The wifi family's pure parsers: NetworkManager keyfiles and wpa_supplicant.conf. They take a
 * buffer, do no I/O and never copy a pre-shared key: only its length leaves the parser. */
#ifndef MAMORI_LINUX_WIFI_H
#define MAMORI_LINUX_WIFI_H

#include <stdbool.h>
#include <stddef.h>

enum wifi_sec {
	WIFI_SEC_OPEN,	     /* no encryption at all */
	WIFI_SEC_OWE,	     /* Enhanced Open: encrypted, but anyone may join */
	WIFI_SEC_WEP,	     /* static or dynamic (802.1X) WEP */
	WIFI_SEC_WPA,	     /* WPA1 only */
	WIFI_SEC_WPA_TKIP,   /* WPA2 limited to TKIP */
	WIFI_SEC_WPA2,	     /* WPA2-Personal (CCMP allowed) */
	WIFI_SEC_WPA3,	     /* WPA3-Personal (SAE) */
	WIFI_SEC_WPA2_WPA3,  /* WPA2/WPA3 transition (PSK and SAE) */
	WIFI_SEC_ENTERPRISE, /* 802.1X with WPA/WPA2/WPA3-Enterprise */
};

/* "open", "owe", "wep", "wpa", "wpa-tkip", "wpa2", "wpa3", "wpa2-wpa3", "enterprise". */
const char *wifi_security_name(enum wifi_sec s);
/* True for the security types protected by a pre-shared key. */
bool wifi_security_uses_psk(enum wifi_sec s);

struct wifi_profile {
	char id[128];
	char
	    uuid[40]; /* [connection] uuid, lower-cased; "" when absent (NetworkManager keyfiles) */
	char ssid[128];
	char mode[32]; /* "infrastructure", "ap", "adhoc", ... ("" when unset) */
	enum wifi_sec security;
	int psk_length; /* characters; -1 when not stored here (agent, keyring, absent) */
	bool autoconnect;
	int line;	/* the line that decided security (key-mgmt, or the block start) */
	char note[160]; /* how security and psk_length were derived */
};

/* Classifies one NetworkManager keyfile. On success *is_wifi says whether it is a Wi-Fi
 * connection at all; *out is filled when it is, and otherwise only out->uuid is (a profile of
 * any type shadows a lower-priority file with the same UUID). Returns 0, MAMORI_EPARSE with
 * *bad_line and why set (an unknown key-mgmt, a bad boolean, a line that is not key=value). */
int nm_keyfile_parse(const char *buf, size_t len, struct wifi_profile *out, bool *is_wifi,
		     int *bad_line, char *why, size_t whylen);

/* Calls fn for each network={...} block of a wpa_supplicant configuration. Returns 0, fn's
 * non-zero value, or MAMORI_EPARSE with *bad_line and why set. */
typedef int (*wifi_profile_fn)(const struct wifi_profile *p, void *ud);
int wpa_supplicant_parse(const char *buf, size_t len, wifi_profile_fn fn, void *ud, int *bad_line,
			 char *why, size_t whylen);

/* The UUID of a NetworkManager tombstone: "<UUID>.nmmeta", a symlink to /dev/null in
 * /etc/NetworkManager/system-connections or /run/NetworkManager/system-connections that hides
 * the profile with that UUID from the directories below it. Writes the lower-cased UUID to out
 * (at least 37 bytes) and returns true when name has that form. */
bool nm_nmmeta_uuid(const char *name, char *out, size_t outlen);

#endif
