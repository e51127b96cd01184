/* SPDX-License-Identifier: BSD-3-Clause
 *
 * app.c - a dmadev program as a DPDK build makes it: compiled with the inline fast
 * path (rte_dma_copy reads rte_dma_fp_objs), rte_errno and rte_lcore_id() reading
 * the EAL's TLS variables, rte_delay_us called through its variable, and linked
 * against librte_dmadev/eal/log/bus_vdev.so.27 with DPDK's version nodes
 * (check_dpdk_built.py links it against stand-ins for those libraries, then runs
 * it on ours through the compatibility directory).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#define LEN 4096
#define COPIES 64

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "dpdk_built_app: line %d: ", __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		return 1; \
	} \
} while (0)

static int
lcore_id_plus_one(void *arg)
{
	(void)arg;
	return (int)rte_lcore_id() + 1;
}

/* The lcore macros end (RTE_MAX_LCORE agrees) and workers run launched functions. */
static int
lcores(void)
{
	unsigned int id, seen = 0, workers = 0;

	RTE_LCORE_FOREACH(id)
		seen++;
	CHECK(seen == rte_lcore_count(), "RTE_LCORE_FOREACH saw %u of %u lcores", seen, rte_lcore_count());
	CHECK(rte_eal_mp_remote_launch(lcore_id_plus_one, NULL, SKIP_MAIN) == 0, "mp_remote_launch");
	RTE_LCORE_FOREACH_WORKER(id) {
		CHECK(rte_eal_wait_lcore(id) == (int)id + 1, "lcore %u returned %d", id, rte_eal_wait_lcore(id));
		workers++;
	}
	CHECK(workers + 1 == seen, "%u workers", workers);
	return 0;
}

static int
copy_and_check(int16_t dev)
{
	struct rte_dma_conf conf = { .nb_vchans = 1 };
	struct rte_dma_vchan_conf vconf = { .direction = RTE_DMA_DIR_MEM_TO_MEM, .nb_desc = 128 };
	uint8_t *src = rte_malloc(NULL, LEN * COPIES, 64);
	uint8_t *dst = rte_zmalloc(NULL, LEN * COPIES, 64);
	uint16_t done = 0, last = 0;
	bool error = false;
	int i;

	CHECK(src != NULL && dst != NULL, "rte_malloc");
	for (i = 0; i < LEN * COPIES; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	CHECK(rte_dma_configure(dev, &conf) == 0, "configure");
	CHECK(rte_dma_vchan_setup(dev, 0, &vconf) == 0, "vchan_setup");
	CHECK(rte_dma_start(dev) == 0, "start");
	for (i = 0; i < COPIES; i++)
		CHECK(rte_dma_copy(dev, 0, rte_malloc_virt2iova(src + i * LEN),
				   rte_malloc_virt2iova(dst + i * LEN), LEN, 0) == i, "copy %d", i);
	CHECK(rte_dma_submit(dev, 0) == 0, "submit");
	for (i = 0; i < 100000 && done < COPIES; i++) {
		done += rte_dma_completed(dev, 0, COPIES, &last, &error);
		if (done < COPIES)
			rte_delay_us(10);
	}
	CHECK(done == COPIES && !error && last == COPIES - 1, "completed %u, last %u", done, last);
	CHECK(memcmp(src, dst, LEN * COPIES) == 0, "data differs");
	CHECK(rte_dma_stop(dev) == 0, "stop");
	rte_free(src);
	rte_free(dst);
	return 0;
}

int
main(int argc, char **argv)
{
	int16_t dev;

	CHECK(rte_lcore_id() == LCORE_ID_ANY, "lcore id before init: %u", rte_lcore_id());
	CHECK(rte_eal_init(argc, argv) >= 0, "rte_eal_init: %s", rte_strerror(rte_errno));
	CHECK(rte_lcore_id() == rte_get_main_lcore(), "lcore id %u", rte_lcore_id());
	rte_errno = 0;
	CHECK(rte_socket_id_by_idx(1000) == -1 && rte_errno == EINVAL, "rte_errno %d", rte_errno);
	CHECK(rte_gettid() > 0, "gettid");
	if (lcores() != 0)
		return 1;
	CHECK(rte_vdev_init("dma_skeleton1", NULL) == 0, "rte_vdev_init");
	dev = rte_dma_get_dev_id_by_name("dma_skeleton1");
	CHECK(dev >= 0, "no dma_skeleton1");
	if (copy_and_check(dev) != 0)
		return 1;
	CHECK(rte_vdev_uninit("dma_skeleton1") == 0, "rte_vdev_uninit");
	CHECK(rte_eal_cleanup() == 0, "cleanup");
	printf("dpdk_built_app: %d copies of %d B on the inline fast path: OK\n", COPIES, LEN);
	return 0;
}
