#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The router probe against a real home router in network namespaces (home_lan.sh): a real
# miniupnpd with mappings that the TV and the PC add with upnpc, an admin page on port 80.
# `mamori facts --probe router` and `mamori scan --format json` run inside the PC's namespace
# with network probes on; the exact facts and verdicts are asserted for a safe home, an
# unsafe one and one in between, and with network probes off nothing is sent at all.
#
# No packet can leave the namespaces: they are linked only to each other (asserted below:
# every veth's peer is in one of this run's namespaces, none in the host's), the PC's only
# routes are its LAN and the router, and the router's only way out is the "isp" namespace,
# which routes nowhere and counts every IPv4 packet that reaches it: the count must be 0.
#
# usage: test_lan_router.sh MAMORI [PYTHON]; exit 77 (skipped) without root, ip, nft,
# miniupnpd or upnpc.
set -u
MAMORI=$1
PYTHON=${2:-python3}
HERE=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=home_lan.sh
. "$HERE/home_lan.sh"
home_test_begin ip nft miniupnpd upnpc

WAIT=1200 # what `mamori scan` uses: silence before that proves nothing

# map NAME HOST EXT PROTO DESC: HOST asks the router for a mapping of EXT to itself, through
# the IGD's description URL (upnpc's own discovery would wait 2 s).
map() {
	local name=$1 host=$2 ext=$3 proto=$4 desc=$5 ip
	ip=$(home_exec "$name" "$host" ip -4 -o addr show dev eth0 | grep -o 'inet [0-9.]*' | cut -d' ' -f2)
	home_exec "$name" "$host" upnpc -u "http://$HOME_LAN_SUBNET.1:5000/rootDesc.xml" -e "$desc" \
		-a "$ip" "$ext" "$ext" "$proto" >"$WORK/upnpc.log" 2>&1 ||
		fail "upnpc on $host: $(cat "$WORK/upnpc.log")"
	grep -q "is redirected to internal $ip:$ext" "$WORK/upnpc.log" ||
		fail "the router did not map $proto $ext for $host: $(cat "$WORK/upnpc.log")"
}

# facts NAME OUT [ARGS]: mamori facts --probe router in the PC's namespace; prints the time it
# took in milliseconds.
facts() {
	local name=$1 out=$2 t0 t1
	shift 2
	t0=$(date +%s%N)
	home_exec "$name" pc "$MAMORI" facts --probe router "$@" >"$out" 2>"$WORK/err" ||
		fail "mamori facts in $name: $(cat "$WORK/err")"
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

scan() {
	local name=$1 out=$2
	home_exec "$name" pc "$MAMORI" scan --format json --net-wait "$WAIT" --only router-exposure \
		>"$out" 2>"$WORK/err"
	[ $? -le 1 ] || fail "mamori scan in $name: $(cat "$WORK/err")"
}

# check FACTS SCAN: asserts with Python; the expectations come on stdin as Python code that
# sees `f` (fact name -> the fact's JSON) and `v` (check id -> finding).
check() {
	"$PYTHON" - "$1" "$2" 3<&0 <<'EOF' || fail "assertions on $1"
import json, sys
f = json.load(open(sys.argv[1]))
rep = json.load(open(sys.argv[2])) if sys.argv[2] != "-" else {"findings": []}
v = {x["check"]: x for x in rep.get("findings", rep.get("results", []))}
def eq(a, b, what):
    if a != b:
        sys.exit("%s: %r, expected %r" % (what, a, b))
def val(name):
    if "value" not in f[name]:
        sys.exit("%s is unknown: %s" % (name, f[name].get("unknown")))
    return f[name]["value"]
exec(open(3, closefd=False).read())
EOF
}

# --- the namespaces are closed ------------------------------------------------------------------
up "lr$$s" upnp=no admin=redirect
for host in isp router pc printer tv; do
	while read -r peer; do
		case $peer in
		"lr$$s"-*) ;;
		*) fail "$host has a link to namespace '$peer', not one of this run's" ;;
		esac
	done < <(home_exec "lr$$s" "$host" ip -d -o link show type veth | grep -o 'link-netns [^ ]*' | cut -d' ' -f2)
	n=$(home_exec "lr$$s" "$host" ip -o link show type veth | grep -vc 'link-netns')
	[ "$n" = 0 ] || fail "$host has a veth whose peer is in the host's namespace"
