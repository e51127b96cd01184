/* SPDX-License-Identifier: BSD-3-Clause
 *
 * test_dmadev_api.c - control-path and basic data-path checks of the
 * rte_dma_* API, run against one device (dma_skeleton by default).
 *
 * The list of cases, the order of the calls and the values each case expects
 * are those of DPDK's own "DMA API Test Suite" (app/test/test_dmadev_api.c),
 * so the same program gives the same verdicts against DPDK and dmadev-rs.
 * Against the skeleton device DPDK reports 12 passed, 0 failed, 2 skipped
 * (test_dma_reconfigure needs two vchans, test_dma_ops_enq_deq needs
 * RTE_DMA_CAPA_OPS_ENQ_DEQ).
 *
 * Usage: test_dmadev_api [EAL options]
 * The device "dma_skeleton" is created with rte_vdev_init() unless it
 * already exists (e.g. because --vdev=dma_skeleton was given).
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_bitops.h>
#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_test.h>

#include "test_runner.h"

#define DEVICE_NAME       "dma_skeleton"
#define COPY_SIZE         1024   /* bytes per buffer */
#define TEST_WAIT_US_VAL  50000  /* time given to the engine before polling */
#define SG_MAX            64     /* number of buffer pairs (and sge limit) */

/*
 * Note on the assertions: every RTE_TEST_ASSERT* call below passes at least
 * one argument after the message, so the macros stay valid ISO C11 under
 * -pedantic whatever their exact definition.
 */

static int16_t test_dev_id;
static int16_t invalid_dev_id = -1;

/* SG_MAX source and destination buffers; src/dst alias the first pair. */
static char *src_bufs[SG_MAX];
static char *dst_bufs[SG_MAX];
static char *src;
static char *dst;

static unsigned int
min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

/* ---------------------------------------------------------------------- */
/* Suite setup / teardown                                                 */
/* ---------------------------------------------------------------------- */

static void
free_buffers(void)
{
	for (int i = 0; i < SG_MAX; i++) {
		rte_free(src_bufs[i]);
		rte_free(dst_bufs[i]);
		src_bufs[i] = NULL;
		dst_bufs[i] = NULL;
	}
	src = NULL;
	dst = NULL;
}

static int
suite_setup(void)
{
	for (int i = 0; i < SG_MAX; i++) {
		src_bufs[i] = rte_malloc("dmadev_api_src", COPY_SIZE, 0);
		dst_bufs[i] = rte_malloc("dmadev_api_dst", COPY_SIZE, 0);
		if (src_bufs[i] == NULL || dst_bufs[i] == NULL) {
			printf("suite setup: rte_malloc of buffer pair %d failed\n", i);
			free_buffers();
			return -ENOMEM;
		}
	}
	src = src_bufs[0];
	dst = dst_bufs[0];

	/* Many calls below fail on purpose; keep the library's error log quiet. */
	rte_log_set_level_pattern("lib.dmadev", RTE_LOG_CRIT);

	return TEST_SUCCESS;
}

static void
suite_teardown(void)
{
	free_buffers();

	/* Leave the device stopped with cleared counters. */
	rte_dma_stop(test_dev_id);
	rte_dma_stats_reset(test_dev_id, RTE_DMA_ALL_VCHAN);

	rte_log_set_level_pattern("lib.dmadev", RTE_LOG_INFO);
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

/* Configure @nb_vchans vchans (mem-to-mem, min_desc descriptors each). */
static int
setup_vchan(int nb_vchans, bool enq_deq_mode)
{
	struct rte_dma_vchan_conf vconf;
	struct rte_dma_conf conf;
	struct rte_dma_info info;
	int ret;

	memset(&info, 0, sizeof(info));
	ret = rte_dma_info_get(test_dev_id, &info);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_info_get failed: %d", ret);

	memset(&conf, 0, sizeof(conf));
	conf.nb_vchans = (uint16_t)nb_vchans;
	conf.flags = enq_deq_mode ? RTE_DMA_CFG_FLAG_ENQ_DEQ : 0;
	ret = rte_dma_configure(test_dev_id, &conf);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_configure failed: %d", ret);

	memset(&vconf, 0, sizeof(vconf));
	vconf.direction = RTE_DMA_DIR_MEM_TO_MEM;
	vconf.nb_desc = info.min_desc;
	for (int i = 0; i < nb_vchans; i++) {
		ret = rte_dma_vchan_setup(test_dev_id, (uint16_t)i, &vconf);
		RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_vchan_setup(vchan %d) failed: %d",
					i, ret);
	}

	return TEST_SUCCESS;
}

/* src gets the byte pattern 0, 1, 2, ... and dst is cleared. */
static void
fill_src_clear_dst(int nb_pairs)
{
	for (int i = 0; i < nb_pairs; i++) {
		for (int j = 0; j < COPY_SIZE; j++)
			src_bufs[i][j] = (char)j;
		memset(dst_bufs[i], 0, COPY_SIZE);
	}
}

/* Each of the first @nb_pairs dst buffers must equal its src buffer. */
static int
check_dst_equals_src(int nb_pairs)
{
	for (int i = 0; i < nb_pairs; i++) {
		if (memcmp(src_bufs[i], dst_bufs[i], COPY_SIZE) == 0)
			continue;
		for (int j = 0; j < COPY_SIZE; j++)
			RTE_TEST_ASSERT_EQUAL(src_bufs[i][j], dst_bufs[i][j],
				"buffer %d byte %d: copied %d, expected %d",
				i, j, dst_bufs[i][j], src_bufs[i][j]);
	}
	return 0;
}

