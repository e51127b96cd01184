#!/usr/bin/env python3
"""Runs test_trace with --trace=lib.dmadev.* into a private directory, reads the
trace back with babeltrace2 and checks the events DPDK would write: their names,
field names in DPDK's order, and the values of the known sequence of calls.
test_trace emits every trace point; each one's fields as babeltrace2 prints them
(names, order, and the printed form of their types) must equal the point's one
description in src/trace/points.rs, as must the events of the CTF metadata.
Exits 77 (meson's "skipped") when babeltrace2 is not installed."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

# As DPDK, calls that query the device info internally (configure, vchan_setup,
# dump, the group calls) emit an info_get event before their own.
EXPECTED_ORDER = [
    "info_get", "info_get", "configure", "info_get", "vchan_setup", "start", "copy", "fill",
    "submit", "completed", "burst_capacity", "stats_get", "stats_reset", "copy_sg",
    "completed_status", "vchan_status", "enqueue_ops", "dequeue_ops", "info_get", "dump", "stop", "close", "info_get", "configure", "info_get", "access_pair_group_create",
    "info_get", "access_pair_group_handler_get", "info_get", "vchan_setup",
    "info_get", "access_pair_group_join", "info_get", "access_pair_group_leave", "info_get",
    "access_pair_group_destroy", "close",
    "info_get", "region_control", "access_pair_group_create", "info_get", "region_control",
    "access_pair_group_destroy", "close",
]
POINTS_RS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "trace", "points.rs")
# How each field type is declared in the CTF metadata (src/trace/ctf.rs) and printed
# by babeltrace2 (signed decimal, unsigned hexadecimal, strings quoted, arrays).
CTF_DECL = {
    "U8": "uint8_t {}", "I16": "int16_t {}", "U16": "uint16_t {}", "I32": "int32_t {}",
    "U32": "uint32_t {}", "U64": "uint64_t {}", "Ptr": "uintptr_t {}",
    "Str32": "string_bounded_t {}[32]", "Uuid": "uint8_t {}[16]",
}
SIGNED, UNSIGNED = r"-?\d+", r"0x[0-9A-F]+"
PRINTED = {
    "U8": UNSIGNED, "I16": SIGNED, "U16": UNSIGNED, "I32": SIGNED, "U32": UNSIGNED,
    "U64": UNSIGNED, "Ptr": UNSIGNED, "Str32": r'".*"', "Uuid": r"\[ \[0\] = .*\[15\] = 0x[0-9A-F]+ \]",
}


def described_points():
    """Each point's name and fields [(name, type)] from the points! invocation."""
    text = open(POINTS_RS).read()
    body = text[text.index("\npoints! {\n"):]
    points = {}
    for m in re.finditer(r"^    (\w+) = \"([^\"]+)\", (?:owned|exported \w+) \{\n(.*?)^    \}", body, re.M | re.S):
        if m.group(2) != f"lib.dmadev.{m.group(1)}":
            fail(f"point {m.group(1)} is named {m.group(2)}")
        points[m.group(2)] = re.findall(r"^        (\w+): (\w+),$", m.group(3), re.M)
    if len(points) != 25 or any(not f or any(t not in CTF_DECL for _, t in f) for f in points.values()):
        fail(f"could not read the 25 point descriptions from {POINTS_RS}: {points}")
    return points


def metadata_points(path):
    """Each event's name and field declarations in the CTF metadata."""
    out = {}
    for m in re.finditer(r'name = "([^"]+)";\s*fields := struct \{(.*?)\};', open(path).read(), re.S):
        out[m.group(1)] = [d.strip() for d in m.group(2).split(";") if d.strip()]
    return out


VCHAN_SETUP_FIELDS = [
    "dev_id", "vchan", "conf_direction", "conf_nb_desc", "conf_src_port_port_type",
    "conf_src_port_pcie_val", "conf_dst_port_port_type", "conf_dst_port_pcie_val",
    "conf_auto_free_m2d_pool", "conf_domain_type", "conf_domain_src_handler",
    "conf_domain_dst_handler", "ret",
]


def fail(msg):
    print(f"FAIL: {msg}")
    print("0 passed, 1 failed")
    sys.exit(1)


def fields(line):
    """The event's payload as an ordered list of (name, value)."""
    body = line.rsplit("}, {", 1)[-1].rstrip("}").strip()
    out = []
    for part in re.split(r",\s(?=[a-z0-9_]+ = )", body):
        name, _, value = part.partition(" = ")
        out.append((name.strip(), value.strip()))
    return out


