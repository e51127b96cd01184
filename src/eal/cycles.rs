//! Timer cycles and delays (`rte_get_timer_cycles`, `rte_delay_us_*`).
//!
//! On x86_64 the timer is the TSC, whose frequency is measured once, on first use,
//! against `CLOCK_MONOTONIC_RAW` over about 20 ms. Elsewhere the timer is a
//! nanosecond clock and its frequency is 1 GHz.

use std::ffi::c_void;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicPtr, Ordering};

const NS_PER_SEC: u64 = 1_000_000_000;

/// How long the TSC calibration measures.
#[cfg(target_arch = "x86_64")]
const CALIBRATION_NS: u64 = 20_000_000;

/// Nanoseconds of `CLOCK_MONOTONIC_RAW` (never slewed by NTP).
pub fn monotonic_raw_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write; this clock exists on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_RAW, &mut ts) };
    if rc != 0 {
        return 0;
    }
    (ts.tv_sec as u64)
        .wrapping_mul(NS_PER_SEC)
        .wrapping_add(ts.tv_nsec as u64)
}

/// The current timer value in cycles (`rte_get_timer_cycles`, `rte_get_tsc_cycles`).
#[cfg(target_arch = "x86_64")]
pub fn timer_cycles() -> u64 {
    // SAFETY: RDTSC is available on every x86_64 CPU and has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// The current timer value in cycles (`rte_get_timer_cycles`, `rte_get_tsc_cycles`).
#[cfg(not(target_arch = "x86_64"))]
pub fn timer_cycles() -> u64 {
    monotonic_raw_ns()
}

/// Timer cycles per second (`rte_get_timer_hz`, `rte_get_tsc_hz`). The first call on
/// x86_64 takes about 20 ms to measure it.
pub fn timer_hz() -> u64 {
    static HZ: OnceLock<u64> = OnceLock::new();
    *HZ.get_or_init(calibrate)
}

#[cfg(target_arch = "x86_64")]
fn calibrate() -> u64 {
    let (c0, ns0) = paired_sample();
    sleep_ns(CALIBRATION_NS);
    let (c1, ns1) = paired_sample();
    hz_from_samples(c1.wrapping_sub(c0), ns1.wrapping_sub(ns0))
}

/// A (cycles, ns) reading taken as close together as possible: of a few tries,
/// the one whose clock read is bracketed by the fewest cycles, so that a preemption
/// between the two reads cannot skew a measurement.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn paired_sample() -> (u64, u64) {
    let mut best = (u64::MAX, 0, 0);
    for _ in 0..8 {
        let before = timer_cycles();
        let ns = monotonic_raw_ns();
        let after = timer_cycles();
        let spread = after.wrapping_sub(before);
        if spread < best.0 {
            best = (spread, before.wrapping_add(spread / 2), ns);
        }
    }
    (best.1, best.2)
}

#[cfg(not(target_arch = "x86_64"))]
fn calibrate() -> u64 {
    NS_PER_SEC
}

/// Cycles per second from a measurement, rounded to the nearest MHz when that is
/// meaningful; 1 GHz if the measurement is unusable.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn hz_from_samples(cycles: u64, ns: u64) -> u64 {
    if cycles == 0 || ns == 0 {
        return NS_PER_SEC;
    }
    let hz = (u128::from(cycles) * u128::from(NS_PER_SEC) / u128::from(ns)) as u64;
    const MHZ: u64 = 1_000_000;
    if hz >= 100 * MHZ {
        (hz + MHZ / 2) / MHZ * MHZ
    } else {
        hz.max(1)
    }
}

/// Timer cycles in `us` microseconds at `hz`.
fn cycles_for_us(us: u32, hz: u64) -> u64 {
    let cycles = u128::from(us) * u128::from(hz) / 1_000_000;
    u64::try_from(cycles).unwrap_or(u64::MAX)
}

/// Sleeps at least `ns` nanoseconds, resuming after signals.
fn sleep_ns(ns: u64) {
    let mut req = libc::timespec {
        tv_sec: (ns / NS_PER_SEC) as libc::time_t,
        tv_nsec: (ns % NS_PER_SEC) as libc::c_long,
    };
    loop {
        let mut rem = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: both pointers are to valid timespecs owned by this frame.
        let rc = unsafe { libc::nanosleep(&req, &mut rem) };
        if rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return;
        }
        req = rem;
    }
}

