//! The safe Rust API (`dmadev::safe`), used only through its public items. The EAL
//! is process-wide: each test holds `SERIAL` while its `Eal` lives.
use dmadev::Error;
use dmadev::safe::*;
use std::sync::Mutex;
use std::time::{Duration, Instant};

static SERIAL: Mutex<()> = Mutex::new(());
const WAIT: Duration = Duration::from_secs(10);

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn one_vchan(dev: &mut Device<'_>, nb_desc: u16) {
    let conf = DeviceConfig {
        nb_vchans: 1,
        ..Default::default()
    };
    dev.configure(&conf).unwrap();
    dev.vchan_setup(0, &VchanSetup::mem_to_mem(nb_desc))
        .unwrap();
    dev.start().unwrap();
}

fn pattern(len: usize, seed: u8) -> DmaBuf {
    let mut b = DmaBuf::new(len).unwrap();
    for (i, x) in b.iter_mut().enumerate() {
        *x = (i as u8).wrapping_mul(31).wrapping_add(seed);
    }
    b
}

#[test]
fn copies_fills_and_scatter_gather_give_their_buffers_back() {
    let _s = serial();
    let eal = Eal::builder().vdev("dma_skeleton").init().unwrap();
    let mut dev = eal.device("dma_skeleton").unwrap();
    let info = dev.info().unwrap();
    assert_eq!(info.name, "dma_skeleton");
    assert!(
        info.capabilities
            .contains(Capabilities::MEM_TO_MEM | Capabilities::OPS_COPY_SG)
    );
    one_vchan(&mut dev, 128);
    let mut vchan = dev.vchan(0).unwrap();

    // 1000 copies in bursts: indexes in order, every byte checked, buffers back.
    let mut expected = 0u16;
    for burst in 0..50u8 {
        for k in 0..20u8 {
            let src = pattern(64 + k as usize, burst ^ k);
            let idx = vchan.copy(src, DmaBuf::new(128).unwrap(), OpFlags::empty());
            assert_eq!(idx.map_err(|r| r.error), Ok(expected));
            expected = expected.wrapping_add(1);
        }
        vchan.submit().unwrap();
        let done = vchan.wait(20, WAIT).unwrap();
        assert_eq!(done.len(), 20);
        for c in done {
            assert!(c.is_ok(), "{:?}", c.status);
            let Op::Copy { src, dst } = c.op else {
                panic!("not a copy")
            };
            let (src, dst) = (src.as_local().unwrap(), dst.as_local().unwrap());
            assert_eq!(&dst[..src.len()], &src[..]);
            assert!(dst[src.len()..].iter().all(|&b| b == 0));
        }
    }
    assert_eq!(vchan.in_flight(), 0);

    // A fill, of a boxed slice (memory not from the heap).
    let boxed = DmaBuf::from_boxed(vec![0u8; 1000].into_boxed_slice()).unwrap();
    vchan
        .fill(0x0807060504030201, boxed, OpFlags::SUBMIT)
        .unwrap();
    let c = vchan.wait(1, WAIT).unwrap().pop().unwrap();
    let Op::Fill { dst, .. } = c.op else {
        panic!("not a fill")
    };
    let dst = dst.into_local().unwrap();
    assert!(
        dst.chunks(8)
            .all(|w| w == &[1, 2, 3, 4, 5, 6, 7, 8][..w.len()])
    );

    // Scatter-gather: two sources into one destination, in order.
    let (a, b) = (pattern(100, 1), pattern(60, 2));
    let want: Vec<u8> = a.iter().chain(b.iter()).copied().collect();
    let src = vec![Region::from(a), Region::from(b)];
    let dst = vec![Region::from(DmaBuf::new(160).unwrap())];
    vchan.copy_sg(src, dst, OpFlags::SUBMIT).unwrap();
    let c = vchan.wait(1, WAIT).unwrap().pop().unwrap();
    let Op::CopySg { dst, .. } = c.op else {
        panic!("not sg")
    };
    assert_eq!(&dst[0].as_local().unwrap()[..], &want[..]);

    // Parts of one buffer in flight at once, each its own operation, joined back.
    let mut whole = DmaBuf::new(300).unwrap();
    let mut mid = whole.split_off(100);
    let tail = mid.split_off(100);
    let other = whole.unsplit(DmaBuf::new(8).unwrap()).unwrap_err();
    assert_eq!(other.len(), 8, "not adjacent: given back");
    for (k, part) in [whole, mid, tail].into_iter().enumerate() {
        let pattern = k as u64 * 0x0101010101010101;
        vchan.fill(pattern, part, OpFlags::empty()).unwrap();
    }
    let mut parts = vchan
        .wait(3, WAIT)
        .unwrap()
        .into_iter()
        .map(|c| match c.op {
            Op::Fill { dst, .. } => dst.into_local().unwrap(),
            _ => panic!("not a fill"),
        });
    let (mut whole, mid, tail) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let tail = whole.unsplit(tail).unwrap_err(); // the middle part is missing
    whole.unsplit(mid).unwrap();
    whole.unsplit(tail).unwrap();
    assert_eq!(whole.len(), 300);
    for (k, part) in whole.chunks(100).enumerate() {
        assert!(part.iter().all(|&b| b == k as u8), "part {k}");
    }

    drop(vchan);
    let stats = dev.stats(None).unwrap();
    assert_eq!(
        (stats.submitted, stats.completed, stats.errors),
        (1005, 1005, 0)
    );
    assert_eq!(dev.vchan_state(0).unwrap(), VchanState::Idle);
    let dump = dev.dump().unwrap();
    assert!(dump.contains("'dma_skeleton' [started]"), "{dump}");
    dev.stats_reset(Some(0)).unwrap();
    assert_eq!(dev.stats(Some(0)).unwrap(), Stats::default());
}

