/* SPDX-License-Identifier: BSD-3-Clause
 *
 * test_log_lines.c - every refusal of the rte_dma_* library layer gives DPDK's return
 * code and exactly DPDK's log output.
 *
 * The expected lines are the format strings of DPDK's lib/dmadev/rte_dmadev.c
 * (checked against DPDK main after v26.07, "version: 26.11.0-rc0"), instantiated with
 * the call's arguments. RTE_DMA_LOG(level, fmt, ...) is
 * RTE_LOG_LINE(level, DMADEV, fmt, ...): the line is "DMADEV: " + fmt + "\n" on the
 * lib.dmadev log type, with no function-name prefix. Where DPDK logs nothing (a bad
 * dev_id, a NULL pointer, an unknown name, a missing driver callback) the case
 * checks that nothing is written.
 *
 * The log goes to stderr, which this test points at a temporary file; each case
 * reads what its call appended. The devices: dma_skeleton (the library's own
 * driver) and small C drivers made here with rte_dma_pmd_allocate, whose info
 * callback fails or reports priorities, and whose fast-path entries are left as
 * the library's refusing ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_dmadev.h>
#include <rte_dmadev_pmd.h>
#include <rte_eal.h>
#include <rte_log.h>

#include "test_runner.h"

#define SKELETON "dma_skeleton"

/* ---------------------------------------------------------------- capture --- */

static int capture_fd = -1;  /* the temporary file stderr points at */
static off_t capture_start;
static char captured[4096];
static unsigned int nb_checked;
static unsigned int nb_lines;

static off_t
capture_size(void)
{
	struct stat st;

	fflush(stderr);
	return fstat(capture_fd, &st) == 0 ? st.st_size : -1;
}

/* Marks the start of one call's output; returns 0 so it can sit in an expression. */
static int
capture_begin(void)
{
	capture_start = capture_size();
	return 0;
}

/*
 * Removes the lines a sanitizer runtime writes to stderr ("==1234==WARNING: ...",
 * as AddressSanitizer does for an allocation it refuses): they are not ours.
 */
static void
drop_sanitizer_lines(char *text)
{
	char *line = text, *out = text;

	while (*line != '\0') {
		char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
		unsigned int pid;
		int used = 0;

		if (!(sscanf(line, "==%u==%n", &pid, &used) == 1 && used > 0)) {
			memmove(out, line, len);
			out += len;
		}
		line += len;
	}
	*out = '\0';
}

/* What was written to stderr since capture_begin(), without sanitizer lines. */
static const char *
capture_end(void)
{
	off_t end = capture_size();
	size_t len = end > capture_start ? (size_t)(end - capture_start) : 0;
	ssize_t n;

	if (len >= sizeof(captured))
		len = sizeof(captured) - 1;
	n = pread(capture_fd, captured, len, capture_start);
	captured[n > 0 ? n : 0] = '\0';
	drop_sanitizer_lines(captured);
	return captured;
}

/*
 * One expected log line: "DMADEV: " + DPDK's format instantiated + "\n". Returns one
 * of a few rotating buffers, so a case can list two lines.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static const char *
L(const char *fmt, ...)
{
	static char bufs[4][256];
	static unsigned int next;
	char *b = bufs[next++ % 4];
	int n = snprintf(b, sizeof(bufs[0]), "DMADEV: ");
	va_list ap;

	va_start(ap, fmt);
	n += vsnprintf(b + n, sizeof(bufs[0]) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	b[n] = '\n';
	b[n + 1] = '\0';
	return b;
}

/*
 * Checks a call's result against @want_rc and its output against the expected
 * lines (a NULL-ended list; just NULL when DPDK logs nothing).
 */
static int
expect(const char *what, int line, int rc, int want_rc, ...)
{
	char want[1024] = "";
	const char *got = capture_end();
	const char *l;
	va_list ap;

	va_start(ap, want_rc);
	while ((l = va_arg(ap, const char *)) != NULL) {
		strncat(want, l, sizeof(want) - strlen(want) - 1);
		nb_lines++;
	}
	va_end(ap);
	nb_checked++;
	if (rc == want_rc && strcmp(got, want) == 0)
		return 0;
	printf("    line %d: %s\n      returned %d, want %d\n      logged   \"%s\"\n"
	       "      want     \"%s\"\n", line, what, rc, want_rc, got, want);
	return -1;
}

