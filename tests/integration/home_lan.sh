# SPDX-License-Identifier: Apache-2.0
# A home network in network namespaces, for the tests of `mamori lan` and the router, wifi and
# lan probe families. Sourced; needs root, ip(8), nft(8), python3 and, for UPnP, miniupnpd.
#
#   home_up NAME [upnp=yes|no] [admin=plain|redirect|none] [ext_ip=ADDR]
#   home_down NAME
#   home_exec NAME HOST CMD...       run CMD in the namespace of HOST (pc, printer, tv, router, isp)
#   home_isp_packets NAME            IPv4 packets that reached the "Internet" (the isp namespace)
#   home_isp_reset NAME              sets that count back to 0
#
# The namespaces, all named "${NAME}-HOST" (NAME should be unique per run, e.g. contain $$):
#
#   isp      198.51.100.1/30   the "Internet": no other link, no default route, so nothing goes
#            │                 further; an nft counter counts every IPv4 packet it receives
#   router   198.51.100.2/30 on wan0 (default route via isp), 192.168.77.1/24 on the bridge
#            │                 br0 that joins the LAN ports; forwards; miniupnpd (upnp=yes) with
#            │                 ext_ip=192.0.3.7 (only reported, never used); the
#            │                 admin page on 192.168.77.1:80 (admin=...)
#   pc       192.168.77.10/24 ─┐
#   printer  192.168.77.20/24 ─┼─ eth0 in each, a veth whose peer is a port of br0; default
#   tv       192.168.77.30/24 ─┘  route via 192.168.77.1
#
# No namespace has a link to the host's own network namespace: every veth has both ends in
# namespaces made here, so no packet of a test can reach any other address. IPv6 is off in all
# of them (no router advertisements, no multicast listener reports to count).
#
# admin=plain     a login page from python3's http.server on port 80: plain HTTP (200)
# admin=redirect  every request on port 80 answered 301 to https://192.168.77.1/ (a safe
#                 router; nothing listens on 443, which is what the probe never follows)
# admin=none      nothing on port 80 (the connection is refused)
#
# Every process started here is killed by home_down, which also deletes the namespaces (and
# with them every link and rule); it is safe to call twice or after a partial home_up.

HOME_LAN_SUBNET=192.168.77
HOME_LAN_HOSTS="pc:10 printer:20 tv:30"
HOME_EXT_IP=192.0.3.7

home_exec() {
	local name=$1 host=$2
	shift 2
	ip netns exec "$name-$host" "$@"
}

# _home_pidfile NAME WHAT: where home_up keeps the pid of a process it started.
_home_pidfile() { echo "${HOME_LAN_WORK:-${WORK:?}}/home-$1-$2.pid"; }

_home_ns() {
	local ns=$1
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

# _home_start NAME WHAT NS LOG CMD...: starts CMD in NS in the background, records its pid.
_home_start() {
	local name=$1 what=$2 ns=$3 log=$4
	shift 4
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	echo $! >"$(_home_pidfile "$name" "$what")"
}

# _home_wait_tcp NS ADDR PORT: waits (5 s at most) until something accepts on ADDR:PORT in NS.
_home_wait_tcp() {
	local ns=$1 addr=$2 port=$3
	for _ in $(seq 1 50); do
		ip netns exec "$ns" "${PYTHON:-python3}" -c 'import socket,sys
s = socket.socket(); s.settimeout(0.2)
sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)' "$addr" "$port" && return 0
		sleep 0.1
	done
	return 1
}

# miniupnpd's nftables structure, by hand (Debian's nft_init.sh wants iptables): the default
# names of miniupnpd 2.3's nftables backend, in table inet filter (TESTING.md).
_home_nft_miniupnpd() {
	ip netns exec "$1" nft -f - <<'EOF'
table inet filter {
	chain forward { type filter hook forward priority 0; policy accept; jump miniupnpd; }
	chain miniupnpd { }
	chain prerouting { type nat hook prerouting priority -100; policy accept; jump prerouting_miniupnpd; }
	chain postrouting { type nat hook postrouting priority 100; policy accept; jump postrouting_miniupnpd; }
	chain prerouting_miniupnpd { }
	chain postrouting_miniupnpd { }
}
EOF
}

