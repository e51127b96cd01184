/* SPDX-License-Identifier: BSD-3-Clause
 *
 * dma_perf's --json document (on stdout): the configuration, every case's figures
 * and each run's values, the wake-up cases, and the totals.  bench/check_targets.py
 * reads it to judge the targets.
 */

#include <inttypes.h>

#include <rte_eal.h>

#include "dma_perf.h"
#include "interprocess.h"

static void
json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
json_array(FILE *f, const double *v, unsigned int n)
{
	fputc('[', f);
	for (unsigned int i = 0; i < n; i++)
		fprintf(f, "%s%.6g", i ? ", " : "", v[i]);
	fputc(']', f);
}

static void
json_begin(FILE *f)
{
	fprintf(f, "{\n  \"version\": ");
	json_string(f, rte_version());
}

/* What every case says after its name: whether it passed (or why not), and how
 * disturbed it was. */
static void
json_case_head(FILE *f, bool passed, const char *why, const struct disturbance *d)
{
	fprintf(f, "\"passed\": %s, ", passed ? "true" : "false");
	if (!passed) {
		fprintf(f, "\"error\": ");
		json_string(f, why);
		fprintf(f, ", ");
	}
	fprintf(f, "\"disturbed\": %s, \"other_load_cpus\": %.3g, \"steal_cpus\": %.3g, "
		"\"core_rtt_ns\": %.4g, ", d->disturbed ? "true" : "false", d->other_load,
		d->steal, d->rtt_ns);
}

/* The medians of a device (or path) beside the memcpy reference. */
static void
json_figures(FILE *f, const struct dev_result *r, const struct memcpy_ref *ref)
{
	fprintf(f, "\"runs\": %u, \"mops\": %.6g, \"gbps\": %.6g, \"spread\": %.4g, "
		"\"caller_ns_per_op\": %.6g, \"lat_p50_ns\": %.6g, \"lat_p99_ns\": %.6g, "
		"\"memcpy_gbps\": %.6g, \"memcpy_spread\": %.4g, \"ratio_vs_memcpy\": ",
		r->n, r->m_mops, r->m_gbps, r->sprd, r->m_call, r->m_p50, r->m_p99, ref->m_ref,
		ref->ref_sprd);
	if (r->n > 0 && ref->m_ref > 0)
		fprintf(f, "%.4g", r->m_gbps / ref->m_ref);
	else
		fprintf(f, "null");
}

/* Opens the next element of a list (a comma before all but the first). */
static void
json_next(FILE *f, bool *first)
{
	fprintf(f, "%s    ", *first ? "" : ",\n");
	*first = false;
}

static void
json_end(FILE *f, const struct run_totals *t)
{
	fprintf(f, "  \"passed\": %u,\n  \"failed\": %u,\n  \"elapsed_s\": %.3f,\n"
		"  \"other_load_cpus\": %.3g,\n  \"steal_cpus\": %.3g\n}\n",
		t->passed, t->failed, t->elapsed, t->load, t->steal);
}

/* ---- the local mode ---- */

/* Device @d in wake-up case @c, if it ran. */
static void
json_wake_case(FILE *f, const struct wake_case *c, int d, bool *first)
{
	const struct wake_result *r = &c->dev[d];

	if (!r->ran)
		return;
	json_next(f, first);
	fprintf(f, "{\"state\": \"%s\", \"size\": %d, \"idle_before_us\": %d, "
		"\"device\": \"%s\", ", c->state == W_BUSY ? "busy" : "asleep", WAKE_SIZE,
		c->state == W_BUSY ? 0 : WAKE_IDLE_US, dev_name[d]);
	json_case_head(f, r->passed, r->why, &c->dist);
	fprintf(f, "\"runs\": %u, \"samples\": %u, "
		"\"lat_p50_ns\": %.6g, \"lat_p99_ns\": %.6g, \"submit_ns\": %.6g, "
		"\"spread\": %.4g, ", r->n, r->nsamp, r->m_p50, r->m_p99, r->m_call, r->sprd);
	if (c->state == W_ASLEEP)
		fprintf(f, "\"worker_asleep_before\": %u, \"worker_looked_at\": %u, ",
			r->asleep, r->looked);
	fprintf(f, "\"reps\": {\"lat_p50_ns\": ");
	json_array(f, r->p50, r->n);
	fprintf(f, "}}");
}

static void
json_wake(FILE *f, const struct wake_case *cases, unsigned int nb)
{
	bool first = true;

	fprintf(f, "  \"wakeup\": [\n");
	for (unsigned int i = 0; i < nb; i++)
		for (int d = 0; d < D_NB; d++)
			json_wake_case(f, &cases[i], d, &first);
	fprintf(f, "\n  ],\n");
}

