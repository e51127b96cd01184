/* SPDX-License-Identifier: BSD-3-Clause
 *
 * dma_perf's human-readable output: the banner's pieces, a progress line per case,
 * the tables and the closing lines (on stdout, or on stderr with --json).
 */

#include <inttypes.h>
#include <string.h>

#include <rte_lcore.h>

#include "dma_perf.h"
#include "interprocess.h"

static const char *const wake_name[W_NB] = { "wake-busy", "wake-asleep" };
static const char *const wake_desc[W_NB] = { "worker busy-polling", "worker asleep" };

static const char *
fmt_rate(char *buf, size_t len, double ops_per_s)
{
	if (ops_per_s >= 1e6)
		snprintf(buf, len, "%.2f Mops/s", ops_per_s / 1e6);
	else
		snprintf(buf, len, "%.1f Kops/s", ops_per_s / 1e3);
	return buf;
}

static const char *
fmt_ns(char *buf, size_t len, double ns)
{
	if (ns >= 1e6)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else
		snprintf(buf, len, "%.0f ns", ns);
	return buf;
}

const char *
fmt_size(char *buf, size_t len, uint32_t size)
{
	if (size >= (1u << 20) && size % (1u << 20) == 0)
		snprintf(buf, len, "%uM", size >> 20);
	else if (size >= 1024 && size % 1024 == 0)
		snprintf(buf, len, "%uK", size >> 10);
	else
		snprintf(buf, len, "%u", size);
	return buf;
}

/* Where the device workers run, for the banner. */
void
workers_where(char *where, size_t len)
{
	where[0] = '\0';
	if (opt.worker_lcore >= 0) {
		snprintf(where, len, "lcore %d (CPU %d)", opt.worker_lcore,
			 rte_lcore_to_cpu_id(opt.worker_lcore));
		return;
	}
	size_t n = 0;
	for (int cpu = 0; cpu < CPU_SETSIZE && n < len - 8; cpu++)
		if (CPU_ISSET(cpu, &helper_cpus))
			n += (size_t)snprintf(where + n, len - n, "%s%d", n ? "," : "CPUs ", cpu);
}

/* The banner's second line: how long each run is. */
void
print_run_length(void)
{
	if (opt.ops)
		fprintf(out, "  %" PRIu64 " operations per run\n", opt.ops);
	else
		fprintf(out, "  %.3g s per device run, %.3g s per memcpy run\n", opt.seconds,
			opt.seconds / 2);
	fflush(out);
}

/* The run time, the other load, and the warning about disturbed cases. */
void
print_run_end(const struct run_totals *t)
{
	fprintf(out, "\ntotal run time %.1f s", t->elapsed);
	if (t->load >= 0)
		fprintf(out, "; other processes used %.2f CPUs on average (steal %.2f)", t->load,
			t->steal);
	fputc('\n', out);
	if (t->nb_disturbed > 0)
		fprintf(out, "WARNING: %u of %u cases ran while other processes used more than "
			"%.2f CPUs or the core-to-core round trip was above %.1fx its best value "
			"(marked DISTURBED above); their figures are not representative\n",
			t->nb_disturbed, t->nb_cases, LOAD_WARN, PROBE_WARN);
}

void
print_disturbance(const struct disturbance *d)
{
	if (d->other_load > LOAD_WARN)
		fprintf(out, " | DISTURBED: other load %.2f CPUs", d->other_load);
	if (rtt_base > 0 && d->rtt_ns > PROBE_WARN * rtt_base)
		fprintf(out, " | DISTURBED: core-to-core round trip %.0f ns (best %.0f ns)",
			d->rtt_ns, rtt_base);
}

void
print_progress(const struct case_result *c)
{
	char rate[32], a[32], b[32], cl[32];
	const struct dev_result *sk = &c->dev[D_SKEL], *rf = &c->dev[D_REF];

	fprintf(out, "[%s %u B]", kind_name[c->k], c->size);
	for (int d = 0; d < D_NB; d++) {
		const struct dev_result *r = &c->dev[d];
		if (!r->ran)
			continue;
		if (!r->passed || r->n == 0) {
			fprintf(out, " %s: FAIL |", dev_name[d]);
			continue;
		}
		fprintf(out, " %s: %s %.2f GB/s (spread %.0f%%) caller %s/op lat p50 %s p99 %s |",
			dev_name[d], fmt_rate(rate, sizeof(rate), r->m_mops * 1e6), r->m_gbps,
			r->sprd * 100, fmt_ns(cl, sizeof(cl), r->m_call),
			fmt_ns(a, sizeof(a), r->m_p50), fmt_ns(b, sizeof(b), r->m_p99));
	}
	fprintf(out, " memcpy %.2f GB/s", c->ref.m_ref);
	print_disturbance(&c->dist);
	bool sk_ok = sk->ran && sk->passed && sk->n > 0;
	bool rf_ok = rf->ran && rf->passed && rf->n > 0;
	if (sk_ok && c->ref.m_ref > 0)
		fprintf(out, " | ratio vs memcpy %.2f", sk->m_gbps / c->ref.m_ref);
	else if (rf_ok && c->ref.m_ref > 0)
		fprintf(out, " | ref_skel vs memcpy %.2f", rf->m_gbps / c->ref.m_ref);
	if (sk_ok && rf_ok && rf->m_mops > 0)
		fprintf(out, ", vs ref_skel %.2fx", sk->m_mops / rf->m_mops);
	fputc('\n', out);
	for (int d = 0; d < D_NB; d++)
		if (c->dev[d].ran && !c->dev[d].passed)
			fprintf(out, "  FAIL [%s %u B] %s: %s\n", kind_name[c->k], c->size,
				dev_name[d], c->dev[d].why);
	fflush(out);
}

