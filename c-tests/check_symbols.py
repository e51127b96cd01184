#!/usr/bin/env python3
"""Checks the built library's dynamic symbols against ffi/symbols.tsv (DPDK 26.11's
library and version node of every symbol, and ours): each listed symbol is exported
as the default version of its node and with its kind (a function, data, or a TLS
variable, as DPDK-built code expects), nothing else is exported, every version node
is defined, and every symbol the Rust sources export by name (`#[no_mangle]`, the
per-lcore variables) is in the table, so the version script cannot hide one.

usage: check_symbols.py <librte_dmadev.so> <source root>
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from version_script import NODE_ORDER, read_table  # noqa: E402

ELF_TYPE = {"function": "FUNC", "data": "OBJECT", "tls": "TLS"}


def exported(lib):
    """{name: (version, elf type)} of the defined dynamic symbols."""
    out = subprocess.run(["readelf", "--dyn-syms", "-W", lib], capture_output=True, text=True,
                         check=True).stdout
    syms = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) < 8 or not f[0].rstrip(":").isdigit() or f[6] == "UND":
            continue
        name, _, version = f[7].partition("@@")
        syms[name] = (version or None, f[3])
    return syms


# Names the C parts of the library call into Rust with (ffi/csrc): C linkage, but
# internal, so never exported.
INTERNAL_PREFIX = "dmadev_rs_"


def rust_exports(root):
    """Names the Rust sources give C linkage for the library's users."""
    names = set()
    for top in ("src", "ffi/src"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for fn in files:
                if not fn.endswith(".rs"):
                    continue
                text = open(os.path.join(dirpath, fn), encoding="utf-8").read()
                text = text.split("#[cfg(test)]")[0]
                for m in re.finditer(r"#\[unsafe\(no_mangle\)\]\s*(?:#\[[^\]]*\]\s*)*"
                                     r"pub (?:unsafe )?(?:extern \"C\" fn|static(?: mut)?) (\w+)", text):
                    if not m.group(1).startswith(INTERNAL_PREFIX):
                        names.add(m.group(1))
                for m in re.finditer(r'per_lcore_variable!\([^;]*?"(per_lcore__\w+)"', text, re.S):
                    names.add(m.group(1))
    return names


def main():
    lib, root = sys.argv[1:3]
    table = read_table(os.path.join(root, "ffi", "symbols.tsv"))
    syms = exported(lib)
    problems = []
    listed = set()
    for symbol, dpdk_lib, node, kind in table:
        listed.add(symbol)
        got = syms.get(symbol)
        if got is None:
            problems.append(f"{symbol} ({node}, {dpdk_lib}) is not exported")
        elif got != (node, ELF_TYPE[kind]):
            problems.append(f"{symbol}: exported as {got[1]} in {got[0]}, the table (DPDK) has {ELF_TYPE[kind]} in {node}")
    for name, (version, _) in sorted(syms.items()):
        if name in NODE_ORDER and version is None:
            continue
        if name not in listed:
            problems.append(f"{name}@{version} is exported but not in ffi/symbols.tsv")
    for node in NODE_ORDER:
        if node not in syms:
            problems.append(f"version node {node} is not defined")
    for name in sorted(rust_exports(root) - listed):
        problems.append(f"{name} is exported by the Rust sources but missing from ffi/symbols.tsv "
                        "(the version script hides it)")
    counts = {n: sum(1 for r in table if r[2] == n) for n in NODE_ORDER}
    for p in problems:
        print("FAIL:", p)
    print(f"symbols: {len(table)} checked ({', '.join(f'{n} {c}' for n, c in counts.items())}), "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