/// `rte_delay_us_sleep`: gives the CPU away for at least `us` microseconds.
pub fn delay_us_sleep(us: u32) {
    sleep_ns(u64::from(us) * 1000);
}

/// `rte_delay_us_block`: spins on the timer for at least `us` microseconds.
pub fn delay_us_block(us: u32) {
    let start = timer_cycles();
    let wait = cycles_for_us(us, timer_hz());
    while timer_cycles().wrapping_sub(start) < wait {
        core::hint::spin_loop();
    }
}

/// A replacement for [`delay_us`] (`rte_delay_us_callback_register`).
pub type DelayHook = unsafe extern "C" fn(us: u32);

/// `rte_delay_us` as DPDK exports it: a variable holding the delay function, which
/// DPDK-built code calls through (`extern void (*rte_delay_us)(unsigned int)`).
/// Always a valid [`DelayHook`]; only [`set_delay_hook`] stores into it.
#[unsafe(no_mangle)]
#[allow(non_upper_case_globals)]
pub static rte_delay_us: AtomicPtr<c_void> = AtomicPtr::new(default_delay as *mut c_void);

extern "C" fn default_delay(us: u32) {
    delay_us_block(us)
}

/// Makes [`delay_us`] call `hook`; `None` restores the default, [`delay_us_block`].
pub fn set_delay_hook(hook: Option<DelayHook>) {
    let f = hook.map_or(default_delay as *mut c_void, |f| f as *mut c_void);
    rte_delay_us.store(f, Ordering::Release);
}

/// `rte_delay_us`: waits `us` microseconds with the registered hook, by default by
/// spinning ([`delay_us_block`]).
pub fn delay_us(us: u32) {
    let f = rte_delay_us.load(Ordering::Acquire);
    // SAFETY: the variable only ever holds a `DelayHook` (see `rte_delay_us`), whose
    // registrant promised it is callable with any microsecond count.
    unsafe { core::mem::transmute::<*mut c_void, DelayHook>(f)(us) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hz_is_plausible_and_stable() {
        let hz = timer_hz();
        assert!(hz >= 1_000_000, "hz {hz}");
        assert_eq!(timer_hz(), hz);
        let (c0, n0) = paired_sample();
        delay_us_sleep(20_000);
        let (c1, n1) = paired_sample();
        let measured = (c1 - c0) as f64 / ((n1 - n0) as f64 / 1e9);
        let ratio = measured / hz as f64;
        assert!((0.9..1.1).contains(&ratio), "measured {measured}, hz {hz}");
    }

    #[test]
    fn delays_last_long_enough() {
        let t0 = monotonic_raw_ns();
        delay_us_block(2_000);
        let t1 = monotonic_raw_ns();
        assert!(t1 - t0 >= 1_900_000, "block took {} ns", t1 - t0);
        delay_us_sleep(2_000);
        let t2 = monotonic_raw_ns();
        assert!(t2 - t1 >= 2_000_000, "sleep took {} ns", t2 - t1);
        delay_us_block(0);
        delay_us_sleep(0);
    }

    #[test]
    fn delay_hook() {
        use std::sync::atomic::{AtomicU32, Ordering};
        static SEEN: AtomicU32 = AtomicU32::new(0);
        unsafe extern "C" fn record(us: u32) {
            SEEN.store(us, Ordering::SeqCst);
        }
        set_delay_hook(Some(record));
        delay_us(1234);
        assert_eq!(SEEN.load(Ordering::SeqCst), 1234);
        set_delay_hook(None);
        let t0 = monotonic_raw_ns();
        delay_us(1000);
        assert!(monotonic_raw_ns() - t0 >= 900_000);
        assert_eq!(SEEN.load(Ordering::SeqCst), 1234);
    }

    #[test]
    fn arithmetic() {
        assert_eq!(hz_from_samples(0, 10), NS_PER_SEC);
        assert_eq!(hz_from_samples(10, 0), NS_PER_SEC);
        assert_eq!(hz_from_samples(2_099_990, 1_000_000), 2_100_000_000);
        assert_eq!(hz_from_samples(5, 1_000), 5_000_000);
        assert_eq!(cycles_for_us(u32::MAX, u64::MAX), u64::MAX);
        assert_eq!(cycles_for_us(3, 2_000_000_000), 6_000);
    }
}
