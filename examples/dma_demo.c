/* SPDX-License-Identifier: BSD-3-Clause
 *
 * dma_demo.c - a guided tour of the rte_dma_* API.
 *
 * The program sets up one DMA device and runs three operations on it:
 *   (a) a 4 KiB copy,
 *   (b) a fill of 1000 bytes with a 64-bit pattern,
 *   (c) a scatter-gather copy: 3 source segments into 2 destination segments,
 * checks every result, prints the device statistics and a dump of the device,
 * and shuts down.  Each step prints one "[ OK ]" or "[FAIL]" line; the exit
 * status is non-zero if any step failed.
 *
 * Build (with the library and headers installed):
 *     cc -std=c11 dma_demo.c $(pkg-config --cflags --libs libdpdk-dmadev) -o dma_demo
 * Run:
 *     ./dma_demo                          # creates the software device dma_skeleton
 *     ./dma_demo --vdev=dma_skeleton      # the EAL creates it from the argument
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#define VDEV_NAME     "dma_skeleton"
#define VCHAN         0        /* the one virtual channel we configure */
#define RING_SIZE     1024     /* descriptors in that channel's ring */

#define COPY_LEN      4096     /* step (a) */
#define FILL_LEN      1000     /* step (b) */
#define FILL_BUF_LEN  1024     /* fill buffer; the bytes past FILL_LEN must stay untouched */
#define FILL_PATTERN  UINT64_C(0x1122334455667788)
#define GUARD_BYTE    0xEE

#define POLL_US       10       /* sleep between two completion polls */
#define TIMEOUT_US    1000000  /* give up waiting for a completion after ~1 s */

static int16_t dev_id = -1;
static unsigned int nb_ops;    /* operations enqueued so far */

/* Print the one-line result of a step; returns 0 for OK, -1 for FAIL. */
static int
step_result(bool ok, const char *step, const char *detail)
{
	printf("[%s] %-10s %s\n", ok ? " OK " : "FAIL", step, detail);
	return ok ? 0 : -1;
}

/*
 * Wait until the operation that was given ring index @idx completes.
 *
 * rte_dma_completed() hands back completed operations in order; asking for
 * at most one tells us when the single operation in flight is done and which
 * ring index it had (@last_idx).  Returns 0 on success, -1 on error/timeout.
 */
static int
wait_for_completion(int idx, char *detail, size_t detail_len)
{
	for (unsigned int waited = 0; waited <= TIMEOUT_US; waited += POLL_US) {
		uint16_t last_idx = 0;
		bool has_error = false;
		uint16_t done = rte_dma_completed(dev_id, VCHAN, 1, &last_idx, &has_error);

		if (has_error) {
			snprintf(detail, detail_len,
				 "ring index %d completed with an error", idx);
			return -1;
		}
		if (done == 1) {
			if (last_idx != (uint16_t)idx) {
				snprintf(detail, detail_len,
					 "completion for ring index %u, expected %d",
					 (unsigned int)last_idx, idx);
				return -1;
			}
			return 0;
		}
		rte_delay_us_sleep(POLL_US);
	}
	snprintf(detail, detail_len, "ring index %d did not complete within %d us",
		 idx, TIMEOUT_US);
	return -1;
}

/* (a) Copy 4 KiB from one buffer to another. */
static int
demo_copy(void)
{
	char detail[160];
	uint8_t *src = rte_malloc("demo_copy_src", COPY_LEN, 0);
	uint8_t *dst = rte_zmalloc("demo_copy_dst", COPY_LEN, 0);
	int idx, ret = -1;

	if (src == NULL || dst == NULL) {
		ret = step_result(false, "copy", "rte_malloc failed");
		goto out;
	}
	for (int i = 0; i < COPY_LEN; i++)
		src[i] = (uint8_t)(i * 7 + 3);

	/*
	 * The device works on IO addresses: translate with rte_malloc_virt2iova().
	 * RTE_DMA_OP_FLAG_SUBMIT starts the operation right away; without it the
	 * operation waits for rte_dma_submit().  The return value is the ring
	 * index of the operation (or a negative errno).
	 */
	idx = rte_dma_copy(dev_id, VCHAN, rte_malloc_virt2iova(src),
			   rte_malloc_virt2iova(dst), COPY_LEN, RTE_DMA_OP_FLAG_SUBMIT);
	if (idx < 0) {
		snprintf(detail, sizeof(detail), "rte_dma_copy failed: %d", idx);
		ret = step_result(false, "copy", detail);
		goto out;
	}
	nb_ops++;

	if (wait_for_completion(idx, detail, sizeof(detail)) != 0) {
		ret = step_result(false, "copy", detail);
		goto out;
	}

	if (memcmp(src, dst, COPY_LEN) != 0) {
		snprintf(detail, sizeof(detail),
			 "%d bytes, ring index %d: destination differs from source",
			 COPY_LEN, idx);
		ret = step_result(false, "copy", detail);
		goto out;
	}
	snprintf(detail, sizeof(detail), "%d bytes, ring index %d, data verified",
		 COPY_LEN, idx);
	ret = step_result(true, "copy", detail);
out:
	rte_free(src);
	rte_free(dst);
	return ret;
}

