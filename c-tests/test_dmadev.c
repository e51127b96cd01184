/* SPDX-License-Identifier: BSD-3-Clause
 *
 * test_dmadev.c - data-path tests of one DMA device: copies, scatter-gather
 * copies, copies between plain (non-rte_malloc) memory, stop/start, burst
 * capacity, error reporting, fills, auto-free and the enqueue/dequeue API.
 *
 * This is a port of the "DMA dev instance testsuite" of DPDK's
 * app/test/test_dmadev.c: the same cases in the same order, the same
 * operations with the same sizes and counts, and the same checks on copied
 * data, ring indexes, completion statuses and statistics.  Differences:
 *   - mbufs from an rte_mempool are replaced by a small pool of rte_malloc'd
 *     buffers (buf_get/buf_put) except in m2d_autofree, which needs mbufs,
 *     and rte_rand() by a seeded xorshift PRNG;
 *   - every wait for the device is bounded (AWAIT_TIMEOUT_S) and a timeout
 *     fails the case instead of carrying on;
 *   - after each case the device's "submitted" counter must equal the number
 *     of operations the case enqueued, and no case but error_handling may
 *     report errors;
 *   - the fill case really checks that nothing past the fill length was
 *     written (DPDK's check runs over an mbuf data_len of 0, i.e. not at all).
 *
 * As in DPDK, the device is configured (1 vchan, 512 descriptors) and started
 * once by the suite setup and stopped by the suite teardown, so ring indexes
 * carry over from one case to the next (the copy case leaves them at
 * 85120 mod 65536 = 19584).  Each case may have its own setup hook that skips
 * it when the device lacks a capability.
 *
 * DPDK 26.11 with its own dma_skeleton: copy, sg_copy, sva_copy, stop_start,
 * burst_capacity and fill pass; error_handling, m2d_autofree and dma_enq_deq
 * are skipped.  dmadev-rs's dma_skeleton also offers RTE_DMA_CAPA_OPS_ENQ_DEQ,
 * so dma_enq_deq runs here (about 20 million operations), and
 * RTE_DMA_CAPA_M2D_AUTO_FREE, so m2d_autofree runs (with a real rte_mbuf pool:
 * 128 x 256 copies into the device's region, each source mbuf back in its pool
 * when completed).  error_handling runs on dma_interdomain.
 *
 * Usage: test_dmadev [EAL options]
 * The device "dma_skeleton" is created with rte_vdev_init() unless it
 * already exists (e.g. because --vdev=dma_skeleton was given).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "test_runner.h"

#define DEFAULT_DEVICE   "dma_skeleton"
#define TEST_RINGSIZE    512                 /* descriptors of the vchan */
#define COPY_LEN         2048                /* bytes per buffer */
#define POOL_SIZE        (TEST_RINGSIZE * 2) /* buffers, as DPDK's mbuf pool */
#define AWAIT_TIMEOUT_S  5                   /* longest wait for the device */
#define PRNG_SEED        UINT64_C(0x9e3779b97f4a7c15)

/* Print where a check failed and why, then make the caller return -1. */
#define CHECK_FAIL(...) do { \
	report_failure(__func__, __LINE__, __VA_ARGS__); \
	return -1; \
} while (0)

/* Wait until the device has finished what was submitted, or fail. */
#define AWAIT_OR_FAIL(dev_id, vchan) do { \
	if (await_hw(dev_id, vchan) != 0) \
		CHECK_FAIL("device still active after %d s", AWAIT_TIMEOUT_S); \
} while (0)

