//! The EAL command line: options in, [`EalConfig`] and the argv layout out.
//!
//! Rules (DPDK 26.11's): `argv[0]` is the program name. Options may be written
//! `--opt=value`, `--opt value`, `-o value`, `-ovalue` or `-o=value`; options whose
//! value is optional only take the `=` form. Scanning ends at `--` (consumed) or at
//! the end; other non-option words met on the way are skipped and handed to the
//! application after the options (see [`ArgvLayout`]). An option given twice is an
//! error unless it is a list option (`--vdev`, `-a`, `-b`, `-d`, `--log-level`,
//! `--trace`, `--pagesz-mem`). `-h`/`--help` asks for the usage text.
//!
//! Parsing is pure: nothing is printed and nothing global changes; the EAL's `init`
//! applies the result.

use std::fmt;

use super::corelist;
use super::loglevel;
use super::num;
use crate::abi::RTE_MAX_LCORE;

/// Most NUMA nodes `--numa-mem`/`--numa-limit` may list (`RTE_MAX_NUMA_NODES`).
pub const MAX_NUMA_NODES: usize = 32;
/// Largest SIMD width `--force-max-simd-bitwidth` accepts (`RTE_VECT_SIMD_MAX`).
pub const SIMD_MAX: u64 = 512;
/// Smallest SIMD width (`RTE_VECT_SIMD_DISABLED`).
pub const SIMD_DISABLED: u64 = 64;

/// `--proc-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcType {
    Primary,
    Secondary,
    Auto,
}

/// `--iova-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IovaMode {
    Pa,
    Va,
}

/// `--trace-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceMode {
    Overwrite,
    Discard,
}

/// `--huge-unlink`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HugeUnlink {
    Existing,
    Always,
    Never,
}

/// Everything the EAL command line said. Options dmadev-rs has no use for (memory,
/// PCI, VFIO, ...) are still checked and kept, so a program's usual command line works.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EalConfig {
    /// `--vdev name[,args]`: (name, args after the first comma or "").
    pub vdevs: Vec<(String, String)>,
    /// `-a`/`--allow` device strings.
    pub allow: Vec<String>,
    /// `-b`/`--block` device strings.
    pub block: Vec<String>,
    /// `-d` driver paths (accepted, not loaded).
    pub plugins: Vec<String>,
    /// `(lcore, cpu)` pairs in lcore-index order; empty = from the process affinity.
    pub lcores: Vec<(u32, usize)>,
    /// `--main-lcore`.
    pub main_lcore: Option<u32>,
    /// `-R`/`--remap-lcore-ids[=base]`: the first lcore id when remapping.
    pub remap_lcore_ids: Option<u32>,
    /// `-s`/`-S` service cores (accepted, no service cores run).
    pub service_cores: Vec<usize>,
    /// `--log-level`: (glob over log type names or `None` for the global level, level).
    pub log_levels: Vec<(Option<String>, u32)>,
    /// `--log-color[=always|never|auto]`.
    pub log_color: Option<String>,
    /// `--log-timestamp[=format]`.
    pub log_timestamp: Option<String>,
    /// `--syslog[=facility]`.
    pub syslog: Option<String>,
    /// `--trace` regular expressions, in order.
    pub trace: Vec<String>,
    /// `--trace-dir`.
    pub trace_dir: Option<String>,
    /// `--trace-bufsz` in bytes.
    pub trace_bufsz: Option<u64>,
    /// `--trace-mode`.
    pub trace_mode: Option<TraceMode>,
    /// `-m`: memory in MiB.
    pub memory_mb: Option<u64>,
    /// `--numa-mem`/`--socket-mem`: MiB per node.
    pub numa_mem_mb: Vec<u64>,
    /// `--numa-limit`/`--socket-limit`: MiB per node.
    pub numa_limit_mb: Vec<u64>,
    /// `--pagesz-mem` values (`pagesz:limit`).
    pub pagesz_mem: Vec<String>,
    pub no_huge: bool,
    pub in_memory: bool,
    pub no_shconf: bool,
    pub legacy_mem: bool,
    pub single_file_segments: bool,
    pub match_allocations: bool,
    pub huge_dir: Option<String>,
    pub huge_unlink: Option<HugeUnlink>,
    /// `--huge-worker-stack[=kB]`: `Some(None)` = default stack size.
    pub huge_worker_stack_kb: Option<Option<u64>>,
    pub file_prefix: Option<String>,
    pub base_virtaddr: Option<u64>,
    /// `-n`.
    pub memory_channels: Option<u32>,
    /// `-r`.
    pub memory_ranks: Option<u32>,
    pub proc_type: Option<ProcType>,
    pub iova_mode: Option<IovaMode>,
    pub no_pci: bool,
    pub auto_probing: bool,
    pub no_auto_probing: bool,
    pub no_telemetry: bool,
    pub telemetry: bool,
    pub no_hpet: bool,
    pub vmware_tsc_map: bool,
    pub create_uio_dev: bool,
    pub vfio_intr: Option<String>,
    pub vfio_vf_token: Option<String>,
    pub force_max_simd_bitwidth: Option<u16>,
    pub mbuf_pool_ops_name: Option<String>,
    /// `-v`: print the version.
    pub version: bool,
    /// Notes for the user that are not errors (a clamped log level, ...).
    pub warnings: Vec<String>,
}

/// Where the application's arguments end up once the EAL options are taken out.
///
/// The caller rewrites its argv as `new[k] = old[order[k]]` (see [`ArgvLayout::apply`])
/// and then skips `consumed` entries, exactly as after DPDK's `rte_eal_init`:
/// `new[consumed]` is the program name again, followed by the non-option words that
/// were among the options, then everything after `--`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgvLayout {
    /// The value `rte_eal_init` returns: how many entries the application skips.
    pub consumed: usize,
    /// For each new position, the old index it takes its entry from.
    pub order: Vec<usize>,
}

impl ArgvLayout {
    /// Rearranges `argv` (which must be the array that was parsed) in place.
    pub fn apply<T: Copy>(&self, argv: &mut [T]) {
        if argv.len() != self.order.len() {
            return;
        }
        let old = argv.to_vec();
        for (slot, &from) in argv.iter_mut().zip(&self.order) {
            *slot = old[from];
        }
    }
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub config: EalConfig,
    pub layout: ArgvLayout,
}

/// Why the command line was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgsError {
    /// `-h`/`--help`: show [`usage`].
    Help,
    /// `--log-level=help`: show the log level names.
    LogLevelHelp,
    /// A bad option or value; the message names it.
    Invalid(String),
}

