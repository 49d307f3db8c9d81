#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `mamori lan` end to end, in a home made of network namespaces (home_lan.sh): a real
# miniupnpd on the router, an administration page on port 80, a printer and a TV next to the
# PC. An unsafe home (UPnP on, the TV's SMB mapped to the Internet, the admin page on plain
# HTTP, no firewall on the PC) and a safe one (UPnP off, the admin page redirected to HTTPS,
# the PC's firewall as CSAJ asks, with the rules `mamori lan` printed loaded) get their exact
# verdicts, in the report a teleworker reads (English and Japanese) and in the JSON report.
# Nothing leaves the namespaces: the "isp" namespace counts what reaches it, and it must be 0.
#
# usage: test_lan_home.sh MAMORI [PYTHON]; exit 77 (skipped) without root, ip, nft, miniupnpd
# or upnpc.
set -u
MAMORI=$1
PYTHON=${2:-python3}
HERE=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=home_lan.sh
. "$HERE/home_lan.sh"
home_test_begin ip nft miniupnpd upnpc
has() { grep -qF -- "$2" "$1" || fail "$1 lacks \"$2\":
$(cat "$1")"; }

# lan NAME OUT RC ARGS...: mamori lan in the PC's namespace; its exit status must be RC.
lan() {
	local name=$1 out=$2 want=$3 rc
	shift 3
	home_exec "$name" pc "$MAMORI" lan --no-color "$@" >"$out" 2>"$WORK/err"
	rc=$?
	[ "$rc" = "$want" ] || fail "mamori lan $* in $name: exit $rc, expected $want: $(cat "$WORK/err")
$(cat "$out")"
}

# verdicts JSON: "check status" lines of the home-network checks, sorted.
verdicts() {
	"$PYTHON" -c '
import json, sys
for f in sorted(json.load(open(sys.argv[1]))["findings"], key=lambda f: f["check"]):
    if f["check"].startswith(("router-", "firewall-lan", "firewall-active", "firewall-inbound")):
        print(f["check"], f["status"])' "$1"
}

# --- an unsafe home --------------------------------------------------------------------------
U="mlh$$u"
up "$U" upnp=yes admin=plain
ip=$HOME_LAN_SUBNET.30
home_exec "$U" tv upnpc -u "http://$HOME_LAN_SUBNET.1:5000/rootDesc.xml" -e "tv share" \
	-a "$ip" 445 445 TCP >"$WORK/upnpc.log" 2>&1 || fail "upnpc: $(cat "$WORK/upnpc.log")"
# Something that listens on the PC, as file sharing would.
home_exec "$U" pc "$PYTHON" -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 445)); s.listen(); time.sleep(120)' &
LISTENER=$!
home_isp_reset "$U"
lan "$U" "$WORK/u.en" 1 --discover --wait 1200 --lang en
lan "$U" "$WORK/u.ja" 1 --discover --wait 1200 --lang ja
lan "$U" "$WORK/u.json" 1 --wait 1200 --format json
kill "$LISTENER" 2>/dev/null
wait "$LISTENER" 2>/dev/null
has "$WORK/u.en" "mamori home network report"
has "$WORK/u.en" "  Gateway: $HOME_LAN_SUBNET.1"
has "$WORK/u.en" "UPnP port opening: on: programs on the LAN can open ports to the Internet"
has "$WORK/u.en" "  Internet address: $HOME_EXT_IP"
has "$WORK/u.en" "    TCP 445 -> $HOME_LAN_SUBNET.30:445  tv share  !! risky"
has "$WORK/u.en" "Administration page: plain HTTP: its password crosses the LAN unencrypted"
has "$WORK/u.en" "  This PC: $HOME_LAN_SUBNET.10/24 (eth0)"
for host in 1 20 30; do
	grep -qE "^  $HOME_LAN_SUBNET\.$host +[0-9a-f:]{17} .*can reach this PC on .*tcp/445" "$WORK/u.en" ||
		fail "device .$host is not shown as reaching tcp/445: $(cat "$WORK/u.en")"