/* Runs @call and checks its return value and exact log output (lines, then NULL). */
#define EXPECT(call, want_rc, ...) do { \
	capture_begin(); \
	int rc_ = (int)(call); \
	if (expect(#call, __LINE__, rc_, (want_rc), __VA_ARGS__) != 0) \
		return TEST_FAILED; \
} while (0)

/* Same for a call returning a pointer: NULL counts as -1, anything else as 0. */
#define EXPECT_PTR(call, want_null, ...) \
	EXPECT((call) == NULL ? -1 : 0, (want_null) ? -1 : 0, __VA_ARGS__)

/* ------------------------------------------------------------ a C driver --- */

struct log_pmd {
	uint64_t capa;
	uint16_t nb_priorities;
	int info_rc;  /* what dev_info_get returns (its fields are filled either way) */
};

static int
log_pmd_info_get(const struct rte_dma_dev *dev, struct rte_dma_info *info, uint32_t sz)
{
	const struct log_pmd *p = dev->data->dev_private;

	(void)sz;
	info->dev_capa = p->capa;
	info->max_vchans = 2;
	info->min_desc = 32;
	info->max_desc = 1024;
	info->max_sges = 1;
	info->nb_priorities = p->nb_priorities;
	return p->info_rc;
}

static int
log_pmd_configure(struct rte_dma_dev *dev, const struct rte_dma_conf *conf, uint32_t sz)
{
	(void)dev, (void)conf, (void)sz;
	return 0;
}

static int
log_pmd_close(struct rte_dma_dev *dev)
{
	(void)dev;
	return 0;
}

/* Configure and close only: everything else is "not supported" (no log line). */
static const struct rte_dma_dev_ops log_pmd_ops = {
	.dev_info_get = log_pmd_info_get,
	.dev_configure = log_pmd_configure,
	.dev_close = log_pmd_close,
};

static const struct rte_dma_dev_ops info_only_ops = {
	.dev_info_get = log_pmd_info_get,
	.dev_close = log_pmd_close,
};

/* A ready C device with @ops; its fast-path entries stay the refusing ones. */
static int16_t
log_pmd_create(const char *name, const struct rte_dma_dev_ops *ops, uint64_t capa,
	       uint16_t nb_priorities, int info_rc)
{
	struct rte_dma_dev *dev = rte_dma_pmd_allocate(name, -1, sizeof(struct log_pmd));
	struct log_pmd *p;

	if (dev == NULL)
		return -1;
	p = dev->data->dev_private;
	p->capa = capa;
	p->nb_priorities = nb_priorities;
	p->info_rc = info_rc;
	dev->dev_ops = ops;
	dev->state = RTE_DMA_DEV_READY;
	return dev->data->dev_id;
}

/* ---------------------------------------------------------------- devices --- */

static int16_t skel = -1;      /* dma_skeleton */
static int16_t noinfo = -1;    /* info callback fails with -EIO */
static int16_t prio1 = -1;     /* PRI_POLICY_SP with one priority: info_get refuses */
static int16_t prio4 = -1;     /* PRI_POLICY_SP, 4 priorities, no transfer capability */
static int16_t bare = -1;      /* info callback only */
static int16_t m2monly = -1;   /* MEM_TO_MEM only (dma_skeleton also has MEM_TO_DEV, M2D_AUTO_FREE) */
static int16_t unused_id = -1; /* a free slot */

static const unsigned char uuid[16] = { 1 };

static struct rte_dma_vchan_conf
m2m(void)
{
	struct rte_dma_vchan_conf c;

	memset(&c, 0, sizeof(c));
	c.direction = RTE_DMA_DIR_MEM_TO_MEM;
	c.nb_desc = 64;
	return c;
}

static int
configure(int16_t id, uint16_t nb_vchans, uint16_t priority, uint64_t flags)
{
	struct rte_dma_conf c = { .nb_vchans = nb_vchans, .priority = priority, .flags = flags };

	return rte_dma_configure(id, &c);
}

static int
vchan_setup(int16_t id, uint16_t vchan, struct rte_dma_vchan_conf c)
{
	return rte_dma_vchan_setup(id, vchan, &c);
}

/* ------------------------------------------------------------------ cases --- */

/* dma_check_name via rte_dma_get_dev_id_by_name, rte_dma_pmd_allocate/release. */
static int
test_name_checks(void)
{
	char long_name[RTE_DEV_NAME_MAX_LEN + 1];

	memset(long_name, 'x', RTE_DEV_NAME_MAX_LEN);
	long_name[RTE_DEV_NAME_MAX_LEN] = '\0';

	EXPECT(rte_dma_get_dev_id_by_name(NULL), -EINVAL, L("Name can't be NULL"), NULL);
	EXPECT(rte_dma_get_dev_id_by_name(""), -EINVAL, L("Zero length DMA device name"), NULL);
	EXPECT(rte_dma_get_dev_id_by_name(long_name), -EINVAL,
	       L("DMA device name is too long"), NULL);
	EXPECT(rte_dma_get_dev_id_by_name("no_such_dma"), -EINVAL, NULL);

	EXPECT_PTR(rte_dma_pmd_allocate(NULL, -1, 64), true, L("Name can't be NULL"), NULL);
	EXPECT_PTR(rte_dma_pmd_allocate("", -1, 64), true, L("Zero length DMA device name"),
		   NULL);
	EXPECT_PTR(rte_dma_pmd_allocate(long_name, -1, 64), true,
		   L("DMA device name is too long"), NULL);

	EXPECT(rte_dma_pmd_release(NULL), -EINVAL, L("Name can't be NULL"), NULL);
	EXPECT(rte_dma_pmd_release(""), -EINVAL, L("Zero length DMA device name"), NULL);
	EXPECT(rte_dma_pmd_release(long_name), -EINVAL, L("DMA device name is too long"), NULL);
	EXPECT(rte_dma_pmd_release("no_such_dma"), -EINVAL, NULL);
	return TEST_SUCCESS;
}

/* Releases the devices log_fill_0 .. log_fill_<n-1>. */
static int
release_fillers(int n)
{
	char name[32];

	while (n-- > 0) {
		snprintf(name, sizeof(name), "log_fill_%d", n);
		EXPECT(rte_dma_pmd_release(name), 0, NULL);
	}
	return TEST_SUCCESS;
}

/* The table is full: both refusals, in DPDK's order (private data, then a slot). */
static int
full_table_refusals(void)
{
	EXPECT_PTR(rte_dma_pmd_allocate("log_one_more", -1, 64), true,
		   L("Reached maximum number of DMA devices"), NULL);
	EXPECT_PTR(rte_dma_pmd_allocate("log_one_more", -1, SIZE_MAX / 2), true,
		   L("Cannot allocate private data"), NULL);
	return TEST_SUCCESS;
}

/* rte_dma_pmd_allocate's own refusals. */
static int
test_pmd_allocate(void)
{
	char name[32];
	int n = 0;
	int rc;

	EXPECT_PTR(rte_dma_pmd_allocate("log_zero", -1, 0), true, NULL);
	EXPECT_PTR(rte_dma_pmd_allocate(SKELETON, -1, 64), true,
		   L("DMA device already allocated"), NULL);
	EXPECT_PTR(rte_dma_pmd_allocate("log_huge", -1, SIZE_MAX / 2), true,
		   L("Cannot allocate private data"), NULL);
	EXPECT(rte_dma_dev_max(0), -EINVAL, NULL);

	/* Fill every slot, then one more. */
	while (rte_dma_count_avail() < RTE_DMADEV_DEFAULT_MAX) {
		snprintf(name, sizeof(name), "log_fill_%d", n++);
		if (rte_dma_pmd_allocate(name, -1, 64) == NULL) {
			printf("    cannot allocate %s\n", name);
			return TEST_FAILED;
		}
	}
	rc = full_table_refusals();
	/* Free the slots even after a failure, so the later cases see the usual table. */
	if (release_fillers(n) != TEST_SUCCESS)
		return TEST_FAILED;
	return rc;
}

/* rte_dma_info_get. */
static int
test_info_get(void)
{
	struct rte_dma_info info;

	EXPECT(rte_dma_info_get(unused_id, &info), -EINVAL, NULL);
	EXPECT(rte_dma_info_get(-1, &info), -EINVAL, NULL);
	EXPECT(rte_dma_info_get(skel, NULL), -EINVAL, NULL);
	EXPECT(rte_dma_info_get(noinfo, &info), -EIO, NULL);
	EXPECT(rte_dma_info_get(prio1, &info), -EINVAL,
	       L("Num of priorities must be > 1 for Device %d", prio1), NULL);
	EXPECT(rte_dma_info_get(skel, &info), 0, NULL);
	return TEST_SUCCESS;
}

/* rte_dma_configure on a stopped device. */
static int
test_configure(void)
{
	struct rte_dma_conf c = { .nb_vchans = 1 };

	EXPECT(rte_dma_configure(unused_id, &c), -EINVAL, NULL);
	EXPECT(rte_dma_configure(skel, NULL), -EINVAL, NULL);
	EXPECT(configure(noinfo, 1, 0, 0), -EINVAL, L("Device %d get device info fail", noinfo),
	       NULL);
	/* info_get's own line, then configure's. */
	EXPECT(configure(prio1, 1, 0, 0), -EINVAL,
	       L("Num of priorities must be > 1 for Device %d", prio1),
	       L("Device %d get device info fail", prio1), NULL);
	EXPECT(configure(skel, 0, 0, 0), -EINVAL, L("Device %d configure zero vchans", skel),
	       NULL);
	EXPECT(configure(skel, 5, 0, 0), -EINVAL, L("Device %d configure too many vchans", skel),
	       NULL);
	EXPECT(configure(prio4, 1, 4, 0), -EINVAL,
	       L("Device %d configure invalid priority", prio4), NULL);
	EXPECT(configure(skel, 1, 1, 0), -EINVAL,
	       L("Device %d should not configure priority", skel), NULL);
	EXPECT(configure(skel, 1, 0, 1ULL << 2), -EINVAL,
	       L("Device %d configure invalid flags", skel), NULL);
	EXPECT(configure(skel, 1, 0, 1ULL << 63), -EINVAL,
	       L("Device %d configure invalid flags", skel), NULL);
	EXPECT(configure(skel, 1, 0, RTE_DMA_CFG_FLAG_SILENT), -EINVAL,
	       L("Device %d don't support silent", skel), NULL);
	EXPECT(configure(prio4, 1, 3, RTE_DMA_CFG_FLAG_ENQ_DEQ), -EINVAL,
	       L("Device %d don't support enqueue/dequeue", prio4), NULL);
	EXPECT(configure(bare, 1, 0, 0), -ENOTSUP, NULL);
	return TEST_SUCCESS;
}

/* rte_dma_start/stop/close before the device is configured. */
static int
test_start_unconfigured(void)
{
	EXPECT(rte_dma_start(unused_id), -EINVAL, NULL);
	EXPECT(rte_dma_stop(unused_id), -EINVAL, NULL);
	EXPECT(rte_dma_close(unused_id), -EINVAL, NULL);
	EXPECT(rte_dma_start(skel), -EINVAL, L("Device %d must be configured first", skel), NULL);
	EXPECT(rte_dma_stop(skel), 0, L("Device %d already stopped", skel), NULL);
	return TEST_SUCCESS;
}

/* dma_check_vchan_conf: the configuration alone, before the device is asked. */
static int
test_vchan_conf(void)
{
	struct rte_dma_vchan_conf c;

	EXPECT(vchan_setup(unused_id, 0, m2m()), -EINVAL, NULL);
	EXPECT(rte_dma_vchan_setup(skel, 0, NULL), -EINVAL, NULL);

	c = m2m();
	c.direction = (enum rte_dma_direction)4;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL, L("Device %d direction invalid!", skel), NULL);

	c = m2m();
	c.src_port.port_type = (enum rte_dma_port_type)2;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL,
	       L("Device %d source port type unsupported", skel), NULL);
	c = m2m();
	c.src_port.reserved[1] = 1;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL,
	       L("Device %d src_port has non-zero reserved fields", skel), NULL);
	c = m2m();
	c.src_port.port_type = RTE_DMA_PORT_PCIE;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL, L("Device %d source port type invalid", skel),
	       NULL);
	c = m2m();
	c.direction = RTE_DMA_DIR_DEV_TO_MEM;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL, L("Device %d source port type invalid", skel),
	       NULL);

	c = m2m();
	c.dst_port.port_type = (enum rte_dma_port_type)7;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL,
	       L("Device %d destination port type unsupported", skel), NULL);
	c = m2m();
	c.dst_port.reserved[0] = 1;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL,
	       L("Device %d dst_port has non-zero reserved fields", skel), NULL);
	c = m2m();
	c.dst_port.port_type = RTE_DMA_PORT_PCIE;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL,
	       L("Device %d destination port type invalid", skel), NULL);
	c = m2m();
	c.direction = RTE_DMA_DIR_MEM_TO_DEV;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL,
	       L("Device %d destination port type invalid", skel), NULL);

	c = m2m();
	c.auto_free.reserved[1] = 1;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL,
	       L("Device %d auto_free has non-zero reserved fields", skel), NULL);
	c = m2m();
	c.domain.type = (enum rte_dma_inter_domain_type)3;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL, L("Device %d domain type invalid!", skel), NULL);
	c = m2m();
	c.domain.reserved[0] = 1;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL,
	       L("Device %d domain has non-zero reserved fields", skel), NULL);
	c = m2m();
	c.direction = RTE_DMA_DIR_MEM_TO_DEV;
	c.dst_port.port_type = RTE_DMA_PORT_PCIE;
	c.domain.type = RTE_DMA_INTER_PROCESS_DOMAIN;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL,
	       L("Device %d inter domain only support mem-to-mem transfer", skel), NULL);
	return TEST_SUCCESS;
}