#[test]
fn refused_operations_hand_their_buffers_back() {
    let _s = serial();
    let eal = Eal::builder().vdev("dma_skeleton").init().unwrap();
    let mut dev = eal.device("dma_skeleton").unwrap();
    one_vchan(&mut dev, 32);
    let mut vchan = dev.vchan(0).unwrap();

    // Destination too short, zero length, a peer's memory on a local side.
    let r = vchan.copy(pattern(64, 0), DmaBuf::new(32).unwrap(), OpFlags::empty());
    let r = r.unwrap_err();
    assert_eq!(r.error, Error::InvalidArgument);
    let Op::Copy { src, dst } = r.op else {
        panic!()
    };
    assert_eq!((src.len(), dst.len()), (64, 32));
    let peer = PeerMem {
        addr: 0x1000,
        len: 64,
    };
    let r = vchan.copy(peer, DmaBuf::new(64).unwrap(), OpFlags::empty());
    assert_eq!(r.unwrap_err().error, Error::InvalidArgument);
    let r = vchan.fill(0, peer, OpFlags::empty());
    assert_eq!(r.unwrap_err().error, Error::InvalidArgument);
    let r = vchan.copy_sg(vec![], vec![pattern(8, 0).into()], OpFlags::empty());
    assert_eq!(r.unwrap_err().error, Error::InvalidArgument);

    // A full ring (32 descriptors, 31 usable): the 32nd comes back with NoSpace.
    assert_eq!(vchan.burst_capacity(), 31);
    for _ in 0..31 {
        vchan
            .copy(pattern(64, 3), DmaBuf::new(64).unwrap(), OpFlags::empty())
            .unwrap();
    }
    let r = vchan.copy(pattern(64, 9), DmaBuf::new(64).unwrap(), OpFlags::empty());
    let r = r.unwrap_err();
    assert_eq!(r.error, Error::NoSpace);
    let Op::Copy { src, .. } = r.op else { panic!() };
    assert_eq!(src.as_local().unwrap()[1], 31u8.wrapping_add(9));
    assert_eq!(vchan.in_flight(), 31);
    // Dropping the vchan submits and waits for them; it can then be taken again.
    drop(vchan);
    let mut vchan = dev.vchan(0).unwrap();
    assert_eq!(vchan.in_flight(), 0);
    assert_eq!(vchan.burst_capacity(), 31);
    // Collecting with nothing in flight yields nothing.
    assert_eq!(vchan.completed(8).count(), 0);
}

