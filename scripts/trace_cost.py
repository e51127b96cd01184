#!/usr/bin/env python3
"""Measures what trace points cost: the benchmark's 64 B copy rate with trace points
compiled in but disabled, against a library built without them (cargo feature
`trace` off), and the caller's extra time per event with every lib.dmadev point on.
Rounds alternate the two compared runs' order, after a warm-up round that is not
counted (the first run of a session ran up to 30% slow). The two runs of a round are
back to back, so their ratio is judged, by its median over the rounds, with the
range printed beside it (the best of each configuration is printed too, but one
lucky round decides it). Usage: scripts/trace_cost.py [rounds] (after a meson build)."""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from cargo_build import cargo_build, link_shared  # noqa: E402
BUILD = os.environ.get("BUILD_DIR", os.path.join(ROOT, "build"))


def notrace_lib(tmp):
    rc, built = cargo_build(ROOT, os.path.join(BUILD, "cargo-notrace"), "release", features="")
    d = os.path.join(tmp, "notrace")
    os.makedirs(d)
    if rc != 0 or link_shared(ROOT, os.path.join(built, "librte_dmadev.a"), os.path.join(d, "librte_dmadev.so.27")):
        sys.exit("building the library without trace points failed")
    return d


def run(libdir, eal_args, trace_dir):
    env = dict(os.environ)
    if libdir:
        env["LD_LIBRARY_PATH"] = libdir
    # dma_perf_calls: the library's exported fast-path functions, where the trace
    # points are (the header's inline fast path has none, as DPDK's by default).
    cmd = [os.path.join(BUILD, "bench", "dma_perf_calls"), *eal_args, "--", "--sizes=64", "--tests=copy",
           "--device=dma_skeleton", "--repeat=1", "--seconds=0.5", "--json"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=trace_dir)
    if out.returncode != 0:
        sys.exit(f"dma_perf_calls failed: {out.stderr[-500:]}")
    case = json.loads(out.stdout)["cases"][0]
    return case["mops"], case["caller_ns_per_op"], case["bursts"] / max(case["mops"] * 0.5e6, 1)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    with tempfile.TemporaryDirectory(prefix="dmadev-trace-cost-") as tmp:
        notrace = notrace_lib(tmp)
        offs, outs, on_ns, off_ns, epo = [], [], [], [], []
        run(None, [], tmp)
        run(notrace, [], tmp)
        for r in range(rounds):
            # The two compared runs take turns going first; the traced run goes last
            # and its trace is flushed to disk before the next round, so that the
            # write-back does not land on either of them.
            if r % 2 == 0:
                off = run(None, [], tmp)
                out = run(notrace, [], tmp)
            else:
                out = run(notrace, [], tmp)
                off = run(None, [], tmp)
            on = run(None, ["--trace=lib.dmadev.*", f"--trace-dir={tmp}/traces", "--trace-bufsz=64M"], tmp)
            shutil.rmtree(f"{tmp}/traces", ignore_errors=True)
            os.sync()
            offs.append(off[0])
            outs.append(out[0])
            # Per operation: one copy event, and per burst one submit and about one
            # completed event.
            epo.append(1 + 2 * off[2])
            on_ns.append(on[1])
            off_ns.append(off[1])
            print(f"round {r + 1}: compiled out {out[0]:.2f} Mops/s, disabled {off[0]:.2f} Mops/s "
                  f"({(off[0] / out[0] - 1) * 100:+.1f}%), enabled {on[0]:.2f} Mops/s; caller "
                  f"{off[1]:.1f} -> {on[1]:.1f} ns/op", flush=True)
        best_off, best_out = max(offs), max(outs)
        print(f"\nbest of {rounds}: compiled out {best_out:.2f} Mops/s, disabled {best_off:.2f} Mops/s "
              f"({(best_off / best_out - 1) * 100:+.1f}%)")
        pairs = sorted(o / c for o, c in zip(offs, outs))
        rel = statistics.median(pairs)
        print(f"median of the {rounds} rounds' ratios: {(rel - 1) * 100:+.1f}% small-copy rate "
              f"(rounds from {(pairs[0] - 1) * 100:+.1f}% to {(pairs[-1] - 1) * 100:+.1f}%; "
              f"bound: no worse than -2%) -> {'PASS' if rel >= 0.98 else 'MISS'}")
        events_per_op = statistics.median(epo)
        print(f"tracing on: caller {min(off_ns):.1f} -> {min(on_ns):.1f} ns/op (best rounds), "
              f"about {(min(on_ns) - min(off_ns)) / events_per_op:.1f} ns per event "
              f"({events_per_op:.2f} events per copy)")


if __name__ == "__main__":
    main()