/* rte_dma_vchan_setup's device checks; the skeleton is still unconfigured. */
static int
test_vchan_setup(void)
{
	struct rte_dma_vchan_conf c;
	int pool;

	EXPECT(vchan_setup(noinfo, 0, m2m()), -EINVAL, L("Device %d get device info fail", noinfo),
	       NULL);
	EXPECT(vchan_setup(skel, 0, m2m()), -EINVAL, L("Device %d must be configured first", skel),
	       NULL);
	EXPECT(configure(skel, 1, 0, 0), 0, NULL);
	EXPECT(vchan_setup(skel, 1, m2m()), -EINVAL, L("Device %d vchan out range!", skel), NULL);

	EXPECT(configure(prio4, 1, 0, 0), 0, NULL);
	EXPECT(vchan_setup(prio4, 0, m2m()), -EINVAL,
	       L("Device %d don't support mem2mem transfer", prio4), NULL);
	EXPECT(configure(m2monly, 1, 0, 0), 0, NULL);
	c = m2m();
	c.direction = RTE_DMA_DIR_MEM_TO_DEV;
	c.dst_port.port_type = RTE_DMA_PORT_PCIE;
	EXPECT(vchan_setup(m2monly, 0, c), -EINVAL,
	       L("Device %d don't support mem2dev transfer", m2monly), NULL);
	c = m2m();
	c.direction = RTE_DMA_DIR_DEV_TO_MEM;
	c.src_port.port_type = RTE_DMA_PORT_PCIE;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL,
	       L("Device %d don't support dev2mem transfer", skel), NULL);
	c = m2m();
	c.direction = RTE_DMA_DIR_DEV_TO_DEV;
	c.src_port.port_type = RTE_DMA_PORT_PCIE;
	c.dst_port.port_type = RTE_DMA_PORT_PCIE;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL,
	       L("Device %d don't support dev2dev transfer", skel), NULL);

	c = m2m();
	c.nb_desc = 31;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL,
	       L("Device %d number of descriptors invalid", skel), NULL);
	c.nb_desc = 8193;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL,
	       L("Device %d number of descriptors invalid", skel), NULL);
	c = m2m();
	c.auto_free.m2d.pool = (struct rte_mempool *)&pool;
	EXPECT(vchan_setup(m2monly, 0, c), -EINVAL,
	       L("Device %d does not support m2d auto free", m2monly), NULL);
	/* dma_skeleton frees mem-to-dev sources only: a pool elsewhere is refused. */
	EXPECT(vchan_setup(skel, 0, c), -EINVAL,
	       L("vchan 0: auto_free.m2d.pool needs a mem-to-dev vchan"), NULL);
	c = m2m();
	c.domain.type = RTE_DMA_INTER_OS_DOMAIN;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL,
	       L("Device %d does not support inter os domain", skel), NULL);
	c = m2m();
	c.domain.type = RTE_DMA_INTER_PROCESS_DOMAIN;
	EXPECT(vchan_setup(skel, 0, c), -EINVAL,
	       L("Device %d does not support inter process domain", skel), NULL);

	EXPECT(configure(bare, 1, 0, 0), -ENOTSUP, NULL);
	EXPECT(vchan_setup(skel, 0, m2m()), 0, NULL);
	return TEST_SUCCESS;
}

