/* SPDX-License-Identifier: Apache-2.0 */
/* The Linux probe families' entry points; registry.c lists them. */
#ifndef MAMORI_LINUX_PROBES_H
#define MAMORI_LINUX_PROBES_H

#include "probes/probe.h"

int probe_host_collect(struct probe_ctx *ctx);
int probe_ssh_collect(struct probe_ctx *ctx);
int probe_pam_collect(struct probe_ctx *ctx);
int probe_accounts_collect(struct probe_ctx *ctx);
int probe_wifi_collect(struct probe_ctx *ctx);
int probe_os_collect(struct probe_ctx *ctx);
int probe_packages_collect(struct probe_ctx *ctx);
int probe_patch_collect(struct probe_ctx *ctx);
int probe_timesync_collect(struct probe_ctx *ctx);
int probe_logs_collect(struct probe_ctx *ctx);
int probe_firewall_collect(struct probe_ctx *ctx);
int probe_usb_collect(struct probe_ctx *ctx);
int probe_bluetooth_collect(struct probe_ctx *ctx);
int probe_antivirus_collect(struct probe_ctx *ctx);
int probe_remote_tools_collect(struct probe_ctx *ctx);
int probe_disk_collect(struct probe_ctx *ctx);
int probe_sharing_collect(struct probe_ctx *ctx);
int probe_screenlock_collect(struct probe_ctx *ctx);
int probe_rdp_collect(struct probe_ctx *ctx);
int probe_legacy_collect(struct probe_ctx *ctx);
int probe_tls_collect(struct probe_ctx *ctx);
int probe_lan_collect(struct probe_ctx *ctx);
int probe_router_collect(struct probe_ctx *ctx);
/* @probe-decls: each probe family adds its declaration above this line */

#endif
