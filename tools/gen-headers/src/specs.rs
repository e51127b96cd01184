//! What goes into each header: its Rust sources and the C-only text around them.
use crate::Header;

/// Rust aliases shown in C under DPDK's names: the raw integers the Rust structs and
/// arguments use for C enums, shown as the enum, and `lcore_function_t *`.
pub const RAW_ENUMS: &[(&str, &str)] = &[
    ("lcore_function_ptr", "lcore_function_t *"),
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
    ("rte_rmt_call_main_t_raw", "enum rte_rmt_call_main_t"),
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
/* The fast path is inline, as in DPDK, unless the application asks for the
 * library's real functions: RTE_DMADEV_NO_INLINE, or RTE_ENABLE_TRACE_FP (the
 * real functions emit the fast-path trace points; DPDK's inline ones do only in a
 * DPDK built with enable_trace_fp). */
#if !defined(RTE_DMADEV_NO_INLINE) && !defined(RTE_ENABLE_TRACE_FP)
#define RTE_DMADEV_INLINE 1
#endif
/** Iterates `p` over the ids of every existing device. */
#define RTE_DMA_FOREACH_DEV(p) \
	for (p = rte_dma_next_dev(0); p != -1; p = rte_dma_next_dev(p + 1))
"#;

/** DPDK's inline fast path: one indirect call through `rte_dma_fp_objs`, no check of
 * `dev_id` unless RTE_DMADEV_DEBUG is defined (the device checks the rest). */
const FASTPATH_INLINE: &str = r#"
#ifdef RTE_DMADEV_INLINE
#ifdef __cplusplus
extern "C" {
#endif

/** Enqueues a copy of `length` bytes; returns its ring index or a negative errno. */
static inline int
rte_dma_copy(int16_t dev_id, uint16_t vchan, rte_iova_t src, rte_iova_t dst,
	     uint32_t length, uint64_t flags)
{
	struct rte_dma_fp_object *obj = &rte_dma_fp_objs[dev_id];
#ifdef RTE_DMADEV_DEBUG
	if (!rte_dma_is_valid(dev_id) || length == 0)
		return -EINVAL;
	if (obj->copy == NULL)
		return -ENOTSUP;
#endif
	return obj->copy(obj->dev_private, vchan, src, dst, length, flags);
}

/** Enqueues a scatter-gather copy; returns its ring index or a negative errno. */
static inline int
rte_dma_copy_sg(int16_t dev_id, uint16_t vchan, struct rte_dma_sge *src,
		struct rte_dma_sge *dst, uint16_t nb_src, uint16_t nb_dst, uint64_t flags)
{
	struct rte_dma_fp_object *obj = &rte_dma_fp_objs[dev_id];
#ifdef RTE_DMADEV_DEBUG
	if (!rte_dma_is_valid(dev_id) || src == NULL || dst == NULL ||
	    nb_src == 0 || nb_dst == 0)
		return -EINVAL;
	if (obj->copy_sg == NULL)
		return -ENOTSUP;
#endif
	return obj->copy_sg(obj->dev_private, vchan, src, dst, nb_src, nb_dst, flags);
}

/** Enqueues a fill of `length` bytes with `pattern`; returns its ring index or a
 * negative errno. */
static inline int
rte_dma_fill(int16_t dev_id, uint16_t vchan, uint64_t pattern, rte_iova_t dst,
	     uint32_t length, uint64_t flags)
{
	struct rte_dma_fp_object *obj = &rte_dma_fp_objs[dev_id];
#ifdef RTE_DMADEV_DEBUG
	if (!rte_dma_is_valid(dev_id) || length == 0)
		return -EINVAL;
	if (obj->fill == NULL)
		return -ENOTSUP;
#endif
	return obj->fill(obj->dev_private, vchan, pattern, dst, length, flags);
}

/** Hands every enqueued operation of the vchan to the device. */
static inline int
rte_dma_submit(int16_t dev_id, uint16_t vchan)
{
	struct rte_dma_fp_object *obj = &rte_dma_fp_objs[dev_id];
#ifdef RTE_DMADEV_DEBUG
	if (!rte_dma_is_valid(dev_id))
		return -EINVAL;
	if (obj->submit == NULL)
		return -ENOTSUP;
#endif
	return obj->submit(obj->dev_private, vchan);
}

/** Collects up to `nb_cpls` successfully completed operations; either pointer may
 * be NULL. */
static inline uint16_t
rte_dma_completed(int16_t dev_id, uint16_t vchan, const uint16_t nb_cpls,
		  uint16_t *last_idx, bool *has_error)
{
	struct rte_dma_fp_object *obj = &rte_dma_fp_objs[dev_id];
	uint16_t idx;
	bool err;
#ifdef RTE_DMADEV_DEBUG
	if (!rte_dma_is_valid(dev_id) || nb_cpls == 0)
		return 0;
	if (obj->completed == NULL)
		return 0;
#endif
	/* Drivers may rely on both outputs being present. */
	if (last_idx == NULL)
		last_idx = &idx;
	if (has_error == NULL)
		has_error = &err;
	*has_error = false;
	return obj->completed(obj->dev_private, vchan, nb_cpls, last_idx, has_error);
}

/** Collects up to `nb_cpls` completed operations with each one's status. */
static inline uint16_t
rte_dma_completed_status(int16_t dev_id, uint16_t vchan, const uint16_t nb_cpls,
			 uint16_t *last_idx, enum rte_dma_status_code *status)
{
	struct rte_dma_fp_object *obj = &rte_dma_fp_objs[dev_id];
	uint16_t idx;
#ifdef RTE_DMADEV_DEBUG
	if (!rte_dma_is_valid(dev_id) || nb_cpls == 0 || status == NULL)
		return 0;
	if (obj->completed_status == NULL)
		return 0;
#endif
	if (last_idx == NULL)
		last_idx = &idx;
	return obj->completed_status(obj->dev_private, vchan, nb_cpls, last_idx, status);
}

/** How many more operations the vchan accepts now. */
static inline uint16_t
rte_dma_burst_capacity(int16_t dev_id, uint16_t vchan)
{
	struct rte_dma_fp_object *obj = &rte_dma_fp_objs[dev_id];
#ifdef RTE_DMADEV_DEBUG
	if (!rte_dma_is_valid(dev_id))
		return 0;
	if (obj->burst_capacity == NULL)
		return 0;
#endif
	return obj->burst_capacity(obj->dev_private, vchan);
}

/** Enqueues `nb_ops` operations (enqueue/dequeue mode); returns how many were taken. */
static inline uint16_t
rte_dma_enqueue_ops(int16_t dev_id, uint16_t vchan, struct rte_dma_op **ops, uint16_t nb_ops)
{
	struct rte_dma_fp_object *obj = &rte_dma_fp_objs[dev_id];
#ifdef RTE_DMADEV_DEBUG
	if (!rte_dma_is_valid(dev_id))
		return 0;
	if (obj->enqueue == NULL)
		return 0;
#endif
	return obj->enqueue(obj->dev_private, vchan, ops, nb_ops);
}

/** Dequeues up to `nb_ops` finished operations into `ops`; returns how many. */
static inline uint16_t
rte_dma_dequeue_ops(int16_t dev_id, uint16_t vchan, struct rte_dma_op **ops, uint16_t nb_ops)
{
	struct rte_dma_fp_object *obj = &rte_dma_fp_objs[dev_id];
#ifdef RTE_DMADEV_DEBUG
	if (!rte_dma_is_valid(dev_id))
		return 0;
	if (obj->dequeue == NULL)
		return 0;
#endif
	return obj->dequeue(obj->dev_private, vchan, ops, nb_ops);
}

#ifdef __cplusplus
}
#endif
#endif /* RTE_DMADEV_INLINE */
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

const PER_LCORE_MACROS: &str = r#"
/** Defines a thread-local variable `per_lcore_<name>` of `type`. */
#define RTE_DEFINE_PER_LCORE(type, name) __thread type per_lcore_##name
/** Declares a thread-local variable another unit defines. */
#define RTE_DECLARE_PER_LCORE(type, name) extern __thread type per_lcore_##name
/** The calling thread's copy of a per-lcore variable. */
#define RTE_PER_LCORE(name) (per_lcore_##name)
"#;

const ERRNO_MACROS: &str = r#"
/** Per core error number (exported by the library, as DPDK's EAL does). */
RTE_DECLARE_PER_LCORE(int, _rte_errno);
/** The calling thread's EAL error number. */
#define rte_errno RTE_PER_LCORE(_rte_errno)
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
/** Per thread "lcore id" (exported by the library, as DPDK's EAL does). */
RTE_DECLARE_PER_LCORE(unsigned, _lcore_id);
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

/** `rte_lcore_id` is inline, as in DPDK (the library also exports it as a function). */
const LCORE_INLINE: &str = r#"
/** The calling thread's lcore id, or `LCORE_ID_ANY` for a thread the EAL did not set up. */
static inline unsigned rte_lcore_id(void)
{
	return RTE_PER_LCORE(_lcore_id);
}
"#;

const EAL_INLINE: &str = r#"
/** The thread's cached `rte_sys_gettid()`, -1 until `rte_gettid` first asks. */
RTE_DECLARE_PER_LCORE(int, _thread_id);

/** The calling thread's system thread id, cached per thread as DPDK does. */
static inline int rte_gettid(void)
{
	if (RTE_PER_LCORE(_thread_id) == -1)
		RTE_PER_LCORE(_thread_id) = rte_sys_gettid();
	return RTE_PER_LCORE(_thread_id);
}
"#;

/** `rte_delay_us` is a variable holding a function, as in DPDK. */
const DELAY_US: &str = r#"
/**
 * Waits at least `us` microseconds: the delay function in use (by default
 * `rte_delay_us_block`; `rte_delay_us_callback_register` replaces it).
 */
extern void (*rte_delay_us)(unsigned int us);
"#;

const DELAY_MS_INLINE: &str = r#"
/** Waits at least `ms` milliseconds, as `rte_delay_us(ms * 1000)`. */
static inline void rte_delay_ms(unsigned ms)
{
	rte_delay_us(ms * 1000);
}
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
        epilogue: FASTPATH_INLINE,
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
        file: "rte_per_lcore.h",
        sources: &[],
        includes: &[],
        sys_includes: &[],
        prologue: PER_LCORE_MACROS,
        epilogue: "",
        exclude: &[],
        include: &[],
    },
    Header {
        file: "rte_errno.h",
        sources: &["ffi/src/eal/errno_loc.rs"],
        includes: &["rte_per_lcore.h"],
        sys_includes: &["errno.h"],
        prologue: ERRNO_MACROS,
        epilogue: "",
        exclude: &[],
        include: &[],
    },
    Header {
        file: "rte_eal.h",
        sources: &["ffi/src/eal/init.rs"],
        includes: &[
            "rte_common.h",
            "rte_errno.h",
            "rte_log.h",
            "rte_lcore.h",
            "rte_per_lcore.h",
        ],
        sys_includes: STD,
        prologue: "",
        epilogue: EAL_INLINE,
        exclude: &[],
        include: &["rte_proc_type_t", "rte_iova_mode"],
    },
    Header {
        file: "rte_lcore.h",
        sources: &["ffi/src/eal/lcore.rs"],
        includes: &["rte_common.h", "rte_per_lcore.h", "rte_launch.h"],
        sys_includes: STD,
        prologue: LCORE_MACROS,
        epilogue: LCORE_INLINE,
        exclude: &["rte_lcore_id"],
        include: &[],
    },
    Header {
        file: "rte_launch.h",
        sources: &["ffi/src/eal/launch.rs"],
        includes: &[],
        sys_includes: STD,
        prologue: "\n/** A function run on an lcore. */\ntypedef int (lcore_function_t)(void *);\n",
        epilogue: "",
        exclude: &[],
        include: &["rte_rmt_call_main_t"],
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
        file: "rte_memzone.h",
        sources: &["src/abi/memzone.rs", "ffi/src/eal/memzone.rs"],
        includes: &["rte_common.h"],
        sys_includes: &["stddef.h", "stdint.h", "stdio.h"],
        prologue: "",
        epilogue: "",
        exclude: &[],
        include: &["rte_memzone"],
    },
    Header {
        file: "rte_cycles.h",
        sources: &["ffi/src/eal/cycles.rs"],
        includes: &["rte_common.h"],
        sys_includes: STD,
        prologue: DELAY_US,
        epilogue: DELAY_MS_INLINE,
        exclude: &["rte_delay_ms"],
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