impl fmt::Display for ArgsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgsError::Help => f.write_str("help requested"),
            ArgsError::LogLevelHelp => f.write_str("log level help requested"),
            ArgsError::Invalid(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for ArgsError {}

fn invalid<T>(msg: impl Into<String>) -> Result<T, ArgsError> {
    Err(ArgsError::Invalid(msg.into()))
}

/// What an option takes after its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arity {
    /// Nothing (a flag).
    None,
    /// A value, inline or as the next word.
    Required,
    /// Optionally a value, only as `--opt=value`.
    Optional,
}

/// The options, one variant per meaning (aliases share a variant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    Allow,
    AutoProbing,
    BaseVirtaddr,
    Block,
    Coremask,
    CreateUioDev,
    DriverPath,
    FilePrefix,
    SimdBitwidth,
    HugeDir,
    HugeUnlink,
    HugeWorkerStack,
    InMemory,
    IovaMode,
    Lcores,
    LegacyMem,
    LogColor,
    LogLevel,
    LogTimestamp,
    MainLcore,
    MatchAllocations,
    MbufPoolOpsName,
    MemoryChannels,
    MemoryRanks,
    MemorySize,
    NoAutoProbing,
    NoHpet,
    NoHuge,
    NoPci,
    NoShconf,
    NoTelemetry,
    NumaLimit,
    NumaMem,
    PageszMem,
    ProcType,
    RemapLcoreIds,
    ServiceCorelist,
    ServiceCoremask,
    SingleFileSegments,
    Syslog,
    Telemetry,
    Trace,
    TraceBufsz,
    TraceDir,
    TraceMode,
    Vdev,
    Version,
    VfioIntr,
    VfioVfToken,
    VmwareTscMap,
}

struct OptSpec {
    long: &'static str,
    short: Option<&'static str>,
    arity: Arity,
    multi: bool,
    opt: Opt,
    help: &'static str,
}

const fn spec(
    long: &'static str,
    short: Option<&'static str>,
    arity: Arity,
    multi: bool,
    opt: Opt,
    help: &'static str,
) -> OptSpec {
    OptSpec {
        long,
        short,
        arity,
        multi,
        opt,
        help,
    }
}

use Arity::{None as Flag, Optional as OptVal, Required as Val};

static OPTIONS: &[OptSpec] = &[
    spec(
        "--allow",
        Some("-a"),
        Val,
        true,
        Opt::Allow,
        "use only this device (repeatable)",
    ),
    spec(
        "--auto-probing",
        None,
        Flag,
        false,
        Opt::AutoProbing,
        "probe all devices unless -a/-b is given",
    ),
    spec(
        "--base-virtaddr",
        None,
        Val,
        false,
        Opt::BaseVirtaddr,
        "base virtual address (hex), accepted",
    ),
    spec(
        "--block",
        Some("-b"),
        Val,
        true,
        Opt::Block,
        "do not use this device (repeatable)",
    ),
    spec(
        "--coremask",
        Some("-c"),
        Val,
        false,
        Opt::Coremask,
        "hexadecimal mask of CPUs (deprecated, use -l)",
    ),
    spec(
        "--create-uio-dev",
        None,
        Flag,
        false,
        Opt::CreateUioDev,
        "accepted, no effect",
    ),
    spec(
        "--driver-path",
        Some("-d"),
        Val,
        true,
        Opt::DriverPath,
        "driver plugin path; accepted, drivers are built in",
    ),
    spec(
        "--file-prefix",
        None,
        Val,
        false,
        Opt::FilePrefix,
        "prefix of the runtime files",
    ),
    spec(
        "--force-max-simd-bitwidth",
        None,
        Val,
        false,
        Opt::SimdBitwidth,
        "highest SIMD width (64..512, 0 = max)",
    ),
    spec(
        "--huge-dir",
        None,
        Val,
        false,
        Opt::HugeDir,
        "hugepage directory, accepted",
    ),
    spec(
        "--huge-unlink",
        None,
        OptVal,
        false,
        Opt::HugeUnlink,
        "[=existing|always|never], accepted",
    ),
    spec(
        "--huge-worker-stack",
        None,
        OptVal,
        false,
        Opt::HugeWorkerStack,
        "[=kB], accepted",
    ),
    spec(
        "--in-memory",
        None,
        Flag,
        false,
        Opt::InMemory,
        "keep no shared files",
    ),
    spec(
        "--iova-mode",
        None,
        Val,
        false,
        Opt::IovaMode,
        "pa|va (IOVA is always VA here)",
    ),
    spec(
        "--lcores",
        Some("-l"),
        Val,
        false,
        Opt::Lcores,
        "lcore list, e.g. 0-3,5 or 0@2,1@4",
    ),
    spec(
        "--legacy-mem",
        None,
        Flag,
        false,
        Opt::LegacyMem,
        "accepted, no effect",
    ),
    spec(
        "--log-color",
        None,
        OptVal,
        false,
        Opt::LogColor,
        "[=always|never|auto]",
    ),
    spec(
        "--log-level",
        None,
        Val,
        true,
        Opt::LogLevel,
        "[pattern:]level or regex,level; 'help' lists levels",
    ),
    spec(
        "--log-timestamp",
        None,
        OptVal,
        false,
        Opt::LogTimestamp,
        "[=notime|reltime|delta|ctime|iso]",
    ),
    spec(
        "--main-lcore",
        None,
        Val,
        false,
        Opt::MainLcore,
        "lcore of the main thread",
    ),
    spec(
        "--match-allocations",
        None,
        Flag,
        false,
        Opt::MatchAllocations,
        "accepted, no effect",
    ),
    spec(
        "--mbuf-pool-ops-name",
        None,
        Val,
        false,
        Opt::MbufPoolOpsName,
        "accepted, no effect",
    ),
    spec(
        "--memory-channels",
        Some("-n"),
        Val,
        false,
        Opt::MemoryChannels,
        "memory channels, accepted",
    ),
    spec(
        "--memory-ranks",
        Some("-r"),
        Val,
        false,
        Opt::MemoryRanks,
        "memory ranks (1..16), accepted",
    ),
    spec(
        "--memory-size",
        Some("-m"),
        Val,
        false,
        Opt::MemorySize,
        "memory in MiB, accepted",
    ),
    spec(
        "--no-auto-probing",
        Some("-A"),
        Flag,
        false,
        Opt::NoAutoProbing,
        "probe only -a devices",
    ),
    spec(
        "--no-hpet",
        None,
        Flag,
        false,
        Opt::NoHpet,
        "accepted, no effect",
    ),
    spec(
        "--no-huge",
        None,
        Flag,
        false,
        Opt::NoHuge,
        "use no hugepages (always the case here)",
    ),
    spec(
        "--no-pci",
        None,
        Flag,
        false,
        Opt::NoPci,
        "no PCI devices (always the case here)",
    ),
    spec(
        "--no-shconf",
        None,
        Flag,
        false,
        Opt::NoShconf,
        "no shared config file",
    ),
    spec(
        "--no-telemetry",
        None,
        Flag,
        false,
        Opt::NoTelemetry,
        "disable telemetry",
    ),
    spec(
        "--numa-limit",
        None,
        Val,
        false,
        Opt::NumaLimit,
        "MiB limit per NUMA node, accepted",
    ),
    spec(
        "--numa-mem",
        None,
        Val,
        false,
        Opt::NumaMem,
        "MiB per NUMA node, accepted",
    ),
    spec(
        "--pagesz-mem",
        None,
        Val,
        true,
        Opt::PageszMem,
        "pagesz:limit, accepted",
    ),
    spec(
        "--proc-type",
        None,
        Val,
        false,
        Opt::ProcType,
        "primary|secondary|auto (primary only)",
    ),
    spec(
        "--remap-lcore-ids",
        Some("-R"),
        OptVal,
        false,
        Opt::RemapLcoreIds,
        "[=base] number lcores from base",
    ),
    spec(
        "--service-corelist",
        Some("-S"),
        Val,
        false,
        Opt::ServiceCorelist,
        "service cores, accepted",
    ),
    spec(
        "--service-coremask",
        Some("-s"),
        Val,
        false,
        Opt::ServiceCoremask,
        "service core mask, accepted",
    ),
    spec(
        "--single-file-segments",
        None,
        Flag,
        false,
        Opt::SingleFileSegments,
        "accepted, no effect",
    ),
    spec(
        "--socket-limit",
        None,
        Val,
        false,
        Opt::NumaLimit,
        "same as --numa-limit",
    ),
    spec(
        "--socket-mem",
        None,
        Val,
        false,
        Opt::NumaMem,
        "same as --numa-mem",
    ),
    spec(
        "--syslog",
        None,
        OptVal,
        false,
        Opt::Syslog,
        "[=facility], accepted",
    ),
    spec(
        "--telemetry",
        None,
        Flag,
        false,
        Opt::Telemetry,
        "enable telemetry",
    ),
    spec(
        "--trace",
        None,
        Val,
        true,
        Opt::Trace,
        "enable trace points matching a regex (repeatable)",
    ),
    spec(
        "--trace-bufsz",
        None,
        Val,
        false,
        Opt::TraceBufsz,
        "trace buffer size, e.g. 2M",
    ),
    spec(
        "--trace-dir",
        None,
        Val,
        false,
        Opt::TraceDir,
        "directory for trace files",
    ),
    spec(
        "--trace-mode",
        None,
        Val,
        false,
        Opt::TraceMode,
        "overwrite|discard",
    ),
    spec(
        "--vdev",
        None,
        Val,
        true,
        Opt::Vdev,
        "create a virtual device: name[,key=value...]",
    ),
    spec(
        "--version",
        Some("-v"),
        Flag,
        false,
        Opt::Version,
        "print the version",
    ),
    spec(
        "--vfio-intr",
        None,
        Val,
        false,
        Opt::VfioIntr,
        "legacy|msi|msix, accepted",
    ),
    spec(
        "--vfio-vf-token",
        None,
        Val,
        false,
        Opt::VfioVfToken,
        "UUID, accepted",
    ),
    spec(
        "--vmware-tsc-map",
        None,
        Flag,
        false,
        Opt::VmwareTscMap,
        "accepted, no effect",
    ),
];

