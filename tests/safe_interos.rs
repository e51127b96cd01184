//! Inter-OS DMA through the safe API: two processes that share nothing but a region
//! file (`dma_interdomain,os_region=<file>`) form an OS-domain group; each pulls the
//! other's 1 MiB (peer -> local) and pushes its own (local -> peer) on
//! `RTE_DMA_INTER_OS_DOMAIN` vchans made with `VchanSetup::between`, compares
//! checksums, and checks that addresses outside the peer's window complete with an
//! error status without touching memory.
//!
//! Each member is this test binary run again (`member`, ignored in normal runs)
//! with its role in the environment; it talks to the test over stdin/stdout lines.
mod common;

use common::DEADLINE;
use common::region::{RegionFile, spawn_member};
use dmadev::safe::*;
use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

const LEN: usize = 1 << 20;
const CREATOR: Uuid = Uuid([0x10; 16]);
const JOINER: Uuid = Uuid([0x20; 16]);
const TOKEN: Uuid = Uuid([0x5a; 16]);

fn fill_pattern(seed: u64, buf: &mut [u8]) {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    for b in buf.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
}

fn checksum(buf: &[u8]) -> u64 {
    buf.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

fn expected(seed: u64) -> u64 {
    let mut v = vec![0u8; LEN];
    fill_pattern(seed, &mut v);
    checksum(&v)
}

fn say(line: &str) {
    println!("{line}");
    let _ = std::io::stdout().flush();
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

/// The next stdin line (empty at end of input).
fn next_line() -> String {
    let mut l = String::new();
    let _ = std::io::stdin().lock().read_line(&mut l);
    l.trim().to_string()
}

/// One operation on `vchan`, waited for: its status and the operation back.
fn run(vchan: &mut Vchan<'_>, src: impl Into<Region>, dst: impl Into<Region>) -> Completion {
    vchan
        .copy(src, dst, OpFlags::SUBMIT)
        .map_err(|r| r.error)
        .expect("enqueue");
    vchan.wait(1, DEADLINE).expect("completion").remove(0)
}

fn local_of(c: Completion) -> (DmaBuf, DmaBuf) {
    match c.op {
        Op::Copy { src, dst } => (
            src.into_local().unwrap_or_else(|| DmaBuf::new(1).unwrap()),
            dst.into_local().unwrap_or_else(|| DmaBuf::new(1).unwrap()),
        ),
        op => panic!("not a copy: {op:?}"),
    }
}

/// One member: create or join the group, publish our buffers' addresses, move data
/// both ways with the peer, then report.
fn member_main(creator: bool) {
    let vdev = format!(
        "dma_interdomain0,os_region={},os_window=16M",
        env("INTEROS_REGION")
    );
    let eal = Eal::builder().vdev(&vdev).init().expect("EAL");
    let mut dev = eal.device("dma_interdomain0").expect("device");
    assert!(
        dev.info()
            .unwrap()
            .capabilities
            .contains(Capabilities::INTER_OS_DOMAIN)
    );
    let (me, peer, my_seed, peer_seed) = if creator {
        (CREATOR, JOINER, 1, 2)
    } else {
        (JOINER, CREATOR, 2, 1)
    };
    let group = if creator {
        Group::create(&dev, me, TOKEN).expect("create")
    } else {
        let id: i16 = env("INTEROS_GROUP").parse().unwrap();
        assert_eq!(
            Group::join(&dev, me, Uuid([1; 16]), id).err(),
            Some(dmadev::Error::Errno(libc::EACCES)),
            "a wrong token is refused"
        );
        Group::join(&dev, me, TOKEN, id).expect("join")
    };
    assert!(group.is_os_domain());
    // Our memory: `rte_malloc` blocks, which live in our window of the region.
    let mut mine = DmaBuf::new(LEN).unwrap();
    fill_pattern(my_seed, &mut mine);
    let inbox = DmaBuf::new(LEN).unwrap();
    say(&format!(
        "READY {} {} {}",
        group.id(),
        mine.iova(),
        inbox.iova()
    ));
    // The peer's addresses, relayed by the test.
    let line = next_line();
    let f: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap())
        .collect();
    let (peer_src, peer_inbox) = (f[0], f[1]);

    let deadline = Instant::now() + DEADLINE;
    let them = loop {
        match group.member(&peer) {
            Ok(m) => break m,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("peer not in the group: {e}"),
        }
    };
    let us = group.me().unwrap();
    assert!(them.is_os_domain() && !them.is_self() && us.is_self());
    dev.configure(&DeviceConfig {
        nb_vchans: 2,
        ..Default::default()
    })
    .unwrap();
    dev.vchan_setup(0, &VchanSetup::between(&them, &us, 64))
        .unwrap();
    dev.vchan_setup(1, &VchanSetup::between(&us, &them, 64))
        .unwrap();
    dev.start().unwrap();
    let mut fails = Vec::new();
    let mut check = |what: &str, ok: bool| {
        if !ok {
            fails.push(what.to_string());
        }
    };
    {
        let mut pull = dev.vchan(0).unwrap();
        let mut push = dev.vchan(1).unwrap();
        // Peer -> local, 1 MiB.
        let whole = PeerMem {
            addr: peer_src,
            len: LEN as u32,
        };
        let c = run(&mut pull, whole, DmaBuf::new(LEN).unwrap());
        check("pull status", c.is_ok());
        let (_, got) = local_of(c);
        check("pull data", checksum(&got) == expected(peer_seed));
        // Local -> peer, 1 MiB.
        let c = run(
            &mut push,
            mine,
            PeerMem {
                addr: peer_inbox,
                len: LEN as u32,
            },
        );
        check("push status", c.is_ok());
        let (mine, _) = local_of(c);
        // Outside the peer's window: an error status, and nothing touched.
        let mut guard = DmaBuf::new(64).unwrap();
        guard.fill(0xee);
        let far = PeerMem {
            addr: peer_src + (1 << 40),
            len: 64,
        };
        let c = run(&mut pull, far, guard);
        check(
            "bad src status",
            c.status == StatusCode::RTE_DMA_STATUS_INVALID_SRC_ADDR,
        );
        let (_, guard) = local_of(c);
        check("bad src untouched", guard.iter().all(|&b| b == 0xee));
        let mut head = mine;
        let rest = head.split_off(64);
        let c = run(&mut push, head, PeerMem { addr: 8, len: 64 });
        check(
            "bad dst status",
            c.status == StatusCode::RTE_DMA_STATUS_INVALID_DST_ADDR,
        );
        let (mut head, _) = local_of(c);
        check(
            "source intact",
            head.unsplit(rest).is_ok() && checksum(&head) == expected(my_seed),
        );
    }
    say(&if fails.is_empty() {
        "DONE ok".to_string()
    } else {
        format!("DONE {fails:?}")
    });
    // The peer pushed into our inbox once both said DONE.
    if next_line() == "CHECK" {
        let ok = checksum(&inbox) == expected(peer_seed);
        say(&format!("CHECKED {}", if ok { "ok" } else { "bad" }));
    }
    // Stay in the group until the test ends the pair.
    next_line();
}

#[test]
#[ignore = "a member process of the test below, started by it"]
fn member() {
    match env("INTEROS_ROLE").as_str() {
        "creator" => member_main(true),
        "joiner" => member_main(false),
        role => panic!("unknown role {role:?}"),
    }
}

// ---- the test side ---------------------------------------------------------------

#[test]
fn two_processes_sharing_only_a_region_file_move_data_both_ways() {
    let region = RegionFile::new("safe");
    let mut c = spawn_member(&[], "creator", &region.0, &[]);
    let ready = c.expect("READY", DEADLINE);
    let f: Vec<String> = ready.split_whitespace().map(String::from).collect();
    let mut j = spawn_member(&[], "joiner", &region.0, &[("INTEROS_GROUP", f[1].clone())]);
    j.send(&format!("PEER {} {}", f[2], f[3]));
    let jr = j.expect("READY", DEADLINE);
    let g: Vec<&str> = jr.split_whitespace().collect();
    c.send(&format!("PEER {} {}", g[2], g[3]));
    assert_eq!(c.expect("DONE", DEADLINE), "DONE ok");
    assert_eq!(j.expect("DONE", DEADLINE), "DONE ok");
    for m in [&mut c, &mut j] {
        m.send("CHECK");
        assert_eq!(m.expect("CHECKED", DEADLINE), "CHECKED ok");
        m.send("BYE");
    }
}