#[test]
fn one_eal_one_handle_per_device_one_per_vchan() {
    let _s = serial();
    let eal = Eal::builder().vdev("dma_skeleton").init().unwrap();
    assert_eq!(
        Eal::builder().init().err(),
        Some(Error::Errno(libc::EALREADY))
    );
    let mut dev = eal.device("dma_skeleton").unwrap();
    assert_eq!(eal.device("dma_skeleton").err(), Some(Error::Busy));
    assert_eq!(
        eal.device("no_such_device").err(),
        Some(Error::InvalidArgument)
    );
    // No vchan before configuration and start; silent mode needs `silent=1`.
    assert_eq!(dev.vchan(0).err(), Some(Error::InvalidArgument));
    let silent = DeviceConfig {
        nb_vchans: 1,
        flags: ConfigFlags::SILENT,
        ..Default::default()
    };
    assert_eq!(dev.configure(&silent), Err(Error::InvalidArgument));
    let two = DeviceConfig {
        nb_vchans: 2,
        ..Default::default()
    };
    dev.configure(&two).unwrap();
    dev.vchan_setup(0, &VchanSetup::mem_to_mem(64)).unwrap();
    // DPDK's rules still apply (nb_desc below the device's minimum).
    assert_eq!(
        dev.vchan_setup(1, &VchanSetup::mem_to_mem(2)),
        Err(Error::InvalidArgument)
    );
    assert_eq!(
        dev.vchan_setup(2, &VchanSetup::mem_to_mem(64)),
        Err(Error::InvalidArgument)
    );
    dev.vchan_setup(1, &VchanSetup::mem_to_mem(64)).unwrap();
    assert_eq!(dev.vchan(0).err(), Some(Error::InvalidArgument), "stopped");
    dev.start().unwrap();
    let v0 = dev.vchan(0).unwrap();
    assert_eq!(dev.vchan(0).err(), Some(Error::Busy));
    // A vchan moves to another thread and works there.
    let v0 = std::thread::scope(|s| {
        s.spawn(move || {
            let mut v0 = v0;
            v0.copy(pattern(64, 5), DmaBuf::new(64).unwrap(), OpFlags::SUBMIT)
                .unwrap();
            assert!(v0.wait(1, WAIT).unwrap()[0].is_ok());
            v0
        })
        .join()
        .unwrap()
    });
    drop(v0);
    drop(dev);
    // The claim ends with the handle (which stops the device); the new handle
    // sets its vchans up before it takes any.
    let mut dev = eal.device("dma_skeleton").unwrap();
    assert!(!dev.is_started());
    dev.start().unwrap();
    assert_eq!(
        dev.vchan(0).err(),
        Some(Error::InvalidArgument),
        "not set up here"
    );
    assert!(eal.device_names().iter().any(|(_, n)| n == "dma_skeleton"));
    drop(dev);
    drop(eal);
    // A new EAL after the last one ended.
    let eal = Eal::init(["app", "--", "mine"]).unwrap();
    assert_eq!(eal.app_args(), ["app", "mine"]);
}

