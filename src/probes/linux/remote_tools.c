/* SPDX-License-Identifier: Apache-2.0 */
/* rat.*: remote-control tools (TeamViewer, AnyDesk, ...) installed or running. A telework PC
 * that anyone can control from outside is a stepping stone into the office network. Only
 * tools that let others control this machine count: viewers and clients (Remmina, vncviewer)
 * do not. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/probes.h"

struct rat_tool {
	const char *name;    /* normalized name, as in $allowed_remote_access_tools */
	const char *pkgs[3]; /* fnmatch patterns over installed package names */
	const char *dirs[3]; /* paths, last component may be a glob */
	const char *procs[3];
};

static const struct rat_tool tools[] = {
    {"teamviewer", {"teamviewer", "teamviewer-host"}, {"/opt/teamviewer"}, {"teamviewerd"}},
    {"anydesk", {"anydesk"}, {"/usr/share/anydesk"}, {"anydesk"}},
    {"rustdesk", {"rustdesk"}, {"/usr/share/rustdesk", "/usr/lib/rustdesk"}, {"rustdesk"}},
    {"chrome-remote-desktop",
     {"chrome-remote-desktop"},
     {"/opt/google/chrome-remote-desktop"},
     {"chrome-remote-desktop-host"}},
    {"nomachine", {"nomachine", "nomachine-enterprise-*"}, {"/usr/NX"}, {"nxserver.bin", "nxd"}},
    {"realvnc", {"realvnc-vnc-server"}, {NULL}, {"vncserver-x11-core", "vncserver-x11-serviced"}},
    {"splashtop", {"splashtop-streamer"}, {"/opt/splashtop-streamer"}, {NULL}},
    {"dwservice", {NULL}, {"/usr/share/dwagent"}, {NULL}},
    {"screenconnect",
     {"connectwisecontrol-*", "screenconnect-*"},
     {"/opt/screenconnect-*", "/opt/connectwisecontrol-*"},
     {NULL}},
    {"zoho-assist", {"zoho-assist*"}, {"/usr/local/ZohoAssist"}, {NULL}},
};
#define NTOOLS (sizeof(tools) / sizeof(tools[0]))

/* Appends "; what" to how (which starts empty). */
static void how_add(char *how, size_t howlen, const char *what)
{
	size_t l = strlen(how);
	if (l < howlen)
		snprintf(how + l, howlen - l, "%s%s", l ? "; " : "", what);
}

int probe_remote_tools_collect(struct probe_ctx *ctx)
{
	const struct dpkg_pkg *pkgs;
	size_t npkgs;
	char dwhy[256], pwhy[256] = "";
	/* Packages are the main evidence: without them "nothing found" would be a guess. */
	if (pkg_list(ctx, &pkgs, &npkgs, dwhy, sizeof(dwhy)))
		return facts_put_unknown(ctx->facts, "rat.found", NULL, 0, "%s", dwhy);
	json_t *found = json_array();
	if (found == NULL)
		return MAMORI_ENOMEM;
	bool proc_ok = true;
	for (size_t t = 0; t < NTOOLS; t++) {
		const struct rat_tool *tl = &tools[t];
		char how[1024] = "", one[512];
		for (size_t k = 0; k < 3 && tl->pkgs[k]; k++) {
			for (size_t i = 0; i < npkgs; i++) {
				if (fnmatch(tl->pkgs[k], pkgs[i].name, 0) != 0)
					continue;
				snprintf(one, sizeof(one), "package %s %s", pkgs[i].name,
					 pkgs[i].version);
				how_add(how, sizeof(how), one);
			}
		}
		for (size_t k = 0; k < 3 && tl->dirs[k]; k++) {
			char **paths;
			size_t n;
			if (rootfs_glob(ctx, tl->dirs[k], &paths, &n))
				continue;
			for (size_t i = 0; i < n; i++)
				how_add(how, sizeof(how), paths[i]);
			rootfs_names_free(paths);
		}
		for (size_t k = 0; k < 3 && tl->procs[k]; k++) {
			int r = proc_running(ctx, tl->procs[k], pwhy, sizeof(pwhy));
			if (r < 0)
				proc_ok = false;
			if (r == 1) {
				snprintf(one, sizeof(one), "process %s", tl->procs[k]);
				how_add(how, sizeof(how), one);
			}
		}
		if (!how[0])
			continue;
		json_t *o = json_pack("{s:s, s:s}", "name", tl->name, "how", how);
		if (o == NULL || json_array_append_new(found, o)) {
			json_decref(found);
			return MAMORI_ENOMEM;
		}
	}
	char note[512];
	snprintf(
	    note, sizeof(note), "installed packages, install directories%s%s",
	    proc_ok ? " and running processes" : "; processes not seen: ", proc_ok ? "" : pwhy);
	return facts_put(ctx->facts, "rat.found", found, "/var/lib/dpkg/status", 0, note);
}
