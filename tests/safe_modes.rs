//! The safe API's device modes and vchan kinds beyond plain memory-to-memory ones:
//! silent vchans, operation lists and memory-to-device ports, used only through
//! `dmadev::safe`'s public items. The EAL is process-wide: each test holds
//! `SERIAL` while its `Eal` lives.
use dmadev::Error;
use dmadev::safe::*;
use std::sync::Mutex;
use std::time::Duration;

static SERIAL: Mutex<()> = Mutex::new(());
const WAIT: Duration = Duration::from_secs(10);

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn pattern(len: usize, seed: u8) -> DmaBuf {
    let mut b = DmaBuf::new(len).unwrap();
    for (i, x) in b.iter_mut().enumerate() {
        *x = (i as u8).wrapping_mul(29).wrapping_add(seed);
    }
    b
}

fn configure(dev: &mut Device<'_>, flags: ConfigFlags, setup: &VchanSetup<'_>) {
    let conf = DeviceConfig {
        nb_vchans: 1,
        flags,
        ..Default::default()
    };
    dev.configure(&conf).unwrap();
    dev.vchan_setup(0, setup).unwrap();
    dev.start().unwrap();
}

#[test]
fn silent_vchans_give_owned_buffers_back_once_idle_and_scopes_wait_for_idle() {
    let _s = serial();
    let eal = Eal::builder()
        .vdev("dma_skeleton,silent=1")
        .vdev("dma_skeleton1")
        .init()
        .unwrap();
    // Without `silent=1` the device refuses silent mode, as DPDK's skeleton does.
    let mut plain = eal.device("dma_skeleton1").unwrap();
    assert!(
        !plain
            .info()
            .unwrap()
            .capabilities
            .contains(Capabilities::SILENT)
    );
    let silent = DeviceConfig {
        nb_vchans: 1,
        flags: ConfigFlags::SILENT,
        ..Default::default()
    };
    assert_eq!(plain.configure(&silent), Err(Error::InvalidArgument));

    let mut dev = eal.device("dma_skeleton").unwrap();
    assert!(
        dev.info()
            .unwrap()
            .capabilities
            .contains(Capabilities::SILENT)
    );
    let both = DeviceConfig {
        flags: ConfigFlags::SILENT | ConfigFlags::ENQ_DEQ,
        ..silent
    };
    assert_eq!(dev.configure(&both), Err(Error::NotSupported));
    configure(&mut dev, ConfigFlags::SILENT, &VchanSetup::mem_to_mem(64));
    // A silent device hands out silent vchans only.
    assert_eq!(dev.vchan(0).err(), Some(Error::InvalidArgument));
    let mut vchan = dev.silent_vchan(0).unwrap();
    assert_eq!(dev.silent_vchan(0).err(), Some(Error::Busy));

    // 1000 owned copies through a 64-descriptor ring that nobody reaps: the
    // device recycles executed slots itself. Every byte checked after `drain`.
    let mut enqueued = 0u32;
    let deadline = std::time::Instant::now() + WAIT;
    for i in 0..1000u32 {
        let len = 100 + (i as usize % 300);
        let (mut src, mut dst) = (pattern(len, i as u8), DmaBuf::new(len).unwrap());
        loop {
            match vchan.copy(src, dst, OpFlags::SUBMIT) {
                Ok(_) => break,
                Err(Rejected {
                    error: Error::NoSpace,
                    op: Op::Copy { src: s, dst: d },
                }) => {
                    (src, dst) = (s.into_local().unwrap(), d.into_local().unwrap());
                    assert!(std::time::Instant::now() < deadline, "ring never freed");
                    std::thread::yield_now();
                }
                Err(r) => panic!("copy {i} refused: {:?}", r.error),
            }
        }
        enqueued += 1;
    }
    assert_eq!(vchan.held(), enqueued as usize);
    let ops = vchan.drain(WAIT).unwrap();
    assert_eq!((ops.len(), vchan.held()), (1000, 0));
    for (i, op) in ops.into_iter().enumerate() {
        let Op::Copy { src, dst } = op else {
            panic!("op {i} is not a copy")
        };
        assert_eq!(
            src.as_local().unwrap()[..],
            dst.as_local().unwrap()[..],
            "op {i}"
        );
    }
    // Scatter-gather: two sources into one destination, 100 times, every byte.
    for i in 0..100u8 {
        let (a, b) = (pattern(100, i), pattern(60, i.wrapping_add(1)));
        let (mut src, mut dst) = (
            vec![Region::from(a), Region::from(b)],
            vec![Region::from(DmaBuf::new(160).unwrap())],
        );
        // A full ring (the worker behind) hands the lists back: try again.
        while let Err(r) = vchan.copy_sg(src, dst, OpFlags::SUBMIT) {
            assert_eq!(r.error, Error::NoSpace, "sg {i} refused");
            assert!(std::time::Instant::now() < deadline, "ring never freed");
            let Op::CopySg { src: s, dst: d } = r.op else {
                unreachable!()
            };
            (src, dst) = (s, d);
            std::thread::yield_now();
        }
    }
    for (i, op) in vchan.drain(WAIT).unwrap().into_iter().enumerate() {
        let Op::CopySg { src, dst } = op else {
            panic!("op {i} is not a scatter-gather copy")
        };
        let want: Vec<u8> = src
            .iter()
            .flat_map(|r| r.as_local().unwrap().to_vec())
            .collect();
        assert_eq!(dst[0].as_local().unwrap()[..], want[..], "sg op {i}");
    }
    // A list too long for the device is refused before it, buffers handed back.
    let many: Vec<Region> = (0..65).map(|_| DmaBuf::new(8).unwrap().into()).collect();
    let one = vec![Region::from(DmaBuf::new(8).unwrap())];
    let r = vchan.copy_sg(many, one, OpFlags::SUBMIT).unwrap_err();
    assert_eq!(r.error, Error::InvalidArgument);
    assert!(matches!(r.op, Op::CopySg { src, .. } if src.len() == 65));

    // A refused operation hands its buffer back, unseen by the device.
    let empty = DmaBuf::new(1).unwrap().split_off(1);
    let r = vchan.fill(0, empty, OpFlags::SUBMIT).unwrap_err();
    assert_eq!(r.error, Error::InvalidArgument);
    assert!(matches!(r.op, Op::Fill { dst, .. } if dst.is_empty()));

    // Borrowed buffers: the scope ends once the vchan is idle.
    let src = pattern(8192, 3);
    let mut dst = DmaBuf::new(8192).unwrap();
    let mut filled = DmaBuf::new(4096).unwrap();
    vchan
        .scope(|s| {
            s.copy(&src, &mut dst, OpFlags::empty())?;
            s.fill(0x0102_0304_0506_0708, &mut filled, OpFlags::empty())?;
            s.submit()
        })
        .unwrap()
        .unwrap();
    assert_eq!(dst[..], src[..]);
    let want = 0x0102_0304_0506_0708u64.to_ne_bytes();
    assert!(filled.chunks(8).all(|c| c == want));
    assert_eq!(dev.vchan_state(0).unwrap(), VchanState::Idle);
    let stats = dev.stats(Some(0)).unwrap();
    assert_eq!((stats.submitted, stats.completed), (1102, 1102));
}