/// Waits until `f` succeeds (a member shows up on the creator's control thread).
fn eventually<T>(mut f: impl FnMut() -> dmadev::Result<T>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        match f() {
            Ok(v) => return v,
            Err(e) if Instant::now() > deadline => panic!("never: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    }
}

#[test]
fn two_devices_share_a_buffer_through_a_group() {
    let _s = serial();
    let dir = std::env::temp_dir().join(format!("dmadev-safe-{}", std::process::id()));
    // SAFETY: set while no other thread of this binary reads the environment (the
    // tests are serialized and none has started an EAL yet).
    unsafe { std::env::set_var("DMADEV_RUNTIME_DIR", &dir) };
    let eal = Eal::builder()
        .vdev("dma_interdomain_a")
        .vdev("dma_interdomain_b")
        .init()
        .unwrap();
    let owner_dev = eal.device("dma_interdomain_a").unwrap();
    let mut peer_dev = eal.device("dma_interdomain_b").unwrap();
    let (owner_id, peer_id, token) = (
        Uuid::random().unwrap(),
        Uuid::random().unwrap(),
        Uuid::random().unwrap(),
    );

    // The owner's buffer and group; events on a channel.
    let mut shared = pattern(1 << 16, 7);
    let owner = Group::create(&owner_dev, owner_id, token).unwrap();
    // The peer joins; its events go to a callback.
    let (tx, peer_events) = std::sync::mpsc::channel();
    let wrong = Group::join(&peer_dev, peer_id, owner_id, owner.id());
    assert_eq!(wrong.err(), Some(Error::Errno(libc::EACCES)));
    let tx = Mutex::new(tx);
    let group = Group::join_with_callback(&peer_dev, peer_id, token, owner.id(), move |e| {
        let _ = tx.lock().unwrap().send(e);
    })
    .unwrap();
    eventually(|| owner.member(&peer_id));

    // A member of the owner's device cannot set up the peer's vchan.
    let foreign = owner.member(&peer_id).unwrap();
    let me = group.me().unwrap();
    assert!(me.is_self() && !foreign.is_self());
    assert!(owner.me().unwrap().is_self());
    let them = group.member(&owner_id).unwrap();
    peer_dev
        .configure(&DeviceConfig {
            nb_vchans: 2,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        peer_dev.vchan_setup(0, &VchanSetup::between(&foreign, &me, 64)),
        Err(Error::InvalidArgument)
    );
    peer_dev
        .vchan_setup(0, &VchanSetup::between(&them, &me, 64))
        .unwrap();
    peer_dev
        .vchan_setup(1, &VchanSetup::between(&me, &them, 64))
        .unwrap();
    peer_dev.start().unwrap();

    let far = PeerMem {
        addr: shared.iova(),
        len: shared.len() as u32,
    };
    {
        let mut pull = peer_dev.vchan(0).unwrap();
        // The peer side takes only a peer's memory.
        let r = pull.copy(
            DmaBuf::new(64).unwrap(),
            DmaBuf::new(64).unwrap(),
            OpFlags::empty(),
        );
        assert_eq!(r.unwrap_err().error, Error::InvalidArgument);
        pull.copy(far, DmaBuf::new(far.len as usize).unwrap(), OpFlags::SUBMIT)
            .unwrap();
        let c = pull.wait(1, WAIT).unwrap().pop().unwrap();
        assert!(c.is_ok(), "{:?}", c.status);
        let Op::Copy { dst, .. } = c.op else { panic!() };
        let mut local = dst.into_local().unwrap();
        assert_eq!(&local[..], &shared[..]);
        local.iter_mut().for_each(|b| *b = !*b);

        let mut push = peer_dev.vchan(1).unwrap();
        push.copy(local, far, OpFlags::SUBMIT).unwrap();
        assert!(push.wait(1, WAIT).unwrap()[0].is_ok());
        // An address the owner never mapped: an error status, nothing touched.
        let bad = PeerMem {
            addr: 0x10000,
            len: 64,
        };
        push.copy(DmaBuf::new(64).unwrap(), bad, OpFlags::SUBMIT)
            .unwrap();
        let c = push.wait(1, WAIT).unwrap().pop().unwrap();
        assert_eq!(c.status, StatusCode::RTE_DMA_STATUS_INVALID_DST_ADDR);
    }
    let want = pattern(1 << 16, 7);
    assert!(shared.iter().zip(want.iter()).all(|(a, b)| *a == !*b));
    shared[0] = 0; // still ours

    // The peer leaves: the owner hears of it on its channel.
    drop(group);
    let ev = owner.events().unwrap().recv_timeout(WAIT).unwrap();
    assert_eq!(ev.kind, GroupEventKind::MemberLeft);
    assert_eq!((ev.group_id, ev.domain), (owner.id(), peer_id));
    assert!(
        peer_events.try_recv().is_err(),
        "a joiner that left hears nothing"
    );

    // Joined again (events on a channel this time): the creator's end reaches it.
    let again = Group::join(&peer_dev, peer_id, token, owner.id()).unwrap();
    eventually(|| owner.member(&peer_id));
    let owner_group = owner.id();
    drop(owner);
    let ev = again.events().unwrap().recv_timeout(WAIT).unwrap();
    assert_eq!(ev.kind, GroupEventKind::GroupDestroyed);
    assert_eq!((ev.group_id, ev.domain), (owner_group, owner_id));
    drop(again);
    drop(peer_dev);
    drop(owner_dev);
    drop(eal);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn scoped_operations_borrow_and_the_scope_waits_for_them() {
    let _s = serial();
    let eal = Eal::builder().vdev("dma_skeleton").init().unwrap();
    let mut dev = eal.device("dma_skeleton").unwrap();
    one_vchan(&mut dev, 256);
    let mut vchan = dev.vchan(0).unwrap();

    // 200 copies and 50 fills, never collected inside: the scope's end waits.
    let srcs: Vec<DmaBuf> = (0..200).map(|k| pattern(512, k as u8)).collect();
    let mut dsts: Vec<DmaBuf> = (0..200).map(|_| DmaBuf::new(512).unwrap()).collect();
    let mut fills: Vec<DmaBuf> = (0..50).map(|_| DmaBuf::new(64).unwrap()).collect();
    // Buffers outlive the scope (one made inside could not be borrowed by it).
    let mut short = DmaBuf::new(8).unwrap();
    let enqueued = vchan
        .scope(|s| {
            for (src, dst) in srcs.iter().zip(dsts.iter_mut()) {
                s.copy(src, dst, OpFlags::empty()).unwrap();
            }
            for (k, f) in fills.iter_mut().enumerate() {
                s.fill(k as u64, f, OpFlags::empty()).unwrap();
            }
            // Refused operations: nothing enqueued, the buffer stays borrowed.
            assert_eq!(
                s.copy(&srcs[0], &mut short, OpFlags::empty()),
                Err(Error::InvalidArgument)
            );
            s.in_flight()
        })
        .unwrap();
    assert_eq!(enqueued, 250);
    for (src, dst) in srcs.iter().zip(&dsts) {
        assert_eq!(&src[..], &dst[..]);
    }
    for (k, f) in fills.iter().enumerate() {
        assert!(f.chunks(8).all(|w| w == (k as u64).to_ne_bytes()));
    }

    // Collected inside: counts add up, the ring indexes go on.
    let mut dst = DmaBuf::new(512).unwrap();
    let collected = vchan
        .scope(|s| {
            let idx = s.copy(&srcs[1], &mut dst, OpFlags::SUBMIT).unwrap();
            assert_eq!(idx, 250);
            let deadline = Instant::now() + WAIT;
            let mut ok = 0;
            while ok < 1 && Instant::now() < deadline {
                let c = s.completed(8);
                assert_eq!(c.failed, 0);
                ok += c.ok;
            }
            ok
        })
        .unwrap();
    assert_eq!(collected, 1);
    assert_eq!(&dst[..], &srcs[1][..]);

    // A panic inside unwinds through the scope's wait, then the vchan works on.
    let mut dst = DmaBuf::new(512).unwrap();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        vchan.scope(|s| {
            s.copy(&srcs[2], &mut dst, OpFlags::empty()).unwrap();
            panic!("inside the scope");
        })
    }));
    assert!(caught.is_err());
    assert_eq!(&dst[..], &srcs[2][..]);

    // Not while owned operations are in flight.
    vchan
        .copy(pattern(8, 0), DmaBuf::new(8).unwrap(), OpFlags::empty())
        .unwrap();
    assert_eq!(vchan.scope(|_| ()).err(), Some(Error::Busy));
    assert!(vchan.wait(1, WAIT).unwrap()[0].is_ok());
    assert_eq!(vchan.scope(|s| s.in_flight()), Ok(0));
}
