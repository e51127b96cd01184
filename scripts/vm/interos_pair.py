#!/usr/bin/env python3
"""Runs examples/interos_vm.c as a pair: the host side here, the guest side in a QEMU
guest (scripts/vm/guest.py) that shares the host's region file as ivshmem.

It creates the region file, starts the host program on it and boots the guest, and
passes the programs' out-of-band lines ("OOB ...": group id, token, domains,
addresses, checksums, progress) from one to the other, as an application would over
its own channel: the host's stdin/stdout, the guest's serial console.

    interos_pair.py HOST_PROGRAM GUEST_PROGRAM [--kill] [--by-id]

GUEST_PROGRAM must be linked statically (the guest has no C library).  With --kill
the guest is killed (QEMU ends, as a crashed VM does) once the exchange is done, and
the host must see RTE_DMA_GROUP_EVENT_MEMBER_LEFT within 1 s; without it the guest
leaves the group and powers off.  Exit status 0 passed, 1 failed, 77 skipped (QEMU,
the kernel or busybox missing).
"""
import argparse
import os
import queue
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest as vm  # noqa: E402

REGION_SIZE = 64 << 20          # a power of two: it is the guest's BAR 2
WINDOW = "16M"                  # each side's rte_malloc heap inside the region
TOTAL_TIMEOUT = 170             # the whole pair, boot included
EVENT_LIMIT = 1.0               # seconds from the kill to the host's MEMBER_LEFT


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("host_program")
    ap.add_argument("guest_program")
    ap.add_argument("--kill", action="store_true",
                    help="kill the guest after the exchange; the host must notice in 1 s")
    ap.add_argument("--by-id", action="store_true",
                    help="the guest finds the ivshmem device by its ids (os_region=pci)")
    a = ap.parse_args()

    region = f"/dev/shm/dmadev-vm-{os.getpid()}"
    device = "pci" if a.by_id else f"pci:{vm.GUEST_PCI_ADDR}"
    guest_args = [f"--vdev=dma_interdomain,os_region={device},os_window={WINDOW}",
                  "--", "--role=guest"] + (["--stay"] if a.kill else [])
    host_args = [f"--vdev=dma_interdomain,os_region={region},os_window={WINDOW}",
                 "--", "--role=host"]
    with open(region, "wb") as f:
        f.truncate(REGION_SIZE)
    try:
        try:
            guest = vm.Guest(a.guest_program, guest_args, region=region, tag="[vm] ")
        except vm.Unavailable as e:
            print(f"skipped: {e}")
            return vm.SKIP
        with guest:
            return run_pair(a, guest, host_args)
    finally:
        os.unlink(region)


def run_pair(a, guest, host_args):
    events = queue.Queue()
    host = subprocess.Popen([a.host_program] + host_args, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def host_lines():
        for line in host.stdout:
            events.put(("host", line.rstrip("\n")))
        events.put(("host", None))

    def guest_lines():
        while True:
            line = guest.lines.get()
            events.put(("guest", line))
            if line is None:
                return

    threading.Thread(target=host_lines, daemon=True).start()
    guest.start()
    threading.Thread(target=guest_lines, daemon=True).start()

    deadline = time.monotonic() + TOTAL_TIMEOUT
    guest_done = host_bye = guest_ready = False
    held = []
    killed_at = left_after = None
    host_open = guest_open = True
    try:
        while host_open and time.monotonic() < deadline:
            try:
                who, line = events.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                if who == "host":
                    host_open = False
                else:
                    guest_open = False
                continue
            if who == "host":
                print(line, flush=True)
            if not line.startswith("OOB "):
                continue
            if who == "host":
                # The guest's console drops what arrives before its program reads.
                if guest_ready and guest_open:
                    guest.send(line)
                else:
                    held.append(line)
                host_bye |= line == "OOB bye"
                if line == "OOB member-left" and killed_at is not None:
                    left_after = time.monotonic() - killed_at
            elif line == "OOB ready":
                guest_ready = True
                for held_line in held:
                    guest.send(held_line)
                held.clear()
            else:
                host.stdin.write(line + "\n")
                host.stdin.flush()
                guest_done |= line == "OOB done"
            if a.kill and guest_done and host_bye and killed_at is None:
                guest.proc.kill()
                killed_at = time.monotonic()
                print("== guest killed", flush=True)
        host_status = host.wait(timeout=max(deadline - time.monotonic(), 1))
    except subprocess.TimeoutExpired:
        host.kill()
        host.wait()
        print("FAIL: the host program did not finish in time")
        return 1
    finally:
        if host.poll() is None:
            host.kill()
            host.wait()
    guest_status = guest.wait(max(deadline - time.monotonic(), 1))

    ok = host_status == 0
    if host_status != 0:
        print(f"FAIL: the host program exited with {host_status}")
    if not guest_done:
        print("FAIL: the guest did not finish the exchange")
        ok = False
    if a.kill:
        if left_after is None:
            print("FAIL: the host never reported MEMBER_LEFT after the kill")
            ok = False
        else:
            print(f"host saw MEMBER_LEFT {left_after * 1000:.0f} ms after the guest was killed")
            if left_after > EVENT_LIMIT:
                print(f"FAIL: that is over {EVENT_LIMIT} s")
                ok = False
    elif guest_status != 0:
        print(f"FAIL: the guest program exited with {guest_status}")
        ok = False
    print("PASS" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
