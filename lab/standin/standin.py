#!/usr/bin/env python3
# A throwaway stand-in for overlay-seed and overlay-node, NOT part of Overlay: just enough of
# their CLI, management HTTP and flannel-udp data path (TUN + UDP 8285, anti-spoofing, drop
# counters, ICMP net unreachable) to check the end-to-end harness itself while the real
# processes do not exist. Leases live in one JSON file shared by all namespaces.
# Use: OVERLAY_E2E_DOTNET=lab/standin/dotnet dotnet test tests/Overlay.EndToEnd.Tests
#      PATH=$PWD/lab/standin:$PATH lab/lab.sh up 3
import sys, os, json, fcntl, struct, socket, threading, time, signal, subprocess, ipaddress
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
REG = os.environ.get('OVERLAY_STANDIN_REGISTRY', '/tmp/overlay-standin-registry.json')
LOCK = REG + '.lock'
def args(argv):
    d = {}
    i = 0
    while i < len(argv):
        if argv[i].startswith('--'):
            d[argv[i][2:]] = argv[i+1]; i += 2
        else: i += 1
    return d
def with_reg(fn):
    with open(LOCK, 'a') as l:
        fcntl.flock(l, fcntl.LOCK_EX)
        try:
            reg = json.load(open(REG)) if os.path.exists(REG) else {"version": 0, "leases": {}}
        except Exception:
            reg = {"version": 0, "leases": {}}
        r = fn(reg)
        tmp = REG + '.tmp'; json.dump(reg, open(tmp, 'w')); os.rename(tmp, REG)
        return r
def lease_view(s, l):
    return {"subnet": s, "nodeName": l["nodeName"], "publicIp": l["publicIp"], "port": l["port"], "expiresAt": "2099-01-01T00:00:00Z", "version": l["version"]}
class H(BaseHTTPRequestHandler):
    routes = {}
    def log_message(self, *a): pass
    def do_GET(self):
        f = self.routes.get(self.path)
        if not f: self.send_response(404); self.end_headers(); return
        code, body = f()
        b = json.dumps(body).encode()
        self.send_response(code); self.send_header('Content-Type', 'application/json'); self.send_header('Content-Length', str(len(b))); self.end_headers(); self.wfile.write(b)
