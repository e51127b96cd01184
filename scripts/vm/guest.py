#!/usr/bin/env python3
"""Runs one program in a throw-away Linux guest that shares a host file as ivshmem.

The guest is Debian's kernel (`/boot/vmlinuz-*`, or $DMADEV_VM_KERNEL) under QEMU's
software emulation (TCG: /dev/kvm is not reliable on our machines), booted from an
initramfs this script builds: busybox (from busybox-static), the program (a dynamic
one brings its shared libraries along), and an `/init` that mounts proc, sysfs,
devtmpfs and tmpfs, runs the program, prints its exit status and powers off.  A host
file given with --region becomes an `ivshmem-plain` PCI device (vendor 0x1af4, device
0x1110, at PCI address 0000:00:04.0) whose BAR 2 is that file's memory.

Command line: `guest.py [--region FILE] [--timeout S] PROGRAM [ARG...]` prints the
guest's console, passes it our stdin (what arrives before the program reads is lost),
and exits with the program's status; 77 (meson's "skipped") with the reason when
QEMU, the kernel or busybox is missing, 124 when the guest timed out.
Tests import it and drive the guest's console (`Guest.lines`, `Guest.send`): the
console is the guest's stdin and stdout, its out-of-band channel to the host.
"""
import argparse
import glob
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
TIMED_OUT = 124
EXIT_MARK = "DMADEV-GUEST-EXIT "
BUSYBOX = "/bin/busybox"
# The firmware's terminal control sequences, dropped from the console's lines.
ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|[@-Z\\-_c])")
# The ivshmem device sits at 0000:00:04.0 in every guest.
GUEST_PCI_SLOT = 4
GUEST_PCI_ADDR = f"0000:00:{GUEST_PCI_SLOT:02x}.0"


def exit_on_sigterm():
    """Turns SIGTERM (meson's timeout) into an exit that runs the `finally` and
    `with` blocks, so no QEMU, host program or region file outlives the test."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))


class Unavailable(Exception):
    """Something the guest needs is not installed; the message says what."""


def kernel_image():
    path = os.environ.get("DMADEV_VM_KERNEL")
    if not path:
        images = sorted(glob.glob("/boot/vmlinuz-*"))
        if not images:
            raise Unavailable("no kernel image in /boot (apt-get install linux-image-amd64)")
        path = images[-1]
    if not os.access(path, os.R_OK):
        raise Unavailable(f"kernel image {path} is not readable")
    return path


def qemu_binary():
    qemu = shutil.which("qemu-system-x86_64")
    if qemu is None:
        raise Unavailable("qemu-system-x86_64 not found (apt-get install qemu-system-x86)")
    return qemu


def static_busybox():
    if not os.access(BUSYBOX, os.X_OK):
        raise Unavailable(f"{BUSYBOX} not found (apt-get install busybox-static)")
    if shared_libraries(BUSYBOX):
        raise Unavailable(f"{BUSYBOX} is not statically linked (apt-get install busybox-static)")
    return BUSYBOX


def shared_libraries(program):
    """The files a dynamic program loads (ldd's list), none for a static one."""
    out = subprocess.run(["ldd", program], capture_output=True, text=True).stdout
    libs = []
    for line in out.splitlines():
        words = line.split()
        for w in words:
            if w.startswith("/") and os.path.exists(w):
                libs.append(w)
                break
    return libs


def init_script(argv, env):
    exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items())
    return f"""#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/shm /tmp /run
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
# The console is the program's line to the host: no echo of what the host sends.
stty -echo -F /dev/console 2>/dev/null
export HOME=/ XDG_RUNTIME_DIR=/run PATH=/bin
{exports}cd /
{" ".join(shlex.quote(a) for a in argv)} </dev/console >/dev/console 2>&1
echo "{EXIT_MARK}$?"
poweroff -f
"""


def build_initramfs(program, argv, env, out_path):
    """A gzip'd newc cpio of busybox, the program (in /prog) and its libraries."""
    with tempfile.TemporaryDirectory(prefix="dmadev-initramfs-") as root:
        for d in ("bin", "proc", "sys", "dev", "tmp", "run"):
            os.makedirs(os.path.join(root, d))
        shutil.copy(static_busybox(), os.path.join(root, "bin", "busybox"))
        # Under its own name (busybox, for one, looks at argv[0]).
        guest_program = "/prog/" + os.path.basename(program)
        os.makedirs(os.path.join(root, "prog"))
        shutil.copy(program, root + guest_program)
        for lib in shared_libraries(program):
            dest = os.path.join(root, lib.lstrip("/"))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy(lib, dest)
        init = os.path.join(root, "init")
        with open(init, "w") as f:
            f.write(init_script([guest_program] + list(argv), env))
        os.chmod(init, 0o755)
        with open(out_path, "wb") as out:
            find = subprocess.Popen(["find", "."], cwd=root, stdout=subprocess.PIPE)
            cpio = subprocess.Popen(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root,
                                    stdin=find.stdout, stdout=subprocess.PIPE)
            gz = subprocess.Popen(["gzip", "-1"], stdin=cpio.stdout, stdout=out)
            find.stdout.close()
            cpio.stdout.close()
            if gz.wait() or cpio.wait() or find.wait():
                raise RuntimeError("building the initramfs failed")


