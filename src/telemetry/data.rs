//! What a telemetry command answers with: DPDK's `struct rte_tel_data` model (null, a
//! string, a dictionary, or an array of one value type) with DPDK's limits and return
//! codes, so the C builders (`rte_tel_data_*` in `ffi/`) are one line each and the
//! library's own commands are held to the same rules.
//!
//! Return codes are DPDK's: 0, `-EINVAL` (wrong container type or bad name),
//! `-ENOSPC` (full), and a positive `E2BIG` when a string was truncated but stored.
use crate::abi::{
    RTE_TEL_MAX_ARRAY_ENTRIES, RTE_TEL_MAX_DICT_ENTRIES, RTE_TEL_MAX_SINGLE_STRING_LEN,
    RTE_TEL_MAX_STRING_LEN,
};
use core::ptr::NonNull;

/// The value type of an array's entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrayType {
    Str,
    Int,
    Uint,
    Container,
}

/// A container value: owned (the C caller passed `keep == 0`, or Rust built it), or
/// kept by the caller, who promises it stays valid until the answer is written
/// (DPDK's contract for `keep != 0`) and frees it.
#[derive(Debug)]
pub enum Container {
    Owned(Box<TelData>),
    Kept(NonNull<TelData>),
}

impl Container {
    /// The container's data.
    ///
    /// # Safety
    /// A `Kept` container still points at live data (see the type).
    pub unsafe fn get(&self) -> &TelData {
        match self {
            Container::Owned(b) => b,
            // SAFETY: forwarded contract.
            Container::Kept(p) => unsafe { p.as_ref() },
        }
    }
}

#[derive(Debug)]
pub enum Value {
    Str(String),
    Int(i64),
    Uint(u64),
    Container(Container),
}

#[derive(Debug, Default)]
pub enum Kind {
    /// Nothing set: answers `null`.
    #[default]
    Null,
    Str(String),
    Dict(Vec<(String, Value)>),
    Array(ArrayType, Vec<Value>),
}

/// One command's answer being built.
#[derive(Debug, Default)]
pub struct TelData {
    kind: Kind,
}

/// Whether `val` may be put in another container (DPDK: dictionaries and arrays of
/// plain values, not strings or arrays of containers).
fn nestable(kind: &Kind) -> bool {
    match kind {
        Kind::Dict(_) => true,
        Kind::Array(t, _) => *t != ArrayType::Container,
        Kind::Null | Kind::Str(_) => false,
    }
}

/// A C string cut to `max - 1` bytes (the room DPDK's fixed buffers leave for the
/// NUL), as UTF-8; and whether it was cut.
fn clamp(bytes: &[u8], max: u32) -> (String, bool) {
    let limit = max as usize - 1;
    let cut = bytes.len() > limit;
    let bytes = &bytes[..bytes.len().min(limit)];
    (String::from_utf8_lossy(bytes).into_owned(), cut)
}

/// DPDK's dictionary names: letters, digits, `_` and `/` (so they need no escaping).
fn valid_name(name: &[u8]) -> bool {
    name.iter()
        .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'/')
}

fn truncated(cut: bool) -> i32 {
    if cut { libc::E2BIG } else { 0 }
}

impl TelData {
    pub fn new() -> TelData {
        TelData::default()
    }

    pub fn kind(&self) -> &Kind {
        &self.kind
    }

    /// Makes this an empty array of `t` values.
    pub fn start_array(&mut self, t: ArrayType) -> i32 {
        self.kind = Kind::Array(t, Vec::new());
        0
    }

    /// Makes this an empty dictionary.
    pub fn start_dict(&mut self) -> i32 {
        self.kind = Kind::Dict(Vec::new());
        0
    }

    /// Makes this a single string (cut to 8191 bytes: `E2BIG`).
    pub fn string(&mut self, s: &[u8]) -> i32 {
        let (s, cut) = clamp(s, RTE_TEL_MAX_SINGLE_STRING_LEN);
        self.kind = Kind::Str(s);
        truncated(cut)
    }