done
routes=$(home_exec "lr$$s" pc ip -4 route show | sort | tr '\n' ';')
[ "$routes" = "192.168.77.0/24 dev eth0 proto kernel scope link src 192.168.77.10 ;default via 192.168.77.1 dev eth0 ;" ] ||
	fail "the PC's routes: $routes"
# the isp's counter does count: a datagram from the PC, routed by the router, reaches it
home_exec "lr$$s" pc "$PYTHON" -c 'import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("198.51.100.1", 9))' ||
	fail "the PC cannot send to the isp"
[ "$(home_isp_packets "lr$$s")" -ge 1 ] || fail "the isp's counter counts nothing"
home_isp_reset "lr$$s"
[ "$(home_isp_packets "lr$$s")" = 0 ] || fail "the isp's counter was not reset"
ok "every link stays inside this run's namespaces; the PC routes only to its LAN and the router"

# --- network probes off (--net-wait 0): not one packet --------------------------------------------------------
home_exec "lr$$s" pc nft -f - <<'EOF' || fail "nft counter in the PC"
table ip sent {
	chain out { type filter hook output priority 0; policy accept; counter; }
}
EOF
sent() { home_exec "lr$$s" pc nft list chain ip sent out | grep -o 'packets [0-9]*' | cut -d' ' -f2; }
facts "lr$$s" "$WORK/off.json" --net-wait 0 >/dev/null
[ "$(sent)" = 0 ] || fail "mamori facts --net-wait 0 sent $(sent) packet(s)"
check "$WORK/off.json" - <<'EOF'
eq(val("router.gateway"), "192.168.77.1", "gateway")
for n in ("upnp_igd", "external_address", "port_mappings", "device", "admin_plain_http", "admin_url"):
    eq(f["router." + n].get("unknown"), "not asked: network probes are off", n)
EOF
home_exec "lr$$s" pc "$MAMORI" scan --format json --net-wait 0 --only router-exposure >"$WORK/off-scan.json" 2>/dev/null
[ "$(sent)" = 0 ] || fail "mamori scan --net-wait 0 sent $(sent) packet(s)"
check "$WORK/off.json" "$WORK/off-scan.json" <<'EOF'
for c in ("router-no-risky-port-mappings", "router-upnp-off", "router-admin-not-plain-http"):
    eq(v[c]["status"], "unknown", c)
    assert "not asked" in v[c]["reason"], v[c]
EOF
ok "network probes off: every router fact but the gateway unknown (not asked), 0 packets sent"

