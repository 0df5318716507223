#!/usr/bin/env python3
"""Reads iperf3 -J output on stdin and prints one figure: 'tcp' -> received Gbit/s,
'udp' -> received kpackets/s (sent minus lost, over the test time). 'nan' when the run failed."""
import json
import sys

def main():
    kind = sys.argv[1]
    try:
        doc = json.loads(sys.stdin.read())
        end = doc["end"]
        if kind == "tcp":
            print(round(end["sum_received"]["bits_per_second"] / 1e9, 3))
        else:
            s = end["sum"]
            received = s["packets"] - s["lost_packets"]
            print(round(received / s["seconds"] / 1e3, 1))
    except Exception:  # an aborted or refused run: no figure
        print("nan")

main()
