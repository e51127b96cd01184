#!/usr/bin/env python3
"""Judges a dma_perf --json document against the project's targets (bench/targets.json).

    check_targets.py [--targets FILE] [--strict] [JSON]   (JSON: a file, or stdin)

Prints the targets block (PASS/MISS per target and a count) for the local mode
(the engine's targets, on dma_skeleton's copies), for --interprocess or for --interos. Exit status:
0, or 1 with --strict when a target is missed; 2 if the document cannot be read.
scripts/bench.sh runs it after dma_perf.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def fmt_size(size):
    """dma_perf's size notation: 64, 4K, 1M."""
    if size >= 1 << 20 and size % (1 << 20) == 0:
        return f"{size >> 20}M"
    if size >= 1024 and size % 1024 == 0:
        return f"{size >> 10}K"
    return str(size)


def ratio(num, den):
    return num / den if den and den > 0 else 0.0


def memcpy_need(t, size):
    for rule in t["memcpy_ratio"]:
        if size == rule.get("size") or ("from" in rule and size >= rule["from"]):
            return rule["at_least"]
    return None


def engine_rows(doc, t):
    """(ok, line) for each engine target this run measured."""
    ref = {c["size"]: c for c in doc["cases"] if c["op"] == "copy" and c["device"] == "ref_skel"}
    need_mops = t["small_mops_factor"] * t["dpdk_skeleton_best_mops"]
    for c in doc["cases"]:
        if c["op"] != "copy" or c["device"] != "dma_skeleton" or not c["passed"] or c["runs"] == 0:
            continue
        size, sz = c["size"], fmt_size(c["size"])
        mark = " [disturbed]" if c["disturbed"] else ""
        if size <= t["small_sizes_up_to"]:
            r = ref.get(size)
            vs_ref = ratio(c["mops"], r["mops"]) if r and r["runs"] > 0 else 0.0
            ok = c["mops"] >= need_mops and c["spread"] < t["small_spread_below"]
            yield ok, (f"{sz:>5}  {c['mops']:.1f} Mops/s (need {need_mops:.0f} = "
                       f"{t['small_mops_factor']:g}x DPDK's best), spread {c['spread'] * 100:.0f}% "
                       f"(need < {t['small_spread_below'] * 100:.0f}%); {vs_ref:.2f}x ref_skel{mark}")
        elif memcpy_need(t, size) is not None:
            need = memcpy_need(t, size)
            got = ratio(c["gbps"], c["memcpy_gbps"])
            yield got >= need, f"{sz:>5}  {got:.2f}x memcpy (need {need:.1f}x){mark}"
        else:
            continue
        if size == t["caller_ns_size"]:
            ok = c["caller_ns_per_op"] < t["caller_ns_below"]
            yield ok, (f"{sz:>5}  caller {c['caller_ns_per_op']:.1f} ns per copy "
                       f"(need < {t['caller_ns_below']:g} ns)")


def engine(doc, t):
    if not doc["cases"]:
        return 0
    print("\ntargets (copy, dma_skeleton):")
    npass = nmiss = 0
    for ok, line in engine_rows(doc, t):
        print(f"  {'PASS' if ok else 'MISS'} {line}")
        npass += ok
        nmiss += not ok
    print(f"targets: {npass} PASS, {nmiss} MISS")
    return nmiss


def interprocess_rows(doc, t):
    """(kind, measured, ok, line) for each inter-process target of this run's sizes."""
    for c in doc["cases"]:
        mem, size = c["memory"], c["size"]
        if mem == "cma" and size >= t["cma_from"]:
            what, need = "cma", t["cma_at_least"]
        elif mem == "window" and size == t["window_size"]:
            what, need = "window", t["window_at_least"]
        else:
            continue
        head = f"{what:<6} {fmt_size(size):>5} {c['path']:<16}"
        if not (c["passed"] and c["runs"] > 0 and c["memcpy_gbps"] > 0):
            yield what, False, False, f"{head} not measured (the case failed)"
            continue
        got = c["gbps"] / c["memcpy_gbps"]
        mark = " (disturbed)" if c["disturbed"] else ""
        yield what, True, got >= need, f"{head} {got:.2f}x memcpy (target {need:.1f}x){mark}"


