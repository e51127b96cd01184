//! interdomain_share.rs - two processes share a buffer through a DMA device; the
//! safe Rust twin of examples/interdomain_share.c (read its header for the model).
//!
//!   owner: fills a 1 MiB buffer, creates an access pair group, starts the PEER
//!          (this program again, with `--peer`) and sends it, on its standard
//!          input, the group id, the token, its domain id and the buffer's address;
//!   peer:  joins the group, pulls the owner's buffer into its own memory with the
//!          device (peer -> local, 64 KiB per copy), checks it, inverts every
//!          word, pushes it back (local -> peer), reports on its standard output
//!          and leaves the group;
//!   owner: verifies its buffer holds the peer's changes, sees the peer leave (a
//!          MEMBER_LEFT event on its channel), destroys the group.
//!
//! Lines are tagged with the process that printed it; exit status 0 means every
//! step worked. Run: `cargo run --example interdomain_share`. The processes meet
//! in `$DMADEV_RUNTIME_DIR` (default: `$XDG_RUNTIME_DIR/dmadev-rs`).
use dmadev::safe::*;
use dmadev::{Error, Result};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const DEV_NAME: &str = "dma_interdomain";
const BUF_LEN: usize = 1 << 20;
const CHUNK: usize = 64 << 10;
const RING_SIZE: u16 = 128;
const TIMEOUT: Duration = Duration::from_secs(10);

macro_rules! say {
    ($tag:expr, $($arg:tt)*) => { eprintln!("{} {}", $tag, format_args!($($arg)*)) };
}

/// The owner's contents: word i is i * 2654435761 (so every word differs).
fn owner_word(i: usize) -> u32 {
    (i as u32).wrapping_mul(2654435761)
}

fn words(buf: &[u8]) -> impl Iterator<Item = (usize, u32)> + '_ {
    buf.chunks_exact(4)
        .map(|w| u32::from_ne_bytes([w[0], w[1], w[2], w[3]]))
        .enumerate()
}

fn hex(u: &Uuid) -> String {
    u.0.iter().map(|b| format!("{b:02x}")).collect()
}

/// A 32-digit hex id, as `hex` writes it; anything else is refused.
fn parse_uuid(s: &str) -> Option<Uuid> {
    if s.len() != 32 || !s.is_ascii() {
        return None;
    }
    let mut u = [0u8; 16];
    for (i, b) in u.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(Uuid(u))
}

/// What the owner tells the peer: one line of words.
struct ShareInfo {
    group_id: i16,
    token: Uuid,
    owner_domain: Uuid,
    addr: u64,
    len: u32,
}

impl ShareInfo {
    fn line(&self) -> String {
        format!(
            "share {} {} {} {} {}\n",
            self.group_id,
            hex(&self.token),
            hex(&self.owner_domain),
            self.addr,
            self.len
        )
    }

    fn parse(line: &str) -> Option<ShareInfo> {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != 6 || f[0] != "share" {
            return None;
        }
        Some(ShareInfo {
            group_id: f[1].parse().ok()?,
            token: parse_uuid(f[2])?,
            owner_domain: parse_uuid(f[3])?,
            addr: f[4].parse().ok()?,
            len: f[5].parse().ok().filter(|&l: &u32| l as usize == BUF_LEN)?,
        })
    }
}

/// Reads one line from `from` on another thread, giving up after TIMEOUT.
fn read_line(from: impl std::io::Read + Send + 'static) -> Option<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let ok = BufReader::new(from)
            .read_line(&mut line)
            .is_ok_and(|n| n > 0);
        let _ = tx.send(ok.then_some(line));
    });
    rx.recv_timeout(TIMEOUT).ok().flatten()
}

