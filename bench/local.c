/* SPDX-License-Identifier: BSD-3-Clause
 *
 * dma_perf's local mode: copy, fill and scatter-gather copy on dma_skeleton and on
 * ref_skel (bench/ref_skeleton.c, DPDK's skeleton design), each (operation, size,
 * device) case verified byte by byte before it is timed and its destinations
 * checked after every timed run, beside the memcpy reference; then the wake-up
 * latency (wakeup.c).
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dma_perf.h"
#include "ref_skeleton.h"

struct bdev devs[D_NB];

static int
dev_setup(int d)
{
	struct rte_dma_info info;
	struct rte_dma_conf conf = { .nb_vchans = 1 };
	struct rte_dma_vchan_conf vconf = { .direction = RTE_DMA_DIR_MEM_TO_MEM,
					    .nb_desc = (uint16_t)opt.ring };
	int id, ret;

	if (d == D_SKEL || d == D_NOCB) {
		char args[48] = "";

		id = rte_dma_get_dev_id_by_name(dev_name[d]); /* made by --vdev? */
		if (id < 0) {
			snprintf(args, sizeof(args), "%s", d == D_NOCB ? "copybreak=0" : "");
			if (opt.worker_lcore >= 0)
				snprintf(args + strlen(args), sizeof(args) - strlen(args), "%slcore=%d",
					 args[0] ? "," : "", opt.worker_lcore);
			ret = rte_vdev_init(dev_name[d], args);
			if (ret != 0) {
				fprintf(stderr, "rte_vdev_init(%s, \"%s\") failed: %d\n",
					dev_name[d], args, ret);
				return -1;
			}
			id = rte_dma_get_dev_id_by_name(dev_name[d]);
		}
	} else {
		id = ref_skel_create(dev_name[d], opt.worker_lcore,
				     CPU_COUNT(&helper_cpus) > 0 ? &helper_cpus : NULL);
	}
	if (id < 0) {
		fprintf(stderr, "cannot create %s: %d\n", dev_name[d], id);
		return -1;
	}
	devs[d].id = (int16_t)id;
	ret = rte_dma_info_get(devs[d].id, &info);
	if (ret != 0) {
		fprintf(stderr, "%s: rte_dma_info_get failed: %d\n", dev_name[d], ret);
		return -1;
	}
	if (opt.ring < info.min_desc || opt.ring > info.max_desc) {
		fprintf(stderr, "%s: --ring=%u outside the device's %u..%u\n", dev_name[d],
			opt.ring, info.min_desc, info.max_desc);
		return -1;
	}
	devs[d].capa = info.dev_capa;
	devs[d].max_sges = info.max_sges;
	ret = rte_dma_configure(devs[d].id, &conf);
	if (ret == 0)
		ret = rte_dma_vchan_setup(devs[d].id, 0, &vconf);
	if (ret != 0) {
		fprintf(stderr, "%s: configure/vchan_setup failed: %d\n", dev_name[d], ret);
		return -1;
	}
	return 0;
}

static bool
dev_supports(int d, enum kind k)
{
	switch (k) {
	case K_COPY:
		return devs[d].capa & RTE_DMA_CAPA_OPS_COPY;
	case K_FILL:
		return devs[d].capa & RTE_DMA_CAPA_OPS_FILL;
	default:
		return (devs[d].capa & RTE_DMA_CAPA_OPS_COPY_SG) && devs[d].max_sges >= SG_SEGS;
	}
}


/* What a scatter-gather copy must produce: the concatenated source segments
 * written, in order, over the destination segments.  Addresses are offsets into
 * @src / @exp. */
static void
sg_expect(const uint8_t *src, uint8_t *exp, uint8_t *stream, const struct rte_dma_sge *s,
	  unsigned int ns, const struct rte_dma_sge *d, unsigned int nd)
{
	size_t pos = 0;

	for (unsigned int i = 0; i < ns; i++) {
		memcpy(stream + pos, src + s[i].addr, s[i].length);
		pos += s[i].length;
	}
	pos = 0;
	for (unsigned int i = 0; i < nd; i++) {
		memcpy(exp + d[i].addr, stream + pos, d[i].length);
		pos += d[i].length;
	}
}