def interprocess(doc, t):
    print(f"\ntargets: cma memory >= {t['cma_at_least']:.1f}x local memcpy GB/s at "
          f"{t['cma_from'] >> 10} KiB and up; window memory >= {t['window_at_least']:.1f}x "
          f"local memcpy at {t['window_size'] >> 10} KiB")
    npass = nmiss = 0
    cma_miss = False
    for what, measured, ok, line in interprocess_rows(doc, t):
        print(f"  {'PASS' if ok else 'MISS'} {line}")
        npass += ok
        nmiss += not ok
        cma_miss |= measured and not ok and what == "cma"
    sizes = {c["size"] for c in doc["cases"]}
    if not any(s >= t["cma_from"] for s in sizes):
        print(f"  (cma target not measured: no size of {t['cma_from'] >> 10} KiB or more "
              f"in --sizes)")
    if t["window_size"] not in sizes:
        print(f"  (window target not measured: {t['window_size']} is not in --sizes)")
    print(f"targets: {npass} PASS, {nmiss} MISS")
    mem_mib = doc["config"]["mem_per_side"] >> 20
    if cma_miss and mem_mib < t["note_when_mem_below_mib"]:
        print(f"  note: with --mem={mem_mib} the memcpy reference works on a cache-sized "
              "working set; --mem=256 compares against a DRAM-sized one")
    return nmiss


def interos(doc, t):
    """Window copies between OS domains against memcpy, and the killed peer's event."""
    print(f"\ntargets: window memory >= {t['from_at_least']:.1f}x local memcpy GB/s at "
          f"{t['from'] >> 10} KiB and up, >= {t['small_at_least']:.1f}x at "
          f"{t['small_size'] >> 10} KiB; a killed member's MEMBER_LEFT within "
          f"{t['member_left_ms_below']} ms")
    npass = nmiss = 0
    for c in doc["cases"]:
        size = c["size"]
        if c["memory"] != "window":
            continue
        if size >= t["from"]:
            need = t["from_at_least"]
        elif size == t["small_size"]:
            need = t["small_at_least"]
        else:
            continue
        head = f"window {fmt_size(size):>5} {c['path']:<16}"
        if not (c["passed"] and c["runs"] > 0 and c["memcpy_gbps"] > 0):
            ok, line = False, f"{head} not measured (the case failed)"
        else:
            got = c["gbps"] / c["memcpy_gbps"]
            mark = " (disturbed)" if c["disturbed"] else ""
            ok, line = got >= need, f"{head} {got:.2f}x memcpy (target {need:.1f}x){mark}"
        print(f"  {'PASS' if ok else 'MISS'} {line}")
        npass += ok
        nmiss += not ok
    left = doc.get("member_left_ms")
    ok = left is not None and left < t["member_left_ms_below"]
    shown = "none within 3 s" if left is None else f"{left:.0f} ms"
    print(f"  {'PASS' if ok else 'MISS'} killed member: MEMBER_LEFT after {shown} "
          f"(target < {t['member_left_ms_below']} ms)")
    npass += ok
    nmiss += not ok
    sizes = {c["size"] for c in doc["cases"]}
    if not any(s >= t["from"] for s in sizes) or t["small_size"] not in sizes:
        print(f"  (a size target is not measured: --sizes lacks {t['small_size']} or "
              f"{t['from']} and up)")
    print(f"targets: {npass} PASS, {nmiss} MISS")
    return nmiss


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("json", nargs="?", help="dma_perf --json output (default: stdin)")
    ap.add_argument("--targets", default=os.path.join(HERE, "targets.json"))
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args()
    try:
        with open(args.targets) as f:
            targets = json.load(f)
        if args.json:
            with open(args.json) as f:
                doc = json.load(f)
        else:
            doc = json.load(sys.stdin)
    except (OSError, ValueError) as e:
        print(f"check_targets: {e}", file=sys.stderr)
        return 2
    if doc.get("mode") == "interprocess" and doc.get("interos"):
        missed = interos(doc, targets["interos"])
    elif doc.get("mode") == "interprocess":
        missed = interprocess(doc, targets["interprocess"])
    else:
        missed = engine(doc, targets["engine"])
    sys.stdout.flush()
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
