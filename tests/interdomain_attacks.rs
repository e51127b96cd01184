//! The inter-domain device under attack: a rendezvous directory another user
//! prepared, fake creators, members that lie, flood, stall or break the protocol.
//! Each test reproduces one finding of the security review and checks the attack
//! fails (refused, bounded, never a crash, hang or wrong data).
//!
//! Attackers speak the wire protocol with raw sockets, so these tests depend only
//! on the public API and the frame format. Steps that need another process (another
//! uid, a stopped creator) re-run this binary in a role (`ATTACK_ROLE`).
mod common;

use common::chan::{self, Chan};
use common::reexec::{self, Reexec};
use dmadev::abi::*;
use dmadev::domain::wire::{FRAME, Msg, WindowInfo};
use dmadev::{Error, api, drivers::interdomain};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Tests here change the rendezvous directory (process environment): one at a time.
static SERIAL: Mutex<()> = Mutex::new(());
static DEVICES: AtomicUsize = AtomicUsize::new(0);
const TOKEN: [u8; 16] = [0x70; 16];

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn uid() -> u32 {
    // SAFETY: getuid has no memory effects.
    unsafe { libc::getuid() }
}

/// A fresh rendezvous directory path for one test (not created).
fn rundir(name: &str) -> PathBuf {
    common::rundir::fresh(&format!("attack-{name}"))
}

fn use_rundir(d: &Path) {
    // SAFETY: tests that read the environment run one at a time (SERIAL).
    unsafe { common::rundir::set(d) };
}

fn device() -> i16 {
    let name = format!(
        "dma_interdomain_atk{}",
        DEVICES.fetch_add(1, Ordering::Relaxed)
    );
    common::probe(interdomain::probe, &name, "")
}

fn create(dev: i16, domain: [u8; 16]) -> Result<i16, Error> {
    api::group_create(dev, &domain, &TOKEN, None)
}

fn join(dev: i16, domain: [u8; 16], token: [u8; 16], group: i16) -> Result<(), Error> {
    api::group_join(dev, &domain, &token, group, None)
}

fn handler(dev: i16, group: i16, domain: [u8; 16]) -> Result<u16, Error> {
    api::group_handler_get(dev, group, &domain)
}

/// Runs `f` on a thread and fails the test if it takes longer than `limit`.
fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("{what} did not return within {limit:?}"))
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

// ---- raw sockets, as an attacker uses them ----

fn sockaddr(path: &Path) -> (libc::sockaddr_un, libc::socklen_t) {
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: an all-zero sockaddr_un is valid.
    let mut a: libc::sockaddr_un = unsafe { core::mem::zeroed() };
    a.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (d, s) in a.sun_path.iter_mut().zip(path.as_os_str().as_bytes()) {
        *d = *s as libc::c_char;
    }
    let len = 2 + path.as_os_str().len() + 1;
    (a, len as libc::socklen_t)
}

fn raw_socket() -> OwnedFd {
    // SAFETY: plain socket creation; owned at once.
    unsafe {
        let fd = libc::socket(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            0,
        );
        assert!(fd >= 0);
        OwnedFd::from_raw_fd(fd)
    }
}

fn raw_connect(path: &Path) -> Option<OwnedFd> {
    let s = raw_socket();
    let (a, len) = sockaddr(path);
    // SAFETY: a valid address of `len` bytes.
    let rc = unsafe { libc::connect(s.as_raw_fd(), (&a as *const libc::sockaddr_un).cast(), len) };
    (rc == 0).then_some(s)
}

fn raw_listen(path: &Path) -> OwnedFd {
    let s = raw_socket();
    let (a, len) = sockaddr(path);
    // SAFETY: a valid address of `len` bytes; a bound socket.
    unsafe {
        assert_eq!(
            libc::bind(s.as_raw_fd(), (&a as *const libc::sockaddr_un).cast(), len),
            0
        );
        assert_eq!(libc::listen(s.as_raw_fd(), 16), 0);
    }
    s
}

