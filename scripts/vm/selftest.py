#!/usr/bin/env python3
"""The guest harness checks itself: a guest sees the host's file as ivshmem, and our
own code runs in it.

1. The core's `open_bar` (src/domain/pci.rs) on the guest's real sysfs and BAR, found
   by its PCI address and then by its ids: the guest reads the bytes the host put in
   the region file and writes replies (one per way) the host reads back after the
   guest is gone; one boot.
2. A program linked statically (glibc and librte_dmadev.a) runs in the guest: DPDK's
   dmadev API tests on dma_skeleton, copies included.

Usage: selftest.py STATIC_API_TEST   (the `-static` build of test_dmadev_api.c)
Exit status 0 passed, 1 failed, 77 skipped (QEMU, kernel or busybox missing).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest as vm  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# Must match the constants of guest_real_ivshmem_bar in src/domain/pci.rs.
HOST_MAGIC = b"dmadev-vm: host -> guest"
GUEST_REPLY = b"dmadev-vm: guest -> host"
GUEST_REPLY_AT = 4096
REPLIES_AT = (GUEST_REPLY_AT, GUEST_REPLY_AT + 64)   # by address, by ids
REGION_SIZE = 1 << 20
BOOT_TIMEOUT = 60


def core_test_binary():
    """The core's unit-test executable (built by `cargo test`, else built now)."""
    out = subprocess.run(
        ["cargo", "test", "-p", "dmadev", "--lib", "--no-run", "--message-format=json"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") \
                and msg["target"]["name"] == "dmadev":
            return msg["executable"]
    raise RuntimeError("cargo built no unit-test executable for dmadev")


def bar_round_trip(test_binary):
    """One boot: open_bar by address, then by ids, each replying at its own offset."""
    with tempfile.NamedTemporaryFile(dir="/dev/shm", prefix="dmadev-selftest-") as region:
        region.truncate(REGION_SIZE)
        region.write(HOST_MAGIC)
        region.flush()
        g = vm.Guest(test_binary, ["--ignored", "--exact", "--test-threads=1",
                                   "domain::pci::tests::guest_real_ivshmem_bar"],
                     region=region.name, env={"DMADEV_TEST_IVSHMEM_ADDR": vm.GUEST_PCI_ADDR})
        with g:
            status = g.start().wait(BOOT_TIMEOUT)
        replies = []
        for at in REPLIES_AT:
            region.seek(at)
            replies.append(region.read(len(GUEST_REPLY)))
    if status != 0:
        print(f"FAIL: open_bar in the guest: status {status}")
        return False
    if replies != [GUEST_REPLY] * len(REPLIES_AT):
        print(f"FAIL: the guest's replies are not in the host file: {replies!r}")
        return False
    print(f"ok: open_bar in the guest, device at {vm.GUEST_PCI_ADDR} and found by its ids: "
          f"host bytes read there, replies read here (guest ran {g.seconds:.0f} s)")
    return True


def static_program(program):
    g = vm.Guest(program)
    with g:
        status = g.start().wait(BOOT_TIMEOUT)
    if status != 0:
        print(f"FAIL: {os.path.basename(program)} in the guest: status {status}")
        return False
    print(f"ok: {os.path.basename(program)} (static glibc + librte_dmadev.a) passed in the guest "
          f"(guest ran {g.seconds:.0f} s)")
    return True


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    vm.exit_on_sigterm()
    try:
        vm.Guest(sys.argv[1])
    except vm.Unavailable as e:
        print(f"skipped: {e}")
        return vm.SKIP
    started = time.monotonic()
    test_binary = core_test_binary()
    print(f"cargo gave the core's test executable in {time.monotonic() - started:.1f} s")
    ok = bar_round_trip(test_binary)
    ok = static_program(sys.argv[1]) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