/* The stats and vchan status calls. */
static int
test_stats_and_status(void)
{
	struct rte_dma_stats stats;
	enum rte_dma_vchan_status st;

	EXPECT(rte_dma_stats_get(unused_id, 0, &stats), -EINVAL, NULL);
	EXPECT(rte_dma_stats_get(skel, 0, NULL), -EINVAL, NULL);
	EXPECT(rte_dma_stats_get(skel, 1, &stats), -EINVAL,
	       L("Device %d vchan %u out of range", skel, 1u), NULL);
	EXPECT(rte_dma_stats_get(skel, RTE_DMA_ALL_VCHAN, &stats), 0, NULL);
	EXPECT(rte_dma_stats_get(prio4, 0, &stats), -ENOTSUP, NULL);

	EXPECT(rte_dma_stats_reset(unused_id, 0), -EINVAL, NULL);
	EXPECT(rte_dma_stats_reset(skel, 3), -EINVAL,
	       L("Device %d vchan %u out of range", skel, 3u), NULL);
	EXPECT(rte_dma_stats_reset(skel, RTE_DMA_ALL_VCHAN), 0, NULL);

	EXPECT(rte_dma_vchan_status(unused_id, 0, &st), -EINVAL, NULL);
	EXPECT(rte_dma_vchan_status(skel, 0, NULL), -EINVAL, NULL);
	EXPECT(rte_dma_vchan_status(skel, RTE_DMA_ALL_VCHAN, &st), -EINVAL,
	       L("Device %u vchan %u out of range", (unsigned int)skel, 65535u), NULL);
	EXPECT(rte_dma_vchan_status(skel, 0, &st), 0, NULL);
	return TEST_SUCCESS;
}

