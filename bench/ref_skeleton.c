/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ref_skel: the "DPDK skeleton design" baseline for dma_perf.
 *
 * A C driver written against rte_dmadev_pmd.h, the way an out-of-tree DPDK driver
 * would register.  It follows the design of DPDK's drivers/dma/skeleton (facts
 * only; the code is our own):
 *
 *   - nb_desc descriptors, of which nb_desc - 1 are usable, cycle through four
 *     rings of descriptor pointers:
 *
 *         empty --copy/fill/copy_sg--> pending --submit--> running
 *           ^         \___________with the SUBMIT flag____^   |
 *           |                                                  | worker thread
 *           +----completed/completed_status---- completed <----+
 *
 *   - a copy takes a descriptor from "empty" (-ENOSPC if there is none), fills
 *     it and puts it on "pending", or with RTE_DMA_OP_FLAG_SUBMIT moves every
 *     pending descriptor and then this one to "running";
 *   - one worker pthread per started device dequeues "running" one descriptor at
 *     a time, does the memcpy / fill / scatter-gather copy, bumps an atomic
 *     completed counter and puts the descriptor on "completed"; after 10000
 *     consecutive empty polls it sleeps 10 us per poll;
 *   - completed/completed_status move descriptors from "completed" back to
 *     "empty" and report the ring index of the last one;
 *   - ring indexes are a 16-bit counter reset by start.
 *
 * Differences from DPDK's code that do not change the design: the rings are a
 * small SPSC pointer ring of our own instead of rte_ring (DPDK creates its rings
 * single-producer/single-consumer too), memcpy() instead of rte_memcpy(), fills
 * write the pattern 8 bytes at a time (DPDK's loop stores one byte at a time),
 * the scatter-gather copy walks source and destination segments with two cursors,
 * copy_sg refuses more than 4 segments per side instead of overflowing, and stop
 * joins the worker instead of waiting 1 ms and cancelling it.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_dmadev_core.h>
#include <rte_dmadev_pmd.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "ref_skeleton.h"

#define SLEEP_THRESHOLD 10000 /* consecutive empty polls before the worker naps */
#define SLEEP_US        10    /* ... for this long, after every further empty poll */

#define REF_SKEL_CAPA                                                                \
	(RTE_DMA_CAPA_MEM_TO_MEM | RTE_DMA_CAPA_SVA | RTE_DMA_CAPA_OPS_COPY |        \
	 RTE_DMA_CAPA_OPS_COPY_SG | RTE_DMA_CAPA_OPS_FILL)

/* ---------------------------------------------------------------------------
 * A single-producer/single-consumer ring of pointers.  Positions are free-running
 * 32-bit counters; the ring holds up to `size` (a power of two) entries.
 */
struct ptr_ring {
	alignas(RTE_CACHE_LINE_SIZE) _Atomic uint32_t head; /* written by the producer */
	alignas(RTE_CACHE_LINE_SIZE) _Atomic uint32_t tail; /* written by the consumer */
	alignas(RTE_CACHE_LINE_SIZE) uint32_t mask;
	void *slot[];
};

static struct ptr_ring *
ptr_ring_create(uint32_t size)
{
	struct ptr_ring *r = rte_zmalloc("ref_skel_ring",
					 sizeof(*r) + (size_t)size * sizeof(void *),
					 RTE_CACHE_LINE_SIZE);

	if (r != NULL)
		r->mask = size - 1;
	return r;
}

static inline bool
ptr_ring_enqueue(struct ptr_ring *r, void *p)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (head - tail > r->mask)
		return false; /* full */
	r->slot[head & r->mask] = p;
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return true;
}

static inline bool
ptr_ring_dequeue(struct ptr_ring *r, void **p)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	if (head == tail)
		return false; /* empty */
	*p = r->slot[tail & r->mask];
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	return true;
}

static inline uint32_t
ptr_ring_count(const struct ptr_ring *r)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	return head - tail;
}

/* ---------------------------------------------------------------------------
 * Descriptors and device state.
 */
enum ref_op { REF_OP_COPY, REF_OP_COPY_SG, REF_OP_FILL };

struct ref_desc {
	uint8_t op;     /* enum ref_op */
	uint16_t ridx;  /* ring index handed to the application */
	union {
		struct {
			void *src;
			void *dst;
			uint32_t len;
		} copy;
		struct {
			struct rte_dma_sge src[REF_SKEL_MAX_SGES];
			struct rte_dma_sge dst[REF_SKEL_MAX_SGES];
			uint16_t nb_src;
			uint16_t nb_dst;
		} sg;
		struct {
			void *dst;
			uint32_t len;
			uint64_t pattern;
		} fill;
	};
};