/// Options that cannot be combined (DPDK's list).
const CONFLICTS: &[(Opt, Opt)] = &[
    (Opt::Allow, Opt::Block),
    (Opt::NoAutoProbing, Opt::Block),
    (Opt::PageszMem, Opt::NoHuge),
    (Opt::PageszMem, Opt::LegacyMem),
    (Opt::Coremask, Opt::Lcores),
    (Opt::ServiceCoremask, Opt::ServiceCorelist),
    (Opt::NoAutoProbing, Opt::AutoProbing),
    (Opt::NoTelemetry, Opt::Telemetry),
    (Opt::MemorySize, Opt::NumaMem),
    (Opt::NoHuge, Opt::NumaMem),
    (Opt::NoHuge, Opt::HugeWorkerStack),
    (Opt::NumaLimit, Opt::LegacyMem),
    (Opt::LegacyMem, Opt::InMemory),
    (Opt::LegacyMem, Opt::MatchAllocations),
    (Opt::NoHuge, Opt::MatchAllocations),
    (Opt::NoHuge, Opt::HugeUnlink),
    (Opt::SingleFileSegments, Opt::HugeUnlink),
    (Opt::NoHuge, Opt::SingleFileSegments),
    (Opt::InMemory, Opt::HugeUnlink),
];

fn long_name(opt: Opt) -> &'static str {
    OPTIONS
        .iter()
        .find(|s| s.opt == opt)
        .map_or("?", |s| s.long)
}

/// The usage text for `-h`/`--help`.
pub fn usage(prog: &str) -> String {
    let mut out = format!("usage: {prog} <EAL options> -- <application options>\n\nEAL options:\n");
    let label = |s: &OptSpec| {
        let value = match s.arity {
            Arity::None => "",
            Arity::Required => " <value>",
            Arity::Optional => "[=<value>]",
        };
        match s.short {
            Some(short) => format!("{short}, {}{value}", s.long),
            None => format!("    {}{value}", s.long),
        }
    };
    let width = OPTIONS.iter().map(|s| label(s).len()).max().unwrap_or(0);
    out.push_str(&format!("  {:width$}  show this help\n", "-h, --help"));
    for s in OPTIONS {
        out.push_str(&format!("  {:width$}  {}\n", label(s), s.help));
    }
    out
}

/// One option as written on the command line.
struct Occurrence<'a> {
    opt: Opt,
    /// The name the user typed (`-l` or `--lcores`), for messages.
    name: &'static str,
    value: Option<&'a str>,
}

/// Parses `argv` (program name first).
pub fn parse(argv: &[String]) -> Result<Parsed, ArgsError> {
    let (occurrences, layout, help) = scan(argv)?;
    let config = interpret(&occurrences)?;
    if help {
        return Err(ArgsError::Help);
    }
    Ok(Parsed { config, layout })
}

/// Marks a word that was not valid UTF-8 (the C entry point substitutes lossily).
fn not_utf8(s: &str) -> bool {
    s.contains('\u{FFFD}')
}