    fn push_array(&mut self, t: ArrayType, v: Value) -> i32 {
        match &mut self.kind {
            Kind::Array(have, items) if *have == t => {
                if items.len() >= RTE_TEL_MAX_ARRAY_ENTRIES as usize {
                    return -libc::ENOSPC;
                }
                items.push(v);
                0
            }
            _ => -libc::EINVAL,
        }
    }

    pub fn add_array_string(&mut self, s: &[u8]) -> i32 {
        let (s, cut) = clamp(s, RTE_TEL_MAX_STRING_LEN);
        match self.push_array(ArrayType::Str, Value::Str(s)) {
            0 => truncated(cut),
            e => e,
        }
    }

    pub fn add_array_int(&mut self, x: i64) -> i32 {
        self.push_array(ArrayType::Int, Value::Int(x))
    }

    pub fn add_array_uint(&mut self, x: u64) -> i32 {
        self.push_array(ArrayType::Uint, Value::Uint(x))
    }

    /// Adds a container to an array of containers. On an error the container is
    /// handed back (the caller still owns it).
    ///
    /// # Safety
    /// A `Kept` container points at live data (it is read here and when answering).
    pub unsafe fn add_array_container(&mut self, c: Container) -> Result<(), (i32, Container)> {
        // SAFETY: forwarded contract.
        if !nestable(&unsafe { c.get() }.kind) {
            return Err((-libc::EINVAL, c));
        }
        match &mut self.kind {
            Kind::Array(ArrayType::Container, items) => {
                if items.len() >= RTE_TEL_MAX_ARRAY_ENTRIES as usize {
                    return Err((-libc::ENOSPC, c));
                }
                items.push(Value::Container(c));
                Ok(())
            }
            _ => Err((-libc::EINVAL, c)),
        }
    }

    /// Checks a new dictionary entry's room and name (DPDK's order).
    fn dict_room(&mut self, name: &[u8]) -> Result<&mut Vec<(String, Value)>, i32> {
        let Kind::Dict(entries) = &mut self.kind else {
            return Err(-libc::EINVAL);
        };
        if entries.len() >= RTE_TEL_MAX_DICT_ENTRIES as usize {
            return Err(-libc::ENOSPC);
        }
        if !valid_name(name) {
            return Err(-libc::EINVAL);
        }
        Ok(entries)
    }

    fn push_dict(&mut self, name: &[u8], v: Value, value_cut: bool) -> i32 {
        match self.dict_room(name) {
            Ok(entries) => {
                let (name, cut) = clamp(name, RTE_TEL_MAX_STRING_LEN);
                entries.push((name, v));
                truncated(cut || value_cut)
            }
            Err(e) => e,
        }
    }

    pub fn add_dict_string(&mut self, name: &[u8], val: &[u8]) -> i32 {
        let (val, cut) = clamp(val, RTE_TEL_MAX_STRING_LEN);
        self.push_dict(name, Value::Str(val), cut)
    }

    pub fn add_dict_int(&mut self, name: &[u8], val: i64) -> i32 {
        self.push_dict(name, Value::Int(val), false)
    }

    pub fn add_dict_uint(&mut self, name: &[u8], val: u64) -> i32 {
        self.push_dict(name, Value::Uint(val), false)
    }

    /// Adds a container under `name`. On an error the container is handed back.
    ///
    /// # Safety
    /// As [`TelData::add_array_container`].
    pub unsafe fn add_dict_container(
        &mut self,
        name: &[u8],
        c: Container,
    ) -> Result<i32, (i32, Container)> {
        // SAFETY: forwarded contract.
        if !matches!(self.kind, Kind::Dict(_)) || !nestable(&unsafe { c.get() }.kind) {
            return Err((-libc::EINVAL, c));
        }
        match self.dict_room(name) {
            Ok(_) => Ok(self.push_dict(name, Value::Container(c), false)),
            Err(e) => Err((e, c)),
        }
    }