struct ref_skel_hw {
	/* Control path. */
	int lcore_id;
	bool has_cpus;
	cpu_set_t worker_cpus;
	int16_t dev_id;
	bool thread_running;
	pthread_t thread;
	_Atomic bool exit_flag;
	uint16_t nb_desc;
	struct ref_desc *desc_mem;
	struct ptr_ring *desc_empty;
	struct ptr_ring *desc_pending;
	struct ptr_ring *desc_running;
	struct ptr_ring *desc_completed;

	/* Application thread (fast path). */
	alignas(RTE_CACHE_LINE_SIZE) uint16_t ridx;
	uint16_t last_ridx;
	uint64_t submitted_count;

	/* Worker thread. */
	alignas(RTE_CACHE_LINE_SIZE) uint32_t zero_req_count;
	_Atomic uint64_t completed_count;
};

/* ---------------------------------------------------------------------------
 * The worker.
 */
static void
do_copy_sg(const struct ref_desc *d)
{
	const struct rte_dma_sge *src = d->sg.src, *dst = d->sg.dst;
	uint16_t si = 0, di = 0;
	uint32_t soff = 0, doff = 0;

	while (si < d->sg.nb_src && di < d->sg.nb_dst) {
		uint32_t n = RTE_MIN(src[si].length - soff, dst[di].length - doff);

		memcpy((uint8_t *)(uintptr_t)dst[di].addr + doff,
		       (const uint8_t *)(uintptr_t)src[si].addr + soff, n);
		soff += n;
		doff += n;
		if (soff == src[si].length) {
			si++;
			soff = 0;
		}
		if (doff == dst[di].length) {
			di++;
			doff = 0;
		}
	}
}

static void
do_fill(const struct ref_desc *d)
{
	uint8_t *dst = d->fill.dst;
	uint64_t pattern = d->fill.pattern;
	const uint8_t *bytes = (const uint8_t *)&pattern;
	uint32_t len = d->fill.len, i = 0;

	for (; i + 8 <= len; i += 8)
		memcpy(dst + i, &pattern, 8);
	for (; i < len; i++)
		dst[i] = bytes[i & 7];
}

static void *
worker_main(void *arg)
{
	struct ref_skel_hw *hw = arg;
	void *p;

	while (!atomic_load_explicit(&hw->exit_flag, memory_order_acquire)) {
		if (!ptr_ring_dequeue(hw->desc_running, &p)) {
			if (hw->zero_req_count < SLEEP_THRESHOLD)
				hw->zero_req_count++;
			else
				rte_delay_us_sleep(SLEEP_US);
			continue;
		}
		hw->zero_req_count = 0;

		const struct ref_desc *d = p;
		switch (d->op) {
		case REF_OP_COPY:
			memcpy(d->copy.dst, d->copy.src, d->copy.len);
			break;
		case REF_OP_COPY_SG:
			do_copy_sg(d);
			break;
		default:
			do_fill(d);
			break;
		}
		atomic_fetch_add_explicit(&hw->completed_count, 1, memory_order_release);
		(void)ptr_ring_enqueue(hw->desc_completed, p);
	}
	return NULL;
}

/* ---------------------------------------------------------------------------
 * Control path.
 */
static int
ref_info_get(const struct rte_dma_dev *dev, struct rte_dma_info *info, uint32_t info_sz)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(info_sz);
	info->dev_capa = REF_SKEL_CAPA;
	info->max_vchans = 1;
	info->max_desc = REF_SKEL_MAX_DESC;
	info->min_desc = REF_SKEL_MIN_DESC;
	info->max_sges = REF_SKEL_MAX_SGES;
	return 0;
}

static int
ref_configure(struct rte_dma_dev *dev, const struct rte_dma_conf *conf, uint32_t conf_sz)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(conf);
	RTE_SET_USED(conf_sz);
	return 0;
}

static void
vchan_release(struct ref_skel_hw *hw)
{
	rte_free(hw->desc_mem);
	rte_free(hw->desc_empty);
	rte_free(hw->desc_pending);
	rte_free(hw->desc_running);
	rte_free(hw->desc_completed);
	hw->desc_mem = NULL;
	hw->desc_empty = hw->desc_pending = hw->desc_running = hw->desc_completed = NULL;
	hw->nb_desc = 0;
}

