//! Trace points as DPDK has them: named points enabled by glob or regex, events
//! written to per-thread buffers without locks, saved as CTF that babeltrace2 reads.
//!
//! Each point has a 64-bit enable word with DPDK's layout (bit 63 enabled, bit 62
//! discard mode, bits 16..31 the event id); the fast-path ones are the exported
//! `__rte_dma_trace_*` variables. A disabled point costs one relaxed load and a
//! predictable branch; the exported fast-path functions test one byte of ours
//! instead (`fast_path_on`), set while any fast-path point is on. `points` describes them (each point's fields and its
//! typed `emit`, used through `trace::emit!`), `buffer` holds the per-thread event
//! buffers, `ctf` writes the trace directory.
pub mod buffer;
pub mod ctf;
pub mod points;

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::sync::Mutex;

use crate::regex::{Regex, glob_matches};

pub const ENABLE: u64 = 1 << 63;
pub const DISCARD: u64 = 1 << 62;
const ID_SHIFT: u32 = 16;

/// A field's CTF type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    U8,
    I16,
    U16,
    I32,
    U32,
    U64,
    /// `uintptr_t`.
    Ptr,
    /// `string_bounded_t name[32]`: 32 bytes, NUL-padded.
    Str32,
    /// A UUID: `uint8_t name[16]`.
    Uuid,
}

pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
}

pub struct TracePoint {
    pub name: &'static str,
    /// Its enable word (for the fast-path points, the exported `__rte_dma_trace_*`).
    pub word: fn() -> &'static AtomicU64,
    /// One of the fast path's points (`FAST_PATH_ON` follows them).
    pub fast_path: bool,
    pub fields: &'static [Field],
}

impl TracePoint {
    #[inline(always)]
    pub fn word(&self) -> &AtomicU64 {
        (self.word)()
    }

    #[inline(always)]
    pub fn is_enabled(&self) -> bool {
        self.word().load(Relaxed) & ENABLE != 0
    }

    /// The event id: the point's position in `points::ALL`.
    pub fn id(&self) -> u16 {
        points::ALL
            .iter()
            .position(|p| core::ptr::eq(*p, self))
            .unwrap_or(0) as u16
    }

    pub fn set_enabled(&self, on: bool) {
        let mode = if config().discard { DISCARD } else { 0 };
        let word = if on {
            ENABLE | mode | (self.id() as u64) << ID_SHIFT
        } else {
            (self.id() as u64) << ID_SHIFT
        };
        self.word().store(word, Release);
        if on {
            ACTIVE.store(true, Release);
        }
        if self.fast_path {
            let _one_at_a_time = FAST_PATH_UPDATE.lock().unwrap_or_else(|p| p.into_inner());
            let any = points::ALL.iter().any(|p| p.fast_path && p.is_enabled());
            FAST_PATH_ON.store(any, Release);
        }
    }
}

/// Whether any fast-path point is on: the one byte the exported fast-path functions
/// test before anything else. It is ours alone (not exported), so the test is one
/// instruction; reading a point's exported word from the shared library takes a hop
/// through the GOT first, which cost the 64 B copy rate a few percent.
static FAST_PATH_ON: AtomicBool = AtomicBool::new(false);
static FAST_PATH_UPDATE: Mutex<()> = Mutex::new(());

/// Whether any fast-path point may be on (always false without the `trace`
/// feature); the point's own `enabled` says which.
#[inline(always)]
pub fn fast_path_on() -> bool {
    #[cfg(feature = "trace")]
    return FAST_PATH_ON.load(Relaxed);
    #[cfg(not(feature = "trace"))]
    false
}

/// A pointer recorded as its address (a `Ptr` field).
pub trait Addr {
    fn trace_addr(self) -> u64;
}
impl<T: ?Sized> Addr for *const T {
    fn trace_addr(self) -> u64 {
        self.addr() as u64
    }
}
impl<T: ?Sized> Addr for *mut T {
    fn trace_addr(self) -> u64 {
        self.addr() as u64
    }
}

