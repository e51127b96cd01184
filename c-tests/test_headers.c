/* Every installed header must compile on its own and together, as C11 with
 * -Wall -Wextra -Wpedantic -Werror (meson's warning_level=3 + werror). */
#include <string.h>

#include <rte_bitops.h>
#include <rte_bus_vdev.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_debug.h>
#include <rte_dmadev.h>
#include <rte_dmadev_core.h>
#include <rte_dmadev_pmd.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_memzone.h>
#include <rte_pause.h>
#include <rte_per_lcore.h>
#include <rte_telemetry.h>
#include <rte_random.h>
#include <rte_string_fns.h>
#include <rte_test.h>
#include <rte_uuid.h>

#include <string.h>

/* The inline helpers of the headers DPDK's tests include, and the calls behind them. */
static int check_helpers(void)
{
	char text[] = "a,bb,,c", *tok[8], small[4], longer[700];
	const char *volatile six = "abcdef";
	uint64_t first, again;
	int i;

	RTE_TEST_ASSERT_EQUAL(rte_strsplit(text, (int)sizeof(text), tok, 8, ','), 4, "tokens");
	RTE_TEST_ASSERT(strcmp(tok[1], "bb") == 0 && tok[2][0] == '\0', "token text");
	RTE_TEST_ASSERT_EQUAL(rte_strsplit(NULL, 1, tok, 8, ','), -1, "NULL string");
	/* Through a volatile pointer: gcc -O3 would otherwise flag the truncation. */
	RTE_TEST_ASSERT_EQUAL(rte_strlcpy(small, six, sizeof(small)), 6u, "strlcpy length");
	RTE_TEST_ASSERT(strcmp(small, "abc") == 0, "strlcpy truncates: %s", small);
	rte_srand(7);
	first = rte_rand();
	rte_srand(7);
	again = rte_rand();
	RTE_TEST_ASSERT_EQUAL(first, again, "same seed, same number");
	for (i = 0; i < 100; i++)
		RTE_TEST_ASSERT(rte_rand_max(10) < 10, "rte_rand_max out of range");
	RTE_TEST_ASSERT(rte_rdtsc_precise() != 0, "TSC");
	rte_pause();
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	/* Longer than rte_vlog's stack buffer: formatted on the heap, written to stderr. */
	RTE_TEST_ASSERT_SUCCESS(rte_log_set_level(RTE_LOGTYPE_USER1, RTE_LOG_DEBUG), "level");
	/* As DPDK's: the bytes written, 0 when the level is off, -1 for an unknown type. */
	RTE_TEST_ASSERT_EQUAL(RTE_LOG(DEBUG, USER1, "%s\n", longer),
			      (int)(sizeof("USER1: ") - 1 + strlen(longer) + 1), "RTE_LOG of 700 bytes");
	RTE_TEST_ASSERT_EQUAL(rte_log(RTE_LOG_ERR, RTE_LOGTYPE_EAL, "%d\n", 1), 2, "rte_log");
	RTE_TEST_ASSERT_SUCCESS(rte_log_set_level(RTE_LOGTYPE_USER2, RTE_LOG_ERR), "level");
	RTE_TEST_ASSERT_EQUAL(RTE_LOG(INFO, USER2, "not shown\n"), 0, "level off");
	RTE_TEST_ASSERT_EQUAL(rte_log(RTE_LOG_ERR, 100000, "no such type\n"), -1, "unknown type");
	RTE_ASSERT(0); /* compiled out without RTE_ENABLE_ASSERT, as in DPDK */
	RTE_VERIFY(1);
	return 0;
}

/* A pktmbuf pool through the inline accessors: DPDK's fields, per-lcore counts. */
static int check_mbufs(void)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create("hdr_pool", 64, 8, 0, 256, SOCKET_ID_ANY);
	struct rte_mbuf *m[3];
	struct rte_mempool_ops *ops;

	RTE_TEST_ASSERT(mp != NULL, "pool: rte_errno %d", rte_errno);
	RTE_TEST_ASSERT(rte_pktmbuf_pool_create("hdr_pool", 8, 0, 0, 256, 0) == NULL &&
			rte_errno == EEXIST, "a second pool of the same name");
	RTE_TEST_ASSERT(rte_mempool_lookup("hdr_pool") == mp, "lookup");
	ops = rte_mempool_get_ops(mp->ops_index);
	RTE_TEST_ASSERT(ops != NULL && ops->get_count(mp) == 64, "store count");
	RTE_TEST_ASSERT(rte_mempool_default_cache(mp, RTE_MAX_LCORE) == NULL, "no cache past the lcores");
	RTE_TEST_ASSERT_SUCCESS(rte_pktmbuf_alloc_bulk(mp, m, 3), "alloc");
	RTE_TEST_ASSERT_EQUAL(rte_pktmbuf_headroom(m[0]), RTE_PKTMBUF_HEADROOM, "headroom");
	RTE_TEST_ASSERT_EQUAL(rte_pktmbuf_data_room_size(mp), 256, "data room");
	RTE_TEST_ASSERT(rte_pktmbuf_mtod(m[0], char *) == (char *)m[0]->buf_addr + 128, "mtod");
	RTE_TEST_ASSERT_EQUAL(rte_mbuf_data_iova(m[0]), rte_pktmbuf_iova(m[0]), "iova");
	RTE_TEST_ASSERT_EQUAL(rte_mempool_in_use_count(mp), 3u, "in use");
	rte_pktmbuf_free_bulk(m, 3);
	RTE_TEST_ASSERT_EQUAL(rte_mempool_avail_count(mp), 64u, "all back");
	rte_mempool_free(mp);
	RTE_TEST_ASSERT(rte_mempool_lookup("hdr_pool") == NULL, "freed");
	return 0;
}

static int check(void)
{
	RTE_TEST_ASSERT(RTE_BIT64(35) == RTE_DMA_CAPA_OPS_ENQ_DEQ, "bit 35: %d", 35);
	RTE_TEST_ASSERT_EQUAL(sizeof(struct rte_dma_fp_object), 128u, "fp object size");
	RTE_TEST_ASSERT_SUCCESS(check_helpers(), "helpers");
	RTE_TEST_ASSERT_SUCCESS(check_mbufs(), "mbufs");
	return 0;
}

static void
find_zone(const struct rte_memzone *mz, void *arg)
{
	const struct rte_memzone **found = arg;

	if (strcmp(mz->name, "headers_mz") == 0)
		*found = mz;
}

/* A memzone: named, found again by name and by a walk (its own descriptor, as
 * DPDK's walk gives), refused twice, freed once. */
static int
check_memzone(void)
{
	const struct rte_memzone *mz = rte_memzone_reserve("headers_mz", 1000, SOCKET_ID_ANY, 0);

	RTE_TEST_ASSERT_NOT_NULL(mz, "reserve: %d", rte_errno);
	RTE_TEST_ASSERT(mz->len == 1024 && mz->addr != NULL && mz->iova == (uintptr_t)mz->addr,
			"descriptor: len %zu", mz->len);
	memset(mz->addr, 0xa5, mz->len);
	RTE_TEST_ASSERT(rte_memzone_lookup("headers_mz") == mz, "lookup");
	const struct rte_memzone *walked = NULL;
	rte_memzone_walk(find_zone, &walked);
	RTE_TEST_ASSERT(walked == mz, "the walk hands out the zone's descriptor");
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
