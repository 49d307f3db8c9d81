#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The lan family on a real home LAN made of network namespaces: a "router" namespace with the
# bridge "home" (192.168.78.1, fd78::1, fe80::1), and a PC (.10), a printer (.20) and a TV
# (.30) on it. mamori runs inside the PC's namespace, in a private mount namespace whose
# /etc/cups holds this test's printers.conf (the host's /etc is never touched).
#   unsafe: Debian's default nftables ruleset (accept everything) -> the TV is let in; then
#           lan.firewall_fix is loaded and the TV is blocked, the check passes;
#   safe:   the CSAJ rule written by hand -> only the router and the printer get in.
# Every verdict of the evaluator is compared with what a real connection from the TV, the
# printer and the router does. The --discover sweep is checked with nft counters on the PC's
# output: only its own subnet, never its network or broadcast address, at most 200 a second.
# Usage: test_lan_neighbours.sh MAMORI [PYTHON]. Exit 77 (skipped) without root, ip or nft.
set -u
MAMORI=$1
PYTHON=${2:-/usr/bin/python3}
[ "$(id -u)" = 0 ] || { echo "skip: needs root (network namespaces)"; exit 77; }
command -v ip >/dev/null && command -v nft >/dev/null || { echo "skip: needs ip and nft"; exit 77; }

ID=$$
NS_ROUTER=lanr$ID NS_PC=lanpc$ID NS_PRINTER=lanpr$ID NS_TV=lantv$ID
WORK=$(mktemp -d)
PIDS=()
pass=0

fail() {
	echo "FAIL: $*" >&2
	echo "the PC's neighbour table:" >&2
	ip -n "$NS_PC" neigh show >&2 2>/dev/null
	exit 1
}
ok() { echo "ok: $*"; pass=$((pass + 1)); }

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for ns in "$NS_TV" "$NS_PRINTER" "$NS_PC" "$NS_ROUTER"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT

# ---- the home LAN (to move to tests/integration/home_lan.sh) --------------------------------

# home_host NS NAME LAST_OCTET: a namespace on the bridge, with fixed MAC and addresses.
home_host() {
	local ns=$1 name=$2 n=$3
	ip netns add "$ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	ip -n "$NS_ROUTER" link add "p-$name" type veth peer name eth0 netns "$ns"
	ip -n "$NS_ROUTER" link set "p-$name" master home up
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 address "02:78:00:00:00:$(printf %02x "$n")" up
	ip -n "$ns" addr add "192.168.78.$n/24" dev eth0
	ip -n "$ns" addr add "fd78::$n/64" dev eth0 nodad
	ip -n "$ns" route add default via 192.168.78.1
	ip -n "$ns" -6 route add default via fe80::1 dev eth0
}

home_lan_up() {
	ip netns add "$NS_ROUTER"
	ip netns exec "$NS_ROUTER" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
	ip -n "$NS_ROUTER" link set lo up
	ip -n "$NS_ROUTER" link add home address 02:78:00:00:00:01 type bridge
	ip -n "$NS_ROUTER" link set home up
	ip -n "$NS_ROUTER" addr add 192.168.78.1/24 dev home
	ip -n "$NS_ROUTER" addr add fd78::1/64 dev home nodad
	ip -n "$NS_ROUTER" addr add fe80::1/64 dev home nodad
	home_host "$NS_PC" pc 10
	home_host "$NS_PRINTER" printer 20
	home_host "$NS_TV" tv 30
}

# A service on the PC that the neighbours try to reach (TCP 8445, IPv4 and IPv6).
pc_listener() {
	ip netns exec "$NS_PC" "$PYTHON" -c '
import socket, select
ss = []
for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, 8445)); s.listen(16); ss.append(s)
while True:
    for s in select.select(ss, [], [])[0]:
        s.accept()[0].close()
' &
	PIDS+=($!)
	for _ in $(seq 1 50); do
		ip netns exec "$NS_PC" "$PYTHON" -c 'import socket; socket.create_connection(("127.0.0.1", 8445), 1)' 2>/dev/null && return 0
		sleep 0.1
	done
	fail "the PC's listener did not start"
}

# Makes the PC talk to HOSTs (one empty datagram each): their entries in its tables.
pc_contacts() {
	ip netns exec "$NS_PC" "$PYTHON" -c '
import socket, sys
for a in sys.argv[1:]:
    fam, _, _, _, addr = socket.getaddrinfo(a, 9, type=socket.SOCK_DGRAM)[0]
    socket.socket(fam, socket.SOCK_DGRAM).sendto(b"", addr)
' "$@"
	sleep 0.3
}

