/* SPDX-License-Identifier: BSD-3-Clause
 *
 * dma_perf's timed runs, the same for every device and path: start and stop, the
 * bounded wait for completions, the timed loop (bursts, completion latency,
 * caller cycles), one warm-up + timed run with its drained-state and statistics
 * checks, and the memcpy / memset baseline over the same buffers.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "dma_perf.h"

/* Buffers of @size bytes, cache-line aligned, filling --mem (at least one). */
void
bufs_layout(struct bufs *b, uint32_t size)
{
	b->size = size;
	b->stride = (size + RTE_CACHE_LINE_SIZE - 1) & ~(uint32_t)(RTE_CACHE_LINE_SIZE - 1);
	b->nr = (uint32_t)(opt.mem / b->stride);
	if (b->nr == 0)
		b->nr = 1;
}

/* The sg case: SG_SEGS equal source segments in order; destination segment i is
 * the (SG_SEGS-1-i)-th quarter of the destination buffer. */
void
sg_layout(rte_iova_t src, rte_iova_t dst, uint32_t size, struct rte_dma_sge *s,
	  struct rte_dma_sge *d)
{
	uint32_t q = size / SG_SEGS;

	for (uint32_t i = 0; i < SG_SEGS; i++) {
		s[i].addr = src + (uint64_t)i * q;
		s[i].length = q;
		d[i].addr = dst + (uint64_t)(SG_SEGS - 1 - i) * q;
		d[i].length = q;
	}
}

/* First differing byte of two buffers, or -1. */
long
first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
	if (memcmp(a, b, len) == 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return (long)i;
	return -1;
}


/* Starts @bd; the run uses its vchan @vchan. */
int
dev_start(struct bdev *bd, uint16_t vchan, struct dev_run *dr, char *why, size_t why_len)
{
	int ret = rte_dma_start(bd->id);
	uint16_t cap;

	if (ret != 0) {
		snprintf(why, why_len, "rte_dma_start failed: %d", ret);
		return -1;
	}
	bd->started = true;
	ret = rte_dma_stats_reset(bd->id, vchan);
	if (ret != 0) {
		snprintf(why, why_len, "rte_dma_stats_reset failed: %d", ret);
		return -1;
	}
	cap = rte_dma_burst_capacity(bd->id, vchan);
	if (cap != opt.ring - 1) {
		snprintf(why, why_len,
			 "rte_dma_burst_capacity is %u on an idle ring of %u (expected %u)",
			 cap, opt.ring, opt.ring - 1);
		return -1;
	}
	memset(dr, 0, sizeof(*dr));
	dr->id = bd->id;
	dr->vchan = vchan;
	dr->limit = cap;
	if (opt.max_inflight != 0 && opt.max_inflight < cap)
		dr->limit = (uint16_t)opt.max_inflight;
	return 0;
}

void
dev_stop(struct bdev *bd)
{
	if (bd->started) {
		int ret = rte_dma_stop(bd->id);
		if (ret != 0)
			fprintf(stderr, "%s: rte_dma_stop failed: %d\n", bd->name, ret);
		bd->started = false;
	}
}

/* After rte_dma_completed reported an error: which operation failed, and how. */
void
describe_error(int16_t id, uint16_t vchan, char *why, size_t why_len)
{
	static const char *const names[] = {
		[RTE_DMA_STATUS_SUCCESSFUL] = "SUCCESSFUL",
		[RTE_DMA_STATUS_USER_ABORT] = "USER_ABORT",
		[RTE_DMA_STATUS_NOT_ATTEMPTED] = "NOT_ATTEMPTED",
		[RTE_DMA_STATUS_INVALID_SRC_ADDR] = "INVALID_SRC_ADDR",
		[RTE_DMA_STATUS_INVALID_DST_ADDR] = "INVALID_DST_ADDR",
		[RTE_DMA_STATUS_INVALID_ADDR] = "INVALID_ADDR",
		[RTE_DMA_STATUS_INVALID_LENGTH] = "INVALID_LENGTH",
		[RTE_DMA_STATUS_INVALID_OPCODE] = "INVALID_OPCODE",
		[RTE_DMA_STATUS_BUS_READ_ERROR] = "BUS_READ_ERROR",
		[RTE_DMA_STATUS_BUS_WRITE_ERROR] = "BUS_WRITE_ERROR",
		[RTE_DMA_STATUS_BUS_ERROR] = "BUS_ERROR",
		[RTE_DMA_STATUS_DATA_POISION] = "DATA_POISION",
		[RTE_DMA_STATUS_DESCRIPTOR_READ_ERROR] = "DESCRIPTOR_READ_ERROR",
		[RTE_DMA_STATUS_DEV_LINK_ERROR] = "DEV_LINK_ERROR",
		[RTE_DMA_STATUS_PAGE_FAULT] = "PAGE_FAULT",
	};
	enum rte_dma_status_code st = RTE_DMA_STATUS_ERROR_UNKNOWN;
	uint16_t last = 0;

	if (rte_dma_completed_status(id, vchan, 1, &last, &st) == 1)
		snprintf(why, why_len, "rte_dma_completed reported an error: operation %u "
			 "completed with status %d (%s)", last, (int)st,
			 (unsigned int)st < RTE_DIM(names) && names[st] ? names[st] : "?");
	else
		snprintf(why, why_len, "rte_dma_completed reported an error");
}

