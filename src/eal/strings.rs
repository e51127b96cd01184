//! `rte_string_fns.h`: DPDK's in-place string splitting.

/// DPDK's `rte_strsplit` over `s` (the first `stringlen` bytes of the C string):
/// cuts at each `delim` (overwritten with NUL) and calls `token(offset)` for the
/// start of each token, at most `max_tokens` times; stops at a NUL. Returns the
/// number of tokens.
pub fn split_in_place(
    s: &mut [u8],
    max_tokens: usize,
    delim: u8,
    mut token: impl FnMut(usize),
) -> usize {
    let (mut count, mut at_start) = (0, true);
    for (i, c) in s.iter_mut().enumerate() {
        if *c == 0 || count >= max_tokens {
            break;
        }
        if at_start {
            at_start = false;
            token(i);
            count += 1;
        }
        if *c == delim {
            *c = 0;
            at_start = true;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_dpdk() {
        let mut s = *b"a,bb,,c\0zz";
        let mut starts = Vec::new();
        assert_eq!(split_in_place(&mut s, 8, b',', |i| starts.push(i)), 4);
        assert_eq!(starts, [0, 2, 5, 6]);
        assert_eq!(&s[..8], b"a\0bb\0\0c\0");
        let mut t = *b"k=v=w";
        assert_eq!(split_in_place(&mut t, 2, b'=', |_| ()), 2);
        assert_eq!(
            &t, b"k\0v=w",
            "as DPDK, nothing is cut once max_tokens started"
        );
    }
}
