#!/usr/bin/env python3
"""The linker version script of librte_dmadev.so, made from ffi/symbols.tsv: each
symbol in its DPDK node (DPDK_27, EXPERIMENTAL, INTERNAL) or ours (DMADEV_RS_1),
everything else local, as DPDK's generated exports map does.

usage: version_script.py <symbols.tsv>             (prints the script)
       version_script.py --sonames <symbols.tsv>  (the DPDK sonames the library stands for)
"""
import sys

# DPDK's nodes first (the one with `local: *` as in DPDK's map), ours last.
NODE_ORDER = ["DPDK_27", "EXPERIMENTAL", "INTERNAL", "DMADEV_RS_1"]


def read_table(path):
    """[(symbol, dpdk library, node, kind)] of the table, comments skipped."""
    rows = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4 or fields[2] not in NODE_ORDER:
            raise ValueError(f"{path}: bad line: {line!r}")
        rows.append(tuple(fields))
    return rows


def version_script(path):
    by_node = {node: [] for node in NODE_ORDER}
    for symbol, _lib, node, _kind in read_table(path):
        by_node[node].append(symbol)
    out = []
    for node in NODE_ORDER:
        out.append(f"{node} {{\n\tglobal:\n")
        out.extend(f"\t{s};\n" for s in sorted(by_node[node]))
        if node == NODE_ORDER[0]:
            out.append("\n\tlocal: *;\n")
        out.append("};\n\n")
    return "".join(out)


def dpdk_sonames(path):
    """The DPDK libraries (sonames) whose symbols the library exports."""
    return sorted({lib for _s, lib, _n, _k in read_table(path) if lib != "-"})


if __name__ == "__main__":
    if sys.argv[1] == "--sonames":
        print("\n".join(dpdk_sonames(sys.argv[2])))
    else:
        sys.stdout.write(version_script(sys.argv[1]))
