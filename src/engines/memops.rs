//! The memory work of the CPU engine: copy, fill, scatter-gather copy.
//!
//! Addresses are IOVAs, which equal virtual addresses in this process (IOVA as VA).
use super::ring::OpKind;
use crate::abi::rte_dma_sge;

/// Runs one operation of the copy/fill API: `src` is the fill pattern for a fill,
/// `segs` the (source, destination) lists of a scatter-gather copy. An `Op` (an
/// `rte_dma_op`, read in place by the worker) is not one: nothing is done.
///
/// # Safety
/// The operation's addresses name valid memory (as [`copy`], [`fill`], [`copy_sg`]).
#[inline]
pub unsafe fn execute(
    kind: OpKind,
    src: u64,
    dst: u64,
    len: u32,
    segs: (&[rte_dma_sge], &[rte_dma_sge]),
) {
    // SAFETY: forwarded contract.
    unsafe {
        match kind {
            OpKind::Copy => copy(src, dst, len as usize),
            OpKind::Fill => fill(src, dst, len as usize),
            OpKind::CopySg => copy_sg(segs.0, segs.1),
            OpKind::Op => debug_assert!(false, "an Op is not a copy/fill operation"),
        }
    }
}

/// Copies `len` bytes; overlapping ranges are copied as `memmove` does, so a bad
/// request can never corrupt more than its own destination range.
///
/// # Safety
/// `src` is readable and `dst` writable for `len` bytes.
#[inline]
pub unsafe fn copy(src: u64, dst: u64, len: usize) {
    let (s, d) = (src as usize as *const u8, dst as usize as *mut u8);
    // SAFETY: per the contract; both tolerate overlap.
    unsafe {
        if len <= SMALL {
            copy_small(s, d, len);
        } else {
            core::ptr::copy(s, d, len);
        }
    }
}

/// Sizes `copy` moves itself, without a call of the C library's `memmove` (whose
/// call and size dispatch cost more than such a copy).
const SMALL: usize = 64;

/// Copies `len <= SMALL` bytes with unaligned blocks that overlap in the middle;
/// every load comes before the first store, so overlapping ranges end as with
/// `memmove`.
///
/// # Safety
/// As [`copy`].
#[inline(always)]
unsafe fn copy_small(s: *const u8, d: *mut u8, len: usize) {
    type B16 = [u8; 16];
    // SAFETY: every block lies within the first or last bytes of the `len`-byte
    // ranges (the branch bounds `len`).
    unsafe {
        if len >= 16 {
            let first = s.cast::<B16>().read_unaligned();
            let last = s.add(len - 16).cast::<B16>().read_unaligned();
            if len > 32 {
                let second = s.add(16).cast::<B16>().read_unaligned();
                let third = s.add(len - 32).cast::<B16>().read_unaligned();
                d.add(16).cast::<B16>().write_unaligned(second);
                d.add(len - 32).cast::<B16>().write_unaligned(third);
            }
            d.cast::<B16>().write_unaligned(first);
            d.add(len - 16).cast::<B16>().write_unaligned(last);
        } else if len >= 8 {
            let first = s.cast::<u64>().read_unaligned();
            let last = s.add(len - 8).cast::<u64>().read_unaligned();
            d.cast::<u64>().write_unaligned(first);
            d.add(len - 8).cast::<u64>().write_unaligned(last);
        } else if len >= 4 {
            let first = s.cast::<u32>().read_unaligned();
            let last = s.add(len - 4).cast::<u32>().read_unaligned();
            d.cast::<u32>().write_unaligned(first);
            d.add(len - 4).cast::<u32>().write_unaligned(last);
        } else if len > 0 {
            let (a, b, c) = (*s, *s.add(len / 2), *s.add(len - 1));
            *d = a;
            *d.add(len / 2) = b;
            *d.add(len - 1) = c;
        }
    }
}

/// Writes the 8 bytes of `pattern` in memory (little-endian) order, repeated, over
/// `len` bytes: byte `i` of the destination is byte `i % 8` of the pattern.
///
/// # Safety
/// `dst` is writable for `len` bytes.
pub unsafe fn fill(pattern: u64, dst: u64, len: usize) {
    let bytes = pattern.to_ne_bytes();
    let p = dst as usize as *mut u8;
    if bytes.iter().all(|&b| b == bytes[0]) {
        // SAFETY: per the contract.
        unsafe { core::ptr::write_bytes(p, bytes[0], len) };
        return;
    }
    let words = len / 8;
    // SAFETY: the words lie within the `len` writable bytes.
    unsafe { fill_words(p, pattern, words) };
    for i in words * 8..len {
        // SAFETY: `i < len`.
        unsafe { p.add(i).write(bytes[i % 8]) };
    }
}