def serve(host, port, routes):
    H.routes = routes
    srv = ThreadingHTTPServer((host, int(port)), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
def members():
    now = time.time()
    def f(reg):
        return [{"node": f"akka.tcp://overlay@{l['publicIp']}:4054", "nodeUid": "1", "status": "Up", "roles": ["node"]} for l in reg["leases"].values() if now - l["heartbeat"] < 5]
    m = with_reg(f)
    return 200, {"selfNode": "x", "leader": "x", "oldest": "x", "members": m, "unreachable": []}
def seed(a):
    # The seed starts first: a fresh registry per lab.
    for f in (REG, LOCK):
        if os.path.exists(f): os.remove(f)
    serve(a.get('management-host', '127.0.0.1'), a.get('management-port', 8558), {
        '/health/ready': lambda: (200, {"status": "ready"}),
        '/cluster/members': members,
        '/leases': lambda: (200, with_reg(lambda reg: {"version": reg["version"], "leases": [lease_view(s, l) for s, l in reg["leases"].items()]})),
    })
    print("fake seed up", flush=True)
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    for f in (REG, LOCK):
        if os.path.exists(f): os.remove(f)
    print("fake seed bye", flush=True)
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def node(a):
    name = a['node-name']; ip = a['public-ip']; port = int(a.get('port', 8285)); sf = a['subnet-file']
    old = None
    if os.path.exists(sf):
        for line in open(sf):
            if line.startswith('FLANNEL_SUBNET='): old = line.strip().split('=')[1].rsplit('.', 1)[0] + '.0/24'
    def acquire(reg):
        for s, l in reg["leases"].items():
            if l["nodeName"] == name or l["publicIp"] == ip:
                l["heartbeat"] = time.time(); return s
        s = old if old and old not in reg["leases"] else next(f"10.244.{n}.0/24" for n in range(1, 256) if f"10.244.{n}.0/24" not in reg["leases"])
        reg["version"] += 1
        reg["leases"][s] = {"nodeName": name, "publicIp": ip, "port": port, "version": reg["version"], "heartbeat": time.time()}
        return s
    subnet = with_reg(acquire)
    net = ipaddress.ip_network(subnet); third = int(str(net.network_address).split('.')[2])
    os.makedirs(os.path.dirname(sf), exist_ok=True)
    open(sf + '.tmp', 'w').write(f"FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.{third}.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n"); os.rename(sf + '.tmp', sf)
    tun = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(tun, 0x400454ca, struct.pack('16sH', b'overlay0', 0x0001 | 0x1000))
    # The ICMP unreachable comes from the TUN's own (local) address: without accept_local the
    # kernel drops it as a martian.
    for c in [f"ip addr add 10.244.{third}.0/32 dev overlay0", "ip link set overlay0 mtu 1472 up",
              "ip route add 10.244.0.0/16 dev overlay0", "sysctl -qw net.ipv4.conf.overlay0.accept_local=1"]:
        subprocess.run(c.split(), check=True)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); sock.bind(('0.0.0.0', port))
    state = {"routes": {}, "lease": None}
    drops = {k: 0 for k in ["malformed", "not_ipv4", "spoofed_source", "unknown_source", "not_for_this_subnet", "no_route"]}
    peers = {}
    lock = threading.Lock()
    def refresh():
        while True:
            def f(reg):
                now = time.time()
                reg["leases"][subnet]["heartbeat"] = now
                return {s: l for s, l in reg["leases"].items() if s != subnet and now - l["heartbeat"] < 3}, reg["leases"][subnet]
            r, mine = with_reg(f)
            state["lease"] = lease_view(subnet, mine)
            with lock:
                state["routes"] = {int(s.split('.')[2]): (l["publicIp"], l["port"]) for s, l in r.items()}
                for s in r: peers.setdefault(s, {"txPackets": 0, "txBytes": 0, "rxPackets": 0, "rxBytes": 0})
                for s in list(peers):
                    if s not in r: del peers[s]
            time.sleep(0.3)
    def inside():
        local = bytes([10, 244, third, 0])
        while True:
            p = os.read(tun, 65536)
            if len(p) < 20 or p[0] >> 4 != 4: drops["not_ipv4"] += 1; continue
            dst = p[16:20]
            r = state["routes"].get(dst[2]) if dst[:2] == b'\x0a\xf4' else None
            if r is None:
                drops["no_route"] += 1
                if p[9] == 1 and p[20] in (3, 11, 12): continue
                icmp = bytearray(b'\x03\x00\0\0\0\0\0\0' + p[:28])
                icmp[2:4] = struct.pack('!H', csum(bytes(icmp)))
                hdr = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), 0, 0, 64, 1, 0, local, p[12:16]))
                hdr[10:12] = struct.pack('!H', csum(bytes(hdr)))
                os.write(tun, bytes(hdr) + bytes(icmp)); continue
            sock.sendto(p, r)
            s = f"10.244.{dst[2]}.0/24"
            with lock:
                if s in peers: peers[s]["txPackets"] += 1; peers[s]["txBytes"] += len(p)
    def outside():
        while True:
            p, (src, _) = sock.recvfrom(65536)
            if len(p) == 0: drops["malformed"] += 1; continue
            if p[0] >> 4 != 4: drops["not_ipv4"] += 1; continue
            ihl = (p[0] & 15) * 4
            if len(p) < 20 or ihl < 20 or ihl > len(p) or struct.unpack('!H', p[2:4])[0] != len(p): drops["malformed"] += 1; continue
            if p[16:19] != bytes([10, 244, third]): drops["not_for_this_subnet"] += 1; continue
            s = f"10.244.{p[14]}.0/24" if p[12:14] == b'\x0a\xf4' else None
            with lock:
                peer = peers.get(s)
                owner = state["routes"].get(p[14]) if s else None
            if owner is None: drops["unknown_source"] += 1; continue
            if owner[0] != src: drops["spoofed_source"] += 1; continue
            os.write(tun, p)
            with lock:
                if peer: peer["rxPackets"] += 1; peer["rxBytes"] += len(p)
    threading.Thread(target=refresh, daemon=True).start()
    time.sleep(0.5)
    threading.Thread(target=inside, daemon=True).start()
    threading.Thread(target=outside, daemon=True).start()
    def routes():
        with lock:
            return 200, {"local": subnet, "peers": [dict(subnet=s, endpoint=f"{state['routes'][int(s.split('.')[2])][0]}:8285", **c) for s, c in peers.items() if int(s.split('.')[2]) in state['routes']], "drops": dict(drops)}
    serve(a.get('management-host', '127.0.0.1'), a.get('management-port', 8558), {
        '/health/ready': lambda: (200, {"status": "ready"}),
        '/lease': lambda: (200, state["lease"]),
        '/routes': routes,
        '/cluster/members': members,
    })
    print(f"fake node {name} up with {subnet}", flush=True)
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    def bye(reg): reg["leases"][subnet]["heartbeat"] = 0
    with_reg(bye)
    print("fake node bye", flush=True)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
dll = sys.argv[1]
if dll.endswith('overlay-seed.dll'): seed(args(sys.argv[2:]))
elif dll.endswith('overlay-node.dll'): node(args(sys.argv[2:]))
