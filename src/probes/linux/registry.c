/* SPDX-License-Identifier: Apache-2.0 */
/* The one table of Linux probe families. Each reads what it needs through the shared cache,
 * so order does not change any fact; packages comes first because it reads the apt lists on
 * a thread of its own (probe_defer), which then overlaps every other probe. */
#include "probes/linux/probes.h"

const struct probe probes[] = {
	{"host", "linux", probe_host_collect, "hostname, machine-id, DMI serial and model", false},
	{"packages", "linux", probe_packages_collect,
	 "installed dpkg packages, snaps and flatpaks; packages no apt list offers", true},
	{"ssh", "linux", probe_ssh_collect, "sshd effective configuration (sshd_config, Include, Match), service and sockets", false},
	{"pam", "linux", probe_pam_collect, "PAM password and auth stacks, pwquality/cracklib/passwdqc, faillock/tally2", false},
	{"accounts", "linux", probe_accounts_collect, "passwd, shadow, group, sudoers: UID 0, empty passwords, sudo users", false},
	{"wifi", "linux", probe_wifi_collect,
	 "saved Wi-Fi profiles (NetworkManager keyfiles, wpa_supplicant.conf) and the link in "
	 "use now (wpa_supplicant STATUS, NetworkManager device state)",
	 false},
	{"os", "linux", probe_os_collect,
	 "os-release and the release's support dates (distro-info-data)", false},
	{"patch", "linux", probe_patch_collect,
	 "pending security updates and list freshness from dpkg status and apt lists", false},
	{"timesync", "linux", probe_timesync_collect, "time sync service, its servers, clock state", false},
	{"logs", "linux", probe_logs_collect, "journald storage and retention, syslog, logrotate", false},
	{"firewall", "linux", probe_firewall_collect,
	 "effective inbound filtering: live nftables ruleset, else ufw/firewalld/nftables/iptables configuration", false},
	{"usb", "linux", probe_usb_collect,
	 "usb-storage blocked in modprobe.d or by USBGuard, and loaded now?", false},
	{"bluetooth", "linux", probe_bluetooth_collect,
	 "Bluetooth adapters, rfkill, bluetooth.service, BlueZ pairings and discoverability", false},
	{"antivirus", "linux", probe_antivirus_collect, "antivirus products, on-access scanning, ClamAV definitions and scans", false},
	{"remote_tools", "linux", probe_remote_tools_collect, "remote-control tools installed or running", false},
	{"disk", "linux", probe_disk_collect,
	 "/ and /home on dm-crypt/LUKS: mountinfo, sysfs device stacks, crypttab", false},
	{"sharing", "linux", probe_sharing_collect,
	 "file sharing and discovery: Samba, NFS and exports, avahi (mDNS), wsdd (WS-Discovery)", false},
	{"screenlock", "linux", probe_screenlock_collect,
	 "desktop screen lock: GNOME schema overrides and dconf system databases, KDE kscreenlockerrc", false},
	{"rdp", "linux", probe_rdp_collect,
	 "remote-desktop servers: xrdp (xrdp.ini port), VNC servers, GNOME Remote Desktop, krfb", false},
	{"legacy", "linux", probe_legacy_collect,
	 "Samba smb.conf (with includes): SMB1 and NTLMv1/LANMAN for server and client", false},
	{"tls", "linux", probe_tls_collect,
	 "system OpenSSL defaults: openssl.cnf MinProtocol and @SECLEVEL, libssl version", false},
	{"lan", "linux", probe_lan_collect,
	 "the home LAN: default route, neighbours (ARP/NDP, --discover sweep), CUPS printers, "
	 "which neighbours the nftables ruleset lets in",
	 true},
	{"router", "linux", probe_router_collect,
	 "the default gateway; with network probes on, its UPnP IGD (port mappings, model) and admin page",
	 true},
	/* @probe-table: each probe family adds its row above this line (early: see probe.h) */
};

const size_t probes_count = sizeof(probes) / sizeof(probes[0]);
