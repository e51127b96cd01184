//! What goes into each header: its Rust sources and the C-only text around them.
use crate::Header;

/// Raw integer aliases the Rust structs use for C enum fields, shown as the enum.
pub const RAW_ENUMS: &[(&str, &str)] = &[
    ("rte_dma_direction_raw", "enum rte_dma_direction"),
    ("rte_dma_port_type_raw", "enum rte_dma_port_type"),
    (
        "rte_dma_inter_domain_type_raw",
        "enum rte_dma_inter_domain_type",
    ),
    ("rte_dma_dev_state_raw", "enum rte_dma_dev_state"),
    ("rte_dma_status_code_raw", "enum rte_dma_status_code"),
    ("rte_trace_mode_raw", "enum rte_trace_mode"),
    ("rte_tel_value_type_raw", "enum rte_tel_value_type"),
];

/// C members Rust cannot declare: the named PCIe bit-fields (an anonymous struct in
/// the `pcie` union, as in DPDK) and `rte_dma_op`'s flexible segment array.
pub const EXTRA_BODIES: &[(&str, &str)] = &[
    (
        "rte_dma_port_pcie",
        "  __extension__ struct {
    uint64_t coreid : 4; /**< PCIe core id used. */
    uint64_t pfid : 8; /**< PF id used. */
    uint64_t vfen : 1; /**< VF enable bit. */
    uint64_t vfid : 16; /**< VF id used. */
    uint64_t pasid : 20; /**< The pasid field in the TLP packet. */
    uint64_t attr : 3; /**< The attributes field in the TLP packet. */
    uint64_t ph : 2; /**< The processing hint field in the TLP packet. */
    uint64_t st : 16; /**< The steering tag field in the TLP packet. */
  };",
    ),
    (
        "rte_dma_op",
        "  /** Source then destination segments (nb_src + nb_dst entries). */
#ifdef __cplusplus
  __extension__ struct rte_dma_sge src_dst_seg[0];
#else
  struct rte_dma_sge src_dst_seg[];
#endif",
    ),
];

const COMMON_MACROS: &str = r#"
/** Any NUMA socket. */
#define SOCKET_ID_ANY -1
#define __rte_aligned(a) __attribute__((__aligned__(a)))
#define __rte_cache_aligned __rte_aligned(RTE_CACHE_LINE_SIZE)
#define __rte_unused __attribute__((__unused__))
#define __rte_always_inline inline __attribute__((__always_inline__))
#define __rte_experimental
#define __rte_internal
#define RTE_SET_USED(x) (void)(x)
#define RTE_DIM(a) (sizeof(a) / sizeof((a)[0]))
#define RTE_MIN(a, b) ((a) < (b) ? (a) : (b))
#define RTE_MAX(a, b) ((a) > (b) ? (a) : (b))
#define RTE_PTR_ADD(ptr, x) ((void *)((uintptr_t)(ptr) + (x)))
#define RTE_PTR_SUB(ptr, x) ((void *)((uintptr_t)(ptr) - (x)))
#define RTE_STR(x) _RTE_STR(x)
#define _RTE_STR(x) #x
#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif
"#;

const BITOPS_MACROS: &str = r#"
/** A 32-bit value with bit `nr` set. */
#define RTE_BIT32(nr) (UINT32_C(1) << (nr))
/** A 64-bit value with bit `nr` set. */
#define RTE_BIT64(nr) (UINT64_C(1) << (nr))
"#;

const DMADEV_MACROS: &str = r#"
/** Iterates `p` over the ids of every existing device. */
#define RTE_DMA_FOREACH_DEV(p) \
	for (p = rte_dma_next_dev(0); p != -1; p = rte_dma_next_dev(p + 1))
"#;

const TEST_MACROS: &str = r#"
/* Each macro makes the calling function return -1 after printing where and why it
 * failed. The message and its arguments are printf-style. */
