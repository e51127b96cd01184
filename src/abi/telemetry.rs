//! `rte_telemetry.h`'s types: the limits, the value types, the callbacks an
//! application registers, and `struct rte_tel_data`, which C only ever sees through a
//! pointer (DPDK's header declares it incomplete too): behind it is the library's
//! own `telemetry::data::TelData`.
use core::ffi::{c_char, c_int, c_void};

/// Longest string value or dict name, with its NUL.
pub const RTE_TEL_MAX_STRING_LEN: u32 = 128;
/// Longest single-string reply (`rte_tel_data_string`), with its NUL.
pub const RTE_TEL_MAX_SINGLE_STRING_LEN: u32 = 8192;
/// Most entries of a dictionary.
pub const RTE_TEL_MAX_DICT_ENTRIES: u32 = 256;
/// Most entries of an array.
pub const RTE_TEL_MAX_ARRAY_ENTRIES: u32 = 512;

/// The type of an array's values (`rte_tel_data_start_array`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rte_tel_value_type {
    /// A string value.
    RTE_TEL_STRING_VAL = 0,
    /// A signed 64-bit integer value.
    RTE_TEL_INT_VAL = 1,
    /// An unsigned 64-bit integer value.
    RTE_TEL_UINT_VAL = 2,
    /// A container (another `struct rte_tel_data`).
    RTE_TEL_CONTAINER = 3,
}

/// An `enum rte_tel_value_type` argument as C passes it: any 32-bit value.
pub type rte_tel_value_type_raw = u32;

/// The data a telemetry command answers with. Opaque to C: made by the library (for
/// a command, or by `rte_tel_data_alloc`) and filled with the `rte_tel_data_*` calls.
pub struct rte_tel_data {
    _opaque: [u8; 0],
}

/// A command's handler: fills `info` for command `cmd` with parameters `params`
/// (NULL when none); a negative return answers `null`.
pub type telemetry_cb = Option<
    unsafe extern "C" fn(
        cmd: *const c_char,
        params: *const c_char,
        info: *mut rte_tel_data,
    ) -> c_int,
>;

/// A command's handler taking the pointer given at registration.
pub type telemetry_arg_cb = Option<
    unsafe extern "C" fn(
        cmd: *const c_char,
        params: *const c_char,
        arg: *mut c_void,
        info: *mut rte_tel_data,
    ) -> c_int,
>;
