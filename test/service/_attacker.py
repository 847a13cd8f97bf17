"""Raw TCP attacks on the signaling service at 127.0.0.1:PORT, for what Deno's own
sockets cannot do (an RST: SO_LINGER 0; a chosen source address). Prints one JSON line.

  _attacker.py rst PORT COUNT
      COUNT WebSocket upgrades, each reset right after its request, before the 101.
  _attacker.py partial PORT COUNT SOURCE HOLD
      COUNT connections from SOURCE (e.g. 127.0.0.2) that send a partial request head
      and nothing more; waits up to HOLD seconds for the service to end them and
      reports how many it ended ("ended") and how many were still open ("open").
"""
import json
import select
import socket
import struct
import sys
import time


def upgrade_request(port):
    return (
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n" % port
    ).encode()


def rst(port, count):
    request = upgrade_request(port)
    reset = 0
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(request)
            # Vary the moment of the reset around the service's handling of the request.
            if i % 4:
                time.sleep(0.0002 * (i % 4))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            reset += 1
        except OSError:
            pass
        finally:
            s.close()
    return {"reset": reset}


def partial(port, count, source, hold):
    sockets = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((source, 0))
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            sockets.append(s)
        except OSError:
            s.close()
    refused = count - len(sockets)
    deadline = time.time() + hold
    alive = list(sockets)
    while alive and time.time() < deadline:
        readable, _, _ = select.select(alive, [], [], 0.2)
        for s in readable:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                alive.remove(s)
    for s in sockets:
        s.close()
    return {"ended": len(sockets) - len(alive) + refused, "open": len(alive)}


mode, port = sys.argv[1], int(sys.argv[2])
if mode == "rst":
    result = rst(port, int(sys.argv[3]))
elif mode == "partial":
    result = partial(port, int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
else:
    raise SystemExit("unknown mode " + mode)
print(json.dumps(result))
