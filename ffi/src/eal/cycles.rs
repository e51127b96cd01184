//! `rte_cycles.h`: timers and delays.
use crate::guard::guard;
use dmadev::eal::cycles;
use std::ffi::c_uint;

/// Current timer value in cycles (the TSC on x86_64).
#[unsafe(no_mangle)]
pub extern "C" fn rte_get_timer_cycles() -> u64 {
    cycles::timer_cycles()
}

/// Timer cycles per second (measured once, on first use, on x86_64).
#[unsafe(no_mangle)]
pub extern "C" fn rte_get_timer_hz() -> u64 {
    guard(1_000_000_000, cycles::timer_hz)
}

/// Current TSC value (the same clock as `rte_get_timer_cycles`).
#[unsafe(no_mangle)]
pub extern "C" fn rte_get_tsc_cycles() -> u64 {
    cycles::timer_cycles()
}

/// TSC cycles per second.
#[unsafe(no_mangle)]
pub extern "C" fn rte_get_tsc_hz() -> u64 {
    guard(1_000_000_000, cycles::timer_hz)
}

/// Waits at least `ms` milliseconds, as `rte_delay_us(ms * 1000)` (inline in the
/// header, as in DPDK; exported for FFI users).
#[unsafe(no_mangle)]
pub extern "C" fn rte_delay_ms(ms: c_uint) {
    guard((), || cycles::delay_us(ms.saturating_mul(1000)))
}

/// Spins for at least `us` microseconds.
#[unsafe(no_mangle)]
pub extern "C" fn rte_delay_us_block(us: c_uint) {
    guard((), || cycles::delay_us_block(us))
}

/// Sleeps for at least `us` microseconds, giving the CPU away.
#[unsafe(no_mangle)]
pub extern "C" fn rte_delay_us_sleep(us: c_uint) {
    guard((), || cycles::delay_us_sleep(us))
}

/// Makes `rte_delay_us` call `userfunc` instead; NULL restores the default.
#[unsafe(no_mangle)]
pub extern "C" fn rte_delay_us_callback_register(userfunc: Option<unsafe extern "C" fn(c_uint)>) {
    guard((), || cycles::set_delay_hook(userfunc))
}
