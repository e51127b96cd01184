/* SPDX-License-Identifier: BSD-3-Clause
 *
 * dma_perf - a DMA benchmark in the spirit of DPDK's dpdk-test-dma-perf.
 *
 * For copy, fill and scatter-gather copy ("sg": each buffer split into 4 source and
 * 4 destination segments, the destination segments in reverse order), and for each
 * buffer size, it measures on every device:
 *   - operations per second and GB/s (bytes moved / wall time, the drain included);
 *   - the caller's CPU cost per operation: timer cycles spent inside the rte_dma_*
 *     calls (enqueue + submit of each burst, and the rte_dma_completed calls that
 *     returned something; empty polls are waiting and are not counted) / ops;
 *   - completion latency, median and 99th percentile: from the return of the
 *     rte_dma_submit of a burst to the return of the rte_dma_completed call that
 *     hands back its last operation.  With a full ring this includes the queueing
 *     behind the operations already in flight (see --max-inflight);
 * and, on the same buffers in the same run, a plain memcpy (memset for fill, one
 * memcpy per segment for sg) reference.
 *
 * Devices: "dma_skeleton" (the library's software device, made with rte_vdev_init)
 * and "ref_skel" (bench/ref_skeleton.c, a C driver following the design of DPDK's
 * skeleton, registered through rte_dmadev_pmd.h): the baseline the library's
 * figures are judged against.  Each (operation, size, device) case is verified
 * byte by byte before it is timed, and its destination buffers are checked again
 * after every timed run; a case "passes" when every check succeeded.
 *
 * Usage: dma_perf [EAL options --] [options]; see --help.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "ref_skeleton.h"

/* ------------------------------------------------------------------------- */
/* Limits and constants                                                       */

#define MAX_SIZES      64
#define MAX_REPEAT     100
#define MAX_BURST      8192
#define SG_SEGS        4                   /* segments per side in the sg case */
#define CPL_BATCH      256                 /* nb_cpls of each rte_dma_completed */
#define LAT_CAP        65536               /* latency samples kept per run (reservoir) */
#define GUARD          64                  /* bytes after each verification buffer */
#define VERIFY_OPS     4                   /* operations per verification round */
#define POISON         0xA5
#define MEMSET_BYTE    0x5A                /* the memset reference's value */
#define FILL_PATTERN   UINT64_C(0x8877665544332211)
#define STALL_SECONDS  5                   /* no completion for this long: the device hangs */
#define WARMUP_BYTES   (16u << 20)         /* warm-up per run: about this much data ... */
#define MAX_SIZE       (256u << 20)

enum kind { K_COPY, K_FILL, K_SG, K_NB };
static const char *const kind_name[K_NB] = { "copy", "fill", "sg" };

enum { D_SKEL, D_REF, D_NB };
static const char *const dev_name[D_NB] = { "dma_skeleton", "ref_skel" };

/* ------------------------------------------------------------------------- */
/* Options                                                                    */

static struct {
	uint32_t sizes[MAX_SIZES];
	unsigned int nb_sizes;
	unsigned int ring;
	unsigned int burst;
	uint64_t ops;          /* per run; 0: time-bound */
	double seconds;        /* per device run */
	unsigned int repeat;
	unsigned int dev_mask;
	unsigned int kind_mask;
	int worker_lcore;      /* -1: nothing pinned */
	bool json;
	uint64_t mem;          /* working set per side, bytes */
	unsigned int max_inflight; /* 0: the ring's capacity */
} opt = {
	.sizes = { 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576 },
	.nb_sizes = 8,
	.ring = 1024,
	.burst = 32,
	.ops = 0,
	.seconds = 0.1,
	.repeat = 3,
	.dev_mask = (1u << D_NB) - 1,
	.kind_mask = (1u << K_NB) - 1,
	.worker_lcore = -1,
	.json = false,
	.mem = 4u << 20,
	.max_inflight = 0,
};

static cpu_set_t helper_cpus; /* where ref_skel's worker runs without --worker-lcore */
static double rtt_base = -1; /* best core-to-core probe so far, ns */
static bool probe_ok;         /* the probe's threads are on different CPUs */
static FILE *out; /* progress, table and closing line: stdout, or stderr with --json */
static uint64_t hz;

static void
usage(const char *prog)
{
	printf("Usage: %s [EAL options --] [options]\n"
	       "Benchmarks copy, fill and scatter-gather copy on dma_skeleton and on the\n"
	       "ref_skel baseline (DPDK's skeleton design), with a memcpy reference.\n\n"
	       "  --sizes=LIST        buffer sizes, e.g. 64,4K,1M (multiples of 4 from 16 to 256M;\n"
	       "                      default 64,256,1K,4K,16K,64K,256K,1M)\n"
	       "  --ring=N            descriptors per ring, a power of 2 (default 1024)\n"
	       "  --burst=N           operations per submit (default 32)\n"
	       "  --max-inflight=N    cap on operations in flight (default: the ring's capacity)\n"
	       "  --seconds=T         duration of each device run (default 0.1; memcpy runs T/2)\n"
	       "  --ops=N             operations per run instead of a duration\n"
	       "  --repeat=N          runs per case; the median and spread are reported (default 3)\n"
	       "  --device=NAME       only this device: dma_skeleton or ref_skel\n"
	       "  --tests=LIST        operations to run: copy,fill,sg (default all)\n"
	       "  --mem=MiB           working set per side (source, destination; default 4)\n"
	       "  --worker-lcore=N    pin the device workers to lcore N (dma_skeleton gets lcore=N);\n"
	       "                      by default the workers run on the CPUs other than the main\n"
	       "                      lcore's (the library's placement for dma_skeleton)\n"
	       "  --json              a JSON document on stdout (progress goes to stderr)\n"
	       "  --help              this text\n",
	       prog);
}

static int
parse_size(const char *s, uint32_t *val)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s)
		return -1;
	if (*end == 'k' || *end == 'K')
		v <<= 10, end++;
	else if (*end == 'm' || *end == 'M')
		v <<= 20, end++;
	if (*end != '\0' || v < 16 || v > MAX_SIZE || v % 4 != 0)
		return -1;
	*val = (uint32_t)v;
	return 0;
}