#define RTE_TEST_ASSERT(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "Test assert %s line %d failed: ", __func__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		return -1; \
	} \
} while (0)
#define RTE_TEST_ASSERT_EQUAL(a, b, ...) RTE_TEST_ASSERT((a) == (b), __VA_ARGS__)
#define RTE_TEST_ASSERT_NOT_EQUAL(a, b, ...) RTE_TEST_ASSERT((a) != (b), __VA_ARGS__)
#define RTE_TEST_ASSERT_SUCCESS(val, ...) RTE_TEST_ASSERT((val) == 0, __VA_ARGS__)
#define RTE_TEST_ASSERT_FAIL(val, ...) RTE_TEST_ASSERT((val) != 0, __VA_ARGS__)
#define RTE_TEST_ASSERT_NULL(val, ...) RTE_TEST_ASSERT((val) == NULL, __VA_ARGS__)
#define RTE_TEST_ASSERT_NOT_NULL(val, ...) RTE_TEST_ASSERT((val) != NULL, __VA_ARGS__)
"#;

const ERRNO_MACROS: &str = r#"
/** The calling thread's EAL error number. */
#define rte_errno (*__rte_errno_location())
/** First error number of DPDK's own. */
#define RTE_MIN_ERRNO 1000
/** Operation not allowed in a secondary process. */
#define E_RTE_SECONDARY (RTE_MIN_ERRNO + 1)
/** Missing rte_config. */
#define E_RTE_NO_CONFIG (RTE_MIN_ERRNO + 2)
"#;

const LCORE_MACROS: &str = r#"
/** The lcore id of a thread that is not an EAL lcore. */
#define LCORE_ID_ANY UINT32_MAX
/** Iterates `i` over every enabled lcore. */
#define RTE_LCORE_FOREACH(i) \
	for (i = rte_get_next_lcore(-1, 0, 0); i < RTE_MAX_LCORE; i = rte_get_next_lcore(i, 0, 0))
/** Iterates `i` over every enabled lcore except the main one. */
#define RTE_LCORE_FOREACH_WORKER(i) \
	for (i = rte_get_next_lcore(-1, 1, 0); i < RTE_MAX_LCORE; i = rte_get_next_lcore(i, 1, 0))
"#;

const TELEMETRY_MACROS: &str = r#"
/** DPDK's older name of RTE_TEL_UINT_VAL. */
#define RTE_TEL_U64_VAL RTE_TEL_UINT_VAL
"#;

const STD: &[&str] = &["stdbool.h", "stddef.h", "stdint.h"];