/// Splits argv into option occurrences and computes the layout.
fn scan(argv: &[String]) -> Result<(Vec<Occurrence<'_>>, ArgvLayout, bool), ArgsError> {
    if argv.is_empty() {
        return invalid("empty argument vector (argv[0] must be the program name)");
    }
    let mut occurrences: Vec<Occurrence<'_>> = Vec::new();
    let mut kept = Vec::new(); // option words, in order
    let mut moved = Vec::new(); // non-option words before the end of the options
    let mut help = false;
    let mut i = 1;
    while i < argv.len() {
        let word = argv[i].as_str();
        if word == "--" {
            kept.push(i);
            i += 1;
            break;
        }
        if !word.starts_with('-') {
            moved.push(i);
            i += 1;
            continue;
        }
        kept.push(i);
        if not_utf8(word) {
            return invalid(format!("argument {i} is not valid UTF-8"));
        }
        if word == "-h" || word == "--help" {
            help = true;
            i += 1;
            continue;
        }
        let (name, inline) = split_option(word);
        let Some(spec) = OPTIONS
            .iter()
            .find(|s| s.long == name || s.short == Some(name))
        else {
            return invalid(format!("unknown option '{word}'"));
        };
        let typed = if name.starts_with("--") {
            spec.long
        } else {
            spec.short.unwrap_or(spec.long)
        };
        if !spec.multi && occurrences.iter().any(|o| o.opt == spec.opt) {
            return invalid(format!("option '{typed}' given more than once"));
        }
        let value = match spec.arity {
            Arity::None => {
                if inline.is_some() {
                    return invalid(format!("option '{typed}' takes no value"));
                }
                None
            }
            Arity::Optional => inline,
            Arity::Required => match inline {
                Some(v) => Some(v),
                None => {
                    if i + 1 >= argv.len() {
                        return invalid(format!("option '{typed}' requires a value"));
                    }
                    i += 1;
                    kept.push(i);
                    Some(argv[i].as_str())
                }
            },
        };
        if value.is_some_and(not_utf8) {
            return invalid(format!("the value of option '{typed}' is not valid UTF-8"));
        }
        occurrences.push(Occurrence {
            opt: spec.opt,
            name: typed,
            value,
        });
        i += 1;
    }
    // New order: program name, option words, the skipped words, the rest. The slot
    // just before the application's words gets the program name again.
    let mut order = Vec::with_capacity(argv.len());
    order.push(0);
    order.extend(&kept);
    order.extend(&moved);
    order.extend(i..argv.len());
    let consumed = kept.len();
    order[consumed] = 0;
    Ok((occurrences, ArgvLayout { consumed, order }, help))
}

/// Splits an option word into its name and inline value.
fn split_option(word: &str) -> (&str, Option<&str>) {
    if let Some((name, value)) = word.split_once('=') {
        return (name, Some(value));
    }
    if !word.starts_with("--") {
        // "-l0": the name is the dash and one character.
        if let Some((at, _)) = word.char_indices().nth(2) {
            return (&word[..at], Some(&word[at..]));
        }
    }
    (word, None)
}

