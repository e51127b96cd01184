//! dmadev's commands as DPDK's `rte_dmadev.c` answers them (`/dmadev/list`, `info`,
//! `stats`, `dump`, with the parameter checks of DPDK's "validate telemetry
//! parameters"), and `/dmadev/groups,<id>`, which lists a device's access pair groups
//! through a hook the device layer installs (this layer cannot see devices' insides).
use super::commands::RustHandler;
use super::data::{ArrayType, TelData};
use crate::abi::*;
use crate::{api, dma_log, registry};
use std::sync::OnceLock;

pub const COMMANDS: &[(&str, &str, RustHandler)] = &[
    (
        "/dmadev/list",
        "Returns list of available dmadev devices by IDs. No parameters.",
        list,
    ),
    (
        "/dmadev/info",
        "Returns information for a dmadev. Parameters: int dev_id",
        info,
    ),
    (
        "/dmadev/stats",
        "Returns the stats for a dmadev vchannel. Parameters: int dev_id, vchan_id (Optional if only one vchannel)",
        stats,
    ),
    (
        "/dmadev/dump",
        "Returns dump information for a dmadev. Parameters: int dev_id",
        dump,
    ),
    (
        "/dmadev/groups",
        "Returns the access pair groups of a dmadev, their members and state. Parameters: int dev_id",
        groups,
    ),
];

/// Fills the answer of `/dmadev/groups` for a device; `Err` (a negative errno) if
/// the device has no groups to show (not an inter-domain device).
pub type GroupsSource = fn(dev_id: i16, d: &mut TelData) -> Result<(), i32>;

static GROUPS_SOURCE: OnceLock<GroupsSource> = OnceLock::new();

/// Installs the `/dmadev/groups` source (the first one stays).
pub fn set_groups_source(f: GroupsSource) {
    let _ = GROUPS_SOURCE.set(f);
}

/// C's `strtoul(s, &end, 0)` after DPDK's leading-digit check: `0x` hexadecimal,
/// a leading `0` octal, else decimal. Returns the value and the rest, or `None` for
/// no digit first, overflow, or a value above `max`.
fn parse_uint(s: Option<&str>, max: u64) -> Option<(u64, &str)> {
    let s = s?;
    if !s.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let hex_body = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .filter(|b| b.starts_with(|c: char| c.is_ascii_hexdigit()));
    let (radix, body) = match hex_body {
        Some(b) => (16, b),
        None if s.starts_with('0') => (8, s),
        None => (10, s),
    };
    let len = body
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(body.len());
    let v = u64::from_str_radix(&body[..len], radix).ok()?;
    (v <= max).then_some((v, &body[len..]))
}

fn extra_params(rest: &str) {
    if !rest.is_empty() {
        dma_log!(
            WARNING,
            "Extra parameters passed to dmadev telemetry command, ignoring"
        );
    }
}

/// The device id parameter, warning about anything after it.
fn dev_id_param(params: Option<&str>) -> Option<i16> {
    let (id, rest) = parse_uint(params, i16::MAX as u64)?;
    extra_params(rest);
    Some(id as i16)
}

fn list(_: &str, _: Option<&str>, d: &mut TelData) -> i32 {
    d.start_array(ArrayType::Int);
    for id in 0..registry::dev_max() {
        if registry::device(id).is_some() {
            d.add_array_int(id as i64);
        }
    }
    0
}

/// The capabilities `/dmadev/info` lists, in DPDK's order.
const INFO_CAPABILITIES: [u64; 14] = [
    RTE_DMA_CAPA_MEM_TO_MEM,
    RTE_DMA_CAPA_MEM_TO_DEV,
    RTE_DMA_CAPA_DEV_TO_MEM,
    RTE_DMA_CAPA_DEV_TO_DEV,
    RTE_DMA_CAPA_SVA,
    RTE_DMA_CAPA_SILENT,
    RTE_DMA_CAPA_HANDLES_ERRORS,
    RTE_DMA_CAPA_M2D_AUTO_FREE,
    RTE_DMA_CAPA_PRI_POLICY_SP,
    RTE_DMA_CAPA_INTER_PROCESS_DOMAIN,
    RTE_DMA_CAPA_INTER_OS_DOMAIN,
    RTE_DMA_CAPA_OPS_COPY,
    RTE_DMA_CAPA_OPS_COPY_SG,
    RTE_DMA_CAPA_OPS_FILL,
];