/* What a started device refuses; start and stop twice warn. */
static int
test_started(void)
{
	EXPECT(rte_dma_start(skel), 0, NULL);
	EXPECT(rte_dma_start(skel), 0, L("Device %d already started", skel), NULL);
	EXPECT(configure(skel, 1, 0, 0), -EBUSY,
	       L("Device %d must be stopped to allow configuration", skel), NULL);
	EXPECT(vchan_setup(skel, 0, m2m()), -EBUSY,
	       L("Device %d must be stopped to allow configuration", skel), NULL);
	/* Started is checked before the configuration itself. */
	{
		struct rte_dma_vchan_conf c = m2m();

		c.direction = (enum rte_dma_direction)9;
		EXPECT(vchan_setup(skel, 0, c), -EBUSY,
		       L("Device %d must be stopped to allow configuration", skel), NULL);
	}
	EXPECT(rte_dma_close(skel), -EBUSY, L("Device %d must be stopped before closing", skel),
	       NULL);
	EXPECT(rte_dma_stop(skel), 0, NULL);
	EXPECT(rte_dma_stop(skel), 0, L("Device %d already stopped", skel), NULL);
	return TEST_SUCCESS;
}

/* The access-pair-group calls. */
static int
test_access_pair_groups(void)
{
	int16_t group = -1;
	uint16_t handler = 0;

	EXPECT(rte_dma_access_pair_group_create(unused_id, uuid, uuid, &group, NULL), -EINVAL,
	       NULL);
	EXPECT(rte_dma_access_pair_group_create(skel, uuid, uuid, NULL, NULL), -EINVAL, NULL);
	EXPECT(rte_dma_access_pair_group_destroy(unused_id, 0), -EINVAL, NULL);
	EXPECT(rte_dma_access_pair_group_join(unused_id, uuid, uuid, 0, NULL), -EINVAL, NULL);
	EXPECT(rte_dma_access_pair_group_leave(unused_id, 0), -EINVAL, NULL);
	EXPECT(rte_dma_access_pair_group_handler_get(unused_id, 0, uuid, &handler), -EINVAL,
	       NULL);
	EXPECT(rte_dma_access_pair_group_handler_get(skel, 0, uuid, NULL), -EINVAL, NULL);

	EXPECT(rte_dma_access_pair_group_create(noinfo, uuid, uuid, &group, NULL), -EINVAL,
	       L("Device %d info query failure", noinfo), NULL);
	EXPECT(rte_dma_access_pair_group_destroy(noinfo, 0), -EINVAL,
	       L("Device %d info query failure", noinfo), NULL);
	EXPECT(rte_dma_access_pair_group_join(noinfo, uuid, uuid, 0, NULL), -EINVAL,
	       L("Device %d info query failure", noinfo), NULL);
	EXPECT(rte_dma_access_pair_group_leave(noinfo, 0), -EINVAL,
	       L("Device %d info query failure", noinfo), NULL);
	EXPECT(rte_dma_access_pair_group_handler_get(noinfo, 0, uuid, &handler), -EINVAL,
	       L("Device %d info query failure", noinfo), NULL);

#define NOT_INTER_DOMAIN "Device %d doesn't support inter-process or inter-os domain"
	EXPECT(rte_dma_access_pair_group_create(skel, uuid, uuid, &group, NULL), -EINVAL,
	       L(NOT_INTER_DOMAIN, skel), NULL);
	EXPECT(rte_dma_access_pair_group_destroy(skel, 0), -EINVAL, L(NOT_INTER_DOMAIN, skel),
	       NULL);
	EXPECT(rte_dma_access_pair_group_join(skel, uuid, uuid, 0, NULL), -EINVAL,
	       L(NOT_INTER_DOMAIN, skel), NULL);
	EXPECT(rte_dma_access_pair_group_leave(skel, 0), -EINVAL, L(NOT_INTER_DOMAIN, skel),
	       NULL);
	EXPECT(rte_dma_access_pair_group_handler_get(skel, 0, uuid, &handler), -EINVAL,
	       L(NOT_INTER_DOMAIN, skel), NULL);
#undef NOT_INTER_DOMAIN
	return TEST_SUCCESS;
}