/*
 * (b) Fill 1000 bytes with a 64-bit pattern.
 *
 * The pattern is written as it lies in memory on a little-endian CPU, i.e.
 * byte k of the destination is byte (k % 8) of the pattern counting from its
 * least significant byte: 0x1122334455667788 gives 88 77 66 55 44 33 22 11,
 * repeated every 8 bytes.
 */
static int
demo_fill(void)
{
	char detail[160];
	uint8_t *buf = rte_malloc("demo_fill_dst", FILL_BUF_LEN, 0);
	int idx, bad = -1, ret = -1;

	if (buf == NULL) {
		ret = step_result(false, "fill", "rte_malloc failed");
		goto out;
	}
	memset(buf, GUARD_BYTE, FILL_BUF_LEN);

	idx = rte_dma_fill(dev_id, VCHAN, FILL_PATTERN, rte_malloc_virt2iova(buf),
			   FILL_LEN, RTE_DMA_OP_FLAG_SUBMIT);
	if (idx < 0) {
		snprintf(detail, sizeof(detail), "rte_dma_fill failed: %d", idx);
		ret = step_result(false, "fill", detail);
		goto out;
	}
	nb_ops++;

	if (wait_for_completion(idx, detail, sizeof(detail)) != 0) {
		ret = step_result(false, "fill", detail);
		goto out;
	}

	/* Show what the pattern looks like in memory. */
	printf("       fill pattern 0x%016llx, first 16 bytes in memory:",
	       (unsigned long long)FILL_PATTERN);
	for (int i = 0; i < 16; i++)
		printf(" %02x", buf[i]);
	printf("\n");

	/* Every filled byte must follow the pattern, the rest must be untouched. */
	for (int i = 0; i < FILL_BUF_LEN && bad < 0; i++) {
		uint8_t want = i < FILL_LEN ?
			(uint8_t)(FILL_PATTERN >> (8 * (i % 8))) : GUARD_BYTE;

		if (buf[i] != want)
			bad = i;
	}
	if (bad >= 0) {
		snprintf(detail, sizeof(detail),
			 "ring index %d: byte %d is 0x%02x, expected 0x%02x", idx, bad,
			 buf[bad], bad < FILL_LEN ?
			 (unsigned int)(uint8_t)(FILL_PATTERN >> (8 * (bad % 8))) :
			 (unsigned int)GUARD_BYTE);
		ret = step_result(false, "fill", detail);
		goto out;
	}
	snprintf(detail, sizeof(detail),
		 "%d bytes, ring index %d, little-endian pattern repeats every 8 bytes, "
		 "bytes %d..%d untouched", FILL_LEN, idx, FILL_LEN, FILL_BUF_LEN - 1);
	ret = step_result(true, "fill", detail);
out:
	rte_free(buf);
	return ret;
}

/*
 * (c) Scatter-gather copy: three source segments of different lengths are
 * read one after the other and written across two destination segments.
 * The total length of both lists must be the same.
 */
