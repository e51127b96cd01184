#!/usr/bin/env python3
"""Builds librte_dmadev with cargo for meson: cargo makes the static library, then
the shared library is linked from it with the version script of ffi/symbols.tsv
(rustc's own cdylib link brings an anonymous version script, which cannot coexist
with DPDK's named nodes). Writes librte_dmadev.so.27 (the soname), librte_dmadev.so
and librte_dmadev.a into meson's build directory.

usage: cargo_build.py <source root> <cargo target dir> <output dir> <profile>
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from version_script import version_script  # noqa: E402

SONAME = "librte_dmadev.so.27"
# What the Rust standard library inside the archive needs from the system.
SYSTEM_LIBS = ["-lgcc_s", "-lpthread", "-ldl", "-lm", "-lc"]


def link_shared(root, archive, out):
    """Links the shared library `out` from the static `archive`, exporting exactly
    the symbols of ffi/symbols.tsv, each in its version node."""
    script = out + ".map"
    with open(script, "w", encoding="utf-8") as f:
        f.write(version_script(os.path.join(root, "ffi", "symbols.tsv")))
    cmd = [os.environ.get("CC", "cc"), "-shared", "-o", out,
           f"-Wl,-soname,{SONAME}", f"-Wl,--version-script={script}",
           "-Wl,--whole-archive", archive, "-Wl,--no-whole-archive",
           "-Wl,--gc-sections", "-Wl,-z,relro,-z,now", "-Wl,--no-undefined"] + SYSTEM_LIBS
    return subprocess.run(cmd).returncode


def cargo_build(root, target_dir, profile, features=None):
    """Builds the C ABI crate; returns cargo's exit code and the output directory."""
    cargo = os.environ.get("CARGO", "cargo")
    cmd = [cargo, "build", "--manifest-path", os.path.join(root, "Cargo.toml"),
           "-p", "rte_dmadev", "--target-dir", target_dir]
    if profile == "release":
        cmd.append("--release")
    if features is not None:
        cmd += ["--no-default-features", "--features", features] if features else ["--no-default-features"]
    res = subprocess.run(cmd)
    return res.returncode, os.path.join(target_dir, "release" if profile == "release" else "debug")


def main() -> int:
    root, target_dir, out_dir, profile = sys.argv[1:5]
    rc, built = cargo_build(root, target_dir, profile)
    if rc != 0:
        return rc
    os.makedirs(out_dir, exist_ok=True)
    archive = os.path.join(out_dir, "librte_dmadev.a")
    shutil.copy2(os.path.join(built, "librte_dmadev.a"), archive)
    shared = os.path.join(out_dir, SONAME)
    rc = link_shared(root, archive, shared)
    if rc != 0:
        return rc
    shutil.copy2(shared, os.path.join(out_dir, "librte_dmadev.so"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
