//! Per-thread variables under DPDK's C names (`RTE_DEFINE_PER_LCORE`): DPDK's inline
//! code and macros read `per_lcore__rte_errno` and `per_lcore__lcore_id` directly, so
//! a DPDK-built object loads on this library only if it exports them as TLS symbols.
//!
//! Rust's `thread_local!` cannot give a variable a C name, so on x86-64 Linux each is
//! defined in assembly in `.tdata` and reached with the initial-exec model (one `fs:`
//! access, no `__tls_get_addr` call). Elsewhere a plain `thread_local!` stands in and
//! nothing is exported.

/// Defines `pub mod $module` with `get`, `set` and `addr` for one TLS variable of
/// type `$ty` (4 bytes), named `$symbol` for C, starting at `$init` in every thread.
/// `$visibility` is `.protected` to export it, `.hidden` to keep it in the library.
#[macro_export]
#[doc(hidden)]
macro_rules! per_lcore_variable {
    ($(#[$doc:meta])* $module:ident: $ty:ty = $init:expr, $symbol:literal, $visibility:literal) => {
        $(#[$doc])*
        pub mod $module {
            #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
            core::arch::global_asm!(
                ".pushsection .tdata,\"awT\",@progbits",
                ".p2align 2",
                concat!(".globl ", $symbol),
                concat!($visibility, " ", $symbol),
                concat!(".type ", $symbol, ",@object"),
                concat!(".size ", $symbol, ",4"),
                concat!($symbol, ":"),
                ".long {init}",
                ".popsection",
                init = const ($init as $ty) as u32,
            );

            const _: () = assert!(core::mem::size_of::<$ty>() == 4);

            /// Address of the calling thread's variable; valid until the thread exits
            /// and only to be used from that thread.
            #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
            #[inline(always)]
            pub fn addr() -> *mut $ty {
                let p: *mut $ty;
                // SAFETY: computes the address of this thread's own copy of the TLS
                // variable defined above (thread pointer + its initial-exec offset).
                unsafe {
                    core::arch::asm!(
                        "mov {p}, qword ptr fs:[0]",
                        concat!("add {p}, qword ptr [rip + ", $symbol, "@GOTTPOFF]"),
                        p = out(reg) p,
                        options(nostack, readonly, preserves_flags),
                    );
                }
                p
            }

            #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
            std::thread_local! {
                static VALUE: core::cell::Cell<$ty> = const { core::cell::Cell::new($init) };
            }

            /// Address of the calling thread's variable; valid until the thread exits
            /// and only to be used from that thread.
            #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
            pub fn addr() -> *mut $ty {
                VALUE.with(core::cell::Cell::as_ptr)
            }

            /// The calling thread's value.
            #[inline(always)]
            pub fn get() -> $ty {
                // SAFETY: `addr` is this thread's own, live, aligned variable; only this
                // thread accesses it.
                unsafe { addr().read() }
            }

            /// Sets the calling thread's value.
            #[inline(always)]
            pub fn set(value: $ty) {
                // SAFETY: as in `get`.
                unsafe { addr().write(value) }
            }
        }
    };
}

per_lcore_variable!(
    /// `rte_errno` (`per_lcore__rte_errno`, DPDK_27 in `librte_eal.so.27`).
    rte_errno: i32 = 0, "per_lcore__rte_errno", ".protected"
);
per_lcore_variable!(
    /// The thread's lcore id (`per_lcore__lcore_id`), `LCORE_ID_ANY` outside EAL threads.
    lcore_id: u32 = super::super::lcore::LCORE_ID_ANY, "per_lcore__lcore_id", ".protected"
);
per_lcore_variable!(
    /// The thread's cached `gettid()` for DPDK's inline `rte_gettid` (`per_lcore__thread_id`),
    /// -1 until it first asks.
    thread_id: i32 = -1, "per_lcore__thread_id", ".protected"
);

#[cfg(test)]
mod tests {
    #[test]
    fn each_thread_starts_from_the_initial_value_and_keeps_its_own() {
        assert_eq!(super::lcore_id::get(), u32::MAX);
        assert_eq!(super::thread_id::get(), -1);
        super::rte_errno::set(5);
        std::thread::spawn(|| {
            assert_eq!(super::rte_errno::get(), 0);
            super::rte_errno::set(9);
        })
        .join()
        .unwrap();
        assert_eq!(super::rte_errno::get(), 5);
        super::rte_errno::set(0);
    }
}