/// Turns the occurrences into a checked configuration.
fn interpret(occurrences: &[Occurrence<'_>]) -> Result<EalConfig, ArgsError> {
    for &(a, b) in CONFLICTS {
        let has = |o: Opt| occurrences.iter().any(|x| x.opt == o);
        if has(a) && has(b) {
            return invalid(format!(
                "options '{}' and '{}' cannot be used together",
                long_name(a),
                long_name(b)
            ));
        }
    }
    let mut cfg = EalConfig::default();
    let mut lcores_arg: Option<&Occurrence<'_>> = None;
    let mut coremask_arg: Option<&Occurrence<'_>> = None;
    let mut main_lcore_arg: Option<&Occurrence<'_>> = None;
    for occ in occurrences {
        let name = occ.name;
        let value = occ.value.unwrap_or("");
        let bad = |what: &str| {
            ArgsError::Invalid(format!("invalid {what} '{value}' for option '{name}'"))
        };
        let non_empty = || -> Result<String, ArgsError> {
            if value.is_empty() {
                invalid(format!("option '{name}' requires a non-empty value"))
            } else {
                Ok(value.to_string())
            }
        };
        match occ.opt {
            Opt::Allow => cfg.allow.push(non_empty()?),
            Opt::Block => cfg.block.push(non_empty()?),
            Opt::DriverPath => cfg.plugins.push(non_empty()?),
            Opt::Vdev => {
                let (dev, args) = value.split_once(',').unwrap_or((value, ""));
                if dev.is_empty() {
                    return invalid(format!("option '{name}' needs a device name in '{value}'"));
                }
                cfg.vdevs.push((dev.to_string(), args.to_string()));
            }
            Opt::AutoProbing => cfg.auto_probing = true,
            Opt::NoAutoProbing => cfg.no_auto_probing = true,
            Opt::BaseVirtaddr => match num::parse_hex(value) {
                Some(addr) => cfg.base_virtaddr = Some(addr),
                None => return Err(bad("address")),
            },
            Opt::Coremask => coremask_arg = Some(occ),
            Opt::Lcores => lcores_arg = Some(occ),
            Opt::MainLcore => main_lcore_arg = Some(occ),
            Opt::RemapLcoreIds => {
                let base = match occ.value {
                    None => 0,
                    Some(v) => match num::parse_uint_auto(v) {
                        Some(b) if b < u64::from(RTE_MAX_LCORE) => b as u32,
                        _ => return Err(bad("lcore base id")),
                    },
                };
                cfg.remap_lcore_ids = Some(base);
            }
            Opt::ServiceCorelist => {
                cfg.service_cores = corelist::parse_cpu_list(value)
                    .map_err(|e| ArgsError::Invalid(format!("option '{name}': {e}")))?;
            }
            Opt::ServiceCoremask => {
                cfg.service_cores = corelist::parse_coremask(value)
                    .map_err(|e| ArgsError::Invalid(format!("option '{name}': {e}")))?;
            }
            Opt::CreateUioDev => cfg.create_uio_dev = true,
            Opt::FilePrefix => {
                if value.is_empty() || value.contains('%') {
                    return Err(bad("file prefix"));
                }
                cfg.file_prefix = Some(value.to_string());
            }
            Opt::SimdBitwidth => match num::parse_uint_auto(value) {
                Some(0) => cfg.force_max_simd_bitwidth = Some(SIMD_MAX as u16),
                Some(w) if (SIMD_DISABLED..=SIMD_MAX).contains(&w) && w.is_power_of_two() => {
                    cfg.force_max_simd_bitwidth = Some(w as u16)
                }
                _ => return Err(bad("SIMD bit width")),
            },
            Opt::HugeDir => cfg.huge_dir = Some(non_empty()?),
            Opt::HugeUnlink => {
                cfg.huge_unlink = Some(match occ.value {
                    None | Some("always") => HugeUnlink::Always,
                    Some("existing") => HugeUnlink::Existing,
                    Some("never") => HugeUnlink::Never,
                    Some(_) => return Err(bad("mode")),
                })
            }
            Opt::HugeWorkerStack => {
                cfg.huge_worker_stack_kb = Some(match occ.value {
                    None | Some("") => None,
                    Some(v) => match num::parse_decimal(v) {
                        Some(kb) if kb > 0 && kb < u64::MAX / 1024 => Some(kb),
                        _ => return Err(bad("stack size")),
                    },
                })
            }
            Opt::InMemory => cfg.in_memory = true,
            Opt::IovaMode => {
                cfg.iova_mode = Some(match value {
                    "pa" => IovaMode::Pa,
                    "va" => IovaMode::Va,
                    _ => return Err(bad("IOVA mode")),
                })
            }
            Opt::LegacyMem => cfg.legacy_mem = true,
            Opt::LogColor => {
                cfg.log_color = Some(match occ.value {
                    None => "always".to_string(),
                    Some(v @ ("always" | "never" | "auto")) => v.to_string(),
                    Some(_) => return Err(bad("color mode")),
                })
            }
            Opt::LogLevel => {
                if value == "help" {
                    return Err(ArgsError::LogLevelHelp);
                }
                let parsed = loglevel::parse_log_level(value)
                    .map_err(|e| ArgsError::Invalid(format!("option '{name}': {e}")))?;
                if let Some(given) = parsed.clamped_from {
                    cfg.warnings.push(format!(
                        "log level {given} higher than maximum ({}), using {}",
                        loglevel::LOG_MAX,
                        loglevel::LOG_MAX
                    ));
                }
                cfg.log_levels.push((parsed.pattern, parsed.level));
            }
            Opt::LogTimestamp => {
                cfg.log_timestamp = Some(match occ.value {
                    None => "time".to_string(),
                    Some(v @ ("notime" | "reltime" | "delta" | "ctime" | "iso")) => v.to_string(),
                    Some(_) => return Err(bad("timestamp format")),
                })
            }
            Opt::MatchAllocations => cfg.match_allocations = true,
            Opt::MbufPoolOpsName => cfg.mbuf_pool_ops_name = Some(non_empty()?),
            Opt::MemoryChannels => match num::parse_decimal(value) {
                Some(n) if n > 0 && n <= u64::from(u32::MAX) => {
                    cfg.memory_channels = Some(n as u32)
                }
                _ => return Err(bad("number of memory channels")),
            },
            Opt::MemoryRanks => match num::parse_decimal(value) {
                Some(n @ 1..=16) => cfg.memory_ranks = Some(n as u32),
                _ => return Err(bad("number of memory ranks")),
            },
            Opt::MemorySize => match num::parse_decimal(value) {
                Some(mb) if mb.checked_mul(1 << 20).is_some() => cfg.memory_mb = Some(mb),
                _ => return Err(bad("memory size (MiB)")),
            },
            Opt::NoHpet => cfg.no_hpet = true,
            Opt::NoHuge => cfg.no_huge = true,
            Opt::NoPci => cfg.no_pci = true,
            Opt::NoShconf => cfg.no_shconf = true,
            Opt::NoTelemetry => cfg.no_telemetry = true,
            Opt::Telemetry => cfg.telemetry = true,
            Opt::NumaMem => {
                cfg.numa_mem_mb =
                    parse_numa_list(value).map_err(|()| bad("per-node memory list"))?
            }
            Opt::NumaLimit => {
                cfg.numa_limit_mb =
                    parse_numa_list(value).map_err(|()| bad("per-node limit list"))?
            }
            Opt::PageszMem => {
                let ok = value.split_once(':').is_some_and(|(page, limit)| {
                    num::parse_size(page).is_some_and(|p| p.is_power_of_two())
                        && num::parse_size(limit).is_some()
                });
                if !ok {
                    return Err(bad("pagesz:limit pair"));
                }
                cfg.pagesz_mem.push(value.to_string());
            }
            Opt::ProcType => {
                cfg.proc_type = Some(match value.to_ascii_lowercase().as_str() {
                    "primary" => ProcType::Primary,
                    "secondary" => ProcType::Secondary,
                    "auto" => ProcType::Auto,
                    _ => return Err(bad("process type")),
                })
            }
            Opt::SingleFileSegments => cfg.single_file_segments = true,
            Opt::Syslog => {
                const FACILITIES: &[&str] = &[
                    "auth", "cron", "daemon", "ftp", "kern", "lpr", "mail", "news", "syslog",
                    "user", "uucp", "local0", "local1", "local2", "local3", "local4", "local5",
                    "local6", "local7",
                ];
                cfg.syslog = Some(match occ.value {
                    None => "daemon".to_string(),
                    Some(f) if FACILITIES.contains(&f) => f.to_string(),
                    Some(_) => return Err(bad("syslog facility")),
                })
            }
            Opt::Trace => cfg.trace.push(non_empty()?),
            Opt::TraceBufsz => match num::parse_size(value) {
                Some(n) if n > 0 => cfg.trace_bufsz = Some(n),
                _ => return Err(bad("trace buffer size")),
            },
            Opt::TraceDir => cfg.trace_dir = Some(non_empty()?),
            Opt::TraceMode => {
                // Any non-empty prefix of a mode name, as DPDK accepts.
                cfg.trace_mode = Some(if !value.is_empty() && "overwrite".starts_with(value) {
                    TraceMode::Overwrite
                } else if !value.is_empty() && "discard".starts_with(value) {
                    TraceMode::Discard
                } else {
                    return Err(bad("trace mode"));
                })
            }
            Opt::Version => cfg.version = true,
            Opt::VfioIntr => match value {
                "legacy" | "msi" | "msix" => cfg.vfio_intr = Some(value.to_string()),
                _ => return Err(bad("VFIO interrupt mode")),
            },
            Opt::VfioVfToken => {
                if !is_uuid(value) {
                    return Err(bad("UUID"));
                }
                cfg.vfio_vf_token = Some(value.to_string());
            }
            Opt::VmwareTscMap => cfg.vmware_tsc_map = true,
        }
    }
    cfg.lcores = resolve_lcores(lcores_arg, coremask_arg, cfg.remap_lcore_ids)?;
    if let Some(occ) = main_lcore_arg {
        let value = occ.value.unwrap_or("");
        let id = match num::parse_uint_auto(value) {
            Some(id) if id < u64::from(RTE_MAX_LCORE) => id as u32,
            _ => {
                return invalid(format!(
                    "invalid main lcore '{value}' for option '{}' (must be below {RTE_MAX_LCORE})",
                    occ.name
                ));
            }
        };
        if !cfg.lcores.is_empty() && !cfg.lcores.iter().any(|&(l, _)| l == id) {
            return invalid(format!("main lcore {id} is not in the lcore list"));
        }
        cfg.main_lcore = Some(id);
    }
    Ok(cfg)
}

/// Builds the `(lcore, cpu)` list from `-l` or `-c`, remapping ids when asked.
fn resolve_lcores(
    lcores: Option<&Occurrence<'_>>,
    coremask: Option<&Occurrence<'_>>,
    remap: Option<u32>,
) -> Result<Vec<(u32, usize)>, ArgsError> {
    let (occ, map) = match (lcores, coremask) {
        (Some(occ), _) => {
            let value = occ.value.unwrap_or("");
            if remap.is_some() && value.contains(['@', '(']) {
                return invalid(format!(
                    "'@' and '()' in option '{}' cannot be combined with lcore remapping",
                    occ.name
                ));
            }
            let map = corelist::parse_lcore_map(value)
                .map_err(|e| ArgsError::Invalid(format!("option '{}': {e}", occ.name)))?;
            (occ, map)
        }
        (None, Some(occ)) => {
            let cpus = corelist::parse_coremask(occ.value.unwrap_or(""))
                .map_err(|e| ArgsError::Invalid(format!("option '{}': {e}", occ.name)))?;
            (occ, cpus.into_iter().map(|c| (c as u32, c)).collect())
        }
        (None, None) => return Ok(Vec::new()),
    };
    let map = match remap {
        Some(base) => map
            .into_iter()
            .enumerate()
            .map(|(i, (_, cpu))| (base.saturating_add(i as u32), cpu))
            .collect(),
        None => map,
    };
    if map.len() > RTE_MAX_LCORE as usize {
        return invalid(format!(
            "option '{}' names {} lcores; at most {RTE_MAX_LCORE} are supported",
            occ.name,
            map.len()
        ));
    }
    if let Some(&(lcore, cpu)) = map.iter().find(|&&(l, _)| l >= RTE_MAX_LCORE) {
        return invalid(format!(
            "option '{}': lcore {lcore} (CPU {cpu}) is not below RTE_MAX_LCORE ({RTE_MAX_LCORE}); \
             map it to a lower lcore id, e.g. --lcores 0@{cpu}, or remap with -R",
            occ.name
        ));
    }
    Ok(map)
}

/// Parses `1024,0,512`: MiB per NUMA node, decimal.
fn parse_numa_list(value: &str) -> Result<Vec<u64>, ()> {
    let list: Vec<u64> = value
        .split(',')
        .map(|v| num::parse_decimal(v).filter(|mb| mb.checked_mul(1 << 20).is_some()))
        .collect::<Option<_>>()
        .ok_or(())?;
    if list.len() > MAX_NUMA_NODES {
        return Err(());
    }
    Ok(list)
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hexadecimal.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        std::iter::once("app")
            .chain(words.iter().copied())
            .map(String::from)
            .collect()
    }

    fn ok(words: &[&str]) -> Parsed {
        parse(&argv(words)).unwrap_or_else(|e| panic!("{words:?}: {e}"))
    }

    fn cfg(words: &[&str]) -> EalConfig {
        ok(words).config
    }

    fn err(words: &[&str]) -> String {
        match parse(&argv(words)) {
            Err(ArgsError::Invalid(msg)) => msg,
            other => panic!("{words:?} gave {other:?}"),
        }
    }

    #[test]
    fn empty_command_line() {
        let p = ok(&[]);
        assert_eq!(p.config, EalConfig::default());
        assert_eq!(
            p.layout,
            ArgvLayout {
                consumed: 0,
                order: vec![0]
            }
        );
        assert!(matches!(parse(&[]), Err(ArgsError::Invalid(_))));
    }

    #[test]
    fn consumed_counts_like_dpdk() {
        assert_eq!(ok(&["-l", "0"]).layout.consumed, 2);
        assert_eq!(ok(&["-l0"]).layout.consumed, 1);
        assert_eq!(ok(&["--no-huge", "--"]).layout.consumed, 2);
        assert_eq!(
            ok(&["--no-huge", "--", "-x", "--no-pci"]).layout.consumed,
            2
        );
        assert_eq!(ok(&["--"]).layout.consumed, 1);
        // Everything after "--" is the application's, even EAL-looking words.
        assert!(!cfg(&["--", "--no-pci"]).no_pci);
    }

    #[test]
    fn layout_moves_non_options_after_the_options() {
        // app foo -l 0 -- bar  =>  app -l 0 app foo bar, consumed 3
        let words = argv(&["foo", "-l", "0", "--", "bar"]);
        let p = parse(&words).unwrap();
        assert_eq!(p.layout.consumed, 3);
        let mut v: Vec<&str> = words.iter().map(String::as_str).collect();
        p.layout.apply(&mut v);
        assert_eq!(v, ["app", "-l", "0", "app", "foo", "bar"]);
        assert_eq!(&v[p.layout.consumed..], ["app", "foo", "bar"]);

        // No "--": app -l 0 foo  =>  app -l app foo, consumed 2
        let words = argv(&["-l", "0", "foo"]);
        let p = parse(&words).unwrap();
        let mut v: Vec<&str> = words.iter().map(String::as_str).collect();
        p.layout.apply(&mut v);
        assert_eq!(p.layout.consumed, 2);
        assert_eq!(&v[2..], ["app", "foo"]);

        // Only application words.
        let words = argv(&["x", "y"]);
        let p = parse(&words).unwrap();
        assert_eq!(p.layout.consumed, 0);
        let mut v: Vec<&str> = words.iter().map(String::as_str).collect();
        p.layout.apply(&mut v);
        assert_eq!(v, ["app", "x", "y"]);

        // A wrong-length slice is left alone.
        let mut short = ["a"];
        p.layout.apply(&mut short);
        assert_eq!(short, ["a"]);
    }

    #[test]
    fn vdevs() {
        let c = cfg(&[
            "--vdev=dma_skeleton0,lcore=1,x=2",
            "--vdev",
            "dma_skeleton1",
        ]);
        assert_eq!(
            c.vdevs,
            vec![
                ("dma_skeleton0".to_string(), "lcore=1,x=2".to_string()),
                ("dma_skeleton1".to_string(), String::new()),
            ]
        );
        assert!(err(&["--vdev="]).contains("--vdev"));
        assert!(err(&["--vdev", ",a=1"]).contains("device name"));
        assert!(err(&["--vdev"]).contains("requires a value"));
    }

    #[test]
    fn lcore_options() {
        assert_eq!(
            cfg(&["-l", "0-2,5"]).lcores,
            vec![(0, 0), (1, 1), (2, 2), (5, 5)]
        );
        assert_eq!(cfg(&["--lcores=1"]).lcores, vec![(1, 1)]);
        assert_eq!(cfg(&["-l=3"]).lcores, vec![(3, 3)]);
        assert_eq!(cfg(&["--lcores", "0@7,1@(9)"]).lcores, vec![(0, 7), (1, 9)]);
        assert_eq!(cfg(&["-c", "0x5"]).lcores, vec![(0, 0), (2, 2)]);
        assert_eq!(cfg(&["-c", "6", "-R"]).lcores, vec![(0, 1), (1, 2)]);
        assert_eq!(
            cfg(&["-l", "20-21", "--remap-lcore-ids=4"]).lcores,
            vec![(4, 20), (5, 21)]
        );
        assert_eq!(cfg(&["-R"]).remap_lcore_ids, Some(0));
        let c = cfg(&["-l", "1-3", "--main-lcore", "2"]);
        assert_eq!(c.main_lcore, Some(2));
        assert_eq!(cfg(&["--main-lcore=0x1"]).main_lcore, Some(1));

        assert!(err(&["-l", "0", "-c", "1"]).contains("cannot be used together"));
        assert!(err(&["-l", "x"]).contains("'-l'"));
        assert!(err(&["-l", "20"]).contains("RTE_MAX_LCORE"));
        assert!(err(&["-l", "0-16"]).contains("at most"));
        assert!(err(&["-l", "0@(1,2)"]).contains("several CPUs"));
        assert!(err(&["-l", "0@1", "-R"]).contains("remapping"));
        assert!(err(&["-c", "0"]).contains("'-c'"));
        assert!(err(&["-l", "0-1", "--main-lcore", "3"]).contains("not in the lcore list"));
        assert!(err(&["--main-lcore", "16"]).contains("main lcore"));
        assert!(err(&["--main-lcore", "one"]).contains("main lcore"));
        assert!(err(&["-R=99"]).contains("lcore base"));
        assert_eq!(cfg(&["-S", "1-2"]).service_cores, vec![1, 2]);
        assert_eq!(cfg(&["-s", "0x6"]).service_cores, vec![1, 2]);
        assert!(err(&["-s", "1", "-S", "1"]).contains("cannot be used together"));
    }

    #[test]
    fn log_levels() {
        let c = cfg(&[
            "--log-level=debug",
            "--log-level",
            "lib.dmadev:info",
            "--log-level=dma,5",
            "--log-level=pmd.*:12",
        ]);
        assert_eq!(
            c.log_levels,
            vec![
                (None, 8),
                (Some("lib.dmadev".to_string()), 7),
                (Some("*dma*".to_string()), 5),
                (Some("pmd.*".to_string()), 8),
            ]
        );
        assert_eq!(c.warnings.len(), 1);
        assert!(err(&["--log-level=lib:loud"]).contains("--log-level"));
        assert!(err(&["--log-level=0"]).contains("--log-level"));
        assert_eq!(
            parse(&argv(&["--log-level=help"])),
            Err(ArgsError::LogLevelHelp)
        );
    }

    #[test]
    fn trace_options() {
        let c = cfg(&[
            "--trace=lib.dmadev.*",
            "--trace",
            "eal.*",
            "--trace-dir=/tmp/t",
            "--trace-bufsz=2M",
            "--trace-mode=o",
        ]);
        assert_eq!(c.trace, vec!["lib.dmadev.*", "eal.*"]);
        assert_eq!(c.trace_dir.as_deref(), Some("/tmp/t"));
        assert_eq!(c.trace_bufsz, Some(2 << 20));
        assert_eq!(c.trace_mode, Some(TraceMode::Overwrite));
        assert_eq!(
            cfg(&["--trace-mode", "discard"]).trace_mode,
            Some(TraceMode::Discard)
        );
        assert_eq!(cfg(&["--trace-bufsz", "4096"]).trace_bufsz, Some(4096));
        assert!(err(&["--trace-mode=x"]).contains("trace mode"));
        assert!(err(&["--trace-mode="]).contains("trace mode"));
        assert!(err(&["--trace-bufsz=0"]).contains("buffer size"));
        assert!(err(&["--trace-bufsz=1Q"]).contains("buffer size"));
        assert!(err(&["--trace="]).contains("non-empty"));
        assert!(err(&["--trace-dir", "a", "--trace-dir", "b"]).contains("more than once"));
    }

    #[test]
    fn memory_and_process_options() {
        let c = cfg(&[
            "-m",
            "512",
            "-n",
            "4",
            "-r",
            "2",
            "--no-pci",
            "--in-memory",
            "--no-telemetry",
            "--no-shconf",
            "--file-prefix",
            "pfx",
            "--proc-type=primary",
            "--iova-mode",
            "va",
            "--huge-dir=/mnt/huge",
            "--base-virtaddr",
            "0x100000000",
            "--no-hpet",
            "--vfio-intr",
            "msix",
            "--create-uio-dev",
            "--syslog",
            "--force-max-simd-bitwidth=256",
        ]);
        assert_eq!(c.memory_mb, Some(512));
        assert_eq!(c.memory_channels, Some(4));
        assert_eq!(c.memory_ranks, Some(2));
        assert!(c.no_pci && c.in_memory && c.no_telemetry && c.no_shconf && c.no_hpet);
        assert!(c.create_uio_dev);
        assert_eq!(c.file_prefix.as_deref(), Some("pfx"));
        assert_eq!(c.proc_type, Some(ProcType::Primary));
        assert_eq!(c.iova_mode, Some(IovaMode::Va));
        assert_eq!(c.huge_dir.as_deref(), Some("/mnt/huge"));
        assert_eq!(c.base_virtaddr, Some(0x1_0000_0000));
        assert_eq!(c.vfio_intr.as_deref(), Some("msix"));
        assert_eq!(c.syslog.as_deref(), Some("daemon"));
        assert_eq!(c.force_max_simd_bitwidth, Some(256));

        let c = cfg(&[
            "--legacy-mem",
            "--proc-type",
            "AUTO",
            "--telemetry",
            "--socket-mem=1024,0",
            "--iova-mode=pa",
        ]);
        assert!(err(&["--no-huge", "--socket-mem=1"]).contains("cannot be used together"));
        assert!(cfg(&["--no-huge", "--legacy-mem"]).no_huge);
        assert!(c.legacy_mem && c.telemetry);
        assert_eq!(c.proc_type, Some(ProcType::Auto));
        assert_eq!(c.numa_mem_mb, vec![1024, 0]);
        assert_eq!(c.iova_mode, Some(IovaMode::Pa));

        let c = cfg(&[
            "--single-file-segments",
            "--match-allocations",
            "--numa-limit",
            "64",
            "--pagesz-mem=2M:1G",
            "--pagesz-mem",
            "1G:4G",
            "--huge-worker-stack=128",
            "--vmware-tsc-map",
            "--mbuf-pool-ops-name",
            "ring_mp_mc",
            "--log-color=never",
            "--log-timestamp=iso",
            "--syslog=local3",
            "--vfio-vf-token",
            "bc1b2f4e-0e1e-4a1b-9d2f-0123456789ab",
            "--force-max-simd-bitwidth",
            "0",
        ]);
        assert!(c.single_file_segments && c.match_allocations && c.vmware_tsc_map);
        assert_eq!(c.numa_limit_mb, vec![64]);
        assert_eq!(c.pagesz_mem, vec!["2M:1G", "1G:4G"]);
        assert_eq!(c.huge_worker_stack_kb, Some(Some(128)));
        assert_eq!(c.mbuf_pool_ops_name.as_deref(), Some("ring_mp_mc"));
        assert_eq!(c.log_color.as_deref(), Some("never"));
        assert_eq!(c.log_timestamp.as_deref(), Some("iso"));
        assert_eq!(c.syslog.as_deref(), Some("local3"));
        assert!(c.vfio_vf_token.is_some());
        assert_eq!(c.force_max_simd_bitwidth, Some(512));
        assert_eq!(
            cfg(&["--huge-unlink"]).huge_unlink,
            Some(HugeUnlink::Always)
        );
        assert_eq!(
            cfg(&["--huge-unlink=never"]).huge_unlink,
            Some(HugeUnlink::Never)
        );
        assert_eq!(
            cfg(&["--huge-worker-stack"]).huge_worker_stack_kb,
            Some(None)
        );
        assert_eq!(cfg(&["--log-color"]).log_color.as_deref(), Some("always"));

        for (words, needle) in [
            (&["-m", "lots"][..], "'-m'"),
            (&["-m"][..], "requires a value"),
            (&["-n", "0"][..], "'-n'"),
            (&["-r", "17"][..], "'-r'"),
            (&["--file-prefix="][..], "file prefix"),
            (&["--file-prefix", "a%d"][..], "file prefix"),
            (&["--proc-type=tertiary"][..], "process type"),
            (&["--iova-mode=dc"][..], "IOVA mode"),
            (&["--base-virtaddr=zz"][..], "address"),
            (&["--vfio-intr=msi-x"][..], "VFIO"),
            (&["--vfio-vf-token=1234"][..], "UUID"),
            (&["--force-max-simd-bitwidth=100"][..], "SIMD"),
            (&["--force-max-simd-bitwidth=1024"][..], "SIMD"),
            (&["--socket-mem=1,x"][..], "per-node"),
            (&["--socket-mem=1", "--numa-mem=2"][..], "more than once"),
            (&["--pagesz-mem=3M:1G"][..], "pagesz"),
            (&["--pagesz-mem=2M"][..], "pagesz"),
            (&["--huge-unlink=sometimes"][..], "mode"),
            (&["--huge-worker-stack=0"][..], "stack size"),
            (&["--log-color=pink"][..], "color"),
            (&["--log-timestamp=now"][..], "timestamp"),
            (&["--syslog=local9"][..], "facility"),
            (
                &["--no-huge", "--huge-unlink"][..],
                "cannot be used together",
            ),
            (
                &["--legacy-mem", "--in-memory"][..],
                "cannot be used together",
            ),
            (
                &["--telemetry", "--no-telemetry"][..],
                "cannot be used together",
            ),
            (
                &["-a", "0000:00:04.0", "-b", "0000:00:04.1"][..],
                "cannot be used together",
            ),
            (
                &["-m", "1", "--socket-mem", "1"][..],
                "cannot be used together",
            ),
        ] {
            let msg = err(words);
            assert!(msg.contains(needle), "{words:?}: {msg}");
        }
    }

    #[test]
    fn devices_plugins_and_flags() {
        let c = cfg(&[
            "-a",
            "0000:00:04.0",
            "--allow=0000:00:04.1",
            "-d",
            "/usr/lib/x.so",
            "-v",
        ]);
        assert_eq!(c.allow, vec!["0000:00:04.0", "0000:00:04.1"]);
        assert_eq!(c.plugins, vec!["/usr/lib/x.so"]);
        assert!(c.version);
        assert_eq!(cfg(&["-b", "x", "--block", "y"]).block, vec!["x", "y"]);
        assert!(cfg(&["-A"]).no_auto_probing);
        assert!(cfg(&["--auto-probing"]).auto_probing);
        assert!(err(&["-A", "-b", "x"]).contains("cannot be used together"));
        assert!(err(&["-d="]).contains("non-empty"));
    }

    #[test]
    fn option_syntax_errors() {
        assert!(err(&["--bogus"]).contains("unknown option '--bogus'"));
        assert!(err(&["-x"]).contains("unknown option '-x'"));
        assert!(err(&["-"]).contains("unknown option '-'"));
        assert!(err(&["--lcore=1"]).contains("unknown option"));
        assert!(err(&["--no-huge=1"]).contains("takes no value"));
        assert!(err(&["-v1"]).contains("takes no value"));
        assert!(err(&["-m", "1", "-m", "2"]).contains("'-m' given more than once"));
        assert!(err(&["--no-pci", "--no-pci"]).contains("more than once"));
        assert!(err(&["--file-prefix", "a\u{FFFD}"]).contains("UTF-8"));
        assert!(err(&["--\u{FFFD}"]).contains("UTF-8"));
        // Optional values only take the '=' form: the next word is not theirs.
        let p = ok(&["--huge-worker-stack", "64"]);
        assert_eq!(p.config.huge_worker_stack_kb, Some(None));
        assert_eq!(p.layout.consumed, 1);
        // A required value is taken even if it looks like an option, as DPDK does.
        assert_eq!(
            cfg(&["--file-prefix", "--no-pci"]).file_prefix.as_deref(),
            Some("--no-pci")
        );
        // Not UTF-8 outside the options is fine: the application owns it.
        assert_eq!(ok(&["\u{FFFD}", "-l", "0"]).layout.consumed, 2);
    }

    #[test]
    fn help() {
        assert_eq!(parse(&argv(&["-h"])), Err(ArgsError::Help));
        assert_eq!(parse(&argv(&["-l", "0", "--help"])), Err(ArgsError::Help));
        // A bad option wins over help.
        assert!(matches!(
            parse(&argv(&["--help", "--bogus"])),
            Err(ArgsError::Invalid(_))
        ));
        let text = usage("app");
        for s in OPTIONS {
            assert!(text.contains(s.long), "{} missing from usage", s.long);
        }
        assert!(text.contains("--help"));
    }
}