static int
parse_uint(const char *s, unsigned long long min, unsigned long long max,
	   unsigned long long *val)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*val = v;
	return 0;
}

static int
parse_options(int argc, char **argv)
{
	enum { O_SIZES = 256, O_RING, O_BURST, O_OPS, O_SECONDS, O_REPEAT, O_DEVICE,
	       O_TESTS, O_MEM, O_LCORE, O_JSON, O_INFLIGHT, O_HELP };
	static const struct option longopts[] = {
		{ "sizes", required_argument, NULL, O_SIZES },
		{ "ring", required_argument, NULL, O_RING },
		{ "burst", required_argument, NULL, O_BURST },
		{ "ops", required_argument, NULL, O_OPS },
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ "repeat", required_argument, NULL, O_REPEAT },
		{ "device", required_argument, NULL, O_DEVICE },
		{ "tests", required_argument, NULL, O_TESTS },
		{ "mem", required_argument, NULL, O_MEM },
		{ "worker-lcore", required_argument, NULL, O_LCORE },
		{ "max-inflight", required_argument, NULL, O_INFLIGHT },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	char *list, *tok, *save;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_SIZES:
			opt.nb_sizes = 0;
			list = strdup(optarg);
			for (tok = strtok_r(list, ",", &save); tok != NULL;
			     tok = strtok_r(NULL, ",", &save)) {
				if (opt.nb_sizes == MAX_SIZES ||
				    parse_size(tok, &opt.sizes[opt.nb_sizes]) != 0) {
					fprintf(stderr, "bad size '%s' (multiples of 4 from 16 to 256M, "
						"at most %d sizes)\n", tok, MAX_SIZES);
					free(list);
					return -1;
				}
				opt.nb_sizes++;
			}
			free(list);
			if (opt.nb_sizes == 0)
				return -1;
			break;
		case O_RING:
			if (parse_uint(optarg, 32, 8192, &v) != 0 || (v & (v - 1)) != 0) {
				fprintf(stderr, "--ring must be a power of 2 from 32 to 8192\n");
				return -1;
			}
			opt.ring = (unsigned int)v;
			break;
		case O_BURST:
			if (parse_uint(optarg, 1, MAX_BURST, &v) != 0) {
				fprintf(stderr, "--burst must be 1..%d\n", MAX_BURST);
				return -1;
			}
			opt.burst = (unsigned int)v;
			break;
		case O_INFLIGHT:
			if (parse_uint(optarg, 1, 65535, &v) != 0) {
				fprintf(stderr, "--max-inflight must be 1..65535\n");
				return -1;
			}
			opt.max_inflight = (unsigned int)v;
			break;
		case O_OPS:
			if (parse_uint(optarg, 1, UINT64_MAX / 2, &v) != 0) {
				fprintf(stderr, "--ops must be a positive number\n");
				return -1;
			}
			opt.ops = v;
			break;
		case O_SECONDS: {
			char *end;
			double d = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(d > 0 && d <= 3600)) {
				fprintf(stderr, "--seconds must be in (0, 3600]\n");
				return -1;
			}
			opt.seconds = d;
			break;
		}
		case O_REPEAT:
			if (parse_uint(optarg, 1, MAX_REPEAT, &v) != 0) {
				fprintf(stderr, "--repeat must be 1..%d\n", MAX_REPEAT);
				return -1;
			}
			opt.repeat = (unsigned int)v;
			break;
		case O_DEVICE:
			opt.dev_mask = 0;
			for (int d = 0; d < D_NB; d++)
				if (strcmp(optarg, dev_name[d]) == 0)
					opt.dev_mask = 1u << d;
			if (opt.dev_mask == 0) {
				fprintf(stderr, "--device must be dma_skeleton or ref_skel\n");
				return -1;
			}
			break;
		case O_TESTS:
			opt.kind_mask = 0;
			list = strdup(optarg);
			for (tok = strtok_r(list, ",", &save); tok != NULL;
			     tok = strtok_r(NULL, ",", &save)) {
				int k;
				for (k = 0; k < K_NB; k++)
					if (strcmp(tok, kind_name[k]) == 0)
						break;
				if (k == K_NB) {
					fprintf(stderr, "unknown test '%s' (copy, fill, sg)\n", tok);
					free(list);
					return -1;
				}
				opt.kind_mask |= 1u << k;
			}
			free(list);
			if (opt.kind_mask == 0)
				return -1;
			break;
		case O_MEM:
			if (parse_uint(optarg, 1, 4096, &v) != 0) {
				fprintf(stderr, "--mem must be 1..4096 (MiB)\n");
				return -1;
			}
			opt.mem = v << 20;
			break;
		case O_LCORE:
			if (parse_uint(optarg, 0, RTE_MAX_LCORE - 1, &v) != 0) {
				fprintf(stderr, "--worker-lcore must be 0..%d\n", RTE_MAX_LCORE - 1);
				return -1;
			}
			opt.worker_lcore = (int)v;
			break;
		case O_JSON:
			opt.json = true;
			break;
		case O_HELP:
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (opt.burst > opt.ring - 1) {
		fprintf(stderr, "--burst (%u) must be below --ring (%u)\n", opt.burst, opt.ring);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Small helpers                                                              */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static inline uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static void
fill_random(uint8_t *p, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t r = rng();
		memcpy(p + i, &r, 8);
	}
	for (; i < len; i++)
		p[i] = (uint8_t)rng();
}

