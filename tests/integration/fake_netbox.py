#!/usr/bin/env python3
"""A NetBox v4 REST API stand-in for the import test: the JSON shapes of
/api/dcim/devices/, /api/dcim/interfaces/?device_id= and
/api/ipam/ip-addresses/?interface_id=, token auth, pagination by limit and
offset with absolute "next" URLs that name another host (as NetBox behind a
proxy does). Serves on the address given, until killed."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

TOKEN = sys.argv[3] if len(sys.argv) > 3 else "0123456789abcdef0123456789abcdef01234567"

def dev(i, name, role, platform, ip):
    return {"id": i, "url": f"http://netbox.invalid/api/dcim/devices/{i}/",
            "display": name, "name": name,
            "role": {"id": 1, "name": role.title(), "slug": role},
            "platform": {"id": 2, "name": platform, "slug": platform} if platform else None,
            "site": {"id": 1, "name": "Ring0", "slug": "ring0"},
            "status": {"value": "active", "label": "Active"},
            "primary_ip4": {"id": 100 + i, "family": {"value": 4}, "address": ip} if ip else None}

DEVICES = [
    dev(1, "cp1", "controlplane", "amd64", "192.168.2.10/24"),
    dev(2, "cp2", "controlplane", "talos-arm64", "192.168.2.11/24"),
    dev(3, "cp3", "controlplane", "amd64", None),          # no primary IP
    dev(4, "w1", "worker", "amd64", "192.168.2.20/24"),    # other role
    # role "odd": records the configuration would refuse as machines
    dev(5, "odd one", "odd", "amd64", "192.168.2.30/24"),  # a space in the name
    dev(6, "o2", "odd", "amd64", "192.168.2.31/24"),
    dev(7, "o3", "odd", "amd64", None),                     # o2's MAC
    dev(8, "o4", "odd", "amd64", "192.168.2.300/24"),       # no IPv4
    # role "evil": its pages lead off the list
    dev(9, "e1", "evil", "amd64", None),
]
def iface(i, dev_id, name, mac, mgmt=False, new_style=False):
    d = {"id": i, "device": {"id": dev_id}, "name": name, "mgmt_only": mgmt}
    if new_style:   # NetBox 4.2+: MAC in its own object
        d["primary_mac_address"] = {"id": i, "mac_address": mac}
    else:
        d["mac_address"] = mac
    return d
IFACES = [
    iface(11, 1, "ipmi", "AA:00:00:00:01:FF", mgmt=True),
    iface(12, 1, "eth0", "52:54:00:00:01:01"),
    iface(21, 2, "eth0", "52:54:00:00:02:01", new_style=True),
    iface(22, 2, "eth1", "52:54:00:00:02:02", new_style=True),   # carries the IP
    iface(31, 3, "eth0", "52:54:00:00:03:01"),
    iface(41, 4, "eth0", "52:54:00:00:04:01"),
    iface(51, 5, "eth0", "52:54:00:00:05:01"),
    iface(61, 6, "eth0", "52:54:00:00:06:01"),
    iface(71, 7, "eth0", "52:54:00:00:06:01"),
    iface(81, 8, "eth0", "52:54:00:00:08:01"),
    iface(91, 9, "eth0", "52:54:00:00:09:01"),
]
IPS = {12: "192.168.2.10/24", 22: "192.168.2.11/24", 41: "192.168.2.20/24",
       51: "192.168.2.30/24", 61: "192.168.2.31/24"}

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def page(self, items, q):
        limit = int(q.get("limit", ["50"])[0])
        limit = min(limit, 2)            # small pages: pagination is exercised
        off = int(q.get("offset", ["0"])[0])
        nxt = None
        if off + limit < len(items):
            rest = "&".join(f"{k}={v[0]}" for k, v in q.items() if k not in ("offset", "limit"))
            nxt = f"http://netbox.invalid{urlparse(self.path).path}?{rest}&limit={limit}&offset={off + limit}"
        return {"count": len(items), "next": nxt, "previous": None,
                "results": items[off:off + limit]}

    def do_GET(self):
        if self.headers.get("Authorization") != f"Token {TOKEN}":
            return self.reply(403, {"detail": "Invalid token"})
        u = urlparse(self.path)
        q = parse_qs(u.query)
        if u.path == "/api/dcim/devices/":
            items = [d for d in DEVICES
                     if ("site" not in q or d["site"]["slug"] == q["site"][0])
                     and ("role" not in q or d["role"]["slug"] == q["role"][0])]
        elif u.path == "/api/dcim/interfaces/":
            items = [i for i in IFACES if str(i["device"]["id"]) == q.get("device_id", [""])[0]]
        elif u.path == "/api/ipam/ip-addresses/":
            iid = int(q.get("interface_id", ["0"])[0])
            items = [{"id": 500 + iid, "address": IPS[iid],
                      "assigned_object_type": "dcim.interface",
                      "assigned_object_id": iid}] if iid in IPS else []
        else:
            return self.reply(404, {"detail": "Not found."})
        p = self.page(items, q)
        if q.get("role", [""])[0] == "evil":
            p["next"] = "http://netbox.invalid/api/users/tokens/?limit=2"
        self.reply(200, p)

    def reply(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), H).serve_forever()