static void
fill_expect(uint8_t *exp, uint32_t len, uint64_t pattern)
{
	for (uint32_t i = 0; i < len; i++)
		exp[i] = (uint8_t)(pattern >> (8 * (i % 8)));
}


static int
bufs_alloc(struct bufs *b, uint32_t size)
{
	bufs_layout(b, size);
	size_t bytes = (size_t)b->nr * b->stride;
	b->src = rte_malloc("dma_perf_src", bytes, RTE_CACHE_LINE_SIZE);
	b->dst = rte_malloc("dma_perf_dst", bytes, RTE_CACHE_LINE_SIZE);
	if (b->src == NULL || b->dst == NULL) {
		fprintf(stderr, "rte_malloc of 2 x %zu bytes failed\n", bytes);
		rte_free(b->src);
		rte_free(b->dst);
		return -1;
	}
	b->src_iova = rte_malloc_virt2iova(b->src);
	b->dst_iova = rte_malloc_virt2iova(b->dst);
	fill_random(b->src, bytes); /* touches the source */
	memset(b->dst, POISON, bytes);
	return 0;
}

static void
bufs_free(struct bufs *b)
{
	rte_free(b->src);
	rte_free(b->dst);
	b->src = b->dst = NULL;
}

static void
bufs_poison(const struct bufs *b)
{
	memset(b->dst, POISON, (size_t)b->nr * b->stride);
}

/* After a device run: the first @written destination buffers hold the result. */
static int
bufs_check(const struct bufs *b, enum kind k, uint64_t written, uint8_t *exp,
	   uint8_t *stream, char *why, size_t why_len)
{
	uint32_t n = written < b->nr ? (uint32_t)written : b->nr;
	struct rte_dma_sge s[SG_SEGS], d[SG_SEGS];

	if (k == K_FILL)
		fill_expect(exp, b->size, FILL_PATTERN);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *src = b->src + (size_t)i * b->stride;
		const uint8_t *dst = b->dst + (size_t)i * b->stride;
		const uint8_t *want = exp;

		if (k == K_COPY) {
			want = src;
		} else if (k == K_SG) {
			sg_layout(0, 0, b->size, s, d);
			sg_expect(src, exp, stream, s, SG_SEGS, d, SG_SEGS);
		}
		long off = first_diff(dst, want, b->size);
		if (off >= 0) {
			snprintf(why, why_len,
				 "after the timed run, buffer %u byte %ld is 0x%02x, expected 0x%02x",
				 i, off, dst[off], want[off]);
			return -1;
		}
	}
	return 0;
}

/* ---- verification before timing ---- */

static uint8_t *vsrc[VERIFY_OPS], *vdst[VERIFY_OPS], *vexp, *vstream;

/* The segments of one verification operation (sg only). */
struct vop {
	struct rte_dma_sge s[SG_SEGS], d[SG_SEGS];
	unsigned int ns, nd;
};

/* Round 0: the timed runs' layout; round 1: uneven segments, 4 sources and 3
 * destinations in reverse order. */
static void
verify_segments(int round, uint32_t size, rte_iova_t si, rte_iova_t di, struct vop *v)
{
	uint32_t cut_s[SG_SEGS + 1] = { 0, size / 8, size / 2, size * 3 / 4, size };
	uint32_t cut_d[4] = { 0, size / 3, size * 2 / 3, size };

	v->ns = SG_SEGS;
	v->nd = SG_SEGS;
	if (round == 0) {
		sg_layout(si, di, size, v->s, v->d);
		return;
	}
	v->nd = 3;
	for (unsigned int j = 0; j < v->ns; j++) {
		v->s[j].addr = si + cut_s[j];
		v->s[j].length = cut_s[j + 1] - cut_s[j];
	}
	for (unsigned int j = 0; j < v->nd; j++) { /* reverse order */
		v->d[j].addr = di + cut_d[v->nd - 1 - j];
		v->d[j].length = cut_d[v->nd - j] - cut_d[v->nd - 1 - j];
	}
}

/* Enqueues verification operation @i of @round (new source data, poisoned
 * destination); returns the ring index. */