/// Most bytes an event's fields may take (the largest, info_get, takes 56).
pub const MAX_EVENT: usize = 128;

/// Writes one event's fields, in order, straight into the thread's buffer.
pub struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Writer<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        let end = (self.len + bytes.len()).min(self.buf.len());
        self.buf[self.len..end].copy_from_slice(&bytes[..end - self.len]);
        self.len = end;
    }
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.put(&[v]);
        self
    }
    pub fn i16(&mut self, v: i16) -> &mut Self {
        self.put(&v.to_le_bytes());
        self
    }
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.put(&v.to_le_bytes());
        self
    }
    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.put(&v.to_le_bytes());
        self
    }
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.put(&v.to_le_bytes());
        self
    }
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.put(&v.to_le_bytes());
        self
    }
    pub fn ptr(&mut self, p: impl Addr) -> &mut Self {
        self.u64(p.trace_addr())
    }
    /// A string in a 32-byte field (truncated, NUL-padded).
    pub fn str32(&mut self, s: &[u8]) -> &mut Self {
        let mut b = [0u8; 32];
        let n = s.iter().position(|&c| c == 0).unwrap_or(s.len()).min(31);
        b[..n].copy_from_slice(&s[..n]);
        self.put(&b);
        self
    }
    pub fn uuid(&mut self, u: &[u8; 16]) -> &mut Self {
        self.put(u);
        self
    }
}

/// Emits an event of a point in `points` if it is enabled, as
/// `trace::emit!(copy(dev_id, vchan, src, dst, length, flags, ret))`: the values,
/// typed and in the order of the point's fields, are evaluated only when it is
/// enabled, so a disabled point costs one relaxed load and a branch (nothing
/// without the `trace` feature).
#[macro_export]
#[doc(hidden)]
macro_rules! __trace_emit {
    ($point:ident($($value:expr),* $(,)?)) => {
        if $crate::trace::points::$point::enabled() {
            $crate::trace::points::$point::emit($($value),*);
        }
    };
}
pub use crate::__trace_emit as emit;

/// Whether the point of enable word `word` is enabled; always false without the
/// `trace` feature.
#[inline(always)]
pub fn enabled(word: &AtomicU64) -> bool {
    #[cfg(feature = "trace")]
    return word.load(Relaxed) & ENABLE != 0;
    #[cfg(not(feature = "trace"))]
    {
        let _ = word;
        false
    }
}

/// Writes an event of `tp`; `fields` writes its fields in order.
#[cold]
pub fn record(tp: &'static TracePoint, fields: impl FnOnce(&mut Writer)) {
    let word = tp.word().load(Relaxed);
    let id = (word >> ID_SHIFT) as u16;
    buffer::record(id, word & DISCARD != 0, |buf| {
        let mut w = Writer { buf, len: 0 };
        fields(&mut w);
        w.len
    });
}

/// Trace settings (from the EAL options or defaults).
#[derive(Clone, Debug)]
pub struct Config {
    pub dir: Option<String>,
    pub bufsz: usize,
    pub discard: bool,
    pub prefix: String,
}

static CONFIG: Mutex<Option<Config>> = Mutex::new(None);
/// Some point was enabled at some time: there is a trace to save.
static ACTIVE: AtomicBool = AtomicBool::new(false);

pub fn config() -> Config {
    CONFIG
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .unwrap_or(Config {
            dir: None,
            bufsz: 1 << 20,
            discard: false,
            prefix: "rte".to_owned(),
        })
}

pub fn set_config(c: Config) {
    *CONFIG.lock().unwrap_or_else(|p| p.into_inner()) = Some(c);
}

/// Whether tracing is on (some point was enabled).
pub fn is_enabled() -> bool {
    ACTIVE.load(Acquire)
}

