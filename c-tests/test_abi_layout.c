/* SPDX-License-Identifier: BSD-3-Clause
 *
 * test_abi_layout.c - the public headers must describe DPDK 26.11's dmadev ABI.
 *
 * Every number below is a measured fact of DPDK 26.11 on x86-64 Linux (see
 * the project's ABI notes, "Layout facts"): sizes and alignments of the
 * public types, offsets and sizes of their fields, and the values of the
 * macros and enumerators.  They are checked with _Static_assert, so a header
 * that drifts from DPDK does not even compile.
 *
 * Two kinds of facts cannot be expressed with offsetof(): the 1-bit field
 * rte_dma_dev_data::dev_started and the PCIe bit-fields of
 * rte_dma_port_param.  main() locates those at run time: it sets the field in
 * a zeroed object and looks at which bits of the object changed.
 *
 * Output: one line per run-time check, then "N passed, N failed" (the
 * compile-time checks are counted as passed: the program would not exist
 * otherwise).  Run with -v to also list every compile-time fact.
 * Exit status is 0 only if every check passed.
 */

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_memzone.h>
#include <rte_uuid.h>
#include <rte_dmadev.h>
#include <rte_dmadev_pmd.h>

/* Size of a member without an object: sizeof does not evaluate its operand. */
#define MEMBER_SIZE(type, member) sizeof(((type *)0)->member)

/* ---------------------------------------------------------------------- */
/* The facts, as tables (each row: what, expected values)                 */
/* ---------------------------------------------------------------------- */

/* X(type, sizeof, alignof) */
#define SIZE_ALIGN_TABLE(X) \
	X(struct rte_memzone, 72, 1) \
	X(struct rte_dma_info, 32, 8) \
	X(struct rte_dma_conf, 16, 8) \
	X(struct rte_dma_port_param, 40, 8) \
	X(struct rte_dma_auto_free_param, 24, 8) \
	X(struct rte_dma_inter_domain_param, 24, 8) \
	X(struct rte_dma_vchan_conf, 136, 8) \
	X(struct rte_dma_stats, 24, 8) \
	X(struct rte_dma_sge, 16, 8) \
	X(struct rte_dma_op, 64, 8) \
	X(struct rte_dma_fp_object, 128, 64) \
	X(struct rte_dma_dev_data, 128, 64) \
	X(struct rte_dma_dev, 64, 64) \
	X(struct rte_dma_dev_ops, 120, 8) \
	X(enum rte_dma_direction, 4, 4) \
	X(enum rte_dma_port_type, 4, 4) \
	X(enum rte_dma_inter_domain_type, 4, 4) \
	X(enum rte_dma_status_code, 4, 4) \
	X(enum rte_dma_vchan_status, 4, 4) \
	X(enum rte_dma_access_pair_group_event_type, 4, 4) \
	X(enum rte_dma_dev_state, 4, 4) \
	X(rte_uuid_t, 16, 1) \
	X(rte_iova_t, 8, 8) \
	X(rte_dma_copy_t, 8, 8) \
	X(rte_dma_access_pair_group_event_cb_t, 8, 8)

