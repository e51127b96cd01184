//! Devices created, looked up and removed from several threads at once: every
//! thread always finds its own device under its own id and name, and nothing is left
//! at the end. Run under ThreadSanitizer to check the registry's synchronisation:
//! `RUSTFLAGS=-Zsanitizer=thread cargo +nightly test -Zbuild-std
//!  --target x86_64-unknown-linux-gnu -p dmadev --test registry_threads`.
use dmadev::{api, drivers::skeleton, registry};
use std::ffi::{CStr, CString};

const THREADS: usize = 4;
const ROUNDS: usize = 200;

#[test]
fn concurrent_create_find_release_stay_consistent() {
    std::thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                for i in 0..ROUNDS {
                    let name = format!("dma_skeleton_t{t}_{i}");
                    let cname = CString::new(name.clone()).unwrap();
                    assert!(registry::next_free_hint() >= -1);
                    skeleton::probe(&name, "").unwrap();
                    let id = api::get_dev_id_by_name(&cname).unwrap();
                    assert!(registry::is_valid(id));
                    let info = api::info_get(id).unwrap();
                    // SAFETY: the name of our own live device, NUL-terminated.
                    let seen = unsafe { CStr::from_ptr(info.dev_name) };
                    assert_eq!(seen, cname.as_c_str(), "device {id} has another name");
                    assert!(registry::count_avail() as usize <= THREADS);
                    api::pmd_release(&cname).unwrap();
                    assert!(api::get_dev_id_by_name(&cname).is_err());
                }
            });
        }
    });
    assert_eq!(registry::count_avail(), 0);
}