/// The point called `name`.
pub fn lookup(name: &str) -> Option<&'static TracePoint> {
    points::ALL.iter().copied().find(|p| p.name == name)
}

/// Enables or disables every point whose name matches the glob `pattern`; returns
/// whether any matched (DPDK's `rte_trace_pattern`).
pub fn pattern(pattern: &str, on: bool) -> crate::Result<bool> {
    if pattern.contains('\0') {
        return Err(crate::Error::InvalidArgument);
    }
    Ok(set_matching(|name| glob_matches(pattern, name), on))
}

/// Like `pattern` with a POSIX basic regular expression (DPDK's `rte_trace_regexp`
/// and the EAL's `--trace=`).
pub fn regexp(regex: &str, on: bool) -> crate::Result<bool> {
    let re = Regex::new(regex).ok_or(crate::Error::InvalidArgument)?;
    Ok(set_matching(|name| re.is_match(name), on))
}

/// Enables or disables every point whose name `matches`; returns whether any did.
fn set_matching(matches: impl Fn(&str) -> bool, on: bool) -> bool {
    let mut found = false;
    for tp in points::ALL.iter().filter(|tp| matches(tp.name)) {
        tp.set_enabled(on);
        found = true;
    }
    found
}

/// Applies the EAL's trace options: settings, then each `--trace` regex.
pub fn apply_eal_options(cfg: &crate::eal::EalConfig) -> crate::Result<()> {
    set_config(Config {
        dir: cfg.trace_dir.clone(),
        bufsz: cfg.trace_bufsz.map_or(1 << 20, |b| b as usize),
        discard: matches!(cfg.trace_mode, Some(crate::eal::TraceMode::Discard)),
        prefix: cfg.file_prefix.clone().unwrap_or_else(|| "rte".to_owned()),
    });
    buffer::start_session();
    for re in &cfg.trace {
        if !regexp(re, true)? {
            crate::eal_log!(WARNING, "--trace={re} matches no trace point");
        }
    }
    Ok(())
}

/// Writes the trace directory (`rte_trace_save`); returns its path.
pub fn save() -> std::io::Result<std::path::PathBuf> {
    ctf::save(&config())
}

/// `rte_trace_dump`: the trace settings and every point's state.
pub fn dump_text() -> String {
    use core::fmt::Write;
    let c = config();
    let mut s = String::new();
    let _ = writeln!(s, "\nTrace meta info:");
    let _ = writeln!(s, "  enabled = {}", if is_enabled() { "yes" } else { "no" });
    let _ = writeln!(
        s,
        "  mode = {}",
        if c.discard { "discard" } else { "overwrite" }
    );
    let _ = writeln!(s, "  dir = {}", ctf::base_dir(&c).display());
    let _ = writeln!(s, "  buffer len = {}", c.bufsz);
    let _ = writeln!(s, "  number of trace points = {}", points::ALL.len());
    for tp in points::ALL {
        let _ = writeln!(
            s,
            "  {} = {}",
            tp.name,
            if tp.is_enabled() {
                "enabled"
            } else {
                "disabled"
            }
        );
    }
    s
}

#[cfg(all(test, feature = "trace"))]
mod tests {
    use super::*;

    /// The fast path's one byte follows the fast-path points only: on while any of
    /// them is on, whatever the control-path points do.
    #[test]
    fn fast_path_byte_follows_the_fast_path_points() {
        assert!(!fast_path_on());
        points::start::POINT.set_enabled(true);
        assert!(!fast_path_on(), "a control-path point leaves it off");
        points::copy::POINT.set_enabled(true);
        points::submit::POINT.set_enabled(true);
        assert!(fast_path_on());
        points::copy::POINT.set_enabled(false);
        assert!(fast_path_on(), "submit is still on");
        points::submit::POINT.set_enabled(false);
        assert!(!fast_path_on());
        points::start::POINT.set_enabled(false);
    }
}
