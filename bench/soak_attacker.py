"""The soak's attacker (bench/soak.ts): a bounded mix of issue 11's attacks on the
service at 127.0.0.1:PORT for SECONDS, all from SOURCE (another loopback address, so
the service's per-address cap applies to it and not to the honest clients). Python,
because Deno cannot reset a connection (SO_LINGER 0) or pick its source address.

  soak_attacker.py PORT SOURCE SECONDS

Prints one JSON line: how many of each attack were made.
"""
import json
import os
import socket
import struct
import sys
import threading
import time

PORT, SOURCE, SECONDS = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
END = time.time() + SECONDS
counts = {}
lock = threading.Lock()


def count(kind, n=1):
    with lock:
        counts[kind] = counts.get(kind, 0) + n


def connect():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((SOURCE, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", PORT))
    return s


def upgrade_request(path="/ws"):
    return (
        "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n" % (path, PORT)
    ).encode()


def frame(opcode, payload, fin=True, announced=None):
    length = len(payload) if announced is None else announced
    head = bytes([(0x80 if fin else 0) | opcode])
    if length < 126:
        head += bytes([0x80 | length])
    elif length < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", length)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", length)
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i & 3] for i, b in enumerate(payload)) if payload else b""
    return head + mask + masked


def text(obj):
    return frame(0x1, json.dumps(obj).encode())


def websocket():
    """An upgraded connection, with the 101 read."""
    s = connect()
    s.sendall(upgrade_request())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("closed during the upgrade")
        head += chunk
    return s


def drain(s, seconds):
    """Reads (and drops) what the service sends, until it closes or `seconds` pass."""
    deadline = time.time() + seconds
    s.settimeout(0.2)
    while time.time() < deadline:
        try:
            if not s.recv(65536):
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


def forever(kind, attack, pause=0.0):
    def run():
        while time.time() < END:
            try:
                attack()
                count(kind)
            except OSError:
                count(kind + "-failed")
            if pause:
                time.sleep(pause)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def reset_handshake():
    s = connect()
    try:
        s.sendall(upgrade_request())
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    finally:
        s.close()


slow = []


def slow_header():
    # Keeps up to 100 half-sent request heads open; the service ends them at its timeout.
    s = connect()
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    slow.append(s)
    while len(slow) > 100:
        slow.pop(0).close()


def oversized_frame():
    s = websocket()
    try:
        s.sendall(frame(0x1, b" " * 65536, announced=8_000_000))
        drain(s, 3)
    finally:
        s.close()


def endless_fragments():
    s = websocket()
    try:
        piece = b" " * 65536
        s.sendall(frame(0x1, piece, fin=False))
        for _ in range(32):
            s.sendall(frame(0x0, piece, fin=False))
    except OSError:
        pass
    finally:
        s.close()


def message_flood():
    s = websocket()
    try:
        s.sendall(text({"type": "username", "name": "flood", "room": "attack"}))
        burst = text({"type": "message", "text": "x" * 200}) * 100
        for _ in range(20):
            s.sendall(burst)
        drain(s, 2)
    except OSError:
        pass
    finally:
        s.close()


def rename_churn():
    s = websocket()
    try:
        for i in range(80):
            s.sendall(text({"type": "username", "name": "churn-%d" % (i % 2), "room": "attack"}))
            time.sleep(0.0125)
        drain(s, 0.5)
    finally:
        s.close()


def never_registers():
    s = websocket()
    try:
        drain(s, 8)
    finally:
        s.close()


threads = [
    forever("resetHandshakes", reset_handshake, 0.005),
    forever("slowHeaders", slow_header, 0.02),
    forever("oversizedFrames", oversized_frame, 0.05),
    forever("fragmentFloods", endless_fragments, 0.05),
    forever("messageFloods", message_flood, 0.1),
    forever("renameChurn", rename_churn),
    forever("neverRegisters", never_registers),
]
for thread in threads:
    thread.join(SECONDS + 15)
for s in slow:
    s.close()
print(json.dumps(counts))
