/* SPDX-License-Identifier: BSD-3-Clause
 *
 * dma_perf's wake-up latency test ("wakeup" in --tests).
 *
 * One WAKE_SIZE copy at a time: enqueued without the SUBMIT flag, then timed from
 * the rte_dma_submit call to the return of the rte_dma_completed call that hands it
 * back.  "busy": submitted right after the previous completion, while the worker
 * still polls.  "asleep": submitted after WAKE_IDLE_US of idleness, when the worker
 * has stopped polling (dma_skeleton's sleeps on a futex after ~20 us and is woken by
 * this submit; ref_skel's naps 10 us at a time after 10000 empty polls).  Before each
 * "asleep" submit the worker thread's state is read from /proc (outside the timed
 * part) to confirm it sleeps.  Every copy's destination and the GUARD bytes after it
 * are checked.  Samples of all runs are pooled for the percentiles.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "dma_perf.h"

static const char *const worker_prefix[D_NB] = { "dma-skel", "dma-skel", "ref-skel" };
#define WAKE_WARMUP 16 /* unmeasured copies after each start */

static uint8_t *wsrc, *wdst, wexp[WAKE_SIZE + GUARD];

/* The copies' buffers (the source gets random data). */
int
wake_setup(void)
{
	wsrc = rte_malloc("dma_perf_wsrc", WAKE_SIZE + GUARD, RTE_CACHE_LINE_SIZE);
	wdst = rte_malloc("dma_perf_wdst", WAKE_SIZE + GUARD, RTE_CACHE_LINE_SIZE);
	if (wsrc == NULL || wdst == NULL)
		return -1;
	fill_random(wsrc, WAKE_SIZE + GUARD);
	return 0;
}

void
wake_free(void)
{
	rte_free(wsrc);
	rte_free(wdst);
	wsrc = wdst = NULL;
}

/* Samples per run: WAKE_SAMPLES per device and state in all (fewer when --seconds is
 * below the default), split over the --repeat runs. */
static unsigned int
wake_per_run(void)
{
	double total = WAKE_SAMPLES;

	if (opt.ops == 0 && opt.seconds < 0.1)
		total = WAKE_SAMPLES * opt.seconds / 0.1;
	if (total < 20)
		total = 20;
	return ((unsigned int)total + opt.repeat - 1) / opt.repeat;
}

/* Before an "asleep" submit: WAKE_IDLE_US idle, then the worker's state from /proc. */
static void
wake_idle(int d, pid_t *tid, struct wake_result *r)
{
	char st;

	sleep_us(WAKE_IDLE_US);
	if (*tid < 0) /* a new thread may name itself after the start returned */
		*tid = find_thread(worker_prefix[d]);
	if (*tid > 0 && proc_stat(0, *tid, &st, NULL, NULL) == 0) {
		r->looked++;
		r->asleep += st == 'S';
	}
}

/* Polls until copy @idx completes (time of the returning call in *tc). */
static int
wake_poll(const struct dev_run *dr, int idx, uint64_t ta, uint64_t *tc, char *why,
	  size_t why_len)
{
	for (;;) {
		uint16_t last = 0;
		bool err = false;
		uint16_t got = rte_dma_completed(dr->id, 0, 1, &last, &err);

		*tc = rte_get_timer_cycles();
		if (err) {
			describe_error(dr->id, 0, why, why_len);
			return -1;
		}
		if (got == 1 && last == (uint16_t)idx)
			return 0;
		if (got != 0) {
			snprintf(why, why_len, "rte_dma_completed returned %u, last_idx %u; "
				 "expected 1, %d", got, last, idx);
			return -1;
		}
		if (*tc - ta > STALL_SECONDS * hz) {
			snprintf(why, why_len, "a %d B copy did not complete within %d s",
				 WAKE_SIZE, STALL_SECONDS);
			return -1;
		}
	}
}

/* Copy @i: new data, enqueued, then timed from rte_dma_submit (t[0], its return
 * t[1]) to the completion (t[2]); its destination and guard checked. */
