//! `rte_rand`: DPDK's combined LFSR258 generator (L'Ecuyer), one state per thread,
//! seeded as DPDK seeds its per-lcore states: `rte_srand(seed)` gives lcore `i` the
//! state of `seed + i` (threads without an lcore id: `seed + RTE_MAX_LCORE`), so a
//! seeded run repeats.
use super::lcore;
use crate::abi::RTE_MAX_LCORE;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::cell::Cell;

/// The seed of the last `srand` (0 until the first use picks one from the kernel).
static SEED: AtomicU64 = AtomicU64::new(0);
/// Bumped by every `srand`, so each thread reseeds once.
static GENERATION: AtomicU64 = AtomicU64::new(0);

#[derive(Clone, Copy, Default)]
struct State {
    z: [u64; 5],
    generation: u64,
}

thread_local! {
    static STATE: Cell<State> = const { Cell::new(State { z: [0; 5], generation: 0 }) };
}

fn lcg32(seed: &mut u32) -> u32 {
    *seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
    *seed
}

fn seeded(seed: u64) -> [u64; 5] {
    let mut lcg = (seed ^ (seed >> 32)) as u32;
    [2u64, 512, 4096, 131_072, 8_388_608].map(|min| {
        let low = lcg32(&mut lcg) as u64;
        let r = low | (lcg32(&mut lcg) as u64) << 32;
        if r < min { r + min } else { r }
    })
}

fn step(z: &mut [u64; 5]) -> u64 {
    const P: [(u32, u32, u64, u32); 5] = [
        (1, 53, 18_446_744_073_709_551_614, 10),
        (24, 50, 18_446_744_073_709_551_104, 5),
        (3, 23, 18_446_744_073_709_547_520, 29),
        (5, 24, 18_446_744_073_709_420_544, 23),
        (3, 33, 18_446_744_073_701_163_008, 8),
    ];
    let mut out = 0;
    for (zi, &(a, b, c, d)) in z.iter_mut().zip(&P) {
        *zi = ((*zi & c) << d) ^ (((*zi << a) ^ *zi) >> b);
        out ^= *zi;
    }
    out
}

fn initial_seed() -> u64 {
    let mut s = 0u64;
    // SAFETY: getrandom writes at most 8 bytes into `s`.
    let n = unsafe { libc::getrandom((&raw mut s).cast(), 8, 0) };
    if n != 8 {
        s = super::cycles::timer_cycles();
    }
    s.max(1)
}

/// `rte_srand`: reseeds every thread's generator (each on its next use).
pub fn srand(seed: u64) {
    SEED.store(seed, Relaxed);
    GENERATION.fetch_add(1, Relaxed);
}

fn with_state<T>(f: impl FnOnce(&mut [u64; 5]) -> T) -> T {
    STATE.with(|cell| {
        let mut st = cell.get();
        let mut generation = GENERATION.load(Relaxed);
        if generation == 0 {
            // First use anywhere: pick a seed once (a racing `srand` wins).
            if SEED
                .compare_exchange(0, initial_seed(), Relaxed, Relaxed)
                .is_ok()
            {
                GENERATION.fetch_add(1, Relaxed);
            }
            generation = GENERATION.load(Relaxed).max(1);
        }
        if st.generation != generation {
            let id = lcore::current_id().min(RTE_MAX_LCORE);
            st = State {
                z: seeded(SEED.load(Relaxed).wrapping_add(id as u64)),
                generation,
            };
        }
        let out = f(&mut st.z);
        cell.set(st);
        out
    })
}

/// `rte_rand`: 64 pseudo-random bits.
pub fn rand() -> u64 {
    with_state(step)
}

/// `rte_rand_max`: uniform in `[0, upper_bound)` (0 when the bound is below 2).
pub fn rand_max(upper_bound: u64) -> u64 {
    if upper_bound < 2 {
        return 0;
    }
    with_state(|z| {
        if upper_bound.is_power_of_two() {
            return step(z) & (upper_bound - 1);
        }
        let mask = u64::MAX >> upper_bound.leading_zeros();
        loop {
            let r = step(z) & mask;
            if r < upper_bound {
                return r;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpdks_sequence_and_bounds() {
        // Same seed, same thread: same numbers; the state of seed s for lcore i is
        // seed + i, so another lcore's sequence differs.
        srand(42);
        let a: Vec<u64> = (0..4).map(|_| rand()).collect();
        srand(42);
        let b: Vec<u64> = (0..4).map(|_| rand()).collect();
        assert_eq!(a, b);
        let mut z = seeded(42 + RTE_MAX_LCORE as u64);
        assert_eq!(
            a[0],
            step(&mut z),
            "a non-lcore thread uses seed + RTE_MAX_LCORE"
        );
        assert!((0..1000).all(|_| rand_max(10) < 10));
        assert!((0..1000).all(|_| rand_max(64) < 64));
        assert_eq!(rand_max(1), 0);
        assert!((0..200).any(|_| rand_max(3) == 2));
    }
}