/* X(type, member designator, offset, size) */
#define OFFSET_TABLE(X) \
	X(struct rte_dma_info, dev_name, 0, 8) \
	X(struct rte_dma_info, dev_capa, 8, 8) \
	X(struct rte_dma_info, max_vchans, 16, 2) \
	X(struct rte_dma_info, max_desc, 18, 2) \
	X(struct rte_dma_info, min_desc, 20, 2) \
	X(struct rte_dma_info, max_sges, 22, 2) \
	X(struct rte_dma_info, numa_node, 24, 2) \
	X(struct rte_dma_info, nb_vchans, 26, 2) \
	X(struct rte_dma_info, nb_priorities, 28, 2) \
	X(struct rte_dma_conf, nb_vchans, 0, 2) \
	X(struct rte_dma_conf, priority, 2, 2) \
	X(struct rte_dma_conf, flags, 8, 8) \
	X(struct rte_dma_port_param, port_type, 0, 4) \
	X(struct rte_dma_port_param, pcie, 8, 16) \
	X(struct rte_dma_port_param, pcie.val, 8, 8) \
	X(struct rte_dma_port_param, reserved, 24, 16) \
	X(struct rte_dma_auto_free_param, m2d, 0, 8) \
	X(struct rte_dma_auto_free_param, m2d.pool, 0, 8) \
	X(struct rte_dma_auto_free_param, reserved, 8, 16) \
	X(struct rte_dma_inter_domain_param, type, 0, 4) \
	X(struct rte_dma_inter_domain_param, src_handler, 4, 2) \
	X(struct rte_dma_inter_domain_param, dst_handler, 6, 2) \
	X(struct rte_dma_inter_domain_param, reserved, 8, 16) \
	X(struct rte_dma_vchan_conf, direction, 0, 4) \
	X(struct rte_dma_vchan_conf, nb_desc, 4, 2) \
	X(struct rte_dma_vchan_conf, src_port, 8, 40) \
	X(struct rte_dma_vchan_conf, src_port.port_type, 8, 4) \
	X(struct rte_dma_vchan_conf, src_port.pcie, 16, 16) \
	X(struct rte_dma_vchan_conf, src_port.pcie.val, 16, 8) \
	X(struct rte_dma_vchan_conf, src_port.reserved, 32, 16) \
	X(struct rte_dma_vchan_conf, dst_port, 48, 40) \
	X(struct rte_dma_vchan_conf, dst_port.port_type, 48, 4) \
	X(struct rte_dma_vchan_conf, dst_port.pcie, 56, 16) \
	X(struct rte_dma_vchan_conf, dst_port.reserved, 72, 16) \
	X(struct rte_dma_vchan_conf, auto_free, 88, 24) \
	X(struct rte_dma_vchan_conf, auto_free.m2d.pool, 88, 8) \
	X(struct rte_dma_vchan_conf, auto_free.reserved, 96, 16) \
	X(struct rte_dma_vchan_conf, domain, 112, 24) \
	X(struct rte_dma_vchan_conf, domain.type, 112, 4) \
	X(struct rte_dma_vchan_conf, domain.src_handler, 116, 2) \
	X(struct rte_dma_vchan_conf, domain.dst_handler, 118, 2) \
	X(struct rte_dma_vchan_conf, domain.reserved, 120, 16) \
	X(struct rte_dma_stats, submitted, 0, 8) \
	X(struct rte_dma_stats, completed, 8, 8) \
	X(struct rte_dma_stats, errors, 16, 8) \
	X(struct rte_dma_sge, addr, 0, 8) \
	X(struct rte_dma_sge, length, 8, 4) \
	X(struct rte_dma_op, flags, 0, 8) \
	X(struct rte_dma_op, op_mp, 8, 8) \
	X(struct rte_dma_op, status, 16, 4) \
	X(struct rte_dma_op, rsvd, 20, 4) \
	X(struct rte_dma_op, impl_opaque, 24, 16) \
	X(struct rte_dma_op, user_meta, 40, 8) \
	X(struct rte_dma_op, event_meta, 48, 8) \
	X(struct rte_dma_op, dma_dev_id, 56, 2) \
	X(struct rte_dma_op, vchan, 58, 2) \
	X(struct rte_dma_op, nb_src, 60, 2) \
	X(struct rte_dma_op, nb_dst, 62, 2) \
	X(struct rte_dma_op, src_dst_seg[0], 64, 16) \
	X(struct rte_dma_fp_object, dev_private, 0, 8) \
	X(struct rte_dma_fp_object, copy, 8, 8) \
	X(struct rte_dma_fp_object, copy_sg, 16, 8) \
	X(struct rte_dma_fp_object, fill, 24, 8) \
	X(struct rte_dma_fp_object, submit, 32, 8) \
	X(struct rte_dma_fp_object, completed, 40, 8) \
	X(struct rte_dma_fp_object, completed_status, 48, 8) \
	X(struct rte_dma_fp_object, burst_capacity, 56, 8) \
	X(struct rte_dma_fp_object, enqueue, 64, 8) \
	X(struct rte_dma_fp_object, dequeue, 72, 8) \
	X(struct rte_memzone, name, 0, 32) \
	X(struct rte_memzone, iova, 32, 8) \
	X(struct rte_memzone, addr, 40, 8) \
	X(struct rte_memzone, len, 48, 8) \
	X(struct rte_memzone, hugepage_sz, 56, 8) \
	X(struct rte_memzone, socket_id, 64, 4) \
	X(struct rte_memzone, flags, 68, 4) \
	X(struct rte_dma_dev_data, dev_name, 0, 64) \
	X(struct rte_dma_dev_data, dev_id, 64, 2) \
	X(struct rte_dma_dev_data, numa_node, 66, 2) \
	X(struct rte_dma_dev_data, dev_private, 72, 8) \
	X(struct rte_dma_dev_data, dev_conf, 80, 16) \
	X(struct rte_dma_dev_data, dev_conf.nb_vchans, 80, 2) \
	X(struct rte_dma_dev_data, dev_conf.priority, 82, 2) \
	X(struct rte_dma_dev_data, dev_conf.flags, 88, 8) \
	X(struct rte_dma_dev_data, reserved, 104, 16) \
	X(struct rte_dma_dev, device, 0, 8) \
	X(struct rte_dma_dev, data, 8, 8) \
	X(struct rte_dma_dev, fp_obj, 16, 8) \
	X(struct rte_dma_dev, dev_ops, 24, 8) \
	X(struct rte_dma_dev, state, 32, 4) \
	X(struct rte_dma_dev, reserved, 40, 16) \
	X(struct rte_dma_dev_ops, dev_info_get, 0, 8) \
	X(struct rte_dma_dev_ops, dev_configure, 8, 8) \
	X(struct rte_dma_dev_ops, dev_start, 16, 8) \
	X(struct rte_dma_dev_ops, dev_stop, 24, 8) \
	X(struct rte_dma_dev_ops, dev_close, 32, 8) \
	X(struct rte_dma_dev_ops, vchan_setup, 40, 8) \
	X(struct rte_dma_dev_ops, stats_get, 48, 8) \
	X(struct rte_dma_dev_ops, stats_reset, 56, 8) \
	X(struct rte_dma_dev_ops, vchan_status, 64, 8) \
	X(struct rte_dma_dev_ops, dev_dump, 72, 8) \
	X(struct rte_dma_dev_ops, access_pair_group_create, 80, 8) \
	X(struct rte_dma_dev_ops, access_pair_group_destroy, 88, 8) \
	X(struct rte_dma_dev_ops, access_pair_group_join, 96, 8) \
	X(struct rte_dma_dev_ops, access_pair_group_leave, 104, 8) \
	X(struct rte_dma_dev_ops, access_pair_group_handler_get, 112, 8)