# ---- running mamori in the PC ------------------------------------------------------------

printf '# Printer configuration file for CUPS v2.4.2\nNextPrinterId 2\n<DefaultPrinter Office>\nPrinterId 1\nInfo Office laser\nDeviceURI ipp://192.168.78.20/ipp/print\nState Idle\n</DefaultPrinter>\n' >"$WORK/printers.conf"
mkdir -p "$WORK/ovl"

# in_pc CMD...: CMD in the PC's network namespace and a private mount namespace where
# /etc/cups/printers.conf is the test's (a bind mount; an overlay of /etc on a tmpfs when the
# host has no /etc/cups). Nothing of it is visible outside.
in_pc() {
	ip netns exec "$NS_PC" unshare -m --propagation private sh -c '
		conf=$1 ovl=$2; shift 2
		if [ -d /etc/cups ]; then
			mkdir -p "$ovl/cups" && cp "$conf" "$ovl/cups/" && mount --bind "$ovl/cups" /etc/cups
		else
			mount -t tmpfs tmpfs "$ovl" && mkdir "$ovl/u" "$ovl/w" &&
			mount -t overlay overlay -o "lowerdir=/etc,upperdir=$ovl/u,workdir=$ovl/w" /etc &&
			mkdir -p /etc/cups && cp "$conf" /etc/cups/printers.conf
		fi || exit 99
		exec "$@"' sh "$WORK/printers.conf" "$WORK/ovl" "$@"
}

facts() { # facts OUT [--net-wait MS --discover]
	local out=$1
	shift
	in_pc "$MAMORI" facts --probe lan "$@" -o "$out" 2>"$WORK/err" || fail "mamori facts: $(cat "$WORK/err")"
}

# pycheck FACTS.json CODE: CODE sees F (the facts), v(name) (a fact's value), nb(addr) (the
# neighbour with that address), and eq/has; an AssertionError fails the test.
pycheck() {
	"$PYTHON" - "$1" "$2" <<'EOF' || fail "$3"
import json, sys
F = json.load(open(sys.argv[1]))
def v(n):
    assert "value" in F[n], "%s is unknown: %s" % (n, F[n].get("unknown"))
    return F[n]["value"]
def nb(a):
    m = [x for x in v("lan.neighbours") if x["address"] == a]
    assert m, "no neighbour %s in %s" % (a, [x["address"] for x in v("lan.neighbours")])
    return m[0]
def eq(a, b):
    assert a == b, "%r != %r" % (a, b)
def has(a, b):
    assert b in a, "%r not in %r" % (b, a)
exec(sys.argv[2])
EOF
}

# reach NS ADDR PORT: "open" when the packet got to the PC (connected, or refused: a RST came
# back), "blocked" when nothing answered.
reach() {
	local out rc
	out=$(ip netns exec "$1" timeout 1.5 bash -c "exec 3<>/dev/tcp/$2/$3" 2>&1)
	rc=$?
	if [ $rc -eq 124 ]; then echo blocked
	elif [ $rc -eq 0 ] || grep -q refused <<<"$out"; then echo open
	else echo "error: $out"; fi
}

