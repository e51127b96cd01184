#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Telemetry v2 client test (no DPDK code): runs c-tests/test_telemetry with its own
runtime directory and checks, over the socket as dpdk-telemetry.py talks to it, the
greeting, every command's JSON, the application's commands, bad commands, the second
instance's socket name, --no-telemetry, hostile clients (too many, never reading,
leaving mid-answer) and that the socket is removed at the end.

Usage: check_telemetry.py path/to/test_telemetry
"""
import json
import shutil
import os
import socket
import subprocess
import sys
import tempfile
import time

PROG = sys.argv[1]
RUN = tempfile.mkdtemp(prefix="dmadev-tel-")
PREFIX = "tel%d" % os.getpid()
SOCKDIR = os.path.join(RUN, "dpdk", PREFIX)
SOCK = os.path.join(SOCKDIR, "dpdk_telemetry.v2")
# DPDK's runtime directory is $RUNTIME_DIRECTORY (systemd's), else /var/run for root
# or $XDG_RUNTIME_DIR: the first keeps this test in its own directory for any user.
ENV = dict(os.environ, RUNTIME_DIRECTORY=RUN)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def start(*args):
    p = subprocess.Popen([PROG, "--file-prefix=" + PREFIX, "-l", "0", *args],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=ENV, text=True)
    line = p.stdout.readline().strip()
    if line != "ready":
        p.kill()
        sys.exit("test_telemetry did not start: %r %s" % (line, p.stdout.read()))
    return p


def stop(p):
    p.stdin.close()
    rc = p.wait(timeout=30)
    rest = p.stdout.read()
    check(rc == 0, "test_telemetry exit code %d %s" % (rc, rest))


def connect(path=SOCK):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    # Blocking connect, as dpdk-telemetry.py's: a full accept queue (a loaded machine)
    # makes it wait instead of failing with EAGAIN; meson's timeout bounds the test.
    s.connect(path)
    s.settimeout(10)
    return s


def greeting(s):
    return json.loads(s.recv(1024).decode())


def ask(s, cmd):
    s.send(cmd if isinstance(cmd, bytes) else cmd.encode())
    raw = s.recv(16384)
    check(len(raw) < 16384, "answer to %r has %d bytes" % (cmd, len(raw)))
    try:
        return json.loads(raw.decode())
    except ValueError:
        failures.append("answer to %r is not JSON: %r" % (cmd, raw[:200]))
        return None


def expect(s, cmd, want):
    got = ask(s, cmd)
    check(got == want, "%s: got %s, want %s" % (cmd, got, want))
    return got


CAPS = ["mem2mem", "mem2dev", "dev2mem", "dev2dev", "sva", "silent", "handles_errors",
        "m2d_auto_free", "pri_policy_sp", "inter_process_domain", "inter_os_domain",
        "copy", "copy_sg", "fill"]


def caps(on):
    return {c: int(c in on) for c in CAPS}


def main():
    app = start("--vdev=dma_skeleton", "--vdev=dma_interdomain", "--", "--app-arg")
    s = connect()
    g = greeting(s)
    check(g == {"version": "DPDK 26.11.0", "pid": app.pid, "max_output_len": 16384},
          "greeting %s" % g)
    check(list(g) == ["version", "pid", "max_output_len"], "greeting key order")

    cmds = ask(s, "/")["/"]
    for c in ["/", "/help", "/info", "/eal/params", "/eal/app_params", "/eal/lcore/list",
              "/dmadev/list", "/dmadev/info", "/dmadev/stats", "/dmadev/dump",
              "/dmadev/groups", "/app/hello", "/app/counter"]:
        check(c in cmds, "%s listed by /" % c)
    check(cmds == sorted(cmds), "/ lists commands sorted")
    expect(s, "/info", {"/info": g})
    expect(s, "/help,/dmadev/info",
           {"/help": {"/dmadev/info": "Returns information for a dmadev. Parameters: int dev_id"}})
    expect(s, "/help", {"/help": "Returns help text for a command. Parameters: string command"})
    expect(s, "/help,/nope", {"/help": None})

    params = ask(s, "/eal/params")["/eal/params"]
    check(params == [PROG, "--file-prefix=" + PREFIX, "-l", "0", "--vdev=dma_skeleton",
                     "--vdev=dma_interdomain"], "/eal/params %s" % params)
    expect(s, "/eal/app_params", {"/eal/app_params": ["--app-arg"]})
    expect(s, "/eal/lcore/list", {"/eal/lcore/list": [0]})

    expect(s, "/dmadev/list", {"/dmadev/list": [0, 1]})
    skel_caps = caps({"mem2mem", "sva", "copy", "copy_sg", "fill"})
    info0 = expect(s, "/dmadev/info,0", {"/dmadev/info": {
        "name": "dma_skeleton", "nb_vchans": 1, "nb_priorities": 0, "numa_node": -1,
        "max_vchans": 4, "max_desc": 8192, "min_desc": 32, "max_sges": 4,
        "capabilities": skel_caps}})
    if info0:
        check(list(info0["/dmadev/info"]["capabilities"]) == CAPS, "capabilities in DPDK's order")
    idom = ask(s, "/dmadev/info,1")["/dmadev/info"]
    check(idom["name"] == "dma_interdomain" and idom["nb_vchans"] == 0, "info 1 %s" % idom)
    check(idom["capabilities"] == caps({"mem2mem", "sva", "copy", "copy_sg", "fill",
                                        "handles_errors", "inter_process_domain"}),
          "interdomain capabilities %s" % idom["capabilities"])
    expect(s, "/dmadev/info,0x0", {"/dmadev/info": info0["/dmadev/info"]})
    expect(s, "/dmadev/info,0,extra", {"/dmadev/info": info0["/dmadev/info"]})
    stats = {"submitted": 5, "completed": 5, "errors": 0}
    expect(s, "/dmadev/stats,0", {"/dmadev/stats": stats})
    expect(s, "/dmadev/stats,0,0", {"/dmadev/stats": stats})
    dump = ask(s, "/dmadev/dump,0")["/dmadev/dump"]
    check(isinstance(dump, str) and dump.startswith("DMA Dev 0, 'dma_skeleton' [started]\n")
          and "dev_capa: 0x" in dump and "vchan 0:" in dump, "/dmadev/dump %r" % dump)
    expect(s, "/dmadev/groups,1", {"/dmadev/groups": []})

    # DPDK's parameter validation: every bad one answers null, never a crash.
    for bad in ["/dmadev/info", "/dmadev/info,", "/dmadev/info,abc", "/dmadev/info,-1",
                "/dmadev/info, 0", "/dmadev/info,99", "/dmadev/info,32768",
                "/dmadev/info,99999999999999999999999", "/dmadev/stats", "/dmadev/stats,1",
                "/dmadev/stats,0,9", "/dmadev/stats,0,", "/dmadev/stats,0;0",
                "/dmadev/stats,0,65536", "/dmadev/dump,7", "/dmadev/dump,x",
                "/dmadev/groups,0", "/dmadev/groups,", "/dmadev/groups,9"]:
        expect(s, bad, {bad.split(",")[0]: None})

    # Unknown and malformed commands: DPDK's {"<cmd>":null}, always valid JSON.
    expect(s, "/nope", {"/nope": None})
    expect(s, "/nope,1,2", {"/nope": None})
    expect(s, ",,,", {"(null)": None})
    expect(s, "/" + "a" * 300, {"/" + "a" * 55: None})
    expect(s, b'/a"b\\c\x01\n', {'/a"b\\c\n': None})
    expect(s, b"/info\x00,garbage", {"/info": g})
    expect(s, b"\xff\xfe", {"\ufffd\ufffd": None})
    expect(s, "x" * 5000, {"x" * 56: None})

    # The application's commands, registered from C.
    expect(s, "/app/hello,a,b", {"/app/hello": {
        "cmd": "/app/hello", "params": "a,b", "negative": -5, "big": 18446744073709551615,
        "mask": "0x00ff", "quoted": 'a "b"\tc\\', "ints": [1, -2], "inner": {"depth": 2}}})
    check(ask(s, "/app/hello")["/app/hello"]["params"] == "none", "no params is NULL")
    expect(s, "/app/hello,fail", {"/app/hello": None})
    expect(s, "/app/counter", {"/app/counter": [1, 10]})
    expect(s, "/app/counter", {"/app/counter": [2, 20]})
    expect(s, "/help,/app/counter", {"/help": {"/app/counter": "Counts its calls. Takes no parameters"}})

    # A second process of the same prefix takes the next name, as DPDK's does.
    second = start()
    s2 = connect(SOCK + ":1")
    check(greeting(s2)["pid"] == second.pid, "second instance answers on :1")
    s2.close()
    stop(second)
    check(not os.path.exists(SOCK + ":1"), "second instance removed its socket")

    # --no-telemetry: no socket.
    quiet = subprocess.Popen([PROG, "--file-prefix=" + PREFIX + "q", "--no-telemetry"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=ENV, text=True)
    check(quiet.stdout.readline().strip() == "ready", "--no-telemetry run starts")
    check(not os.path.exists(os.path.join(RUN, "dpdk", PREFIX + "q", "dpdk_telemetry.v2")),
          "--no-telemetry creates no socket")
    stop(quiet)

    # Hostile clients. One leaves in the middle of its answer...
    for _ in range(20):
        c = connect()
        c.send(b"/dmadev/dump,0")
        c.close()
    # ... one sends and never reads...
    hog = connect()
    hog.setblocking(False)
    sent = 0
    try:
        for _ in range(5000):
            hog.send(b"/")
            sent += 1
    except BlockingIOError:
        pass
    # ... and the limit is ten clients (here: s, the hog and 8 more): the eleventh is
    # closed at once.
    time.sleep(2)  # the server notices the 20 departures (generous: loaded CI)
    extra = [connect() for _ in range(8)]
    for c in extra:
        check(greeting(c)["pid"] == app.pid, "clients up to ten are served")
    t0 = time.monotonic()
    expect(s, "/info", {"/info": g})
    check(time.monotonic() - t0 < 4, "a client that never reads does not stall others")
    over = connect()
    check(over.recv(1024) == b"", "an eleventh client is closed")
    over.close()
    # The hog is dropped after it leaves an answer unread for 5 s; then there is room.
    time.sleep(7)
    late = connect()
    check(greeting(late)["pid"] == app.pid, "a client gets in once the hog is dropped")
    for c in extra + [late, hog]:
        c.close()
    expect(s, "/dmadev/stats,0", {"/dmadev/stats": stats})
    s.close()

    stop(app)
    check(not os.path.exists(SOCK), "rte_eal_cleanup removed the socket")
    shutil.rmtree(RUN, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)
    print("telemetry: all checks passed")


if __name__ == "__main__":
    main()
