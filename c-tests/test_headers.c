/* Every installed header must compile on its own and together, as C11 with
 * -Wall -Wextra -Wpedantic -Werror (meson's warning_level=3 + werror). */
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
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_random.h>
#include <rte_string_fns.h>
#include <rte_test.h>
#include <rte_uuid.h>

static int check(void)
{
	RTE_TEST_ASSERT(RTE_BIT64(35) == RTE_DMA_CAPA_OPS_ENQ_DEQ, "bit 35: %d", 35);
	RTE_TEST_ASSERT_EQUAL(sizeof(struct rte_dma_fp_object), 128u, "fp object size");
	return 0;
}

int main(void)
{
	int ret = check();
	printf("%s\n", ret == 0 ? "1 passed, 0 failed" : "0 passed, 1 failed");
	return ret == 0 ? 0 : 1;
}
