#!/usr/bin/env python3
"""Builds app.c the way a DPDK build does and runs it on our library through the
compatibility directory, with the dynamic linker's complaints treated as failures.

A DPDK build links a program against DPDK's own libraries: it records each library's
soname (librte_eal.so.27, ...) and, for every symbol, the version node DPDK gives it.
Here stand-ins of those libraries, made from ffi/symbols.tsv (same sonames, nodes,
symbol kinds and data sizes), play DPDK at link time; the program (inline fast path,
TLS rte_errno and lcore id, `-Wl,--as-needed` as DPDK's libdpdk.pc) is linked against
them as a position-independent and as a fixed-address executable (the latter gets
copy relocations for data such as rte_dma_fp_objs), then run with
LD_LIBRARY_PATH=<compat dir> and LD_BIND_NOW=1. Without the compatibility directory
it must fail to start (so the test sees the libraries come from there).

usage: check_dpdk_built.py <source root> <compat dir>
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
from version_script import NODE_ORDER, read_table  # noqa: E402

# What the dynamic linker prints when a program and its libraries disagree.
LOADER_COMPLAINTS = re.compile(r"no version information|version `[^']*' not found|symbol lookup error|"
                               r"error while loading shared libraries|has different size|"
                               r"copy relocation against", re.I)
# The libraries a dmadev program links (librte_log for RTE_LOG, librte_bus_vdev for
# rte_vdev_init), in DPDK's link order.
LINK = ["-lrte_dmadev", "-lrte_bus_vdev", "-lrte_eal", "-lrte_log"]


def stub_library(rows, soname, out_dir, cc):
    """A stand-in for DPDK's `soname`: its symbols, kinds and nodes, no code."""
    decls, by_node = [], {}
    for symbol, _lib, node, kind in rows:
        by_node.setdefault(node, []).append(symbol)
        decls.append({"function": f"void {symbol}(void) {{}}",
                      "data": f"void *{symbol};",  # every DPDK data symbol here is 8 bytes
                      "tls": f"__thread int {symbol};"}[kind])
    src = os.path.join(out_dir, soname + ".c")
    with open(src, "w") as f:
        f.write("\n".join(decls) + "\n")
    script = os.path.join(out_dir, soname + ".map")
    with open(script, "w") as f:
        nodes = [n for n in NODE_ORDER if n in by_node]
        for i, node in enumerate(nodes):
            local = " local: *;" if i == 0 else ""
            f.write(f"{node} {{ global: {' '.join(s + ';' for s in by_node[node])}{local} }};\n")
    lib = os.path.join(out_dir, soname)
    subprocess.run([cc, "-shared", "-fPIC", "-o", lib, src, f"-Wl,-soname,{soname}",
                    f"-Wl,--version-script={script}"], check=True)
    os.symlink(soname, os.path.join(out_dir, soname.split(".so")[0] + ".so"))


def build_app(root, stubs, out, cc, pie):
    cmd = [cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE",
           "-I", os.path.join(root, "include"), os.path.join(HERE, "app.c"), "-o", out,
           "-L", stubs, "-Wl,--as-needed", *LINK]
    cmd[1:1] = ["-fPIE", "-pie"] if pie else ["-fno-pie", "-no-pie"]
    subprocess.run(cmd, check=True)


def version_needs(app):
    """{soname: {nodes}} the program records (readelf -V)."""
    out = subprocess.run(["readelf", "-V", "-W", app], capture_output=True, text=True, check=True).stdout
    needs, current = {}, None
    for line in out.splitlines():
        m = re.search(r"File: (\S+)", line)
        if m:
            current = needs.setdefault(m.group(1), set())
            continue
        m = re.search(r"Name: (\S+)", line)
        if m and current is not None:
            current.add(m.group(1))
    return needs


def run(app, libdir):
    env = dict(os.environ, LD_BIND_NOW="1")
    env.pop("LD_PRELOAD", None)
    if libdir:
        env["LD_LIBRARY_PATH"] = libdir
    else:
        env.pop("LD_LIBRARY_PATH", None)
    return subprocess.run([app, "--no-huge", "--lcores=0@0,1@0", "--log-level=lib.eal:error"], env=env,
                          capture_output=True, text=True, timeout=120)


def main():
    root, compat = sys.argv[1], os.path.abspath(sys.argv[2])
    cc = os.environ.get("CC", "cc")
    rows = read_table(os.path.join(root, "ffi", "symbols.tsv"))
    failures = 0
    with tempfile.TemporaryDirectory(prefix="dmadev-dpdk-built-") as tmp:
        stubs = os.path.join(tmp, "dpdk")
        os.makedirs(stubs)
        for soname in sorted({r[1] for r in rows if r[1] != "-"}):
            stub_library([r for r in rows if r[1] == soname], soname, stubs, cc)
        for pie in (True, False):
            kind = "PIE" if pie else "non-PIE"
            app = os.path.join(tmp, f"app-{'pie' if pie else 'nopie'}")
            build_app(root, stubs, app, cc, pie)
            needs = version_needs(app)
            expected = {"librte_dmadev.so.27": {"DPDK_27", "INTERNAL"}, "librte_eal.so.27": {"DPDK_27"}}
            for soname, nodes in expected.items():
                if not nodes <= needs.get(soname, set()):
                    print(f"FAIL {kind}: {soname} needs {sorted(needs.get(soname, []))}, expected {sorted(nodes)}")
                    failures += 1
            res = run(app, compat)
            complaints = [l for l in res.stderr.splitlines() if LOADER_COMPLAINTS.search(l)]
            if res.returncode != 0 or complaints:
                print(f"FAIL {kind}: exit {res.returncode}\n{res.stdout}{res.stderr}")
                failures += 1
            else:
                print(f"{kind}: {res.stdout.strip()} (needs {', '.join(f'{s}: {sorted(n)}' for s, n in sorted(needs.items()) if s.startswith('librte'))})")
            bare = run(app, None)
            if bare.returncode == 0:
                print(f"FAIL {kind}: ran without the compatibility directory, so it did not test it")
                failures += 1
    print(f"dpdk_built: {'OK' if failures == 0 else f'{failures} failures'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
