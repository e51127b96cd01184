// The headers must also compile as C++ (extern "C" linkage, no C-only constructs
// outside what g++ accepts) and link against the library.
#include <cstdio>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_dmadev_pmd.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_per_lcore.h>
#include <rte_telemetry.h>
#include <rte_test.h>

static_assert(sizeof(rte_dma_vchan_conf) == 136, "vchan conf size");
static_assert(sizeof(rte_dma_fp_object) == 128, "fp object size");

int main()
{
	int16_t dev;
	int n = 0;
	RTE_DMA_FOREACH_DEV(dev)
		n++;
	bool ok = n == 0 && rte_dma_count_avail() == 0 && !rte_dma_is_valid(0);
	std::printf("%s\n", ok ? "1 passed, 0 failed" : "0 passed, 1 failed");
	return ok ? 0 : 1;
}
