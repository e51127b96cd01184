//! `rte_telemetry.h`: registering an application's commands and building their
//! answers (`struct rte_tel_data`, the core's `telemetry::data::TelData` behind an
//! opaque pointer). DPDK's return codes; a NULL argument, where DPDK would crash, is
//! `-EINVAL`.
use crate::guard::{c_str, guard};
use dmadev::abi::{rte_tel_data, rte_tel_value_type_raw, telemetry_arg_cb, telemetry_cb};
use dmadev::telemetry::commands::{self, AppArg, Handler};
use dmadev::telemetry::data::{self, ArrayType, Container, TelData};
use std::ffi::{c_char, c_int, c_void};

/// The answer behind `d`.
///
/// # Safety
/// `d` is NULL or came from `rte_tel_data_alloc` or a command's callback, and is not
/// in use by another call meanwhile.
unsafe fn tel<'a>(d: *mut rte_tel_data) -> Option<&'a mut TelData> {
    // SAFETY: per the contract, a non-NULL `d` points at a live `TelData`.
    unsafe { d.cast::<TelData>().as_mut() }
}

/// The bytes of a C string argument, `None` when NULL.
///
/// # Safety
/// `s` is NULL or NUL-terminated.
unsafe fn bytes<'a>(s: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: forwarded contract.
    unsafe { c_str(s) }.ok().map(|s| s.to_bytes())
}

/// Runs a builder on `d`, `-EINVAL` if `d` is NULL.
///
/// # Safety
/// `d` is NULL, a command's `info` or from `rte_tel_data_alloc`, used by one thread.
unsafe fn with(d: *mut rte_tel_data, f: impl FnOnce(&mut TelData) -> c_int) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { tel(d) }.map_or(-libc::EINVAL, f)
}

/// Registers command `cmd` (`/` then letters, digits, `_`, `/`; under 56 bytes),
/// answered by `fn`, with `help` (under 128 bytes). 0 or `-EINVAL`.
///
/// # Safety
/// `cmd` and `help` are NULL or NUL-terminated; `fn` stays callable while the
/// library runs (it is called on the telemetry thread).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_telemetry_register_cmd(
    cmd: *const c_char,
    r#fn: telemetry_cb,
    help: *const c_char,
) -> c_int {
    guard(-libc::EINVAL, || {
        // SAFETY: forwarded contract.
        match unsafe { (bytes(cmd), bytes(help)) } {
            (Some(c), Some(h)) => commands::register(c, h, Handler::C(r#fn)),
            _ => -libc::EINVAL,
        }
    })
}

/// `rte_telemetry_register_cmd` with an argument passed back to `fn`.
///
/// # Safety
/// As `rte_telemetry_register_cmd`; `arg` is the caller's to keep valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_telemetry_register_cmd_arg(
    cmd: *const c_char,
    r#fn: telemetry_arg_cb,
    arg: *mut c_void,
    help: *const c_char,
) -> c_int {
    guard(-libc::EINVAL, || {
        // SAFETY: forwarded contract.
        match unsafe { (bytes(cmd), bytes(help)) } {
            (Some(c), Some(h)) => commands::register(c, h, Handler::CArg(r#fn, AppArg(arg))),
            _ => -libc::EINVAL,
        }
    })
}

/// Makes `d` an empty array of `type` values.
///
/// # Safety
/// `d` is NULL, a command's `info` or from `rte_tel_data_alloc`, used by one thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_tel_data_start_array(
    d: *mut rte_tel_data,
    r#type: rte_tel_value_type_raw,
) -> c_int {
    guard(-libc::EINVAL, || {
        let t = match r#type {
            0 => ArrayType::Str,
            1 => ArrayType::Int,
            2 => ArrayType::Uint,
            3 => ArrayType::Container,
            _ => return -libc::EINVAL,
        };
        // SAFETY: forwarded contract.
        unsafe { with(d, |d| d.start_array(t)) }
    })
}

/// Makes `d` an empty dictionary.
///
/// # Safety
/// `d` is NULL, a command's `info` or from `rte_tel_data_alloc`, used by one thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_tel_data_start_dict(d: *mut rte_tel_data) -> c_int {
    guard(-libc::EINVAL, || {
        // SAFETY: forwarded contract.
        unsafe { with(d, TelData::start_dict) }
    })
}

/// Makes `d` the string `str` (`E2BIG` if cut to 8191 bytes).
///
/// # Safety
/// `d` is NULL, a command's `info` or from `rte_tel_data_alloc`, used by one thread;
/// `str` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_tel_data_string(d: *mut rte_tel_data, str: *const c_char) -> c_int {
    guard(-libc::EINVAL, || {
        // SAFETY: forwarded contract.
        let s = unsafe { bytes(str) };
        // SAFETY: forwarded contract.
        unsafe { with(d, |d| s.map_or(-libc::EINVAL, |s| d.string(s))) }
    })
}