/// Moves `len` bytes between `peer` memory and `local` on `vchan`, CHUNK bytes
/// per copy (`pull`: peer -> local, else local -> peer); gives `local` back whole.
fn dma_move(vchan: &mut Vchan<'_>, peer: PeerMem, mut local: DmaBuf, pull: bool) -> Result<DmaBuf> {
    let mut n = 0u16;
    while !local.is_empty() {
        let rest = local.split_off(CHUNK);
        let far = PeerMem {
            addr: peer.addr + n as u64 * CHUNK as u64,
            len: local.len() as u32,
        };
        let enqueued = if pull {
            vchan.copy(far, local, OpFlags::empty())
        } else {
            vchan.copy(local, far, OpFlags::empty())
        };
        enqueued.map_err(|r| r.error)?;
        local = rest;
        n += 1;
    }
    vchan.submit()?; // one doorbell for the whole burst
    let mut whole: Option<DmaBuf> = None;
    for c in vchan.wait(n, TIMEOUT)? {
        if !c.is_ok() {
            return Err(Error::Errno(libc::EIO));
        }
        let Op::Copy { src, dst } = c.op else {
            return Err(Error::InvalidArgument);
        };
        let part = if pull { dst } else { src }
            .into_local()
            .ok_or(Error::InvalidArgument)?;
        // Completions come in ring order: the chunks join back in order.
        match whole.as_mut() {
            None => whole = Some(part),
            Some(w) => w.unsplit(part).map_err(|_| Error::InvalidArgument)?,
        }
    }
    whole.ok_or(Error::InvalidArgument)
}

fn peer_main(eal: &Eal, tag: &str) -> Result<()> {
    // 1. Learn the group id, token, owner's domain and buffer address.
    let info = read_line(std::io::stdin())
        .and_then(|l| ShareInfo::parse(&l))
        .ok_or(Error::Errno(libc::EPROTO))?;
    say!(
        tag,
        "owner {} shares {} bytes at {:#x} (its address) in group {}",
        info.owner_domain,
        info.len,
        info.addr,
        info.group_id
    );

    // 2. Join the group under a domain id of our own.
    let mut dev = eal.device(DEV_NAME)?;
    let me = Uuid::random()?;
    let group = Group::join(&dev, me, info.token, info.group_id)?;
    say!(tag, "joined group {} as domain {me}", info.group_id);

    // 3. The members: the owner, and ourselves.
    let (owner, myself) = (group.member(&info.owner_domain)?, group.me()?);
    say!(
        tag,
        "handlers here: owner {}, me {}",
        owner.handler(),
        myself.handler()
    );

    // 4. Two vchans: 0 reads the owner's memory into ours, 1 writes ours into its.
    dev.configure(&DeviceConfig {
        nb_vchans: 2,
        ..Default::default()
    })?;
    dev.vchan_setup(0, &VchanSetup::between(&owner, &myself, RING_SIZE))?;
    dev.vchan_setup(1, &VchanSetup::between(&myself, &owner, RING_SIZE))?;
    dev.start()?;
    let shared = PeerMem {
        addr: info.addr,
        len: info.len,
    };

    // 5. Pull the owner's buffer into our own memory and check it.
    let mut pull = dev.vchan(0)?;
    let mut local = dma_move(&mut pull, shared, DmaBuf::new(BUF_LEN)?, true)?;
    if let Some((i, _)) = words(&local).find(|&(i, w)| w != owner_word(i)) {
        say!(tag, "pulled data differs at word {i}");
        return Err(Error::Errno(libc::EIO));
    }
    say!(
        tag,
        "pulled {BUF_LEN} bytes from the owner (peer -> local): contents as expected"
    );

    // 6. Invert every word and push it back into the owner's buffer.
    local.iter_mut().for_each(|b| *b = !*b);
    let mut push = dev.vchan(1)?;
    dma_move(&mut push, shared, local, false)?;
    say!(
        tag,
        "inverted every word and pushed {BUF_LEN} bytes back (local -> peer)"
    );
    // 7. Leaving the group (dropping it) tells the owner: MEMBER_LEFT.
    drop((pull, push));
    let group_id = group.id();
    drop(group);
    say!(tag, "left group {group_id}");
    println!("report {} 0", hex(&me));
    Ok(())
}