/// The concatenated bytes of some buffers.
fn joined(bufs: &[DmaBuf]) -> Vec<u8> {
    bufs.iter().flat_map(|b| b.iter().copied()).collect()
}

#[test]
fn operation_lists_own_their_buffers_until_dequeued_with_status_and_metadata() {
    let _s = serial();
    let eal = Eal::builder()
        .vdev("dma_skeleton")
        .vdev("dma_skeleton1,fault_every=3")
        .init()
        .unwrap();
    let mut dev = eal.device("dma_skeleton").unwrap();
    assert!(
        dev.info()
            .unwrap()
            .capabilities
            .contains(Capabilities::OPS_ENQ_DEQ)
    );
    configure(&mut dev, ConfigFlags::ENQ_DEQ, &VchanSetup::mem_to_mem(64));
    assert_eq!(dev.vchan(0).err(), Some(Error::InvalidArgument));
    assert_eq!(dev.silent_vchan(0).err(), Some(Error::InvalidArgument));
    let mut vchan = dev.op_vchan(0).unwrap();

    // 600 scatter-gather operations of 1..4 segments a side, through a 64-slot ring.
    let mut todo: Vec<DmaOp> = (0..600u64)
        .map(|i| {
            let (ns, nd) = (1 + i as usize % 4, 1 + (i as usize / 4) % 4);
            let src = (0..ns).map(|k| pattern(40 + 7 * k + i as usize % 50, (i + k as u64) as u8));
            let total: usize = src.clone().map(|b| b.len()).sum();
            let per = total.div_ceil(nd);
            let dst = (0..nd).map(|_| DmaBuf::new(per).unwrap()).collect();
            DmaOp::copy(src.collect(), dst).with_user_meta(i)
        })
        .collect();
    let mut done = Vec::with_capacity(600);
    let deadline = std::time::Instant::now() + WAIT;
    while done.len() < 600 {
        if !todo.is_empty() {
            vchan.enqueue(&mut todo).unwrap();
        }
        vchan.dequeue(&mut done, 64);
        assert!(
            std::time::Instant::now() < deadline,
            "only {} back",
            done.len()
        );
    }
    assert_eq!(vchan.in_flight(), 0);
    for (i, op) in done.iter().enumerate() {
        assert!(op.is_ok(), "op {i}: {:?}", op.status());
        assert_eq!(op.user_meta(), i as u64, "handed back in order");
        let src = joined(op.src());
        assert_eq!(joined(op.dst())[..src.len()], src[..], "op {i}");
    }
    let (src, dst) = done.pop().unwrap().into_buffers();
    assert_eq!((src.len(), dst.len()), (1 + 599 % 4, 1 + (599 / 4) % 4));

    // More segments than the device takes (`max_sges` 4): refused, kept in the list.
    let five = (0..5).map(|k| pattern(8, k)).collect();
    let mut bad = vec![DmaOp::copy(five, vec![DmaBuf::new(64).unwrap()])];
    assert_eq!(vchan.enqueue(&mut bad), Err(Error::InvalidArgument));
    assert_eq!((bad.len(), vchan.in_flight()), (1, 0));
    let mut empty = vec![DmaOp::copy(Vec::new(), vec![DmaBuf::new(8).unwrap()])];
    assert_eq!(vchan.enqueue(&mut empty), Err(Error::InvalidArgument));
    drop(vchan);

    // Failed operations come back with their status, their destination untouched.
    let mut faulty = eal.device("dma_skeleton1").unwrap();
    configure(
        &mut faulty,
        ConfigFlags::ENQ_DEQ,
        &VchanSetup::mem_to_mem(64),
    );
    let mut vchan = faulty.op_vchan(0).unwrap();
    let mut ops: Vec<DmaOp> = (0..30u64)
        .map(|i| {
            DmaOp::copy(
                vec![pattern(256, 1 + i as u8)],
                vec![DmaBuf::new(256).unwrap()],
            )
        })
        .collect();
    assert_eq!(vchan.enqueue(&mut ops), Ok(30));
    let back = vchan.wait(30, WAIT).unwrap();
    let failed = back.iter().filter(|op| !op.is_ok()).count();
    assert_eq!(failed, 10, "fault_every=3 fails every third operation");
    for op in &back {
        let written = op.dst()[0].iter().any(|&b| b != 0);
        assert_eq!(written, op.is_ok(), "status {:?}", op.status());
    }
}