/// Appends a string to an array of strings (`E2BIG` if cut to 127 bytes).
///
/// # Safety
/// `d` is NULL, a command's `info` or from `rte_tel_data_alloc`, used by one thread;
/// `str` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_tel_data_add_array_string(
    d: *mut rte_tel_data,
    str: *const c_char,
) -> c_int {
    guard(-libc::EINVAL, || {
        // SAFETY: forwarded contract.
        let s = unsafe { bytes(str) };
        // SAFETY: forwarded contract.
        unsafe { with(d, |d| s.map_or(-libc::EINVAL, |s| d.add_array_string(s))) }
    })
}

/// Appends a signed integer to an array of them.
///
/// # Safety
/// `d` is NULL, a command's `info` or from `rte_tel_data_alloc`, used by one thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_tel_data_add_array_int(d: *mut rte_tel_data, x: i64) -> c_int {
    guard(-libc::EINVAL, || {
        // SAFETY: forwarded contract.
        unsafe { with(d, |d| d.add_array_int(x)) }
    })
}

/// Appends an unsigned integer to an array of them.
///
/// # Safety
/// `d` is NULL, a command's `info` or from `rte_tel_data_alloc`, used by one thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_tel_data_add_array_uint(d: *mut rte_tel_data, x: u64) -> c_int {
    guard(-libc::EINVAL, || {
        // SAFETY: forwarded contract.
        unsafe { with(d, |d| d.add_array_uint(x)) }
    })
}

/// `val` as a container: taken over (freed with `d`) when `keep` is 0, else read in
/// place when the answer is written.
///
/// # Safety
/// `val` came from `rte_tel_data_alloc`, is not `d`, and with `keep` set stays valid
/// until the command's answer is written.
unsafe fn container(val: *mut rte_tel_data, keep: c_int) -> Option<Container> {
    let p = core::ptr::NonNull::new(val.cast::<TelData>())?;
    Some(if keep == 0 {
        // SAFETY: an allocation of `rte_tel_data_alloc` (a `Box<TelData>`), handed
        // over by the caller.
        Container::Owned(unsafe { Box::from_raw(p.as_ptr()) })
    } else {
        Container::Kept(p)
    })
}

/// On a refusal the caller keeps its container: give an owned one back unfreed.
fn hand_back(c: Container) {
    if let Container::Owned(b) = c {
        let _ = Box::into_raw(b);
    }
}

/// Appends container `val` to an array of containers (with `keep` 0 it is taken over
/// and freed with `d`; else the caller keeps it and frees it after the answer is
/// written).
///
/// # Safety
/// `d` is a command's `info` or from `rte_tel_data_alloc`; `val` from
/// `rte_tel_data_alloc`, not `d`, valid until the answer is
/// written when `keep` is set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_tel_data_add_array_container(
    d: *mut rte_tel_data,
    val: *mut rte_tel_data,
    keep: c_int,
) -> c_int {
    guard(-libc::EINVAL, || {
        if d == val {
            return -libc::EINVAL;
        }
        // SAFETY: forwarded contract.
        unsafe {
            with(d, |d| {
                let Some(c) = container(val, keep) else {
                    return -libc::EINVAL;
                };
                match d.add_array_container(c) {
                    Ok(()) => 0,
                    Err((e, c)) => {
                        hand_back(c);
                        e
                    }
                }
            })
        }
    })
}

/// Appends `val` in hexadecimal (`0x`, padded to `display_bitwidth` bits' digits) to
/// an array of strings.
///
/// # Safety
/// `d` is NULL, a command's `info` or from `rte_tel_data_alloc`, used by one thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_tel_data_add_array_uint_hex(
    d: *mut rte_tel_data,
    val: u64,
    display_bitwidth: u8,
) -> c_int {
    guard(-libc::EINVAL, || {
        let s = data::uint_hex(val, display_bitwidth);
        // SAFETY: forwarded contract.
        unsafe { with(d, |d| d.add_array_string(s.as_bytes())) }
    })
}

/// Adds `name: val` (a string) to a dictionary.
///
/// # Safety
/// `d` is NULL, a command's `info` or from `rte_tel_data_alloc`, used by one thread;
/// `name` and `val` are NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_tel_data_add_dict_string(
    d: *mut rte_tel_data,
    name: *const c_char,
    val: *const c_char,
) -> c_int {
    guard(-libc::EINVAL, || {
        // SAFETY: forwarded contract.
        let (n, v) = unsafe { (bytes(name), bytes(val)) };
        // SAFETY: forwarded contract.
        unsafe {
            with(d, |d| match (n, v) {
                (Some(n), Some(v)) => d.add_dict_string(n, v),
                _ => -libc::EINVAL,
            })
        }
    })
}

