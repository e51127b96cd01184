/* SPDX-License-Identifier: BSD-3-Clause
 *
 * test_lifecycle.c - what a reconfiguration or the EAL's cleanup leaves behind.
 *
 *  - configure discards every vchan: work executed but never collected before the
 *    reconfiguration is not handed back afterwards (not even as rte_dma_op
 *    pointers in enqueue/dequeue mode), and a vchan dropped by the new
 *    configuration never runs what was left in it;
 *  - rte_eal_cleanup stops a started device and removes it, worker thread
 *    included (the last case: the EAL is gone after it).
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_test.h>

#include "test_runner.h"

#define DEVICE_NAME "dma_skeleton"
#define LEN         256
#define NB_DESC     64
#define WAIT_US     50000

static int16_t dev_id;
static uint8_t *src;
static uint8_t *dst;

static int
configure(uint16_t nb_vchans, uint64_t flags)
{
	struct rte_dma_conf conf = { .nb_vchans = nb_vchans, .flags = flags };

	return rte_dma_configure(dev_id, &conf);
}

static int
setup(uint16_t vchan)
{
	struct rte_dma_vchan_conf vconf = {
		.direction = RTE_DMA_DIR_MEM_TO_MEM,
		.nb_desc = NB_DESC,
	};

	return rte_dma_vchan_setup(dev_id, vchan, &vconf);
}

/* Waits until the worker executed everything submitted on @vchan. */
static int
wait_idle(uint16_t vchan)
{
	enum rte_dma_vchan_status st = RTE_DMA_VCHAN_ACTIVE;

	for (int i = 0; i < 1000; i++) {
		if (rte_dma_vchan_status(dev_id, vchan, &st) != 0)
			return -1;
		if (st == RTE_DMA_VCHAN_IDLE)
			return 0;
		rte_delay_us_sleep(1000);
	}
	return -1;
}

/*
 * A copy and a fill executed but not collected, then a reconfiguration for
 * enqueue/dequeue mode: nothing may be dequeued (the old descriptors hold a plain
 * source address and a fill pattern, not rte_dma_op pointers), the source must be
 * untouched, and the device must want its vchan set up again.
 */
static int
test_configure_discards_uncollected_work(void)
{
	struct rte_dma_op *ops[8] = { NULL };
	uint8_t *fill_dst = dst + LEN;
	uint16_t n;
	int ret;

	memset(src, 0x5a, LEN);
	memset(dst, 0, 2 * LEN);
	RTE_TEST_ASSERT_SUCCESS(configure(1, 0), "configure");
	RTE_TEST_ASSERT_SUCCESS(setup(0), "vchan setup");
	RTE_TEST_ASSERT_SUCCESS(rte_dma_start(dev_id), "start");
	ret = rte_dma_copy(dev_id, 0, rte_malloc_virt2iova(src), rte_malloc_virt2iova(dst),
			   LEN, 0);
	RTE_TEST_ASSERT(ret >= 0, "copy: %d", ret);
	ret = rte_dma_fill(dev_id, 0, 0x1111111111111111ULL, rte_malloc_virt2iova(fill_dst),
			   LEN, RTE_DMA_OP_FLAG_SUBMIT);
	RTE_TEST_ASSERT(ret >= 0, "fill: %d", ret);
	RTE_TEST_ASSERT_SUCCESS(wait_idle(0), "the copy and fill never ran");
	RTE_TEST_ASSERT(dst[LEN - 1] == 0x5a && fill_dst[LEN - 1] == 0x11, "not executed");
	RTE_TEST_ASSERT_SUCCESS(rte_dma_stop(dev_id), "stop");

	RTE_TEST_ASSERT_SUCCESS(configure(1, RTE_DMA_CFG_FLAG_ENQ_DEQ), "configure enq/deq");
	n = rte_dma_dequeue_ops(dev_id, 0, ops, 8);
	RTE_TEST_ASSERT_EQUAL(n, 0, "%u stale operations dequeued after configure",
			      (unsigned int)n);
	for (int i = 0; i < LEN; i++)
		RTE_TEST_ASSERT(src[i] == 0x5a, "source byte %d changed to %#x", i, src[i]);
	ret = rte_dma_start(dev_id);
	RTE_TEST_ASSERT(ret == -EINVAL,
			"start without setting the vchan up again: expected -EINVAL, got %d",
			ret);
	RTE_TEST_ASSERT_SUCCESS(setup(0), "vchan setup after configure");
	RTE_TEST_ASSERT_SUCCESS(rte_dma_start(dev_id), "start");
	n = rte_dma_dequeue_ops(dev_id, 0, ops, 8);
	RTE_TEST_ASSERT_EQUAL(n, 0, "%u operations dequeued from a fresh vchan",
			      (unsigned int)n);
	RTE_TEST_ASSERT_SUCCESS(rte_dma_stop(dev_id), "stop");
	return TEST_SUCCESS;
}