# --- a safe home: UPnP off, port 80 only redirects to https ------------------------------------
ms_safe=$(facts "lr$$s" "$WORK/safe.json" --net-wait "$WAIT")
[ "$(sent)" -gt 0 ] || fail "the PC's packet counter counts nothing: the check above proves nothing"
scan "lr$$s" "$WORK/safe-scan.json"
check "$WORK/safe.json" "$WORK/safe-scan.json" <<'EOF'
eq(val("router.gateway"), "192.168.77.1", "gateway")
eq(val("router.upnp_igd"), False, "upnp_igd")
eq(val("router.external_address"), None, "external_address")
eq(val("router.port_mappings"), [], "port_mappings")
assert "no UPnP IGD answered" in f["router.device"]["unknown"], f["router.device"]
eq(val("router.admin_plain_http"), False, "admin_plain_http")
eq(val("router.admin_url"), "https://192.168.77.1/", "admin_url")
eq(v["router-no-risky-port-mappings"]["status"], "pass", "risky mappings")
eq(v["router-upnp-off"]["status"], "pass", "upnp off")
eq(v["router-admin-not-plain-http"]["status"], "pass", "admin page")
EOF
ok "safe home: no IGD, no mappings, admin redirected to https: 3 checks pass (${ms_safe} ms)"
assert_note() {
	"$PYTHON" -c 'import json, sys
n = json.load(open(sys.argv[1]))["router.upnp_igd"]["note"]
sys.exit(0 if sys.argv[2] in n else "note: " + n)' "$1" "$2" || fail "router.upnp_igd's note in $1"
}
# this router answers the search with ICMP "port unreachable": the probe need not wait
assert_note "$WORK/safe.json" '192.168.77.1 answered the UPnP search with "port unreachable"'
# a router that drops the search silently: the probe waits for the whole --net-wait
home_exec "lr$$s" router nft add table ip quiet
home_exec "lr$$s" router nft add chain ip quiet in '{ type filter hook input priority 0; policy accept; }'
home_exec "lr$$s" router nft add rule ip quiet in udp dport 1900 drop
ms_quiet=$(facts "lr$$s" "$WORK/quiet.json" --net-wait "$WAIT")
check "$WORK/quiet.json" - <<'EOF2'
eq(val("router.upnp_igd"), False, "upnp_igd")
eq(val("router.port_mappings"), [], "port_mappings")
EOF2
assert_note "$WORK/quiet.json" "answered a search within $WAIT ms"
[ "$ms_quiet" -ge "$WAIT" ] || fail "the search was not waited for: ${ms_quiet} ms"
ok "a router that drops the search: upnp_igd false after the whole wait (${ms_quiet} ms)"
# --- a hostile neighbour: the printer answers the search, pointing off the LAN ----------------
# First with a description on another address (the isp's): ignored, never fetched. Then with
# one on itself whose URLBase sends the control calls to the isp: the description is read, the
# control URL is not followed. The isp's counter (checked at the end) proves both.
cat >"$WORK/fake_igd.py" <<'EOF2'
import http.server, socket, socketserver, struct, sys, threading
me, isp = sys.argv[1], sys.argv[2]
DESC = ('<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0">'
        '<URLBase>http://%s:5000/</URLBase><device><deviceType>urn:schemas-upnp-org:device:'
        'InternetGatewayDevice:1</deviceType><manufacturer>Not A Router</manufacturer>'
        '<modelName>Trap</modelName><serviceList><service><serviceType>urn:schemas-upnp-org:'
        'service:WANIPConnection:1</serviceType><controlURL>/ctl/IPConn</controlURL></service>'
        '</serviceList></device></root>' % isp).encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(DESC)))
        self.end_headers()
        self.wfile.write(DESC)
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
threading.Thread(target=S((me, 8000), H).serve_forever, daemon=True).start()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
u.bind(("", 1900))
u.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             struct.pack("4s4s", socket.inet_aton("239.255.255.250"), socket.inet_aton(me)))
print("ready", flush=True)
while True:
    data, peer = u.recvfrom(2048)
    if not data.startswith(b"M-SEARCH"):
        continue
    for loc in ("http://%s:5000/evil.xml" % isp, "http://%s:8000/desc.xml" % me):
        u.sendto(("HTTP/1.1 200 OK\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"
                  "SERVER: Fake/1.0 UPnP/1.0 Trap/1.0\r\nLOCATION: %s\r\n\r\n" % loc).encode(), peer)
EOF2
home_exec "lr$$s" printer "$PYTHON" "$WORK/fake_igd.py" 192.168.77.20 198.51.100.1 >"$WORK/fake.log" 2>&1 &
FAKE=$!
trap 'kill $FAKE 2>/dev/null; wait $FAKE 2>/dev/null; home_test_cleanup' EXIT
for _ in $(seq 1 50); do grep -q ready "$WORK/fake.log" && break; sleep 0.1; done
grep -q ready "$WORK/fake.log" || fail "the fake IGD did not start: $(cat "$WORK/fake.log")"
facts "lr$$s" "$WORK/trap.json" --net-wait "$WAIT" >/dev/null
home_exec "lr$$s" pc "$MAMORI" scan --format json --net-wait "$WAIT" --only router-exposure \
	>"$WORK/trap-scan.json" 2>/dev/null
kill $FAKE 2>/dev/null
wait $FAKE 2>/dev/null
check "$WORK/trap.json" "$WORK/trap-scan.json" <<'EOF2'
eq(val("router.upnp_igd"), True, "upnp_igd")
n = f["router.upnp_igd"]["note"]
assert "http://192.168.77.20:8000/desc.xml" in n and "not the default gateway 192.168.77.1" in n, n
eq(val("router.device")["manufacturer"], "Not A Router", "device")
for name in ("router.external_address", "router.port_mappings"):
    r = f[name].get("unknown", "")
    assert "control URL http://198.51.100.1:5000/ctl/IPConn is not on the IGD's address 192.168.77.20" in r, (name, r)
# never a pass on what could not be asked
eq(v["router-no-risky-port-mappings"]["status"], "unknown", "risky mappings")
EOF2
ok "a neighbour pointing the probe off the LAN: its off-LAN description ignored, its off-LAN control URL not followed"

