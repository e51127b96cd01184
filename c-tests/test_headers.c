/* Every installed header must compile on its own and together, as C11 with
 * -Wall -Wextra -Wpedantic -Werror (meson's warning_level=3 + werror). */
#include <string.h>

#include <rte_bitops.h>
#include <rte_bus_vdev.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_dmadev_core.h>
#include <rte_dmadev_pmd.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_per_lcore.h>
#include <rte_telemetry.h>
#include <rte_test.h>
#include <rte_uuid.h>

static int check(void)
{
	RTE_TEST_ASSERT(RTE_BIT64(35) == RTE_DMA_CAPA_OPS_ENQ_DEQ, "bit 35: %d", 35);
	RTE_TEST_ASSERT_EQUAL(sizeof(struct rte_dma_fp_object), 128u, "fp object size");
	return 0;
}

/* A memzone: named, found again by name, refused twice, freed once. */
static int
check_memzone(void)
{
	const struct rte_memzone *mz = rte_memzone_reserve("headers_mz", 1000, SOCKET_ID_ANY, 0);

	RTE_TEST_ASSERT_NOT_NULL(mz, "reserve: %d", rte_errno);
	RTE_TEST_ASSERT(mz->len == 1024 && mz->addr != NULL && mz->iova == (uintptr_t)mz->addr,
			"descriptor: len %zu", mz->len);
	memset(mz->addr, 0xa5, mz->len);
	RTE_TEST_ASSERT(rte_memzone_lookup("headers_mz") == mz, "lookup");
	RTE_TEST_ASSERT_NULL(rte_memzone_reserve("headers_mz", 64, SOCKET_ID_ANY, 0), "twice");
	RTE_TEST_ASSERT_EQUAL(rte_errno, EEXIST, "rte_errno %d", rte_errno);
	RTE_TEST_ASSERT_EQUAL(rte_memzone_free(mz), 0, "free");
	RTE_TEST_ASSERT_EQUAL(rte_memzone_free(mz), -EINVAL, "free twice");
	RTE_TEST_ASSERT_NULL(rte_memzone_lookup("headers_mz"), "lookup after free");
	RTE_TEST_ASSERT_EQUAL(rte_eal_cleanup(), 0, "cleanup");
	RTE_TEST_ASSERT_EQUAL(rte_lcore_id(), LCORE_ID_ANY, "lcore id after cleanup: %u", rte_lcore_id());
	return 0;
}

static int
report_lcore(void *arg)
{
	*(unsigned *)arg = rte_lcore_id();
	return 40 + (int)rte_lcore_id();
}

/* rte_errno, rte_lcore_id() and rte_gettid() read the library's exported TLS
 * variables directly, as DPDK's inline code does: the values the library sets
 * must be the ones the header's macros see. */
static int check_per_lcore(void)
{
	char arg0[] = "test_headers", arg1[] = "--no-huge", arg2[] = "--lcores=0@0,1@0";
	char *argv[] = {arg0, arg1, arg2, NULL};
	unsigned seen = LCORE_ID_ANY;

	RTE_TEST_ASSERT_EQUAL(rte_lcore_id(), LCORE_ID_ANY, "lcore id before init: %u", rte_lcore_id());
	rte_errno = 0;
	RTE_TEST_ASSERT_EQUAL(rte_socket_id_by_idx(99), -1, "socket 99");
	RTE_TEST_ASSERT_EQUAL(rte_errno, EINVAL, "rte_errno after a refusal: %d", rte_errno);
	RTE_TEST_ASSERT(&rte_errno == __rte_errno_location(), "one rte_errno per thread");
	rte_errno = 0;
	RTE_TEST_ASSERT_EQUAL(rte_gettid(), rte_sys_gettid(), "gettid");
	RTE_TEST_ASSERT_EQUAL(RTE_PER_LCORE(_thread_id), rte_sys_gettid(), "cached tid");
	RTE_TEST_ASSERT(rte_eal_init(3, argv) >= 0, "rte_eal_init: %d", rte_errno);
	RTE_TEST_ASSERT_EQUAL(rte_lcore_id(), rte_get_main_lcore(), "lcore id after init: %u", rte_lcore_id());
	/* The worker lcore's thread sees its own lcore id through the same variable. */
	RTE_TEST_ASSERT_EQUAL(rte_eal_remote_launch(report_lcore, &seen, 1), 0, "launch");
	RTE_TEST_ASSERT_EQUAL(rte_eal_wait_lcore(1), 41, "lcore 1's return value");
	RTE_TEST_ASSERT_EQUAL(seen, 1u, "lcore id in the worker: %u", seen);
	RTE_TEST_ASSERT_EQUAL(rte_eal_get_lcore_state(1), WAIT, "state after wait");
	return check_memzone();
}

int main(void)
{
	int failed = (check() != 0) + (check_per_lcore() != 0);
	printf("%d passed, %d failed\n", 2 - failed, failed);
	return failed == 0 ? 0 : 1;
}