static int
ref_vchan_setup(struct rte_dma_dev *dev, uint16_t vchan,
		const struct rte_dma_vchan_conf *conf, uint32_t conf_sz)
{
	struct ref_skel_hw *hw = dev->data->dev_private;
	uint16_t n = conf->nb_desc;

	RTE_SET_USED(vchan);
	RTE_SET_USED(conf_sz);
	if (n == 0 || (n & (n - 1)) != 0) {
		fprintf(stderr, "ref_skel: number of descriptors must be a power of 2\n");
		return -EINVAL;
	}
	vchan_release(hw);
	hw->desc_mem = rte_zmalloc("ref_skel_desc", (size_t)n * sizeof(struct ref_desc),
				   RTE_CACHE_LINE_SIZE);
	hw->desc_empty = ptr_ring_create(n);
	hw->desc_pending = ptr_ring_create(n);
	hw->desc_running = ptr_ring_create(n);
	hw->desc_completed = ptr_ring_create(n);
	if (hw->desc_mem == NULL || hw->desc_empty == NULL || hw->desc_pending == NULL ||
	    hw->desc_running == NULL || hw->desc_completed == NULL) {
		vchan_release(hw);
		return -ENOMEM;
	}
	hw->nb_desc = n;
	/* As in DPDK (rte_ring holds count - 1): nb_desc - 1 usable descriptors. */
	for (uint16_t i = 0; i < n - 1; i++)
		(void)ptr_ring_enqueue(hw->desc_empty, &hw->desc_mem[i]);
	return 0;
}

static void
flush_to_empty(struct ref_skel_hw *hw, struct ptr_ring *r)
{
	void *p;

	while (ptr_ring_dequeue(r, &p))
		(void)ptr_ring_enqueue(hw->desc_empty, p);
}

static int
ref_start(struct rte_dma_dev *dev)
{
	struct ref_skel_hw *hw = dev->data->dev_private;
	char name[16];
	int ret;

	if (hw->desc_mem == NULL) {
		fprintf(stderr, "ref_skel: vchan was not set up, start fails\n");
		return -EINVAL;
	}
	flush_to_empty(hw, hw->desc_pending);
	flush_to_empty(hw, hw->desc_running);
	flush_to_empty(hw, hw->desc_completed);
	hw->ridx = 0;
	hw->last_ridx = (uint16_t)(hw->ridx - 1);
	hw->submitted_count = 0;
	hw->zero_req_count = 0;
	atomic_store_explicit(&hw->completed_count, 0, memory_order_relaxed);
	atomic_store_explicit(&hw->exit_flag, false, memory_order_release);

	pthread_attr_t attr;
	cpu_set_t set;
	bool place = false;

	CPU_ZERO(&set);
	if (hw->lcore_id >= 0) {
		int cpu = rte_lcore_to_cpu_id(hw->lcore_id);

		if (cpu >= 0 && cpu < CPU_SETSIZE) {
			CPU_SET(cpu, &set);
			place = true;
		} else {
			fprintf(stderr, "ref_skel: lcore %d has no CPU, worker not pinned\n",
				hw->lcore_id);
		}
	} else if (hw->has_cpus) {
		set = hw->worker_cpus;
		place = true;
	}
	pthread_attr_init(&attr);
	if (place && pthread_attr_setaffinity_np(&attr, sizeof(set), &set) != 0)
		fprintf(stderr, "ref_skel: cannot set the worker's CPU affinity\n");
	ret = pthread_create(&hw->thread, &attr, worker_main, hw);
	pthread_attr_destroy(&attr);
	if (ret != 0) {
		fprintf(stderr, "ref_skel: cannot start the worker thread: %s\n", strerror(ret));
		return -EINVAL;
	}
	hw->thread_running = true;
	snprintf(name, sizeof(name), "ref-skel%d", hw->dev_id);
	(void)pthread_setname_np(hw->thread, name);
	return 0;
}

static int
ref_stop(struct rte_dma_dev *dev)
{
	struct ref_skel_hw *hw = dev->data->dev_private;

	if (hw->thread_running) {
		atomic_store_explicit(&hw->exit_flag, true, memory_order_release);
		pthread_join(hw->thread, NULL);
		hw->thread_running = false;
	}
	return 0;
}

static int
ref_close(struct rte_dma_dev *dev)
{
	struct ref_skel_hw *hw = dev->data->dev_private;

	(void)ref_stop(dev);
	vchan_release(hw);
	return 0;
}

static int
ref_stats_get(const struct rte_dma_dev *dev, uint16_t vchan,
	      struct rte_dma_stats *stats, uint32_t stats_sz)
{
	struct ref_skel_hw *hw = dev->data->dev_private;

