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
/** Lets the compiler check a printf-style format against its arguments. */
#define __rte_format_printf(format_index, first_arg) \
	__attribute__((__format__(__printf__, format_index, first_arg)))
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

const LOG_MACROS: &str = r#"
/** DPDK's fixed log types (others are registered with `rte_log_register`). */
#define RTE_LOGTYPE_EAL 0
#define RTE_LOGTYPE_USER1 24
#define RTE_LOGTYPE_USER2 25
#define RTE_LOGTYPE_USER3 26
#define RTE_LOGTYPE_USER4 27
#define RTE_LOGTYPE_USER5 28
#define RTE_LOGTYPE_USER6 29
#define RTE_LOGTYPE_USER7 30
#define RTE_LOGTYPE_USER8 31
#define RTE_LOGTYPE_FIRST_EXT_ID 32
"#;

/* rte_log and rte_vlog are C-variadic, which stable Rust cannot define: they format
 * here and write one block to stderr if the library says the level is enabled. */
const LOG_INLINE: &str = r#"#ifndef RTE_LOG_H_INLINE
#define RTE_LOG_H_INLINE
#ifdef __cplusplus
extern "C" {
#endif
/** Writes a printf-style message (the caller ends its lines) if `level` is enabled
 * for `logtype`. Returns 0, or -1 if it could not be formatted. */
static inline int rte_vlog(uint32_t level, uint32_t logtype, const char *format, va_list ap)
	__rte_format_printf(3, 0);
static inline int rte_vlog(uint32_t level, uint32_t logtype, const char *format, va_list ap)
{
	char small[512];
	char *buf = small;
	va_list again;
	int len;

	if (!rte_log_can_log(logtype, level))
		return 0;
	va_copy(again, ap);
	len = vsnprintf(small, sizeof(small), format, ap);
	if (len >= (int)sizeof(small)) {
		buf = (char *)malloc((size_t)len + 1);
		if (buf != NULL)
			vsnprintf(buf, (size_t)len + 1, format, again);
	}
	va_end(again);
	if (len < 0 || buf == NULL)
		return -1;
	fwrite(buf, 1, (size_t)len, stderr);
	if (buf != small)
		free(buf);
	return 0;
}

/** `rte_vlog` with the arguments inline. */
static inline int rte_log(uint32_t level, uint32_t logtype, const char *format, ...)
	__rte_format_printf(3, 4);
static inline int rte_log(uint32_t level, uint32_t logtype, const char *format, ...)
{
	va_list ap;
	int ret;

	va_start(ap, format);
	ret = rte_vlog(level, logtype, format, ap);
	va_end(ap);
	return ret;
}
#ifdef __cplusplus
}
#endif
#endif