#[test]
fn mem_to_dev_vchans_write_device_memory_the_device_checks() {
    let _s = serial();
    let eal = Eal::builder().vdev("dma_skeleton").init().unwrap();
    let mut dev = eal.device("dma_skeleton").unwrap();
    let caps = dev.info().unwrap().capabilities;
    assert!(caps.contains(Capabilities::MEM_TO_DEV) && !caps.contains(Capabilities::DEV_TO_MEM));
    // Port fields wider than DPDK's bit-fields are refused before the device sees them.
    let wide = PciePort {
        coreid: 16,
        ..Default::default()
    };
    assert_eq!(
        VchanSetup::mem_to_dev(64, wide).err(),
        Some(Error::InvalidArgument)
    );
    let port = PciePort {
        coreid: 15,
        pfid: 3,
        vfen: true,
        vfid: 0xffff,
        pasid: 0xf_ffff,
        attr: 7,
        ph: 3,
        st: 0xabcd,
    };
    let conf = DeviceConfig {
        nb_vchans: 2,
        ..Default::default()
    };
    dev.configure(&conf).unwrap();
    // The skeleton has no device-to-memory transfers: DPDK's rule refuses them.
    let d2m = VchanSetup::dev_to_mem(64, port).unwrap();
    assert_eq!(dev.vchan_setup(0, &d2m), Err(Error::InvalidArgument));
    dev.vchan_setup(0, &VchanSetup::mem_to_dev(64, port).unwrap())
        .unwrap();
    dev.vchan_setup(1, &VchanSetup::mem_to_mem(64)).unwrap();
    dev.start().unwrap();
    // Each kind of vchan has its own type.
    assert_eq!(dev.vchan(0).err(), Some(Error::InvalidArgument));
    assert_eq!(dev.dev_vchan(1).err(), Some(Error::InvalidArgument));
    let mut vchan = dev.dev_vchan(0).unwrap();

    // 200 copies into the device's 1 MiB, buffers back intact; then fills.
    const DEV_MEM: u64 = 1 << 20;
    for i in 0..200u64 {
        let src = pattern(512 + i as usize, i as u8);
        let dst = DevAddr {
            addr: (i * 4099) % (DEV_MEM - 1024),
            len: 1024,
        };
        vchan.copy_to_dev(src, dst, OpFlags::empty()).unwrap();
        if i % 50 == 49 {
            let done = vchan.wait(50, WAIT).unwrap();
            for c in done {
                assert!(c.is_ok(), "{:?}", c.status);
                let DevOp::ToDevice { src, .. } = c.op else {
                    panic!("not a copy")
                };
                let seed = c.index as u8;
                assert_eq!(src[..], pattern(src.len(), seed)[..], "buffer back intact");
            }
        }
    }
    let last = DevAddr {
        addr: DEV_MEM - 64,
        len: 64,
    };
    vchan.fill_dev(7, last, OpFlags::empty()).unwrap();
    // Outside the device's memory: an error status, and nothing touched.
    let outside = DevAddr {
        addr: DEV_MEM - 32,
        len: 64,
    };
    vchan
        .copy_to_dev(pattern(64, 1), outside, OpFlags::empty())
        .unwrap();
    vchan.fill_dev(7, outside, OpFlags::empty()).unwrap();
    let done = vchan.wait(3, WAIT).unwrap();
    assert!(done[0].is_ok());
    for c in &done[1..] {
        assert_eq!(c.status, StatusCode::RTE_DMA_STATUS_INVALID_DST_ADDR);
    }
    assert!(matches!(&done[1].op, DevOp::ToDevice { src, .. } if src[..] == pattern(64, 1)[..]));
    // A source longer than the device range, or the other direction: refused.
    let r = vchan
        .copy_to_dev(pattern(65, 0), last, OpFlags::SUBMIT)
        .unwrap_err();
    assert_eq!(r.error, Error::InvalidArgument);
    let r = vchan
        .copy_from_dev(last, DmaBuf::new(64).unwrap(), OpFlags::SUBMIT)
        .unwrap_err();
    assert_eq!(r.error, Error::InvalidArgument);
    assert_eq!(vchan.in_flight(), 0);
    let stats = dev.stats(Some(0)).unwrap();
    assert_eq!(
        (stats.submitted, stats.completed, stats.errors),
        (203, 203, 2)
    );
}

