/* SPDX-License-Identifier: Apache-2.0 */
/* The one table of Linux probe families. Each reads what it needs through the shared cache,
 * so order does not change any fact; packages comes first because it reads the apt lists on
 * a thread of its own (probe_defer), which then overlaps every other probe. */
#include "probes/linux/probes.h"

const struct probe probes[] = {
	{"host", "linux", probe_host_collect, "hostname, machine-id, DMI serial and model"},
	{"packages", "linux", probe_packages_collect,
	 "installed dpkg packages, snaps and flatpaks; packages no apt list offers"},
	{"ssh", "linux", probe_ssh_collect, "sshd effective configuration (sshd_config, Include, Match), service and sockets"},
	{"pam", "linux", probe_pam_collect, "PAM password and auth stacks, pwquality/cracklib/passwdqc, faillock/tally2"},
	{"accounts", "linux", probe_accounts_collect, "passwd, shadow, group, sudoers: UID 0, empty passwords, sudo users"},
	{"wifi", "linux", probe_wifi_collect,
	 "saved Wi-Fi profiles: NetworkManager keyfiles, wpa_supplicant.conf"},
	{"os", "linux", probe_os_collect,
	 "os-release and the release's support dates (distro-info-data)"},
	{"patch", "linux", probe_patch_collect,
	 "pending security updates and list freshness from dpkg status and apt lists"},
	{"timesync", "linux", probe_timesync_collect, "time sync service, its servers, clock state"},
	{"logs", "linux", probe_logs_collect, "journald storage and retention, syslog, logrotate"},
	{"firewall", "linux", probe_firewall_collect,
	 "effective inbound filtering: live nftables ruleset, else ufw/firewalld/nftables/iptables configuration"},
	{"usb", "linux", probe_usb_collect,
	 "usb-storage blocked in modprobe.d or by USBGuard, and loaded now?"},
	{"bluetooth", "linux", probe_bluetooth_collect,
	 "Bluetooth adapters, rfkill, bluetooth.service, BlueZ pairings and discoverability"},
	{"antivirus", "linux", probe_antivirus_collect, "antivirus products, on-access scanning, ClamAV definitions and scans"},
	{"remote_tools", "linux", probe_remote_tools_collect, "remote-control tools installed or running"},
	{"disk", "linux", probe_disk_collect,
	 "/ and /home on dm-crypt/LUKS: mountinfo, sysfs device stacks, crypttab"},
	{"sharing", "linux", probe_sharing_collect,
	 "file sharing and discovery: Samba, NFS and exports, avahi (mDNS), wsdd (WS-Discovery)"},
	{"screenlock", "linux", probe_screenlock_collect,
	 "desktop screen lock: GNOME schema overrides and dconf system databases, KDE kscreenlockerrc"},
	{"rdp", "linux", probe_rdp_collect,
	 "remote-desktop servers: xrdp (xrdp.ini port), VNC servers, GNOME Remote Desktop, krfb"},
	{"legacy", "linux", probe_legacy_collect,
	 "Samba smb.conf (with includes): SMB1 and NTLMv1/LANMAN for server and client"},
	{"tls", "linux", probe_tls_collect,
	 "system OpenSSL defaults: openssl.cnf MinProtocol and @SECLEVEL, libssl version"},
	/* @probe-table: each probe family adds its row above this line */
};

const size_t probes_count = sizeof(probes) / sizeof(probes[0]);