fn info(_: &str, params: Option<&str>, d: &mut TelData) -> i32 {
    let Some(dev_id) = dev_id_param(params) else {
        return -libc::EINVAL;
    };
    let Ok(info) = api::info_get(dev_id) else {
        return -libc::EINVAL;
    };
    let name = registry::device(dev_id)
        .map(|dev| dev.name())
        .unwrap_or_default();
    d.start_dict();
    d.add_dict_string(b"name", name.as_bytes());
    for (key, v) in [
        ("nb_vchans", info.nb_vchans as i64),
        ("nb_priorities", info.nb_priorities as i64),
        ("numa_node", info.numa_node as i64),
        ("max_vchans", info.max_vchans as i64),
        ("max_desc", info.max_desc as i64),
        ("min_desc", info.min_desc as i64),
        ("max_sges", info.max_sges as i64),
    ] {
        d.add_dict_int(key.as_bytes(), v);
    }
    let mut caps = TelData::new();
    caps.start_dict();
    for capa in INFO_CAPABILITIES {
        let name = api::capability_name(capa);
        caps.add_dict_int(name.as_bytes(), (info.dev_capa & capa != 0) as i64);
    }
    d.add_dict_owned("capabilities", caps);
    0
}

fn stats(_: &str, params: Option<&str>, d: &mut TelData) -> i32 {
    let Some((dev_id, rest)) = parse_uint(params, i16::MAX as u64) else {
        return -libc::EINVAL;
    };
    let dev_id = dev_id as i16;
    let Ok(info) = api::info_get(dev_id) else {
        return -libc::EINVAL;
    };
    // With one vchan the vchan id may be left out.
    let (vchan, rest) = if info.nb_vchans == 1 && rest.is_empty() {
        (0, rest)
    } else {
        let Some(after_comma) = rest.strip_prefix(',') else {
            return -libc::EINVAL;
        };
        match parse_uint(Some(after_comma), u16::MAX as u64) {
            Some((v, rest)) => (v as u16, rest),
            None => return -libc::EINVAL,
        }
    };
    extra_params(rest);
    let Ok(s) = api::stats_get(dev_id, vchan) else {
        return -libc::EINVAL;
    };
    d.start_dict();
    d.add_dict_uint(b"submitted", s.submitted);
    d.add_dict_uint(b"completed", s.completed);
    d.add_dict_uint(b"errors", s.errors);
    0
}

/// `rte_dma_dump`'s text, cut to DPDK's 8191 bytes, as a string.
fn dump(_: &str, params: Option<&str>, d: &mut TelData) -> i32 {
    let Some(dev_id) = dev_id_param(params) else {
        return -libc::EINVAL;
    };
    let mut buf = vec![0u8; RTE_TEL_MAX_SINGLE_STRING_LEN as usize];
    // SAFETY: `buf` outlives the stream (closed below) and has room for the size given
    // plus the NUL fmemopen keeps.
    let f = unsafe { libc::fmemopen(buf.as_mut_ptr().cast(), buf.len() - 1, c"w+".as_ptr()) };
    // SAFETY: `f` is NULL or the stream just opened, closed only below.
    let Some(stream) = (unsafe { CStream::new(f) }) else {
        return -libc::EINVAL;
    };
    let rc = api::dump(dev_id, Some(stream));
    // SAFETY: the stream opened above, not used after this.
    unsafe { libc::fclose(f) };
    if let Err(e) = rc {
        return e.errno();
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    d.start_dict();
    d.string(&buf[..len]);
    0
}

fn groups(_: &str, params: Option<&str>, d: &mut TelData) -> i32 {
    let Some(dev_id) = dev_id_param(params) else {
        return -libc::EINVAL;
    };
    if registry::device(dev_id).is_none() {
        return -libc::EINVAL;
    }
    match GROUPS_SOURCE.get() {
        Some(source) => source(dev_id, d).map_or_else(|e| e, |()| 0),
        None => -libc::ENOTSUP,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_parse_as_strtoul_after_a_digit() {
        let p = |s| parse_uint(Some(s), i16::MAX as u64);
        assert_eq!(p("3"), Some((3, "")));
        assert_eq!(p("3,1"), Some((3, ",1")));
        assert_eq!(p("0x1f"), Some((31, "")));
        assert_eq!(p("010"), Some((8, "")));
        assert_eq!(p("08"), Some((0, "8")));
        assert_eq!(p("0x"), Some((0, "x")));
        assert_eq!(p("32767"), Some((32767, "")));
        assert_eq!(p("32768"), None);
        assert_eq!(p("99999999999999999999999"), None);
        assert_eq!(p("-1"), None);
        assert_eq!(p(" 1"), None);
        assert_eq!(p("x"), None);
        assert_eq!(p(""), None);
        assert_eq!(parse_uint(None, 5), None);
    }
}
