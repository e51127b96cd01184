//! Inter-OS DMA between processes that share nothing but a region file: groups,
//! copies each way and peer to peer, bad addresses, a killed member noticed within
//! a second, a dead creator; the same between processes in separate user, PID and
//! mount namespaces (where cross-memory attach between them is impossible); and a
//! region full of garbage that must neither crash nor hang a member.
//!
//! Each member is this test binary run again (`member`, ignored in normal runs) with
//! its role in the environment; it talks to the test over stdin/stdout lines.
mod common;

use common::chan::{self, Chan};
use common::region::{RegionFile, spawn_member};
use dmadev::abi::*;
use dmadev::{api, runtime};
use rte_dma_status_code::*;
use std::ffi::CString;
use std::io::{BufRead, Write};
use std::process::Command;
use std::time::{Duration, Instant};

const MIB: usize = 1 << 20;
const TOKEN: [u8; 16] = [0x7e; 16];
const CREATOR: [u8; 16] = [0xc0; 16];
const JOINER: [u8; 16] = [0x10; 16];
const JOINER2: [u8; 16] = [0x20; 16];
/// The creator's buffers: source (pattern 1), destination, and a second one for
/// the peer-to-peer copy and the fill.
const SRC_LEN: usize = MIB;
const DST2_LEN: usize = 128 << 10;

