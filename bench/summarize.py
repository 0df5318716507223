#!/usr/bin/env python3
"""bench/summarize.py RAW.tsv OUT.json "notes": medians per mode/table/variant/metric from the raw rounds,
ratios to the kernel VXLAN figure of the same table and to the underlay, markdown tables on stdout (pod to
pod first, host to host second) and everything in OUT.json."""
import json
import math
import statistics
import sys

TABLES = [("pod", "pod to pod (what users send: pods behind a bridge on each host)"),
          ("host", "host to host (traffic generated on the hosts themselves)")]
VARIANTS = [("underlay", "underlay (no overlay)"), ("vxlan", "kernel VXLAN"),
            ("overlay", "overlay-node (offloads)"), ("nooffload", "overlay-node --offload off")]
# key, label, digits, higher is better
METRICS = [("tcp1_gbps", "TCP 1 stream Gbit/s", 2, True), ("tcp1_retrans", "retransmits (TCP 1)", 0, False),
           ("tcp4_gbps", "TCP 4 streams Gbit/s", 2, True), ("rr_tps", "TCP RR 1 B trans/s", 0, True),
           ("ping_p50_us", "ping p50 us", 0, False), ("ping_p99_us", "ping p99 us", 0, False),
           ("udp1400_gbps", "UDP 1400 B Gbit/s rx", 2, True), ("udp1400_kpps", "UDP 1400 B kpps rx", 1, True),
           ("udp64_kpps", "UDP 64 B kpps rx", 1, True), ("tun_drops", "TUN drops (TCP, RR, ping)", 0, False),
           ("tun_drops_udp", "TUN drops (UDP floods)", 0, False),
           ("tun_tx_bytes_per_pkt", "TUN TX B/pkt (TCP 1)", 0, True),
           ("fwd_cpu_pct", "forwarder CPU % (TCP 1)", 1, False), ("busy_pct", "machine busy % (TCP 1)", 1, False)]
NO_RATIO = {"tcp1_retrans", "tun_drops", "tun_drops_udp", "tun_tx_bytes_per_pkt", "fwd_cpu_pct", "busy_pct"}
SUMMARY = ["tcp1_gbps", "tcp4_gbps", "rr_tps", "ping_p50_us", "ping_p99_us", "udp1400_gbps"]


def median(values):
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else float("nan")


def fmt(v, digits=2):
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def ratio(a, b):
    if a is None or b is None or math.isnan(a) or math.isnan(b) or b == 0:
        return None
    return a / b


def main():
    raw_path, out_path, notes = sys.argv[1], sys.argv[2], sys.argv[3]
    rounds = {}
    for line in open(raw_path):
        mode, key, rnd, metric, value = line.rstrip("\n").split("\t")
        table, variant = key.split(".", 1)
        try:
            v = float(value)
        except ValueError:
            v = float("nan")
        rounds.setdefault(mode, {}).setdefault(table, {}).setdefault(variant, {}).setdefault(metric, []).append(v)

    result = {"notes": notes, "modes": {}}
    for mode, tables in rounds.items():
        underlay = tables.get("host", {}).get("underlay", {})
        for table, variants in tables.items():
            t = result["modes"].setdefault(mode, {})[table] = {}
            for variant, metrics in variants.items():
                t[variant] = {m: {"rounds": vals, "median": median(vals)} for m, vals in metrics.items()}
            vx = t.get("vxlan", {})
            for variant, metrics in t.items():
                for m, entry in metrics.items():
                    entry["ratio_to_vxlan"] = ratio(entry["median"], vx.get(m, {}).get("median"))
                    entry["ratio_to_underlay"] = ratio(entry["median"], median(underlay.get(m, [])) if m in underlay else None)
                    # Per-round ratios to VXLAN (same round, same table): how much the rounds agree.
                    vr = vx.get(m, {}).get("rounds", [])
                    entry["round_ratios_to_vxlan"] = [ratio(a, b) for a, b in zip(entry["rounds"], vr)]
    with open(out_path, "w") as f:
        json.dump(result, f, indent=2, default=lambda x: None)

    print(f"Medians of interleaved rounds ({notes}); (x.xx) = ratio to kernel VXLAN in the same table and mode.\n")
    for mode, tables in result["modes"].items():
        print(f"## mode: {mode}\n")
        for table, title in TABLES:
            if table not in tables:
                continue
            t = tables[table]
            present = [(k, l, d, h) for k, l, d, h in METRICS if any(k in t[v] for v in t)]
            print(f"### {title}\n")
            print("| variant | " + " | ".join(label for _, label, _, _ in present) + " |")
            print("|---|" + "---|" * len(present))
            for key, label in VARIANTS:
                if key not in t:
                    continue
                cells = []
                for metric, _, digits, _ in present:
                    e = t[key].get(metric)
                    if e is None:
                        cells.append("–")
                        continue
                    r = e.get("ratio_to_vxlan")
                    show = r is not None and key != "vxlan" and metric not in NO_RATIO
                    cells.append(fmt(e["median"], digits) + (f" ({r:.2f})" if show else ""))
                print(f"| {label} | " + " | ".join(cells) + " |")
            print()
            for key, label in VARIANTS:
                if key not in t or key in ("vxlan", "underlay"):
                    continue
                parts = []
                for metric in SUMMARY:
                    e = t[key].get(metric)
                    if e is None:
                        continue
                    name = next(l for k, l, _, _ in METRICS if k == metric)
                    parts.append(f"{name} {fmt(e.get('ratio_to_vxlan'))}x VXLAN / {fmt(e.get('ratio_to_underlay'))}x underlay")
                rr = [fmt(x) for x in t[key].get("tcp1_gbps", {}).get("round_ratios_to_vxlan", [])]
                print(f"* {label}: " + "; ".join(parts) + (f". TCP 1 stream per round vs VXLAN: {', '.join(rr)}" if rr else ""))
            print()


main()
