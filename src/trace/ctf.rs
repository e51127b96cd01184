//! Writes a trace as DPDK lays it out: a directory per run holding `metadata` (CTF
//! 1.8 TSDL describing every trace point) and one `channel0_<n>` stream file per
//! thread that got a buffer (packet header, packet context, then its events).
use super::buffer::{self, Session};
use super::{Config, Ty, points};
use crate::abi::uuid_text;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

const MAGIC: u32 = 0xC1FC_1FC1;

/// Where trace directories go: `--trace-dir`, else `$HOME/dpdk-traces`.
pub fn base_dir(c: &Config) -> PathBuf {
    match &c.dir {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into()))
            .join("dpdk-traces"),
    }
}

/// `<prefix>-YYYY-MM-DD-AM-hh-mm-ss`, local time of the session's start (DPDK's name).
fn run_dir_name(prefix: &str, s: &Session) -> String {
    let secs = (s.start_unix_ns / 1_000_000_000) as libc::time_t;
    // SAFETY: an all-zero tm is valid storage; localtime_r fills it from `secs`.
    let mut tm: libc::tm = unsafe { core::mem::zeroed() };
    // SAFETY: both pointers are valid for the call.
    unsafe { libc::localtime_r(&secs, &mut tm) };
    let (ampm, hour12) = if tm.tm_hour < 12 {
        ("AM", tm.tm_hour)
    } else {
        ("PM", tm.tm_hour - 12)
    };
    let hour12 = if hour12 == 0 { 12 } else { hour12 };
    format!(
        "{prefix}-{:04}-{:02}-{:02}-{ampm}-{:02}-{:02}-{:02}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        hour12,
        tm.tm_min,
        tm.tm_sec
    )
}

fn ctf_type(ty: Ty, name: &str) -> String {
    match ty {
        Ty::U8 => format!("uint8_t {name}"),
        Ty::I16 => format!("int16_t {name}"),
        Ty::U16 => format!("uint16_t {name}"),
        Ty::I32 => format!("int32_t {name}"),
        Ty::U32 => format!("uint32_t {name}"),
        Ty::U64 => format!("uint64_t {name}"),
        Ty::Ptr => format!("uintptr_t {name}"),
        Ty::Str32 => format!("string_bounded_t {name}[32]"),
        Ty::Uuid => format!("uint8_t {name}[16]"),
    }
}