/* Waits until the device has completed @n more operations; checks the ring
 * index and the error flag. */
int
wait_completions(struct dev_run *dr, uint64_t n, char *why, size_t why_len)
{
	uint64_t target = dr->cpl + n, t0 = rte_get_timer_cycles();

	while (dr->cpl < target) {
		uint16_t last = 0;
		bool err = false;
		uint16_t got = rte_dma_completed(dr->id, dr->vchan,
						 (uint16_t)(target - dr->cpl), &last, &err);
		if (err) {
			describe_error(dr->id, dr->vchan, why, why_len);
			return -1;
		}
		if (got == 0) {
			if (rte_get_timer_cycles() - t0 > STALL_SECONDS * hz) {
				snprintf(why, why_len, "%" PRIu64 " operations did not complete "
					 "within %d s", target - dr->cpl, STALL_SECONDS);
				return -1;
			}
			continue;
		}
		if (got > target - dr->cpl) {
			snprintf(why, why_len, "rte_dma_completed returned %u, only %" PRIu64
				 " in flight", got, target - dr->cpl);
			return -1;
		}
		dr->cpl += got;
		if (last != (uint16_t)(dr->cpl - 1)) {
			snprintf(why, why_len, "last_idx %u after %" PRIu64 " completions, "
				 "expected %u", last, dr->cpl, (uint16_t)(dr->cpl - 1));
			return -1;
		}
	}
	return 0;
}


/* ---- the timed loop ---- */

static rte_iova_t b_src[MAX_BURST], b_dst[MAX_BURST];
static struct rte_dma_sge b_sgs[MAX_BURST][SG_SEGS], b_sgd[MAX_BURST][SG_SEGS];
static struct { uint64_t end; uint64_t ts; } fifo[65536]; /* bursts in flight */
static uint64_t lat[LAT_CAP];
#define FIFO_MASK ((uint32_t)RTE_DIM(fifo) - 1)

/* The state of one run_loop. */
struct loop {
	struct dev_run *dr;
	enum kind k;
	const struct bufs *b;
	struct run_stats *rs;
	uint64_t now, last_progress, call_cycles, nlat;
	uint32_t fhead, ftail; /* fifo positions */
	char *why;
	size_t why_len;
};

/* The addresses of the next @n operations, outside the timed part. */
static void
burst_args(const struct loop *L, uint64_t n)
{
	const struct bufs *b = L->b;
	uint32_t c = L->dr->cursor;

	for (uint64_t i = 0; i < n; i++) {
		rte_iova_t so = b->src_iova + (uint64_t)c * b->stride;
		rte_iova_t dO = b->dst_iova + (uint64_t)c * b->stride;
		if (L->k == K_SG)
			sg_layout(so, dO, b->size, b_sgs[i], b_sgd[i]);
		b_src[i] = so;
		b_dst[i] = dO;
		c = c + 1 == b->nr ? 0 : c + 1;
	}
}

/* Enqueues up to @n operations; returns how many went in (*rc: the last call's
 * return). */