/* X(macro, value) */
#define MACRO_TABLE(X) \
	X(RTE_DMA_CAPA_MEM_TO_MEM, 0x1) \
	X(RTE_DMA_CAPA_MEM_TO_DEV, 0x2) \
	X(RTE_DMA_CAPA_DEV_TO_MEM, 0x4) \
	X(RTE_DMA_CAPA_DEV_TO_DEV, 0x8) \
	X(RTE_DMA_CAPA_SVA, 0x10) \
	X(RTE_DMA_CAPA_SILENT, 0x20) \
	X(RTE_DMA_CAPA_HANDLES_ERRORS, 0x40) \
	X(RTE_DMA_CAPA_M2D_AUTO_FREE, 0x80) \
	X(RTE_DMA_CAPA_PRI_POLICY_SP, 0x100) \
	X(RTE_DMA_CAPA_INTER_PROCESS_DOMAIN, 0x200) \
	X(RTE_DMA_CAPA_INTER_OS_DOMAIN, 0x400) \
	X(RTE_DMA_CAPA_OPS_COPY, 0x100000000) \
	X(RTE_DMA_CAPA_OPS_COPY_SG, 0x200000000) \
	X(RTE_DMA_CAPA_OPS_FILL, 0x400000000) \
	X(RTE_DMA_CAPA_OPS_ENQ_DEQ, 0x800000000) \
	X(RTE_DMA_CFG_FLAG_SILENT, 0x1) \
	X(RTE_DMA_CFG_FLAG_ENQ_DEQ, 0x2) \
	X(RTE_DMA_OP_FLAG_FENCE, 0x1) \
	X(RTE_DMA_OP_FLAG_SUBMIT, 0x2) \
	X(RTE_DMA_OP_FLAG_LLC, 0x4) \
	X(RTE_DMA_OP_FLAG_AUTO_FREE, 0x8) \
	X(RTE_DMA_ALL_VCHAN, 0xffff) \
	X(RTE_DMADEV_DEFAULT_MAX, 0x40) \
	X(RTE_DEV_NAME_MAX_LEN, 0x40) \
	X(RTE_UUID_STRLEN, 0x25) \
	X(RTE_CACHE_LINE_SIZE, 0x40) \
	X(RTE_MAX_LCORE, 0x80)

