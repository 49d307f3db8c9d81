#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The wifi family's control-socket path against a REAL wpa_supplicant: in a network namespace
# with a veth pair, wpa_supplicant runs with the wired driver (-Dwired, key_mgmt=NONE, so it
# reaches COMPLETED on its own) and its control socket answers STATUS for real. `mamori facts
# --probe wifi` then runs in that namespace and in a private mount namespace (a fresh /run,
# the socket directory bound over /run/wpa_supplicant, a private /tmp as the agent's
# PrivateTmp=yes gives it) and must:
#   1. find the socket in /run/wpa_supplicant, read wpa_state COMPLETED and key_mgmt NONE, and
#      NOT report the veth as a Wi-Fi link (it is not wireless: no /sys/class/net/X/wireless);
#   2. find it through ctrl_interface=DIR=... GROUP=... of /etc/wpa_supplicant/*.conf alone;
#   3. as an unprivileged user, report the socket's permission error;
#   4. while wpa_supplicant is stopped, give up after 300 ms;
#   5. after wpa_supplicant is killed, report the socket left behind as not answering.
# A veth cannot be made wireless without faking sysfs, so wifi.links stays empty here: the
# links themselves are tested with fixtures (tests/fixtures/wifi-link-*) and unit tests.
# Usage: test_wifi_link.sh MAMORI [PYTHON]. Exit 77 (skipped) without root, ip or wpa_supplicant.
set -euo pipefail

MAMORI=$(readlink -f "$1")
PYTHON=${2:-python3}
[ "$(id -u)" = 0 ] || { echo "skip: needs root (network and mount namespaces)"; exit 77; }
WPA=$(command -v wpa_supplicant || true)
[ -n "$WPA" ] || { echo "skip: wpa_supplicant is not installed (package wpasupplicant)"; exit 77; }
command -v ip >/dev/null || { echo "skip: ip (iproute2) is not installed"; exit 77; }
command -v unshare >/dev/null || { echo "skip: unshare (util-linux) is not installed"; exit 77; }

WORK=$(mktemp -d /tmp/mamori-wifi-link.XXXXXX)
chmod 755 "$WORK"
NS=mamori-wifi-$$
IF=mwa$$
PEER=mwb$$
WPA_PID=
cleanup() {
	if [ -n "$WPA_PID" ]; then
		kill "$WPA_PID" 2>/dev/null || true
		wait "$WPA_PID" 2>/dev/null || true
	fi
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; [ -f "$WORK/wpa.log" ] && tail -20 "$WORK/wpa.log" >&2; exit 1; }
ok() { echo "ok: $*"; }

ip netns add "$NS" || fail "cannot create network namespace $NS"
ip -n "$NS" link add "$IF" type veth peer name "$PEER"
ip -n "$NS" link set lo up
ip -n "$NS" link set "$IF" up
ip -n "$NS" link set "$PEER" up

mkdir -p "$WORK/ctrl" "$WORK/etc-empty" "$WORK/etc-wpa"
cat >"$WORK/wpa.conf" <<EOF
ctrl_interface=DIR=$WORK/ctrl GROUP=root
ap_scan=0
network={
	key_mgmt=NONE
	id_str="wired-test"
}
EOF
# What an ifupdown setup keeps in /etc/wpa_supplicant: the same file, seen by the probe.
cp "$WORK/wpa.conf" "$WORK/etc-wpa/wpa_supplicant-$IF.conf"

ip netns exec "$NS" "$WPA" -Dwired -i "$IF" -c "$WORK/wpa.conf" >"$WORK/wpa.log" 2>&1 &
WPA_PID=$!
state=
for _ in $(seq 1 50); do
	if [ -S "$WORK/ctrl/$IF" ]; then
		state=$(ip netns exec "$NS" wpa_cli -p "$WORK/ctrl" -i "$IF" status 2>/dev/null |
			sed -n 's/^wpa_state=//p' || true)
		[ "$state" = COMPLETED ] && break
	fi
	kill -0 "$WPA_PID" 2>/dev/null || fail "wpa_supplicant exited"
	sleep 0.1
done
[ "$state" = COMPLETED ] || fail "wpa_supplicant did not reach COMPLETED (state: ${state:-none})"
ok "wpa_supplicant $("$WPA" -v | head -1 | sed 's/^wpa_supplicant //') on $IF: COMPLETED"

# probe OUT ETC_DIR MODE [setpriv args...]: mamori facts --probe wifi in the namespace, with
# a fresh /run and ETC_DIR over /etc/wpa_supplicant. MODE run: the socket directory bound at
# /run/wpa_supplicant and a private /tmp (it hides $WORK, so the binds come first); MODE conf:
# nothing at /run/wpa_supplicant, /tmp kept (the configuration names a directory in $WORK).
probe() {
	local out=$1 etc=$2 bind=$3
	shift 3
	# shellcheck disable=SC2016 # the inner script expands its own arguments
	ip netns exec "$NS" unshare -m --propagation private /bin/sh -c '
		set -e
		work=$1 etc=$2 bind=$3 mamori=$4
		shift 4
		mount -t tmpfs -o mode=755 tmpfs /run
		# The build may live under /tmp, which a private /tmp hides: run a copy from /run.
		cp "$mamori" /run/mamori-under-test
		mamori=/run/mamori-under-test
		mount --bind "$etc" /etc/wpa_supplicant
		if [ "$bind" = run ]; then
			mkdir /run/wpa_supplicant
			mount --bind "$work/ctrl" /run/wpa_supplicant
			mount -t tmpfs tmpfs /tmp
		fi
		exec "$@" "$mamori" facts --probe wifi
	' sh "$WORK" "$etc" "$bind" "$MAMORI" "$@" >"$out" 2>"$WORK/err" ||
		fail "mamori facts: $(cat "$WORK/err")"
}

