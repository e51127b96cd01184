//! CPU list syntax of `-l`/`--lcores`, `-c` and the service-core options.
//!
//! Three forms, as in DPDK:
//! - a CPU list, `0-3,5` (ranges may run downwards, `3-0`): lcore N runs on CPU N;
//! - a hexadecimal core mask, `0x1f` (bit N set = CPU N);
//! - an explicit mapping, `1,2@5,(3-4)@7,(6)`: `lcores@cpu`, where the lcore side is
//!   a number, a range or a parenthesised group. Each lcore runs on exactly one CPU
//!   here, so a CPU side naming several CPUs is refused.
//!
//! The functions return CPU numbers or `(lcore, cpu)` pairs and leave the checks
//! against `RTE_MAX_LCORE` and the machine's CPUs to the caller.

/// The largest CPU number plus one that a `cpu_set_t` can hold.
pub const CPU_SETSIZE: usize = 1024;

/// Parses a CPU list such as `0-3,5`. Returns the CPUs sorted, without duplicates.
pub fn parse_cpu_list(s: &str) -> Result<Vec<usize>, String> {
    let mut cpus = Vec::new();
    for item in s.split(',') {
        cpus.extend(parse_range(item, s)?);
    }
    if cpus.is_empty() {
        return Err(format!("empty CPU list '{s}'"));
    }
    cpus.sort_unstable();
    cpus.dedup();
    Ok(cpus)
}

/// Parses a hexadecimal core mask (`0x` prefix optional). Returns the CPUs sorted.
pub fn parse_coremask(s: &str) -> Result<Vec<usize>, String> {
    let trimmed = s.trim_matches([' ', '\t']);
    let digits = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
        .unwrap_or(trimmed);
    if digits.is_empty() {
        return Err(format!("no lcores in core mask '{s}'"));
    }
    let mut cpus = Vec::new();
    for (pos, c) in digits.chars().rev().enumerate() {
        let nibble = c
            .to_digit(16)
            .ok_or_else(|| format!("invalid character '{c}' in core mask '{s}'"))?;
        for bit in 0..4 {
            if nibble & (1 << bit) != 0 {
                let cpu = pos * 4 + bit;
                if cpu >= CPU_SETSIZE {
                    return Err(format!(
                        "CPU {cpu} in core mask '{s}' is beyond {CPU_SETSIZE}"
                    ));
                }
                cpus.push(cpu);
            }
        }
    }
    if cpus.is_empty() {
        return Err(format!("no lcores in core mask '{s}'"));
    }
    cpus.sort_unstable();
    Ok(cpus)
}

/// Parses the value of `-l`/`--lcores` into `(lcore, cpu)` pairs in the order the
/// lcores appear (that order gives each lcore its index). A plain CPU list maps each
/// lcore to the CPU of the same number; the `@`/`()` form maps explicitly. An lcore
/// named twice keeps its first position and takes its last CPU.
pub fn parse_lcore_map(s: &str) -> Result<Vec<(u32, usize)>, String> {
    if !s.contains(['@', '(', ')']) {
        return Ok(parse_cpu_list(s)?
            .into_iter()
            .map(|c| (c as u32, c))
            .collect());
    }
    let mut map: Vec<(u32, usize)> = Vec::new();
    for element in split_top_level(s)? {
        let (lcore_part, cpu_part) = match element.split_once('@') {
            Some((l, c)) => (l, Some(c)),
            None => (element, None),
        };
        let lcores = parse_set(lcore_part, s)?;
        let cpu_for = |lcore: usize| -> Result<usize, String> {
            let cpus = match cpu_part {
                Some(c) => parse_set(c, s)?,
                // "2-4" alone: each lcore on its own CPU; "(2,4)" alone: every lcore of
                // the group on the whole group.
                None if !lcore_part.trim().starts_with('(') => vec![lcore],
                None => lcores.clone(),
            };
            match cpus.as_slice() {
                [cpu] => Ok(*cpu),
                _ => Err(format!(
                    "lcore {lcore} in '{s}' would run on several CPUs {cpus:?}; \
                     dmadev-rs pins each lcore to a single CPU"
                )),
            }
        };
        for &lcore in &lcores {
            let cpu = cpu_for(lcore)?;
            let id = u32::try_from(lcore).map_err(|_| format!("lcore {lcore} out of range"))?;
            match map.iter_mut().find(|(l, _)| *l == id) {
                Some(entry) => entry.1 = cpu,
                None => map.push((id, cpu)),
            }
        }
    }
    if map.is_empty() {
        return Err(format!("no lcores in '{s}'"));
    }
    Ok(map)
}