/* rte_dma_dump. */
static int
test_dump(void)
{
	FILE *f = fopen("/dev/null", "w");

	if (f == NULL)
		return TEST_FAILED;
	EXPECT(rte_dma_dump(unused_id, f), -EINVAL, NULL);
	EXPECT(rte_dma_dump(skel, NULL), -EINVAL, NULL);
	EXPECT(rte_dma_dump(noinfo, f), -EINVAL, L("Device %d get device info fail", noinfo),
	       NULL);
	EXPECT(rte_dma_dump(prio1, f), -EINVAL,
	       L("Num of priorities must be > 1 for Device %d", prio1),
	       L("Device %d get device info fail", prio1), NULL);
	EXPECT(rte_dma_dump(skel, f), 0, NULL);
	fclose(f);
	return TEST_SUCCESS;
}

/* The fast-path entries of a device whose driver did not fill them in. */
static int
test_fast_path_dummies(void)
{
	struct rte_dma_sge sge = { 0 };
	struct rte_dma_op *ops[1] = { NULL };
	enum rte_dma_status_code sc[1];
	uint16_t last;
	bool err;

	EXPECT(rte_dma_copy(bare, 0, 0, 0, 64, 0), -EINVAL,
	       L("copy is not configured or not supported."), NULL);
	EXPECT(rte_dma_copy_sg(bare, 0, &sge, &sge, 1, 1, 0), -EINVAL,
	       L("copy_sg is not configured or not supported."), NULL);
	EXPECT(rte_dma_fill(bare, 0, 0, 0, 64, 0), -EINVAL,
	       L("fill is not configured or not supported."), NULL);
	EXPECT(rte_dma_submit(bare, 0), -EINVAL,
	       L("submit is not configured or not supported."), NULL);
	EXPECT(rte_dma_completed(bare, 0, 1, &last, &err), 0,
	       L("completed is not configured or not supported."), NULL);
	EXPECT(rte_dma_completed_status(bare, 0, 1, &last, sc), 0,
	       L("completed_status is not configured or not supported."), NULL);
	EXPECT(rte_dma_burst_capacity(bare, 0), 0,
	       L("burst_capacity is not configured or not supported."), NULL);
	EXPECT(rte_dma_enqueue_ops(bare, 0, ops, 1), 0,
	       L("Enqueue not configured or not supported."), NULL);
	/* DPDK's dummy_dequeue says "Enqueue" too. */
	EXPECT(rte_dma_dequeue_ops(bare, 0, ops, 1), 0,
	       L("Enqueue not configured or not supported."), NULL);
	/* A free slot has the same entries. */
	EXPECT(rte_dma_copy(unused_id, 0, 0, 0, 64, 0), -EINVAL,
	       L("copy is not configured or not supported."), NULL);
	return TEST_SUCCESS;
}