static double
mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static double
median(const double *v, unsigned int n)
{
	double tmp[MAX_REPEAT];

	if (n == 0)
		return 0;
	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static double
spread(const double *v, unsigned int n)
{
	double lo = v[0], hi = v[0], m = median(v, n);

	for (unsigned int i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	return m > 0 ? (hi - lo) / m : 0;
}

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

static const char *
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

/*
 * Load from elsewhere: CPU time the whole machine spent (from /proc/stat, steal
 * included) minus this process's own (getrusage), over wall time, in CPUs.  On a
 * 2-CPU machine where dma_perf keeps both CPUs busy, anything well above 0 means
 * the figures were taken under competition.
 */
struct load_sample {
	bool ok;
	double machine_busy, steal, self, wall; /* seconds */
};

static void
load_sample(struct load_sample *ls)
{
	unsigned long long v[8] = { 0 };
	long tck = sysconf(_SC_CLK_TCK);
	struct rusage ru;
	FILE *f = fopen("/proc/stat", "r");

	ls->ok = false;
	ls->wall = mono_seconds();
	if (f == NULL)
		return;
	/* cpu user nice system idle iowait irq softirq steal */
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7]) == 8 &&
	    tck > 0 && getrusage(RUSAGE_SELF, &ru) == 0) {
		ls->machine_busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)tck;
		ls->steal = (double)v[7] / (double)tck;
		ls->self = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
			   (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
		ls->ok = true;
	}
	fclose(f);
}

/* Other load between two samples, in CPUs (negative: unknown). */
static double
other_load(const struct load_sample *a, const struct load_sample *b, double *steal)
{
	double wall = b->wall - a->wall;

	*steal = -1;
	if (!a->ok || !b->ok || wall <= 0)
		return -1;
	*steal = (b->steal - a->steal) / wall;
	double other = ((b->machine_busy - a->machine_busy) - (b->self - a->self)) / wall;
	return other > 0 ? other : 0;
}

#define LOAD_WARN 0.05 /* CPUs of other load above which a case is flagged */

/*
 * Core-to-core probe: the round-trip time of a cache line bounced between the
 * caller's thread and a thread placed where the device workers run.  Every device
 * figure here rests on that hand-off; on a virtual machine the host can slow it
 * down (a busy sibling hyperthread, vCPU preemption) without the guest seeing any
 * load.  Measured at the start and before and after every case; a case whose
 * probe is slow at both ends (well above the best value seen so far) is flagged.
 */
#define PROBE_ROUNDS 20000
#define PROBE_WARN   1.5 /* flag a case when its probe exceeds this x the best value */

static struct {
	alignas(RTE_CACHE_LINE_SIZE) _Atomic uint64_t flag;
	char pad[RTE_CACHE_LINE_SIZE - sizeof(uint64_t)];
} probe_line;

static void *
probe_peer(void *arg)
{
	(void)arg;
	for (uint64_t i = 1; i <= PROBE_ROUNDS; i++) {
		while (atomic_load_explicit(&probe_line.flag, memory_order_acquire) != 2 * i - 1)
			;
		atomic_store_explicit(&probe_line.flag, 2 * i, memory_order_release);
	}
	return NULL;
}

/* Round trip in ns, or -1 if the peer thread cannot be started. */
static double
probe_rtt(const cpu_set_t *cpus)
{
	pthread_attr_t attr;
	pthread_t th;
	uint64_t t0, t1;
	int ret;

	if (!probe_ok)
		return -1;
	atomic_store(&probe_line.flag, 0);
	pthread_attr_init(&attr);
	if (cpus != NULL && CPU_COUNT(cpus) > 0)
		pthread_attr_setaffinity_np(&attr, sizeof(*cpus), cpus);
	ret = pthread_create(&th, &attr, probe_peer, NULL);
	pthread_attr_destroy(&attr);
	if (ret != 0)
		return -1;
	t0 = rte_get_timer_cycles();
	for (uint64_t i = 1; i <= PROBE_ROUNDS; i++) {
		atomic_store_explicit(&probe_line.flag, 2 * i - 1, memory_order_release);
		while (atomic_load_explicit(&probe_line.flag, memory_order_acquire) != 2 * i)
			;
	}
	t1 = rte_get_timer_cycles();
	pthread_join(th, NULL);
	return (double)(t1 - t0) * 1e9 / (double)hz / PROBE_ROUNDS;
}

/* ------------------------------------------------------------------------- */
/* Operation layouts shared by the devices, the reference and the checks      */

/* The sg case: SG_SEGS equal source segments in order; destination segment i is
 * the (SG_SEGS-1-i)-th quarter of the destination buffer. */
static void
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

/* First differing byte of two buffers, or -1. */
static long
first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
	if (memcmp(a, b, len) == 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return (long)i;
	return -1;
}

/* ------------------------------------------------------------------------- */
/* Devices                                                                    */

struct bdev {
	bool enabled;
	int16_t id;
	bool started;
	uint64_t capa;
	uint16_t max_sges;
};
static struct bdev devs[D_NB];

