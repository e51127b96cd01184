//! The C library's name matchers, as DPDK uses them: POSIX regular expressions
//! (`regcomp`/`regexec`, for `--log-level=regex,level`, `--trace` and
//! `rte_trace_regexp`) and `fnmatch` globs (for `type:level` and `rte_*_pattern`).
//!
//! Owns the `unsafe` calls into those functions; callers get plain Rust types.

use std::ffi::CString;

/// A compiled POSIX basic regular expression (DPDK compiles with no flags), freed on
/// drop. It matches anywhere in a name unless anchored with `^`/`$`.
pub(crate) struct Regex {
    /// Boxed: POSIX does not say a compiled `regex_t` may move.
    compiled: Box<libc::regex_t>,
}

// SAFETY: a compiled `regex_t` owns its heap data and has no tie to the thread that
// compiled it.
unsafe impl Send for Regex {}
// SAFETY: POSIX requires `regexec` to be thread-safe, and `is_match` only reads
// through a shared reference; `regfree` needs `&mut self` (drop).
unsafe impl Sync for Regex {}

impl Regex {
    /// Compiles `pattern`; `None` if `regcomp` refuses it (or it holds a NUL).
    pub(crate) fn new(pattern: &str) -> Option<Regex> {
        let pattern = CString::new(pattern).ok()?;
        // SAFETY: `regex_t` is a plain C struct; all-zero is valid storage for regcomp.
        let mut compiled: Box<libc::regex_t> = Box::new(unsafe { core::mem::zeroed() });
        // SAFETY: `compiled` is writable storage; `pattern` is NUL-terminated.
        if unsafe { libc::regcomp(&mut *compiled, pattern.as_ptr(), 0) } != 0 {
            // A failed regcomp leaves nothing to free.
            return None;
        }
        Some(Regex { compiled })
    }

    /// Whether the expression matches somewhere in `name` (never for a name with NUL).
    pub(crate) fn is_match(&self, name: &str) -> bool {
        let Ok(name) = CString::new(name) else {
            return false;
        };
        // SAFETY: `compiled` holds a successfully compiled expression; `name` is
        // NUL-terminated; no match offsets are asked for (0, null).
        unsafe { libc::regexec(&*self.compiled, name.as_ptr(), 0, core::ptr::null_mut(), 0) == 0 }
    }
}

impl Drop for Regex {
    fn drop(&mut self) {
        // SAFETY: compiled by `new` and freed only here, once.
        unsafe { libc::regfree(&mut *self.compiled) };
    }
}

/// Whether the glob `pattern` matches all of `name` (`fnmatch` with no flags, as
/// DPDK); false if either holds a NUL.
pub(crate) fn glob_matches(pattern: &str, name: &str) -> bool {
    let (Ok(pattern), Ok(name)) = (CString::new(pattern), CString::new(name)) else {
        return false;
    };
    // SAFETY: both are NUL-terminated strings that live across the call.
    unsafe { libc::fnmatch(pattern.as_ptr(), name.as_ptr(), 0) == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_regular_expressions() {
        let cases: &[(&str, &str, bool)] = &[
            ("lib.dmadev", "lib.dmadev", true),
            ("dma", "lib.dmadev", true),
            ("^dma", "lib.dmadev", false),
            ("^lib\\.eal$", "lib.eal", true),
            ("^lib\\.eal$", "lib.ealx", false),
            ("lib\\.\\(eal\\|dmadev\\)$", "lib.eal", true),
            ("lib\\.\\(eal\\|dmadev\\)$", "lib.dmadev", true),
            ("lib\\.\\(eal\\|dmadev\\)$", "lib.ring", false),
            // Basic syntax: parentheses and '|' are plain characters.
            ("lib.(eal|dmadev)", "lib.eal", false),
            ("lib.(eal|dmadev)", "lib.(eal|dmadev)", true),
            ("a*", "", true),
        ];
        for &(re, name, expected) in cases {
            let r = Regex::new(re).unwrap_or_else(|| panic!("{re:?} refused"));
            assert_eq!(r.is_match(name), expected, "{re:?} on {name:?}");
        }
        assert!(!Regex::new("x").unwrap().is_match("a\0x"));
        for bad in ["[", "a\\{1", "\\(", "a\0b"] {
            assert!(Regex::new(bad).is_none(), "{bad:?} compiled");
        }
    }

    #[test]
    fn regex_is_shared_across_threads() {
        let r = std::sync::Arc::new(Regex::new("^lib\\.").unwrap());
        let r2 = std::sync::Arc::clone(&r);
        assert!(
            std::thread::spawn(move || r2.is_match("lib.eal"))
                .join()
                .unwrap()
        );
        assert!(!r.is_match("pmd.x"));
    }

    #[test]
    fn globs() {
        assert!(glob_matches("lib.*", "lib.eal"));
        assert!(glob_matches("lib.eal", "lib.eal"));
        assert!(!glob_matches("lib", "lib.eal"));
        assert!(glob_matches("lib.(eal|dmadev)", "lib.(eal|dmadev)"));
        assert!(!glob_matches("a\0", "a"));
    }
}