	RTE_SET_USED(vchan);
	RTE_SET_USED(stats_sz);
	stats->submitted = hw->submitted_count;
	stats->completed = atomic_load_explicit(&hw->completed_count, memory_order_acquire);
	stats->errors = 0;
	return 0;
}

static int
ref_stats_reset(struct rte_dma_dev *dev, uint16_t vchan)
{
	struct ref_skel_hw *hw = dev->data->dev_private;

	RTE_SET_USED(vchan);
	/* Only meaningful when nothing is in flight, as in DPDK's skeleton. */
	hw->submitted_count = 0;
	atomic_store_explicit(&hw->completed_count, 0, memory_order_relaxed);
	return 0;
}

static int
ref_vchan_status(const struct rte_dma_dev *dev, uint16_t vchan,
		 enum rte_dma_vchan_status *status)
{
	struct ref_skel_hw *hw = dev->data->dev_private;

	RTE_SET_USED(vchan);
	*status = hw->submitted_count !=
			  atomic_load_explicit(&hw->completed_count, memory_order_acquire) ?
		  RTE_DMA_VCHAN_ACTIVE : RTE_DMA_VCHAN_IDLE;
	return 0;
}

static int
ref_dump(const struct rte_dma_dev *dev, FILE *f)
{
	struct ref_skel_hw *hw = dev->data->dev_private;
#define COUNT(r) ((r) != NULL ? ptr_ring_count(r) : 0u)

	fprintf(f,
		"    lcore_id: %d\n"
		"    desc_empty_ring_count: %u\n"
		"    desc_pending_ring_count: %u\n"
		"    desc_running_ring_count: %u\n"
		"    desc_completed_ring_count: %u\n"
		"    next_ring_idx: %u\n"
		"    last_ring_idx: %u\n"
		"    submitted_count: %" PRIu64 "\n"
		"    completed_count: %" PRIu64 "\n",
		hw->lcore_id, COUNT(hw->desc_empty), COUNT(hw->desc_pending),
		COUNT(hw->desc_running), COUNT(hw->desc_completed), hw->ridx,
		hw->last_ridx, hw->submitted_count,
		atomic_load_explicit(&hw->completed_count, memory_order_acquire));
#undef COUNT
	return 0;
}

static const struct rte_dma_dev_ops ref_ops = {
	.dev_info_get = ref_info_get,
	.dev_configure = ref_configure,
	.dev_start = ref_start,
	.dev_stop = ref_stop,
	.dev_close = ref_close,
	.vchan_setup = ref_vchan_setup,
	.stats_get = ref_stats_get,
	.stats_reset = ref_stats_reset,
	.vchan_status = ref_vchan_status,
	.dev_dump = ref_dump,
};

/* ---------------------------------------------------------------------------
 * Fast path.
 */
static inline void
submit_pending(struct ref_skel_hw *hw, struct ref_desc *desc)
{
	uint32_t count = ptr_ring_count(hw->desc_pending);
	void *p;

	while (count-- > 0 && ptr_ring_dequeue(hw->desc_pending, &p))
		(void)ptr_ring_enqueue(hw->desc_running, p);
	if (desc != NULL)
		(void)ptr_ring_enqueue(hw->desc_running, desc);
}

static inline int
enqueue_desc(struct ref_skel_hw *hw, struct ref_desc *d, uint64_t flags)
{
	if (flags & RTE_DMA_OP_FLAG_SUBMIT)
		submit_pending(hw, d);
	else
		(void)ptr_ring_enqueue(hw->desc_pending, d);
	hw->submitted_count++;
	return hw->ridx++;
}

static int
ref_copy(void *dev_private, uint16_t vchan, rte_iova_t src, rte_iova_t dst,
	 uint32_t length, uint64_t flags)
{
	struct ref_skel_hw *hw = dev_private;
	void *p;

	RTE_SET_USED(vchan);
	if (!ptr_ring_dequeue(hw->desc_empty, &p))
		return -ENOSPC;
	struct ref_desc *d = p;
	d->op = REF_OP_COPY;
	d->ridx = hw->ridx;
	d->copy.src = (void *)(uintptr_t)src;
	d->copy.dst = (void *)(uintptr_t)dst;
	d->copy.len = length;
	return enqueue_desc(hw, d, flags);
}