/*
 * A copy enqueued and submitted on vchan 1 of a stopped device, then a
 * reconfiguration to one vchan: after start, vchan 1 no longer exists and its copy
 * must never run.
 */
static int
test_removed_vchan_does_not_run(void)
{
	int ret;

	memset(src, 0xc3, LEN);
	memset(dst, 0, LEN);
	RTE_TEST_ASSERT_SUCCESS(configure(2, 0), "configure 2 vchans");
	RTE_TEST_ASSERT_SUCCESS(setup(0), "vchan 0 setup");
	RTE_TEST_ASSERT_SUCCESS(setup(1), "vchan 1 setup");
	ret = rte_dma_copy(dev_id, 1, rte_malloc_virt2iova(src), rte_malloc_virt2iova(dst),
			   LEN, RTE_DMA_OP_FLAG_SUBMIT);
	RTE_TEST_ASSERT(ret >= 0, "copy on the stopped device: %d", ret);

	RTE_TEST_ASSERT_SUCCESS(configure(1, 0), "configure 1 vchan");
	RTE_TEST_ASSERT_SUCCESS(setup(0), "vchan 0 setup");
	RTE_TEST_ASSERT_SUCCESS(rte_dma_start(dev_id), "start");
	rte_delay_us_sleep(WAIT_US);
	RTE_TEST_ASSERT_SUCCESS(rte_dma_stop(dev_id), "stop");
	for (int i = 0; i < LEN; i++)
		RTE_TEST_ASSERT(dst[i] == 0, "the removed vchan's copy ran (byte %d = %#x)", i,
				dst[i]);
	return TEST_SUCCESS;
}

/* Threads of this process whose name starts with @prefix. */
static int
threads_named(const char *prefix)
{
	struct dirent *e;
	int count = 0;
	DIR *d = opendir("/proc/self/task");

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[300], name[64] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(name, sizeof(name), f) != NULL &&
		    strncmp(name, prefix, strlen(prefix)) == 0)
			count++;
		fclose(f);
	}
	closedir(d);
	return count;
}

/* Waits up to a second for @count threads named @prefix (a thread names itself). */
static int
wait_threads_named(const char *prefix, int count)
{
	int n = -1;

	for (int i = 0; i < 1000 && (n = threads_named(prefix)) != count; i++)
		rte_delay_us_sleep(1000);
	return n;
}

/* rte_eal_cleanup stops a started device, then removes it with its worker. */
static int
test_cleanup_stops_and_closes_started_device(void)
{
	int ret;

	RTE_TEST_ASSERT_SUCCESS(configure(1, 0), "configure");
	RTE_TEST_ASSERT_SUCCESS(setup(0), "vchan setup");
	RTE_TEST_ASSERT_SUCCESS(rte_dma_start(dev_id), "start");
	ret = wait_threads_named("dma-skel", 1);
	RTE_TEST_ASSERT_EQUAL(ret, 1, "%d workers while started, expected 1", ret);
	ret = rte_eal_cleanup();
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_eal_cleanup: %d", ret);
	ret = rte_dma_get_dev_id_by_name(DEVICE_NAME);
	RTE_TEST_ASSERT(ret < 0, "the device survived rte_eal_cleanup (id %d)", ret);
	RTE_TEST_ASSERT_EQUAL(rte_dma_count_avail(), 0, "devices left after cleanup");
	ret = wait_threads_named("dma-skel", 0);
	RTE_TEST_ASSERT_EQUAL(ret, 0, "%d worker threads survived rte_eal_cleanup", ret);
	return TEST_SUCCESS;
}

static const struct test_case cases[] = {
	TEST_CASE(test_configure_discards_uncollected_work),
	TEST_CASE(test_removed_vchan_does_not_run),
	/* Last: it ends the EAL. */
	TEST_CASE(test_cleanup_stops_and_closes_started_device),
	TEST_CASES_END()
};

static const struct test_suite suite = {
	.name = "dmadev lifecycle",
	.cases = cases,
};

int
main(int argc, char **argv)
{
	int failed;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	rte_log_set_level_pattern("lib.dmadev", RTE_LOG_CRIT);
	if (rte_vdev_init(DEVICE_NAME, NULL) != 0) {
		fprintf(stderr, "rte_vdev_init(\"%s\") failed\n", DEVICE_NAME);
		rte_eal_cleanup();
		return 1;
	}
	dev_id = (int16_t)rte_dma_get_dev_id_by_name(DEVICE_NAME);
	src = rte_malloc(NULL, LEN, 0);
	dst = rte_malloc(NULL, 2 * LEN, 0);
	if (dev_id < 0 || src == NULL || dst == NULL) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	failed = test_suite_run(&suite);
	rte_free(src);
	rte_free(dst);
	return failed == 0 ? 0 : 1;
}