/*
 * The capability and flag macros are RTE_BIT64() values in DPDK, i.e. of a
 * 64-bit unsigned type, so expressions like ~RTE_DMA_OP_FLAG_SUBMIT or
 * (flags & RTE_DMA_CAPA_SVA) behave the same as with DPDK's headers.
 * X(macro)
 */
#define BIT64_MACRO_TABLE(X) \
	X(RTE_DMA_CAPA_MEM_TO_MEM) \
	X(RTE_DMA_CAPA_MEM_TO_DEV) \
	X(RTE_DMA_CAPA_DEV_TO_MEM) \
	X(RTE_DMA_CAPA_DEV_TO_DEV) \
	X(RTE_DMA_CAPA_SVA) \
	X(RTE_DMA_CAPA_SILENT) \
	X(RTE_DMA_CAPA_HANDLES_ERRORS) \
	X(RTE_DMA_CAPA_M2D_AUTO_FREE) \
	X(RTE_DMA_CAPA_PRI_POLICY_SP) \
	X(RTE_DMA_CAPA_INTER_PROCESS_DOMAIN) \
	X(RTE_DMA_CAPA_INTER_OS_DOMAIN) \
	X(RTE_DMA_CAPA_OPS_COPY) \
	X(RTE_DMA_CAPA_OPS_COPY_SG) \
	X(RTE_DMA_CAPA_OPS_FILL) \
	X(RTE_DMA_CAPA_OPS_ENQ_DEQ) \
	X(RTE_DMA_CFG_FLAG_SILENT) \
	X(RTE_DMA_CFG_FLAG_ENQ_DEQ) \
	X(RTE_DMA_OP_FLAG_FENCE) \
	X(RTE_DMA_OP_FLAG_SUBMIT) \
	X(RTE_DMA_OP_FLAG_LLC) \
	X(RTE_DMA_OP_FLAG_AUTO_FREE)

/* X(enumerator, value) */
#define ENUM_TABLE(X) \
	X(RTE_DMA_DIR_MEM_TO_MEM, 0) \
	X(RTE_DMA_DIR_MEM_TO_DEV, 1) \
	X(RTE_DMA_DIR_DEV_TO_MEM, 2) \
	X(RTE_DMA_DIR_DEV_TO_DEV, 3) \
	X(RTE_DMA_PORT_NONE, 0) \
	X(RTE_DMA_PORT_PCIE, 1) \
	X(RTE_DMA_INTER_DOMAIN_NONE, 0) \
	X(RTE_DMA_INTER_PROCESS_DOMAIN, 1) \
	X(RTE_DMA_INTER_OS_DOMAIN, 2) \
	X(RTE_DMA_VCHAN_IDLE, 0) \
	X(RTE_DMA_VCHAN_ACTIVE, 1) \
	X(RTE_DMA_VCHAN_HALTED_ERROR, 2) \
	X(RTE_DMA_GROUP_EVENT_MEMBER_LEFT, 0) \
	X(RTE_DMA_GROUP_EVENT_GROUP_DESTROYED, 1) \
	X(RTE_DMA_STATUS_SUCCESSFUL, 0) \
	X(RTE_DMA_STATUS_USER_ABORT, 1) \
	X(RTE_DMA_STATUS_NOT_ATTEMPTED, 2) \
	X(RTE_DMA_STATUS_INVALID_SRC_ADDR, 3) \
	X(RTE_DMA_STATUS_INVALID_DST_ADDR, 4) \
	X(RTE_DMA_STATUS_INVALID_ADDR, 5) \
	X(RTE_DMA_STATUS_INVALID_LENGTH, 6) \
	X(RTE_DMA_STATUS_INVALID_OPCODE, 7) \
	X(RTE_DMA_STATUS_BUS_READ_ERROR, 8) \
	X(RTE_DMA_STATUS_BUS_WRITE_ERROR, 9) \
	X(RTE_DMA_STATUS_BUS_ERROR, 10) \
	X(RTE_DMA_STATUS_DATA_POISION, 11) \
	X(RTE_DMA_STATUS_DESCRIPTOR_READ_ERROR, 12) \
	X(RTE_DMA_STATUS_DEV_LINK_ERROR, 13) \
	X(RTE_DMA_STATUS_PAGE_FAULT, 14) \
	X(RTE_DMA_STATUS_ERROR_UNKNOWN, 256) \
	X(RTE_DMA_DEV_UNUSED, 0) \
	X(RTE_DMA_DEV_REGISTERED, 1) \
	X(RTE_DMA_DEV_READY, 2)

