/* SPDX-License-Identifier: BSD-3-Clause
 *
 * test_trace.c - makes a known sequence of dmadev calls with trace points on, for
 * check_trace.py to read back with babeltrace2. Run it with EAL options such as
 * --trace=lib.dmadev.* --trace-dir=DIR; the trace is written by rte_eal_cleanup().
 * It also checks the trace control API directly. Every trace point is emitted at
 * least once, so check_trace.py can compare each one's layout with its description.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_trace.h>

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		printf("FAIL line %d: ", __LINE__); \
		printf(__VA_ARGS__); \
		printf("\n"); \
		return 1; \
	} \
} while (0)

/* The trace control API: lookup gives the exported enable word, patterns and
 * regular expressions switch points, bad input is refused. */
static int
check_trace_api(void)
{
	rte_trace_point_t *copy = rte_trace_point_lookup("lib.dmadev.copy");

	CHECK(rte_trace_is_enabled(), "tracing should be on (run with --trace=lib.dmadev.*)");
	CHECK(copy == &__rte_dma_trace_copy, "lookup does not give __rte_dma_trace_copy");
	CHECK(rte_trace_point_is_enabled(copy), "copy is not enabled");
	CHECK(rte_trace_point_lookup("lib.dmadev.no_such_point") == NULL, "unknown name found");
	CHECK(rte_trace_point_enable(NULL) == -ERANGE, "enable(NULL)");
	CHECK(rte_trace_pattern("lib.dmadev.burst*", false) == 1, "pattern off");
	CHECK(!rte_trace_point_is_enabled(rte_trace_point_lookup("lib.dmadev.burst_capacity")),
	      "burst_capacity still enabled");
	CHECK(rte_trace_pattern("nothing.*", true) == 0, "pattern matching nothing");
	CHECK(rte_trace_regexp("lib\\.dmadev\\.burst_capacity", true) == 1, "regexp on");
	CHECK(rte_trace_regexp("[", true) == -EINVAL, "bad regexp");
	return 0;
}

