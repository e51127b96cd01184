#!/usr/bin/env python3
"""Builds librte_dmadev with cargo for meson and copies the libraries into meson's
build directory: librte_dmadev.so.27 (the soname), librte_dmadev.so and librte_dmadev.a.

usage: cargo_build.py <source root> <cargo target dir> <output dir> <profile>
"""
import os
import shutil
import subprocess
import sys


def main() -> int:
    root, target_dir, out_dir, profile = sys.argv[1:5]
    cargo = os.environ.get("CARGO", "cargo")
    cmd = [cargo, "build", "--manifest-path", os.path.join(root, "Cargo.toml"),
           "-p", "rte_dmadev", "--target-dir", target_dir]
    if profile == "release":
        cmd.append("--release")
    res = subprocess.run(cmd)
    if res.returncode != 0:
        return res.returncode
    built = os.path.join(target_dir, "release" if profile == "release" else "debug")
    os.makedirs(out_dir, exist_ok=True)
    shutil.copy2(os.path.join(built, "librte_dmadev.so"), os.path.join(out_dir, "librte_dmadev.so.27"))
    shutil.copy2(os.path.join(built, "librte_dmadev.so"), os.path.join(out_dir, "librte_dmadev.so"))
    shutil.copy2(os.path.join(built, "librte_dmadev.a"), os.path.join(out_dir, "librte_dmadev.a"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
