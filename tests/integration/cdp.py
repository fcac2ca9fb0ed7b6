#!/usr/bin/python3
"""A small Chrome DevTools Protocol client for the status page test.

Usage: cdp.py PORT COMMAND...
  open URL                 navigate the first page target to URL, wait for load
  eval EXPR                print the JSON value of a JavaScript expression
  wait EXPR SECS           poll EXPR until it is truthy (exit 1 on timeout)
  shot FILE                save a PNG screenshot of the page
Every call is bounded in time; nothing but 127.0.0.1 is contacted.
"""
import base64
import json
import sys
import time
import urllib.request

import websocket


def target(port):
    deadline = time.time() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                pages = [t for t in json.load(r) if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
        except OSError:
            pass
        if time.time() > deadline:
            sys.exit("cdp: no page target")
        time.sleep(0.2)


class Page:
    def __init__(self, port):
        self.ws = websocket.create_connection(target(port), timeout=10,
                                              suppress_origin=True)
        self.n = 0

    def call(self, method, **params):
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        deadline = time.time() + 15
        while time.time() < deadline:
            m = json.loads(self.ws.recv())
            if m.get("id") == self.n:
                if "error" in m:
                    sys.exit(f"cdp: {method}: {m['error']}")
                return m["result"]
        sys.exit(f"cdp: {method}: no answer")

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        if "exceptionDetails" in r:
            return None
        return r["result"].get("value")


def main():
    port, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    p = Page(port)
    if cmd == "open":
        p.call("Page.enable")
        p.call("Page.navigate", url=args[0])
        for _ in range(100):
            if p.eval("document.readyState") == "complete":
                return
            time.sleep(0.1)
        sys.exit("cdp: page did not load")
    elif cmd == "eval":
        print(json.dumps(p.eval(args[0])))
    elif cmd == "wait":
        deadline = time.time() + float(args[1])
        while time.time() < deadline:
            if p.eval(args[0]):
                return
            time.sleep(0.25)
        sys.exit(f"cdp: timed out waiting for {args[0]}")
    elif cmd == "shot":
        p.call("Emulation.setDeviceMetricsOverride", width=1200, height=900,
               deviceScaleFactor=1, mobile=False)
        png = p.call("Page.captureScreenshot", format="png")["data"]
        with open(args[0], "wb") as f:
            f.write(base64.b64decode(png))
    else:
        sys.exit(f"cdp: unknown command {cmd}")


if __name__ == "__main__":
    main()