/* A vchan configuration that is valid except for what the caller changes. */
static void
base_vchan_conf(struct rte_dma_vchan_conf *vconf, const struct rte_dma_info *info)
{
	memset(vconf, 0, sizeof(*vconf));
	vconf->direction = RTE_DMA_DIR_MEM_TO_MEM;
	vconf->nb_desc = info->min_desc;
}

/* rte_dma_vchan_setup(vchan 0) must reject @vconf with -EINVAL. */
static int
vchan_setup_rejected(const struct rte_dma_vchan_conf *vconf, const char *what)
{
	int ret = rte_dma_vchan_setup(test_dev_id, 0, vconf);

	RTE_TEST_ASSERT(ret == -EINVAL, "%s: expected -EINVAL, got %d", what, ret);
	return 0;
}

/* rte_dma_configure() must reject this configuration with -EINVAL. */
static int
configure_rejected(uint16_t nb_vchans, uint16_t priority, uint64_t flags,
		   const char *what)
{
	struct rte_dma_conf conf;
	int ret;

	memset(&conf, 0, sizeof(conf));
	conf.nb_vchans = nb_vchans;
	conf.priority = priority;
	conf.flags = flags;
	ret = rte_dma_configure(test_dev_id, &conf);
	RTE_TEST_ASSERT(ret == -EINVAL, "%s: expected -EINVAL, got %d", what, ret);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Device lookup and information                                          */
/* ---------------------------------------------------------------------- */

static int
test_dma_get_dev_id_by_name(void)
{
	int ret = rte_dma_get_dev_id_by_name("invalid_dmadev_device");

	RTE_TEST_ASSERT(ret == -EINVAL, "unknown name: expected -EINVAL, got %d", ret);
	return TEST_SUCCESS;
}

static int
test_dma_is_valid_dev(void)
{
	int ret;

	ret = rte_dma_is_valid(invalid_dev_id);
	RTE_TEST_ASSERT(ret == false, "dev_id %d reported valid", invalid_dev_id);
	ret = rte_dma_is_valid(test_dev_id);
	RTE_TEST_ASSERT(ret == true, "dev_id %d reported invalid", test_dev_id);
	return TEST_SUCCESS;
}

static int
test_dma_count(void)
{
	uint16_t count = rte_dma_count_avail();

	RTE_TEST_ASSERT(count > 0, "rte_dma_count_avail() returned %u",
			(unsigned int)count);
	return TEST_SUCCESS;
}

static int
test_dma_info_get(void)
{
	struct rte_dma_info info;
	int ret;

	memset(&info, 0, sizeof(info));
	ret = rte_dma_info_get(invalid_dev_id, &info);
	RTE_TEST_ASSERT(ret == -EINVAL, "invalid dev_id: expected -EINVAL, got %d", ret);
	ret = rte_dma_info_get(test_dev_id, NULL);
	RTE_TEST_ASSERT(ret == -EINVAL, "NULL info: expected -EINVAL, got %d", ret);
	ret = rte_dma_info_get(test_dev_id, &info);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_info_get failed: %d", ret);

	return TEST_SUCCESS;
}

/* ---------------------------------------------------------------------- */
/* Configuration                                                          */
/* ---------------------------------------------------------------------- */

/* Flag and priority rules of rte_dma_configure(). */
static int
check_configure_extra(const struct rte_dma_info *info)
{
	char what[64];

	/* Only bits 0 (SILENT) and 1 (ENQ_DEQ) are defined. */
	for (int bit = 2; bit < 64; bit++) {
		snprintf(what, sizeof(what), "undefined flag bit %d", bit);
		if (configure_rejected(info->max_vchans, 0, RTE_BIT64(bit), what) != 0)
			return -1;
	}

	if (!(info->dev_capa & RTE_DMA_CAPA_SILENT) &&
	    configure_rejected(info->max_vchans, 0, RTE_DMA_CFG_FLAG_SILENT,
			       "SILENT flag without RTE_DMA_CAPA_SILENT") != 0)
		return -1;

	if (!(info->dev_capa & RTE_DMA_CAPA_OPS_ENQ_DEQ) &&
	    configure_rejected(info->max_vchans, 0, RTE_DMA_CFG_FLAG_ENQ_DEQ,
			       "ENQ_DEQ flag without RTE_DMA_CAPA_OPS_ENQ_DEQ") != 0)
		return -1;

	if (!(info->dev_capa & RTE_DMA_CAPA_PRI_POLICY_SP) &&
	    configure_rejected(info->max_vchans, 1, 0,
			       "priority 1 without RTE_DMA_CAPA_PRI_POLICY_SP") != 0)
		return -1;

	return 0;
}

static int
test_dma_configure(void)
{
	struct rte_dma_conf conf;
	struct rte_dma_info info;
	int ret;

	/* Bad device id, NULL configuration. */
	memset(&conf, 0, sizeof(conf));
	ret = rte_dma_configure(invalid_dev_id, &conf);
	RTE_TEST_ASSERT(ret == -EINVAL, "invalid dev_id: expected -EINVAL, got %d", ret);
	ret = rte_dma_configure(test_dev_id, NULL);
	RTE_TEST_ASSERT(ret == -EINVAL, "NULL conf: expected -EINVAL, got %d", ret);

	/* Zero vchans. */
	ret = rte_dma_configure(test_dev_id, &conf);
	RTE_TEST_ASSERT(ret == -EINVAL, "nb_vchans 0: expected -EINVAL, got %d", ret);

	/* More vchans than the device has. */
	memset(&info, 0, sizeof(info));
	ret = rte_dma_info_get(test_dev_id, &info);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_info_get failed: %d", ret);
	ret = configure_rejected((uint16_t)(info.max_vchans + 1), 0, 0,
				 "nb_vchans > max_vchans");
	RTE_TEST_ASSERT_SUCCESS(ret, "nb_vchans > max_vchans accepted (%d)", ret);

	/* Flags and priority. */
	ret = check_configure_extra(&info);
	RTE_TEST_ASSERT_SUCCESS(ret, "flag/priority checks failed (%d)", ret);

	/* A valid configuration, visible in the device info afterwards. */
	memset(&conf, 0, sizeof(conf));
	conf.nb_vchans = info.max_vchans;
	ret = rte_dma_configure(test_dev_id, &conf);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_configure failed: %d", ret);

	ret = rte_dma_info_get(test_dev_id, &info);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_info_get failed: %d", ret);
	RTE_TEST_ASSERT_EQUAL(conf.nb_vchans, info.nb_vchans,
			      "info.nb_vchans is %u, configured %u",
			      (unsigned int)info.nb_vchans, (unsigned int)conf.nb_vchans);

	return TEST_SUCCESS;
}

/* ---------------------------------------------------------------------- */
/* Virtual channel setup                                                  */
/* ---------------------------------------------------------------------- */

/* Out-of-range directions, and directions the device cannot do. */
static int
check_direction(void)
{
	struct rte_dma_vchan_conf vconf;

	memset(&vconf, 0, sizeof(vconf));
	vconf.direction = RTE_DMA_DIR_DEV_TO_DEV + 1;
	if (vchan_setup_rejected(&vconf, "direction DEV_TO_DEV + 1") != 0)
		return -1;
	vconf.direction = RTE_DMA_DIR_MEM_TO_MEM - 1;
	if (vchan_setup_rejected(&vconf, "direction MEM_TO_MEM - 1") != 0)
		return -1;

	/* The device only has RTE_DMA_CAPA_MEM_TO_MEM. */
	memset(&vconf, 0, sizeof(vconf));
	vconf.direction = RTE_DMA_DIR_MEM_TO_DEV;
	if (vchan_setup_rejected(&vconf, "direction MEM_TO_DEV") != 0)
		return -1;
	vconf.direction = RTE_DMA_DIR_DEV_TO_MEM;
	if (vchan_setup_rejected(&vconf, "direction DEV_TO_MEM") != 0)
		return -1;
	vconf.direction = RTE_DMA_DIR_DEV_TO_DEV;
	if (vchan_setup_rejected(&vconf, "direction DEV_TO_DEV") != 0)
		return -1;

	return 0;
}

/* Port types and the ports' reserved words. */
static int
check_vchan_port(const struct rte_dma_info *info)
{
	struct rte_dma_vchan_conf vconf;

	base_vchan_conf(&vconf, info);
	vconf.src_port.port_type = RTE_DMA_PORT_PCIE + 1;
	if (vchan_setup_rejected(&vconf, "src_port.port_type out of range") != 0)
		return -1;

	/* A PCIe port makes no sense for a mem-to-mem vchan. */
	base_vchan_conf(&vconf, info);
	vconf.src_port.port_type = RTE_DMA_PORT_PCIE;
	if (vchan_setup_rejected(&vconf, "PCIe src_port on MEM_TO_MEM") != 0)
		return -1;

	base_vchan_conf(&vconf, info);
	vconf.dst_port.port_type = RTE_DMA_PORT_PCIE;
	if (vchan_setup_rejected(&vconf, "PCIe dst_port on MEM_TO_MEM") != 0)
		return -1;

	base_vchan_conf(&vconf, info);
	vconf.src_port.reserved[0] = 1;
	if (vchan_setup_rejected(&vconf, "non-zero src_port.reserved") != 0)
		return -1;

	base_vchan_conf(&vconf, info);
	vconf.dst_port.reserved[0] = 1;
	if (vchan_setup_rejected(&vconf, "non-zero dst_port.reserved") != 0)
		return -1;

	return 0;
}

/* Inter-domain parameters. */
static int
check_vchan_domain(const struct rte_dma_info *info)
{
	struct rte_dma_vchan_conf vconf;

	base_vchan_conf(&vconf, info);
	vconf.domain.type = RTE_DMA_INTER_OS_DOMAIN + 1;
	if (vchan_setup_rejected(&vconf, "domain.type out of range") != 0)
		return -1;

	base_vchan_conf(&vconf, info);
	vconf.domain.reserved[0] = 1;
	if (vchan_setup_rejected(&vconf, "non-zero domain.reserved") != 0)
		return -1;

	/* Inter-domain transfers exist only for mem-to-mem vchans. */
	base_vchan_conf(&vconf, info);
	vconf.direction = RTE_DMA_DIR_MEM_TO_DEV;
	vconf.domain.type = RTE_DMA_INTER_PROCESS_DOMAIN;
	if (vchan_setup_rejected(&vconf, "inter-process domain on MEM_TO_DEV") != 0)
		return -1;

	/* The device has neither inter-domain capability. */
	base_vchan_conf(&vconf, info);
	vconf.domain.type = RTE_DMA_INTER_PROCESS_DOMAIN;
	if (vchan_setup_rejected(&vconf, "INTER_PROCESS without capability") != 0)
		return -1;

	base_vchan_conf(&vconf, info);
	vconf.domain.type = RTE_DMA_INTER_OS_DOMAIN;
	if (vchan_setup_rejected(&vconf, "INTER_OS without capability") != 0)
		return -1;

	return 0;
}

/* Hardware buffer freeing parameters. */
static int
check_auto_free_conf(const struct rte_dma_info *info)
{
	struct rte_dma_vchan_conf vconf;

	base_vchan_conf(&vconf, info);
	vconf.auto_free.reserved[0] = 1;
	if (vchan_setup_rejected(&vconf, "non-zero auto_free.reserved") != 0)
		return -1;

	/* A pool needs RTE_DMA_CAPA_M2D_AUTO_FREE, and dma_skeleton (which has it)
	 * takes one on mem-to-dev vchans only; it is never used here. */
	base_vchan_conf(&vconf, info);
	vconf.auto_free.m2d.pool = (struct rte_mempool *)(uintptr_t)0x1;
	if (vchan_setup_rejected(&vconf, "auto_free pool without capability") != 0)
		return -1;

	return 0;
}

static int
test_dma_vchan_setup(void)
{
	struct rte_dma_vchan_conf vconf;
	struct rte_dma_conf conf;
	struct rte_dma_info info;
	int ret;

	/* Bad device id, NULL configuration, all-zero configuration. */
	memset(&vconf, 0, sizeof(vconf));
	ret = rte_dma_vchan_setup(invalid_dev_id, 0, &vconf);
	RTE_TEST_ASSERT(ret == -EINVAL, "invalid dev_id: expected -EINVAL, got %d", ret);
	ret = rte_dma_vchan_setup(test_dev_id, 0, NULL);
	RTE_TEST_ASSERT(ret == -EINVAL, "NULL conf: expected -EINVAL, got %d", ret);
	ret = rte_dma_vchan_setup(test_dev_id, 0, &vconf);
	RTE_TEST_ASSERT(ret == -EINVAL, "zeroed conf: expected -EINVAL, got %d", ret);

	/* Configure the device with all its vchans. */
	memset(&info, 0, sizeof(info));
	ret = rte_dma_info_get(test_dev_id, &info);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_info_get failed: %d", ret);
	memset(&conf, 0, sizeof(conf));
	conf.nb_vchans = info.max_vchans;
	ret = rte_dma_configure(test_dev_id, &conf);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_configure failed: %d", ret);

	/* vchan index one past the configured ones. */
	ret = rte_dma_vchan_setup(test_dev_id, conf.nb_vchans, &vconf);
	RTE_TEST_ASSERT(ret == -EINVAL, "vchan %u: expected -EINVAL, got %d",
			(unsigned int)conf.nb_vchans, ret);

	ret = check_direction();
	RTE_TEST_ASSERT_SUCCESS(ret, "direction checks failed (%d)", ret);

	/* Descriptor count outside [min_desc, max_desc]. */
	base_vchan_conf(&vconf, &info);
	vconf.nb_desc = (uint16_t)(info.min_desc - 1);
	ret = rte_dma_vchan_setup(test_dev_id, 0, &vconf);
	RTE_TEST_ASSERT(ret == -EINVAL, "nb_desc min_desc - 1: expected -EINVAL, got %d",
			ret);
	vconf.nb_desc = (uint16_t)(info.max_desc + 1);
	ret = rte_dma_vchan_setup(test_dev_id, 0, &vconf);
	RTE_TEST_ASSERT(ret == -EINVAL, "nb_desc max_desc + 1: expected -EINVAL, got %d",
			ret);

	ret = check_vchan_port(&info);
	RTE_TEST_ASSERT_SUCCESS(ret, "port checks failed (%d)", ret);

	ret = check_vchan_domain(&info);
	RTE_TEST_ASSERT_SUCCESS(ret, "domain checks failed (%d)", ret);

	ret = check_auto_free_conf(&info);
	RTE_TEST_ASSERT_SUCCESS(ret, "auto_free checks failed (%d)", ret);

	/* Finally a valid vchan. */
	base_vchan_conf(&vconf, &info);
	ret = rte_dma_vchan_setup(test_dev_id, 0, &vconf);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_vchan_setup failed: %d", ret);

	return TEST_SUCCESS;
}

/* ---------------------------------------------------------------------- */
/* Start / stop / reconfigure                                             */
/* ---------------------------------------------------------------------- */

static int
test_dma_start_stop(void)
{
	struct rte_dma_vchan_conf vconf;
	struct rte_dma_conf conf;
	int ret;

	ret = rte_dma_start(invalid_dev_id);
	RTE_TEST_ASSERT(ret == -EINVAL, "start invalid dev_id: expected -EINVAL, got %d",
			ret);
	ret = rte_dma_stop(invalid_dev_id);
	RTE_TEST_ASSERT(ret == -EINVAL, "stop invalid dev_id: expected -EINVAL, got %d",
			ret);

	ret = setup_vchan(1, false);
	RTE_TEST_ASSERT_SUCCESS(ret, "setting up one vchan failed (%d)", ret);

	ret = rte_dma_start(test_dev_id);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_start failed: %d", ret);

	/* A running device refuses configure and vchan setup. */
	memset(&conf, 0, sizeof(conf));
	memset(&vconf, 0, sizeof(vconf));
	ret = rte_dma_configure(test_dev_id, &conf);
	RTE_TEST_ASSERT(ret == -EBUSY, "configure while started: expected -EBUSY, got %d",
			ret);
	ret = rte_dma_vchan_setup(test_dev_id, 0, &vconf);
	RTE_TEST_ASSERT(ret == -EBUSY,
			"vchan setup while started: expected -EBUSY, got %d", ret);

	ret = rte_dma_stop(test_dev_id);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_stop failed: %d", ret);

	return TEST_SUCCESS;
}

static int
test_dma_reconfigure(void)
{
	struct rte_dma_info info;
	uint16_t nb_vchans;
	int ret;

	memset(&info, 0, sizeof(info));
	ret = rte_dma_info_get(test_dev_id, &info);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_info_get failed: %d", ret);

	if (info.max_vchans < 2) {
		test_skip_reason("needs max_vchans >= 2, device reports max_vchans = %u",
				 (unsigned int)info.max_vchans);
		return TEST_SKIPPED;
	}

	/* Run once with one vchan... */
	ret = setup_vchan(1, false);
	RTE_TEST_ASSERT_SUCCESS(ret, "setting up one vchan failed (%d)", ret);
	ret = rte_dma_start(test_dev_id);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_start failed: %d", ret);
	ret = rte_dma_stop(test_dev_id);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_stop failed: %d", ret);

	/* ...then reconfigure the stopped device with max_vchans - 1. */
	nb_vchans = (uint16_t)(info.max_vchans - 1);
	ret = setup_vchan(nb_vchans, false);
	RTE_TEST_ASSERT_SUCCESS(ret, "setting up %u vchans failed (%d)",
				(unsigned int)nb_vchans, ret);
	ret = rte_dma_start(test_dev_id);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_start failed: %d", ret);

	ret = rte_dma_info_get(test_dev_id, &info);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_info_get failed: %d", ret);
	RTE_TEST_ASSERT_EQUAL(info.nb_vchans, nb_vchans,
			      "after reconfiguration nb_vchans is %u, expected %u",
			      (unsigned int)info.nb_vchans, (unsigned int)nb_vchans);

	ret = rte_dma_stop(test_dev_id);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_stop failed: %d", ret);

	return TEST_SUCCESS;
}

/* ---------------------------------------------------------------------- */
/* Statistics and dump                                                    */
/* ---------------------------------------------------------------------- */

static int
test_dma_stats(void)
{
	struct rte_dma_stats stats;
	struct rte_dma_info info;
	int ret;

	memset(&stats, 0, sizeof(stats));
	ret = rte_dma_stats_get(invalid_dev_id, 0, &stats);
	RTE_TEST_ASSERT(ret == -EINVAL, "stats_get invalid dev_id: expected -EINVAL, got %d",
			ret);
	ret = rte_dma_stats_get(invalid_dev_id, 0, NULL);
	RTE_TEST_ASSERT(ret == -EINVAL,
			"stats_get invalid dev_id, NULL stats: expected -EINVAL, got %d", ret);
	ret = rte_dma_stats_reset(invalid_dev_id, 0);
	RTE_TEST_ASSERT(ret == -EINVAL,
			"stats_reset invalid dev_id: expected -EINVAL, got %d", ret);

	ret = setup_vchan(1, false);
	RTE_TEST_ASSERT_SUCCESS(ret, "setting up one vchan failed (%d)", ret);

	/* vchan index out of range. */
	memset(&info, 0, sizeof(info));
	ret = rte_dma_info_get(test_dev_id, &info);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_info_get failed: %d", ret);
	ret = rte_dma_stats_get(test_dev_id, info.max_vchans, &stats);
	RTE_TEST_ASSERT(ret == -EINVAL, "stats_get vchan %u: expected -EINVAL, got %d",
			(unsigned int)info.max_vchans, ret);
	ret = rte_dma_stats_reset(test_dev_id, info.max_vchans);
	RTE_TEST_ASSERT(ret == -EINVAL, "stats_reset vchan %u: expected -EINVAL, got %d",
			(unsigned int)info.max_vchans, ret);

	/* One vchan and all vchans. */
	ret = rte_dma_stats_get(test_dev_id, 0, &stats);
	RTE_TEST_ASSERT_SUCCESS(ret, "stats_get vchan 0 failed: %d", ret);
	ret = rte_dma_stats_get(test_dev_id, RTE_DMA_ALL_VCHAN, &stats);
	RTE_TEST_ASSERT_SUCCESS(ret, "stats_get all vchans failed: %d", ret);
	ret = rte_dma_stats_reset(test_dev_id, 0);
	RTE_TEST_ASSERT_SUCCESS(ret, "stats_reset vchan 0 failed: %d", ret);
	ret = rte_dma_stats_reset(test_dev_id, RTE_DMA_ALL_VCHAN);
	RTE_TEST_ASSERT_SUCCESS(ret, "stats_reset all vchans failed: %d", ret);

	return TEST_SUCCESS;
}

static int
test_dma_dump(void)
{
	int ret;

	ret = rte_dma_dump(invalid_dev_id, stderr);
	RTE_TEST_ASSERT(ret == -EINVAL, "dump invalid dev_id: expected -EINVAL, got %d",
			ret);
	ret = rte_dma_dump(test_dev_id, NULL);
	RTE_TEST_ASSERT(ret == -EINVAL, "dump to NULL file: expected -EINVAL, got %d", ret);

	return TEST_SUCCESS;
}

/* ---------------------------------------------------------------------- */
/* Data path                                                              */
/* ---------------------------------------------------------------------- */

static int
test_dma_completed(void)
{
	uint16_t last_idx = 1;
	bool has_error = true;
	uint16_t nb_done;
	int ret;

	ret = setup_vchan(1, false);
	RTE_TEST_ASSERT_SUCCESS(ret, "setting up one vchan failed (%d)", ret);
	ret = rte_dma_start(test_dev_id);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_start failed: %d", ret);

	/* An enqueued but not submitted copy must not complete... */
	fill_src_clear_dst(1);
	ret = rte_dma_copy(test_dev_id, 0, rte_malloc_virt2iova(src),
			   rte_malloc_virt2iova(dst), COPY_SIZE, 0);
	RTE_TEST_ASSERT_EQUAL(ret, 0, "first copy: expected ring index 0, got %d", ret);
	rte_delay_us_sleep(TEST_WAIT_US_VAL);
	nb_done = rte_dma_completed(test_dev_id, 0, 1, &last_idx, &has_error);
	RTE_TEST_ASSERT_EQUAL(nb_done, 0, "%u completions before submit",
			      (unsigned int)nb_done);

	/* ...until rte_dma_submit() rings the doorbell. */
	ret = rte_dma_submit(test_dev_id, 0);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_submit failed: %d", ret);
	rte_delay_us_sleep(TEST_WAIT_US_VAL);
	nb_done = rte_dma_completed(test_dev_id, 0, 1, &last_idx, &has_error);
	RTE_TEST_ASSERT_EQUAL(nb_done, 1, "%u completions after submit, expected 1",
			      (unsigned int)nb_done);
	RTE_TEST_ASSERT_EQUAL(last_idx, 0, "last_idx %u, expected 0",
			      (unsigned int)last_idx);
	RTE_TEST_ASSERT_EQUAL(has_error, false, "has_error set (last_idx %u)",
			      (unsigned int)last_idx);
	ret = check_dst_equals_src(1);
	RTE_TEST_ASSERT_SUCCESS(ret, "copied data differs (%d)", ret);

	/* A copy enqueued with RTE_DMA_OP_FLAG_SUBMIT runs at once. */
	fill_src_clear_dst(1);
	ret = rte_dma_copy(test_dev_id, 0, rte_malloc_virt2iova(src),
			   rte_malloc_virt2iova(dst), COPY_SIZE, RTE_DMA_OP_FLAG_SUBMIT);
	RTE_TEST_ASSERT_EQUAL(ret, 1, "second copy: expected ring index 1, got %d", ret);
	rte_delay_us_sleep(TEST_WAIT_US_VAL);
	nb_done = rte_dma_completed(test_dev_id, 0, 1, &last_idx, &has_error);
	RTE_TEST_ASSERT_EQUAL(nb_done, 1, "%u completions, expected 1",
			      (unsigned int)nb_done);
	RTE_TEST_ASSERT_EQUAL(last_idx, 1, "last_idx %u, expected 1",
			      (unsigned int)last_idx);
	RTE_TEST_ASSERT_EQUAL(has_error, false, "has_error set (last_idx %u)",
			      (unsigned int)last_idx);
	ret = check_dst_equals_src(1);
	RTE_TEST_ASSERT_SUCCESS(ret, "copied data differs (%d)", ret);

	ret = rte_dma_stop(test_dev_id);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_stop failed: %d", ret);

	return TEST_SUCCESS;
}

static int
test_dma_completed_status(void)
{
	enum rte_dma_status_code status[1] = { RTE_DMA_STATUS_USER_ABORT };
	const unsigned int nb_status = sizeof(status) / sizeof(status[0]);
	uint16_t last_idx = 1;
	uint16_t nb_done;
	int ret;

	ret = setup_vchan(1, false);
	RTE_TEST_ASSERT_SUCCESS(ret, "setting up one vchan failed (%d)", ret);
	ret = rte_dma_start(test_dev_id);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_start failed: %d", ret);

	/* Copy with submit; its status must be reported as successful. */
	ret = rte_dma_copy(test_dev_id, 0, rte_malloc_virt2iova(src),
			   rte_malloc_virt2iova(dst), COPY_SIZE, RTE_DMA_OP_FLAG_SUBMIT);
	RTE_TEST_ASSERT_EQUAL(ret, 0, "first copy: expected ring index 0, got %d", ret);
	rte_delay_us_sleep(TEST_WAIT_US_VAL);
	nb_done = rte_dma_completed_status(test_dev_id, 0, 1, &last_idx, status);
	RTE_TEST_ASSERT_EQUAL(nb_done, 1, "%u completions, expected 1",
			      (unsigned int)nb_done);
	RTE_TEST_ASSERT_EQUAL(last_idx, 0, "last_idx %u, expected 0",
			      (unsigned int)last_idx);
	for (unsigned int i = 0; i < nb_status; i++)
		RTE_TEST_ASSERT_EQUAL(status[i], RTE_DMA_STATUS_SUCCESSFUL,
				      "status[%u] = %d, expected success",
				      i, (int)status[i]);

	/* Nothing is left to report. */
	nb_done = rte_dma_completed_status(test_dev_id, 0, 1, &last_idx, status);
	RTE_TEST_ASSERT_EQUAL(nb_done, 0, "%u completions on an idle ring, expected 0",
			      (unsigned int)nb_done);

	/* A second copy gets the next ring index. */
	ret = rte_dma_copy(test_dev_id, 0, rte_malloc_virt2iova(src),
			   rte_malloc_virt2iova(dst), COPY_SIZE, RTE_DMA_OP_FLAG_SUBMIT);
	RTE_TEST_ASSERT_EQUAL(ret, 1, "second copy: expected ring index 1, got %d", ret);
	rte_delay_us_sleep(TEST_WAIT_US_VAL);
	nb_done = rte_dma_completed_status(test_dev_id, 0, 1, &last_idx, status);
	RTE_TEST_ASSERT_EQUAL(nb_done, 1, "%u completions, expected 1",
			      (unsigned int)nb_done);
	RTE_TEST_ASSERT_EQUAL(last_idx, 1, "last_idx %u, expected 1",
			      (unsigned int)last_idx);
	for (unsigned int i = 0; i < nb_status; i++)
		RTE_TEST_ASSERT_EQUAL(status[i], RTE_DMA_STATUS_SUCCESSFUL,
				      "status[%u] = %d, expected success",
				      i, (int)status[i]);

	ret = rte_dma_stop(test_dev_id);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_stop failed: %d", ret);

	return TEST_SUCCESS;
}

static int
test_dma_sg(void)
{
	struct rte_dma_sge src_sge[SG_MAX];
	struct rte_dma_sge dst_sge[SG_MAX];
	struct rte_dma_info info;
	uint16_t last_idx = UINT16_MAX;
	bool has_error = true;
	uint16_t nb_done;
	int nb_sge, ret;

	memset(&info, 0, sizeof(info));
	ret = rte_dma_info_get(test_dev_id, &info);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_info_get failed: %d", ret);

	if (!(info.dev_capa & RTE_DMA_CAPA_OPS_COPY_SG)) {
		test_skip_reason("device lacks RTE_DMA_CAPA_OPS_COPY_SG (dev_capa 0x%llx)",
				 (unsigned long long)info.dev_capa);
		return TEST_SKIPPED;
	}

	nb_sge = (int)min_u(info.max_sges, SG_MAX);

	ret = setup_vchan(1, false);
	RTE_TEST_ASSERT_SUCCESS(ret, "setting up one vchan failed (%d)", ret);
	ret = rte_dma_start(test_dev_id);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_start failed: %d", ret);

	/* One segment per buffer, nb_sge on each side. */
	for (int i = 0; i < nb_sge; i++) {
		src_sge[i].addr = rte_malloc_virt2iova(src_bufs[i]);
		src_sge[i].length = COPY_SIZE;
		dst_sge[i].addr = rte_malloc_virt2iova(dst_bufs[i]);
		dst_sge[i].length = COPY_SIZE;
	}

	/* Enqueue without submit: nothing completes yet. */
	fill_src_clear_dst(nb_sge);
	ret = rte_dma_copy_sg(test_dev_id, 0, src_sge, dst_sge,
			      (uint16_t)nb_sge, (uint16_t)nb_sge, 0);
	RTE_TEST_ASSERT_EQUAL(ret, 0, "first sg copy: expected ring index 0, got %d", ret);
	rte_delay_us_sleep(TEST_WAIT_US_VAL);
	nb_done = rte_dma_completed(test_dev_id, 0, 1, &last_idx, &has_error);
	RTE_TEST_ASSERT_EQUAL(nb_done, 0, "%u completions before submit",
			      (unsigned int)nb_done);

	/* Submit, then it completes. */
	ret = rte_dma_submit(test_dev_id, 0);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_submit failed: %d", ret);
	rte_delay_us_sleep(TEST_WAIT_US_VAL);
	nb_done = rte_dma_completed(test_dev_id, 0, 1, &last_idx, &has_error);
	RTE_TEST_ASSERT_EQUAL(nb_done, 1, "%u completions after submit, expected 1",
			      (unsigned int)nb_done);
	RTE_TEST_ASSERT_EQUAL(last_idx, 0, "last_idx %u, expected 0",
			      (unsigned int)last_idx);
	RTE_TEST_ASSERT_EQUAL(has_error, false, "has_error set (last_idx %u)",
			      (unsigned int)last_idx);
	ret = check_dst_equals_src(nb_sge);
	RTE_TEST_ASSERT_SUCCESS(ret, "sg copied data differs (%d)", ret);

	/* Enqueue with RTE_DMA_OP_FLAG_SUBMIT. */
	fill_src_clear_dst(nb_sge);
	ret = rte_dma_copy_sg(test_dev_id, 0, src_sge, dst_sge,
			      (uint16_t)nb_sge, (uint16_t)nb_sge, RTE_DMA_OP_FLAG_SUBMIT);
	RTE_TEST_ASSERT_EQUAL(ret, 1, "second sg copy: expected ring index 1, got %d", ret);
	rte_delay_us_sleep(TEST_WAIT_US_VAL);
	nb_done = rte_dma_completed(test_dev_id, 0, 1, &last_idx, &has_error);
	RTE_TEST_ASSERT_EQUAL(nb_done, 1, "%u completions, expected 1",
			      (unsigned int)nb_done);
	RTE_TEST_ASSERT_EQUAL(last_idx, 1, "last_idx %u, expected 1",
			      (unsigned int)last_idx);
	RTE_TEST_ASSERT_EQUAL(has_error, false, "has_error set (last_idx %u)",
			      (unsigned int)last_idx);
	ret = check_dst_equals_src(nb_sge);
	RTE_TEST_ASSERT_SUCCESS(ret, "sg copied data differs (%d)", ret);

	ret = rte_dma_stop(test_dev_id);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_stop failed: %d", ret);

	return TEST_SUCCESS;
}

static int
test_dma_ops_enq_deq(void)
{
	struct rte_dma_info info;
	struct rte_dma_op *op;
	int nb_sge, ret;

	memset(&info, 0, sizeof(info));
	ret = rte_dma_info_get(test_dev_id, &info);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_info_get failed: %d", ret);
	if (!(info.dev_capa & RTE_DMA_CAPA_OPS_ENQ_DEQ)) {
		test_skip_reason("device lacks RTE_DMA_CAPA_OPS_ENQ_DEQ (dev_capa 0x%llx)",
				 (unsigned long long)info.dev_capa);
		return TEST_SKIPPED;
	}

	nb_sge = (int)min_u(info.max_sges, SG_MAX);

	ret = setup_vchan(1, true);
	RTE_TEST_ASSERT_SUCCESS(ret, "setting up one vchan in enq/deq mode failed (%d)",
				ret);
	ret = rte_dma_start(test_dev_id);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_start failed: %d", ret);

	/* One op carrying nb_sge source segments followed by nb_sge destinations. */
	op = rte_zmalloc("dmadev_api_op",
			 sizeof(*op) + 2u * (size_t)nb_sge * sizeof(struct rte_dma_sge), 0);
	RTE_TEST_ASSERT_NOT_NULL(op, "rte_zmalloc of an op with %d segments failed",
				 2 * nb_sge);
	for (int i = 0; i < nb_sge; i++) {
		op->src_dst_seg[i].addr = rte_malloc_virt2iova(src_bufs[i]);
		op->src_dst_seg[i].length = COPY_SIZE;
		op->src_dst_seg[nb_sge + i].addr = rte_malloc_virt2iova(dst_bufs[i]);
		op->src_dst_seg[nb_sge + i].length = COPY_SIZE;
	}
	op->nb_src = (uint16_t)nb_sge;
	op->nb_dst = (uint16_t)nb_sge;
	fill_src_clear_dst(nb_sge);

	ret = rte_dma_enqueue_ops(test_dev_id, 0, &op, 1);
	RTE_TEST_ASSERT(ret == 1, "rte_dma_enqueue_ops returned %d, expected 1", ret);

	rte_delay_us_sleep(TEST_WAIT_US_VAL);

	op = NULL;
	ret = rte_dma_dequeue_ops(test_dev_id, 0, &op, 1);
	RTE_TEST_ASSERT(ret == 1, "rte_dma_dequeue_ops returned %d, expected 1", ret);
	RTE_TEST_ASSERT(op != NULL, "rte_dma_dequeue_ops gave back no op (%p)", (void *)op);
	rte_free(op);

	ret = check_dst_equals_src(nb_sge);
	RTE_TEST_ASSERT_SUCCESS(ret, "enq/deq copied data differs (%d)", ret);

	ret = rte_dma_stop(test_dev_id);
	RTE_TEST_ASSERT_SUCCESS(ret, "rte_dma_stop failed: %d", ret);

	return TEST_SUCCESS;
}

/* ---------------------------------------------------------------------- */
/* Suite and main                                                         */
/* ---------------------------------------------------------------------- */

static const struct test_case api_cases[] = {
	TEST_CASE(test_dma_get_dev_id_by_name),
	TEST_CASE(test_dma_is_valid_dev),
	TEST_CASE(test_dma_count),
	TEST_CASE(test_dma_info_get),
	TEST_CASE(test_dma_configure),
	TEST_CASE(test_dma_vchan_setup),
	TEST_CASE(test_dma_start_stop),
	TEST_CASE(test_dma_reconfigure),
	TEST_CASE(test_dma_stats),
	TEST_CASE(test_dma_dump),
	TEST_CASE(test_dma_completed),
	TEST_CASE(test_dma_completed_status),
	TEST_CASE(test_dma_sg),
	TEST_CASE(test_dma_ops_enq_deq),
	TEST_CASES_END()
};

static const struct test_suite api_suite = {
	.name = "DMA API Test Suite",
	.setup = suite_setup,
	.teardown = suite_teardown,
	.cases = api_cases,
};

int
main(int argc, char **argv)
{
	struct rte_dma_info info;
	unsigned int failed;
	int dev_id, ret;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}

	/* Create the skeleton device unless the EAL arguments already did. */
	if (rte_dma_get_dev_id_by_name(DEVICE_NAME) < 0 &&
	    rte_vdev_init(DEVICE_NAME, NULL) != 0) {
		fprintf(stderr, "rte_vdev_init(\"%s\") failed\n", DEVICE_NAME);
		rte_eal_cleanup();
		return 1;
	}
	dev_id = rte_dma_get_dev_id_by_name(DEVICE_NAME);
	if (dev_id < 0) {
		fprintf(stderr, "no dmadev named \"%s\" (%d)\n", DEVICE_NAME, dev_id);
		rte_vdev_uninit(DEVICE_NAME);
		rte_eal_cleanup();
		return 1;
	}

	memset(&info, 0, sizeof(info));
	if (rte_dma_info_get((int16_t)dev_id, &info) != 0) {
		fprintf(stderr, "rte_dma_info_get(%d) failed\n", dev_id);
		rte_vdev_uninit(DEVICE_NAME);
		rte_eal_cleanup();
		return 1;
	}
	printf("dmadev API tests on device %d [%s]\n", dev_id,
	       info.dev_name != NULL ? info.dev_name : "?");

	test_dev_id = (int16_t)dev_id;
	failed = test_suite_run(&api_suite);

	/* Removing the device is not part of the suite: report, don't fail. */
	ret = rte_vdev_uninit(DEVICE_NAME);
	if (ret != 0)
		fprintf(stderr, "warning: rte_vdev_uninit(\"%s\") returned %d\n",
			DEVICE_NAME, ret);
	rte_eal_cleanup();

	return failed == 0 ? 0 : 1;
}