_home_admin() {
	local name=$1 mode=$2 r=$name-router dir
	dir="${HOME_LAN_WORK:-$WORK}/home-$name-admin"
	case $mode in
	none) return 0 ;;
	plain | redirect) ;;
	*) echo "home_up: admin=$mode: expected plain, redirect or none" >&2; return 1 ;;
	esac
	mkdir -p "$dir"
	printf '<!DOCTYPE html><html><head><title>Router login</title></head><body><form method="post" action="/login.cgi">User <input name="user"> Password <input type="password" name="pass"></form></body></html>\n' >"$dir/index.html"
	# Not `python3 -m http.server`: its server looks its own address up in DNS when it binds
	# (getfqdn), and inside the namespaces that query would head for the isp.
	cat >"$dir.py" <<'EOF'
import http.server, socketserver, sys
addr, mode, root = sys.argv[1], sys.argv[2], sys.argv[3]
class Plain(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)
    def log_message(self, *a):
        pass
class Redirect(http.server.BaseHTTPRequestHandler):
    """A router whose administration page is only on HTTPS: port 80 redirects there."""
    def do_GET(self):
        self.send_response(301)
        self.send_header("Location", "https://" + addr + "/")
        self.send_header("Content-Length", "0")
        self.end_headers()
    do_HEAD = do_GET
    def log_message(self, *a):
        pass
class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
Server((addr, 80), Plain if mode == "plain" else Redirect).serve_forever()
EOF
	_home_start "$name" admin "$r" "$dir.log" "${PYTHON:-python3}" "$dir.py" \
		"$HOME_LAN_SUBNET.1" "$mode" "$dir"
	_home_wait_tcp "$r" "$HOME_LAN_SUBNET.1" 80 || { echo "home_up: admin page did not start" >&2; return 1; }
}

_home_miniupnpd() {
	local name=$1 ext_ip=$2 r=$name-router conf
	conf="${HOME_LAN_WORK:-$WORK}/home-$name-miniupnpd.conf"
	# The device description names a made-up product: the probe must report what it is told.
	cat >"$conf" <<EOF
ext_ifname=wan0
listening_ip=br0
port=5000
enable_upnp=yes
enable_natpmp=yes
secure_mode=no
system_uptime=yes
ext_ip=$ext_ip
uuid=3f9d1b2e-77aa-4b8e-9c1d-0a1b2c3d4e5f
friendly_name=Mamori Test Router
manufacturer_name=Mamori Test Networks
model_name=HomeGate 3000
model_number=HG3000-2.1.7
model_description=HomeGate 3000 wireless broadband router
serial=SN-TEST-0001
presentation_url=http://$HOME_LAN_SUBNET.1/
allow 1-65535 $HOME_LAN_SUBNET.0/24 1-65535
deny 0-65535 0.0.0.0/0 0-65535
EOF
	_home_nft_miniupnpd "$r" || return 1
	_home_start "$name" miniupnpd "$r" "$conf.log" miniupnpd -d -f "$conf" \
		-P "${HOME_LAN_WORK:-$WORK}/home-$name-miniupnpd.pidfile"
	_home_wait_tcp "$r" "$HOME_LAN_SUBNET.1" 5000 || {
		echo "home_up: miniupnpd did not start:" >&2
		cat "$conf.log" >&2
		return 1
	}
}