/// Adds `name: val` (a signed integer) to a dictionary.
///
/// # Safety
/// `d` is NULL, a command's `info` or from `rte_tel_data_alloc`, used by one thread;
/// `name` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_tel_data_add_dict_int(
    d: *mut rte_tel_data,
    name: *const c_char,
    val: i64,
) -> c_int {
    guard(-libc::EINVAL, || {
        // SAFETY: forwarded contract.
        unsafe { with_name(d, name, |d, n| d.add_dict_int(n, val)) }
    })
}

/// Adds `name: val` (an unsigned integer) to a dictionary.
///
/// # Safety
/// `d` is NULL, a command's `info` or from `rte_tel_data_alloc`, used by one thread;
/// `name` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_tel_data_add_dict_uint(
    d: *mut rte_tel_data,
    name: *const c_char,
    val: u64,
) -> c_int {
    guard(-libc::EINVAL, || {
        // SAFETY: forwarded contract.
        unsafe { with_name(d, name, |d, n| d.add_dict_uint(n, val)) }
    })
}

/// Adds `name: val` (a container: with `keep` 0 it is taken over and freed with `d`;
/// else the caller keeps it and frees it after the answer is written) to a dictionary.
///
/// # Safety
/// `d` is a command's `info` or from `rte_tel_data_alloc`; `val` from
/// `rte_tel_data_alloc`, not `d`, valid until the answer is
/// written when `keep` is set; `name` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_tel_data_add_dict_container(
    d: *mut rte_tel_data,
    name: *const c_char,
    val: *mut rte_tel_data,
    keep: c_int,
) -> c_int {
    guard(-libc::EINVAL, || {
        if d == val {
            return -libc::EINVAL;
        }
        // SAFETY: forwarded contract.
        let n = unsafe { bytes(name) };
        // SAFETY: forwarded contract.
        unsafe {
            with(d, |d| {
                let Some(n) = n else {
                    return -libc::EINVAL;
                };
                let Some(c) = container(val, keep) else {
                    return -libc::EINVAL;
                };
                match d.add_dict_container(n, c) {
                    Ok(rc) => rc,
                    Err((e, c)) => {
                        hand_back(c);
                        e
                    }
                }
            })
        }
    })
}

/// Adds `name: val` in hexadecimal (see `rte_tel_data_add_array_uint_hex`).
///
/// # Safety
/// `d` is NULL, a command's `info` or from `rte_tel_data_alloc`, used by one thread;
/// `name` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_tel_data_add_dict_uint_hex(
    d: *mut rte_tel_data,
    name: *const c_char,
    val: u64,
    display_bitwidth: u8,
) -> c_int {
    guard(-libc::EINVAL, || {
        let s = data::uint_hex(val, display_bitwidth);
        // SAFETY: forwarded contract.
        unsafe { with_name(d, name, |d, n| d.add_dict_string(n, s.as_bytes())) }
    })
}

/// Runs a dictionary builder with the entry's name, `-EINVAL` if `d` or `name` is NULL.
///
/// # Safety
/// As [`tel`]; `name` is NULL or NUL-terminated.
unsafe fn with_name(
    d: *mut rte_tel_data,
    name: *const c_char,
    f: impl FnOnce(&mut TelData, &[u8]) -> c_int,
) -> c_int {
    // SAFETY: forwarded contract.
    let n = unsafe { bytes(name) };
    // SAFETY: forwarded contract.
    unsafe { with(d, |d| n.map_or(-libc::EINVAL, |n| f(d, n))) }
}

/// A new, empty `rte_tel_data` for a container (free it with `rte_tel_data_free`
/// unless it was handed over with `keep == 0`).
#[unsafe(no_mangle)]
pub extern "C" fn rte_tel_data_alloc() -> *mut rte_tel_data {
    guard(core::ptr::null_mut(), || {
        Box::into_raw(Box::new(TelData::new())).cast::<rte_tel_data>()
    })
}

/// Frees an `rte_tel_data_alloc` allocation (NULL is ignored).
///
/// # Safety
/// `data` is NULL or an allocation of `rte_tel_data_alloc` not freed or handed over.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_tel_data_free(data: *mut rte_tel_data) {
    guard((), || {
        if !data.is_null() {
            // SAFETY: per the contract, a `Box<TelData>` of `rte_tel_data_alloc`.
            drop(unsafe { Box::from_raw(data.cast::<TelData>()) });
        }
    })
}
