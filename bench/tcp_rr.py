#!/usr/bin/env python3
"""bench/tcp_rr.py: TCP request/response rate, like netperf's TCP_RR with 1-byte request and reply.

  tcp_rr.py serve PORT                 answer every byte with one byte, one connection at a time, forever
  tcp_rr.py run HOST PORT SECONDS      one connection, TCP_NODELAY, send 1 byte, wait for 1 byte, repeat;
                                       prints transactions per second ('nan' when the connection failed)

Each transaction is one round trip through the path, so the rate is 1 / (round-trip time + both ends'
turnaround). Python adds a few microseconds per transaction at each end, the same for every variant."""
import socket
import sys
import time


def serve(port):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", port))
    listener.listen(4)
    while True:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.settimeout(60)
        try:
            while True:
                data = conn.recv(1)
                if not data:
                    break
                conn.sendall(data)
        except OSError:
            pass
        finally:
            conn.close()


def run(host, port, seconds):
    try:
        conn = socket.create_connection((host, port), timeout=5)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.settimeout(5)
        count = 0
        start = time.monotonic()
        deadline = start + seconds
        byte = b"x"
        while True:
            conn.sendall(byte)
            if conn.recv(1) != byte:
                raise OSError("short reply")
            count += 1
            if count & 63 == 0 and time.monotonic() >= deadline:
                break
        elapsed = time.monotonic() - start
        conn.close()
        print(round(count / elapsed, 1))
    except OSError:
        print("nan")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    elif len(sys.argv) == 5 and sys.argv[1] == "run":
        run(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        sys.exit(__doc__)


main()
