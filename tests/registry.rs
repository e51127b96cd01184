//! The device registry and the library layer, driven through the core's Rust API.
//! One test function: the registry is process-global state, so the steps run in order.
use dmadev::abi::*;
use dmadev::{Error, api, drivers::skeleton, registry};
use std::ffi::CString;
use std::time::{Duration, Instant};

fn name(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn wait_completed(dev: i16, n: u16) -> (u16, u16, bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    // SAFETY: `dev` is a registered device, so its entry is inside the table.
    let fp = unsafe { &*registry::rte_dma_fp_objs.add(dev as usize) };
    let (mut got, mut last, mut err) = (0u16, 0u16, false);
    while got < n && Instant::now() < deadline {
        let mut l = 0u16;
        let mut e = false;
        // SAFETY: the device's own fp entry, used by this thread only; buffers outlive it.
        got += unsafe { fp.completed.unwrap()(fp.dev_private, 0, n - got, &mut l, &mut e) };
        if got > 0 {
            last = l;
        }
        err |= e;
    }
    (got, last, err)
}

#[test]
fn registry_and_skeleton_lifecycle() {
    // Slots: the limit can be set once, before anything exists.
    assert_eq!(registry::set_dev_max(0), Err(Error::InvalidArgument));
    assert_eq!(registry::set_dev_max(40000), Err(Error::InvalidArgument));
    assert_eq!(registry::set_dev_max(8), Ok(()));
    assert_eq!(registry::set_dev_max(8), Err(Error::InvalidArgument));
    assert_eq!(registry::count_avail(), 0);
    assert_eq!(registry::next_dev(0), -1);

    // Names: empty, too long and duplicate names are refused.
    assert_eq!(
        registry::allocate(&name(""), 0, 8).err(),
        Some(Error::InvalidArgument)
    );
    assert_eq!(
        registry::allocate(&name(&"x".repeat(64)), 0, 8).err(),
        Some(Error::InvalidArgument)
    );
    assert_eq!(
        registry::allocate(&name("c_pmd"), 0, 0).err(),
        Some(Error::InvalidArgument)
    );
    let raw = registry::allocate(&name("c_pmd"), 0, 64).unwrap();
    assert_eq!(
        registry::allocate(&name("c_pmd"), 0, 64).err(),
        Some(Error::Exists)
    );
    assert_eq!(api::get_dev_id_by_name(&name("c_pmd")), Ok(0));
    assert!(registry::is_valid(0) && !registry::is_valid(1) && !registry::is_valid(-1));
    // A registered device without ops refuses control calls instead of crashing.
    assert_eq!(api::info_get(0).err(), Some(Error::NotSupported));
    // SAFETY: `raw` is the slot `allocate` returned.
    unsafe { assert_eq!((*(*raw).data).dev_id, 0) };
    assert_eq!(api::pmd_release(&name("c_pmd")), Ok(()));
    assert_eq!(registry::count_avail(), 0);

    // The skeleton through the library layer.
    skeleton::probe("dma_skeleton0", "lcore=99,bogus=1").unwrap();
    let dev = api::get_dev_id_by_name(&name("dma_skeleton0")).unwrap();
    assert_eq!(registry::next_dev(0), dev);
    let info = api::info_get(dev).unwrap();
    assert_eq!(
        info.dev_capa,
        0x7_0000_0011
            | RTE_DMA_CAPA_OPS_ENQ_DEQ
            | RTE_DMA_CAPA_MEM_TO_DEV
            | RTE_DMA_CAPA_M2D_AUTO_FREE
    );
    assert_eq!(
        (info.max_vchans, info.min_desc, info.max_desc, info.max_sges),
        (4, 32, 8192, 4)
    );
    assert_eq!(info.numa_node, -1);
    assert_eq!(
        api::start(dev),
        Err(Error::InvalidArgument),
        "start before configure"
    );
    api::configure(
        dev,
        &rte_dma_conf {
            nb_vchans: 1,
            ..Default::default()
        },
    )
    .unwrap();
    let mut vconf = rte_dma_vchan_conf {
        nb_desc: 48,
        ..Default::default()
    };
    assert_eq!(
        api::vchan_setup(dev, 0, &vconf),
        Err(Error::InvalidArgument),
        "not a power of two"
    );
    vconf.nb_desc = 32;
    api::vchan_setup(dev, 0, &vconf).unwrap();
    api::start(dev).unwrap();
    assert_eq!(api::start(dev), Ok(()), "second start is a no-op");
    assert_eq!(
        api::configure(
            dev,
            &rte_dma_conf {
                nb_vchans: 1,
                ..Default::default()
            }
        ),
        Err(Error::Busy)
    );
    assert_eq!(api::close(dev), Err(Error::Busy));

    let src: Vec<u8> = (0..4096u32).map(|i| (i * 7) as u8).collect();
    let mut dst = vec![0u8; 4096];
    // SAFETY: `dev` is a registered device, so its entry is inside the table.
    let fp = unsafe { &*registry::rte_dma_fp_objs.add(dev as usize) };
    let copy = fp.copy.unwrap();
    // SAFETY: the device's own fp entry, used by this thread only; buffers outlive it.
    let idx = unsafe {
        copy(
            fp.dev_private,
            0,
            src.as_ptr() as u64,
            dst.as_mut_ptr() as u64,
            4096,
            RTE_DMA_OP_FLAG_SUBMIT,
        )
    };
    assert_eq!(idx, 0);
    assert_eq!(wait_completed(dev, 1), (1, 0, false));
    assert_eq!(src, dst);
    // A full ring says -ENOSPC; capacity is nb_desc - 1.
    // SAFETY: the device's own fp entry, used by this thread only; buffers outlive it.
    let cap = unsafe { fp.burst_capacity.unwrap()(fp.dev_private, 0) };
    assert_eq!(cap, 31);
    for i in 0..31 {
        // SAFETY: the device's own fp entry, used by this thread only; buffers outlive it.
        let r = unsafe {
            copy(
                fp.dev_private,
                0,
                src.as_ptr() as u64,
                dst.as_mut_ptr() as u64,
                64,
                0,
            )
        };
        assert_eq!(r, i + 1);
    }
    // SAFETY: the device's own fp entry, used by this thread only; buffers outlive it.
    let r = unsafe {
        copy(
            fp.dev_private,
            0,
            src.as_ptr() as u64,
            dst.as_mut_ptr() as u64,
            64,
            0,
        )
    };
    assert_eq!(r, -libc::ENOSPC);
    assert_eq!(
        // SAFETY: the device's own fp entry, used by this thread only; buffers outlive it.
        unsafe { copy(fp.dev_private, 1, 0, 0, 64, 0) },
        -libc::EINVAL,
        "vchan not configured"
    );
    assert_eq!(
        // SAFETY: the device's own fp entry, used by this thread only; buffers outlive it.
        unsafe { copy(fp.dev_private, 9, 0, 0, 64, 0) },
        -libc::EINVAL,
        "vchan out of range"
    );
    assert_eq!(
        // SAFETY: the device's own fp entry, used by this thread only; buffers outlive it.
        unsafe { copy(fp.dev_private, 0, 0, 0, 0, 0) },
        -libc::EINVAL,
        "zero length"
    );
    // SAFETY: the device's own fp entry, used by this thread only; buffers outlive it.
    assert_eq!(unsafe { fp.submit.unwrap()(fp.dev_private, 0) }, 0);
    assert_eq!(wait_completed(dev, 31), (31, 31, false));
    let stats = api::stats_get(dev, RTE_DMA_ALL_VCHAN).unwrap();
    assert_eq!(
        stats,
        rte_dma_stats {
            submitted: 32,
            completed: 32,
            errors: 0
        }
    );
    assert_eq!(api::stats_get(dev, 1), Err(Error::InvalidArgument));
    api::stats_reset(dev, 0).unwrap();
    assert_eq!(api::stats_get(dev, 0).unwrap(), rte_dma_stats::default());
    assert_eq!(
        api::vchan_status(dev, 0),
        Ok(rte_dma_vchan_status::RTE_DMA_VCHAN_IDLE)
    );

    // Indexes restart at 0 after a stop/start.
    api::stop(dev).unwrap();
    api::start(dev).unwrap();
    // SAFETY: the device's own fp entry, used by this thread only; buffers outlive it.
    let idx = unsafe {
        copy(
            fp.dev_private,
            0,
            src.as_ptr() as u64,
            dst.as_mut_ptr() as u64,
            8,
            RTE_DMA_OP_FLAG_SUBMIT,
        )
    };
    assert_eq!(idx, 0);
    assert_eq!(wait_completed(dev, 1), (1, 0, false));
    api::stop(dev).unwrap();

    // Close frees the slot; the fast path then refuses.
    api::close(dev).unwrap();
    assert!(!registry::is_valid(dev));
    assert_eq!(
        // SAFETY: the device's own fp entry, used by this thread only; buffers outlive it.
        unsafe { fp.copy.unwrap()(fp.dev_private, 0, 0, 0, 8, 0) },
        -libc::EINVAL
    );
    assert_eq!(api::info_get(dev).err(), Some(Error::InvalidArgument));
    assert_eq!(
        skeleton::remove("dma_skeleton0"),
        Err(Error::InvalidArgument)
    );
}
