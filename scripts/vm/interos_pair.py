#!/usr/bin/env python3
"""Runs examples/interos_vm.c as a pair: the host side here, the guest side in a QEMU
guest (scripts/vm/guest.py) that shares the host's region file as ivshmem.

It creates the region file, starts the host program on it and boots the guest, and
passes the programs' out-of-band lines ("OOB ...": group id, token, domains,
addresses, checksums, progress) from one to the other, as an application would over
its own channel: the host's stdin/stdout, the guest's serial console.

    interos_pair.py HOST_PROGRAM GUEST_PROGRAM [--kill] [--by-id] [--peer-to-peer]

GUEST_PROGRAM must be linked statically (the guest has no C library).  With --kill
the guest is killed (QEMU ends, as a crashed VM does) once the exchange is done, and
the host must see RTE_DMA_GROUP_EVENT_MEMBER_LEFT within 1 s; without it the guest
leaves the group and powers off.  With --peer-to-peer a second host process (the
helper) joins and the guest's device copies the host's data into its memory.  Exit
status 0 passed, 1 failed, 77 skipped (QEMU, the kernel or busybox missing).
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
    ap.add_argument("--peer-to-peer", action="store_true",
                    help="a second host process joins; the guest copies host -> it")
    a = ap.parse_args()
    vm.exit_on_sigterm()

    region = f"/dev/shm/dmadev-vm-{os.getpid()}"
    device = "pci" if a.by_id else f"pci:{vm.GUEST_PCI_ADDR}"
    p2p = ["--peer-to-peer"] if a.peer_to_peer else []
    guest_args = [f"--vdev=dma_interdomain,os_region={device},os_window={WINDOW}",
                  "--", "--role=guest"] + (["--stay"] if a.kill else []) + p2p
    host_vdev = f"--vdev=dma_interdomain,os_region={region},os_window={WINDOW}"
    with open(region, "wb") as f:
        f.truncate(REGION_SIZE)
    try:
        try:
            guest = vm.Guest(a.guest_program, guest_args, region=region, tag="[vm] ")
        except vm.Unavailable as e:
            print(f"skipped: {e}")
            return vm.SKIP
        with guest:
            return run_pair(a, guest, host_vdev)
    finally:
        os.unlink(region)


def start_host_process(program, vdev, role, events):
    """A host-side member, its output lines queued as (role, line), then (role, None)."""
    proc = subprocess.Popen([program, vdev, "--", f"--role={role}"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def lines():
        for line in proc.stdout:
            events.put((role, line.rstrip("\n")))
        events.put((role, None))

    threading.Thread(target=lines, daemon=True).start()
    return proc


def end(proc, timeout):
    """The process's exit status; killed (None) if it is not done within `timeout`."""
    try:
        return proc.wait(timeout=max(timeout, 1))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


def run_pair(a, guest, host_vdev):
    events = queue.Queue()
    procs = {}

    def guest_lines():
        while True:
            line = guest.lines.get()
            events.put(("guest", line))
            if line is None:
                return

    deadline = time.monotonic() + TOTAL_TIMEOUT
    guest_done = host_bye = guest_ready = False
    held = []                   # for the guest, until its program reads its console
    killed_at = left_after = None
    try:
        procs["host"] = start_host_process(a.host_program, host_vdev, "host", events)
        if a.peer_to_peer:
            procs["helper"] = start_host_process(a.host_program, host_vdev, "helper", events)
        guest.start()
        threading.Thread(target=guest_lines, daemon=True).start()
        running = set(procs) | {"guest"}
        while "host" in running and time.monotonic() < deadline:
            try:
                who, line = events.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                running.discard(who)
                continue
            if who != "guest":
                print(line, flush=True)
            if not line.startswith("OOB "):
                continue
            # Every out-of-band line goes to every other member.
            for role, proc in procs.items():
                if role != who and role in running:
                    proc.stdin.write(line + "\n")
                    proc.stdin.flush()
            if who != "guest":
                # The guest's console drops what arrives before its program reads.
                if guest_ready and "guest" in running:
                    guest.send(line)
                else:
                    held.append(line)
            elif line == "OOB ready":
                guest_ready = True
                for held_line in held:
                    guest.send(held_line)
                held.clear()
            host_bye |= who == "host" and line == "OOB bye"
            guest_done |= who == "guest" and line == "OOB done"
            if who == "host" and line == "OOB member-left" and killed_at is not None:
                left_after = time.monotonic() - killed_at
            if a.kill and guest_done and host_bye and killed_at is None:
                guest.proc.kill()
                killed_at = time.monotonic()
                print("== guest killed", flush=True)
        statuses = {role: end(proc, deadline - time.monotonic()) for role, proc in procs.items()}
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    guest_status = guest.wait(max(deadline - time.monotonic(), 1))

    ok = True
    for role, status in statuses.items():
        if status != 0:
            print(f"FAIL: the {role} program " +
                  ("did not finish in time" if status is None else f"exited with {status}"))
            ok = False
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