static int
demo_sg(const struct rte_dma_info *info)
{
	static const uint32_t src_len[3] = { 100, 1000, 948 };  /* 2048 bytes */
	static const uint32_t dst_len[2] = { 1500, 548 };       /* 2048 bytes */
	struct rte_dma_sge src_sge[3], dst_sge[2];
	uint8_t *src[3] = { NULL, NULL, NULL };
	uint8_t *dst[2] = { NULL, NULL };
	uint8_t expected[2048], got[2048];
	size_t off;
	char detail[160];
	int idx, ret = -1;

	if (!(info->dev_capa & RTE_DMA_CAPA_OPS_COPY_SG) || info->max_sges < 3) {
		snprintf(detail, sizeof(detail),
			 "skipped: device cannot take 3 segments (max_sges %u)",
			 (unsigned int)info->max_sges);
		return step_result(true, "sg-copy", detail);
	}

	/* Three separate source buffers with distinct contents. */
	off = 0;
	for (int s = 0; s < 3; s++) {
		src[s] = rte_malloc("demo_sg_src", src_len[s], 0);
		if (src[s] == NULL)
			goto nomem;
		for (uint32_t i = 0; i < src_len[s]; i++) {
			src[s][i] = (uint8_t)(0x40 * s + i);
			expected[off++] = src[s][i];
		}
		src_sge[s].addr = rte_malloc_virt2iova(src[s]);
		src_sge[s].length = src_len[s];
	}
	for (int d = 0; d < 2; d++) {
		dst[d] = rte_zmalloc("demo_sg_dst", dst_len[d], 0);
		if (dst[d] == NULL)
			goto nomem;
		dst_sge[d].addr = rte_malloc_virt2iova(dst[d]);
		dst_sge[d].length = dst_len[d];
	}

	idx = rte_dma_copy_sg(dev_id, VCHAN, src_sge, dst_sge, 3, 2,
			      RTE_DMA_OP_FLAG_SUBMIT);
	if (idx < 0) {
		snprintf(detail, sizeof(detail), "rte_dma_copy_sg failed: %d", idx);
		ret = step_result(false, "sg-copy", detail);
		goto out;
	}
	nb_ops++;

	if (wait_for_completion(idx, detail, sizeof(detail)) != 0) {
		ret = step_result(false, "sg-copy", detail);
		goto out;
	}

	/* The destination segments, read in order, must hold the source bytes in order. */
	memcpy(got, dst[0], dst_len[0]);
	memcpy(got + dst_len[0], dst[1], dst_len[1]);
	if (memcmp(expected, got, sizeof(got)) != 0) {
		snprintf(detail, sizeof(detail),
			 "ring index %d: destination segments differ from sources", idx);
		ret = step_result(false, "sg-copy", detail);
		goto out;
	}
	snprintf(detail, sizeof(detail),
		 "3 sources (%u+%u+%u B) -> 2 destinations (%u+%u B), ring index %d, "
		 "data verified", (unsigned int)src_len[0], (unsigned int)src_len[1],
		 (unsigned int)src_len[2], (unsigned int)dst_len[0],
		 (unsigned int)dst_len[1], idx);
	ret = step_result(true, "sg-copy", detail);
	goto out;

nomem:
	ret = step_result(false, "sg-copy", "rte_malloc failed");
out:
	for (int s = 0; s < 3; s++)
		rte_free(src[s]);
	for (int d = 0; d < 2; d++)
		rte_free(dst[d]);
	return ret;
}

/* Configure one mem-to-mem virtual channel with RING_SIZE descriptors, then start. */
static int
setup_device(const struct rte_dma_info *info)
{
	struct rte_dma_conf conf;
	struct rte_dma_vchan_conf vconf;
	char detail[160];
	int ret;

	memset(&conf, 0, sizeof(conf));
	conf.nb_vchans = 1;
	ret = rte_dma_configure(dev_id, &conf);
	if (ret != 0) {
		snprintf(detail, sizeof(detail), "rte_dma_configure failed: %d", ret);
		return step_result(false, "setup", detail);
	}

	memset(&vconf, 0, sizeof(vconf));
	vconf.direction = RTE_DMA_DIR_MEM_TO_MEM;
	vconf.nb_desc = RING_SIZE;   /* must lie within [min_desc, max_desc] */
	ret = rte_dma_vchan_setup(dev_id, VCHAN, &vconf);
	if (ret != 0) {
		snprintf(detail, sizeof(detail),
			 "rte_dma_vchan_setup(nb_desc %d) failed: %d (device allows %u..%u)",
			 RING_SIZE, ret, (unsigned int)info->min_desc,
			 (unsigned int)info->max_desc);
		return step_result(false, "setup", detail);
	}

	ret = rte_dma_start(dev_id);
	if (ret != 0) {
		snprintf(detail, sizeof(detail), "rte_dma_start failed: %d", ret);
		return step_result(false, "setup", detail);
	}

	snprintf(detail, sizeof(detail), "1 vchan, %d descriptors, device started",
		 RING_SIZE);
	return step_result(true, "setup", detail);
}

