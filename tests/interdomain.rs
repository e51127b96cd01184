//! The access-pair-group control plane and the inter-domain device, within one
//! process: two devices play two domains (the multi-process tests are in C, see
//! c-tests/test_interdomain.c). Steps run in order: the registry is process-global.
mod common;

use common::chan::{self, Chan};
use common::rundir::RunDir;
use dmadev::abi::*;
use dmadev::{Error, api, drivers::interdomain};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// (device, group, domain id, event) as the callback received them.
type Event = (i16, i16, [u8; 16], u32);
static EVENTS: Mutex<Vec<Event>> = Mutex::new(Vec::new());
static CALLS: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn on_event(
    dev: i16,
    group: i16,
    domain: *mut u8,
    ev: rte_dma_access_pair_group_event_type,
) {
    let mut d = [0u8; 16];
    // SAFETY: the library passes a 16-byte domain id.
    unsafe { core::ptr::copy_nonoverlapping(domain, d.as_mut_ptr(), 16) };
    EVENTS.lock().unwrap().push((dev, group, d, ev as u32));
    CALLS.fetch_add(1, Ordering::SeqCst);
}

fn device(name: &str) -> i16 {
    common::probe(interdomain::probe, name, "")
}

fn wait_events(n: usize) {
    assert!(
        common::eventually(|| CALLS.load(Ordering::SeqCst) >= n),
        "only {} of {n} events arrived",
        CALLS.load(Ordering::SeqCst)
    );
}

#[test]
fn groups_handlers_and_events_between_two_devices() {
    // SAFETY: set before any thread of this test binary reads the environment.
    let _dir = unsafe { RunDir::new("groups") };
    let (a, b) = (device("dma_interdomain_a"), device("dma_interdomain_b"));
    let info = api::info_get(a).unwrap();
    assert_ne!(info.dev_capa & RTE_DMA_CAPA_INTER_PROCESS_DOMAIN, 0);
    let (da, db, dc) = ([0xa; 16], [0xb; 16], [0xc; 16]);
    let token = [0x70; 16];
    let cb: rte_dma_access_pair_group_event_cb_t = Some(on_event);

    let g = api::group_create(a, &da, &token, cb).unwrap();
    assert!(g >= 0);
    let g2 = api::group_create(a, &dc, &token, cb).unwrap();
    assert_ne!(g, g2, "group ids are unique");
    assert_eq!(api::group_destroy(a, g2), Ok(()));

    // The wrong token is refused and changes nothing.
    let wrong = [0x71; 16];
    assert_eq!(
        api::group_join(b, &db, &wrong, g, cb),
        Err(Error::Errno(libc::EACCES))
    );
    assert_eq!(
        api::group_handler_get(a, g, &db),
        Err(Error::InvalidArgument)
    );
    // A group that does not exist.
    assert!(api::group_join(b, &db, &token, 9999, cb).is_err());
    // The right token gets in; the same domain cannot join twice.
    api::group_join(b, &db, &token, g, cb).unwrap();
    assert_eq!(api::group_join(b, &db, &token, g, cb), Err(Error::Exists));

    // Both sides see both members, with non-zero handlers.
    assert!(
        common::eventually(|| api::group_handler_get(a, g, &db).is_ok()),
        "creator never saw the joiner"
    );
    for dev in [a, b] {
        for d in [&da, &db] {
            let h = api::group_handler_get(dev, g, d).unwrap();
            assert_ne!(h, 0);
        }
        assert_eq!(
            api::group_handler_get(dev, g, &dc),
            Err(Error::InvalidArgument)
        );
    }
    // Creator cannot leave; joiner cannot destroy.
    assert_eq!(api::group_leave(a, g), Err(Error::NotPermitted));
    assert_eq!(api::group_destroy(b, g), Err(Error::NotPermitted));

    // A vchan bound to member handlers copies; a non-member handler is refused.
    let ha = api::group_handler_get(b, g, &da).unwrap();
    let hb = api::group_handler_get(b, g, &db).unwrap();
    api::configure(
        b,
        &rte_dma_conf {
            nb_vchans: 2,
            ..Default::default()
        },
    )
    .unwrap();
    let process = rte_dma_inter_domain_type::RTE_DMA_INTER_PROCESS_DOMAIN;
    let mut vc = chan::between(process, ha, 999);
    assert_eq!(api::vchan_setup(b, 0, &vc), Err(Error::InvalidArgument));
    vc.domain.dst_handler = 0;
    assert_eq!(api::vchan_setup(b, 0, &vc), Err(Error::InvalidArgument));
    vc.domain.dst_handler = hb;
    api::vchan_setup(b, 0, &vc).unwrap();
    api::vchan_setup(b, 1, &chan::local(64)).unwrap();
    api::start(b).unwrap();
    let (between, local) = (Chan::of(b, 0), Chan::of(b, 1));
    let src = vec![0x5au8; 8192];
    let mut dst = vec![0u8; 8192];
    let d = dst.as_mut_ptr() as u64;
    assert_eq!(between.enqueue_copy(src.as_ptr() as u64, d, 8192), 0);
    // A bad source address on the local vchan completes with an error, not a crash.
    assert_eq!(local.enqueue_copy(0, d, 64), 0);
    assert_eq!(
        local.wait(),
        rte_dma_status_code::RTE_DMA_STATUS_INVALID_SRC_ADDR
    );
    between.wait_completed();
    assert_eq!(src, dst);
    assert_eq!(api::stats_get(b, RTE_DMA_ALL_VCHAN).unwrap().errors, 1);
    api::stop(b).unwrap();

    // The joiner leaves: the creator is told MEMBER_LEFT with the joiner's domain.
    EVENTS.lock().unwrap().clear();
    CALLS.store(0, Ordering::SeqCst);
    api::group_leave(b, g).unwrap();
    wait_events(1);
    assert_eq!(
        EVENTS.lock().unwrap()[0],
        (
            a,
            g,
            db,
            rte_dma_access_pair_group_event_type::RTE_DMA_GROUP_EVENT_MEMBER_LEFT as u32
        )
    );
    assert_eq!(
        api::group_handler_get(a, g, &db),
        Err(Error::InvalidArgument)
    );

    // Join again, then the creator destroys: the joiner is told GROUP_DESTROYED.
    api::group_join(b, &db, &token, g, cb).unwrap();
    EVENTS.lock().unwrap().clear();
    CALLS.store(0, Ordering::SeqCst);
    api::group_destroy(a, g).unwrap();
    wait_events(1);
    assert_eq!(
        EVENTS.lock().unwrap()[0],
        (
            b,
            g,
            da,
            rte_dma_access_pair_group_event_type::RTE_DMA_GROUP_EVENT_GROUP_DESTROYED as u32
        )
    );
    // Without leaving the dead group, b creates one: the id comes back, and b is
    // its creator (the stale joiner entry must not shadow it).
    let again = api::group_create(b, &db, &token, None).unwrap();
    assert_eq!(again, g, "the lowest free id is reused");
    assert_ne!(api::group_handler_get(b, again, &db).unwrap(), 0);
    assert_eq!(api::group_destroy(b, again), Ok(()));

    // Many groups created and destroyed: ids are reused, nothing leaks or hangs.
    for _ in 0..200 {
        let g = api::group_create(a, &da, &token, None).unwrap();
        api::group_join(b, &db, &token, g, None).unwrap();
        api::group_leave(b, g).unwrap();
        api::group_destroy(a, g).unwrap();
    }
    api::close(a).unwrap();
    api::close(b).unwrap();
}