fn wait_readable(fd: RawFd, ms: i32) -> bool {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    unsafe { libc::poll(&mut p, 1, ms) > 0 }
}

fn raw_accept(listener: &OwnedFd, ms: i32) -> Option<OwnedFd> {
    if !wait_readable(listener.as_raw_fd(), ms) {
        return None;
    }
    // SAFETY: NULL address output is allowed; owned at once.
    let fd = unsafe {
        libc::accept4(
            listener.as_raw_fd(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            libc::SOCK_CLOEXEC,
        )
    };
    // SAFETY: a new descriptor.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Sends one frame with `fds` attached; false if the socket would block.
fn send(s: &OwnedFd, m: &Msg, fds: &[RawFd]) -> bool {
    let mut f = m.encode();
    let mut iov = libc::iovec {
        iov_base: f.as_mut_ptr().cast(),
        iov_len: FRAME,
    };
    let mut cbuf = [0u64; 8];
    // SAFETY: msghdr over live buffers; room for up to 8 ints of SCM_RIGHTS.
    unsafe {
        let mut h: libc::msghdr = core::mem::zeroed();
        h.msg_iov = &mut iov;
        h.msg_iovlen = 1;
        if !fds.is_empty() {
            h.msg_control = cbuf.as_mut_ptr().cast();
            h.msg_controllen = libc::CMSG_SPACE(4 * fds.len() as u32) as _;
            let c = libc::CMSG_FIRSTHDR(&h);
            (*c).cmsg_level = libc::SOL_SOCKET;
            (*c).cmsg_type = libc::SCM_RIGHTS;
            (*c).cmsg_len = libc::CMSG_LEN(4 * fds.len() as u32) as _;
            for (i, fd) in fds.iter().enumerate() {
                core::ptr::write_unaligned((libc::CMSG_DATA(c) as *mut i32).add(i), *fd);
            }
        }
        libc::sendmsg(s.as_raw_fd(), &h, libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT) == FRAME as isize
    }
}

/// The next frame within `ms`, with its descriptors; None on timeout or end-of-file.
fn recv(s: &OwnedFd, ms: i32) -> Option<(Msg, Vec<OwnedFd>)> {
    if !wait_readable(s.as_raw_fd(), ms) {
        return None;
    }
    let mut f = [0u8; FRAME];
    let mut iov = libc::iovec {
        iov_base: f.as_mut_ptr().cast(),
        iov_len: FRAME,
    };
    let mut cbuf = [0u64; 8];
    let mut fds = Vec::new();
    // SAFETY: msghdr over live buffers; each SCM_RIGHTS int is a new descriptor.
    unsafe {
        let mut h: libc::msghdr = core::mem::zeroed();
        h.msg_iov = &mut iov;
        h.msg_iovlen = 1;
        h.msg_control = cbuf.as_mut_ptr().cast();
        h.msg_controllen = 64;
        let n = libc::recvmsg(
            s.as_raw_fd(),
            &mut h,
            libc::MSG_CMSG_CLOEXEC | libc::MSG_DONTWAIT,
        );
        let mut c = libc::CMSG_FIRSTHDR(&h);
        while !c.is_null() {
            let n = ((*c).cmsg_len as usize - libc::CMSG_LEN(0) as usize) / 4;
            for i in 0..n {
                let fd = core::ptr::read_unaligned((libc::CMSG_DATA(c) as *const i32).add(i));
                fds.push(OwnedFd::from_raw_fd(fd));
            }
            c = libc::CMSG_NXTHDR(&h, c);
        }
        if n != FRAME as isize {
            return None;
        }
    }
    Some((Msg::decode(&f)?, fds))
}

fn socket_of(dir: &Path, group: i16) -> PathBuf {
    dir.join(format!("group-{group}.sock"))
}

/// A memfd of `len` bytes, unsealed: what a careless or hostile peer offers.
fn memfd(len: i64) -> OwnedFd {
    // SAFETY: a NUL-terminated name; the result is checked and owned.
    unsafe {
        let fd = libc::memfd_create(c"attacker".as_ptr(), libc::MFD_CLOEXEC);
        assert!(fd >= 0);
        assert_eq!(libc::ftruncate(fd, len), 0);
        OwnedFd::from_raw_fd(fd)
    }
}

/// This test binary run again to play `role` in `test`, with the same rendezvous
/// directory and `env`.
fn spawn_role(role: &str, test: &str, dir: &Path, env: &[(&str, String)]) -> Reexec {
    let mut cmd = reexec::command(&[], test);
    cmd.env("ATTACK_ROLE", role)
        .env("DMADEV_RUNTIME_DIR", dir)
        .envs(env.iter().map(|(k, v)| (k, v)));
    Reexec::spawn(cmd)
}

fn role() -> Option<String> {
    std::env::var("ATTACK_ROLE").ok()
}

// ---- 1. a private, verified rendezvous ----

#[test]
fn a_directory_prepared_by_another_user_is_refused() {
    if role().is_some() {
        return;
    }
    let _s = serial();
    if uid() != 0 {
        eprintln!("skipped: needs root to make a directory owned by another uid");
        return;
    }
    let dev = device();
    // World-writable and owned by another uid (nobody), as an attacker leaves it.
    let d = rundir("foreign");
    std::fs::create_dir(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::os::unix::fs::chown(&d, Some(65534), Some(65534)).unwrap();
    use_rundir(&d);
    assert_eq!(create(dev, [1; 16]), Err(Error::NotPermitted));
    assert_eq!(join(dev, [1; 16], TOKEN, 0), Err(Error::NotPermitted));
    assert!(
        std::fs::read_dir(&d).unwrap().next().is_none(),
        "nothing was created in it"
    );
    std::fs::remove_dir_all(&d).unwrap();
    api::close(dev).unwrap();
}

#[test]
fn a_writable_or_symlinked_directory_of_ours_is_refused_and_planted_locks_not_followed() {
    if role().is_some() {
        return;
    }
    let _s = serial();
    let dev = device();
    let d = rundir("ours");
    std::fs::create_dir(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
    use_rundir(&d);
    assert_eq!(create(dev, [1; 16]), Err(Error::NotPermitted));
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
    let link = rundir("ours-link");
    std::os::unix::fs::symlink(&d, &link).unwrap();
    use_rundir(&link);
    assert_eq!(create(dev, [1; 16]), Err(Error::NotPermitted));
    // Symlinks planted where lock files go are never followed.
    use_rundir(&d);
    let target = rundir("ours-target");
    for name in ["lock", "group-0.lock"] {
        std::os::unix::fs::symlink(&target, d.join(name)).unwrap();
    }
    let g = create(dev, [1; 16]).unwrap();
    assert!(
        !target.exists(),
        "a file was created where a planted symlink points"
    );
    api::group_destroy(dev, g).unwrap();
    std::fs::remove_file(&link).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
    api::close(dev).unwrap();
}

/// Role: listens as uid 65534 on a socket path given by the parent, reports whether
/// a joiner sent it anything.
#[test]
fn role_foreign_creator() {
    if role().as_deref() != Some("foreign_creator") {
        return;
    }
    let path = PathBuf::from(std::env::var("ATTACK_SOCKET").unwrap());
    // SAFETY: changes this process's ids; nothing else runs in this role process.
    assert_eq!(unsafe { libc::setresgid(65534, 65534, 65534) }, 0);
    // SAFETY: as above.
    assert_eq!(unsafe { libc::setresuid(65534, 65534, 65534) }, 0);
    let l = raw_listen(&path);
    println!("\nLISTENING 1");
    let conn = raw_accept(&l, 5000).expect("the joiner never connected");
    let got = recv(&conn, 2000);
    println!("\nRECEIVED {}", got.is_some() as i32);
}

#[test]
fn a_joiner_refuses_a_creator_of_another_uid() {
    if role().is_some() {
        return;
    }
    let _s = serial();
    if uid() != 0 {
        eprintln!("skipped: needs root to run a fake creator as another uid");
        return;
    }
    let dev = device();
    let d = rundir("fake-uid");
    use_rundir(&d);
    let real = create(dev, [1; 16]).unwrap();
    // The attacker binds its socket where it may, and it is moved over the real one.
    let outside = std::env::temp_dir().join(format!("dmadev-attack-sock-{}", std::process::id()));
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o777)).unwrap();
    let sock = outside.join("fake.sock");
    let _ = std::fs::remove_file(&sock);
    let env = [("ATTACK_SOCKET", sock.display().to_string())];
    let mut child = spawn_role("foreign_creator", "role_foreign_creator", &d, &env);
    assert_eq!(child.value("LISTENING"), 1);
    std::fs::rename(&sock, socket_of(&d, real)).unwrap();
    let joiner = device();
    assert_eq!(join(joiner, [2; 16], TOKEN, real), Err(Error::NotPermitted));
    assert_eq!(
        child.value("RECEIVED"),
        0,
        "the token reached the fake creator"
    );
    child.kill();
    let _ = api::group_destroy(dev, real);
    std::fs::remove_dir_all(&outside).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
    api::close(dev).unwrap();
    api::close(joiner).unwrap();
}

/// A fake creator of our uid on group socket `id`: accepts one joiner, reads its
/// join, then plays `script` (frames with descriptors) and keeps the connection
/// open for `linger`.
fn fake_creator(
    dir: &Path,
    id: i16,
    script: Vec<(Msg, Option<OwnedFd>)>,
    linger: Duration,
) -> std::thread::JoinHandle<()> {
    let l = raw_listen(&socket_of(dir, id));
    std::thread::spawn(move || play(&l, &script, linger))
}

/// Accepts one joiner, reads its join, sends `script` (giving up once the joiner
/// stops taking it for 2 s), then keeps the connection for `linger`.
fn play(l: &OwnedFd, script: &[(Msg, Option<OwnedFd>)], linger: Duration) {
    let conn = raw_accept(l, 5000).expect("no joiner");
    recv(&conn, 2000).expect("no join");
    'script: for (m, fd) in script {
        let fds: Vec<RawFd> = fd.iter().map(|f| f.as_raw_fd()).collect();
        let deadline = Instant::now() + Duration::from_secs(2);
        while !send(&conn, m, &fds) {
            if Instant::now() > deadline {
                break 'script;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    std::thread::sleep(linger);
}

fn member(domain: [u8; 16], pid: i32, window: WindowInfo) -> Msg {
    Msg::Member {
        domain,
        pid,
        window,
    }
}

#[test]
fn a_joiner_refuses_a_creator_that_lies_about_its_pid() {
    if role().is_some() {
        return;
    }
    let _s = serial();
    let d = rundir("fake-pid");
    use_rundir(&d);
    let dev = device();
    std::fs::create_dir_all(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
    // An unrelated process the fake creator names as itself.
    let mut victim = Command::new("sleep").arg("30").spawn().unwrap();
    let me = std::process::id() as i32;
    let script = vec![
        (Msg::Accept { members: 2 }, None),
        (
            member([9; 16], victim.id() as i32, WindowInfo::default()),
            None,
        ),
        (member([2; 16], me, WindowInfo::default()), None),
    ];
    let t = fake_creator(&d, 7, script, Duration::from_millis(500));
    let r = join(dev, [2; 16], TOKEN, 7);
    assert_eq!(
        r,
        Err(Error::Errno(libc::EPROTO)),
        "a creator naming an unrelated pid was believed"
    );
    t.join().unwrap();
    victim.kill().unwrap();
    victim.wait().unwrap();
    std::fs::remove_dir_all(&d).unwrap();
    api::close(dev).unwrap();
}

#[test]
fn a_joiner_refuses_malformed_answers_from_a_creator() {
    if role().is_some() {
        return;
    }
    let _s = serial();
    let d = rundir("malformed");
    use_rundir(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
    let dev = device();
    let me = std::process::id() as i32;
    let none = WindowInfo::default();
    let scripts = [
        // A refusal whose errno is no errno.
        vec![(Msg::Refuse { errno: 12345 }, None)],
        // More members than a group holds.
        vec![(Msg::Accept { members: 100_000 }, None)],
        // A member with no valid pid.
        vec![
            (Msg::Accept { members: 2 }, None),
            (member([9; 16], me, none), None),
            (member([2; 16], 0, none), None),
        ],
        // The same domain twice.
        vec![
            (Msg::Accept { members: 3 }, None),
            (member([9; 16], me, none), None),
            (member([9; 16], me, none), None),
            (member([2; 16], me, none), None),
        ],
        // A list without the joiner.
        vec![
            (Msg::Accept { members: 2 }, None),
            (member([9; 16], me, none), None),
            (member([8; 16], me, none), None),
        ],
    ];
    for (n, script) in scripts.into_iter().enumerate() {
        let t = fake_creator(&d, 11, script, Duration::from_millis(200));
        assert_eq!(
            join(dev, [2; 16], TOKEN, 11),
            Err(Error::Errno(libc::EPROTO)),
            "malformed answer {n} was believed"
        );
        t.join().unwrap();
        std::fs::remove_file(socket_of(&d, 11)).unwrap();
    }
    std::fs::remove_dir_all(&d).unwrap();
    api::close(dev).unwrap();
}

// ---- 2. windows that cannot hurt their users ----

/// One vchan of `dev` from member `src_handler`'s memory to member `dst_handler`'s.
fn vchan_between(dev: i16, src_handler: u16, dst_handler: u16) -> Chan {
    let process = rte_dma_inter_domain_type::RTE_DMA_INTER_PROCESS_DOMAIN;
    let [c] = chan::start(dev, [chan::between(process, src_handler, dst_handler)]);
    c
}

/// An address no process here maps, where the fake creator claims its window is.
const FAKE_WINDOW_BASE: u64 = 0x7e00_0000_0000;

/// Role: a creator of our uid in another process that offers a 4 KiB unsealed memfd
/// as a 1 GiB window (its pid is true, so the joiner's pid check passes).
#[test]
fn role_window_creator() {
    if role().as_deref() != Some("window_creator") {
        return;
    }
    let path = PathBuf::from(std::env::var("ATTACK_SOCKET").unwrap());
    let parent: i32 = std::env::var("ATTACK_PARENT").unwrap().parse().unwrap();
    let l = raw_listen(&path);
    println!("\nLISTENING 1");
    let window = WindowInfo {
        base: FAKE_WINDOW_BASE,
        len: 1 << 30,
    };
    let script = vec![
        (Msg::Accept { members: 2 }, None),
        (
            member([9; 16], std::process::id() as i32, window),
            Some(memfd(4096)),
        ),
        (member([2; 16], parent, WindowInfo::default()), None),
    ];
    play(&l, &script, Duration::from_secs(5));
}

#[test]
fn a_window_shorter_than_claimed_or_unsealed_is_not_mapped() {
    if role().is_some() {
        return;
    }
    let _s = serial();
    let d = rundir("short-window");
    use_rundir(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
    let env = [
        ("ATTACK_SOCKET", socket_of(&d, 3).display().to_string()),
        ("ATTACK_PARENT", std::process::id().to_string()),
    ];
    let mut child = spawn_role("window_creator", "role_window_creator", &d, &env);
    assert_eq!(child.value("LISTENING"), 1);
    let dev = device();
    join(dev, [2; 16], TOKEN, 3).unwrap();
    let creator = handler(dev, 3, [9; 16]).unwrap();
    let me = handler(dev, 3, [2; 16]).unwrap();
    let vc = vchan_between(dev, me, creator);
    // Past the memfd's end: through a mapping of the window this was SIGBUS; now the
    // copy goes by system call to an address the creator does not map, and fails.
    let src = vec![7u8; 256];
    assert_eq!(
        vc.copy(src.as_ptr() as u64, FAKE_WINDOW_BASE + (1 << 20), 256),
        rte_dma_status_code::RTE_DMA_STATUS_INVALID_DST_ADDR
    );
    api::stop(dev).unwrap();
    child.kill();
    api::close(dev).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_member_cannot_resize_the_windows_it_is_given() {
    if role().is_some() {
        return;
    }
    let _s = serial();
    // Allocate so the heap (the window) exists.
    let p = dmadev::eal::heap::alloc(4096, 64);
    assert!(!p.is_null());
    if dmadev::eal::heap::window().is_none() {
        eprintln!("skipped: rte_malloc is not shared memory here (DMADEV_MALLOC=libc), no window");
        // SAFETY: from alloc above.
        unsafe { dmadev::eal::heap::release(p) };
        return;
    }
    let d = rundir("resize");
    use_rundir(&d);
    let dev = device();
    let g = create(dev, [1; 16]).unwrap();
    // A member joins with raw sockets and receives the creator's window.
    let s = raw_connect(&socket_of(&d, g)).unwrap();
    assert!(send(
        &s,
        &Msg::Join {
            domain: [5; 16],
            token: TOKEN,
            pid: std::process::id() as i32,
            window: WindowInfo::default(),
        },
        &[]
    ));
    assert!(matches!(recv(&s, 2000), Some((Msg::Accept { .. }, _))));
    let (m, fds) = recv(&s, 2000).unwrap();
    assert!(matches!(m, Msg::Member { .. }));
    let fd = fds
        .into_iter()
        .next()
        .expect("the creator offers its heap as a window");
    // SAFETY: ftruncate on a descriptor we own.
    let rc = unsafe { libc::ftruncate(fd.as_raw_fd(), 4096) };
    assert_ne!(
        rc, 0,
        "a member shrank the creator's heap (SIGBUS for everyone)"
    );
    // SAFETY: from alloc above.
    unsafe { dmadev::eal::heap::release(p) };
    api::group_destroy(dev, g).unwrap();
    api::close(dev).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
}

// ---- 4. bounded control plane ----

#[test]
fn wrong_token_joins_carrying_descriptors_leak_nothing() {
    if role().is_some() {
        return;
    }
    let _s = serial();
    let d = rundir("fd-leak");
    use_rundir(&d);
    let dev = device();
    let g = create(dev, [1; 16]).unwrap();
    let spare = memfd(4096);
    let before = open_fds();
    for _ in 0..100 {
        let s = raw_connect(&socket_of(&d, g)).unwrap();
        let join = Msg::Join {
            domain: [6; 16],
            token: [0xee; 16],
            pid: 1,
            window: WindowInfo {
                base: 1 << 30,
                len: 4096,
            },
        };
        let fds = [spare.as_raw_fd(); 4];
        assert!(send(&s, &join, &fds));
        assert!(matches!(recv(&s, 2000), Some((Msg::Refuse { .. }, _))));
    }
    std::thread::sleep(Duration::from_millis(50));
    let after = open_fds();
    assert!(
        after <= before + 2,
        "open descriptors went from {before} to {after}"
    );
    api::group_destroy(dev, g).unwrap();
    api::close(dev).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn silent_connections_are_dropped_and_do_not_lock_joiners_out() {
    if role().is_some() {
        return;
    }
    let _s = serial();
    let d = rundir("silent");
    use_rundir(&d);
    let (dev, other) = (device(), device());
    let g = create(dev, [1; 16]).unwrap();
    let silent: Vec<OwnedFd> = (0..40)
        .filter_map(|_| raw_connect(&socket_of(&d, g)))
        .collect();
    assert!(silent.len() >= 8);
    // A real joiner still gets in at once.
    within(
        Duration::from_secs(10),
        "a join among silent connections",
        move || {
            join(other, [2; 16], TOKEN, g).unwrap();
            api::group_leave(other, g).unwrap();
        },
    );
    // And every silent connection is closed by the creator within its handshake time.
    let deadline = Instant::now() + Duration::from_secs(5);
    for s in &silent {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_millis() as i32;
        assert!(
            wait_readable(s.as_raw_fd(), left),
            "a silent connection was kept"
        );
        assert!(recv(s, 0).is_none(), "expected end-of-file");
    }
    api::group_destroy(dev, g).unwrap();
    api::close(dev).unwrap();
    api::close(other).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
}

/// Role: creates a group, prints its id, then waits to be stopped and killed.
#[test]
fn role_creator() {
    if role().as_deref() != Some("creator") {
        return;
    }
    let dev = device();
    let g = create(dev, [0xcc; 16]).unwrap();
    println!("\nGROUP {g}");
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn a_stopped_creator_blocks_no_other_create_and_no_join_forever() {
    if role().is_some() {
        return;
    }
    let _s = serial();
    let d = rundir("stopped");
    use_rundir(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
    let mut child = spawn_role("creator", "role_creator", &d, &[]);
    let g = child.value("GROUP") as i16;
    // SAFETY: stops our own child.
    unsafe { libc::kill(child.pid() as i32, libc::SIGSTOP) };
    // Fill its accept queue, as a flood would.
    let mut flood = Vec::new();
    while let Some(s) = raw_connect(&socket_of(&d, g)) {
        flood.push(s);
        assert!(flood.len() < 10_000);
    }
    let dev = device();
    let created = within(
        Duration::from_secs(5),
        "group_create beside a stopped creator",
        move || create(dev, [1; 16]),
    )
    .unwrap();
    let t = Instant::now();
    let joined = within(
        Duration::from_secs(10),
        "joining a stopped creator",
        move || join(dev, [2; 16], TOKEN, g),
    );
    assert!(joined.is_err());
    assert!(t.elapsed() < Duration::from_secs(7));
    child.kill();
    api::group_destroy(dev, created).unwrap();
    api::close(dev).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_member_that_stops_reading_is_dropped_and_never_wedges_the_creator() {
    if role().is_some() {
        return;
    }
    let _s = serial();
    let d = rundir("stall");
    use_rundir(&d);
    let (dev, other) = (device(), device());
    let g = create(dev, [1; 16]).unwrap();
    let s = raw_connect(&socket_of(&d, g)).unwrap();
    let join_msg = Msg::Join {
        domain: [5; 16],
        token: TOKEN,
        pid: 0,
        window: WindowInfo::default(),
    };
    assert!(send(&s, &join_msg, &[]));
    // It never reads again; others come and go past what its queue can hold.
    let t = Instant::now();
    for _ in 0..400 {
        join(other, [2; 16], TOKEN, g).unwrap();
        api::group_leave(other, g).unwrap();
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "join/leave cycles stalled"
        );
    }
    // The staller was dropped (its handler is gone on the creator's side) ...
    assert!(
        common::eventually(|| handler(dev, g, [5; 16]).is_err()),
        "the stalled member was never dropped"
    );
    // ... and destroy and close return at once.
    within(Duration::from_secs(5), "destroy and close", move || {
        api::group_destroy(dev, g).unwrap();
        api::close(dev).unwrap();
    });
    api::close(other).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
}

// ---- 5. the handler table ----

#[test]
fn a_creator_announcing_endless_members_cannot_hang_a_joiner() {
    if role().is_some() {
        return;
    }
    let _s = serial();
    let d = rundir("endless");
    use_rundir(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
    let dev = device();
    let me = std::process::id() as i32;
    let mut script = vec![
        (Msg::Accept { members: 2 }, None),
        (member([9; 16], me, WindowInfo::default()), None),
        (member([2; 16], me, WindowInfo::default()), None),
    ];
    for n in 0..70_000u32 {
        let mut dom = [0u8; 16];
        dom[..4].copy_from_slice(&n.to_le_bytes());
        dom[15] = 0xaa;
        script.push((member(dom, me, WindowInfo::default()), None));
    }
    let t = fake_creator(&d, 4, script, Duration::from_millis(100));
    join(dev, [2; 16], TOKEN, 4).unwrap();
    t.join().unwrap();
    // The device still answers (no thread spins holding its table).
    within(
        Duration::from_secs(5),
        "handler_get after the flood",
        move || {
            let _ = handler(dev, 4, [9; 16]);
            let _ = api::group_leave(dev, 4);
            api::close(dev).unwrap();
        },
    );
    std::fs::remove_dir_all(&d).unwrap();
}

// ---- 7. ordering under churn ----

#[test]
fn joins_never_fail_spuriously_while_others_join_and_leave() {
    if role().is_some() {
        return;
    }
    let _s = serial();
    let d = rundir("churn");
    use_rundir(&d);
    let creator = device();
    let g = create(creator, [1; 16]).unwrap();
    const THREADS: usize = 4;
    const JOINS: usize = 250;
    let devs: Vec<i16> = (0..THREADS).map(|_| device()).collect();
    let failures = std::sync::Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = devs
        .iter()
        .enumerate()
        .map(|(i, &dev)| {
            let failures = failures.clone();
            std::thread::spawn(move || {
                for n in 0..JOINS {
                    let mut dom = [0u8; 16];
                    dom[0] = i as u8 + 2;
                    dom[1] = (n % 3) as u8;
                    match join(dev, dom, TOKEN, g) {
                        Ok(()) => {
                            api::group_leave(dev, g).unwrap();
                        }
                        Err(e) => {
                            eprintln!("join {n} of thread {i} failed: {e:?}");
                            failures.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(
        failures.load(Ordering::Relaxed),
        0,
        "spurious join failures in {} joins",
        THREADS * JOINS
    );
    api::group_destroy(creator, g).unwrap();
    for dev in devs {
        api::close(dev).unwrap();
    }
    api::close(creator).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
}

// ---- limits, each with a clear error ----

#[test]
fn a_full_group_and_a_process_in_too_many_groups_are_refused_with_enospc() {
    if role().is_some() {
        return;
    }
    let _s = serial();
    let d = rundir("limits");
    use_rundir(&d);
    let (dev, other) = (device(), device());
    let g = create(dev, [1; 16]).unwrap();
    // Fill the group with raw members (the creator is one of MAX_MEMBERS).
    let max = dmadev::domain::group::MAX_MEMBERS;
    let mut members = Vec::new();
    for n in 1..max {
        let s = raw_connect(&socket_of(&d, g)).unwrap();
        let mut dom = [0x33u8; 16];
        dom[0] = n as u8;
        let j = Msg::Join {
            domain: dom,
            token: TOKEN,
            pid: 0,
            window: WindowInfo::default(),
        };
        assert!(send(&s, &j, &[]));
        assert!(
            matches!(recv(&s, 2000), Some((Msg::Accept { .. }, _))),
            "member {n} was not admitted"
        );
        members.push(s);
    }
    assert_eq!(join(other, [2; 16], TOKEN, g), Err(Error::NoSpace));
    drop(members);
    api::group_destroy(dev, g).unwrap();
    // Groups one process is in: the next create or join beyond the limit is refused.
    let groups: Vec<i16> = (0..dmadev::domain::group::MAX_GROUPS)
        .map(|_| create(dev, [1; 16]).unwrap())
        .collect();
    assert_eq!(create(dev, [1; 16]), Err(Error::NoSpace));
    assert_eq!(join(other, [2; 16], TOKEN, groups[0]), Err(Error::NoSpace));
    for g in groups {
        api::group_destroy(dev, g).unwrap();
    }
    let g = create(dev, [1; 16]).unwrap();
    api::group_destroy(dev, g).unwrap();
    api::close(dev).unwrap();
    api::close(other).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
}