done
has "$WORK/u.en" "fail     [high] router-no-risky-port-mappings"
has "$WORK/u.en" "router-upnp-off"
has "$WORK/u.en" "fail     [medium] router-admin-not-plain-http"
has "$WORK/u.en" "firewall-lan-devices-blocked"
has "$WORK/u.en" "Firewall rules for this PC that let in only the router and the printers"
has "$WORK/u.en" "ip saddr $HOME_LAN_SUBNET.1 accept"
has "$WORK/u.ja" "mamori 自宅ネットワーク診断"
has "$WORK/u.ja" "!! 危険"
has "$WORK/u.ja" "暗号化なしの HTTP: パスワードが LAN を平文で流れます"
has "$WORK/u.ja" "この PC に接続できるポート:"
has "$WORK/u.ja" "== 見直すべき点 =="
verdicts "$WORK/u.json" >"$WORK/u.verdicts"
diff -u - "$WORK/u.verdicts" <<EOF || fail "unsafe home: verdicts differ"
firewall-active fail
firewall-inbound-deny fail
firewall-lan-devices-blocked fail
router-admin-not-plain-http fail
router-no-risky-port-mappings fail
router-upnp-off fail
EOF
[ "$(home_isp_packets "$U")" = 0 ] || fail "packets reached the isp namespace"
ok "unsafe home: the risky mapping, UPnP, the plain-HTTP admin page and the open PC, in en and ja"

# The rules it offers, loaded on the PC of the same home, keep the TV and the printer out.
"$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["facts"]["lan.firewall_fix"]["value"])' \
	"$WORK/u.json" >"$WORK/fix.nft" || fail "no lan.firewall_fix in the JSON report"
home_exec "$U" pc nft -f "$WORK/fix.nft" || fail "nft -f the offered rules: $(cat "$WORK/fix.nft")"
lan "$U" "$WORK/u2.en" 1 --wait 1200 --lang en
grep -qE "^  $HOME_LAN_SUBNET\.30 +[0-9a-f:]{17} other device +blocked by this PC's firewall" "$WORK/u2.en" ||
	fail "the TV is not blocked after the fix: $(cat "$WORK/u2.en")"
grep -qE "^  $HOME_LAN_SUBNET\.1 +[0-9a-f:]{17} router +can reach this PC" "$WORK/u2.en" ||
	fail "the router lost its way in: $(cat "$WORK/u2.en")"
ok "the offered rules load and keep the other devices out"

# --- a safe home -----------------------------------------------------------------------------
S="mlh$$s"
up "$S" upnp=no admin=redirect
home_exec "$S" pc nft -f - <<EOF || fail "the PC's firewall"
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		iif "lo" accept
		ip saddr $HOME_LAN_SUBNET.1 accept
	}
}
EOF
home_isp_reset "$S"
lan "$S" "$WORK/s.json" 0 --discover --wait 1200 --format json
lan "$S" "$WORK/s.en" 0 --wait 1200 --lang en
verdicts "$WORK/s.json" >"$WORK/s.verdicts"
diff -u - "$WORK/s.verdicts" <<EOF || fail "safe home: verdicts differ"
firewall-active pass
firewall-inbound-deny pass
firewall-lan-devices-blocked pass
router-admin-not-plain-http pass
router-no-risky-port-mappings pass
router-upnp-off pass
EOF
has "$WORK/s.en" "UPnP port opening: off"
has "$WORK/s.en" "Administration page: not served over plain HTTP"
grep -qE "^  $HOME_LAN_SUBNET\.30 +[0-9a-f:]{17} other device +blocked by this PC's firewall" "$WORK/s.en" ||
	fail "the TV: $(cat "$WORK/s.en")"
grep -qF "Firewall rules for this PC" "$WORK/s.en" && fail "rules offered in a safe home"
[ "$(home_isp_packets "$S")" = 0 ] || fail "packets reached the isp namespace"
ok "safe home: every home-network check passes, nothing to change"