/// Stores `pattern` into `words` consecutive (unaligned) 8-byte words at `p`.
///
/// # Safety
/// `p` is writable for `words * 8` bytes.
#[inline]
unsafe fn fill_words(p: *mut u8, pattern: u64, words: usize) {
    #[cfg(target_arch = "x86_64")]
    if words >= 64 {
        // `rep stosq` is the CPU's own block store: as fast as memset for large
        // fills, whatever the alignment of a compiled loop would be.
        // SAFETY: writes exactly `words` words from `p`, within the caller's range.
        unsafe {
            core::arch::asm!(
                "rep stosq",
                inout("rcx") words => _,
                inout("rdi") p => _,
                in("rax") pattern,
                options(nostack, preserves_flags)
            );
        }
        return;
    }
    for w in 0..words {
        // SAFETY: word `w` lies within the `words * 8` writable bytes.
        unsafe { (p.add(w * 8) as *mut u64).write_unaligned(pattern) };
    }
}

/// Copies the concatenation of the source segments into the concatenation of the
/// destination segments, as far as the shorter of the two goes.
///
/// # Safety
/// Every segment names memory readable (sources) or writable (destinations).
pub unsafe fn copy_sg(src: &[rte_dma_sge], dst: &[rte_dma_sge]) {
    let (mut si, mut so, mut di, mut doff) = (0usize, 0u64, 0usize, 0u64);
    while si < src.len() && di < dst.len() {
        let s = &src[si];
        let d = &dst[di];
        let n = (s.length as u64 - so).min(d.length as u64 - doff);
        // SAFETY: both ranges lie within their segments.
        unsafe { copy(s.addr + so, d.addr + doff, n as usize) };
        so += n;
        doff += n;
        if so == s.length as u64 {
            si += 1;
            so = 0;
        }
        if doff == d.length as u64 {
            di += 1;
            doff = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(v: &[u8]) -> u64 {
        v.as_ptr() as u64
    }

    fn addr_mut(v: &mut [u8]) -> u64 {
        v.as_mut_ptr() as u64
    }

    #[test]
    fn fill_uses_memory_order_and_handles_tails() {
        for len in [0usize, 1, 7, 8, 9, 100, 511, 512, 513, 4099] {
            let mut buf = vec![0u8; len + 4];
            // SAFETY: the buffers hold every byte the operation writes.
            unsafe { fill(0x1122334455667788, addr_mut(&mut buf), len) };
            for (i, &b) in buf.iter().enumerate() {
                let want = if i < len {
                    0x1122334455667788u64.to_le_bytes()[i % 8]
                } else {
                    0
                };
                assert_eq!(b, want, "byte {i} of fill {len}");
            }
        }
        let mut buf = vec![0u8; 33];
        // SAFETY: the buffers hold every byte the operation writes.
        unsafe { fill(0xabababababababab, addr_mut(&mut buf), 32) };
        assert!(buf[..32].iter().all(|&b| b == 0xab) && buf[32] == 0);
    }

    #[test]
    fn small_copies_match_memmove_at_every_length_and_overlap() {
        for len in 0..=SMALL + 1 {
            for shift in [-9isize, -1, 0, 1, 17, 80] {
                let mut buf: Vec<u8> = (0..200u8).collect();
                let mut want = buf.clone();
                let (s, d) = (40usize, (40 + shift) as usize);
                want.copy_within(s..s + len, d);
                let base = addr_mut(&mut buf);
                // SAFETY: both ranges lie within `buf`.
                unsafe { copy(base + s as u64, base + d as u64, len) };
                assert_eq!(
                    buf, want,
                    "len {len}, destination {shift:+} from the source"
                );
            }
        }
    }

    #[test]
    fn sg_copy_walks_both_lists_in_order() {
        let src_data: Vec<u8> = (0..60u8).collect();
        let seg = |a: u64, off: usize, len: u32| rte_dma_sge {
            addr: a + off as u64,
            length: len,
        };
        let s = addr(&src_data);
        let src = [seg(s, 0, 10), seg(s, 10, 30), seg(s, 40, 20)];
        let mut d1 = vec![0u8; 25];
        let mut d2 = vec![0u8; 40];
        let dst = [seg(addr_mut(&mut d1), 0, 25), seg(addr_mut(&mut d2), 0, 40)];
        // SAFETY: the buffers hold every byte the operation writes.
        unsafe { copy_sg(&src, &dst) };
        assert_eq!(&d1[..], &src_data[..25]);
        assert_eq!(&d2[..35], &src_data[25..60]);
        assert!(
            d2[35..].iter().all(|&b| b == 0),
            "destination past the source total is untouched"
        );
    }
}