static int
verify_enqueue(const struct dev_run *dr, enum kind k, int round, int i, uint32_t size,
	       uint64_t pattern, struct vop *v)
{
	rte_iova_t si = rte_malloc_virt2iova(vsrc[i]);
	rte_iova_t di = rte_malloc_virt2iova(vdst[i]);
	uint64_t flags = (round == 1 && i == VERIFY_OPS - 1) ? RTE_DMA_OP_FLAG_SUBMIT : 0;

	fill_random(vsrc[i], size);
	memset(vdst[i], POISON, size + GUARD);
	verify_segments(round, size, si, di, v);
	switch (k) {
	case K_COPY:
		return rte_dma_copy(dr->id, 0, si, di, size, flags);
	case K_FILL:
		return rte_dma_fill(dr->id, 0, pattern, di, size, flags);
	default:
		return rte_dma_copy_sg(dr->id, 0, v->s, v->d, (uint16_t)v->ns, (uint16_t)v->nd,
				       flags);
	}
}

/* Compares the destination of verification operation @i, and the GUARD bytes after
 * it, with what it must hold. */
static int
verify_check(enum kind k, int round, int i, uint32_t size, uint64_t pattern,
	     const struct vop *v, char *why, size_t why_len)
{
	const uint8_t *want = vexp;
	rte_iova_t si = rte_malloc_virt2iova(vsrc[i]);
	rte_iova_t di = rte_malloc_virt2iova(vdst[i]);

	memset(vexp, POISON, size + GUARD);
	if (k == K_COPY) {
		memcpy(vexp, vsrc[i], size);
	} else if (k == K_FILL) {
		fill_expect(vexp, size, pattern);
	} else {
		struct rte_dma_sge rs[SG_SEGS], rd[SG_SEGS];
		for (unsigned int j = 0; j < v->ns; j++)
			rs[j] = (struct rte_dma_sge){ v->s[j].addr - si, v->s[j].length };
		for (unsigned int j = 0; j < v->nd; j++)
			rd[j] = (struct rte_dma_sge){ v->d[j].addr - di, v->d[j].length };
		sg_expect(vsrc[i], vexp, vstream, rs, v->ns, rd, v->nd);
	}
	long off = first_diff(vdst[i], want, size + GUARD);
	if (off >= 0) {
		snprintf(why, why_len,
			 "verification round %d op %d: byte %ld%s is 0x%02x, expected 0x%02x",
			 round, i, off, off >= (long)size ? " (guard)" : "", vdst[i][off],
			 want[off]);
		return -1;
	}
	return 0;
}

/* One round of VERIFY_OPS operations: round 0 submitted with rte_dma_submit, round
 * 1 with the SUBMIT flag on its last operation. */
static int
verify_round(struct dev_run *dr, enum kind k, uint32_t size, int round, char *why,
	     size_t why_len)
{
	struct vop v[VERIFY_OPS];
	uint64_t pattern = FILL_PATTERN ^ (uint64_t)round * UINT64_C(0x0101010101010101);

	for (int i = 0; i < VERIFY_OPS; i++) {
		int idx = verify_enqueue(dr, k, round, i, size, pattern, &v[i]);
		if (idx != (int)(uint16_t)dr->enq) {
			snprintf(why, why_len, "verification op %d returned %d, expected "
				 "ring index %u", i, idx, (uint16_t)dr->enq);
			return -1;
		}
		dr->enq++;
	}
	int rc = round == 0 ? rte_dma_submit(dr->id, 0) : 0;
	if (rc != 0) {
		snprintf(why, why_len, "rte_dma_submit failed: %d", rc);
		return -1;
	}
	if (wait_completions(dr, VERIFY_OPS, why, why_len) != 0)
		return -1;
	for (int i = 0; i < VERIFY_OPS; i++)
		if (verify_check(k, round, i, size, pattern, &v[i], why, why_len) != 0)
			return -1;
	return 0;
}

/*
 * Two rounds of VERIFY_OPS operations of kind @k and size @size on separate
 * buffers: the first submitted with rte_dma_submit, the second with the SUBMIT flag
 * on its last operation (and, for sg, uneven segments: 4 sources, 3 destinations in
 * reverse order).  Each destination and the GUARD bytes after it are compared.
 */