# check FILE PYTHON-ASSERTIONS: f is the facts, links/sup the two facts' objects.
check() {
	"$PYTHON" - "$1" "$IF" "$WORK" <<EOF || fail "$1: unexpected facts: $(cat "$1")"
import json, sys
f = json.load(open(sys.argv[1]))
iface, work = sys.argv[2], sys.argv[3]
links = f["wifi.links"]
sup = f["wifi.supplicant_interfaces"]
$2
EOF
}

# 1. The socket in /run/wpa_supplicant answers STATUS: a wired interface, not a Wi-Fi link.
probe "$WORK/f1.json" "$WORK/etc-empty" run
check "$WORK/f1.json" '
assert sup["value"] == [{"interface": iface, "wireless": False, "wpa_state": "COMPLETED",
                         "key_mgmt": "NONE", "source": "/run/wpa_supplicant/" + iface,
                         "error": None}], sup
assert links["value"] == [], links
assert iface + ": wpa_supplicant reports COMPLETED, key_mgmt NONE, but it is not a wireless" \
    in links["note"], links["note"]
assert "no wireless interface" in links["note"], links["note"]
'
ok "/run/wpa_supplicant/$IF: STATUS read (COMPLETED, key_mgmt NONE); not a Wi-Fi link"

# 2. No /run/wpa_supplicant: the directory comes from ctrl_interface=DIR=... GROUP=root.
probe "$WORK/f2.json" "$WORK/etc-wpa" conf
check "$WORK/f2.json" '
assert sup["value"] == [{"interface": iface, "wireless": False, "wpa_state": "COMPLETED",
                         "key_mgmt": "NONE", "source": work + "/ctrl/" + iface,
                         "error": None}], sup
assert links["value"] == [], links
p = f["wifi.profiles"]["value"]
assert [(x["id"], x["security"]) for x in p] == [("wired-test", "open")], p
'
ok "ctrl_interface=DIR=$WORK/ctrl from /etc/wpa_supplicant/*.conf: socket found and read"

# 3. Unprivileged. wpa_supplicant closed its directory to others (chmod 0770 under the
# umask): nobody cannot even tell whether a
# socket is there, so the list is unknown; with the directory opened up (0755), the socket
# itself (srwxrwx--- root:root) refuses the connection.
mode=$(stat -c %a "$WORK/ctrl")
[ "${mode: -1}" = 0 ] || fail "wpa_supplicant left its directory open to others (mode $mode)"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
probe "$WORK/f3.json" "$WORK/etc-empty" run "${NOBODY[@]}"
check "$WORK/f3.json" '
assert sup.get("value") is None, sup
assert sup["unknown"] == "/run/wpa_supplicant: permission denied (run as root or in its group)", sup
assert links["value"] == [], links
'
ok "as nobody, directory $mode: wifi.supplicant_interfaces unknown (permission denied)"
chmod 755 "$WORK/ctrl"
probe "$WORK/f3b.json" "$WORK/etc-empty" run "${NOBODY[@]}"
check "$WORK/f3b.json" '
assert len(sup["value"]) == 1, sup
e = sup["value"][0]
assert e["interface"] == iface and e["wpa_state"] is None and e["key_mgmt"] is None, e
assert e["error"] == "/run/wpa_supplicant/" + iface + \
    ": permission denied (run as root or in the socket\x27s group)", e
assert links["value"] == [], links
'
ok "as nobody, directory 0755: the socket refuses the connection"
chmod "$mode" "$WORK/ctrl"

# 4. wpa_supplicant stopped (SIGSTOP): the request times out after 300 ms instead of hanging.
kill -STOP "$WPA_PID"
t0=$(date +%s%N)
probe "$WORK/f4s.json" "$WORK/etc-empty" run
t1=$(date +%s%N)
kill -CONT "$WPA_PID"
check "$WORK/f4s.json" '
e = sup["value"][0]
assert e["wpa_state"] is None and e["error"].endswith("no answer within 300 ms"), e
'
ok "wpa_supplicant stopped: no answer within 300 ms (the probe took $(((t1 - t0) / 1000000)) ms)"

# 5. wpa_supplicant killed: its socket stays behind, and nothing answers on it.
kill -KILL "$WPA_PID"
wait "$WPA_PID" 2>/dev/null || true
WPA_PID=
[ -S "$WORK/ctrl/$IF" ] || fail "the socket was removed: cannot test a stale socket"
probe "$WORK/f4.json" "$WORK/etc-empty" run
check "$WORK/f4.json" '
e = sup["value"][0]
assert e["wpa_state"] is None and "nothing listens" in e["error"], e
assert links["value"] == [], links
'
ok "stale socket after kill -9: reported as not answering"
echo "PASS"