/// Splits at the commas that are not inside parentheses.
fn split_top_level(s: &str) -> Result<Vec<&str>, String> {
    let mut parts = Vec::new();
    let mut depth = 0u32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' if depth == 0 => depth = 1,
            '(' => return Err(format!("nested parentheses in '{s}'")),
            ')' if depth == 1 => depth = 0,
            ')' => return Err(format!("unbalanced ')' in '{s}'")),
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(format!("missing ')' in '{s}'"));
    }
    parts.push(&s[start..]);
    Ok(parts)
}

/// Parses one set: a number, a range, or a parenthesised group of those.
fn parse_set(part: &str, whole: &str) -> Result<Vec<usize>, String> {
    let part = part.trim_matches([' ', '\t']);
    let items: Vec<usize> = if let Some(inner) = part.strip_prefix('(') {
        let inner = inner
            .strip_suffix(')')
            .ok_or_else(|| format!("bad group '{part}' in '{whole}'"))?;
        let mut v = Vec::new();
        for item in inner.split(',') {
            v.extend(parse_range(item, whole)?);
        }
        v
    } else {
        parse_range(part, whole)?
    };
    let mut items = items;
    items.sort_unstable();
    items.dedup();
    Ok(items)
}

/// Parses `N` or `A-B` (either direction) into the CPUs it covers.
fn parse_range(item: &str, whole: &str) -> Result<Vec<usize>, String> {
    let number = |t: &str| -> Result<usize, String> {
        let t = t.trim_matches([' ', '\t']);
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("'{t}' is not a CPU number in '{whole}'"));
        }
        match t.parse::<usize>() {
            Ok(n) if n < CPU_SETSIZE => Ok(n),
            _ => Err(format!("CPU {t} in '{whole}' is beyond {CPU_SETSIZE}")),
        }
    };
    let (lo, hi) = match item.split_once('-') {
        Some((a, b)) => (number(a)?, number(b)?),
        None => {
            let n = number(item)?;
            (n, n)
        }
    };
    Ok((lo.min(hi)..=lo.max(hi)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists() {
        assert_eq!(parse_cpu_list("0-3,5").unwrap(), vec![0, 1, 2, 3, 5]);
        assert_eq!(parse_cpu_list("3-1").unwrap(), vec![1, 2, 3]);
        assert_eq!(parse_cpu_list("7, 2 ,2").unwrap(), vec![2, 7]);
        assert_eq!(parse_cpu_list("4").unwrap(), vec![4]);
        for bad in [
            "", ",", "1,", "a", "1-", "-1", "1-2-3", "0x1", "1024", "1;2",
        ] {
            assert!(parse_cpu_list(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn coremasks() {
        assert_eq!(parse_coremask("0xf").unwrap(), vec![0, 1, 2, 3]);
        assert_eq!(parse_coremask("A").unwrap(), vec![1, 3]);
        assert_eq!(parse_coremask(" 0x10 ").unwrap(), vec![4]);
        assert_eq!(parse_coremask("100000000").unwrap(), vec![32]);
        for bad in ["", "0x", "0", "0x0", "xyz", "0x1g"] {
            assert!(parse_coremask(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse_coremask(&format!("1{}", "0".repeat(256))).is_err());
    }

    #[test]
    fn plain_lcore_list_is_identity() {
        assert_eq!(
            parse_lcore_map("2,0-1").unwrap(),
            vec![(0, 0), (1, 1), (2, 2)]
        );
    }

    #[test]
    fn explicit_mappings() {
        assert_eq!(parse_lcore_map("0@3").unwrap(), vec![(0, 3)]);
        assert_eq!(
            parse_lcore_map("1,2@5,(3-4)@7,(6)").unwrap(),
            vec![(1, 1), (2, 5), (3, 7), (4, 7), (6, 6)]
        );
        assert_eq!(parse_lcore_map("0-1@(2)").unwrap(), vec![(0, 2), (1, 2)]);
        assert_eq!(
            parse_lcore_map("2-3,(0)").unwrap(),
            vec![(2, 2), (3, 3), (0, 0)]
        );
        // Repeated lcore: first position, last CPU.
        assert_eq!(parse_lcore_map("0@1,1,0@2").unwrap(), vec![(0, 2), (1, 1)]);
    }

    #[test]
    fn bad_mappings() {
        for bad in [
            "0@", "@1", "0@(1-2)", "(0,1)", "(0", "0)", "((0))", "0@1@2", "a@1", "0@x", "(0,)@1",
        ] {
            assert!(parse_lcore_map(bad).is_err(), "{bad:?} accepted");
        }
        let msg = parse_lcore_map("0@(1,2)").unwrap_err();
        assert!(msg.contains("several CPUs"), "{msg}");
    }
}