#[test]
fn the_device_puts_auto_free_sources_back_in_their_pool() {
    let _s = serial();
    let eal = Eal::builder().vdev("dma_skeleton").init().unwrap();
    let mut dev = eal.device("dma_skeleton").unwrap();
    assert!(
        dev.info()
            .unwrap()
            .capabilities
            .contains(Capabilities::M2D_AUTO_FREE)
    );
    let pool = DmaPool::new(&eal, 8, 1024).unwrap();
    let other = DmaPool::new(&eal, 1, 1024).unwrap();
    dev.configure(&DeviceConfig {
        nb_vchans: 2,
        ..Default::default()
    })
    .unwrap();
    // Only a memory-to-device vchan frees to a pool.
    let m2m = VchanSetup::mem_to_mem(64).auto_free(&pool);
    assert_eq!(dev.vchan_setup(1, &m2m), Err(Error::InvalidArgument));
    dev.vchan_setup(1, &VchanSetup::mem_to_mem(64)).unwrap();
    let m2d = VchanSetup::mem_to_dev(64, PciePort::default())
        .unwrap()
        .auto_free(&pool);
    dev.vchan_setup(0, &m2d).unwrap();
    dev.start().unwrap();
    let mut vchan = dev.dev_vchan(0).unwrap();

    // 200 copies from a pool of 8: only the device putting each source back
    // lets the loop get another.
    let at = DevAddr {
        addr: 4096,
        len: 1024,
    };
    let deadline = std::time::Instant::now() + WAIT;
    let mut done = Vec::new();
    for i in 0..200u32 {
        let mut buf = loop {
            match pool.get() {
                Ok(b) => break b,
                Err(Error::NoMemory) => {
                    vchan.completed(64, &mut done);
                    assert!(std::time::Instant::now() < deadline, "sources never freed");
                }
                Err(e) => panic!("{e}"),
            }
        };
        buf.fill(i as u8);
        vchan
            .copy_to_dev_auto_free(buf, at, OpFlags::SUBMIT)
            .map_err(|(e, _)| e)
            .unwrap();
        vchan.completed(64, &mut done);
    }
    done.extend(vchan.wait(usize::MAX, WAIT).unwrap());
    assert_eq!(done.len(), 200);
    assert!(
        done.iter()
            .all(|c| c.is_ok() && matches!(c.op, DevOp::AutoFreed { len: 1024, .. }))
    );
    assert_eq!(pool.available(), 8, "every source is back");

    // A buffer of another pool, or a device range too short: refused, handed back.
    let foreign = other.get().unwrap();
    let (e, foreign) = vchan
        .copy_to_dev_auto_free(foreign, at, OpFlags::SUBMIT)
        .unwrap_err();
    assert_eq!((e, foreign.len()), (Error::InvalidArgument, 1024));
    let short = DevAddr { addr: 0, len: 512 };
    let (e, buf) = vchan
        .copy_to_dev_auto_free(pool.get().unwrap(), short, OpFlags::SUBMIT)
        .unwrap_err();
    assert_eq!(e, Error::InvalidArgument);
    drop(buf);
    assert_eq!(pool.available(), 8);
    // A failed copy: its source is never handed back (the device may have freed
    // it); this device did not, so the pool has one buffer fewer.
    let outside = DevAddr {
        addr: (1 << 20) - 512,
        len: 1024,
    };
    vchan
        .copy_to_dev_auto_free(pool.get().unwrap(), outside, OpFlags::SUBMIT)
        .map_err(|(e, _)| e)
        .unwrap();
    let c = vchan.wait(1, WAIT).unwrap().remove(0);
    assert_eq!(c.status, StatusCode::RTE_DMA_STATUS_INVALID_DST_ADDR);
    assert_eq!(pool.available(), 7);
}