/* Releasing the C devices: no line. */
static int
test_release(void)
{
	EXPECT(rte_dma_pmd_release("log_noinfo"), 0, NULL);
	EXPECT(rte_dma_pmd_release("log_prio1"), 0, NULL);
	EXPECT(rte_dma_pmd_release("log_prio4"), 0, NULL);
	EXPECT(rte_dma_pmd_release("log_bare"), 0, NULL);
	EXPECT(rte_dma_pmd_release("log_m2m"), 0, NULL);
	EXPECT(rte_dma_pmd_release("log_bare"), -EINVAL, NULL);
	EXPECT(rte_dma_close(skel), 0, NULL);
	EXPECT(rte_dma_close(skel), -EINVAL, NULL);
	printf("  %u calls checked, %u DPDK log lines matched\n", nb_checked, nb_lines);
	return TEST_SUCCESS;
}

static int
suite_setup(void)
{
	char path[] = "/tmp/dmadev_log_lines.XXXXXX";

	if (rte_vdev_init(SKELETON, NULL) != 0)
		return TEST_FAILED;
	skel = (int16_t)rte_dma_get_dev_id_by_name(SKELETON);
	noinfo = log_pmd_create("log_noinfo", &log_pmd_ops, RTE_DMA_CAPA_MEM_TO_MEM, 0, -EIO);
	prio1 = log_pmd_create("log_prio1", &log_pmd_ops,
			       RTE_DMA_CAPA_MEM_TO_MEM | RTE_DMA_CAPA_PRI_POLICY_SP, 1, 0);
	prio4 = log_pmd_create("log_prio4", &log_pmd_ops, RTE_DMA_CAPA_PRI_POLICY_SP, 4, 0);
	bare = log_pmd_create("log_bare", &info_only_ops, RTE_DMA_CAPA_MEM_TO_MEM, 0, 0);
	m2monly = log_pmd_create("log_m2m", &log_pmd_ops, RTE_DMA_CAPA_MEM_TO_MEM, 0, 0);
	if (skel < 0 || noinfo < 0 || prio1 < 0 || prio4 < 0 || bare < 0 || m2monly < 0)
		return TEST_FAILED;
	for (int16_t i = 0; i < RTE_DMADEV_DEFAULT_MAX; i++)
		if (!rte_dma_is_valid(i)) {
			unused_id = i;
			break;
		}

	/* stderr goes to a temporary file from here on; the results stay on stdout. */
	capture_fd = mkstemp(path);
	if (capture_fd < 0)
		return TEST_FAILED;
	unlink(path);
	fflush(stderr);
	if (dup2(capture_fd, STDERR_FILENO) < 0)
		return TEST_FAILED;
	return TEST_SUCCESS;
}