void
print_table(const struct case_result *cases, unsigned int nb)
{
	char sz[16];

	fprintf(out, "\n%-5s %5s %-13s %10s %7s %6s %9s %10s %10s %7s %6s %7s %s\n", "op",
		"size", "device", "Kops/s", "GB/s", "spread", "caller", "lat p50", "lat p99",
		"memcpy", "/memcpy", "/ref", "check");
	fprintf(out, "%-5s %5s %-13s %10s %7s %6s %9s %10s %10s %7s %6s %7s %s\n", "", "B",
		"", "", "", "", "ns/op", "us", "us", "GB/s", "", "", "");
	for (unsigned int i = 0; i < nb; i++) {
		const struct case_result *c = &cases[i];
		for (int d = 0; d < D_NB; d++) {
			const struct dev_result *r = &c->dev[d];
			const struct dev_result *rf = &c->dev[D_REF];
			if (!r->ran)
				continue;
			fmt_size(sz, sizeof(sz), c->size);
			if (r->n == 0) {
				fprintf(out, "%-5s %5s %-13s %10s %7s %6s %9s %10s %10s %7.2f %6s %7s %s\n",
					kind_name[c->k], sz, dev_name[d], "-", "-", "-", "-", "-", "-",
					c->ref.m_ref, "-", "-", "FAIL");
				continue;
			}
			char vs_ref[16] = "-";
			if (d == D_SKEL && rf->ran && rf->passed && rf->n > 0 && rf->m_mops > 0)
				snprintf(vs_ref, sizeof(vs_ref), "%.2fx", r->m_mops / rf->m_mops);
			fprintf(out, "%-5s %5s %-13s %10.1f %7.2f %5.1f%% %9.1f %10.1f %10.1f %7.2f "
				"%6.2f %7s %s\n",
				kind_name[c->k], sz, dev_name[d], r->m_mops * 1e3, r->m_gbps,
				r->sprd * 100, r->m_call, r->m_p50 / 1e3, r->m_p99 / 1e3, c->ref.m_ref,
				c->ref.m_ref > 0 ? r->m_gbps / c->ref.m_ref : 0, vs_ref,
				r->passed ? (c->dist.disturbed ? "ok (disturbed)" : "ok") : "FAIL");
		}
	}
}

void
print_wake_progress(const struct wake_case *c)
{
	char a[32], b[32], cl[32];
	const struct wake_result *sk = &c->dev[D_SKEL], *rf = &c->dev[D_REF];

	fprintf(out, "[wakeup %d B, %s", WAKE_SIZE, wake_desc[c->state]);
	if (c->state == W_ASLEEP)
		fprintf(out, " after %d ms idle", WAKE_IDLE_US / 1000);
	fputc(']', out);
	for (int d = 0; d < D_NB; d++) {
		const struct wake_result *r = &c->dev[d];
		if (!r->ran)
			continue;
		if (!r->passed || r->nsamp == 0) {
			fprintf(out, " %s: FAIL |", dev_name[d]);
			continue;
		}
		fprintf(out, " %s: lat p50 %s p99 %s (spread %.0f%%), submit call %s, %u samples",
			dev_name[d], fmt_ns(a, sizeof(a), r->m_p50), fmt_ns(b, sizeof(b), r->m_p99),
			r->sprd * 100, fmt_ns(cl, sizeof(cl), r->m_call), r->nsamp);
		if (c->state == W_ASLEEP)
			fprintf(out, ", worker asleep before %u/%u", r->asleep, r->looked);
		fprintf(out, " |");
	}
	if (sk->ran && sk->passed && sk->nsamp > 0 && rf->ran && rf->passed && rf->nsamp > 0 &&
	    rf->m_p50 > 0)
		fprintf(out, " dma_skeleton/ref_skel p50 %.2fx", sk->m_p50 / rf->m_p50);
	print_disturbance(&c->dist);
	fputc('\n', out);
	for (int d = 0; d < D_NB; d++)
		if (c->dev[d].ran && !c->dev[d].passed)
			fprintf(out, "  FAIL [wakeup %s] %s: %s\n", wake_desc[c->state], dev_name[d],
				c->dev[d].why);
	fflush(out);
}