# agree FACTS NS ADDR SRC PORT...: the evaluator's verdict for neighbour SRC on each port is what
# a connection from NS to the PC's ADDR really does.
agree() {
	local facts=$1 ns=$2 addr=$3 src=$4 port real said
	shift 4
	for port in "$@"; do
		real=$(reach "$ns" "$addr" "$port")
		said=$("$PYTHON" -c '
import json, sys
n = [x for x in json.load(open(sys.argv[1]))["lan.neighbours"]["value"] if x["address"] == sys.argv[2]][0]
print("open" if "tcp/" + sys.argv[3] in n["open_ports"] else n["firewall"] if n["firewall"] != "open" else "blocked")
' "$facts" "$src" "$port")
		[ "$real" = "$said" ] || fail "$src -> $addr:$port: the evaluator says $said, a real connection is $real"
	done
	ok "$src: the evaluator's verdicts match real connections on ports $*"
}

# nft counters on the PC's output: what the sweep sent where.
count_table() {
	ip netns exec "$NS_PC" nft -f - <<'EOF'
table inet lantest {
	chain out {
		type filter hook output priority 0; policy accept;
		oif "lo" accept
		udp dport 9 ip daddr { 192.168.78.0, 192.168.78.255 } counter name edges
		udp dport 9 ip daddr 192.168.78.0/24 counter name lan
		ip daddr != 192.168.78.0/24 counter name away4
		ip6 daddr != { fd78::/64, fe80::/10, ff02::/16 } counter name away6
	}
	counter edges {
	}
	counter lan {
	}
	counter away4 {
	}
	counter away6 {
	}
}
EOF
}
counter() { ip netns exec "$NS_PC" nft -j list counter inet lantest "$1" | "$PYTHON" -c 'import json,sys; print([o for o in json.load(sys.stdin)["nftables"] if "counter" in o][0]["counter"]["packets"])'; }

# ---- the test ------------------------------------------------------------------------------

home_lan_up
pc_listener

# unsafe: Debian's default /etc/nftables.conf
ip netns exec "$NS_PC" nft -f - <<'EOF'
flush ruleset
table inet filter {
	chain input {
		type filter hook input priority filter;
	}
	chain forward {
		type filter hook forward priority filter;
	}
	chain output {
		type filter hook output priority filter;
	}
}
EOF
count_table
pc_contacts 192.168.78.1 192.168.78.20 fd78::20 fe80::1%eth0

facts "$WORK/a.json"
pycheck "$WORK/a.json" '
eq(v("lan.interface"), "eth0")
eq(v("lan.addresses"), ["192.168.78.10/24", "fd78::10/64"])
eq(v("lan.gateway"), "192.168.78.1")
eq(v("lan.printers"), [{"printer": "Office", "uri": "ipp://192.168.78.20/ipp/print", "address": "192.168.78.20", "name": None}])
r = nb("192.168.78.1"); eq((r["gateway"], r["printer"], r["mac"], r["interface"]), (True, False, "02:78:00:00:00:01", "eth0"))
eq(nb("fe80::1")["gateway"], True)
p = nb("192.168.78.20"); eq((p["gateway"], p["printer"], p["state"]), (False, True, "complete"))
eq(nb("fd78::20")["printer"], True)      # the same MAC as the printer
eq(p["firewall"], "open")
has(p["open_ports"], "tcp/8445"); has(p["open_ports"], "tcp/22"); has(p["open_ports"], "tcp/445")
has(p["why"], "inet filter input: policy accept")
assert "192.168.78.30" not in [x["address"] for x in v("lan.neighbours")], "the TV before any contact"
eq(v("lan.neighbours_let_in"), [])
has(v("lan.other_device_ports"), "tcp/8445")
has(F["lan.sweep"]["unknown"], "not asked")
' "unsafe, no sweep: facts"
ok "unsafe without --discover: interface, addresses, gateway, printer (by address and by MAC), no TV yet"

# the sweep finds the TV
before_lan=$(counter lan)
start=$(date +%s%N)
facts "$WORK/b.json" --net-wait 800 --discover
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
sent=$(($(counter lan) - before_lan))
pycheck "$WORK/b.json" '
t = nb("192.168.78.30")
eq((t["gateway"], t["printer"], t["firewall"], t["mac"]), (False, False, "open", "02:78:00:00:00:1e"))
has(t["open_ports"], "tcp/8445"); has(t["open_ports"], "tcp/22"); has(t["open_ports"], "tcp/3389")
eq(v("lan.neighbours_let_in"), ["192.168.78.30"])
s = v("lan.sweep")
eq((s["subnets"], s["rate"], s["probes"]), (["192.168.78.0/24"], 200, 251))
' "unsafe, --discover: facts"
[ "$sent" -eq 251 ] || fail "the sweep sent $sent datagrams into the subnet, expected 251 (253 hosts but the two already known)"
[ "$(counter edges)" -eq 0 ] || fail "the sweep sent to the network or broadcast address"
[ "$(counter away4)" -eq 0 ] || fail "something was sent outside 192.168.78.0/24: $(counter away4)"
[ "$(counter away6)" -eq 0 ] || fail "something was sent outside the LAN over IPv6"
[ "$elapsed_ms" -ge 1250 ] || fail "251 datagrams in $elapsed_ms ms: faster than 200 a second"
ok "--discover: the TV found; $sent datagrams, all inside the subnet, in $elapsed_ms ms (sweep and 800 ms wait)"

# the check fails, naming the TV
in_pc "$MAMORI" scan --probe lan --only firewall --format json --net-wait 500 -o "$WORK/scan-a.json" 2>"$WORK/err"
[ $? -eq 1 ] || fail "scan: expected exit 1 (findings): $(cat "$WORK/err")"
pycheck "$WORK/scan-a.json" '
f = [x for x in F["findings"] if x["check"] == "firewall-lan-devices-blocked"][0]
eq(f["status"], "fail")
has(json.dumps(f), "192.168.78.30")
' "unsafe: the check's finding"
ok "unsafe: firewall-lan-devices-blocked fails and names 192.168.78.30"

agree "$WORK/b.json" "$NS_TV" 192.168.78.10 192.168.78.30 8445 22 445
agree "$WORK/b.json" "$NS_PRINTER" 192.168.78.10 192.168.78.20 8445 22

# the fix, loaded as mamori prints it
"$PYTHON" -c 'import json,sys; sys.stdout.write(json.load(open(sys.argv[1]))["lan.firewall_fix"]["value"])' "$WORK/b.json" >"$WORK/fix.nft"
ip netns exec "$NS_PC" nft -f "$WORK/fix.nft" || fail "the fix does not load: $(cat "$WORK/fix.nft")"
ip netns exec "$NS_PC" nft -f "$WORK/fix.nft" || fail "the fix does not load twice"
pc_contacts 192.168.78.30 fd78::30
facts "$WORK/c.json"
pycheck "$WORK/c.json" '
t = nb("192.168.78.30")
eq((t["firewall"], t["open_ports"]), ("blocked", []))
has(t["why"], "inet mamori_lan input, handle")
eq(nb("fd78::30")["firewall"], "blocked")
eq(nb("192.168.78.20")["firewall"], "open")
eq(nb("192.168.78.1")["firewall"], "open")
eq(nb("fe80::1")["firewall"], "open")
eq(v("lan.neighbours_let_in"), [])
eq(v("lan.other_device_ports"), [])
' "after the fix: facts"
in_pc "$MAMORI" scan --probe lan --only firewall --format json -o "$WORK/scan-c.json" 2>"$WORK/err"
pycheck "$WORK/scan-c.json" '
eq([x for x in F["findings"] if x["check"] == "firewall-lan-devices-blocked"][0]["status"], "pass")
' "after the fix: the check"
ok "lan.firewall_fix loaded: the TV is blocked, the router and printer are not, the check passes"
agree "$WORK/c.json" "$NS_TV" 192.168.78.10 192.168.78.30 8445 22
agree "$WORK/c.json" "$NS_TV" fd78::10 fd78::30 8445
agree "$WORK/c.json" "$NS_PRINTER" 192.168.78.10 192.168.78.20 8445 22
agree "$WORK/c.json" "$NS_ROUTER" 192.168.78.10 192.168.78.1 8445

# safe: the CSAJ rule written by hand (policy drop, the router and the printer allowed)
ip netns exec "$NS_PC" nft -f - <<'EOF'
flush ruleset
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		ip saddr { 192.168.78.1, 192.168.78.20 } accept
		ip6 saddr { fe80::1, fd78::20 } accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
	}
}
EOF
count_table
pc_contacts 192.168.78.1 192.168.78.20 192.168.78.30 fd78::30
facts "$WORK/d.json"
pycheck "$WORK/d.json" '
t = nb("192.168.78.30")
eq((t["firewall"], t["why"]), ("blocked", "inet filter input: policy drop"))
p = nb("192.168.78.20"); eq(p["firewall"], "open"); has(p["why"], "inet filter input, handle")
eq(nb("fd78::30")["firewall"], "blocked")
eq(v("lan.neighbours_let_in"), [])
eq(v("lan.other_device_ports"), [])
' "safe: facts"
in_pc "$MAMORI" scan --probe lan --only firewall --format json -o "$WORK/scan-d.json" 2>"$WORK/err"
pycheck "$WORK/scan-d.json" '
eq([x for x in F["findings"] if x["check"] == "firewall-lan-devices-blocked"][0]["status"], "pass")
' "safe: the check"
ok "safe: only the router and the printer get in; the check passes"
agree "$WORK/d.json" "$NS_TV" 192.168.78.10 192.168.78.30 8445 22
agree "$WORK/d.json" "$NS_PRINTER" 192.168.78.10 192.168.78.20 8445
agree "$WORK/d.json" "$NS_PRINTER" fd78::10 fd78::20 8445

# a subnet wider than /22 is not swept
ip -n "$NS_PC" addr add 10.77.0.10/16 dev eth0
facts "$WORK/e.json" --net-wait 200 --discover
pycheck "$WORK/e.json" '
has(F["lan.sweep"]["note"], "10.77.0.0/16 is wider than /22")
eq(v("lan.sweep")["subnets"], ["192.168.78.0/24"])
' "a /16 is not swept"
[ "$(counter away4)" -eq 0 ] || fail "the sweep sent into 10.77.0.0/16"
ok "a /16 on the interface is refused (said in lan.sweep), nothing sent to it"

echo "lan_neighbours: $pass passed"