static uint64_t
burst_enqueue(const struct loop *L, uint64_t n, int *rc)
{
	const int16_t id = L->dr->id;
	const uint16_t vc = L->dr->vchan;
	const uint32_t size = L->b->size;
	const uint64_t enq = L->dr->enq;
	uint64_t i = 0;

	switch (L->k) {
	case K_COPY:
		for (; i < n; i++) {
			*rc = rte_dma_copy(id, vc, b_src[i], b_dst[i], size, 0);
			if (*rc != (int)(uint16_t)(enq + i))
				break;
		}
		break;
	case K_FILL:
		for (; i < n; i++) {
			*rc = rte_dma_fill(id, vc, FILL_PATTERN, b_dst[i], size, 0);
			if (*rc != (int)(uint16_t)(enq + i))
				break;
		}
		break;
	default:
		for (; i < n; i++) {
			*rc = rte_dma_copy_sg(id, vc, b_sgs[i], b_sgd[i], SG_SEGS, SG_SEGS, 0);
			if (*rc != (int)(uint16_t)(enq + i))
				break;
		}
		break;
	}
	return i;
}

/* One burst of @n operations and its submit, timed; -1 on an unexpected return. */
static int
burst_run(struct loop *L, uint64_t n)
{
	struct dev_run *dr = L->dr;
	uint64_t i, ta, tb;
	int rc = 0;

	burst_args(L, n);
	ta = rte_get_timer_cycles();
	i = burst_enqueue(L, n, &rc);
	if (i > 0)
		rte_dma_submit(dr->id, dr->vchan);
	tb = rte_get_timer_cycles();
	L->call_cycles += tb - ta;
	L->now = tb;
	if (i < n) {
		if (rc != -ENOSPC) {
			snprintf(L->why, L->why_len, "%s returned %d, expected ring index %u",
				 L->k == K_COPY ? "rte_dma_copy" :
				 L->k == K_FILL ? "rte_dma_fill" : "rte_dma_copy_sg",
				 rc, (uint16_t)(dr->enq + i));
			return -1;
		}
		L->rs->enospc++;
	}
	if (i > 0) {
		dr->enq += i;
		dr->cursor = (uint32_t)((dr->cursor + i) % L->b->nr);
		fifo[L->ftail & FIFO_MASK].end = dr->enq;
		fifo[L->ftail & FIFO_MASK].ts = tb;
		L->ftail++;
		L->rs->bursts++;
	}
	return 0;
}

/* The latencies of the bursts completed by now (@td), kept in a reservoir. */
static void
bursts_done(struct loop *L, uint64_t td)
{
	while (L->fhead != L->ftail && fifo[L->fhead & FIFO_MASK].end <= L->dr->cpl) {
		uint64_t l = td - fifo[L->fhead & FIFO_MASK].ts;
		if (L->nlat < LAT_CAP) {
			lat[L->nlat] = l;
		} else {
			uint64_t j = rng() % (L->nlat + 1);
			if (j < LAT_CAP)
				lat[j] = l;
		}
		L->nlat++;
		L->fhead++;
	}
}

/* One rte_dma_completed call (timed when it returns something); -1 on an error, a
 * stall or a wrong index. */
static int
poll_once(struct loop *L)
{
	struct dev_run *dr = L->dr;
	uint16_t last = 0;
	bool err = false;
	uint64_t tc = rte_get_timer_cycles();
	uint16_t got = rte_dma_completed(dr->id, dr->vchan, CPL_BATCH, &last, &err);
	uint64_t td = rte_get_timer_cycles();

	L->now = td;
	if (err) {
		describe_error(dr->id, dr->vchan, L->why, L->why_len);
		return -1;
	}
	if (got == 0) {
		L->rs->empty_polls++;
		if (td - L->last_progress > STALL_SECONDS * hz) {
			snprintf(L->why, L->why_len, "no completion for %d s with %" PRIu64
				 " operations in flight", STALL_SECONDS, dr->enq - dr->cpl);
			return -1;
		}
		return 0;
	}
	L->call_cycles += td - tc;
	L->last_progress = td;
	if (got > dr->enq - dr->cpl) {
		snprintf(L->why, L->why_len, "rte_dma_completed returned %u with %" PRIu64
			 " in flight", got, dr->enq - dr->cpl);
		return -1;
	}
	dr->cpl += got;
	if (last != (uint16_t)(dr->cpl - 1)) {
		snprintf(L->why, L->why_len, "last_idx %u after %" PRIu64 " completions, "
			 "expected %u", last, dr->cpl, (uint16_t)(dr->cpl - 1));
		return -1;
	}
	bursts_done(L, td);
	return 0;
}