static const struct test_case cases[] = {
	TEST_CASE(test_name_checks),
	TEST_CASE(test_pmd_allocate),
	TEST_CASE(test_info_get),
	TEST_CASE(test_configure),
	TEST_CASE(test_start_unconfigured),
	TEST_CASE(test_vchan_conf),
	TEST_CASE(test_vchan_setup),
	TEST_CASE(test_stats_and_status),
	TEST_CASE(test_started),
	TEST_CASE(test_access_pair_groups),
	TEST_CASE(test_dump),
	TEST_CASE(test_fast_path_dummies),
	TEST_CASE(test_release),
	TEST_CASES_END()
};

static const struct test_suite suite = {
	.name = "dmadev log lines (DPDK's exact wording)",
	.setup = suite_setup,
	.cases = cases,
};

int
main(int argc, char **argv)
{
	int saved_stderr;
	unsigned int failed;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	/* DPDK's default for lib.dmadev: INFO, so ERR and WARNING lines are written. */
	rte_log_set_level_pattern("lib.dmadev", RTE_LOG_INFO);
	saved_stderr = dup(STDERR_FILENO);
	failed = test_suite_run(&suite);
	if (saved_stderr >= 0)
		dup2(saved_stderr, STDERR_FILENO);
	rte_eal_cleanup();
	return failed == 0 ? 0 : 1;
}
