/* SPDX-License-Identifier: Apache-2.0 */
/* The wifi family's pure parsers: NetworkManager keyfiles and wpa_supplicant.conf. They take a
 * buffer, do no I/O and never copy a pre-shared key: only its length leaves the parser. */
#ifndef MAMORI_LINUX_WIFI_H
#define MAMORI_LINUX_WIFI_H

#include <stdbool.h>
#include <stddef.h>

struct probe_ctx;

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

/* The same, also giving the global ctrl_interface= value (the last one, as wpa_supplicant
 * applies them; "" when none) and its line. */
int wpa_supplicant_parse_ctrl(const char *buf, size_t len, wifi_profile_fn fn, void *ud, char *ctrl,
			      size_t ctrllen, int *ctrl_line, int *bad_line, char *why,
			      size_t whylen);

/* The directory of a ctrl_interface value: "/run/wpa_supplicant" or the DIR= part of
 * "DIR=/run/wpa_supplicant GROUP=netdev". False when it names none (empty, relative, a UDP
 * port) or the directory does not fit in out. */
bool wpa_ctrl_dir(const char *value, char *out, size_t outlen);

/* The UUID of a NetworkManager tombstone: "<UUID>.nmmeta", a symlink to /dev/null in
 * /etc/NetworkManager/system-connections or /run/NetworkManager/system-connections that hides
 * the profile with that UUID from the directories below it. Writes the lower-cased UUID to out
 * (at least 37 bytes) and returns true when name has that form. */
bool nm_nmmeta_uuid(const char *name, char *out, size_t outlen);

/* ---- the link in use now (wifi_link.c) ---- */

/* What wpa_supplicant's control interface answers to STATUS (key=value lines). Values not in
 * the reply are "". */
struct wpa_status {
	char wpa_state[32]; /* COMPLETED, DISCONNECTED, SCANNING, 4WAY_HANDSHAKE, ... */
	char ssid[33];	    /* decoded bytes; a control byte becomes '?' */
	char bssid[24];
	char key_mgmt[48];	  /* "WPA2-PSK", "SAE", "WPA2/IEEE 802.1X/EAP", "NONE", ... */
	char pairwise_cipher[24]; /* "CCMP", "TKIP", "WEP-104", "NONE", ... */
	char group_cipher[24];
	char mode[24]; /* "station", "AP", "P2P GO", ... */
	char id_str[128];
	int id; /* the network block's id; -1 when absent */
	int wpa_state_line;
};

/* Parses a STATUS reply (at most 64 KiB). Returns 0, or MAMORI_EPARSE with *bad_line (0 for
 * the whole reply) and why set: FAIL or UNKNOWN COMMAND, a NUL byte, a line that is not
 * key=value, an over-long value, no wpa_state line. The first value of a key wins. */
int wpa_status_parse(const char *buf, size_t len, struct wpa_status *out, int *bad_line, char *why,
		     size_t whylen);

/* The security of a negotiated link from STATUS's key_mgmt and ciphers, in the vocabulary of
 * wifi.profiles (never WIFI_SEC_WPA2_WPA3: a link uses one method). Returns false when it
 * cannot be told (an unknown or ambiguous key_mgmt, a cipher missing or unknown); note always
 * says how it was decided. */
bool wifi_link_classify(const char *key_mgmt, const char *pairwise, const char *group,
			enum wifi_sec *sec, char *note, size_t notelen);

/* NetworkManager's runtime state of one device, /run/NetworkManager/devices/IFINDEX: its
 * [device] group (later [dhcp4] and [dhcp6] groups are skipped whatever they hold). */
struct nm_device_state {
	int managed;		  /* 1, 0, or -1 when absent or not a boolean */
	char connection_uuid[40]; /* lower-cased; "" when the device has no connection */
	int uuid_line;
};
/* Returns 0, or MAMORI_EPARSE with *bad_line and why set (a [device] line that is not
 * key=value or longer than 4096 bytes, a connection-uuid that cannot be a UUID). */
int nm_device_state_parse(const char *buf, size_t len, struct nm_device_state *out, int *bad_line,
			  char *why, size_t whylen);

/* What wifi.c learnt that the link part needs: the saved profiles and wpa_supplicant's
 * control directories named by its configuration files. */
struct wifi_saved {
	char uuid[40]; /* NetworkManager profiles only */
	char id[128];
	char ssid[128];
	enum wifi_sec security;
	bool from_nm;
	char *file;
};
#define WIFI_MAX_CTRL_DIRS 8
struct wifi_known {
	struct wifi_saved *v;
	size_t n, cap;
	bool profiles_known; /* wifi.profiles was recorded (not unknown) */
	struct {
		char dir[256];
		char file[256];
		int line;
	} ctrl[WIFI_MAX_CTRL_DIRS];
	size_t nctrl;
};
void wifi_known_free(struct wifi_known *k);

/* Records wifi.links and wifi.supplicant_interfaces (docs/probes/wifi.md). */
int wifi_links_collect(struct probe_ctx *ctx, const struct wifi_known *k);

#endif