/* The run's figures, from @start (operations before it) and @t0 (its start). */
static int
loop_figures(struct loop *L, uint64_t start, uint64_t t0)
{
	struct run_stats *rs = L->rs;

	rs->ops = L->dr->enq - start;
	rs->secs = (double)(L->now - t0) / (double)hz;
	if (rs->ops == 0 || rs->secs <= 0) {
		snprintf(L->why, L->why_len, "no operation ran");
		return -1;
	}
	rs->mops = (double)rs->ops / rs->secs / 1e6;
	rs->gbps = (double)rs->ops * L->b->size / rs->secs / 1e9;
	rs->call_ns = (double)L->call_cycles * 1e9 / (double)hz / (double)rs->ops;
	uint64_t nl = L->nlat < LAT_CAP ? L->nlat : LAT_CAP;
	qsort(lat, nl, sizeof(lat[0]), cmp_u64);
	if (nl > 0) {
		rs->p50_ns = sorted_p50(lat, nl);
		rs->p99_ns = sorted_p99(lat, nl);
	}
	return 0;
}

/*
 * Runs @nops operations (0: until @dur_cycles have passed, then drains).  Keeps at
 * most dr->limit operations in flight; enqueues whole bursts (a shorter one only at
 * the end of an ops-bound run); polls for completions after every burst and
 * whenever the next burst does not fit.
 */
static int
run_loop(struct dev_run *dr, enum kind k, const struct bufs *b, uint64_t nops,
	 uint64_t dur_cycles, struct run_stats *rs, char *why, size_t why_len)
{
	const uint64_t start = dr->enq;
	const uint64_t end = nops ? start + nops : UINT64_MAX;
	const uint64_t t0 = rte_get_timer_cycles();
	const uint64_t deadline = dur_cycles ? t0 + dur_cycles : UINT64_MAX;
	struct loop L = { .dr = dr, .k = k, .b = b, .rs = rs, .now = t0, .last_progress = t0,
			  .why = why, .why_len = why_len };
	bool stop = false;

	memset(rs, 0, sizeof(*rs));
	for (;;) {
		if (!stop && (dr->enq >= end || L.now >= deadline))
			stop = true;
		uint64_t inflight = dr->enq - dr->cpl;
		uint64_t n = end - dr->enq < opt.burst ? end - dr->enq : opt.burst;

		if (n > dr->limit)
			n = dr->limit;
		if (!stop && inflight + n <= dr->limit && burst_run(&L, n) != 0)
			return -1;
		if (dr->cpl == dr->enq) {
			if (stop)
				break;
			continue;
		}
		if (poll_once(&L) != 0)
			return -1;
	}
	return loop_figures(&L, start, t0);
}

/* One timed run on a freshly started device, on its vchan @vchan: warm-up, measured
 * run, drained-state and statistics checks.  With @worker (the name prefix of the
 * device's worker thread), rs->worker_sys is the share of the worker's CPU time spent
 * in the kernel during the measured run (-1: unknown). */
int
device_run(struct bdev *bd, uint16_t vchan, enum kind k, const struct bufs *b,
	   struct run_stats *rs, const char *worker, char *why, size_t why_len)
{
	struct dev_run dr;
	struct run_stats warm;
	struct rte_dma_stats st;
	uint64_t warm_ops = WARMUP_BYTES / b->size;
	uint64_t ut0 = 0, st0 = 0, ut1 = 0, st1 = 0;
	bool times = false;
	pid_t tid = -1;
	int ret = -1;