static int
wake_copy(struct dev_run *dr, uint64_t i, uint64_t stamp, uint64_t t[3], char *why,
	  size_t why_len)
{
	const rte_iova_t si = rte_malloc_virt2iova(wsrc), di = rte_malloc_virt2iova(wdst);
	int idx, rc;

	memcpy(wsrc, &stamp, sizeof(stamp)); /* every copy carries new data */
	memcpy(wexp, wsrc, WAKE_SIZE);
	memset(wexp + WAKE_SIZE, POISON, GUARD);
	memset(wdst, POISON, WAKE_SIZE + GUARD);
	idx = rte_dma_copy(dr->id, 0, si, di, WAKE_SIZE, 0);
	if (idx != (int)(uint16_t)dr->enq) {
		snprintf(why, why_len, "rte_dma_copy returned %d, expected ring index %u",
			 idx, (uint16_t)dr->enq);
		return -1;
	}
	dr->enq++;
	t[0] = rte_get_timer_cycles();
	rc = rte_dma_submit(dr->id, 0);
	t[1] = rte_get_timer_cycles();
	if (rc != 0) {
		snprintf(why, why_len, "rte_dma_submit failed: %d", rc);
		return -1;
	}
	if (wake_poll(dr, idx, t[0], &t[2], why, why_len) != 0)
		return -1;
	dr->cpl++;
	long off = first_diff(wdst, wexp, WAKE_SIZE + GUARD);
	if (off >= 0) {
		snprintf(why, why_len, "copy %" PRIu64 ": byte %ld%s is 0x%02x, expected "
			 "0x%02x", i, off, off >= WAKE_SIZE ? " (guard)" : "", wdst[off], wexp[off]);
		return -1;
	}
	return 0;
}

/* One run of @n measured copies on device @d in @state. */
static int
wake_run(int d, int state, unsigned int n, struct wake_result *r, char *why, size_t why_len)
{
	double run_lat[WAKE_MAX];
	unsigned int nrun = 0;
	struct dev_run dr;
	pid_t tid = -1;
	int ret = -1;

	if (dev_start(&devs[d], 0, &dr, why, why_len) != 0)
		goto out;
	/* "busy" samples are spread over --seconds, unmeasured copies in between (so the
	 * other-load figure covers a real stretch of time); "asleep" ones are 2 ms apart. */
	const uint64_t span = state == W_BUSY && opt.ops == 0 ?
				      (uint64_t)(opt.seconds * (double)hz) : 0;
	uint64_t t_run = 0;
	for (uint64_t i = 0; nrun < n; i++) {
		if (i == WAKE_WARMUP)
			t_run = rte_get_timer_cycles();
		const bool measured = i >= WAKE_WARMUP &&
				      (span == 0 || rte_get_timer_cycles() - t_run >=
							    span / n * nrun);
		uint64_t stamp = rng(), t[3];

		if (state == W_ASLEEP && measured)
			wake_idle(d, &tid, r);
		if (wake_copy(&dr, i, stamp, t, why, why_len) != 0)
			goto out;
		if (measured) {
			if (r->nsamp < WAKE_MAX) {
				r->lat[r->nsamp] = t[2] - t[0];
				r->call[r->nsamp] = t[1] - t[0];
				r->nsamp++;
			}
			run_lat[nrun++] = (double)(t[2] - t[0]) * 1e9 / (double)hz;
		}
	}
	qsort(run_lat, nrun, sizeof(run_lat[0]), cmp_double);
	if (nrun > 0 && r->n < MAX_REPEAT)
		r->p50[r->n++] = run_lat[(nrun - 1) / 2];
	ret = 0;
out:
	dev_stop(&devs[d]);
	return ret;
}

static void
finish_wake(struct wake_result *r)
{
	uint64_t tmp[WAKE_MAX];
	unsigned int n = r->nsamp;

	if (n == 0)
		return;
	memcpy(tmp, r->lat, n * sizeof(tmp[0]));
	qsort(tmp, n, sizeof(tmp[0]), cmp_u64);
	r->m_p50 = sorted_p50(tmp, n);
	r->m_p99 = sorted_p99(tmp, n);
	memcpy(tmp, r->call, n * sizeof(tmp[0]));
	qsort(tmp, n, sizeof(tmp[0]), cmp_u64);
	r->m_call = sorted_p50(tmp, n);
	r->m_call99 = sorted_p99(tmp, n);
	r->sprd = r->n > 0 ? spread(r->p50, r->n) : 0;
}

/* The case of one state: its runs alternate between the devices. */
void
wake_case_run(int state, struct wake_case *c)
{
	const unsigned int per_run = wake_per_run();
	struct load_sample l0;

	case_begin(&l0, &c->dist);
	c->state = state;
	for (int d = 0; d < D_NB; d++) {
		c->dev[d].ran = devs[d].enabled;
		c->dev[d].passed = devs[d].enabled;
	}
	for (unsigned int rep = 0; rep < opt.repeat; rep++)
		for (int d = 0; d < D_NB; d++) {
			struct wake_result *r = &c->dev[d];
			if (r->ran && r->passed)
				r->passed = wake_run(d, state, per_run, r, r->why,
						     sizeof(r->why)) == 0;
		}
	for (int d = 0; d < D_NB; d++)
		if (c->dev[d].ran)
			finish_wake(&c->dev[d]);
	case_end(&l0, &c->dist);
}