static int
verify_case(int d, enum kind k, uint32_t size, char *why, size_t why_len)
{
	struct dev_run dr;
	int ret = -1;

	if (dev_start(&devs[d], 0, &dr, why, why_len) == 0 &&
	    verify_round(&dr, k, size, 0, why, why_len) == 0 &&
	    verify_round(&dr, k, size, 1, why, why_len) == 0)
		ret = 0;
	dev_stop(&devs[d]);
	return ret;
}

/* ---- the cases ---- */

/* Creates and configures the enabled devices. */
static int
devs_setup(void)
{
	for (int d = 0; d < D_NB; d++) {
		devs[d].name = dev_name[d];
		devs[d].enabled = opt.dev_mask & (1u << d);
		devs[d].id = -1;
	}
	for (int d = 0; d < D_NB; d++)
		if (devs[d].enabled && dev_setup(d) != 0)
			return -1;
	return 0;
}

static void
devs_close(void)
{
	int ret;

	for (int d = 0; d < D_NB; d++) {
		if (devs[d].id < 0)
			continue;
		dev_stop(&devs[d]);
		if (d == D_REF && (ret = rte_dma_close(devs[d].id)) != 0)
			fprintf(stderr, "%s: rte_dma_close failed: %d\n", dev_name[d], ret);
	}
}

/* The verification buffers, for the largest size. */
static int
verify_alloc(void)
{
	uint32_t max_size = max_size_option();

	for (int i = 0; i < VERIFY_OPS; i++) {
		vsrc[i] = rte_malloc("dma_perf_vsrc", max_size + GUARD, RTE_CACHE_LINE_SIZE);
		vdst[i] = rte_malloc("dma_perf_vdst", max_size + GUARD, RTE_CACHE_LINE_SIZE);
		if (vsrc[i] == NULL || vdst[i] == NULL)
			return -1;
	}
	vexp = malloc(max_size + GUARD);
	vstream = malloc(max_size + GUARD);
	return vexp == NULL || vstream == NULL ? -1 : 0;
}

static void
verify_free(void)
{
	for (int i = 0; i < VERIFY_OPS; i++) {
		rte_free(vsrc[i]);
		rte_free(vdst[i]);
	}
	free(vexp);
	free(vstream);
}

/* The --repeat rounds of a case: each device's timed run (its destinations checked
 * after it), then the memcpy reference. */
static void
case_rounds(struct case_result *c, const struct bufs *b)
{
	for (unsigned int rep = 0; rep < opt.repeat; rep++) {
		for (int d = 0; d < D_NB; d++) {
			struct dev_result *r = &c->dev[d];
			struct run_stats rs;
			if (!r->ran || !r->passed)
				continue;
			bufs_poison(b);
			if (device_run(&devs[d], 0, c->k, b, &rs, NULL, r->why,
				       sizeof(r->why)) != 0 ||
			    bufs_check(b, c->k, rs.since_start, vexp, vstream, r->why,
				       sizeof(r->why)) != 0) {
				r->passed = false;
				continue;
			}
			dev_result_add(r, &rs);
		}
		ref_add(&c->ref, c->k, b);
	}
}

/* One (operation, size) case on every enabled device. */
static int
case_run(struct case_result *c, enum kind k, uint32_t size)
{
	struct load_sample l0;
	struct bufs b;

	case_begin(&l0, &c->dist);
	c->k = k;
	c->size = size;
	if (bufs_alloc(&b, c->size) != 0)
		return -1;
	for (int d = 0; d < D_NB; d++) {
		struct dev_result *r = &c->dev[d];
		if (!devs[d].enabled)
			continue;
		r->ran = true;
		if (!dev_supports(d, c->k)) {
			snprintf(r->why, sizeof(r->why), "not supported by the device");
			continue;
		}
		r->passed = verify_case(d, c->k, c->size, r->why, sizeof(r->why)) == 0;
	}
	case_rounds(c, &b);
	bufs_free(&b);
	for (int d = 0; d < D_NB; d++)
		if (c->dev[d].ran)
			finish_dev(&c->dev[d]);
	ref_finish(&c->ref);
	case_end(&l0, &c->dist);
	return 0;
}