	if (dev_start(bd, vchan, &dr, why, why_len) != 0)
		goto out;
	if (warm_ops > 2u * dr.limit)
		warm_ops = 2u * dr.limit;
	if (warm_ops < opt.burst)
		warm_ops = opt.burst;
	if (run_loop(&dr, k, b, warm_ops, 0, &warm, why, why_len) != 0)
		goto out;
	if (worker != NULL) {
		tid = find_thread(worker);
		times = tid > 0 && thread_cpu_ticks(tid, &ut0, &st0) == 0;
	}
	if (run_loop(&dr, k, b, opt.ops, opt.ops ? 0 : (uint64_t)(opt.seconds * (double)hz),
		     rs, why, why_len) != 0)
		goto out;
	rs->worker_sys = -1;
	if (times && thread_cpu_ticks(tid, &ut1, &st1) == 0 && ut1 + st1 > ut0 + st0)
		rs->worker_sys = (double)(st1 - st0) / (double)(ut1 + st1 - ut0 - st0);
	if (rte_dma_burst_capacity(dr.id, vchan) != opt.ring - 1) {
		snprintf(why, why_len, "rte_dma_burst_capacity is %u after a drained run "
			 "(expected %u)", rte_dma_burst_capacity(dr.id, vchan), opt.ring - 1);
		goto out;
	}
	if (rte_dma_stats_get(dr.id, vchan, &st) != 0) {
		snprintf(why, why_len, "rte_dma_stats_get failed");
		goto out;
	}
	if (st.submitted != dr.enq || st.completed != dr.cpl || st.errors != 0) {
		snprintf(why, why_len, "stats submitted %" PRIu64 " completed %" PRIu64
			 " errors %" PRIu64 ", expected %" PRIu64 " %" PRIu64 " 0",
			 st.submitted, st.completed, st.errors, dr.enq, dr.cpl);
		goto out;
	}
	rs->since_start = dr.enq;
	ret = 0;
out:
	dev_stop(bd);
	return ret;
}

/* The memcpy / memset reference over the same buffers in the same order. */
double
reference_run(enum kind k, const struct bufs *b)
{
	const uint32_t size = b->size, q = size / SG_SEGS;
	const uint64_t check_every = size >= 65536 ? 1 : 65536 / size;
	const uint64_t nops = opt.ops;
	const uint64_t dur = nops ? UINT64_MAX : (uint64_t)(opt.seconds / 2 * (double)hz);
	uint64_t t0 = rte_get_timer_cycles(), now, ops = 0;
	uint32_t c = 0;

	for (;;) {
		uint8_t *src = b->src + (size_t)c * b->stride;
		uint8_t *dst = b->dst + (size_t)c * b->stride;

		switch (k) {
		case K_COPY:
			memcpy(dst, src, size);
			break;
		case K_FILL:
			memset(dst, MEMSET_BYTE, size);
			break;
		default:
			for (uint32_t i = 0; i < SG_SEGS; i++)
				memcpy(dst + (size_t)(SG_SEGS - 1 - i) * q, src + (size_t)i * q, q);
			break;
		}
		c = c + 1 == b->nr ? 0 : c + 1;
		ops++;
		if (nops != 0) {
			if (ops >= nops)
				break;
		} else if (ops % check_every == 0 && rte_get_timer_cycles() - t0 >= dur) {
			break;
		}
	}
	now = rte_get_timer_cycles();
	return (double)ops * size / ((double)(now - t0) / (double)hz) / 1e9;
}

/* One memcpy reference run over @b (its destinations poisoned first). */
void
ref_add(struct memcpy_ref *m, enum kind k, const struct bufs *b)
{
	memset(b->dst, POISON, (size_t)b->nr * b->stride);
	m->ref_gbps[m->nref++] = reference_run(k, b);
}

void
ref_finish(struct memcpy_ref *m)
{
	m->m_ref = median(m->ref_gbps, m->nref);
	m->ref_sprd = spread(m->ref_gbps, m->nref);
}

/* Files the figures of one timed run. */
void
dev_result_add(struct dev_result *r, const struct run_stats *rs)
{
	r->mops[r->n] = rs->mops;
	r->gbps[r->n] = rs->gbps;
	r->call_ns[r->n] = rs->call_ns;
	r->p50[r->n] = rs->p50_ns;
	r->p99[r->n] = rs->p99_ns;
	r->ops[r->n] = rs->ops;
	r->n++;
	r->enospc += rs->enospc;
	r->empty_polls += rs->empty_polls;
	r->bursts += rs->bursts;
}

/* The medians and the spread of the runs. */
void
finish_dev(struct dev_result *r)
{
	if (r->n == 0)
		return;
	r->m_mops = median(r->mops, r->n);
	r->m_gbps = median(r->gbps, r->n);
	r->m_call = median(r->call_ns, r->n);
	r->m_p50 = median(r->p50, r->n);
	r->m_p99 = median(r->p99, r->n);
	r->sprd = spread(r->mops, r->n);
}