def main():
    exe = sys.argv[1]
    babeltrace = shutil.which("babeltrace2")
    if babeltrace is None:
        print("SKIP: babeltrace2 is not installed (Debian package babeltrace2)")
        sys.exit(77)
    with tempfile.TemporaryDirectory(prefix="dmadev-trace-") as tmp:
        env = dict(os.environ, DMADEV_RUNTIME_DIR=os.path.join(tmp, "run"))
        run = subprocess.run([exe, "--trace=lib.dmadev.*", f"--trace-dir={tmp}", "--file-prefix=tt"],
                             env=env, capture_output=True, text=True, timeout=60)
        print(run.stdout, end="")
        if run.returncode != 0:
            fail(f"test_trace exited {run.returncode}: {run.stderr}")
        handler = re.search(r"handler (\d+) group (-?\d+)", run.stdout)
        dirs = [d for d in os.listdir(tmp) if d.startswith("tt-")]
        if len(dirs) != 1 or not re.fullmatch(r"tt-\d{4}-\d\d-\d\d-(AM|PM)-\d\d-\d\d-\d\d", dirs[0]):
            fail(f"expected one trace directory named like DPDK's, got {dirs}")
        tdir = os.path.join(tmp, dirs[0])
        files = sorted(os.listdir(tdir))
        if "metadata" not in files or not any(f.startswith("channel0_") for f in files):
            fail(f"trace directory holds {files}")
        out = subprocess.run([babeltrace, tdir], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            fail(f"babeltrace2 failed: {out.stderr}")
        lines = [l for l in out.stdout.splitlines() if " lib.dmadev." in l]
        names = [re.search(r" lib\.dmadev\.([a-z_]+):", l).group(1) for l in lines]
        # The calls in order (completed and completed_status may repeat while polling).
        polls = ("completed", "completed_status")
        compact = [n for i, n in enumerate(names) if not (n in polls and i and names[i - 1] == n)]
        print(f"babeltrace2 read {len(lines)} events: {' '.join(compact)}")
        if compact != EXPECTED_ORDER:
            fail(f"event sequence\n  got      {compact}\n  expected {EXPECTED_ORDER}")
        by_name = {}
        for n, l in zip(names, lines):
            by_name.setdefault(n, []).append(dict(fields(l)))
            if "name = \"" not in l.split("}, {")[0]:
                fail(f"no thread name in the packet context: {l}")
        # Every point's layout, as babeltrace2 reads it, is its description.
        described = described_points()
        in_metadata = metadata_points(os.path.join(tdir, "metadata"))
        for name, flds in described.items():
            decls = [CTF_DECL[t].format(f) for f, t in flds]
            if in_metadata.get(name) != decls:
                fail(f"metadata of {name}: {in_metadata.get(name)}, described {decls}")
        if set(in_metadata) != set(described):
            fail(f"metadata events {sorted(in_metadata)} are not the described {sorted(described)}")
        missing = sorted(set(described) - {f"lib.dmadev.{n}" for n in names})
        if missing:
            fail(f"test_trace did not emit {missing}")
        for n, l in zip(names, lines):
            want = described[f"lib.dmadev.{n}"]
            got = fields(l)
            if [f for f, _ in got] != [f for f, _ in want]:
                fail(f"{n} fields {[f for f, _ in got]}, described {[f for f, _ in want]}")
            for (f, v), (_, t) in zip(got, want):
                if not re.fullmatch(PRINTED[t], v):
                    fail(f"{n} field {f} = {v} is not printed as a {t}")
        print(f"all {len(described)} trace points read back with their described layout")
        vs_lines = [l for l in lines if " lib.dmadev.vchan_setup:" in l]
        if [f for f, _ in fields(vs_lines[0])] != VCHAN_SETUP_FIELDS:
            fail(f"vchan_setup fields {[f for f, _ in fields(vs_lines[0])]}")
        checks = [
            (by_name["info_get"][0], {"dev_info_dev_name": '"dma_skeleton"', "dev_info_max_desc": "0x2000"}),
            (by_name["configure"][0], {"dev_conf_nb_vchans": "0x1", "ret": "0"}),
            (by_name["vchan_setup"][0], {"conf_nb_desc": "0x40", "conf_domain_type": "0", "ret": "0"}),
            (by_name["copy"][0], {"length": "0x1000", "flags": "0x0", "ret": "0"}),
            (by_name["fill"][0], {"pattern": "0x1122334455667788", "length": "0x40", "ret": "1"}),
            (by_name["submit"][0], {"ret": "0"}),
            (by_name["stats_get"][0], {"stats_submitted": "0x2", "stats_completed": "0x2", "ret": "0"}),
            (by_name["close"][0], {"ret": "0"}),
            (by_name["vchan_setup"][1], {
                "conf_domain_type": "1",
                "conf_domain_src_handler": hex(int(handler.group(1))),
                "conf_domain_dst_handler": hex(int(handler.group(1))),
                "ret": "0",
            }),
            (by_name["access_pair_group_create"][0], {"group_id": handler.group(2), "token_set": "0x1", "ret": "0"}),
            (by_name["copy_sg"][0], {"nb_src": "0x1", "nb_dst": "0x1", "flags": "0x2", "ret": "2"}),
            (by_name["completed_status"][-1], {"nb_cpls": "0x2", "last_idx_val": "0x2", "ret": "0x1"}),
            (by_name["vchan_status"][0], {"ret": "0"}),
            (by_name["enqueue_ops"][0], {"nb_ops": "0x0"}),
            (by_name["access_pair_group_join"][0], {"token_set": "0x1", "ret": "-17"}),
            (by_name["access_pair_group_leave"][0], {"ret": "-1"}),
            (by_name["region_control"][0], {"group_id": "0", "what": "0x0", "ret": "0"}),
            (by_name["region_control"][1], {"group_id": "0", "what": "0x2", "ret": "0"}),
        ]
        for got, want in checks:
            for k, v in want.items():
                if got.get(k) != v:
                    fail(f"field {k}: expected {v}, got {got.get(k)} in {got}")
        # The group token is a secret: no field may hold it.
        create = by_name["access_pair_group_create"][0]
        if "token" in create or any(k != "domain_id" and "[15]" in v for k, v in create.items()):
            fail(f"the group token reached the trace: {create}")
        completed = [e for e in by_name["completed"] if e["ret"] != "0x0"]
        if not completed or completed[-1]["last_idx_val"] != "0x1":
            fail(f"completed events {by_name['completed'][-3:]}")
    print("trace read back by babeltrace2 with DPDK's event and field names")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