class Guest:
    """One guest: started by `start`, driven through its console, ended by `wait`."""

    def __init__(self, program, argv=(), region=None, env=None, memory_mb=256,
                 echo=sys.stdout, tag="[guest] ", console_input=False):
        if shutil.which("cpio") is None:
            raise Unavailable("cpio not found (apt-get install cpio)")
        self.qemu = qemu_binary()
        self.kernel = kernel_image()
        static_busybox()
        if region is not None:
            size = os.stat(region).st_size
            if size == 0 or size & (size - 1):
                raise ValueError(f"{region}: an ivshmem region's size must be a power of two")
        self.program, self.argv, self.region = program, list(argv), region
        self.env = dict(env or {})
        self.memory_mb = memory_mb
        # True: the guest's console reads our stdin (a person types or pastes); else
        # `send` writes to it.
        self.console_input = console_input
        self.echo, self.tag = echo, tag
        self.lines = queue.Queue()
        self.proc = None
        self.exit_status = None
        self.workdir = None

    def command(self, initrd):
        cmd = [self.qemu, "-accel", "tcg", "-m", str(self.memory_mb), "-smp", "1",
               "-nographic", "-nodefaults", "-serial", "stdio", "-no-reboot",
               "-kernel", self.kernel, "-initrd", initrd,
               "-append", "console=ttyS0 panic=-1 loglevel=3 quiet"]
        if self.region is not None:
            size = os.stat(self.region).st_size
            cmd += ["-object", f"memory-backend-file,id=region,size={size},share=on,"
                               f"mem-path={self.region}",
                    "-device", f"ivshmem-plain,memdev=region,addr={GUEST_PCI_SLOT:#x}"]
        return cmd

    def start(self):
        self.workdir = tempfile.mkdtemp(prefix="dmadev-guest-")
        initrd = os.path.join(self.workdir, "initrd.gz")
        build_initramfs(self.program, self.argv, self.env, initrd)
        self.started = time.monotonic()
        stdin = None if self.console_input else subprocess.PIPE
        self.proc = subprocess.Popen(self.command(initrd), stdin=stdin,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read_console, daemon=True)
        self.reader.start()
        return self

    def _read_console(self):
        for raw in self.proc.stdout:
            line = ESCAPES.sub("", raw.decode(errors="replace")).rstrip("\r\n")
            if self.echo is not None:
                self.echo.write(f"{self.tag}{line}\n")
                self.echo.flush()
            if line.startswith(EXIT_MARK):
                try:
                    self.exit_status = int(line[len(EXIT_MARK):])
                except ValueError:
                    pass
            self.lines.put(line)
        self.lines.put(None)

    def send(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def kill(self):
        """Ends the guest at once, as a crashed or destroyed VM ends."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        return self.wait(10)

    def wait(self, timeout):
        """The program's exit status; TIMED_OUT (the guest is killed) when the guest
        has not powered off within `timeout`; 1 if it ended without reporting one."""
        try:
            self.proc.wait(timeout=max(timeout, 0))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.cleanup()
            return TIMED_OUT
        self.cleanup()
        self.seconds = time.monotonic() - self.started
        # The console's last lines (the exit status among them) are read to the end.
        self.reader.join(timeout=10)
        return self.exit_status if self.exit_status is not None else 1

    def cleanup(self):
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--region", help="host file shared as the guest's ivshmem BAR 2")
    ap.add_argument("--timeout", type=float, default=120, help="seconds (default 120)")
    ap.add_argument("--memory", type=int, default=256, help="guest RAM in MiB")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="environment variable for the program")
    ap.add_argument("program")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    exit_on_sigterm()
    env = dict(e.split("=", 1) for e in a.env)
    try:
        guest = Guest(a.program, a.args, a.region, env, a.memory, console_input=True)
    except Unavailable as e:
        print(f"skipped: {e}")
        return SKIP
    with guest:
        guest.start()
        status = guest.wait(a.timeout)
    if status == TIMED_OUT:
        print(f"guest timed out after {a.timeout} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