static void
tally(struct run_totals *t, bool ran, bool passed, bool disturbed)
{
	if (ran) {
		t->passed += passed;
		t->failed += !passed;
	}
	t->nb_disturbed += disturbed;
}

/* Every selected operation at every size, then the wake-up cases. */
static int
cases_run(struct case_result *cases, unsigned int *nb, struct wake_case *wcases,
	  unsigned int *nb_wake, struct run_totals *t)
{
	for (int k = 0; k < K_NB; k++) {
		if (!(opt.kind_mask & (1u << k)))
			continue;
		for (unsigned int s = 0; s < opt.nb_sizes; s++) {
			struct case_result *c = &cases[(*nb)++];
			if (case_run(c, (enum kind)k, opt.sizes[s]) != 0)
				return -1;
			for (int d = 0; d < D_NB; d++)
				tally(t, c->dev[d].ran, c->dev[d].passed, false);
			tally(t, false, false, c->dist.disturbed);
			print_progress(c);
		}
	}
	for (int w = 0; opt.wakeup && w < W_NB; w++) {
		struct wake_case *c = &wcases[(*nb_wake)++];
		wake_case_run(w, c);
		for (int d = 0; d < D_NB; d++)
			tally(t, c->dev[d].ran, c->dev[d].passed, false);
		tally(t, false, false, c->dist.disturbed);
		print_wake_progress(c);
	}
	return 0;
}

static void
local_banner(int main_cpu)
{
	char where[96];

	workers_where(where, sizeof(where));
	fprintf(out, "dma_perf: %s, timer %.3f GHz, ring %u, burst %u, %u run%s per case, "
		"%" PRIu64 " MiB per side, caller on CPU %d, workers on %s, core-to-core round "
		"trip %.0f ns\n",
		rte_version(), (double)hz / 1e9, opt.ring, opt.burst, opt.repeat,
		opt.repeat > 1 ? "s" : "", opt.mem >> 20, main_cpu, where, rtt_base);
	if (!probe_ok)
		fprintf(out, "  (no core-to-core probe: the workers may share the caller's CPU)\n");
	print_run_length();
}

/* The cases, their tables and the closing lines; returns the exit status. */
static int
local_cases(int main_cpu, double t_start)
{
	struct case_result *cases = calloc((size_t)K_NB * opt.nb_sizes, sizeof(*cases));
	struct wake_case *wcases = calloc(W_NB, sizeof(*wcases));
	struct run_totals t = { 0 };
	struct load_sample run0, run1;
	unsigned int nb = 0, nb_wake = 0;
	int ret = -1;

	if (cases == NULL || wcases == NULL)
		goto out;
	load_sample(&run0);
	local_banner(main_cpu);
	if (cases_run(cases, &nb, wcases, &nb_wake, &t) != 0)
		goto out;
	t.elapsed = mono_seconds() - t_start;
	load_sample(&run1);
	t.load = other_load(&run0, &run1, &t.steal);
	t.nb_cases = nb + nb_wake;
	if (nb > 0)
		print_table(cases, nb);
	print_wake_table(wcases, nb_wake);
	print_run_end(&t);
	if (opt.json)
		print_json(cases, nb, wcases, nb_wake, &t);
	fprintf(out, "%u passed, %u failed\n", t.passed, t.failed);
	fflush(out);
	ret = t.failed == 0 ? 0 : 1;
out:
	free(cases);
	free(wcases);
	return ret;
}

/* The local mode; returns the exit status. */
int
local_main(int main_cpu, double t_start)
{
	int status = 1;

	if (devs_setup() == 0) {
		if (verify_alloc() != 0 || wake_setup() != 0) {
			fprintf(stderr, "out of memory\n");
		} else {
			probe_setup(main_cpu);
			status = local_cases(main_cpu, t_start);
			if (status < 0) {
				fprintf(stderr, "out of memory\n");
				status = 1;
			}
		}
		verify_free();
		wake_free();
	}
	devs_close();
	return status;
}