/* ---------------------------------------------------------------------- */
/* Compile-time checks                                                    */
/* ---------------------------------------------------------------------- */

#define STATIC_SIZE_ALIGN(type, size, align) \
	_Static_assert(sizeof(type) == (size), "sizeof(" #type ") != " #size); \
	_Static_assert(alignof(type) == (align), "alignof(" #type ") != " #align);
SIZE_ALIGN_TABLE(STATIC_SIZE_ALIGN)

#define STATIC_OFFSET(type, member, off, size) \
	_Static_assert(offsetof(type, member) == (off), \
		       "offsetof(" #type ", " #member ") != " #off); \
	_Static_assert(MEMBER_SIZE(type, member) == (size), \
		       "sizeof(" #type "." #member ") != " #size);
OFFSET_TABLE(STATIC_OFFSET)

#define STATIC_MACRO(name, value) \
	_Static_assert((name) == (value##ULL), #name " != " #value);
MACRO_TABLE(STATIC_MACRO)

#define STATIC_BIT64_MACRO(name) \
	_Static_assert(sizeof(name) == sizeof(uint64_t) && (name) > 0 && \
		       ((name) - (name)) - 1 > 0, #name " is not a 64-bit unsigned value");
BIT64_MACRO_TABLE(STATIC_BIT64_MACRO)

#define STATIC_ENUM(name, value) \
	_Static_assert((name) == (value), #name " != " #value);
ENUM_TABLE(STATIC_ENUM)

/* Number of compile-time checks, for the summary line. */
#define COUNT_2(...) + 2
#define COUNT_1(...) + 1
enum {
	NB_STATIC_CHECKS = 0
		SIZE_ALIGN_TABLE(COUNT_2)
		OFFSET_TABLE(COUNT_2)
		MACRO_TABLE(COUNT_1)
		BIT64_MACRO_TABLE(COUNT_1)
		ENUM_TABLE(COUNT_1)
};

/* With -v: list every compile-time fact with the value the headers give. */
static void
list_static_facts(void)
{
#define PRINT_SIZE_ALIGN(type, size, align) \
	printf("  sizeof(%s) = %zu, alignof = %zu\n", #type, sizeof(type), \
	       (size_t)alignof(type));
	SIZE_ALIGN_TABLE(PRINT_SIZE_ALIGN)
#define PRINT_OFFSET(type, member, off, size) \
	printf("  %s.%s: offset %zu, size %zu\n", #type, #member, \
	       offsetof(type, member), MEMBER_SIZE(type, member));
	OFFSET_TABLE(PRINT_OFFSET)
#define PRINT_MACRO(name, value) \
	printf("  %s = 0x%llx\n", #name, (unsigned long long)(name));
	MACRO_TABLE(PRINT_MACRO)
#define PRINT_ENUM(name, value) \
	printf("  %s = %lld\n", #name, (long long)(name));
	ENUM_TABLE(PRINT_ENUM)
}

/* ---------------------------------------------------------------------- */
/* Run-time checks of the bit-fields                                      */
/* ---------------------------------------------------------------------- */

static unsigned int nb_passed;
static unsigned int nb_failed;

/*
 * Compare the bits set in @obj (a zeroed object in which exactly one field
 * was then set to all ones) with the expected range [@first_bit, first_bit +
 * @width).  Bit n is bit n % 8 of byte n / 8 (little-endian numbering).
 * Positions are printed relative to @base (the start of the enclosing
 * member, e.g. the pcie union) and the byte is given within @obj.
 */
static void
check_bits(const char *what, const void *obj, size_t obj_size,
	   unsigned int base, unsigned int first_bit, unsigned int width)
{
	const unsigned char *bytes = obj;
	unsigned int lowest = 0, highest = 0, count = 0;

	for (size_t n = 0; n < obj_size * 8; n++) {
		if (!(bytes[n / 8] & (1u << (n % 8))))
			continue;
		if (count == 0)
			lowest = (unsigned int)n;
		highest = (unsigned int)n;
		count++;
	}

	if (count == width && lowest == first_bit &&
	    highest == first_bit + width - 1) {
		nb_passed++;
		printf("  [PASS] %s: bits %u..%u, starting in byte %u bit %u\n",
		       what, lowest - base, highest - base, lowest / 8, lowest % 8);
	} else if (count == 0) {
		nb_failed++;
		printf("  [FAIL] %s: setting it changed no bit, expected bits %u..%u\n",
		       what, first_bit - base, first_bit - base + width - 1);
	} else {
		nb_failed++;
		printf("  [FAIL] %s: %u bits set within %u..%u (byte %u bit %u), "
		       "expected bits %u..%u (byte %u bit %u)\n",
		       what, count, lowest - base, highest - base, lowest / 8,
		       lowest % 8, first_bit - base, first_bit - base + width - 1,
		       first_bit / 8, first_bit % 8);
	}
}

static void
check_true(const char *what, int cond)
{
	if (cond) {
		nb_passed++;
		printf("  [PASS] %s\n", what);
	} else {
		nb_failed++;
		printf("  [FAIL] %s\n", what);
	}
}

/*
 * rte_dma_dev_data::dev_started is a 1-bit field in byte 96, bit 0.
 * The object is cache-line aligned, hence static storage rather than stack.
 */
static struct rte_dma_dev_data dev_data_probe;

static void
check_dev_started(void)
{
	memset(&dev_data_probe, 0, sizeof(dev_data_probe));
	dev_data_probe.dev_started = 1;
	check_bits("rte_dma_dev_data.dev_started (object bits)", &dev_data_probe,
		   sizeof(dev_data_probe), 0, 96 * 8 + 0, 1);
	check_true("rte_dma_dev_data.dev_started reads back 1",
		   dev_data_probe.dev_started == 1);
}

/*
 * PCIe bit-fields of rte_dma_port_param: positions are counted from the first
 * byte of the pcie union, which sits at offset 8 of rte_dma_port_param (the
 * printed byte numbers are offsets within rte_dma_port_param).
 */
#define PCIE_BIT_BASE (8u * 8u)

#define CHECK_PCIE_FIELD(field, first, width) do {                              \
	struct rte_dma_port_param p;                                            \
	memset(&p, 0, sizeof(p));                                               \
	p.pcie.field = (UINT64_C(1) << (width)) - 1;                            \
	check_bits("rte_dma_port_param.pcie." #field " (pcie bits)", &p,        \
		   sizeof(p), PCIE_BIT_BASE, PCIE_BIT_BASE + (first), (width)); \
	check_true("rte_dma_port_param.pcie." #field " holds a " #width         \
		   "-bit maximum", p.pcie.field == (UINT64_C(1) << (width)) - 1); \
} while (0)

static void
check_pcie_bitfields(void)
{
	struct rte_dma_port_param p;

	CHECK_PCIE_FIELD(coreid, 0, 4);
	CHECK_PCIE_FIELD(pfid, 4, 8);
	CHECK_PCIE_FIELD(vfen, 12, 1);
	CHECK_PCIE_FIELD(vfid, 13, 16);
	CHECK_PCIE_FIELD(pasid, 29, 20);
	CHECK_PCIE_FIELD(attr, 49, 3);
	CHECK_PCIE_FIELD(ph, 52, 2);
	CHECK_PCIE_FIELD(st, 64, 16);

	/* pcie.val covers the first 64 bits of the union only... */
	memset(&p, 0, sizeof(p));
	p.pcie.val = UINT64_MAX;
	check_bits("rte_dma_port_param.pcie.val (pcie bits)", &p, sizeof(p),
		   PCIE_BIT_BASE, PCIE_BIT_BASE + 0, 64);

	/* ...so it sees the fields below bit 64 and not 'st' above it. */
	memset(&p, 0, sizeof(p));
	p.pcie.ph = 3;
	check_true("rte_dma_port_param.pcie.val aliases ph (bits 52..53)",
		   p.pcie.val == (UINT64_C(3) << 52));
	memset(&p, 0, sizeof(p));
	p.pcie.st = 0xffff;
	check_true("rte_dma_port_param.pcie.val does not alias st",
		   p.pcie.val == 0);
}

int
main(int argc, char **argv)
{
	int verbose = argc > 1 && strcmp(argv[1], "-v") == 0;

	printf("dmadev ABI layout checks (DPDK 26.11, x86-64)\n");
	printf("  %d compile-time checks hold (sizes, alignments, offsets, "
	       "macro and enumerator values)\n", (int)NB_STATIC_CHECKS);
	if (verbose)
		list_static_facts();

	check_dev_started();
	check_pcie_bitfields();

	nb_passed += NB_STATIC_CHECKS;
	printf("%u passed, %u failed\n", nb_passed, nb_failed);

	return nb_failed == 0 ? 0 : 1;
}