/** Logs under a fixed type: `RTE_LOG(ERR, USER1, "text %d\n", n)` prints "USER1: text". */
#define RTE_LOG(l, t, ...) \
	rte_log(RTE_LOG_ ## l, RTE_LOGTYPE_ ## t, # t ": " __VA_ARGS__)
/** As RTE_LOG (DPDK compiles it out above RTE_LOG_DP_LEVEL; here it is kept). */
#define RTE_LOG_DP(l, t, ...) RTE_LOG(l, t, __VA_ARGS__)
"#;

const MEMPOOL_INLINE: &str = r#"#ifndef RTE_MEMPOOL_H_INLINE
#define RTE_MEMPOOL_H_INLINE
/** The cache of `lcore_id` (NULL if the pool has none or the id is out of range). */
static inline struct rte_mempool_cache *
rte_mempool_default_cache(struct rte_mempool *mp, unsigned int lcore_id)
{
	if (mp->cache_size == 0 || lcore_id >= RTE_MAX_LCORE)
		return NULL;
	return &mp->local_cache[lcore_id];
}

/** The pool's private area (after its per-lcore caches). */
static inline void *
rte_mempool_get_priv(struct rte_mempool *mp)
{
	return (char *)mp + sizeof(*mp) +
		(mp->cache_size == 0 ? 0 : sizeof(struct rte_mempool_cache) * RTE_MAX_LCORE);
}
#endif
"#;

const MBUF_INLINE: &str = r#"#ifndef RTE_MBUF_H_INLINE
#define RTE_MBUF_H_INLINE
/** The data of `m`, plus `o` bytes, as type `t`. */
#define rte_pktmbuf_mtod_offset(m, t, o) \
	((t)(void *)((char *)(m)->buf_addr + (m)->data_off + (o)))
/** The data of `m` as type `t`. */
#define rte_pktmbuf_mtod(m, t) rte_pktmbuf_mtod_offset(m, t, 0)
/** IO address of the data of `m`, plus `o` bytes. */
#define rte_pktmbuf_iova_offset(m, o) \
	(rte_iova_t)((m)->buf_iova + (m)->data_off + (o))
/** IO address of the data of `m`. */
#define rte_pktmbuf_iova(m) rte_pktmbuf_iova_offset(m, 0)
/** Bytes of data in the segment `m`. */
#define rte_pktmbuf_data_len(m) ((m)->data_len)
/** Bytes of data in the packet `m`. */
#define rte_pktmbuf_pkt_len(m) ((m)->pkt_len)

/** IO address of the data of `mb`. */
static inline rte_iova_t rte_mbuf_data_iova(const struct rte_mbuf *mb)
{
	return mb->buf_iova + mb->data_off;
}

/** IO address the data of a fresh `mb` starts at (after the headroom). */
static inline rte_iova_t rte_mbuf_data_iova_default(const struct rte_mbuf *mb)
{
	return mb->buf_iova + RTE_PKTMBUF_HEADROOM;
}

/** Bytes of buffer each mbuf of the pktmbuf pool `mp` has. */
static inline uint16_t rte_pktmbuf_data_room_size(struct rte_mempool *mp)
{
	return ((struct rte_pktmbuf_pool_private *)rte_mempool_get_priv(mp))->mbuf_data_room_size;
}

/** Bytes before the data of `m`. */
static inline uint16_t rte_pktmbuf_headroom(const struct rte_mbuf *m)
{
	return m->data_off;
}

/** Bytes after the data of `m`. */
static inline uint16_t rte_pktmbuf_tailroom(const struct rte_mbuf *m)
{
	return (uint16_t)(m->buf_len - m->data_off - m->data_len);
}
#endif
"#;

const PAUSE_INLINE: &str = r#"
/** Tells the CPU this is a spin-wait loop (x86 `pause`, Arm `yield`). */
static inline void rte_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ volatile("yield" ::: "memory");
#endif
}
"#;

const CYCLES_INLINE: &str = r#"#ifndef RTE_CYCLES_H_INLINE
#define RTE_CYCLES_H_INLINE
/** The TSC, read in place (the clock of `rte_get_tsc_cycles`). */
static inline uint64_t rte_rdtsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
#else
	return rte_get_tsc_cycles();
#endif
}

/** `rte_rdtsc` after a full memory barrier, so earlier accesses are not timed late. */
static inline uint64_t rte_rdtsc_precise(void)
{
	__sync_synchronize();
	return rte_rdtsc();
}
#endif
"#;

const DEBUG_MACROS: &str = r#"
/** Logs where and why at CRIT under the EAL type, then aborts. */
#define rte_panic(...) do { \
	rte_log(RTE_LOG_CRIT, RTE_LOGTYPE_EAL, "PANIC in %s():\n", __func__); \
	rte_log(RTE_LOG_CRIT, RTE_LOGTYPE_EAL, __VA_ARGS__); \
	abort(); \
} while (0)
/** Panics if `exp` is false, in every build. */
#define RTE_VERIFY(exp) do { \
	if (unlikely(!(exp))) \
		rte_panic("line %d\tassert \"%s\" failed\n", __LINE__, #exp); \
} while (0)
/** RTE_VERIFY when built with RTE_ENABLE_ASSERT, else nothing (as DPDK). */
#ifdef RTE_ENABLE_ASSERT
#define RTE_ASSERT(exp) RTE_VERIFY(exp)
#else
#define RTE_ASSERT(exp) do {} while (0)
#endif
"#;