static int16_t test_dev_id;
static uint16_t test_vchan;
static struct rte_dma_info info;   /* refreshed by the suite setup */
static uint16_t id_count;          /* ring index the next operation must get */
static uint64_t ops_enqueued;      /* operations the running case enqueued */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
report_failure(const char *func, int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "    %s:%d: ", func, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double
seconds_since(uint64_t start_cycles)
{
	return (double)(rte_get_timer_cycles() - start_cycles) / (double)rte_get_timer_hz();
}

/* ---------------------------------------------------------------------- */
/* Random data: xorshift64*, deterministic so that failures reproduce.    */
/* ---------------------------------------------------------------------- */

static uint64_t prng_state = PRNG_SEED;

static uint64_t
prng_next(void)
{
	uint64_t x = prng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	prng_state = x;
	return x * UINT64_C(0x2545f4914f6cdd1d);
}

static void
fill_random(char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(prng_next() & 0xff);
}

/* ---------------------------------------------------------------------- */
/* Buffer pool: stands in for DPDK's mbuf pool (COPY_LEN bytes each).     */
/* The pool owns every buffer, so a case that fails half-way leaks        */
/* nothing: the suite teardown frees them all.                            */
/* ---------------------------------------------------------------------- */

static char *pool_bufs[POOL_SIZE];
static char *pool_free[POOL_SIZE];
static unsigned int pool_nb_free;

static void
pool_destroy(void)
{
	for (unsigned int i = 0; i < POOL_SIZE; i++) {
		rte_free(pool_bufs[i]);
		pool_bufs[i] = NULL;
	}
	pool_nb_free = 0;
}

static int
pool_create(void)
{
	for (unsigned int i = 0; i < POOL_SIZE; i++) {
		pool_bufs[i] = rte_malloc("test_dmadev_buf", COPY_LEN, 0);
		if (pool_bufs[i] == NULL) {
			pool_destroy();
			return -ENOMEM;
		}
		pool_free[i] = pool_bufs[i];
	}
	pool_nb_free = POOL_SIZE;
	return 0;
}

static char *
buf_get(void)
{
	return pool_nb_free > 0 ? pool_free[--pool_nb_free] : NULL;
}

static void
buf_put(char *buf)
{
	if (buf != NULL && pool_nb_free < POOL_SIZE)
		pool_free[pool_nb_free++] = buf;
}

static rte_iova_t
buf_iova(const char *buf)
{
	return rte_malloc_virt2iova(buf);
}

/* ---------------------------------------------------------------------- */
/* Enqueue wrappers: the API call, plus a count of accepted operations    */
/* that runtest() compares with the device's "submitted" statistic.      */
/* ---------------------------------------------------------------------- */

static int
enq_copy(int16_t dev_id, uint16_t vchan, rte_iova_t src, rte_iova_t dst,
	 uint32_t len, uint64_t flags)
{
	int ret = rte_dma_copy(dev_id, vchan, src, dst, len, flags);

	if (ret >= 0)
		ops_enqueued++;
	return ret;
}

static int
enq_copy_sg(int16_t dev_id, uint16_t vchan, struct rte_dma_sge *src,
	    struct rte_dma_sge *dst, uint16_t nb_src, uint16_t nb_dst, uint64_t flags)
{
	int ret = rte_dma_copy_sg(dev_id, vchan, src, dst, nb_src, nb_dst, flags);

	if (ret >= 0)
		ops_enqueued++;
	return ret;
}

static int
enq_fill(int16_t dev_id, uint16_t vchan, uint64_t pattern, rte_iova_t dst,
	 uint32_t len, uint64_t flags)
{
	int ret = rte_dma_fill(dev_id, vchan, pattern, dst, len, flags);

	if (ret >= 0)
		ops_enqueued++;
	return ret;
}

/*
 * DPDK's await_hw(): poll rte_dma_vchan_status() until the vchan is no longer
 * active.  A device without the status op gets 1 ms instead.  Unlike DPDK,
 * running out of time is an error (DPDK gives up silently after 1 s).
 */
static int
await_hw(int16_t dev_id, uint16_t vchan)
{
	enum rte_dma_vchan_status st;
	uint64_t deadline;

	if (rte_dma_vchan_status(dev_id, vchan, &st) < 0) {
		rte_delay_us_sleep(1000);
		return 0;
	}

	deadline = rte_get_timer_cycles() + AWAIT_TIMEOUT_S * rte_get_timer_hz();
	while (st == RTE_DMA_VCHAN_ACTIVE) {
		if (rte_get_timer_cycles() > deadline)
			return -1;
		if (rte_dma_vchan_status(dev_id, vchan, &st) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* copy                                                                   */
/* ---------------------------------------------------------------------- */

/*
 * One burst of 32 copies of COPY_LEN random bytes, enqueued as 1 x 32 or
 * 2 x 16 submits and collected in 1 x 32 or 2 x 16 completions, with
 * rte_dma_completed() or rte_dma_completed_status().
 */
static int
do_multi_copies(int16_t dev_id, uint16_t vchan, bool split_batches,
		bool split_completions, bool use_completed_status)
{
	enum { BURST = 32 };
	char *srcs[BURST], *dsts[BURST];
	enum rte_dma_status_code sc[BURST];
	bool dma_err = false;
	unsigned int i;
	int ret;

	for (i = 0; i < BURST; i++) {
		if (split_batches && i == BURST / 2)
			rte_dma_submit(dev_id, vchan);

		srcs[i] = buf_get();
		dsts[i] = buf_get();
		if (srcs[i] == NULL || dsts[i] == NULL)
			CHECK_FAIL("out of buffers");
		fill_random(srcs[i], COPY_LEN);

		ret = enq_copy(dev_id, vchan, buf_iova(srcs[i]), buf_iova(dsts[i]),
			       COPY_LEN, 0);
		if (ret != id_count)
			CHECK_FAIL("rte_dma_copy of buffer %u returned %d, expected index %u",
				   i, ret, id_count);
		id_count++;
	}
	rte_dma_submit(dev_id, vchan);

	AWAIT_OR_FAIL(dev_id, vchan);

	if (split_completions) {
		for (int half = 0; half < 2; half++) {
			ret = rte_dma_completed(dev_id, vchan, BURST / 2, NULL, &dma_err);
			if (ret != BURST / 2 || dma_err)
				CHECK_FAIL("rte_dma_completed, half %d: %d (expected %d), error %d",
					   half + 1, ret, BURST / 2, dma_err);
		}
	} else if (!use_completed_status) {
		ret = rte_dma_completed(dev_id, vchan, BURST, NULL, &dma_err);
		if (ret != BURST || dma_err)
			CHECK_FAIL("rte_dma_completed: %d (expected %d), error %d",
				   ret, BURST, dma_err);
	} else {
		ret = rte_dma_completed_status(dev_id, vchan, BURST, NULL, sc);
		if (ret != BURST)
			CHECK_FAIL("rte_dma_completed_status: %d (expected %d)", ret, BURST);
		for (i = 0; i < BURST; i++)
			if (sc[i] != RTE_DMA_STATUS_SUCCESSFUL)
				CHECK_FAIL("job %u has status %d", i, (int)sc[i]);
	}

	/* Everything was collected: a further call finds nothing. */
	ret = use_completed_status ?
		rte_dma_completed_status(dev_id, vchan, BURST, NULL, sc) :
		rte_dma_completed(dev_id, vchan, BURST, NULL, &dma_err);
	if (ret != 0)
		CHECK_FAIL("%d more completions after the burst was collected", ret);

	for (i = 0; i < BURST; i++) {
		for (unsigned int j = 0; j < COPY_LEN; j++)
			if (srcs[i][j] != dsts[i][j])
				CHECK_FAIL("copy %u differs at byte %u", i, j);
		buf_put(srcs[i]);
		buf_put(dsts[i]);
	}
	return 0;
}

/*
 * One submitted copy: data, then the index reported by rte_dma_completed(),
 * then that both completion calls report the same last index when nothing
 * more has completed.
 */
static int
test_single_copy(int16_t dev_id, uint16_t vchan)
{
	enum rte_dma_status_code status;
	char *src = buf_get(), *dst = buf_get();
	uint16_t id;
	int ret;

	if (src == NULL || dst == NULL)
		CHECK_FAIL("out of buffers");
	fill_random(src, COPY_LEN);

	ret = enq_copy(dev_id, vchan, buf_iova(src), buf_iova(dst), COPY_LEN,
		       RTE_DMA_OP_FLAG_SUBMIT);
	if (ret != id_count)
		CHECK_FAIL("rte_dma_copy returned %d, expected index %u", ret, id_count);

	AWAIT_OR_FAIL(dev_id, vchan);

	for (unsigned int i = 0; i < COPY_LEN; i++)
		if (dst[i] != src[i])
			CHECK_FAIL("byte %u: got %02x, expected %02x", i,
				   (unsigned char)dst[i], (unsigned char)src[i]);

	id = (uint16_t)~id_count;
	ret = rte_dma_completed(dev_id, vchan, 1, &id, NULL);
	if (ret != 1)
		CHECK_FAIL("rte_dma_completed returned %d, expected 1", ret);
	if (id != id_count)
		CHECK_FAIL("completed index %u, expected %u", id, id_count);

	id = (uint16_t)~id;
	ret = rte_dma_completed(dev_id, vchan, 1, &id, NULL);
	if (ret != 0)
		CHECK_FAIL("rte_dma_completed with nothing done returned %d", ret);
	if (id != id_count)
		CHECK_FAIL("rte_dma_completed with nothing done: last index %u, expected %u",
			   id, id_count);

	id = (uint16_t)~id;
	ret = rte_dma_completed_status(dev_id, vchan, 1, &id, &status);
	if (ret != 0)
		CHECK_FAIL("rte_dma_completed_status with nothing done returned %d", ret);
	if (id != id_count)
		CHECK_FAIL("rte_dma_completed_status with nothing done: last index %u, expected %u",
			   id, id_count);

	buf_put(src);
	buf_put(dst);

	ret = rte_dma_completed(dev_id, 0, 1, NULL, NULL);
	if (ret != 0)
		CHECK_FAIL("empty check: rte_dma_completed returned %d", ret);

	id_count++;
	return 0;
}

/* The same copy submitted 4 times, collected with one call asking for 8. */
static int
test_repeated_copy(int16_t dev_id, uint16_t vchan)
{
	const uint16_t max_ops = 4;
	char *src = buf_get(), *dst = buf_get();
	uint16_t id = 0, count;

	if (src == NULL || dst == NULL)
		CHECK_FAIL("out of buffers");
	fill_random(src, COPY_LEN);

	for (unsigned int i = 0; i < max_ops; i++) {
		int ret = enq_copy(dev_id, vchan, buf_iova(src), buf_iova(dst), COPY_LEN,
				   RTE_DMA_OP_FLAG_SUBMIT);
		if (ret != id_count)
			CHECK_FAIL("rte_dma_copy %u returned %d, expected index %u",
				   i, ret, id_count);
		id_count++;
	}

	AWAIT_OR_FAIL(dev_id, vchan);

	count = rte_dma_completed(dev_id, vchan, max_ops * 2, &id, NULL);
	if (count != max_ops)
		CHECK_FAIL("rte_dma_completed returned %u, expected %u", count, max_ops);
	if (id != (uint16_t)(id_count - 1))
		CHECK_FAIL("last index %u, expected %u", id, (uint16_t)(id_count - 1));

	if (memcmp(src, dst, COPY_LEN) != 0)
		CHECK_FAIL("data mismatch");

	buf_put(src);
	buf_put(dst);
	return 0;
}

/* One iteration of the copy case: 1 + 4 + 4 x 32 = 133 copies. */
static int
test_enqueue_copies(int16_t dev_id, uint16_t vchan)
{
	if (test_single_copy(dev_id, vchan) != 0 ||
	    test_repeated_copy(dev_id, vchan) != 0)
		return -1;

	/* Bursts: 1 x 32 submitted, 2 x 16 submitted, collected in two halves,
	 * collected with rte_dma_completed_status(). */
	return do_multi_copies(dev_id, vchan, false, false, false) ||
	       do_multi_copies(dev_id, vchan, true, false, false) ||
	       do_multi_copies(dev_id, vchan, false, true, false) ||
	       do_multi_copies(dev_id, vchan, false, false, true);
}

/* ---------------------------------------------------------------------- */
/* sg_copy                                                                */
/* ---------------------------------------------------------------------- */

/* One scatter-gather copy of about COPY_LEN bytes: n_src equal source
 * segments into n_dst equal destination segments. */
static int
do_sg_copy(int16_t dev_id, uint16_t vchan, uint16_t n_src, uint16_t n_dst,
	   struct rte_dma_sge *sg_src, struct rte_dma_sge *sg_dst,
	   char **src, char **dst)
{
	/* The length both segment counts divide. */
	unsigned int len = COPY_LEN - COPY_LEN % (n_src * n_dst);
	unsigned int src_len = len / n_src, dst_len = len / n_dst;
	char orig_src[COPY_LEN], copied[COPY_LEN];
	enum rte_dma_status_code status;
	unsigned int i;
	uint16_t id;
	int ret;

	fill_random(orig_src, len);
	memset(copied, 0, sizeof(copied));

	for (i = 0; i < n_src; i++) {
		src[i] = buf_get();
		if (src[i] == NULL)
			CHECK_FAIL("out of buffers");
		memcpy(src[i], orig_src + i * src_len, src_len);
		sg_src[i].addr = buf_iova(src[i]);
		sg_src[i].length = src_len;
	}
	for (i = 0; i < n_dst; i++) {
		dst[i] = buf_get();
		if (dst[i] == NULL)
			CHECK_FAIL("out of buffers");
		memset(dst[i], 0, dst_len);
		sg_dst[i].addr = buf_iova(dst[i]);
		sg_dst[i].length = dst_len;
	}

	printf("    src segs: %2u [seg len: %4u] - dst segs: %2u [seg len: %4u]\n",
	       n_src, src_len, n_dst, dst_len);

	ret = enq_copy_sg(dev_id, vchan, sg_src, sg_dst, n_src, n_dst,
			  RTE_DMA_OP_FLAG_SUBMIT);
	if (ret != id_count)
		CHECK_FAIL("rte_dma_copy_sg returned %d, expected index %u", ret, id_count);

	AWAIT_OR_FAIL(dev_id, vchan);

	for (i = 0; i < n_dst; i++)
		memcpy(copied + i * dst_len, dst[i], dst_len);
	if (memcmp(orig_src, copied, len) != 0)
		CHECK_FAIL("data mismatch (%u x %u segments)", n_src, n_dst);

	id = (uint16_t)~id_count;
	ret = rte_dma_completed(dev_id, vchan, 1, &id, NULL);
	if (ret != 1)
		CHECK_FAIL("rte_dma_completed returned %d, expected 1", ret);
	if (id != id_count)
		CHECK_FAIL("completed index %u, expected %u", id, id_count);

	id = (uint16_t)~id;
	ret = rte_dma_completed(dev_id, vchan, 1, &id, NULL);
	if (ret != 0 || id != id_count)
		CHECK_FAIL("rte_dma_completed with nothing done: %d, last index %u (expected 0, %u)",
			   ret, id, id_count);

	id = (uint16_t)~id;
	ret = rte_dma_completed_status(dev_id, vchan, 1, &id, &status);
	if (ret != 0 || id != id_count)
		CHECK_FAIL("rte_dma_completed_status with nothing done: %d, last index %u (expected 0, %u)",
			   ret, id, id_count);

	for (i = 0; i < n_src; i++)
		buf_put(src[i]);
	for (i = 0; i < n_dst; i++)
		buf_put(dst[i]);

	ret = rte_dma_completed(dev_id, 0, 1, NULL, NULL);
	if (ret != 0)
		CHECK_FAIL("empty check: rte_dma_completed returned %d", ret);

	id_count++;
	return 0;
}

/* Every combination of 1..max_sges source and destination segments. */
static int
test_enqueue_sg_copies(int16_t dev_id, uint16_t vchan)
{
	struct rte_dma_info dev_info;
	struct rte_dma_sge *sg_src, *sg_dst;
	char **src, **dst;
	uint16_t n_sge;
	int ret = 0;

	memset(&dev_info, 0, sizeof(dev_info));
	if (rte_dma_info_get(dev_id, &dev_info) < 0)
		CHECK_FAIL("rte_dma_info_get failed");
	if (dev_info.max_sges < 2)
		CHECK_FAIL("the case needs at least 2 segments, device has %u",
			   dev_info.max_sges);
	n_sge = dev_info.max_sges;

	sg_src = calloc(n_sge, sizeof(*sg_src));
	sg_dst = calloc(n_sge, sizeof(*sg_dst));
	src = calloc(n_sge, sizeof(*src));
	dst = calloc(n_sge, sizeof(*dst));
	if (sg_src == NULL || sg_dst == NULL || src == NULL || dst == NULL) {
		report_failure(__func__, __LINE__, "calloc failed");
		ret = -1;
	}

	for (uint16_t n_src = 1; ret == 0 && n_src <= n_sge; n_src++)
		for (uint16_t n_dst = 1; ret == 0 && n_dst <= n_sge; n_dst++)
			ret = do_sg_copy(dev_id, vchan, n_src, n_dst, sg_src, sg_dst,
					 src, dst);

	free(sg_src);
	free(sg_dst);
	free(src);
	free(dst);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* sva_copy                                                               */
/* ---------------------------------------------------------------------- */

/* A copy between buffers the device reaches only through SVA: their
 * virtual address is the IO address. */
static int
test_single_sva_copy(int16_t dev_id, uint16_t vchan, const char *what,
		     char *src, char *dst, uint32_t len)
{
	uint16_t id;
	int ret;

	fill_random(src, len);

	ret = enq_copy(dev_id, vchan, (rte_iova_t)(uintptr_t)src,
		       (rte_iova_t)(uintptr_t)dst, len, RTE_DMA_OP_FLAG_SUBMIT);
	if (ret != id_count)
		CHECK_FAIL("%s: rte_dma_copy returned %d, expected index %u",
			   what, ret, id_count);

	AWAIT_OR_FAIL(dev_id, vchan);

	id = (uint16_t)~id_count;
	ret = rte_dma_completed(dev_id, vchan, 1, &id, NULL);
	if (ret != 1)
		CHECK_FAIL("%s: rte_dma_completed returned %d, expected 1", what, ret);
	if (id != id_count)
		CHECK_FAIL("%s: completed index %u, expected %u", what, id, id_count);
	id_count++;

	for (uint32_t i = 0; i < len; i++)
		if (dst[i] != src[i])
			CHECK_FAIL("%s: byte %u: got %02x, expected %02x", what, i,
				   (unsigned char)dst[i], (unsigned char)src[i]);
	return 0;
}

static int
test_enqueue_sva_copies(int16_t dev_id, uint16_t vchan)
{
	char stack_src[COPY_LEN], stack_dst[COPY_LEN];
	char *heap_src = malloc(COPY_LEN), *heap_dst = malloc(COPY_LEN);
	int ret;

	if (heap_src == NULL || heap_dst == NULL) {
		free(heap_src);
		free(heap_dst);
		CHECK_FAIL("malloc failed");
	}
	ret = test_single_sva_copy(dev_id, vchan, "libc malloc", heap_src, heap_dst,
				   COPY_LEN);
	free(heap_src);
	free(heap_dst);
	if (ret != 0)
		return ret;

	return test_single_sva_copy(dev_id, vchan, "stack", stack_src, stack_dst, COPY_LEN);
}

/* ---------------------------------------------------------------------- */
/* stop_start                                                             */
/* ---------------------------------------------------------------------- */

/* Stop, start, stop, start again; then the device must still copy, with
 * ring indexes either continuing or restarting at 0. */
static int
test_stop_start(int16_t dev_id, uint16_t vchan)
{
	enum rte_dma_status_code status = RTE_DMA_STATUS_SUCCESSFUL;
	uint16_t id = 0;
	int ret;

	if ((ret = rte_dma_stop(dev_id)) < 0)
		CHECK_FAIL("rte_dma_stop returned %d", ret);
	if ((ret = rte_dma_start(dev_id)) < 0)
		CHECK_FAIL("rte_dma_start returned %d", ret);
	if ((ret = rte_dma_stop(dev_id)) < 0)
		CHECK_FAIL("rte_dma_stop after an idle start returned %d", ret);
	if ((ret = rte_dma_start(dev_id)) < 0)
		CHECK_FAIL("second rte_dma_start returned %d", ret);

	/* The last index reported with nothing completed tells where the
	 * device's numbering stands: one before the next job's index. */
	ret = rte_dma_completed_status(dev_id, vchan, 1, &id, &status);
	if (ret != 0)
		CHECK_FAIL("rte_dma_completed_status with nothing done returned %d", ret);
	id++;
	if (id != id_count && id != 0)
		CHECK_FAIL("next index after stop/start is %u, expected %u or 0", id, id_count);
	printf("    next index after stop/start: %u (before: %u)\n", id, id_count);

	id_count = id;
	if (test_single_copy(dev_id, vchan) != 0)
		CHECK_FAIL("copy after restart failed");
	return 0;
}

/* ---------------------------------------------------------------------- */
/* burst_capacity                                                         */
/* ---------------------------------------------------------------------- */

/*
 * Fill about half the ring in bursts of 64, checking that the capacity
 * drops by one per enqueue and never grows on submit, then drain it and
 * check the capacity is back.  Repeated until the ring and the 16-bit ring
 * indexes have wrapped twice (65536 copies with a 512-entry ring).
 */
static int
test_burst_capacity(int16_t dev_id, uint16_t vchan)
{
	enum { BURST = 64 };
	const int ring_space = rte_dma_burst_capacity(dev_id, vchan);
	const int bursts = ring_space / (2 * BURST) + 1;
	const int rounds = 2 * ((UINT16_MAX + 1) / ring_space);
	char *src = buf_get(), *dst = buf_get();
	bool dma_err = false;
	int cap, ret;

	if (src == NULL || dst == NULL)
		CHECK_FAIL("out of buffers");

	for (int iter = 0; iter < rounds; iter++) {
		for (int i = 0; i < bursts; i++) {
			cap = rte_dma_burst_capacity(dev_id, vchan);
			for (int j = 0; j < BURST; j++) {
				ret = enq_copy(dev_id, vchan, buf_iova(src), buf_iova(dst),
					       COPY_LEN, 0);
				if (ret < 0)
					CHECK_FAIL("rte_dma_copy returned %d (round %d)", ret, iter);
				ret = rte_dma_burst_capacity(dev_id, vchan);
				if (ret != cap - (j + 1))
					CHECK_FAIL("capacity %d after %d enqueues, expected %d",
						   ret, j + 1, cap - (j + 1));
			}
			if ((ret = rte_dma_submit(dev_id, vchan)) < 0)
				CHECK_FAIL("rte_dma_submit returned %d", ret);
			if (cap < rte_dma_burst_capacity(dev_id, vchan))
				CHECK_FAIL("capacity went up after a burst");
		}

		AWAIT_OR_FAIL(dev_id, vchan);

		for (int i = 0; i < bursts; i++) {
			ret = rte_dma_completed(dev_id, vchan, BURST, NULL, &dma_err);
			if (ret != BURST || dma_err) {
				enum rte_dma_status_code status = RTE_DMA_STATUS_SUCCESSFUL;

				rte_dma_completed_status(dev_id, vchan, 1, NULL, &status);
				CHECK_FAIL("rte_dma_completed: %d (expected %d), error %d, burst %d, round %d, status %d",
					   ret, BURST, dma_err, i, iter, (int)status);
			}
		}
		cap = rte_dma_burst_capacity(dev_id, vchan);
		if (cap != ring_space)
			CHECK_FAIL("capacity %d after draining, expected %d", cap, ring_space);
	}

	/* Keep id_count in step for the cases that follow. */
	id_count = (uint16_t)(id_count + rounds * bursts * BURST);

	buf_put(src);
	buf_put(dst);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* error_handling (needs RTE_DMA_CAPA_HANDLES_ERRORS)                     */
/* A source address of 0 makes one copy fail; the checks are on which     */
/* completions, indexes, statuses and statistics the device reports.      */
/* ---------------------------------------------------------------------- */

#define COMP_BURST_SZ 16

/* The fenced runs put a fence on job 8. */
static uint64_t
opt_fence(bool fence, unsigned int idx)
{
	return (fence && idx == 8) ? RTE_DMA_OP_FLAG_FENCE : 0;
}

/* Whether job @j of a burst is one of the @nb_fail failing jobs. */
static bool
is_failing(unsigned int j, const unsigned int *fail, size_t nb_fail)
{
	for (size_t i = 0; i < nb_fail; i++)
		if (fail[i] == j)
			return true;
	return false;
}

/* Enqueue and submit a burst whose jobs listed in @fail read address 0.
 * @first_id (may be NULL) receives the index of the first failing job. */
static int
enqueue_failing_burst(int16_t dev_id, uint16_t vchan, bool fence, char **srcs,
		      char **dsts, const unsigned int *fail, size_t nb_fail,
		      uint16_t *first_id)
{
	for (unsigned int j = 0; j < COMP_BURST_SZ; j++) {
		bool failing = is_failing(j, fail, nb_fail);
		int id = enq_copy(dev_id, vchan, failing ? 0 : buf_iova(srcs[j]),
				  buf_iova(dsts[j]), COPY_LEN, opt_fence(fence, j));

		if (id < 0)
			CHECK_FAIL("rte_dma_copy of job %u returned %d", j, id);
		if (failing && first_id != NULL && j == fail[0])
			*first_id = (uint16_t)id;
	}
	rte_dma_submit(dev_id, vchan);
	return 0;
}

/* Everything after the first failure is either successful or not attempted. */
static int
check_one_failure_first(const enum rte_dma_status_code *status, unsigned int count,
			unsigned int fail_idx)
{
	if (status[0] == RTE_DMA_STATUS_SUCCESSFUL)
		CHECK_FAIL("fail idx %u: first status is not a failure", fail_idx);
	for (unsigned int i = 1; i < count; i++)
		if (status[i] != RTE_DMA_STATUS_SUCCESSFUL &&
		    status[i] != RTE_DMA_STATUS_NOT_ATTEMPTED)
			CHECK_FAIL("fail idx %u: status %d for status entry %u",
				   fail_idx, (int)status[i], i);
	return 0;
}

/* Collect a burst with one failure in one completed() call, then the rest
 * with completed_status(); check the counters. */
static int
test_failure_in_full_burst(int16_t dev_id, uint16_t vchan, bool fence,
			   char **srcs, char **dsts, unsigned int fail_idx)
{
	enum rte_dma_status_code status[COMP_BURST_SZ];
	struct rte_dma_stats baseline, stats;
	uint16_t bad_id = 0, idx = 0, count, status_count;
	uint64_t err_count = 0;
	bool error = false;

	rte_dma_stats_get(dev_id, vchan, &baseline);
	if (enqueue_failing_burst(dev_id, vchan, fence, srcs, dsts, &fail_idx, 1,
				  &bad_id) != 0)
		return -1;
	rte_dma_stats_get(dev_id, vchan, &stats);
	if (stats.submitted != baseline.submitted + COMP_BURST_SZ)
		CHECK_FAIL("submitted %" PRIu64 ", expected %" PRIu64,
			   stats.submitted, baseline.submitted + COMP_BURST_SZ);

	AWAIT_OR_FAIL(dev_id, vchan);

	count = rte_dma_completed(dev_id, vchan, COMP_BURST_SZ, &idx, &error);
	if (count != fail_idx)
		CHECK_FAIL("rte_dma_completed returned %u, expected %u", count, fail_idx);
	if (!error)
		CHECK_FAIL("fail idx %u: has_error not set", fail_idx);
	if (idx != (uint16_t)(bad_id - 1))
		CHECK_FAIL("fail idx %u: last index %u, expected %u", fail_idx, idx,
			   (uint16_t)(bad_id - 1));

	/* Stopped at the error: further completed() calls return nothing. */
	for (int i = 0; i < 10; i++)
		if (rte_dma_completed(dev_id, vchan, COMP_BURST_SZ, &idx, &error) != 0 ||
		    !error || idx != (uint16_t)(bad_id - 1))
			CHECK_FAIL("fail idx %u: follow-up rte_dma_completed call %d", fail_idx, i);

	status_count = rte_dma_completed_status(dev_id, vchan, COMP_BURST_SZ, &idx, status);
	/* A device that halts on an error may report it alone and then go on. */
	if (status_count == 1) {
		AWAIT_OR_FAIL(dev_id, vchan);
		status_count += rte_dma_completed_status(dev_id, vchan, COMP_BURST_SZ - 1,
							 &idx, &status[1]);
	}
	if (status_count != COMP_BURST_SZ - count)
		CHECK_FAIL("fail idx %u: %u statuses, expected %u", fail_idx, status_count,
			   COMP_BURST_SZ - count);
	if (check_one_failure_first(status, status_count, fail_idx) != 0)
		return -1;

	rte_dma_stats_get(dev_id, vchan, &stats);
	if (stats.completed != baseline.completed + COMP_BURST_SZ)
		CHECK_FAIL("completed %" PRIu64 ", expected %" PRIu64,
			   stats.completed, baseline.completed + COMP_BURST_SZ);
	for (unsigned int i = 0; i < status_count; i++)
		err_count += status[i] != RTE_DMA_STATUS_SUCCESSFUL;
	if (stats.errors != baseline.errors + err_count)
		CHECK_FAIL("errors %" PRIu64 ", expected %" PRIu64,
			   stats.errors, baseline.errors + err_count);
	return 0;
}

/* Collect one completion at a time: completed() up to the error, then
 * completed_status() for the rest. */
static int
test_individual_status_query_with_failure(int16_t dev_id, uint16_t vchan, bool fence,
					  char **srcs, char **dsts, unsigned int fail_idx)
{
	enum rte_dma_status_code status[COMP_BURST_SZ];
	uint16_t bad_id = 0, idx = 0, count = 0, status_count = 0;
	bool error = false;

	if (enqueue_failing_burst(dev_id, vchan, fence, srcs, dsts, &fail_idx, 1,
				  &bad_id) != 0)
		return -1;
	AWAIT_OR_FAIL(dev_id, vchan);

	while (!error) {
		uint16_t n = rte_dma_completed(dev_id, vchan, 1, &idx, &error);

		count += n;
		if (n > 1 || count >= COMP_BURST_SZ)
			CHECK_FAIL("too many completions (%u)", count);
		if (n == 0 && !error)
			CHECK_FAIL("no completion and no error after %u completions", count);
	}
	if (idx != (uint16_t)(bad_id - 1))
		CHECK_FAIL("last successful index %u, expected %u", idx, (uint16_t)(bad_id - 1));

	while (count + status_count < COMP_BURST_SZ) {
		uint16_t n = rte_dma_completed_status(dev_id, vchan, 1, &idx,
						      &status[status_count]);

		AWAIT_OR_FAIL(dev_id, vchan);
		status_count += n;
		if (n != 1)
			CHECK_FAIL("rte_dma_completed_status returned %u, expected 1", n);
	}
	return check_one_failure_first(status, status_count, fail_idx);
}

/* Collect just the failing job's status, then the rest with completed(). */
static int
test_single_item_status_query_with_failure(int16_t dev_id, uint16_t vchan,
					   char **srcs, char **dsts, unsigned int fail_idx)
{
	enum rte_dma_status_code status;
	uint16_t bad_id = 0, idx = 0, count, status_count, count2;
	bool error = false;

	if (enqueue_failing_burst(dev_id, vchan, false, srcs, dsts, &fail_idx, 1,
				  &bad_id) != 0)
		return -1;
	AWAIT_OR_FAIL(dev_id, vchan);

	count = rte_dma_completed(dev_id, vchan, COMP_BURST_SZ, &idx, &error);
	if (count != fail_idx)
		CHECK_FAIL("rte_dma_completed returned %u, expected %u", count, fail_idx);
	if (!error)
		CHECK_FAIL("fail idx %u: has_error not set", fail_idx);
	if (idx != (uint16_t)(bad_id - 1))
		CHECK_FAIL("fail idx %u: last index %u, expected %u", fail_idx, idx,
			   (uint16_t)(bad_id - 1));

	status_count = rte_dma_completed_status(dev_id, vchan, 1, &idx, &status);
	if (status_count != 1)
		CHECK_FAIL("fail idx %u: %u statuses, expected 1", fail_idx, status_count);
	if (status == RTE_DMA_STATUS_SUCCESSFUL)
		CHECK_FAIL("fail idx %u: the status is not a failure", fail_idx);

	AWAIT_OR_FAIL(dev_id, vchan);

	count2 = rte_dma_completed(dev_id, vchan, COMP_BURST_SZ, &idx, &error);
	if (error)
		CHECK_FAIL("fail idx %u: another error after the status call", fail_idx);
	if (count + status_count + count2 != COMP_BURST_SZ)
		CHECK_FAIL("%u completions, expected %u", count + status_count + count2,
			   COMP_BURST_SZ);
	return 0;
}

/* Several failures in one burst, collected first with completed_status()
 * alone, then with completed() taking each error with completed_status(). */
static int
test_multi_failure(int16_t dev_id, uint16_t vchan, char **srcs, char **dsts,
		   const unsigned int *fail, size_t nb_fail)
{
	enum rte_dma_status_code status[COMP_BURST_SZ];
	uint16_t count, err_count = 0;
	bool error = false;
	uint64_t deadline;

	if (enqueue_failing_burst(dev_id, vchan, false, srcs, dsts, fail, nb_fail,
				  NULL) != 0)
		return -1;
	AWAIT_OR_FAIL(dev_id, vchan);

	count = rte_dma_completed_status(dev_id, vchan, COMP_BURST_SZ, NULL, status);
	while (count < COMP_BURST_SZ) {
		uint16_t n;

		AWAIT_OR_FAIL(dev_id, vchan);
		n = rte_dma_completed_status(dev_id, vchan, COMP_BURST_SZ - count, NULL,
					     &status[count]);
		if (n == 0)
			CHECK_FAIL("got %u of %u completions", count, COMP_BURST_SZ);
		count += n;
	}
	for (unsigned int i = 0; i < count; i++)
		err_count += status[i] != RTE_DMA_STATUS_SUCCESSFUL;
	if (err_count != nb_fail)
		CHECK_FAIL("%u failed completions, expected %zu", err_count, nb_fail);

	if (enqueue_failing_burst(dev_id, vchan, false, srcs, dsts, fail, nb_fail,
				  NULL) != 0)
		return -1;
	AWAIT_OR_FAIL(dev_id, vchan);

	count = 0;
	err_count = 0;
	deadline = rte_get_timer_cycles() + AWAIT_TIMEOUT_S * rte_get_timer_hz();
	while (count + err_count < COMP_BURST_SZ) {
		if (rte_get_timer_cycles() > deadline)
			CHECK_FAIL("only %u of %u completions after %d s",
				   count + err_count, COMP_BURST_SZ, AWAIT_TIMEOUT_S);
		count += rte_dma_completed(dev_id, vchan, COMP_BURST_SZ, NULL, &error);
		if (error) {
			uint16_t n = rte_dma_completed_status(dev_id, vchan, 1, NULL, status);

			if (n != 1)
				CHECK_FAIL("rte_dma_completed_status after an error returned %u", n);
			err_count += n;
			AWAIT_OR_FAIL(dev_id, vchan);
		}
	}
	if (err_count != nb_fail)
		CHECK_FAIL("%u failed completions, expected %zu", err_count, nb_fail);
	return 0;
}

static int
test_completion_status(int16_t dev_id, uint16_t vchan, bool fence)
{
	static const unsigned int fail[] = { 0, 7, 14, 15 };
	char *srcs[COMP_BURST_SZ], *dsts[COMP_BURST_SZ];
	int ret = 0;

	for (unsigned int i = 0; i < COMP_BURST_SZ; i++) {
		srcs[i] = buf_get();
		dsts[i] = buf_get();
		if (srcs[i] == NULL || dsts[i] == NULL)
			CHECK_FAIL("out of buffers");
	}

	for (unsigned int i = 0; ret == 0 && i < RTE_DIM(fail); i++) {
		ret = test_failure_in_full_burst(dev_id, vchan, fence, srcs, dsts, fail[i]);
		if (ret == 0)
			ret = test_individual_status_query_with_failure(dev_id, vchan, fence,
									srcs, dsts, fail[i]);
		if (ret == 0)
			ret = test_single_item_status_query_with_failure(dev_id, vchan,
									 srcs, dsts, fail[i]);
	}
	if (ret == 0)
		ret = test_multi_failure(dev_id, vchan, srcs, dsts, fail, RTE_DIM(fail));

	for (unsigned int i = 0; i < COMP_BURST_SZ; i++) {
		buf_put(srcs[i]);
		buf_put(dsts[i]);
	}
	return ret;
}

static int
test_completion_handling(int16_t dev_id, uint16_t vchan)
{
	return test_completion_status(dev_id, vchan, false) ||
	       test_completion_status(dev_id, vchan, true);
}

/* ---------------------------------------------------------------------- */
/* fill                                                                   */
/* ---------------------------------------------------------------------- */

/* Fills of several lengths (multiples of 8 and not): the pattern's bytes in
 * memory order, repeated, and nothing written past the length. */
static int
test_enqueue_fill(int16_t dev_id, uint16_t vchan)
{
	static const unsigned int lengths[] = { 8, 64, 1024, 50, 100, 89 };
	const uint64_t pattern = UINT64_C(0xfedcba9876543210);
	const unsigned char *pat = (const unsigned char *)&pattern;
	unsigned char *dst = (unsigned char *)buf_get();
	int ret;

	if (dst == NULL)
		CHECK_FAIL("out of buffers");

	for (unsigned int i = 0; i < RTE_DIM(lengths); i++) {
		unsigned int j;

		memset(dst, 0, COPY_LEN);
		ret = enq_fill(dev_id, vchan, pattern, buf_iova((char *)dst), lengths[i],
			       RTE_DMA_OP_FLAG_SUBMIT);
		if (ret < 0)
			CHECK_FAIL("rte_dma_fill of %u bytes returned %d", lengths[i], ret);
		AWAIT_OR_FAIL(dev_id, vchan);

		ret = rte_dma_completed(dev_id, vchan, 1, NULL, NULL);
		if (ret != 1)
			CHECK_FAIL("fill of %u bytes: rte_dma_completed returned %d",
				   lengths[i], ret);
		for (j = 0; j < lengths[i]; j++)
			if (dst[j] != pat[j % 8])
				CHECK_FAIL("fill of %u bytes: byte %u is %02x, expected %02x",
					   lengths[i], j, dst[j], pat[j % 8]);
		for (; j < COPY_LEN; j++)
			if (dst[j] != 0)
				CHECK_FAIL("fill of %u bytes wrote byte %u (%02x)",
					   lengths[i], j, dst[j]);
		id_count++;
	}

	buf_put((char *)dst);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* dma_enq_deq (needs RTE_DMA_CAPA_OPS_ENQ_DEQ)                           */
/* ---------------------------------------------------------------------- */

#define ENQDEQ_BURST   16
#define ENQDEQ_TOTAL   20000000  /* DPDK's budget (2E7), in rounds of max_desc - 16 ops */
#define ENQDEQ_LEN     64

/* Operations with one source and one destination segment, each op with its
 * own pair of ENQDEQ_LEN-byte buffers; a free stack stands in for the
 * rte_mempool DPDK takes them from. */
struct op_pool {
	struct rte_dma_op **ops;
	struct rte_dma_op **free;
	char *data;
	unsigned int size, nb_free;
};

static void
op_pool_destroy(struct op_pool *p)
{
	for (unsigned int i = 0; p->ops != NULL && i < p->size; i++)
		rte_free(p->ops[i]);
	free(p->ops);
	free(p->free);
	rte_free(p->data);
	memset(p, 0, sizeof(*p));
}

static int
op_pool_create(struct op_pool *p, unsigned int size)
{
	const size_t op_size = sizeof(struct rte_dma_op) + 2 * sizeof(struct rte_dma_sge);

	memset(p, 0, sizeof(*p));
	p->ops = calloc(size, sizeof(*p->ops));
	p->free = calloc(size, sizeof(*p->free));
	p->data = rte_malloc("test_dmadev_enqdeq", (size_t)size * 2 * ENQDEQ_LEN, 0);
	if (p->ops == NULL || p->free == NULL || p->data == NULL)
		goto fail;
	p->size = size;
	for (unsigned int i = 0; i < size; i++) {
		struct rte_dma_op *op = rte_zmalloc("test_dmadev_op", op_size, 0);

		if (op == NULL)
			goto fail;
		op->nb_src = 1;
		op->nb_dst = 1;
		op->src_dst_seg[0].addr = buf_iova(p->data + (size_t)i * 2 * ENQDEQ_LEN);
		op->src_dst_seg[1].addr = op->src_dst_seg[0].addr + ENQDEQ_LEN;
		op->src_dst_seg[0].length = ENQDEQ_LEN;
		op->src_dst_seg[1].length = ENQDEQ_LEN;
		p->ops[i] = op;
		p->free[p->nb_free++] = op;
	}
	return 0;
fail:
	op_pool_destroy(p);
	return -ENOMEM;
}

static void *
seg_ptr(const struct rte_dma_sge *seg)
{
	return (void *)(uintptr_t)seg->addr;
}

/* Enqueue @max operations in bursts: random source byte, cleared
 * destination. */
static int
enqueue_op_bursts(int16_t dev_id, uint16_t vchan, struct op_pool *p, int max)
{
	struct rte_dma_op *ops[ENQDEQ_BURST];
	const uint64_t deadline = rte_get_timer_cycles() + AWAIT_TIMEOUT_S * rte_get_timer_hz();

	for (int n = 0; n < max; n += ENQDEQ_BURST) {
		uint16_t enq = 0;

		if (p->nb_free < ENQDEQ_BURST)
			CHECK_FAIL("out of operations after %d", n);
		for (int j = 0; j < ENQDEQ_BURST; j++) {
			ops[j] = p->free[--p->nb_free];
			ops[j]->flags = 0;
			memset(seg_ptr(&ops[j]->src_dst_seg[0]), (int)(prng_next() & 0xff),
			       ENQDEQ_LEN);
			memset(seg_ptr(&ops[j]->src_dst_seg[1]), 0, ENQDEQ_LEN);
		}
		while (enq != ENQDEQ_BURST) {
			if (rte_get_timer_cycles() > deadline)
				CHECK_FAIL("device took only %d of %d operations in %d s",
					   n + enq, max, AWAIT_TIMEOUT_S);
			enq += rte_dma_enqueue_ops(dev_id, vchan, ops + enq,
						   ENQDEQ_BURST - enq);
		}
		ops_enqueued += ENQDEQ_BURST;
	}
	return 0;
}

/* Dequeue @max operations in bursts and check each copy. */
static int
dequeue_op_bursts(int16_t dev_id, uint16_t vchan, struct op_pool *p, int max)
{
	struct rte_dma_op *ops[ENQDEQ_BURST];
	const uint64_t deadline = rte_get_timer_cycles() + AWAIT_TIMEOUT_S * rte_get_timer_hz();

	for (int n = 0; n < max; n += ENQDEQ_BURST) {
		uint16_t deq = 0;

		while (deq != ENQDEQ_BURST) {
			if (rte_get_timer_cycles() > deadline)
				CHECK_FAIL("device returned only %d of %d operations in %d s",
					   n + deq, max, AWAIT_TIMEOUT_S);
			deq += rte_dma_dequeue_ops(dev_id, vchan, ops + deq,
						   ENQDEQ_BURST - deq);
		}
		for (int j = 0; j < ENQDEQ_BURST; j++) {
			const struct rte_dma_sge *s = &ops[j]->src_dst_seg[0];
			const struct rte_dma_sge *d = &ops[j]->src_dst_seg[1];

			if (memcmp(seg_ptr(s), seg_ptr(d), s->length) != 0)
				CHECK_FAIL("operation %d: data mismatch", n + j);
			p->free[p->nb_free++] = ops[j];
		}
	}
	return 0;
}

/* Rounds of (max_desc - 16) operations enqueued, then all dequeued. */
static int
test_enq_deq_ops(int16_t dev_id, uint16_t vchan)
{
	struct rte_dma_info dev_info;
	struct op_pool pool;
	uint64_t total = 0;
	int max, rounds, ret = 0;

	memset(&dev_info, 0, sizeof(dev_info));
	if (rte_dma_info_get(dev_id, &dev_info) != 0)
		CHECK_FAIL("rte_dma_info_get failed");
	if (op_pool_create(&pool, dev_info.max_desc) != 0)
		CHECK_FAIL("cannot allocate %u operations", dev_info.max_desc);

	max = (int)dev_info.max_desc - ENQDEQ_BURST;
	rounds = ENQDEQ_TOTAL / max;
	for (int i = 0; ret == 0 && i < rounds; i++) {
		ret = enqueue_op_bursts(dev_id, vchan, &pool, max);
		if (ret == 0)
			ret = dequeue_op_bursts(dev_id, vchan, &pool, max);
		total += (uint64_t)max;
	}
	printf("    enqueued and dequeued %" PRIu64 " operations\n", total);

	op_pool_destroy(&pool);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* Per-case setup hooks (DPDK's): skip when the device lacks something.   */
/* ---------------------------------------------------------------------- */

static int
setup_sg_copy(void)
{
	if ((info.dev_capa & RTE_DMA_CAPA_OPS_COPY_SG) == 0) {
		test_skip_reason("device lacks RTE_DMA_CAPA_OPS_COPY_SG");
		return TEST_SKIPPED;
	}
	return TEST_SUCCESS;
}

static int
setup_sva(void)
{
	if ((info.dev_capa & RTE_DMA_CAPA_SVA) == 0) {
		test_skip_reason("device does not support SVA (RTE_DMA_CAPA_SVA)");
		return TEST_SKIPPED;
	}
	return TEST_SUCCESS;
}

static int
setup_burst(void)
{
	if (rte_dma_burst_capacity(test_dev_id, test_vchan) < 64) {
		test_skip_reason("burst capacity below the 64 the case needs");
		return TEST_SKIPPED;
	}
	return TEST_SUCCESS;
}

static int
setup_error_handling(void)
{
	/* The failing jobs read address 0, which is only invalid when IO
	 * addresses are virtual addresses; and the device must report errors. */
	if (rte_eal_iova_mode() != RTE_IOVA_VA) {
		test_skip_reason("IOVA mode is not VA, so address 0 is not an error");
		return TEST_SKIPPED;
	}
	if ((info.dev_capa & RTE_DMA_CAPA_HANDLES_ERRORS) == 0) {
		test_skip_reason("device does not report errors (no RTE_DMA_CAPA_HANDLES_ERRORS)");
		return TEST_SKIPPED;
	}
	return TEST_SUCCESS;
}

static int
setup_fill(void)
{
	if ((info.dev_capa & RTE_DMA_CAPA_OPS_FILL) == 0) {
		test_skip_reason("device has no fill support (RTE_DMA_CAPA_OPS_FILL)");
		return TEST_SKIPPED;
	}
	return TEST_SUCCESS;
}

/* The mbuf pool the m2d_autofree case's vchan frees into (DPDK's test pool). */
static struct rte_mempool *m2d_pool;

/* Set up a mem-to-dev vchan whose device frees the sources into m2d_pool
 * (DPDK's prepare_m2d_auto_free; DPDK also needs DPDK_ADD_DMA_TEST=m2d_auto_free). */
static int
setup_m2d_autofree(void)
{
	struct rte_dma_vchan_conf qconf;
	int ret;

	if ((info.dev_capa & RTE_DMA_CAPA_M2D_AUTO_FREE) == 0) {
		test_skip_reason("device lacks RTE_DMA_CAPA_M2D_AUTO_FREE");
		return TEST_SKIPPED;
	}
	if (m2d_pool == NULL)
		m2d_pool = rte_pktmbuf_pool_create("TEST_DMADEV_POOL", TEST_RINGSIZE * 2, 32, 0,
						   COPY_LEN + RTE_PKTMBUF_HEADROOM, info.numa_node);
	if (m2d_pool == NULL)
		CHECK_FAIL("rte_pktmbuf_pool_create failed, rte_errno %d", rte_errno);

	memset(&qconf, 0, sizeof(qconf));
	qconf.direction = RTE_DMA_DIR_MEM_TO_DEV;
	qconf.nb_desc = TEST_RINGSIZE;
	qconf.auto_free.m2d.pool = m2d_pool;
	qconf.dst_port.port_type = RTE_DMA_PORT_PCIE;
	if ((ret = rte_dma_stop(test_dev_id)) < 0)
		CHECK_FAIL("rte_dma_stop returned %d", ret);
	if ((ret = rte_dma_vchan_setup(test_dev_id, test_vchan, &qconf)) < 0)
		CHECK_FAIL("rte_dma_vchan_setup (mem-to-dev) returned %d", ret);
	if ((ret = rte_dma_start(test_dev_id)) != 0)
		CHECK_FAIL("rte_dma_start returned %d", ret);
	return TEST_SUCCESS;
}

/* Free objects of m2d_pool as DPDK's test counts them: the common store plus
 * this lcore's cache. */
static unsigned int
m2d_free_count(void)
{
	struct rte_mempool_cache *cache = rte_mempool_default_cache(m2d_pool, rte_lcore_id());
	struct rte_mempool_ops *ops = rte_mempool_get_ops(m2d_pool->ops_index);

	return ops->get_count(m2d_pool) + (cache != NULL ? cache->len : 0);
}

/*
 * DPDK's test_m2d_auto_free: 256 mbufs copied to the device with
 * RTE_DMA_OP_FLAG_AUTO_FREE must all be back in the pool once completed.
 * Unlike DPDK's (which returns the last ring index, so fails whenever it is
 * not 0), it returns 0 on success, bounds the wait and checks the count of
 * completions too.
 */
static int
test_m2d_auto_free(int16_t dev_id, uint16_t vchan)
{
#define NR_MBUF 256
	struct rte_mbuf *src[NR_MBUF];
	unsigned int before, nb_done = 0;
	bool dma_err = false;
	uint64_t deadline;
	int i, ret;

	before = m2d_free_count();
	if (rte_pktmbuf_alloc_bulk(m2d_pool, src, NR_MBUF) != 0)
		CHECK_FAIL("cannot allocate %d mbufs", NR_MBUF);
	if (m2d_free_count() != before - NR_MBUF)
		CHECK_FAIL("pool count %u after taking %d of %u", m2d_free_count(), NR_MBUF, before);

	for (i = 0; i < NR_MBUF; i++) {
		/* Device addresses are offsets in the device's region. */
		rte_iova_t dst = (rte_iova_t)(i % 16) * COPY_LEN;

		fill_random(rte_pktmbuf_mtod(src[i], char *), COPY_LEN);
		ret = rte_dma_copy(dev_id, vchan, rte_mbuf_data_iova(src[i]), dst, COPY_LEN,
				   RTE_DMA_OP_FLAG_AUTO_FREE);
		if (ret < 0) {
			rte_pktmbuf_free_bulk(&src[i], NR_MBUF - i);
			CHECK_FAIL("rte_dma_copy %d returned %d", i, ret);
		}
		ops_enqueued++;
	}
	rte_dma_submit(dev_id, vchan);

	deadline = rte_get_timer_cycles() + AWAIT_TIMEOUT_S * rte_get_timer_hz();
	while (nb_done < NR_MBUF && !dma_err && rte_get_timer_cycles() < deadline)
		nb_done += rte_dma_completed(dev_id, vchan, NR_MBUF - nb_done, NULL, &dma_err);
	if (nb_done != NR_MBUF || dma_err)
		CHECK_FAIL("%u of %d copies completed, error %d", nb_done, NR_MBUF, dma_err);
	if (m2d_free_count() != before)
		CHECK_FAIL("pool count %u after auto-free, %u before", m2d_free_count(), before);
	return 0;
#undef NR_MBUF
}

/* Reconfigure for enqueue/dequeue mode with the largest ring. */
static int
setup_enq_deq(void)
{
	const struct rte_dma_conf conf = {
		.nb_vchans = 1, .flags = RTE_DMA_CFG_FLAG_ENQ_DEQ,
	};
	struct rte_dma_vchan_conf qconf;
	int ret;

	if ((info.dev_capa & RTE_DMA_CAPA_OPS_ENQ_DEQ) == 0) {
		test_skip_reason("device lacks RTE_DMA_CAPA_OPS_ENQ_DEQ");
		return TEST_SKIPPED;
	}

	memset(&qconf, 0, sizeof(qconf));
	qconf.direction = RTE_DMA_DIR_MEM_TO_MEM;
	qconf.nb_desc = info.max_desc;

	if ((ret = rte_dma_stop(test_dev_id)) < 0)
		CHECK_FAIL("rte_dma_stop returned %d", ret);
	if ((ret = rte_dma_configure(test_dev_id, &conf)) != 0)
		CHECK_FAIL("rte_dma_configure (ENQ_DEQ) returned %d", ret);
	if ((ret = rte_dma_vchan_setup(test_dev_id, test_vchan, &qconf)) < 0)
		CHECK_FAIL("rte_dma_vchan_setup returned %d", ret);
	if ((ret = rte_dma_start(test_dev_id)) != 0)
		CHECK_FAIL("rte_dma_start returned %d", ret);
	return TEST_SUCCESS;
}

/* ---------------------------------------------------------------------- */
/* Running a case: DPDK's runtest()                                       */
/* ---------------------------------------------------------------------- */

struct instance_case {
	const char *name;
	int (*setup)(void);                          /* NULL: always runs */
	int (*fn)(int16_t dev_id, uint16_t vchan);
	int iterations;
	bool errors_expected;  /* device errors are part of the case */
	bool count_ops;        /* "submitted" must equal the ops we enqueued */
};

/*
 * Reset the counters, run @c->fn @c->iterations times and after each
 * iteration check that every submitted operation was also completed (and,
 * unless the case provokes errors, that none failed).
 */
static int
runtest(const struct instance_case *c)
{
	struct rte_dma_stats stats;
	uint64_t start = rte_get_timer_cycles();
	int ret;

	rte_dma_stats_reset(test_dev_id, test_vchan);
	ops_enqueued = 0;
	printf("    dev %d: running %s (%d iteration%s), ring index %u\n", test_dev_id,
	       c->name, c->iterations, c->iterations == 1 ? "" : "s", id_count);

	memset(&stats, 0, sizeof(stats));
	for (int i = 0; i < c->iterations; i++) {
		if (c->fn(test_dev_id, test_vchan) != 0)
			CHECK_FAIL("%s failed in iteration %d", c->name, i);

		if ((ret = rte_dma_stats_get(test_dev_id, test_vchan, &stats)) != 0)
			CHECK_FAIL("rte_dma_stats_get returned %d", ret);
		if (stats.completed != stats.submitted)
			CHECK_FAIL("iteration %d: %" PRIu64 " submitted but %" PRIu64 " completed",
				   i, stats.submitted, stats.completed);
		if (!c->errors_expected && stats.errors != 0)
			CHECK_FAIL("iteration %d: %" PRIu64 " errors", i, stats.errors);
	}
	printf("    ops submitted: %" PRIu64 "  completed: %" PRIu64 "  errors: %" PRIu64
	       "  (%.3f s)\n", stats.submitted, stats.completed, stats.errors,
	       seconds_since(start));

	if (c->count_ops && stats.submitted != ops_enqueued)
		CHECK_FAIL("device counted %" PRIu64 " submitted ops, the case enqueued %" PRIu64,
			   stats.submitted, ops_enqueued);
	return 0;
}

static int
run_instance_case(const struct instance_case *c)
{
	if (c->setup != NULL) {
		int ret = c->setup();

		if (ret == TEST_SKIPPED)
			return TEST_SKIPPED;
		if (ret != TEST_SUCCESS)
			return TEST_FAILED;
	}
	return runtest(c) == 0 ? TEST_SUCCESS : TEST_FAILED;
}

enum {
	CASE_COPY, CASE_SG_COPY, CASE_SVA_COPY, CASE_STOP_START, CASE_BURST,
	CASE_ERR, CASE_FILL, CASE_M2D, CASE_ENQ_DEQ,
};

/* DPDK's cases, iterations and setup hooks. */
static const struct instance_case instance_cases[] = {
	[CASE_COPY]       = { "copy", NULL, test_enqueue_copies, 640, false, true },
	[CASE_SG_COPY]    = { "sg_copy", setup_sg_copy, test_enqueue_sg_copies, 1, false, true },
	[CASE_SVA_COPY]   = { "sva_copy", setup_sva, test_enqueue_sva_copies, 1, false, true },
	[CASE_STOP_START] = { "stop_start", NULL, test_stop_start, 1, false, true },
	[CASE_BURST]      = { "burst_capacity", setup_burst, test_burst_capacity, 1, false, true },
	[CASE_ERR]        = { "error_handling", setup_error_handling, test_completion_handling,
			      1, true, true },
	[CASE_FILL]       = { "fill", setup_fill, test_enqueue_fill, 1, false, true },
	[CASE_M2D]        = { "m2d_autofree", setup_m2d_autofree, test_m2d_auto_free, 128, false, true },
	[CASE_ENQ_DEQ]    = { "dma_enq_deq", setup_enq_deq, test_enq_deq_ops, 1, false, true },
};

static int case_copy(void) { return run_instance_case(&instance_cases[CASE_COPY]); }
static int case_sg_copy(void) { return run_instance_case(&instance_cases[CASE_SG_COPY]); }
static int case_sva_copy(void) { return run_instance_case(&instance_cases[CASE_SVA_COPY]); }
static int case_stop_start(void) { return run_instance_case(&instance_cases[CASE_STOP_START]); }
static int case_burst(void) { return run_instance_case(&instance_cases[CASE_BURST]); }
static int case_err(void) { return run_instance_case(&instance_cases[CASE_ERR]); }
static int case_fill(void) { return run_instance_case(&instance_cases[CASE_FILL]); }
static int case_m2d(void) { return run_instance_case(&instance_cases[CASE_M2D]); }
static int case_enq_deq(void) { return run_instance_case(&instance_cases[CASE_ENQ_DEQ]); }

/* ---------------------------------------------------------------------- */
/* Suite setup / teardown (DPDK's test_dmadev_setup/teardown)             */
/* ---------------------------------------------------------------------- */

/* Configure one vchan with TEST_RINGSIZE descriptors (within the device's
 * limits), start, and check the device starts with zero counters. */
static int
suite_setup(void)
{
	const struct rte_dma_conf conf = { .nb_vchans = 1 };
	struct rte_dma_vchan_conf qconf;
	struct rte_dma_stats stats;
	int ret;

	test_vchan = 0;
	if ((ret = rte_dma_info_get(test_dev_id, &info)) != 0)
		CHECK_FAIL("rte_dma_info_get returned %d", ret);
	if (info.max_vchans < 1)
		CHECK_FAIL("device %d has no vchan", test_dev_id);
	if ((ret = rte_dma_configure(test_dev_id, &conf)) != 0)
		CHECK_FAIL("rte_dma_configure returned %d", ret);

	memset(&qconf, 0, sizeof(qconf));
	qconf.direction = RTE_DMA_DIR_MEM_TO_MEM;
	qconf.nb_desc = TEST_RINGSIZE;
	if (qconf.nb_desc < info.min_desc)
		qconf.nb_desc = info.min_desc;
	if (qconf.nb_desc > info.max_desc)
		qconf.nb_desc = info.max_desc;
	if ((ret = rte_dma_vchan_setup(test_dev_id, test_vchan, &qconf)) < 0)
		CHECK_FAIL("rte_dma_vchan_setup returned %d", ret);

	ret = rte_dma_info_get(test_dev_id, &info);
	if (ret != 0 || info.nb_vchans != 1)
		CHECK_FAIL("after setup: rte_dma_info_get %d, nb_vchans %u", ret, info.nb_vchans);

	if ((ret = rte_dma_start(test_dev_id)) != 0)
		CHECK_FAIL("rte_dma_start returned %d", ret);
	if ((ret = rte_dma_stats_get(test_dev_id, test_vchan, &stats)) != 0)
		CHECK_FAIL("rte_dma_stats_get returned %d", ret);
	if (rte_dma_burst_capacity(test_dev_id, test_vchan) < 32)
		CHECK_FAIL("burst capacity %u is below 32",
			   rte_dma_burst_capacity(test_dev_id, test_vchan));
	if (stats.completed != 0 || stats.submitted != 0 || stats.errors != 0)
		CHECK_FAIL("fresh device counters not zero: submitted %" PRIu64
			   ", completed %" PRIu64 ", errors %" PRIu64,
			   stats.submitted, stats.completed, stats.errors);
	id_count = 0;

	if (pool_create() != 0)
		CHECK_FAIL("cannot allocate %d buffers of %d bytes", POOL_SIZE, COPY_LEN);
	return TEST_SUCCESS;
}

static void
suite_teardown(void)
{
	if (pool_nb_free != POOL_SIZE)
		printf("    note: %u of %d buffers not returned (a failed case)\n",
		       POOL_SIZE - pool_nb_free, POOL_SIZE);
	pool_destroy();
	rte_dma_stop(test_dev_id);
	rte_mempool_free(m2d_pool);
	m2d_pool = NULL;
	rte_dma_stats_reset(test_dev_id, test_vchan);
}

static const struct test_case cases[] = {
	{ "copy", case_copy },
	{ "sg_copy", case_sg_copy },
	{ "sva_copy", case_sva_copy },
	{ "stop_start", case_stop_start },
	{ "burst_capacity", case_burst },
	{ "error_handling", case_err },
	{ "fill", case_fill },
	{ "m2d_autofree", case_m2d },
	{ "dma_enq_deq", case_enq_deq },
	TEST_CASES_END()
};

static const struct test_suite suite = {
	.name = "DMA dev instance testsuite",
	.setup = suite_setup,
	.teardown = suite_teardown,
	.cases = cases,
};

int
main(int argc, char **argv)
{
	struct rte_dma_info dev_info;
	const char *DEVICE_NAME = DEFAULT_DEVICE;
	bool created = false;
	unsigned int failed;
	int dev_id, ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	/* Application arguments (after the EAL's and "--"): --device=NAME picks the
	 * software device to test (a name prefixed by a vdev driver's, e.g.
	 * dma_interdomain, whose HANDLES_ERRORS runs the error_handling case). */
	for (int i = ret + 1; i < argc; i++) {
		if (strncmp(argv[i], "--device=", 9) == 0 && argv[i][9] != '\0') {
			DEVICE_NAME = argv[i] + 9;
		} else {
			fprintf(stderr, "unknown argument %s (usage: [EAL options] -- [--device=NAME])\n",
				argv[i]);
			rte_eal_cleanup();
			return 1;
		}
	}

	/* Create the skeleton device unless the EAL arguments already did. */
	if (rte_dma_get_dev_id_by_name(DEVICE_NAME) < 0) {
		if (rte_vdev_init(DEVICE_NAME, NULL) != 0) {
			fprintf(stderr, "rte_vdev_init(\"%s\") failed\n", DEVICE_NAME);
			rte_eal_cleanup();
			return 1;
		}
		created = true;
	}
	dev_id = rte_dma_get_dev_id_by_name(DEVICE_NAME);
	memset(&dev_info, 0, sizeof(dev_info));
	if (dev_id < 0 || rte_dma_info_get((int16_t)dev_id, &dev_info) != 0) {
		fprintf(stderr, "no usable dmadev named \"%s\" (%d)\n", DEVICE_NAME, dev_id);
		if (created)
			rte_vdev_uninit(DEVICE_NAME);
		rte_eal_cleanup();
		return 1;
	}

	test_dev_id = (int16_t)dev_id;
	printf("dmadev instance tests on device %d [%s], PRNG seed 0x%016" PRIx64 "\n",
	       dev_id, dev_info.dev_name != NULL ? dev_info.dev_name : "?", prng_state);
	failed = test_suite_run(&suite);

	if (created && rte_vdev_uninit(DEVICE_NAME) != 0)
		fprintf(stderr, "warning: rte_vdev_uninit(\"%s\") failed\n", DEVICE_NAME);
	rte_eal_cleanup();

	return failed == 0 ? 0 : 1;
}
