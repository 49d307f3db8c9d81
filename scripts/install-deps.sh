#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages mamori builds and tests with, when any is missing.
set -eu
pkgs=(build-essential cmake pkg-config clang libyaml-dev libjansson-dev liblz4-dev
      libnftables-dev libcmocka-dev python3-jsonschema python3-yaml
      libxlsxwriter-dev libminizip-dev zlib1g-dev libexpat1-dev libcsv-dev python3-openpyxl
      libmicrohttpd-dev libgnutls28-dev libssl-dev libsqlite3-dev libpq-dev
      libcurl4-openssl-dev libcjson-dev libargon2-dev liboath-dev libqrencode-dev
      postgresql curl openssl
      nginx freeradius freeradius-rest freeradius-utils eapoltest wrk
      chromium nodejs fonts-ipafont-gothic
      wpasupplicant libminiupnpc-dev miniupnpd miniupnpc nftables iproute2)
# The dashboard's browser test (tests/browser/) runs Playwright on node (a Japanese font so that
# its Japanese screenshots show the text); Debian's node comes
# without npm, a node from elsewhere (e.g. NodeSource) with its own.
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "missing packages; run as root or: sudo apt-get install ${missing[*]}" >&2
	exit 2
fi
export DEBIAN_FRONTEND=noninteractive
# nginx and FreeRADIUS are there for the tests (the access gate's peers), which run their own
# on free ports: their packages must not start the system services (port 80, 1812).
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