    /// Adds an owned container built in Rust (see [`TelData::add_dict_container`]).
    pub fn add_dict_owned(&mut self, name: &str, data: TelData) -> i32 {
        // SAFETY: an owned container needs no promise.
        match unsafe { self.add_dict_container(name.as_bytes(), Container::Owned(Box::new(data))) }
        {
            Ok(rc) => rc,
            Err((e, _)) => e,
        }
    }

    /// Adds an owned container to an array of containers.
    pub fn add_array_owned(&mut self, data: TelData) -> i32 {
        // SAFETY: an owned container needs no promise.
        match unsafe { self.add_array_container(Container::Owned(Box::new(data))) } {
            Ok(()) => 0,
            Err((e, _)) => e,
        }
    }
}

/// `0x` and `val` in hexadecimal, zero-padded to `bitwidth` bits' digits (none: as
/// short as possible), as `rte_tel_data_add_*_uint_hex` write it.
pub fn uint_hex(val: u64, bitwidth: u8) -> String {
    let digits = (bitwidth as usize).div_ceil(4);
    format!("0x{val:0digits$x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_keep_dpdks_rules_and_codes() {
        let mut d = TelData::new();
        assert_eq!(d.add_dict_int(b"a", 1), -libc::EINVAL, "not a dict yet");
        d.start_dict();
        assert_eq!(d.add_dict_int(b"bad name", 1), -libc::EINVAL);
        assert_eq!(d.add_dict_int(b"ok/name_1", 1), 0);
        assert_eq!(d.add_array_int(1), -libc::EINVAL);
        let long = vec![b'x'; 200];
        assert_eq!(d.add_dict_string(b"s", &long), libc::E2BIG);
        let Kind::Dict(e) = d.kind() else { panic!() };
        let Value::Str(s) = &e[1].1 else { panic!() };
        assert_eq!(s.len(), 127);
        for i in 2..RTE_TEL_MAX_DICT_ENTRIES {
            assert_eq!(d.add_dict_uint(format!("k{i}").as_bytes(), 7), 0);
        }
        assert_eq!(d.add_dict_uint(b"one_more", 7), -libc::ENOSPC);

        let mut a = TelData::new();
        a.start_array(ArrayType::Uint);
        assert_eq!(a.add_array_int(1), -libc::EINVAL, "wrong value type");
        for _ in 0..RTE_TEL_MAX_ARRAY_ENTRIES {
            assert_eq!(a.add_array_uint(1), 0);
        }
        assert_eq!(a.add_array_uint(1), -libc::ENOSPC);
        assert_eq!(d.string(&vec![b'y'; 9000]), libc::E2BIG);
    }

    #[test]
    fn only_dicts_and_plain_arrays_nest() {
        let mut outer = TelData::new();
        outer.start_dict();
        let mut s = TelData::new();
        s.string(b"x");
        assert_eq!(outer.add_dict_owned("s", s), -libc::EINVAL);
        let mut arr = TelData::new();
        arr.start_array(ArrayType::Container);
        assert_eq!(outer.add_dict_owned("a", arr), -libc::EINVAL);
        let mut inner = TelData::new();
        inner.start_dict();
        assert_eq!(outer.add_dict_owned("d", inner), 0);
        let mut list = TelData::new();
        list.start_array(ArrayType::Container);
        let mut ints = TelData::new();
        ints.start_array(ArrayType::Int);
        assert_eq!(list.add_array_owned(ints), 0);
    }

    #[test]
    fn hex_strings_as_dpdk_writes_them() {
        assert_eq!(uint_hex(0xab, 0), "0xab");
        assert_eq!(uint_hex(0xab, 16), "0x00ab");
        assert_eq!(uint_hex(1, 5), "0x01");
        assert_eq!(uint_hex(u64::MAX, 64), "0xffffffffffffffff");
    }
}