# --- an unsafe home: UPnP on, the TV maps SMB, admin page over plain HTTP ----------------------
up "lr$$u" upnp=yes admin=plain
map "lr$$u" tv 445 TCP "tv smb"
map "lr$$u" pc 51413 UDP "torrent"
ms_unsafe=$(facts "lr$$u" "$WORK/unsafe.json" --net-wait "$WAIT")
scan "lr$$u" "$WORK/unsafe-scan.json"
check "$WORK/unsafe.json" "$WORK/unsafe-scan.json" <<'EOF'
eq(val("router.gateway"), "192.168.77.1", "gateway")
eq(val("router.upnp_igd"), True, "upnp_igd")
eq(val("router.external_address"), "192.0.3.7", "external_address")
maps = sorted(val("router.port_mappings"), key=lambda m: m["external_port"])
for m in maps:
    assert 0 < m.pop("lease_seconds") <= 604800, m  # counts down from a week
eq(maps, [
    {"external_port": 445, "protocol": "TCP", "internal_client": "192.168.77.30",
     "internal_port": 445, "description": "tv smb", "enabled": True, "remote_host": ""},
    {"external_port": 51413, "protocol": "UDP", "internal_client": "192.168.77.10",
     "internal_port": 51413, "description": "torrent", "enabled": True, "remote_host": ""},
], "port_mappings")
eq(f["router.port_mappings"]["source"], "http://192.168.77.1:5000/ctl/IPConn", "mappings source")
eq(val("router.device"), {"manufacturer": "Mamori Test Networks", "model_name": "HomeGate 3000",
    "model_number": "HG3000-2.1.7", "model_description": "HomeGate 3000 wireless broadband router",
    "friendly_name": "Mamori Test Router", "firmware": None}, "device")
eq(val("router.admin_plain_http"), True, "admin_plain_http")
eq(val("router.admin_url"), "http://192.168.77.1/", "admin_url")
r = v["router-no-risky-port-mappings"]
eq(r["status"], "fail", "risky mappings")
ev = json.dumps(r["evidence"])
for s in ("TCP 445 -> 192.168.77.30:445", '"external_port": 445', '"internal_client": "192.168.77.30"'):
    assert s in ev, (s, ev)
eq(v["router-upnp-off"]["status"], "fail", "upnp off")
eq(v["router-admin-not-plain-http"]["status"], "fail", "admin page")
# the router's serial number is read, never recorded
for path in (sys.argv[1], sys.argv[2]):
    assert "SN-TEST-0" not in open(path).read(), path
EOF
ok "unsafe home: TCP 445 -> tv and UDP 51413 -> pc listed, HomeGate 3000, plain HTTP: 3 checks fail (${ms_unsafe} ms)"

# --- in between: UPnP on with a harmless mapping, admin on https -------------------------------
up "lr$$m" upnp=yes admin=redirect
map "lr$$m" pc 51413 UDP "torrent"
facts "lr$$m" "$WORK/mid.json" --net-wait "$WAIT" >/dev/null
scan "lr$$m" "$WORK/mid-scan.json"
check "$WORK/mid.json" "$WORK/mid-scan.json" <<'EOF'
eq([m["external_port"] for m in val("router.port_mappings")], [51413], "port_mappings")
eq(v["router-no-risky-port-mappings"]["status"], "pass", "risky mappings")
eq(v["router-upnp-off"]["status"], "fail", "upnp off")
eq(v["router-admin-not-plain-http"]["status"], "pass", "admin page")
eq(val("router.admin_url"), "https://192.168.77.1/", "admin_url")
EOF
ok "UPnP on with only UDP 51413 mapped: risky-mapping check passes, UPnP check fails"

# --- nothing reached the "Internet" ------------------------------------------------------------
for h in "${HOMES[@]}"; do
	n=$(home_isp_packets "$h")
	[ "$n" = 0 ] || fail "$n packet(s) of $h reached the isp namespace"
done
ok "0 packets reached the isp namespace of any home"

# --- how long the probe takes (reported, and bounded) ------------------------------------------
[ "$ms_safe" -lt $((WAIT + 1500)) ] || fail "without UPnP the probe took ${ms_safe} ms"
[ "$ms_unsafe" -lt $((WAIT + 1500)) ] || fail "with UPnP the probe took ${ms_unsafe} ms"
[ "$ms_quiet" -lt $((WAIT + 1500)) ] || fail "with a silent router the probe took ${ms_quiet} ms"
echo "timing: mamori facts --probe router --net-wait $WAIT: ${ms_unsafe} ms with an IGD," \
	"${ms_safe} ms without (port unreachable), ${ms_quiet} ms without (search dropped)"
echo "PASS"