/* Device @d in case @c, if it ran. */
static void
json_case(FILE *f, const struct case_result *c, int d, bool *first)
{
	const struct dev_result *r = &c->dev[d];
	const struct dev_result *rf = &c->dev[D_REF];

	if (!r->ran)
		return;
	json_next(f, first);
	fprintf(f, "{\"op\": \"%s\", \"size\": %u, \"device\": \"%s\", ", kind_name[c->k],
		c->size, dev_name[d]);
	json_case_head(f, r->passed, r->why, &c->dist);
	json_figures(f, r, &c->ref);
	fprintf(f, ", \"ratio_vs_ref_skel\": ");
	if (d == D_SKEL && r->n > 0 && rf->ran && rf->n > 0 && rf->m_mops > 0)
		fprintf(f, "%.4g", r->m_mops / rf->m_mops);
	else
		fprintf(f, "null");
	fprintf(f, ", \"enospc\": %" PRIu64 ", \"empty_polls\": %" PRIu64
		", \"bursts\": %" PRIu64 ", \"reps\": {\"mops\": ",
		r->enospc, r->empty_polls, r->bursts);
	json_array(f, r->mops, r->n);
	fprintf(f, ", \"gbps\": ");
	json_array(f, r->gbps, r->n);
	fprintf(f, ", \"caller_ns_per_op\": ");
	json_array(f, r->call_ns, r->n);
	fprintf(f, ", \"lat_p50_ns\": ");
	json_array(f, r->p50, r->n);
	fprintf(f, ", \"lat_p99_ns\": ");
	json_array(f, r->p99, r->n);
	fprintf(f, ", \"memcpy_gbps\": ");
	json_array(f, c->ref.ref_gbps, c->ref.nref);
	fprintf(f, "}}");
}

void
print_json(const struct case_result *cases, unsigned int nb, const struct wake_case *wcases,
	   unsigned int nb_wake, const struct run_totals *t)
{
	FILE *f = stdout;
	bool first = true;

	json_begin(f);
	fprintf(f, ",\n  \"config\": {\"ring\": %u, \"burst\": %u, \"max_inflight\": %u, "
		"\"seconds\": %.6g, \"ops\": %" PRIu64 ", \"repeat\": %u, \"mem_per_side\": %" PRIu64
		", \"sg_segments\": %d, \"worker_lcore\": %d, \"timer_hz\": %" PRIu64
		", \"core_rtt_ns_best\": %.4g},\n",
		opt.ring, opt.burst, opt.max_inflight, opt.ops ? 0 : opt.seconds, opt.ops,
		opt.repeat, opt.mem, SG_SEGS, opt.worker_lcore, hz, rtt_base);
	fprintf(f, "  \"cases\": [\n");
	for (unsigned int i = 0; i < nb; i++)
		for (int d = 0; d < D_NB; d++)
			json_case(f, &cases[i], d, &first);
	fprintf(f, "\n  ],\n");
	json_wake(f, wcases, nb_wake);
	json_end(f, t);
}

/* ---- the inter-process mode ---- */

static void
ip_json_case(FILE *f, const struct ip_case *c, int p)
{
	const struct ip_result *r = &c->p[p];

	fprintf(f, "{\"op\": \"copy\", \"size\": %u, \"path\": \"%s\", "
		"\"memory\": \"%s\", \"direction\": \"%s\", ", c->size, path[p].name,
		path[p].memory, path[p].direction);
	json_case_head(f, r->d.passed, r->d.why, &c->dist);
	json_figures(f, &r->d, &c->ref);
	fprintf(f, ", \"worker_sys_share\": ");
	if (r->nsys > 0)
		fprintf(f, "%.3g", r->m_sys);
	else
		fprintf(f, "null");
	fprintf(f, ", \"reps\": {\"mops\": ");
	json_array(f, r->d.mops, r->d.n);
	fprintf(f, ", \"gbps\": ");
	json_array(f, r->d.gbps, r->d.n);
	fprintf(f, ", \"memcpy_gbps\": ");
	json_array(f, c->ref.ref_gbps, c->ref.nref);
	fprintf(f, "}}");
}

void
ip_print_json(const struct ip_case *cases, unsigned int nb, const struct run_totals *t)
{
	FILE *f = stdout;
	bool first = true;

	json_begin(f);
	fprintf(f, ",\n  \"mode\": \"interprocess\",\n  \"config\": {\"device\": \"%s\", "
		"\"ring\": %u, \"burst\": %u, \"max_inflight\": %u, \"seconds\": %.6g, \"ops\": %"
		PRIu64 ", \"repeat\": %u, \"mem_per_side\": %" PRIu64 ", \"area_bytes\": %" PRIu64
		", \"worker_lcore\": %d, \"timer_hz\": %" PRIu64 ", \"core_rtt_ns_best\": %.4g},\n",
		IP_DEV, opt.ring, opt.burst, opt.max_inflight, opt.ops ? 0 : opt.seconds, opt.ops,
		opt.repeat, opt.mem, ip.area_len, opt.worker_lcore, hz, rtt_base);
	if (opt.interos) {
		fprintf(f, "  \"interos\": true,\n  \"member_left_ms\": ");
		if (ip.left_ms >= 0)
			fprintf(f, "%.1f,\n", ip.left_ms);
		else
			fprintf(f, "null,\n");
	}
	fprintf(f, "  \"cases\": [\n");
	for (unsigned int i = 0; i < nb; i++)
		for (int p = 0; p < P_NB; p++) {
			if (!path_used(p))
				continue;
			json_next(f, &first);
			ip_json_case(f, &cases[i], p);
		}
	fprintf(f, "\n  ],\n");
	json_end(f, t);
}