const STRING_INLINE: &str = r#"#ifndef RTE_STRING_FNS_H_INLINE
#define RTE_STRING_FNS_H_INLINE
/** Copies `src` into `dst` (`size` bytes, NUL-terminated); returns strlen(src). */
static inline size_t rte_strlcpy(char *dst, const char *src, size_t size)
{
	return (size_t)snprintf(dst, size, "%s", src);
}

/** Appends `src` to `dst` (`size` bytes in all); returns the length it tried to make. */
static inline size_t rte_strlcat(char *dst, const char *src, size_t size)
{
	const char *end = (const char *)memchr(dst, '\0', size);
	size_t l = end != NULL ? (size_t)(end - dst) : size;
	if (l < size)
		return l + rte_strlcpy(&dst[l], src, size - l);
	return l + strlen(src);
}

/** The first character of `src` that is not white space. */
static inline const char *rte_str_skip_leading_spaces(const char *src)
{
	const char *p = src;
	while (isspace((unsigned char)*p))
		p++;
	return p;
}
#endif
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
        sys_includes: &["stdarg.h", "stdbool.h", "stdint.h", "stdio.h", "stdlib.h"],
        prologue: LOG_MACROS,
        epilogue: LOG_INLINE,
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
        epilogue: CYCLES_INLINE,
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
    Header {
        file: "rte_mempool.h",
        sources: &["src/abi/mempool.rs", "ffi/src/mempool.rs"],
        // As DPDK's, it brings the EAL's (lcores, IOVA mode) and rte_debug.h along.
        includes: &[
            "rte_common.h",
            "rte_debug.h",
            "rte_eal.h",
            "rte_lcore.h",
            "rte_log.h",
        ],
        sys_includes: STD,
        prologue: "",
        epilogue: MEMPOOL_INLINE,
        exclude: &[],
        include: &[
            "rte_mempool_cache",
            "rte_mempool_objhdr",
            "rte_mempool_obj_cb_t",
        ],
    },
    Header {
        file: "rte_mbuf.h",
        sources: &["src/abi/mbuf.rs", "ffi/src/mbuf.rs"],
        includes: &["rte_common.h", "rte_mempool.h"],
        sys_includes: STD,
        prologue: "",
        epilogue: MBUF_INLINE,
        exclude: &[],
        include: &["rte_pktmbuf_pool_private"],
    },
    Header {
        file: "rte_pause.h",
        sources: &[],
        includes: &[],
        sys_includes: &[],
        prologue: PAUSE_INLINE,
        epilogue: "",
        exclude: &[],
        include: &[],
    },
    Header {
        file: "rte_random.h",
        sources: &["ffi/src/eal/random.rs"],
        includes: &[],
        sys_includes: &["stdint.h"],
        prologue: "",
        epilogue: "",
        exclude: &[],
        include: &[],
    },
    Header {
        file: "rte_debug.h",
        sources: &[],
        includes: &["rte_common.h", "rte_log.h"],
        sys_includes: &["stdlib.h"],
        prologue: DEBUG_MACROS,
        epilogue: "",
        exclude: &[],
        include: &[],
    },
    Header {
        file: "rte_string_fns.h",
        sources: &["ffi/src/eal/string_fns.rs"],
        includes: &[],
        sys_includes: &["ctype.h", "stddef.h", "stdio.h", "string.h"],
        prologue: "",
        epilogue: STRING_INLINE,
        exclude: &[],
        include: &[],
    },
];