static int
dev_setup(int d)
{
	struct rte_dma_info info;
	struct rte_dma_conf conf = { .nb_vchans = 1 };
	struct rte_dma_vchan_conf vconf = { .direction = RTE_DMA_DIR_MEM_TO_MEM,
					    .nb_desc = (uint16_t)opt.ring };
	int id, ret;

	if (d == D_SKEL) {
		char args[32] = "";

		id = rte_dma_get_dev_id_by_name(dev_name[d]); /* made by --vdev? */
		if (id < 0) {
			if (opt.worker_lcore >= 0)
				snprintf(args, sizeof(args), "lcore=%d", opt.worker_lcore);
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

/* Per start of a device: positions since the start (ring indexes restart at 0). */
struct dev_run {
	int16_t id;
	uint16_t limit;  /* most operations in flight */
	uint64_t enq;    /* operations enqueued since the start */
	uint64_t cpl;    /* operations completed since the start */
	uint32_t cursor; /* next buffer */
};

static int
dev_start(int d, struct dev_run *dr, char *why, size_t why_len)
{
	int ret = rte_dma_start(devs[d].id);
	uint16_t cap;

	if (ret != 0) {
		snprintf(why, why_len, "rte_dma_start failed: %d", ret);
		return -1;
	}
	devs[d].started = true;
	ret = rte_dma_stats_reset(devs[d].id, 0);
	if (ret != 0) {
		snprintf(why, why_len, "rte_dma_stats_reset failed: %d", ret);
		return -1;
	}
	cap = rte_dma_burst_capacity(devs[d].id, 0);
	if (cap != opt.ring - 1) {
		snprintf(why, why_len,
			 "rte_dma_burst_capacity is %u on an idle ring of %u (expected %u)",
			 cap, opt.ring, opt.ring - 1);
		return -1;
	}
	memset(dr, 0, sizeof(*dr));
	dr->id = devs[d].id;
	dr->limit = cap;
	if (opt.max_inflight != 0 && opt.max_inflight < cap)
		dr->limit = (uint16_t)opt.max_inflight;
	return 0;
}

static void
dev_stop(int d)
{
	if (devs[d].started) {
		int ret = rte_dma_stop(devs[d].id);
		if (ret != 0)
			fprintf(stderr, "%s: rte_dma_stop failed: %d\n", dev_name[d], ret);
		devs[d].started = false;
	}
}

/* ------------------------------------------------------------------------- */
/* Buffers                                                                    */

struct bufs {
	uint8_t *src, *dst;
	rte_iova_t src_iova, dst_iova;
	uint32_t size, stride, nr;
};

static int
bufs_alloc(struct bufs *b, uint32_t size)
{
	b->size = size;
	b->stride = (size + RTE_CACHE_LINE_SIZE - 1) & ~(uint32_t)(RTE_CACHE_LINE_SIZE - 1);
	b->nr = (uint32_t)(opt.mem / b->stride);
	if (b->nr == 0)
		b->nr = 1;
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

/* ------------------------------------------------------------------------- */
/* Verification before timing                                                 */

static uint8_t *vsrc[VERIFY_OPS], *vdst[VERIFY_OPS], *vexp, *vstream;

/* Waits until the device has completed @n more operations; checks the ring
 * index and the error flag. */
static int
wait_completions(struct dev_run *dr, uint64_t n, char *why, size_t why_len)
{
	uint64_t target = dr->cpl + n, t0 = rte_get_timer_cycles();

	while (dr->cpl < target) {
		uint16_t last = 0;
		bool err = false;
		uint16_t got = rte_dma_completed(dr->id, 0, (uint16_t)(target - dr->cpl), &last,
						 &err);
		if (err) {
			snprintf(why, why_len, "rte_dma_completed reported an error");
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

	if (dev_start(d, &dr, why, why_len) != 0)
		goto out;
	for (int round = 0; round < 2; round++) {
		struct rte_dma_sge s[VERIFY_OPS][SG_SEGS], dd[VERIFY_OPS][SG_SEGS];
		unsigned int ns = SG_SEGS, nd = SG_SEGS;
		uint64_t pattern = FILL_PATTERN ^ (uint64_t)round * UINT64_C(0x0101010101010101);

		for (int i = 0; i < VERIFY_OPS; i++) {
			rte_iova_t si = rte_malloc_virt2iova(vsrc[i]);
			rte_iova_t di = rte_malloc_virt2iova(vdst[i]);
			uint64_t flags = (round == 1 && i == VERIFY_OPS - 1) ?
						 RTE_DMA_OP_FLAG_SUBMIT : 0;
			int idx;

			fill_random(vsrc[i], size);
			memset(vdst[i], POISON, size + GUARD);
			if (round == 0) {
				sg_layout(si, di, size, s[i], dd[i]);
			} else {
				uint32_t cut_s[SG_SEGS + 1] = { 0, size / 8, size / 2, size * 3 / 4,
								size };
				uint32_t cut_d[4] = { 0, size / 3, size * 2 / 3, size };
				nd = 3;
				for (unsigned int j = 0; j < ns; j++) {
					s[i][j].addr = si + cut_s[j];
					s[i][j].length = cut_s[j + 1] - cut_s[j];
				}
				for (unsigned int j = 0; j < nd; j++) { /* reverse order */
					dd[i][j].addr = di + cut_d[nd - 1 - j];
					dd[i][j].length = cut_d[nd - j] - cut_d[nd - 1 - j];
				}
			}
			switch (k) {
			case K_COPY:
				idx = rte_dma_copy(dr.id, 0, si, di, size, flags);
				break;
			case K_FILL:
				idx = rte_dma_fill(dr.id, 0, pattern, di, size, flags);
				break;
			default:
				idx = rte_dma_copy_sg(dr.id, 0, s[i], dd[i], (uint16_t)ns,
						      (uint16_t)nd, flags);
				break;
			}
			if (idx != (int)(uint16_t)dr.enq) {
				snprintf(why, why_len, "verification op %d returned %d, expected "
					 "ring index %u", i, idx, (uint16_t)dr.enq);
				goto out;
			}
			dr.enq++;
		}
		if (round == 0 && (ret = rte_dma_submit(dr.id, 0)) != 0) {
			snprintf(why, why_len, "rte_dma_submit failed: %d", ret);
			ret = -1;
			goto out;
		}
		if (wait_completions(&dr, VERIFY_OPS, why, why_len) != 0)
			goto out;
		for (int i = 0; i < VERIFY_OPS; i++) {
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
				for (unsigned int j = 0; j < ns; j++)
					rs[j] = (struct rte_dma_sge){ s[i][j].addr - si, s[i][j].length };
				for (unsigned int j = 0; j < nd; j++)
					rd[j] = (struct rte_dma_sge){ dd[i][j].addr - di, dd[i][j].length };
				sg_expect(vsrc[i], vexp, vstream, rs, ns, rd, nd);
			}
			long off = first_diff(vdst[i], want, size + GUARD);
			if (off >= 0) {
				snprintf(why, why_len,
					 "verification round %d op %d: byte %ld%s is 0x%02x, expected 0x%02x",
					 round, i, off, off >= (long)size ? " (guard)" : "",
					 vdst[i][off], want[off]);
				goto out;
			}
		}
	}
	ret = 0;
out:
	dev_stop(d);
	return ret;
}

/* ------------------------------------------------------------------------- */
/* The timed loop                                                             */

struct run_stats {
	uint64_t ops;
	uint64_t since_start; /* operations since the device started, warm-up included */
	double secs;
	double mops, gbps, call_ns, p50_ns, p99_ns;
	uint64_t bursts, empty_polls, enospc;
};

static rte_iova_t b_src[MAX_BURST], b_dst[MAX_BURST];
static struct rte_dma_sge b_sgs[MAX_BURST][SG_SEGS], b_sgd[MAX_BURST][SG_SEGS];
static struct { uint64_t end; uint64_t ts; } fifo[65536]; /* bursts in flight */
static uint64_t lat[LAT_CAP];

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
	const uint32_t size = b->size;
	const int16_t id = dr->id;
	uint64_t t0 = rte_get_timer_cycles();
	const uint64_t deadline = dur_cycles ? t0 + dur_cycles : UINT64_MAX;
	uint64_t now = t0, last_progress = t0, call_cycles = 0, nlat = 0;
	uint32_t fhead = 0, ftail = 0; /* fifo positions */
	const uint32_t fmask = RTE_DIM(fifo) - 1;
	bool stop = false;

	memset(rs, 0, sizeof(*rs));
	for (;;) {
		if (!stop && (dr->enq >= end || now >= deadline))
			stop = true;
		uint64_t inflight = dr->enq - dr->cpl;
		uint64_t n = end - dr->enq < opt.burst ? end - dr->enq : opt.burst;

		if (n > dr->limit)
			n = dr->limit;

		if (!stop && inflight + n <= dr->limit) {
			/* Arguments first, outside the timed part. */
			uint32_t c = dr->cursor;
			for (uint64_t i = 0; i < n; i++) {
				rte_iova_t so = b->src_iova + (uint64_t)c * b->stride;
				rte_iova_t dO = b->dst_iova + (uint64_t)c * b->stride;
				if (k == K_SG)
					sg_layout(so, dO, size, b_sgs[i], b_sgd[i]);
				b_src[i] = so;
				b_dst[i] = dO;
				c = c + 1 == b->nr ? 0 : c + 1;
			}

			uint64_t i = 0, ta, tb;
			int rc = 0;
			ta = rte_get_timer_cycles();
			switch (k) {
			case K_COPY:
				for (; i < n; i++) {
					rc = rte_dma_copy(id, 0, b_src[i], b_dst[i], size, 0);
					if (rc != (int)(uint16_t)(dr->enq + i))
						break;
				}
				break;
			case K_FILL:
				for (; i < n; i++) {
					rc = rte_dma_fill(id, 0, FILL_PATTERN, b_dst[i], size, 0);
					if (rc != (int)(uint16_t)(dr->enq + i))
						break;
				}
				break;
			default:
				for (; i < n; i++) {
					rc = rte_dma_copy_sg(id, 0, b_sgs[i], b_sgd[i], SG_SEGS,
							     SG_SEGS, 0);
					if (rc != (int)(uint16_t)(dr->enq + i))
						break;
				}
				break;
			}
			if (i > 0)
				rte_dma_submit(id, 0);
			tb = rte_get_timer_cycles();
			call_cycles += tb - ta;
			now = tb;
			if (i < n) {
				if (rc == -ENOSPC) {
					rs->enospc++;
				} else {
					snprintf(why, why_len, "%s returned %d, expected ring index %u",
						 k == K_COPY ? "rte_dma_copy" :
						 k == K_FILL ? "rte_dma_fill" : "rte_dma_copy_sg",
						 rc, (uint16_t)(dr->enq + i));
					return -1;
				}
			}
			if (i > 0) {
				dr->enq += i;
				dr->cursor = (uint32_t)((dr->cursor + i) % b->nr);
				fifo[ftail & fmask].end = dr->enq;
				fifo[ftail & fmask].ts = tb;
				ftail++;
				rs->bursts++;
			}
		}

		if (dr->cpl == dr->enq) {
			if (stop)
				break;
			continue;
		}

		uint16_t last = 0;
		bool err = false;
		uint64_t tc = rte_get_timer_cycles();
		uint16_t got = rte_dma_completed(id, 0, CPL_BATCH, &last, &err);
		uint64_t td = rte_get_timer_cycles();
		now = td;
		if (err) {
			snprintf(why, why_len, "rte_dma_completed reported an error");
			return -1;
		}
		if (got == 0) {
			rs->empty_polls++;
			if (td - last_progress > STALL_SECONDS * hz) {
				snprintf(why, why_len, "no completion for %d s with %" PRIu64
					 " operations in flight", STALL_SECONDS, dr->enq - dr->cpl);
				return -1;
			}
			continue;
		}
		call_cycles += td - tc;
		last_progress = td;
		if (got > dr->enq - dr->cpl) {
			snprintf(why, why_len, "rte_dma_completed returned %u with %" PRIu64
				 " in flight", got, dr->enq - dr->cpl);
			return -1;
		}
		dr->cpl += got;
		if (last != (uint16_t)(dr->cpl - 1)) {
			snprintf(why, why_len, "last_idx %u after %" PRIu64 " completions, "
				 "expected %u", last, dr->cpl, (uint16_t)(dr->cpl - 1));
			return -1;
		}
		while (fhead != ftail && fifo[fhead & fmask].end <= dr->cpl) {
			uint64_t l = td - fifo[fhead & fmask].ts;
			if (nlat < LAT_CAP) {
				lat[nlat] = l;
			} else {
				uint64_t j = rng() % (nlat + 1);
				if (j < LAT_CAP)
					lat[j] = l;
			}
			nlat++;
			fhead++;
		}
	}

	rs->ops = dr->enq - start;
	rs->secs = (double)(now - t0) / (double)hz;
	if (rs->ops == 0 || rs->secs <= 0) {
		snprintf(why, why_len, "no operation ran");
		return -1;
	}
	rs->mops = (double)rs->ops / rs->secs / 1e6;
	rs->gbps = (double)rs->ops * size / rs->secs / 1e9;
	rs->call_ns = (double)call_cycles * 1e9 / (double)hz / (double)rs->ops;
	uint64_t nl = nlat < LAT_CAP ? nlat : LAT_CAP;
	qsort(lat, nl, sizeof(lat[0]), cmp_u64);
	if (nl > 0) {
		uint64_t i99 = (nl * 99 + 99) / 100; /* nearest rank: ceil(0.99 n) */
		rs->p50_ns = (double)lat[(nl - 1) / 2] * 1e9 / (double)hz;
		rs->p99_ns = (double)lat[(i99 > 0 ? i99 : 1) - 1] * 1e9 / (double)hz;
	}
	return 0;
}

/* One timed run on a freshly started device: warm-up, measured run, drained-state
 * and statistics checks. */
static int
device_run(int d, enum kind k, const struct bufs *b, struct run_stats *rs, char *why,
	   size_t why_len)
{
	struct dev_run dr;
	struct run_stats warm;
	struct rte_dma_stats st;
	uint64_t warm_ops = WARMUP_BYTES / b->size;
	int ret = -1;

	if (dev_start(d, &dr, why, why_len) != 0)
		goto out;
	if (warm_ops > 2u * dr.limit)
		warm_ops = 2u * dr.limit;
	if (warm_ops < opt.burst)
		warm_ops = opt.burst;
	if (run_loop(&dr, k, b, warm_ops, 0, &warm, why, why_len) != 0)
		goto out;
	if (run_loop(&dr, k, b, opt.ops, opt.ops ? 0 : (uint64_t)(opt.seconds * (double)hz),
		     rs, why, why_len) != 0)
		goto out;
	if (rte_dma_burst_capacity(dr.id, 0) != opt.ring - 1) {
		snprintf(why, why_len, "rte_dma_burst_capacity is %u after a drained run "
			 "(expected %u)", rte_dma_burst_capacity(dr.id, 0), opt.ring - 1);
		goto out;
	}
	if (rte_dma_stats_get(dr.id, 0, &st) != 0) {
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
	dev_stop(d);
	return ret;
}

/* The memcpy / memset reference over the same buffers in the same order. */
static double
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

/* ------------------------------------------------------------------------- */
/* Results                                                                    */

struct dev_result {
	bool ran;          /* the device was asked to run this case */
	bool passed;       /* every check succeeded */
	char why[320];
	unsigned int n;    /* timed runs completed */
	double mops[MAX_REPEAT], gbps[MAX_REPEAT], call_ns[MAX_REPEAT];
	double p50[MAX_REPEAT], p99[MAX_REPEAT];
	uint64_t ops[MAX_REPEAT];
	uint64_t enospc, empty_polls, bursts;
	/* medians */
	double m_mops, m_gbps, m_call, m_p50, m_p99, sprd;
};

struct case_result {
	enum kind k;
	uint32_t size;
	double other_load, steal; /* CPUs, during the case; < 0: unknown */
	double rtt_ns;            /* core-to-core probe, the better of before/after */
	bool disturbed;           /* other load or a slow probe: figures not representative */
	struct dev_result dev[D_NB];
	unsigned int nref;
	double ref_gbps[MAX_REPEAT];
	double m_ref, ref_sprd;
};

static void
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

static void
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
	fprintf(out, " memcpy %.2f GB/s", c->m_ref);
	if (c->other_load > LOAD_WARN)
		fprintf(out, " | DISTURBED: other load %.2f CPUs", c->other_load);
	if (rtt_base > 0 && c->rtt_ns > PROBE_WARN * rtt_base)
		fprintf(out, " | DISTURBED: core-to-core round trip %.0f ns (best %.0f ns)",
			c->rtt_ns, rtt_base);
	bool sk_ok = sk->ran && sk->passed && sk->n > 0;
	bool rf_ok = rf->ran && rf->passed && rf->n > 0;
	if (sk_ok && c->m_ref > 0)
		fprintf(out, " | ratio vs memcpy %.2f", sk->m_gbps / c->m_ref);
	else if (rf_ok && c->m_ref > 0)
		fprintf(out, " | ref_skel vs memcpy %.2f", rf->m_gbps / c->m_ref);
	if (sk_ok && rf_ok && rf->m_mops > 0)
		fprintf(out, ", vs ref_skel %.2fx", sk->m_mops / rf->m_mops);
	fputc('\n', out);
	for (int d = 0; d < D_NB; d++)
		if (c->dev[d].ran && !c->dev[d].passed)
			fprintf(out, "  FAIL [%s %u B] %s: %s\n", kind_name[c->k], c->size,
				dev_name[d], c->dev[d].why);
	fflush(out);
}

static void
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
					c->m_ref, "-", "-", "FAIL");
				continue;
			}
			char vs_ref[16] = "-";
			if (d == D_SKEL && rf->ran && rf->passed && rf->n > 0 && rf->m_mops > 0)
				snprintf(vs_ref, sizeof(vs_ref), "%.2fx", r->m_mops / rf->m_mops);
			fprintf(out, "%-5s %5s %-13s %10.1f %7.2f %5.1f%% %9.1f %10.1f %10.1f %7.2f "
				"%6.2f %7s %s\n",
				kind_name[c->k], sz, dev_name[d], r->m_mops * 1e3, r->m_gbps,
				r->sprd * 100, r->m_call, r->m_p50 / 1e3, r->m_p99 / 1e3, c->m_ref,
				c->m_ref > 0 ? r->m_gbps / c->m_ref : 0, vs_ref,
				r->passed ? (c->disturbed ? "ok (disturbed)" : "ok") : "FAIL");
		}
	}
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
print_json(const struct case_result *cases, unsigned int nb, unsigned int passed,
	   unsigned int failed, double elapsed, double load, double steal)
{
	FILE *f = stdout;

	fprintf(f, "{\n  \"version\": ");
	json_string(f, rte_version());
	fprintf(f, ",\n  \"config\": {\"ring\": %u, \"burst\": %u, \"max_inflight\": %u, "
		"\"seconds\": %.6g, \"ops\": %" PRIu64 ", \"repeat\": %u, \"mem_per_side\": %" PRIu64
		", \"sg_segments\": %d, \"worker_lcore\": %d, \"timer_hz\": %" PRIu64
		", \"core_rtt_ns_best\": %.4g},\n",
		opt.ring, opt.burst, opt.max_inflight, opt.ops ? 0 : opt.seconds, opt.ops,
		opt.repeat, opt.mem, SG_SEGS, opt.worker_lcore, hz, rtt_base);
	fprintf(f, "  \"cases\": [\n");
	bool first = true;
	for (unsigned int i = 0; i < nb; i++) {
		const struct case_result *c = &cases[i];
		for (int d = 0; d < D_NB; d++) {
			const struct dev_result *r = &c->dev[d];
			const struct dev_result *rf = &c->dev[D_REF];
			if (!r->ran)
				continue;
			fprintf(f, "%s    {\"op\": \"%s\", \"size\": %u, \"device\": \"%s\", "
				"\"passed\": %s, ",
				first ? "" : ",\n", kind_name[c->k], c->size, dev_name[d],
				r->passed ? "true" : "false");
			first = false;
			if (!r->passed) {
				fprintf(f, "\"error\": ");
				json_string(f, r->why);
				fprintf(f, ", ");
			}
			fprintf(f, "\"disturbed\": %s, \"other_load_cpus\": %.3g, \"steal_cpus\": %.3g, "
				"\"core_rtt_ns\": %.4g, ", c->disturbed ? "true" : "false",
				c->other_load, c->steal, c->rtt_ns);
			fprintf(f, "\"runs\": %u, \"mops\": %.6g, \"gbps\": %.6g, \"spread\": %.4g, "
				"\"caller_ns_per_op\": %.6g, \"lat_p50_ns\": %.6g, \"lat_p99_ns\": %.6g, "
				"\"memcpy_gbps\": %.6g, \"memcpy_spread\": %.4g, \"ratio_vs_memcpy\": ",
				r->n, r->m_mops, r->m_gbps, r->sprd, r->m_call, r->m_p50, r->m_p99,
				c->m_ref, c->ref_sprd);
			if (r->n > 0 && c->m_ref > 0)
				fprintf(f, "%.4g", r->m_gbps / c->m_ref);
			else
				fprintf(f, "null");
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
			json_array(f, c->ref_gbps, c->nref);
			fprintf(f, "}}");
		}
	}
	fprintf(f, "\n  ],\n  \"passed\": %u,\n  \"failed\": %u,\n  \"elapsed_s\": %.3f,\n"
		"  \"other_load_cpus\": %.3g,\n  \"steal_cpus\": %.3g\n}\n",
		passed, failed, elapsed, load, steal);
}

