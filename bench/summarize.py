#!/usr/bin/env python3
"""bench/summarize.py RAW.tsv OUT.json "notes": medians per mode/variant/metric from the raw rounds,
ratios to the kernel VXLAN figure, a markdown table on stdout and everything in OUT.json."""
import json
import math
import statistics
import sys

VARIANTS = [("underlay", "underlay (no overlay)"), ("vxlan", "kernel VXLAN"),
            ("offload", "overlay-node (offloads)"), ("nooffload", "overlay-node --offload off")]
METRICS = [("tcp1_gbps", "TCP 1 stream Gbit/s"), ("tcp4_gbps", "TCP 4 streams Gbit/s"),
           ("udp64_kpps", "UDP 64 B kpps rx"), ("rtt_us", "ping RTT us"),
           ("fwd_cpu_pct", "forwarder CPU % (TCP 1)"), ("busy_pct", "machine busy % of 200 (TCP 1)")]

def median(values):
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else float("nan")

def fmt(v, digits=2):
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"

def main():
    raw_path, out_path, notes = sys.argv[1], sys.argv[2], sys.argv[3]
    rounds = {}
    for line in open(raw_path):
        mode, variant, rnd, metric, value = line.rstrip("\n").split("\t")
        try:
            v = float(value)
        except ValueError:
            v = float("nan")
        rounds.setdefault(mode, {}).setdefault(variant, {}).setdefault(metric, []).append(v)
    result = {"notes": notes, "modes": {}}
    for mode, variants in rounds.items():
        m = result["modes"][mode] = {}
        for variant, metrics in variants.items():
            m[variant] = {metric: {"rounds": vals, "median": median(vals)} for metric, vals in metrics.items()}
        vx = m.get("vxlan", {})
        for variant, metrics in m.items():
            for metric, entry in metrics.items():
                base = vx.get(metric, {}).get("median")
                entry["ratio_to_vxlan"] = (entry["median"] / base) if base and not math.isnan(base) and base != 0 else None
        off = m.get("nooffload", {}).get("tcp1_gbps", {}).get("median")
        on = m.get("offload", {}).get("tcp1_gbps", {}).get("median")
        m["offload_over_nooffload_tcp1"] = (on / off) if on and off else None
    with open(out_path, "w") as f:
        json.dump(result, f, indent=2, default=lambda x: None)

    print(f"Medians of interleaved rounds ({notes}); (x.xx) = ratio to kernel VXLAN in the same mode.\n")
    for mode, m in result["modes"].items():
        print(f"### mode: {mode}\n")
        print("| variant | " + " | ".join(label for _, label in METRICS) + " |")
        print("|---|" + "---|" * len(METRICS))
        for key, label in VARIANTS:
            if key not in m:
                continue
            cells = []
            for metric, _ in METRICS:
                e = m[key].get(metric)
                if e is None:
                    cells.append("–")
                    continue
                digits = 0 if metric in ("rtt_us",) else (1 if metric.endswith("pct") or metric == "udp64_kpps" else 2)
                r = e.get("ratio_to_vxlan")
                cells.append(fmt(e["median"], digits) + (f" ({r:.2f})" if r is not None and key != "vxlan" and not metric.endswith("pct") else ""))
            print(f"| {label} | " + " | ".join(cells) + " |")
        ratio = m.get("offload_over_nooffload_tcp1")
        print(f"\noffloads / --offload off, TCP 1 stream: {fmt(ratio)}x\n")

main()
