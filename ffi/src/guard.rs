//! Keeps panics on the Rust side of the boundary and converts core results to C codes.
use dmadev::{Error, Result};
use std::ffi::{CStr, c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs `f`; if it panics, returns `on_panic` instead of unwinding into C. Inlined
/// (`catch_unwind` is then a landing pad, no work until a panic).
#[inline(always)]
pub fn guard<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(on_panic)
}

/// Runs a call returning `Result<()>` and gives DPDK's `0` / negative errno.
pub fn status(f: impl FnOnce() -> Result<()>) -> c_int {
    guard(-libc::EIO, || dmadev::error::to_code(f()))
}

/// Runs a call returning `Result<N>` and gives `N` or the negative errno.
pub fn value<N: Into<c_int>>(f: impl FnOnce() -> Result<N>) -> c_int {
    guard(-libc::EIO, || match f() {
        Ok(v) => v.into(),
        Err(e) => e.errno(),
    })
}

/// A C string argument, `-EINVAL` when NULL.
///
/// # Safety
/// A non-NULL `p` must point to a NUL-terminated string.
pub unsafe fn c_str<'a>(p: *const c_char) -> Result<&'a CStr> {
    if p.is_null() {
        return Err(Error::InvalidArgument);
    }
    // SAFETY: non-NULL and NUL-terminated per the contract.
    Ok(unsafe { CStr::from_ptr(p) })
}

/// A pointer argument that must not be NULL.
///
/// # Safety
/// A non-NULL `p` must be valid for reads of `T` (and writes, if used so).
pub unsafe fn non_null<'a, T>(p: *mut T) -> Result<&'a mut T> {
    // SAFETY: per the contract.
    unsafe { p.as_mut() }.ok_or(Error::InvalidArgument)
}

#[cfg(test)]
mod tests {
    /// Every exported function's body starts with a call of `guard`, `status` or
    /// `value` (after the fast-path marker, a TLS store), unless it calls nothing.
    #[test]
    fn every_exported_function_catches_panics() {
        // Bodies that are constants or only read the TSC: nothing in them can panic
        // (the timers are left bare: dma_perf brackets every call with them, and
        // guarded timers made its caller ns/op for 64 B read 3-5 ns higher here).
        const CONSTANT: &[&str] = &[
            "rte_get_timer_cycles",
            "rte_get_tsc_cycles",
            "rte_eal_process_type",
            "rte_eal_iova_mode",
            "rte_version",
            "rte_lcore_to_socket_id",
            "rte_socket_id",
            "rte_socket_count",
            "rte_socket_id_by_idx",
        ];
        let sources = [
            include_str!("control.rs"),
            include_str!("fastpath.rs"),
            include_str!("log.rs"),
            include_str!("pmd.rs"),
            include_str!("trace.rs"),
            include_str!("varargs.rs"),
            include_str!("telemetry.rs"),
            include_str!("eal/cycles.rs"),
            include_str!("eal/errno_loc.rs"),
            include_str!("eal/init.rs"),
            include_str!("eal/launch.rs"),
            include_str!("eal/lcore.rs"),
            include_str!("eal/malloc.rs"),
            include_str!("eal/memzone.rs"),
            include_str!("eal/vdev.rs"),
        ];
        let mut checked = 0;
        for src in sources {
            for (at, _) in src.match_indices("extern \"C\" fn ") {
                let body = &src[at..];
                let open = body.find(" {\n").expect("a body");
                let end = body.find("\n}\n").expect("an end");
                let name = &body[14..body.find('(').unwrap()];
                let first = body[open + 3..end]
                    .lines()
                    .filter(|l| l.starts_with("    ") && !l.starts_with("     "))
                    .map(|l| l.trim_start().trim_start_matches("crate::guard::"))
                    .filter(|l| !l.starts_with(['/', '}']) && !l.starts_with("thread_local!"))
                    .find(|l| !l.contains("enter_fast_path()") && !l.starts_with("let _ = "))
                    .unwrap_or_default();
                let guarded = first.contains("guard(")
                    || first.starts_with("status(")
                    || first.starts_with("value(");
                // The fast-path calls: with their trace point on they run
                // `traced_path!`'s function (in `guard`); otherwise they only check
                // arguments and make the table's `extern "C"` call, which cannot
                // unwind (a Rust driver's trampolines catch their panics).
                let last_statement = body[open + 3..end]
                    .lines()
                    .filter(|l| l.starts_with("    ") && !l.starts_with("     "))
                    .rfind(|l| !l.trim_start().starts_with([')', '}']))
                    .unwrap_or_default();
                let table_only = body[open..end].contains("_traced(")
                    && last_statement.trim_start().starts_with("table_call!(");
                assert!(
                    guarded || table_only || CONSTANT.contains(&name),
                    "{name} runs code outside guard"
                );
                checked += 1;
            }
        }
        assert!(checked >= 90, "found {checked} exported functions");
    }
}