/* ------------------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	double t_start = mono_seconds();
	cpu_set_t saved_affinity;
	bool have_affinity;
	int main_cpu;
	int eal_argc = 1, ret, status = 1;
	char **app_argv = argv;
	int app_argc = argc;

	out = stdout;
	/* "EAL options -- options", as DPDK applications take them. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			eal_argc = i;
			app_argv = argv + i; /* "--" plays argv[0] for getopt */
			app_argc = argc - i;
			break;
		}
	}
	if (parse_options(app_argc, app_argv) != 0) {
		usage(argv[0]);
		return 2;
	}
	if (opt.json)
		out = stderr;

	have_affinity = sched_getaffinity(0, sizeof(saved_affinity), &saved_affinity) == 0;
	{
		char *eal_argv[64];
		int n = eal_argc < 63 ? eal_argc : 63;
		for (int i = 0; i < n; i++)
			eal_argv[i] = argv[i];
		eal_argv[n] = NULL;
		if (rte_eal_init(n, eal_argv) < 0) {
			fprintf(stderr, "rte_eal_init failed\n");
			return 1;
		}
	}
	/*
	 * Thread placement: dma_perf pins nothing itself.  rte_eal_init pins the main
	 * thread to the main lcore's CPU (as DPDK does), and the library runs
	 * dma_skeleton's worker (no lcore=) on the process's other CPUs.  ref_skel's
	 * worker gets the same CPUs, so both devices are measured with the same
	 * placement: on 2 CPUs, caller on one, worker on the other.
	 */
	main_cpu = rte_lcore_to_cpu_id((int)rte_get_main_lcore());
	CPU_ZERO(&helper_cpus);
	if (have_affinity) {
		helper_cpus = saved_affinity;
		if (main_cpu >= 0 && main_cpu < CPU_SETSIZE && CPU_COUNT(&helper_cpus) > 1)
			CPU_CLR(main_cpu, &helper_cpus);
	}
	hz = rte_get_timer_hz();

	for (int d = 0; d < D_NB; d++) {
		devs[d].enabled = opt.dev_mask & (1u << d);
		devs[d].id = -1;
		if (devs[d].enabled && dev_setup(d) != 0)
			goto cleanup_eal;
	}

	uint32_t max_size = 0;
	for (unsigned int i = 0; i < opt.nb_sizes; i++)
		max_size = opt.sizes[i] > max_size ? opt.sizes[i] : max_size;
	for (int i = 0; i < VERIFY_OPS; i++) {
		vsrc[i] = rte_malloc("dma_perf_vsrc", max_size + GUARD, RTE_CACHE_LINE_SIZE);
		vdst[i] = rte_malloc("dma_perf_vdst", max_size + GUARD, RTE_CACHE_LINE_SIZE);
		if (vsrc[i] == NULL || vdst[i] == NULL)
			goto nomem;
	}
	vexp = malloc(max_size + GUARD);
	vstream = malloc(max_size + GUARD);
	if (vexp == NULL || vstream == NULL)
		goto nomem;

	cpu_set_t probe_cpus;
	CPU_ZERO(&probe_cpus);
	if (opt.worker_lcore >= 0 && rte_lcore_to_cpu_id(opt.worker_lcore) >= 0)
		CPU_SET(rte_lcore_to_cpu_id(opt.worker_lcore), &probe_cpus);
	else
		probe_cpus = helper_cpus;
	/* Only between two different CPUs: on one CPU the ping-pong would crawl. */
	probe_ok = CPU_COUNT(&probe_cpus) > 0 && main_cpu >= 0 && main_cpu < CPU_SETSIZE &&
		   !CPU_ISSET(main_cpu, &probe_cpus);
	for (int i = 0; i < 5; i++) { /* the best of 5: the machine's undisturbed value */
		double r = probe_rtt(&probe_cpus);
		if (r > 0 && (rtt_base < 0 || r < rtt_base))
			rtt_base = r;
	}

	unsigned int nb_cases = 0, passed = 0, failed = 0, nb_disturbed = 0;
	struct load_sample run0, run1;
	double run_load, run_steal;

	load_sample(&run0);
	struct case_result *cases = calloc((size_t)K_NB * opt.nb_sizes, sizeof(*cases));
	if (cases == NULL)
		goto nomem;

	char where[96] = "";
	if (opt.worker_lcore >= 0) {
		snprintf(where, sizeof(where), "lcore %d (CPU %d)", opt.worker_lcore,
			 rte_lcore_to_cpu_id(opt.worker_lcore));
	} else {
		size_t len = 0;
		for (int cpu = 0; cpu < CPU_SETSIZE && len < sizeof(where) - 8; cpu++)
			if (CPU_ISSET(cpu, &helper_cpus))
				len += (size_t)snprintf(where + len, sizeof(where) - len, "%s%d",
							len ? "," : "CPUs ", cpu);
	}
	fprintf(out, "dma_perf: %s, timer %.3f GHz, ring %u, burst %u, %u run%s per case, "
		"%" PRIu64 " MiB per side, caller on CPU %d, workers on %s, core-to-core round "
		"trip %.0f ns\n",
		rte_version(), (double)hz / 1e9, opt.ring, opt.burst, opt.repeat,
		opt.repeat > 1 ? "s" : "", opt.mem >> 20, main_cpu, where, rtt_base);
	if (!probe_ok)
		fprintf(out, "  (no core-to-core probe: the workers may share the caller's CPU)\n");
	if (opt.ops)
		fprintf(out, "  %" PRIu64 " operations per run\n", opt.ops);
	else
		fprintf(out, "  %.3g s per device run, %.3g s per memcpy run\n", opt.seconds,
			opt.seconds / 2);
	fflush(out);

	for (int k = 0; k < K_NB; k++) {
		if (!(opt.kind_mask & (1u << k)))
			continue;
		for (unsigned int s = 0; s < opt.nb_sizes; s++) {
			struct case_result *c = &cases[nb_cases++];
			struct load_sample l0, l1;
			struct bufs b;

			load_sample(&l0);
			c->rtt_ns = probe_rtt(&probe_cpus);
			c->k = (enum kind)k;
			c->size = opt.sizes[s];
			if (bufs_alloc(&b, c->size) != 0)
				goto nomem;
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
			for (unsigned int rep = 0; rep < opt.repeat; rep++) {
				for (int d = 0; d < D_NB; d++) {
					struct dev_result *r = &c->dev[d];
					struct run_stats rs;
					if (!r->ran || !r->passed)
						continue;
					bufs_poison(&b);
					if (device_run(d, c->k, &b, &rs, r->why, sizeof(r->why)) != 0 ||
					    bufs_check(&b, c->k, rs.since_start, vexp, vstream, r->why,
						       sizeof(r->why)) != 0) {
						r->passed = false;
						continue;
					}
					r->mops[r->n] = rs.mops;
					r->gbps[r->n] = rs.gbps;
					r->call_ns[r->n] = rs.call_ns;
					r->p50[r->n] = rs.p50_ns;
					r->p99[r->n] = rs.p99_ns;
					r->ops[r->n] = rs.ops;
					r->n++;
					r->enospc += rs.enospc;
					r->empty_polls += rs.empty_polls;
					r->bursts += rs.bursts;
				}
				bufs_poison(&b);
				c->ref_gbps[c->nref++] = reference_run(c->k, &b);
			}
			bufs_free(&b);
			for (int d = 0; d < D_NB; d++) {
				if (!c->dev[d].ran)
					continue;
				finish_dev(&c->dev[d]);
				if (c->dev[d].passed)
					passed++;
				else
					failed++;
			}
			c->m_ref = median(c->ref_gbps, c->nref);
			c->ref_sprd = spread(c->ref_gbps, c->nref);
			double rtt_after = probe_rtt(&probe_cpus);
			if (rtt_after > 0 && (c->rtt_ns <= 0 || rtt_after < c->rtt_ns))
				c->rtt_ns = rtt_after; /* slow at both ends: not a passing spike */
			if (c->rtt_ns > 0 && c->rtt_ns < rtt_base)
				rtt_base = c->rtt_ns;
			load_sample(&l1);
			c->other_load = other_load(&l0, &l1, &c->steal);
			c->disturbed = c->other_load > LOAD_WARN ||
				       (rtt_base > 0 && c->rtt_ns > PROBE_WARN * rtt_base);
			nb_disturbed += c->disturbed;
			print_progress(c);
		}
	}

	double elapsed = mono_seconds() - t_start;
	load_sample(&run1);
	run_load = other_load(&run0, &run1, &run_steal);
	print_table(cases, nb_cases);
	fprintf(out, "\ntotal run time %.1f s", elapsed);
	if (run_load >= 0)
		fprintf(out, "; other processes used %.2f CPUs on average (steal %.2f)", run_load,
			run_steal);
	fputc('\n', out);
	if (nb_disturbed > 0)
		fprintf(out, "WARNING: %u of %u cases ran while other processes used more than "
			"%.2f CPUs or the core-to-core round trip was above %.1fx its best value "
			"(marked DISTURBED above); their figures are not representative\n",
			nb_disturbed, nb_cases, LOAD_WARN, PROBE_WARN);
	if (opt.json)
		print_json(cases, nb_cases, passed, failed, elapsed, run_load, run_steal);
	fprintf(out, "%u passed, %u failed\n", passed, failed);
	fflush(out);
	status = failed == 0 ? 0 : 1;
	free(cases);
	goto cleanup;

nomem:
	fprintf(stderr, "out of memory\n");
cleanup:
	for (int i = 0; i < VERIFY_OPS; i++) {
		rte_free(vsrc[i]);
		rte_free(vdst[i]);
	}
	free(vexp);
	free(vstream);
cleanup_eal:
	for (int d = 0; d < D_NB; d++) {
		if (devs[d].id < 0)
			continue;
		dev_stop(d);
		if (d == D_REF && (ret = rte_dma_close(devs[d].id)) != 0)
			fprintf(stderr, "%s: rte_dma_close failed: %d\n", dev_name[d], ret);
	}
	rte_eal_cleanup(); /* removes dma_skeleton */
	return status;
}