home_up() {
	local name=$1 upnp=yes admin=plain ext_ip=$HOME_EXT_IP arg host ip
	shift
	for arg in "$@"; do
		case $arg in
		upnp=*) upnp=${arg#upnp=} ;;
		admin=*) admin=${arg#admin=} ;;
		ext_ip=*) ext_ip=${arg#ext_ip=} ;;
		*) echo "home_up: unknown argument $arg" >&2; return 1 ;;
		esac
	done
	local r=$name-router isp=$name-isp
	_home_ns "$isp" && _home_ns "$r" || return 1
	# WAN: router wan0 <-> isp eth0; the isp counts what reaches it and routes nowhere.
	ip link add wan0 netns "$r" type veth peer name eth0 netns "$isp" || return 1
	ip -n "$isp" addr add 198.51.100.1/30 dev eth0
	ip -n "$isp" link set eth0 up
	ip netns exec "$isp" nft -f - <<'EOF' || return 1
table ip count {
	chain in { type filter hook prerouting priority -300; policy accept; counter; }
}
EOF
	ip -n "$r" addr add 198.51.100.2/30 dev wan0
	ip -n "$r" link set wan0 up
	ip -n "$r" route add default via 198.51.100.1
	ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1 >/dev/null
	# LAN: a bridge in the router, one veth port per host.
	ip -n "$r" link add br0 type bridge || return 1
	ip -n "$r" addr add "$HOME_LAN_SUBNET.1/24" dev br0
	ip -n "$r" link set br0 up
	for arg in $HOME_LAN_HOSTS; do
		host=${arg%%:*}
		ip=${arg##*:}
		_home_ns "$name-$host" || return 1
		ip link add eth0 netns "$name-$host" type veth peer name "p-$host" netns "$r" || return 1
		ip -n "$r" link set "p-$host" master br0 up
		ip -n "$name-$host" addr add "$HOME_LAN_SUBNET.$ip/24" dev eth0
		ip -n "$name-$host" link set eth0 up
		ip -n "$name-$host" route add default via "$HOME_LAN_SUBNET.1"
	done
	_home_admin "$name" "$admin" || return 1
	case $upnp in
	yes) _home_miniupnpd "$name" "$ext_ip" || return 1 ;;
	no) ;;
	*) echo "home_up: upnp=$upnp: expected yes or no" >&2; return 1 ;;
	esac
}

home_isp_packets() {
	ip netns exec "$1-isp" nft list chain ip count in | grep -o 'packets [0-9]*' | grep -o '[0-9]*'
}

home_isp_reset() {
	# nft 1.0.6 resets only named counters: the rule with its anonymous one is made anew
	ip netns exec "$1-isp" nft flush chain ip count in &&
		ip netns exec "$1-isp" nft add rule ip count in counter
}

home_down() {
	local name=$1 what pidf pid host
	for what in miniupnpd admin; do
		pidf=$(_home_pidfile "$name" "$what")
		[ -f "$pidf" ] || continue
		pid=$(cat "$pidf")
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
		rm -f "$pidf"
	done
	for host in isp router pc printer tv; do
		ip netns pids "$name-$host" 2>/dev/null | while read -r pid; do kill "$pid" 2>/dev/null; done
		ip netns del "$name-$host" 2>/dev/null
	done
	return 0
}

# ---- for the test scripts -------------------------------------------------------------------
# home_test_begin TOOL...: skips the test (77) without root or one of the tools; sets WORK, the
# fail/ok reporters, and a trap that tears down every home made with `up` and removes WORK.
home_test_begin() {
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
	local b
	for b in "$@"; do
		command -v "$b" >/dev/null || { echo "SKIP: $b is not installed"; exit 77; }
	done
	WORK=$(mktemp -d)
	HOMES=()
	trap home_test_cleanup EXIT
}

home_test_cleanup() {
	local h
	for h in "${HOMES[@]}"; do home_down "$h"; done
	rm -rf "$WORK"
}

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# up NAME ARGS...: a home of this run (torn down on exit).
up() {
	local name=$1
	shift
	HOMES+=("$name")
	home_up "$name" "$@" || fail "home_up $name $*"
}
