//! Number parsing with C's conventions, as the EAL options expect them.
//!
//! `parse_uint_auto` reads an unsigned integer the way `strtoul(s, &end, 0)` does
//! (decimal, `0x` hex, leading-`0` octal) but insists the whole string is the number.
//! `parse_size` reads a byte count with an optional binary suffix (`64K`, `2M`, `1G`).

/// Parses an unsigned integer in base 10, 16 (`0x`/`0X` prefix) or 8 (leading `0`).
///
/// Leading blanks and one `+` are allowed; anything after the digits is an error,
/// as are a sign `-`, an empty string and overflow.
pub fn parse_uint_auto(s: &str) -> Option<u64> {
    let s = s.trim_start_matches([' ', '\t']);
    let s = s.strip_prefix('+').unwrap_or(s);
    let (digits, radix) = if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (hex, 16)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    parse_digits(digits, radix)
}

/// Parses a plain decimal unsigned integer (no sign, no prefix, no blanks).
pub fn parse_decimal(s: &str) -> Option<u64> {
    parse_digits(s, 10)
}

/// Parses an unsigned hexadecimal integer, with or without a `0x`/`0X` prefix.
pub fn parse_hex(s: &str) -> Option<u64> {
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    parse_digits(digits, 16)
}

fn parse_digits(digits: &str, radix: u32) -> Option<u64> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// Parses a size in bytes: a number (base as [`parse_uint_auto`]) optionally followed
/// by one blank and one suffix letter `K`, `M`, `G`, `T`, `P` or `E` (either case),
/// each a power of 1024. Like `strtoull`, the number takes as many digits as it can,
/// so `0x1E` is hexadecimal 30 while `1E` is one exbibyte. Returns `None` on bad
/// syntax, a sign `-`, or overflow.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim_start_matches([' ', '\t']);
    let s = s.strip_prefix('+').unwrap_or(s);
    let (body, radix) = if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (hex, 16)
    } else if s.len() > 1 && s.starts_with('0') && s.as_bytes()[1].is_ascii_digit() {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    let end = body
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(body.len());
    let value = parse_digits(&body[..end], radix)?;
    let rest = &body[end..];
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let shift = match rest {
        "" => 0,
        "K" | "k" => 10,
        "M" | "m" => 20,
        "G" | "g" => 30,
        "T" | "t" => 40,
        "P" | "p" => 50,
        "E" | "e" => 60,
        _ => return None,
    };
    value.checked_mul(1u64 << shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_base() {
        assert_eq!(parse_uint_auto("0"), Some(0));
        assert_eq!(parse_uint_auto("17"), Some(17));
        assert_eq!(parse_uint_auto("0x1f"), Some(31));
        assert_eq!(parse_uint_auto("0X1F"), Some(31));
        assert_eq!(parse_uint_auto("010"), Some(8));
        assert_eq!(parse_uint_auto(" +5"), Some(5));
        assert_eq!(parse_uint_auto(""), None);
        assert_eq!(parse_uint_auto("0x"), None);
        assert_eq!(parse_uint_auto("-1"), None);
        assert_eq!(parse_uint_auto("5x"), None);
        assert_eq!(parse_uint_auto("09"), None);
        assert_eq!(parse_uint_auto("99999999999999999999999"), None);
    }

    #[test]
    fn decimal_and_hex() {
        assert_eq!(parse_decimal("42"), Some(42));
        assert_eq!(parse_decimal("+42"), None);
        assert_eq!(parse_decimal(""), None);
        assert_eq!(parse_hex("ff"), Some(255));
        assert_eq!(parse_hex("0x100000000"), Some(0x1_0000_0000));
        assert_eq!(parse_hex("0xg"), None);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("64K"), Some(64 << 10));
        assert_eq!(parse_size("2m"), Some(2 << 20));
        assert_eq!(parse_size("1 G"), Some(1 << 30));
        assert_eq!(parse_size("0x10K"), Some(16 << 10));
        assert_eq!(parse_size("0x1E"), Some(0x1e));
        assert_eq!(parse_size("1E"), Some(1 << 60));
        assert_eq!(parse_size("16E"), None);
        assert_eq!(parse_size("K"), None);
        assert_eq!(parse_size("1KB"), None);
        assert_eq!(parse_size("-1"), None);
        assert_eq!(parse_size(""), None);
    }
}