static int
ref_copy_sg(void *dev_private, uint16_t vchan, const struct rte_dma_sge *src,
	    const struct rte_dma_sge *dst, uint16_t nb_src, uint16_t nb_dst, uint64_t flags)
{
	struct ref_skel_hw *hw = dev_private;
	void *p;

	RTE_SET_USED(vchan);
	if (nb_src > REF_SKEL_MAX_SGES || nb_dst > REF_SKEL_MAX_SGES)
		return -EINVAL;
	if (!ptr_ring_dequeue(hw->desc_empty, &p))
		return -ENOSPC;
	struct ref_desc *d = p;
	d->op = REF_OP_COPY_SG;
	d->ridx = hw->ridx;
	memcpy(d->sg.src, src, sizeof(*src) * nb_src);
	memcpy(d->sg.dst, dst, sizeof(*dst) * nb_dst);
	d->sg.nb_src = nb_src;
	d->sg.nb_dst = nb_dst;
	return enqueue_desc(hw, d, flags);
}

static int
ref_fill(void *dev_private, uint16_t vchan, uint64_t pattern, rte_iova_t dst,
	 uint32_t length, uint64_t flags)
{
	struct ref_skel_hw *hw = dev_private;
	void *p;

	RTE_SET_USED(vchan);
	if (!ptr_ring_dequeue(hw->desc_empty, &p))
		return -ENOSPC;
	struct ref_desc *d = p;
	d->op = REF_OP_FILL;
	d->ridx = hw->ridx;
	d->fill.dst = (void *)(uintptr_t)dst;
	d->fill.len = length;
	d->fill.pattern = pattern;
	return enqueue_desc(hw, d, flags);
}

static int
ref_submit(void *dev_private, uint16_t vchan)
{
	RTE_SET_USED(vchan);
	submit_pending(dev_private, NULL);
	return 0;
}

/* Moves up to @nb_cpls descriptors from "completed" to "empty"; the last one's
 * ring index goes to *last_idx (the previous one when there is none). */
static inline uint16_t
reap(struct ref_skel_hw *hw, uint16_t nb_cpls, uint16_t *last_idx,
     enum rte_dma_status_code *status)
{
	uint32_t count = RTE_MIN((uint32_t)nb_cpls, ptr_ring_count(hw->desc_completed));
	void *p;

	for (uint32_t i = 0; i < count; i++) {
		if (!ptr_ring_dequeue(hw->desc_completed, &p))
			break; /* cannot happen: only this thread dequeues */
		hw->last_ridx = ((struct ref_desc *)p)->ridx;
		if (status != NULL)
			status[i] = RTE_DMA_STATUS_SUCCESSFUL;
		(void)ptr_ring_enqueue(hw->desc_empty, p);
	}
	*last_idx = hw->last_ridx;
	return (uint16_t)count;
}

static uint16_t
ref_completed(void *dev_private, uint16_t vchan, uint16_t nb_cpls, uint16_t *last_idx,
	      bool *has_error)
{
	RTE_SET_USED(vchan);
	RTE_SET_USED(has_error); /* never fails; the library cleared it */
	return reap(dev_private, nb_cpls, last_idx, NULL);
}

static uint16_t
ref_completed_status(void *dev_private, uint16_t vchan, uint16_t nb_cpls,
		     uint16_t *last_idx, enum rte_dma_status_code *status)
{
	RTE_SET_USED(vchan);
	return reap(dev_private, nb_cpls, last_idx, status);
}

static uint16_t
ref_burst_capacity(const void *dev_private, uint16_t vchan)
{
	const struct ref_skel_hw *hw = dev_private;

	RTE_SET_USED(vchan);
	return (uint16_t)ptr_ring_count(hw->desc_empty);
}

/* ---------------------------------------------------------------------------
 * Registration through the PMD interface.
 */
int
ref_skel_create(const char *name, int lcore_id, const cpu_set_t *worker_cpus)
{
	struct rte_dma_dev *dev = rte_dma_pmd_allocate(name, -1, sizeof(struct ref_skel_hw));
	struct ref_skel_hw *hw;

	if (dev == NULL)
		return -EINVAL;
	hw = dev->data->dev_private;
	hw->lcore_id = lcore_id;
	hw->has_cpus = worker_cpus != NULL && CPU_COUNT(worker_cpus) > 0;
	if (hw->has_cpus)
		hw->worker_cpus = *worker_cpus;
	hw->dev_id = dev->data->dev_id;

	dev->dev_ops = &ref_ops;
	dev->fp_obj->dev_private = hw;
	dev->fp_obj->copy = ref_copy;
	dev->fp_obj->copy_sg = ref_copy_sg;
	dev->fp_obj->fill = ref_fill;
	dev->fp_obj->submit = ref_submit;
	dev->fp_obj->completed = ref_completed;
	dev->fp_obj->completed_status = ref_completed_status;
	dev->fp_obj->burst_capacity = ref_burst_capacity;
	dev->state = RTE_DMA_DEV_READY;
	return hw->dev_id;
}