fn pattern(seed: u64, buf: &mut [u8]) {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    for b in buf {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
}

fn checksum(buf: &[u8]) -> u64 {
    buf.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn expected(seed: u64, len: usize) -> u64 {
    let mut v = vec![0u8; len];
    pattern(seed, &mut v);
    checksum(&v)
}

// ---- the member side -------------------------------------------------------------

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

unsafe extern "C" fn on_event(
    _dev: i16,
    _group: i16,
    domain: *mut u8,
    ev: rte_dma_access_pair_group_event_type,
) {
    // SAFETY: the library passes a 16-byte domain id.
    let first = unsafe { *domain };
    say(&format!("EVENT {} {:#x}", ev as u32, first));
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

fn env_u64(name: &str) -> u64 {
    env(name).parse().unwrap_or(0)
}

fn start_eal() -> i16 {
    let argv: Vec<String> = [
        "member".to_string(),
        format!(
            "--vdev=dma_interdomain0,os_region={},os_window=16M",
            env("INTEROS_REGION")
        ),
    ]
    .into();
    runtime::init(&argv).expect("rte_eal_init");
    let dev = api::get_dev_id_by_name(&CString::new("dma_interdomain0").unwrap()).unwrap();
    let info = api::info_get(dev).unwrap();
    assert_ne!(info.dev_capa & RTE_DMA_CAPA_INTER_OS_DOMAIN, 0);
    dev
}

fn malloc(len: usize) -> &'static mut [u8] {
    let p = dmadev::eal::malloc::zmalloc(len, 4096).cast::<u8>();
    assert!(!p.is_null());
    // SAFETY: a fresh zeroed block of `len` bytes, never freed.
    unsafe { core::slice::from_raw_parts_mut(p, len) }
}

/// Three OS-domain vchans on `dev`: peer→local, local→peer, peer→peer (all `peer`).
fn os_vchans(dev: i16, peer: u16) -> [Chan; 3] {
    let os = rte_dma_inter_domain_type::RTE_DMA_INTER_OS_DOMAIN;
    chan::start(
        dev,
        [(peer, 0), (0, peer), (peer, peer)].map(|(src, dst)| chan::between(os, src, dst)),
    )
}

fn creator() {
    let dev = start_eal();
    let g = api::group_create(dev, &CREATOR, &TOKEN, Some(on_event)).unwrap();
    let src = malloc(SRC_LEN);
    pattern(1, src);
    let dst = malloc(SRC_LEN);
    let dst2 = malloc(DST2_LEN);
    say(&format!(
        "READY {g} {} {} {} {}",
        src.as_ptr() as u64,
        dst.as_ptr() as u64,
        dst2.as_ptr() as u64,
        std::process::id()
    ));
    for line in std::io::stdin().lock().lines() {
        match line.unwrap_or_default().as_str() {
            "CHECK" => {
                let ok = checksum(dst) == expected(2, SRC_LEN)
                    && dst2[..64 << 10] == src[..64 << 10]
                    && dst2[64 << 10..]
                        .chunks(8)
                        .all(|c| c == 0x0123_4567_89ab_cdefu64.to_le_bytes());
                say(&format!("CHECKED {}", if ok { "ok" } else { "bad" }));
            }
            "PING" => say("PONG"),
            _ => break,
        }
    }
}

fn joiner() {
    let dev = start_eal();
    let g = env_u64("INTEROS_GROUP") as i16;
    let (csrc, cdst, cdst2) = (
        env_u64("INTEROS_SRC"),
        env_u64("INTEROS_DST"),
        env_u64("INTEROS_DST2"),
    );
    let me = if env("INTEROS_ROLE") == "joiner2" {
        JOINER2
    } else {
        JOINER
    };
    // A wrong token and a group that does not exist are refused.
    assert_eq!(
        api::group_join(dev, &me, &[1; 16], g, Some(on_event)),
        Err(dmadev::Error::Errno(libc::EACCES))
    );
    assert_eq!(
        api::group_join(dev, &me, &TOKEN, 15, None),
        Err(dmadev::Error::NotFound)
    );
    assert_eq!(
        api::group_join(dev, &CREATOR, &TOKEN, g, None),
        Err(dmadev::Error::Exists),
        "a domain already in is refused"
    );
    api::group_join(dev, &me, &TOKEN, g, Some(on_event)).unwrap();
    let hc = api::group_handler_get(dev, g, &CREATOR).unwrap();
    let [to_me, to_peer, peer_peer] = os_vchans(dev, hc);
    if let Ok(cpid) = env("INTEROS_CREATOR_HOST_PID").parse::<i32>() {
        say(&format!("CMA {}", cross_memory_attach_errno(cpid, csrc)));
    }
    if me == JOINER2 {
        say("READY");
        for line in std::io::stdin().lock().lines() {
            if line.unwrap_or_default() != "LINKCHECK" {
                break;
            }
            let local = malloc(4096);
            say(&format!(
                "STATUS {}",
                to_me.copy(csrc, local.as_ptr() as u64, 4096) as u32
            ));
        }
        return;
    }
    let mut fails = Vec::new();
    let mut check = |what: &str, ok: bool| {
        if !ok {
            fails.push(what.to_string());
        }
    };
    // Peer → local, 1 MiB, and a scatter-gather of two pieces.
    let local = malloc(SRC_LEN);
    check(
        "peer->local status",
        to_me.copy(csrc, local.as_ptr() as u64, SRC_LEN as u32) == RTE_DMA_STATUS_SUCCESSFUL,
    );
    check("peer->local data", checksum(local) == expected(1, SRC_LEN));
    let sg_dst = malloc(8192);
    let s = [
        rte_dma_sge {
            addr: csrc,
            length: 4096,
        },
        rte_dma_sge {
            addr: csrc + 4096,
            length: 4096,
        },
    ];
    let d = [rte_dma_sge {
        addr: sg_dst.as_ptr() as u64,
        length: 8192,
    }];
    check(
        "sg status",
        to_me.copy_sg(&s, &d) == RTE_DMA_STATUS_SUCCESSFUL,
    );
    check("sg data", sg_dst[..] == local[..8192]);
    // Local → peer, 1 MiB.
    let mine = malloc(SRC_LEN);
    pattern(2, mine);
    check(
        "local->peer",
        to_peer.copy(mine.as_ptr() as u64, cdst, SRC_LEN as u32) == RTE_DMA_STATUS_SUCCESSFUL,
    );
    // Peer → peer and a fill into the peer.
    check(
        "peer->peer",
        peer_peer.copy(csrc, cdst2, 64 << 10) == RTE_DMA_STATUS_SUCCESSFUL,
    );
    check(
        "fill",
        to_peer.fill(0x0123_4567_89ab_cdef, cdst2 + (64 << 10), 64 << 10)
            == RTE_DMA_STATUS_SUCCESSFUL,
    );
    // Outside the peer's window: error statuses, nothing written.
    let far = 1u64 << 40;
    check(
        "bad src",
        to_me.copy(csrc + far, local.as_ptr() as u64, 64) == RTE_DMA_STATUS_INVALID_SRC_ADDR,
    );
    check(
        "bad dst",
        to_peer.copy(mine.as_ptr() as u64, cdst.wrapping_sub(far), 64)
            == RTE_DMA_STATUS_INVALID_DST_ADDR,
    );
    check(
        "bad fill",
        to_peer.fill(0, 8, 64) == RTE_DMA_STATUS_INVALID_DST_ADDR,
    );
    // A bad local address is a status too, never a fault.
    check(
        "bad local",
        to_me.copy(csrc, 4096, 64) == RTE_DMA_STATUS_INVALID_DST_ADDR,
    );
    // A process-domain vchan cannot name an OS-domain member.
    api::stop(dev).unwrap();
    let mut vc = rte_dma_vchan_conf {
        nb_desc: 64,
        ..Default::default()
    };
    vc.domain.r#type = rte_dma_inter_domain_type::RTE_DMA_INTER_PROCESS_DOMAIN as u32;
    vc.domain.src_handler = hc;
    vc.domain.dst_handler = hc;
    check(
        "process vchan refused",
        api::vchan_setup(dev, 0, &vc) == Err(dmadev::Error::InvalidArgument),
    );
    say(&if fails.is_empty() {
        "DONE ok".to_string()
    } else {
        format!("DONE {fails:?}")
    });
    // Stay until killed.
    for _ in std::io::stdin().lock().lines() {}
}

/// What `process_vm_readv` on `pid` gives (0: it worked).
fn cross_memory_attach_errno(pid: i32, addr: u64) -> i32 {
    let mut byte = 0u8;
    let local = libc::iovec {
        iov_base: (&raw mut byte).cast(),
        iov_len: 1,
    };
    let remote = libc::iovec {
        iov_base: addr as *mut libc::c_void,
        iov_len: 1,
    };
    // SAFETY: one valid local byte; the kernel checks the remote side.
    let n = unsafe { libc::process_vm_readv(pid, &local, 1, &remote, 1, 0) };
    if n == 1 {
        0
    } else {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(-1)
    }
}

/// A member's entry point; run by the tests below, not on its own.
#[test]
#[ignore = "a member process of the tests below, started by them"]
fn member() {
    match env("INTEROS_ROLE").as_str() {
        "creator" => creator(),
        "joiner" | "joiner2" => joiner(),
        role => panic!("unknown role {role:?}"),
    }
}

// ---- the test side ---------------------------------------------------------------

/// The host pid of the program `unshare --fork` started (its only child).
fn forked_child(pid: u32) -> Option<i32> {
    let mut child = None;
    common::eventually(|| {
        let kids =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        child = kids.split_whitespace().next().and_then(|k| k.parse().ok());
        child.is_some()
    });
    child
}

/// The whole story between a creator and two joiners, each started under `wrap`.
fn scenario(wrap: &[&str], name: &str) {
    let region = RegionFile::new(name);
    let mut c = spawn_member(wrap, "creator", &region.0, &[]);
    let ready = c.expect("READY", Duration::from_secs(20));
    let f: Vec<&str> = ready.split_whitespace().collect();
    let mut vars = vec![
        ("INTEROS_GROUP", f[1].to_string()),
        ("INTEROS_SRC", f[2].to_string()),
        ("INTEROS_DST", f[3].to_string()),
        ("INTEROS_DST2", f[4].to_string()),
    ];
    if !wrap.is_empty() {
        let host_pid = forked_child(c.pid()).expect("the creator's host pid");
        vars.push(("INTEROS_CREATOR_HOST_PID", host_pid.to_string()));
    }
    let mut j = spawn_member(wrap, "joiner", &region.0, &vars);
    if !wrap.is_empty() {
        let cma = j.expect("CMA", Duration::from_secs(20));
        let errno: i32 = cma[4..].parse().unwrap();
        assert!(
            errno == libc::ESRCH || errno == libc::EPERM,
            "cross-memory attach between the namespaces gave errno {errno}"
        );
    }
    assert_eq!(j.expect("DONE", Duration::from_secs(30)), "DONE ok");
    c.send("CHECK");
    assert_eq!(c.expect("CHECKED", Duration::from_secs(10)), "CHECKED ok");

    let j2 = spawn_member(wrap, "joiner2", &region.0, &vars);
    j2.expect("READY", Duration::from_secs(20));
    // A killed member: MEMBER_LEFT for the creator and the other joiner within 1 s.
    let t0 = Instant::now();
    j.kill();
    assert_eq!(c.expect("EVENT 0", Duration::from_secs(3)), "EVENT 0 0x10");
    let seen = t0.elapsed();
    assert_eq!(j2.expect("EVENT 0", Duration::from_secs(3)), "EVENT 0 0x10");
    assert!(seen < Duration::from_secs(1), "MEMBER_LEFT took {seen:?}");
    eprintln!("{name}: a killed member was reported after {seen:?}");
    // A killed creator: GROUP_DESTROYED, and copies from it fail with DEV_LINK_ERROR.
    let mut j2 = j2;
    let t1 = Instant::now();
    c.kill();
    assert_eq!(j2.expect("EVENT 1", Duration::from_secs(3)), "EVENT 1 0xc0");
    assert!(
        t1.elapsed() < Duration::from_secs(1),
        "GROUP_DESTROYED took {:?}",
        t1.elapsed()
    );
    j2.send("LINKCHECK");
    assert_eq!(
        j2.expect("STATUS", Duration::from_secs(10)),
        format!("STATUS {}", RTE_DMA_STATUS_DEV_LINK_ERROR as u32)
    );
}

#[test]
fn host_processes_move_data_through_a_region_file() {
    scenario(&[], "plain");
}

#[test]
fn processes_in_separate_user_pid_and_mount_namespaces_share_only_the_region() {
    let wrap = [
        "unshare",
        "--user",
        "--map-root-user",
        "--pid",
        "--fork",
        "--kill-child",
        "--mount",
        "--ipc",
        "--net",
        "--uts",
    ];
    let probe = Command::new(wrap[0]).args(&wrap[1..]).arg("true").output();
    match probe {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            eprintln!(
                "skipped: unshare cannot make user/pid/mount namespaces here: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return;
        }
        Err(e) => {
            eprintln!("skipped: unshare (util-linux) is not available: {e}");
            return;
        }
    }
    scenario(&wrap, "ns");
}