/// The TSDL text: types, trace (byte order, packet header), environment, clock
/// (the timer counter placed on the wall clock), stream layout, and every event.
pub fn metadata(s: &Session) -> String {
    let hz = crate::eal::cycles::timer_hz().max(1) as u128;
    // Clock value v (cycles) is wall time offset_s + (offset + v) / hz.
    let origin_ns = s
        .start_unix_ns
        .saturating_sub(s.start_cycles as u128 * 1_000_000_000 / hz);
    let offset_s = origin_ns / 1_000_000_000;
    let offset_cycles = (origin_ns % 1_000_000_000) * hz / 1_000_000_000;
    let mut m = String::from("/* CTF 1.8 */\n");
    for (bits, name) in [
        (8, "uint8_t"),
        (16, "uint16_t"),
        (32, "uint32_t"),
        (64, "uint64_t"),
    ] {
        let _ = writeln!(
            m,
            "typealias integer {{size = {bits}; base = x;}} := {name};"
        );
    }
    for (bits, name) in [
        (8, "int8_t"),
        (16, "int16_t"),
        (32, "int32_t"),
        (64, "int64_t"),
    ] {
        let _ = writeln!(
            m,
            "typealias integer {{size = {bits}; signed = true;}} := {name};"
        );
    }
    m.push_str("typealias integer {size = 64; base = x;} := uintptr_t;\n");
    m.push_str("typealias integer {size = 64; base = x;} := long;\n");
    m.push_str(
        "typealias integer {size = 8; signed = false; encoding = ASCII; } := string_bounded_t;\n\n",
    );
    m.push_str("typealias integer {size = 64; base = x;} := size_t;\n");
    m.push_str("typealias integer {size = 64; base = x;} := time_t;\n");
    m.push_str("typealias floating_point {\n    exp_dig = 8;\n    mant_dig = 24;\n} := float;\n\n");
    m.push_str(
        "typealias floating_point {\n    exp_dig = 11;\n    mant_dig = 53;\n} := double;\n\n",
    );
    let _ = write!(
        m,
        "trace {{\n    major = 1;\n    minor = 8;\n    uuid = \"{}\";\n    byte_order = le;\n    \
         packet.header := struct {{\n\t    uint32_t magic;\n\t    uint8_t  uuid[16];\n    }};\n}};\n\n",
        uuid_text(&s.uuid)
    );
    let _ = write!(
        m,
        "env {{\n    dpdk_version = \"{}\";\n    tracer_name = \"dpdk\";\n}};\n\n",
        crate::eal::RTE_VERSION
    );
    let _ = write!(
        m,
        "clock {{\n    name = \"dpdk\";\n    freq = {hz};\n    offset_s = {offset_s};\n    offset = {offset_cycles};\n}};\n\n\
         typealias integer {{\n    size = 48; align = 1; signed = false;\n    map = clock.dpdk.value;\n}} := uint48_clock_dpdk_t;\n\n"
    );
    m.push_str(
        "stream {\n    packet.context := struct {\n         uint32_t cpu_id;\n         string_bounded_t name[32];\n    };\n    \
         event.header := struct {\n          uint48_clock_dpdk_t timestamp;\n          uint16_t id;\n    } align(64);\n};\n\n",
    );
    for (id, tp) in points::ALL.iter().enumerate() {
        let _ = write!(
            m,
            "event {{\n    id = {id};\n    name = \"{}\";\n    fields := struct {{\n",
            tp.name
        );
        for f in tp.fields {
            let _ = writeln!(m, "        {};", ctf_type(f.ty, f.name));
        }
        m.push_str("    };\n};\n\n");
    }
    m
}

fn create_dir(base: &Path, name: &str) -> io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(base)?;
    // Two saves in the same second get distinct directories.
    for n in 0.. {
        let path = if n == 0 {
            base.join(name)
        } else {
            base.join(format!("{name}-{n}"))
        };
        match std::fs::DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("an unbounded range always yields")
}

/// Writes the trace directory and returns its path.
pub fn save(c: &Config) -> io::Result<PathBuf> {
    let s = buffer::start_session();
    let dir = create_dir(&base_dir(c), &run_dir_name(&c.prefix, &s))?;
    std::fs::write(dir.join("metadata"), metadata(&s))?;
    for (n, b) in buffer::all().iter().enumerate() {
        let mut out = Vec::with_capacity(56);
        out.extend_from_slice(&MAGIC.to_le_bytes());
        out.extend_from_slice(&s.uuid);
        out.extend_from_slice(&b.cpu_id.to_le_bytes());
        out.extend_from_slice(&b.name);
        out.extend_from_slice(&b.events());
        std::fs::write(dir.join(format!("channel0_{n}")), out)?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_describes_every_point_with_dpdk_field_names() {
        let s = buffer::start_session();
        let m = metadata(&s);
        assert!(m.starts_with("/* CTF 1.8 */"));
        assert!(m.contains("name = \"lib.dmadev.vchan_setup\";"));
        assert!(m.contains("        int32_t conf_domain_type;\n        uint16_t conf_domain_src_handler;\n        uint16_t conf_domain_dst_handler;\n        int32_t ret;"));
        assert!(m.contains("string_bounded_t dev_info_dev_name[32];"));
        assert_eq!(m.matches("event {").count(), points::ALL.len());
        let name = run_dir_name("rte", &s);
        assert!(
            name.starts_with("rte-") && (name.contains("-AM-") || name.contains("-PM-")),
            "{name}"
        );
    }
}