void
print_wake_table(const struct wake_case *cases, unsigned int nb)
{
	if (nb == 0)
		return;
	fprintf(out, "\n%-11s %5s %-13s %7s %8s %10s %10s %10s %6s %s\n", "wakeup", "size",
		"device", "samples", "asleep", "submit", "lat p50", "lat p99", "spread", "check");
	fprintf(out, "%-11s %5s %-13s %7s %8s %10s %10s %10s %6s %s\n", "", "B", "", "",
		"before", "ns", "us", "us", "", "");
	for (unsigned int i = 0; i < nb; i++) {
		const struct wake_case *c = &cases[i];
		for (int d = 0; d < D_NB; d++) {
			const struct wake_result *r = &c->dev[d];
			char asleep[24] = "-";
			if (!r->ran)
				continue;
			if (r->nsamp == 0 || !r->passed) {
				fprintf(out, "%-11s %5d %-13s %7s %8s %10s %10s %10s %6s %s\n",
					wake_name[c->state], WAKE_SIZE, dev_name[d], "-", "-", "-", "-",
					"-", "-", "FAIL");
				continue;
			}
			if (c->state == W_ASLEEP)
				snprintf(asleep, sizeof(asleep), "%u/%u", r->asleep, r->looked);
			fprintf(out, "%-11s %5d %-13s %7u %8s %10.1f %10.2f %10.2f %5.1f%% %s\n",
				wake_name[c->state], WAKE_SIZE, dev_name[d], r->nsamp, asleep,
				r->m_call, r->m_p50 / 1e3, r->m_p99 / 1e3, r->sprd * 100,
				c->dist.disturbed ? "ok (disturbed)" : "ok");
		}
	}
}

void
ip_print_progress(const struct ip_case *c)
{
	char rate[32];

	fprintf(out, "[interprocess %u B]", c->size);
	for (int p = 0; p < P_NB; p++) {
		const struct ip_result *r = &c->p[p];
		if (!path_used(p))
			continue;
		if (!r->d.passed || r->d.n == 0) {
			fprintf(out, " %s: FAIL |", path[p].name);
			continue;
		}
		fprintf(out, " %s: %s %.2f GB/s", path[p].name,
			fmt_rate(rate, sizeof(rate), r->d.m_mops * 1e6), r->d.m_gbps);
		if (c->ref.m_ref > 0)
			fprintf(out, " (%.2fx)", r->d.m_gbps / c->ref.m_ref);
		fprintf(out, " |");
	}
	fprintf(out, " memcpy %.2f GB/s", c->ref.m_ref);
	print_disturbance(&c->dist);
	fputc('\n', out);
	for (int p = 0; p < P_NB; p++)
		if (path_used(p) && !c->p[p].d.passed)
			fprintf(out, "  FAIL [interprocess %u B] %s: %s\n", c->size, path[p].name,
				c->p[p].d.why);
	fflush(out);
}

void
ip_print_table(const struct ip_case *cases, unsigned int nb)
{
	char sz[16], sys[16];

	fprintf(out, "\n%5s %-16s %10s %7s %6s %9s %10s %10s %6s %7s %6s %s\n", "size", "path",
		"Kops/s", "GB/s", "spread", "caller", "lat p50", "lat p99", "wk sys", "memcpy",
		"/memcpy", "check");
	fprintf(out, "%5s %-16s %10s %7s %6s %9s %10s %10s %6s %7s %6s %s\n", "B", "", "", "", "",
		"ns/op", "us", "us", "", "GB/s", "", "");
	for (unsigned int i = 0; i < nb; i++) {
		const struct ip_case *c = &cases[i];
		fmt_size(sz, sizeof(sz), c->size);
		for (int p = 0; p < P_NB; p++) {
			const struct ip_result *r = &c->p[p];
			if (!path_used(p))
				continue;
			if (r->d.n == 0 || !r->d.passed) {
				fprintf(out, "%5s %-16s %10s %7s %6s %9s %10s %10s %6s %7.2f %6s %s\n",
					sz, path[p].name, "-", "-", "-", "-", "-", "-", "-", c->ref.m_ref,
					"-", "FAIL");
				continue;
			}
			if (r->nsys > 0)
				snprintf(sys, sizeof(sys), "%.0f%%", r->m_sys * 100);
			else
				snprintf(sys, sizeof(sys), "-");
			fprintf(out, "%5s %-16s %10.1f %7.2f %5.1f%% %9.1f %10.1f %10.1f %6s %7.2f "
				"%6.2f %s\n",
				sz, path[p].name, r->d.m_mops * 1e3, r->d.m_gbps, r->d.sprd * 100,
				r->d.m_call, r->d.m_p50 / 1e3, r->d.m_p99 / 1e3, sys, c->ref.m_ref,
				c->ref.m_ref > 0 ? r->d.m_gbps / c->ref.m_ref : 0,
				c->dist.disturbed ? "ok (disturbed)" : "ok");
		}
	}
	fprintf(out, "(win: the peer's rte_malloc memory, through the mapped window; cma: its "
		"mmap memory, by cross-memory attach; wk sys: the share of the device worker's "
		"CPU time spent in the kernel, 10 ms resolution)\n");
	if (opt.local_mmap)
		fprintf(out, "(--local-mmap: this process's buffers are mmap memory outside its "
			"heap, which the device moves by cross-memory attach on itself)\n");
}
