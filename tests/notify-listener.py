#!/usr/bin/python3
"""notify-listener.py SOCKET OUT LOG - stand in for systemd's notify socket.

Binds an AF_UNIX datagram socket at SOCKET and appends every message to OUT,
one line per datagram (its newlines shown as '|'). At the first READY=1 it
connects to the last listener named in the daemon's LOG ("listening on
http(s)://HOST:PORT" or "listening on unix:///PATH") and writes
"CONNECT ok" or "CONNECT failed: why": READY=1 must come only once the
listeners accept. Runs until killed.
"""
import os
import re
import socket
import sys


def try_connect(log):
    try:
        with open(log, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as e:
        return "failed: cannot read the log: %s" % e
    found = re.findall(r"listening on (unix://\S+|[a-z]+://\S+:\d+)", text)
    if not found:
        return "failed: no 'listening on' line in the log yet"
    target = found[-1]
    try:
        if target.startswith("unix://"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(target[len("unix://"):])
        else:
            port = int(target.rsplit(":", 1)[1])
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.close()
        return "ok"
    except OSError as e:
        return "failed: %s: %s" % (target, e)


def main():
    path, out, log = sys.argv[1:4]
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    ready_seen = False
    with open(out, "a", encoding="utf-8") as o:
        o.write("LISTENING\n")
        o.flush()
        while True:
            msg = s.recv(65536).decode("utf-8", "replace")
            o.write(msg.replace("\n", "|") + "\n")
            if not ready_seen and "READY=1" in msg.split("\n"):
                ready_seen = True
                o.write("CONNECT %s\n" % try_connect(log))
            o.flush()


if __name__ == "__main__":
    main()