fn owner_main(eal: &Eal, tag: &str) -> Result<bool> {
    // 1. The buffer to share, in rte_malloc memory, filled with our data.
    let mut buf = DmaBuf::new(BUF_LEN)?;
    buf.chunks_exact_mut(4)
        .enumerate()
        .for_each(|(i, w)| w.copy_from_slice(&owner_word(i).to_ne_bytes()));
    say!(tag, "filled {BUF_LEN} bytes at {:#x}", buf.iova());

    // 2. Create the group: our domain id, a secret token; events on a channel.
    let dev = eal.device(DEV_NAME)?;
    let (me, token) = (Uuid::random()?, Uuid::random()?);
    let group = Group::create(&dev, me, token)?;
    say!(tag, "created group {} as domain {me}", group.id());

    // 3. Start the peer and tell it everything it needs.
    let exe = std::env::current_exe().map_err(|_| Error::NotFound)?;
    let mut peer = Command::new(exe)
        .arg("--peer")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|_| Error::Errno(libc::ECHILD))?;
    say!(tag, "started the peer, pid {}", peer.id());
    let info = ShareInfo {
        group_id: group.id(),
        token,
        owner_domain: me,
        addr: buf.iova(),
        len: BUF_LEN as u32,
    };
    let sent = peer
        .stdin
        .take()
        .map(|mut s| s.write_all(info.line().as_bytes()));
    let report = match (sent, peer.stdout.take()) {
        (Some(Ok(())), Some(out)) => read_line(out),
        _ => None,
    };

    // 4. The peer's report, then our buffer.
    let mut ok = match report
        .as_deref()
        .map(str::split_whitespace)
        .map(Iterator::collect::<Vec<_>>)
    {
        Some(f) if f.len() == 3 && f[0] == "report" && f[2] == "0" => {
            say!(tag, "the peer (domain {}) reports success", f[1]);
            true
        }
        _ => {
            say!(tag, "no good report from the peer");
            false
        }
    };
    if ok {
        if let Some((i, w)) = words(&buf).find(|&(i, w)| w != !owner_word(i)) {
            say!(
                tag,
                "word {i} is {w:#010x}, expected {:#010x}",
                !owner_word(i)
            );
            ok = false;
        } else {
            say!(
                tag,
                "verified: the peer changed all {BUF_LEN} bytes of our buffer"
            );
        }
        // 5. The peer left the group: our channel hears of it.
        match group.events().map(|rx| rx.recv_timeout(TIMEOUT)) {
            Some(Ok(ev)) if ev.kind == GroupEventKind::MemberLeft => {
                say!(
                    tag,
                    "event: domain {} left group {}",
                    ev.domain,
                    ev.group_id
                )
            }
            _ => {
                say!(tag, "no MEMBER_LEFT event");
                ok = false;
            }
        }
    }
    let status = peer.wait().map_err(|_| Error::Errno(libc::ECHILD))?;
    if !status.success() {
        say!(tag, "the peer failed ({status})");
        ok = false;
    }
    // 6. Destroy the group (dropping it; members still in would get GROUP_DESTROYED).
    let group_id = group.id();
    drop(group);
    say!(tag, "destroyed group {group_id}");
    Ok(ok)
}

fn main() -> ExitCode {
    let is_peer = std::env::args().any(|a| a == "--peer");
    let tag = format!(
        "[{} {}]",
        if is_peer { "peer " } else { "owner" },
        std::process::id()
    );
    if is_peer {
        // SAFETY: a plain prctl: do not outlive the owner.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    }
    let ok = match Eal::builder().vdev(DEV_NAME).init() {
        Ok(eal) if is_peer => peer_main(&eal, &tag)
            .inspect_err(|e| say!(tag, "failed: {e}"))
            .is_ok(),
        Ok(eal) => owner_main(&eal, &tag)
            .inspect_err(|e| say!(tag, "failed: {e}"))
            .unwrap_or(false),
        Err(e) => {
            say!(tag, "EAL init failed: {e}");
            false
        }
    };
    say!(tag, "{}", if ok { "done: success" } else { "done: FAILED" });
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