pub const HEADERS: &[Header] = &[
    Header {
        file: "rte_trace.h",
        sources: &["ffi/src/trace.rs"],
        includes: &["rte_common.h"],
        sys_includes: &["stdbool.h", "stdint.h", "stdio.h"],
        prologue: "",
        epilogue: "",
        exclude: &[],
        include: &["rte_trace_mode"],
    },
    Header {
        file: "rte_telemetry.h",
        sources: &["src/abi/telemetry.rs", "ffi/src/telemetry.rs"],
        includes: &["rte_common.h"],
        sys_includes: &["stdint.h"],
        prologue: "",
        epilogue: TELEMETRY_MACROS,
        exclude: &[],
        include: &["rte_tel_value_type"],
    },
    Header {
        file: "rte_trace_point.h",
        sources: &[],
        includes: &["rte_trace.h"],
        sys_includes: &[],
        prologue: "",
        epilogue: "",
        exclude: &[],
        include: &[],
    },
    Header {
        file: "rte_common.h",
        sources: &["src/abi/common.rs"],
        includes: &[],
        sys_includes: STD,
        prologue: COMMON_MACROS,
        epilogue: "",
        exclude: &[],
        include: &["rte_iova_t"],
    },
    Header {
        file: "rte_bitops.h",
        sources: &[],
        includes: &[],
        sys_includes: STD,
        prologue: BITOPS_MACROS,
        epilogue: "",
        exclude: &[],
        include: &[],
    },
    Header {
        file: "rte_uuid.h",
        sources: &["src/abi/uuid.rs"],
        includes: &[],
        sys_includes: STD,
        prologue: "",
        epilogue: "",
        exclude: &[],
        include: &["rte_uuid_t"],
    },
    Header {
        file: "rte_dmadev.h",
        sources: &[
            "src/abi/consts.rs",
            "src/abi/types.rs",
            "ffi/src/control.rs",
            "ffi/src/fastpath.rs",
        ],
        includes: &["rte_common.h", "rte_bitops.h", "rte_uuid.h"],
        sys_includes: &["errno.h", "stdbool.h", "stddef.h", "stdint.h", "stdio.h"],
        prologue: DMADEV_MACROS,
        epilogue: "#include \"rte_dmadev_core.h\"",
        exclude: &[],
        include: &[
            "rte_dma_direction",
            "rte_dma_port_type",
            "rte_dma_inter_domain_type",
            "rte_dma_vchan_status",
            "rte_dma_access_pair_group_event_type",
            "rte_dma_status_code",
            "rte_dma_op",
            "rte_dma_sge",
        ],
    },
    Header {
        file: "rte_dmadev_core.h",
        sources: &["src/abi/fp.rs", "src/registry.rs", "src/trace/points.rs"],
        includes: &["rte_dmadev.h"],
        sys_includes: STD,
        prologue: "",
        epilogue: "",
        exclude: &[],
        include: &["rte_dma_fp_object"],
    },
    Header {
        file: "rte_dmadev_pmd.h",
        sources: &["src/abi/pmd.rs", "ffi/src/pmd.rs"],
        includes: &["rte_dmadev.h"],
        sys_includes: &["stdbool.h", "stddef.h", "stdint.h", "stdio.h"],
        prologue: "\nstruct rte_dma_dev;\n",
        epilogue: "",
        exclude: &["rte_dma_file"],
        include: &["rte_dma_dev_ops", "rte_dma_dev_data", "rte_dma_dev_state"],
    },
    Header {
        file: "rte_log.h",
        sources: &["src/log.rs", "ffi/src/log.rs"],
        includes: &["rte_common.h"],
        sys_includes: &["stdbool.h", "stdint.h", "stdio.h"],
        prologue: "",
        epilogue: "",
        exclude: &["DMADEV_LOGTYPE_NAME", "EAL_LOGTYPE_NAME"],
        include: &[],
    },
    Header {
        file: "rte_test.h",
        sources: &[],
        includes: &["rte_common.h"],
        sys_includes: &["stdio.h"],
        prologue: TEST_MACROS,
        epilogue: "",
        exclude: &[],
        include: &[],
    },
    Header {
        file: "rte_errno.h",
        sources: &["ffi/src/eal/errno_loc.rs"],
        includes: &[],
        sys_includes: &["errno.h"],
        prologue: ERRNO_MACROS,
        epilogue: "",
        exclude: &[],
        include: &[],
    },
    Header {
        file: "rte_eal.h",
        sources: &["ffi/src/eal/init.rs"],
        includes: &["rte_common.h", "rte_errno.h", "rte_log.h", "rte_lcore.h"],
        sys_includes: STD,
        prologue: "",
        epilogue: "",
        exclude: &[],
        include: &["rte_proc_type_t", "rte_iova_mode"],
    },
    Header {
        file: "rte_lcore.h",
        sources: &["ffi/src/eal/lcore.rs"],
        includes: &["rte_common.h"],
        sys_includes: STD,
        prologue: LCORE_MACROS,
        epilogue: "",
        exclude: &[],
        include: &[],
    },
    Header {
        file: "rte_malloc.h",
        sources: &["ffi/src/eal/malloc.rs"],
        includes: &["rte_common.h"],
        sys_includes: STD,
        prologue: "",
        epilogue: "",
        exclude: &[],
        include: &[],
    },
    Header {
        file: "rte_cycles.h",
        sources: &["ffi/src/eal/cycles.rs"],
        includes: &["rte_common.h"],
        sys_includes: STD,
        prologue: "",
        epilogue: "",
        exclude: &[],
        include: &[],
    },
    Header {
        file: "rte_bus_vdev.h",
        sources: &["ffi/src/eal/vdev.rs"],
        includes: &["rte_common.h"],
        sys_includes: STD,
        prologue: "",
        epilogue: "",
        exclude: &[],
        include: &[],
    },
];
