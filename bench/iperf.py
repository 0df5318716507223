#!/usr/bin/env python3
"""Reads iperf3 -J output on stdin and prints figures, 'nan' for each when the run failed:
  tcp      -> received Gbit/s and the sender's retransmits
  udp      -> received kpackets/s (sent minus lost, over the test time)
  udpbulk  -> received Gbit/s and received kpackets/s"""
import json
import sys

def main():
    kind = sys.argv[1]
    try:
        doc = json.loads(sys.stdin.read())
        end = doc["end"]
        if kind == "tcp":
            print(round(end["sum_received"]["bits_per_second"] / 1e9, 3), end["sum_sent"].get("retransmits", "nan"))
        else:
            s = end["sum"]
            received = s["packets"] - s["lost_packets"]
            kpps = round(received / s["seconds"] / 1e3, 1)
            if kind == "udp":
                print(kpps)
            else:
                # Received bits: the sent rate scaled by the share that arrived.
                gbps = s["bits_per_second"] * received / max(1, s["packets"]) / 1e9
                print(round(gbps, 3), kpps)
    except Exception:  # an aborted or refused run: no figure
        print("nan nan" if kind in ("tcp", "udpbulk") else "nan")

main()