/* Statistics: every operation was submitted and completed, none failed. */
static int
show_stats(void)
{
	struct rte_dma_stats stats;
	char detail[160];
	int ret;

	memset(&stats, 0, sizeof(stats));
	ret = rte_dma_stats_get(dev_id, VCHAN, &stats);
	if (ret != 0) {
		snprintf(detail, sizeof(detail), "rte_dma_stats_get failed: %d", ret);
		return step_result(false, "stats", detail);
	}
	snprintf(detail, sizeof(detail),
		 "submitted %llu, completed %llu, errors %llu (operations run: %u)",
		 (unsigned long long)stats.submitted,
		 (unsigned long long)stats.completed,
		 (unsigned long long)stats.errors, nb_ops);
	return step_result(stats.submitted == nb_ops && stats.completed == nb_ops &&
			   stats.errors == 0, "stats", detail);
}

int
main(int argc, char **argv)
{
	struct rte_dma_info info;
	char detail[160];
	int failures = 0;
	int ret;

	/* 1. Initialise the environment (parses the EAL options such as --vdev). */
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}

	/*
	 * 2. Find a DMA device.  --vdev=dma_skeleton on the command line creates
	 * one during rte_eal_init(); otherwise create the software device here.
	 */
	dev_id = rte_dma_next_dev(0);
	if (dev_id < 0) {
		ret = rte_vdev_init(VDEV_NAME, NULL);
		if (ret != 0) {
			fprintf(stderr, "rte_vdev_init(\"%s\") failed: %d\n", VDEV_NAME, ret);
			rte_eal_cleanup();
			return 1;
		}
		dev_id = (int16_t)rte_dma_get_dev_id_by_name(VDEV_NAME);
	}
	memset(&info, 0, sizeof(info));
	if (dev_id < 0 || rte_dma_info_get(dev_id, &info) != 0) {
		fprintf(stderr, "no usable DMA device\n");
		rte_eal_cleanup();
		return 1;
	}
	printf("device %d: %s, capabilities 0x%llx, max_vchans %u, descriptors %u..%u, "
	       "max_sges %u\n", dev_id, info.dev_name, (unsigned long long)info.dev_capa,
	       (unsigned int)info.max_vchans, (unsigned int)info.min_desc,
	       (unsigned int)info.max_desc, (unsigned int)info.max_sges);

	/* 3. Configure and start; 4. run the three operations (stop at the first failure). */
	if (setup_device(&info) != 0) {
		failures++;
	} else {
		if (demo_copy() != 0 || demo_fill() != 0 || demo_sg(&info) != 0)
			failures++;

		/* 5. Counters and the device's own description of itself. */
		if (show_stats() != 0)
			failures++;
		printf("--- rte_dma_dump ---\n");
		fflush(stdout);
		ret = rte_dma_dump(dev_id, stdout);
		fflush(stdout);
		printf("--- end of dump ---\n");
		snprintf(detail, sizeof(detail), "rte_dma_dump returned %d", ret);
		if (step_result(ret == 0, "dump", detail) != 0)
			failures++;

		/* 6. Stop the device before closing it. */
		ret = rte_dma_stop(dev_id);
		snprintf(detail, sizeof(detail), "rte_dma_stop returned %d", ret);
		if (step_result(ret == 0, "stop", detail) != 0)
			failures++;
	}

	/* 7. Close: this releases the device; it cannot be started again. */
	ret = rte_dma_close(dev_id);
	snprintf(detail, sizeof(detail), "rte_dma_close returned %d", ret);
	if (step_result(ret == 0, "close", detail) != 0)
		failures++;

	rte_eal_cleanup();

	printf("%s\n", failures == 0 ? "all steps passed" : "some steps FAILED");
	return failures == 0 ? 0 : 1;
}
