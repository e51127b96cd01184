/* SPDX-License-Identifier: BSD-3-Clause
 *
 * main.c - runs DPDK's dmadev_autotest (app/test/test_dmadev.c, which also runs
 * test_dmadev_api.c's suite on each device) on dmadev-rs, as `dpdk-test
 * dmadev_autotest` does on DPDK: EAL arguments on the command line, exit status 0
 * only if the command passed.
 */
#include <stdio.h>

#include <rte_eal.h>

#include "test.h"

int dmadev_autotest_run(void);

int main(int argc, char **argv)
{
	int ret;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	ret = dmadev_autotest_run();
	printf("dmadev_autotest: %s\n", ret == TEST_SUCCESS ? "Test OK" :
		ret == TEST_SKIPPED ? "Test Skipped" : "Test Failed");
	rte_eal_cleanup();
	return ret == TEST_SUCCESS ? 0 : 1;
}
