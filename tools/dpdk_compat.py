#!/usr/bin/env python3
"""Makes the DPDK compatibility directory in the build tree: one symlink per DPDK
soname the library stands for (librte_eal.so.27, ...), each to librte_dmadev.so.27,
so a program built against DPDK finds every library it was linked with here.

usage: dpdk_compat.py <output dir> <relative link target> <soname>...
"""
import os
import sys


def main():
    out_dir, target, sonames = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out_dir, exist_ok=True)
    for soname in sonames:
        link = os.path.join(out_dir, soname)
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(target, link)
    return 0


if __name__ == "__main__":
    sys.exit(main())