int
main(int argc, char **argv)
{
	struct rte_dma_conf conf = { .nb_vchans = 1 };
	struct rte_dma_vchan_conf vconf = { .direction = RTE_DMA_DIR_MEM_TO_MEM, .nb_desc = 64 };
	unsigned char domain[16] = { 0xd0, 0x0d }, token[16] = { 0x70, 0x7e };
	struct rte_dma_stats stats;
	char region_path[64], region_args[128];
	int16_t odev, ogroup;
	struct rte_dma_info info;
	struct rte_dma_sge sg_src, sg_dst;
	enum rte_dma_status_code status[2];
	enum rte_dma_vchan_status vstatus;
	struct rte_dma_op *ops[1] = { NULL };
	uint16_t last = 0, handler = 0;
	bool err = false;
	int16_t dev, idev, group = -1;
	char *src, *dst;
	FILE *null;
	int i;

	if (rte_eal_init(argc, argv) < 0)
		return 1;
	if (check_trace_api() != 0)
		return 1;

	/* A copy on the skeleton: control path, then the fast path. */
	CHECK(rte_vdev_init("dma_skeleton", NULL) == 0, "vdev init");
	dev = (int16_t)rte_dma_get_dev_id_by_name("dma_skeleton");
	CHECK(rte_dma_info_get(dev, &info) == 0, "info_get");
	CHECK(rte_dma_configure(dev, &conf) == 0, "configure");
	CHECK(rte_dma_vchan_setup(dev, 0, &vconf) == 0, "vchan_setup");
	CHECK(rte_dma_start(dev) == 0, "start");
	src = rte_malloc(NULL, 4096, 0);
	dst = rte_zmalloc(NULL, 4096, 0);
	memset(src, 0x5a, 4096);
	CHECK(rte_dma_copy(dev, 0, rte_malloc_virt2iova(src), rte_malloc_virt2iova(dst), 4096, 0) == 0,
	      "copy");
	CHECK(rte_dma_fill(dev, 0, 0x1122334455667788ULL, rte_malloc_virt2iova(dst), 64, 0) == 1, "fill");
	CHECK(rte_dma_submit(dev, 0) == 0, "submit");
	/* Each empty poll is an event: pause between polls so a slow worker (a loaded
	 * machine) cannot fill the trace buffer and overwrite the first events. */
	for (i = 0; i < 100000 && rte_dma_completed(dev, 0, 2, &last, &err) == 0; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
	CHECK(rte_dma_burst_capacity(dev, 0) > 0, "burst_capacity");
	CHECK(rte_dma_stats_get(dev, 0, &stats) == 0, "stats_get");
	CHECK(rte_dma_stats_reset(dev, 0) == 0, "stats_reset");
	/* The remaining fast-path points: a scatter-gather copy collected with its
	 * status, the vchan's status, and empty enqueue/dequeue calls (not in ops mode). */
	sg_src = (struct rte_dma_sge){ .addr = rte_malloc_virt2iova(src), .length = 64 };
	sg_dst = (struct rte_dma_sge){ .addr = rte_malloc_virt2iova(dst), .length = 64 };
	CHECK(rte_dma_copy_sg(dev, 0, &sg_src, &sg_dst, 1, 1, RTE_DMA_OP_FLAG_SUBMIT) == 2, "copy_sg");
	for (i = 0; i < 100000 && rte_dma_completed_status(dev, 0, 2, &last, status) == 0; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
	CHECK(status[0] == RTE_DMA_STATUS_SUCCESSFUL, "completed_status");
	CHECK(rte_dma_vchan_status(dev, 0, &vstatus) == 0, "vchan_status");
	CHECK(rte_dma_enqueue_ops(dev, 0, ops, 0) == 0, "enqueue_ops");
	CHECK(rte_dma_dequeue_ops(dev, 0, ops, 0) == 0, "dequeue_ops");
	null = fopen("/dev/null", "w");
	CHECK(null != NULL && rte_dma_dump(dev, null) == 0, "dump");
	fclose(null);
	CHECK(rte_dma_stop(dev) == 0, "stop");
	CHECK(rte_dma_close(dev) == 0, "close");
	/* Refused by validation: DPDK emits nothing for it. */
	CHECK(rte_dma_configure(dev, &conf) == -EINVAL, "configure of a closed device");

	/* An inter-domain vchan: the domain fields of vchan_setup. */
	CHECK(rte_vdev_init("dma_interdomain", NULL) == 0, "interdomain vdev init");
	idev = (int16_t)rte_dma_get_dev_id_by_name("dma_interdomain");
	CHECK(rte_dma_configure(idev, &conf) == 0, "configure interdomain");
	CHECK(rte_dma_access_pair_group_create(idev, domain, token, &group, NULL) == 0, "group create");
	CHECK(rte_dma_access_pair_group_handler_get(idev, group, domain, &handler) == 0 && handler != 0,
	      "handler_get");
	vconf.domain.type = RTE_DMA_INTER_PROCESS_DOMAIN;
	vconf.domain.src_handler = handler;
	vconf.domain.dst_handler = handler;
	CHECK(rte_dma_vchan_setup(idev, 0, &vconf) == 0, "inter-domain vchan_setup");
	/* Refused, but traced: the creator is already in the group and cannot leave it. */
	CHECK(rte_dma_access_pair_group_join(idev, domain, token, group, NULL) < 0, "group join");
	CHECK(rte_dma_access_pair_group_leave(idev, group) < 0, "group leave");
	CHECK(rte_dma_access_pair_group_destroy(idev, group) == 0, "group destroy");
	CHECK(rte_dma_close(idev) == 0, "close interdomain");

	/* A device on a shared region: the region's control events. */
	snprintf(region_path, sizeof(region_path), "/dev/shm/dmadev-test-trace-%d", (int)getpid());
	snprintf(region_args, sizeof(region_args), "os_region=%s,os_window=2M", region_path);
	CHECK(rte_vdev_init("dma_interdomain_os", region_args) == 0, "region vdev init");
	unlink(region_path);
	odev = (int16_t)rte_dma_get_dev_id_by_name("dma_interdomain_os");
	CHECK(rte_dma_access_pair_group_create(odev, domain, token, &ogroup, NULL) == 0,
	      "region group create");
	CHECK(rte_dma_access_pair_group_destroy(odev, ogroup) == 0, "region group destroy");
	CHECK(rte_dma_close(odev) == 0, "close region device");

	rte_free(src);
	rte_free(dst);
	printf("handler %u group %d\n", handler, group);
	CHECK(rte_eal_cleanup() == 0, "cleanup");
	printf("1 passed, 0 failed\n");
	return 0;
}
