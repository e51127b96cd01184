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
 * "wakeup" (in the default run): the latency of a single 64 B copy, from the
 * rte_dma_submit call to the rte_dma_completed that returns it, submitted while the
 * device's worker busy-polls and after 2 ms idle (when it sleeps and the submit has
 * to wake it); median and 99th percentile over ~200 samples per device.
 *
 * --interprocess (instead of the above): dma_perf starts a peer process and measures
 * copies between the two on dma_interdomain, peer->local and local->peer, for the
 * peer's rte_malloc memory (mapped as a window) and its plain mmap memory (cross-
 * memory attach), beside copies on a local vchan and memcpy, and checks the targets
 * of the inter-process issue.  See "Inter-process mode" below.
 *
 * Usage: dma_perf [EAL options --] [options]; see --help.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
#define WAKE_SIZE      64                  /* wakeup: bytes per copy */
#define WAKE_IDLE_US   2000                /* wakeup: idle time before an "asleep" submit */
#define WAKE_SAMPLES   200                 /* wakeup: samples per device and state */

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
	bool wakeup;           /* the worker wake-up latency test */
	bool interprocess;     /* --interprocess: only the inter-process mode */
	bool local_mmap;       /* --local-mmap: the parent's buffers from mmap, not rte_malloc */
	int peer_in, peer_out; /* hidden --peer=IN,OUT,PPID: the inter-process peer */
	pid_t peer_parent;
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
	.wakeup = true,
	.interprocess = false,
	.local_mmap = false,
	.peer_in = -1,
	.peer_out = -1,
	.peer_parent = 0,
};

static cpu_set_t helper_cpus; /* where ref_skel's worker runs without --worker-lcore */
static cpu_set_t probe_cpus;  /* where the core-to-core probe's peer thread runs */
static double rtt_base = -1; /* best core-to-core probe so far, ns */
static bool probe_ok;         /* the probe's threads are on different CPUs */
static FILE *out; /* progress, table and closing line: stdout, or stderr with --json */
static uint64_t hz;

static void
usage(const char *prog)
{
	printf("Usage: %s [EAL options --] [options]\n"
	       "Benchmarks copy, fill and scatter-gather copy on dma_skeleton and on the\n"
	       "ref_skel baseline (DPDK's skeleton design), with a memcpy reference, and the\n"
	       "latency of a single copy while the device worker polls and after it slept.\n"
	       "With --interprocess: copies between this process and a peer process on\n"
	       "dma_interdomain instead.\n\n"
	       "  --sizes=LIST        buffer sizes, e.g. 64,4K,1M (multiples of 4 from 16 to 256M;\n"
	       "                      default 64,256,1K,4K,16K,64K,256K,1M)\n"
	       "  --ring=N            descriptors per ring, a power of 2 (default 1024)\n"
	       "  --burst=N           operations per submit (default 32)\n"
	       "  --max-inflight=N    cap on operations in flight (default: the ring's capacity)\n"
	       "  --seconds=T         duration of each device run (default 0.1; memcpy runs T/2)\n"
	       "  --ops=N             operations per run instead of a duration\n"
	       "  --repeat=N          runs per case; the median and spread are reported (default 3)\n"
	       "  --device=NAME       only this device: dma_skeleton or ref_skel\n"
	       "  --tests=LIST        tests to run: copy,fill,sg,wakeup (default all); wakeup is\n"
	       "                      the latency of one %d B copy submitted while the worker\n"
	       "                      busy-polls and after %d ms idle (it sleeps)\n"
	       "  --mem=MiB           working set per side (source, destination; default 4)\n"
	       "  --worker-lcore=N    pin the device workers to lcore N (dma_skeleton gets lcore=N);\n"
	       "                      by default the workers run on the CPUs other than the main\n"
	       "                      lcore's (the library's placement for dma_skeleton)\n"
	       "  --interprocess      only the inter-process mode: starts a peer process; copies\n"
	       "                      peer->local and local->peer on dma_interdomain, for the\n"
	       "                      peer's rte_malloc memory (mapped window) and its plain\n"
	       "                      mmap memory (cross-memory attach), against copies on a\n"
	       "                      local vchan and memcpy; checks the targets at the end\n"
	       "  --local-mmap        with --interprocess: this process's buffers come from mmap\n"
	       "                      instead of rte_malloc (outside the heap, so the device\n"
	       "                      moves them by cross-memory attach on itself: checked)\n"
	       "  --json              a JSON document on stdout (progress goes to stderr)\n"
	       "  --help              this text\n",
	       prog, WAKE_SIZE, WAKE_IDLE_US / 1000);
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
	       O_TESTS, O_MEM, O_LCORE, O_JSON, O_INFLIGHT, O_HELP, O_IP, O_PEER,
	       O_LOCAL_MMAP };
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
		{ "interprocess", no_argument, NULL, O_IP },
		{ "local-mmap", no_argument, NULL, O_LOCAL_MMAP },
		{ "peer", required_argument, NULL, O_PEER }, /* internal */
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
			opt.wakeup = false;
			list = strdup(optarg);
			for (tok = strtok_r(list, ",", &save); tok != NULL;
			     tok = strtok_r(NULL, ",", &save)) {
				int k;
				if (strcmp(tok, "wakeup") == 0) {
					opt.wakeup = true;
					continue;
				}
				for (k = 0; k < K_NB; k++)
					if (strcmp(tok, kind_name[k]) == 0)
						break;
				if (k == K_NB) {
					fprintf(stderr, "unknown test '%s' (copy, fill, sg, wakeup)\n",
						tok);
					free(list);
					return -1;
				}
				opt.kind_mask |= 1u << k;
			}
			free(list);
			if (opt.kind_mask == 0 && !opt.wakeup)
				return -1;
			break;
		case O_IP:
			opt.interprocess = true;
			break;
		case O_LOCAL_MMAP:
			opt.local_mmap = true;
			break;
		case O_PEER: {
			int ppid;
			if (sscanf(optarg, "%d,%d,%d", &opt.peer_in, &opt.peer_out, &ppid) != 3 ||
			    opt.peer_in < 0 || opt.peer_out < 0) {
				fprintf(stderr, "bad --peer\n");
				return -1;
			}
			opt.peer_parent = (pid_t)ppid;
			break;
		}
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

/* The id of this process's thread whose name starts with @prefix, or -1. */
static pid_t
find_thread(const char *prefix)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *e;
	pid_t found = -1;

	if (dir == NULL)
		return -1;
	while (found < 0 && (e = readdir(dir)) != NULL) {
		char path[300], comm[32];
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(comm, sizeof(comm), f) != NULL &&
		    strncmp(comm, prefix, strlen(prefix)) == 0)
			found = (pid_t)atoi(e->d_name);
		fclose(f);
	}
	closedir(dir);
	return found;
}

/* State letter and user/system CPU time (clock ticks) of a process (@tid <= 0) or of
 * thread @tid of this process, from /proc/.../stat. */
static int
proc_stat(pid_t pid, pid_t tid, char *state, uint64_t *ut, uint64_t *st)
{
	char path[64], buf[1024], c = '?';
	uint64_t u = 0, s = 0;
	ssize_t n;
	int fd;

	if (tid > 0)
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *p = strrchr(buf, ')'); /* the command may hold spaces and parentheses */
	if (p == NULL || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %" SCNu64
				" %" SCNu64, &c, &u, &s) != 3)
		return -1;
	if (state != NULL)
		*state = c;
	if (ut != NULL)
		*ut = u;
	if (st != NULL)
		*st = s;
	return 0;
}

static int
thread_cpu_ticks(pid_t tid, uint64_t *ut, uint64_t *st)
{
	return proc_stat(0, tid, NULL, ut, st);
}

/* CPU time another process has used, in seconds (-1: unknown). */
static double
proc_cpu_seconds(pid_t pid)
{
	uint64_t u, s;
	long tck = sysconf(_SC_CLK_TCK);

	if (pid <= 0 || tck <= 0 || proc_stat(pid, 0, NULL, &u, &s) != 0)
		return -1;
	return (double)(u + s) / (double)tck;
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
	double peer; /* CPU time of the --interprocess peer (part of the benchmark), or -1 */
};

static volatile pid_t peer_pid = -1; /* the --interprocess peer while it lives */

static void
load_sample(struct load_sample *ls)
{
	unsigned long long v[8] = { 0 };
	long tck = sysconf(_SC_CLK_TCK);
	struct rusage ru;
	FILE *f = fopen("/proc/stat", "r");

	ls->ok = false;
	ls->wall = mono_seconds();
	ls->peer = proc_cpu_seconds(peer_pid);
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
	double mine = b->self - a->self;

	if (a->peer >= 0 && b->peer >= a->peer)
		mine += b->peer - a->peer;
	double other = ((b->machine_busy - a->machine_busy) - mine) / wall;
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

/* Where the probe runs (where the workers run) and its best value of 5. */
static void
probe_setup(int main_cpu)
{
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
}

/* Closes a case begun with load_sample(@l0) and a probe (*@rtt_ns): probes again
 * (keeping the better value: slow at both ends is not a passing spike), measures
 * the other load; returns whether the case was disturbed. */
static bool
case_end(const struct load_sample *l0, double *rtt_ns, double *other, double *steal)
{
	struct load_sample l1;
	double rtt_after = probe_rtt(&probe_cpus);

	if (rtt_after > 0 && (*rtt_ns <= 0 || rtt_after < *rtt_ns))
		*rtt_ns = rtt_after;
	if (*rtt_ns > 0 && *rtt_ns < rtt_base)
		rtt_base = *rtt_ns;
	load_sample(&l1);
	*other = other_load(l0, &l1, steal);
	return *other > LOAD_WARN || (rtt_base > 0 && *rtt_ns > PROBE_WARN * rtt_base);
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
	const char *name;
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
	uint16_t vchan;
	uint16_t limit;  /* most operations in flight */
	uint64_t enq;    /* operations enqueued since the start */
	uint64_t cpl;    /* operations completed since the start */
	uint32_t cursor; /* next buffer */
};

/* Starts @bd; the run uses its vchan @vchan. */
static int
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

static void
dev_stop(struct bdev *bd)
{
	if (bd->started) {
		int ret = rte_dma_stop(bd->id);
		if (ret != 0)
			fprintf(stderr, "%s: rte_dma_stop failed: %d\n", bd->name, ret);
		bd->started = false;
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

/* After rte_dma_completed reported an error: which operation failed, and how. */
static void
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
static int
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

	if (dev_start(&devs[d], 0, &dr, why, why_len) != 0)
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
		int rc = round == 0 ? rte_dma_submit(dr.id, 0) : 0;
		if (rc != 0) { /* not in ret: a later failure must not return 0 */
			snprintf(why, why_len, "rte_dma_submit failed: %d", rc);
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
	dev_stop(&devs[d]);
	return ret;
}

/* ------------------------------------------------------------------------- */
/* The timed loop                                                             */

struct run_stats {
	uint64_t ops;
	uint64_t since_start; /* operations since the device started, warm-up included */
	double secs;
	double mops, gbps, call_ns, p50_ns, p99_ns;
	double worker_sys; /* see device_run */
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
	const uint16_t vc = dr->vchan;
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
					rc = rte_dma_copy(id, vc, b_src[i], b_dst[i], size, 0);
					if (rc != (int)(uint16_t)(dr->enq + i))
						break;
				}
				break;
			case K_FILL:
				for (; i < n; i++) {
					rc = rte_dma_fill(id, vc, FILL_PATTERN, b_dst[i], size, 0);
					if (rc != (int)(uint16_t)(dr->enq + i))
						break;
				}
				break;
			default:
				for (; i < n; i++) {
					rc = rte_dma_copy_sg(id, vc, b_sgs[i], b_sgd[i], SG_SEGS,
							     SG_SEGS, 0);
					if (rc != (int)(uint16_t)(dr->enq + i))
						break;
				}
				break;
			}
			if (i > 0)
				rte_dma_submit(id, vc);
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
		uint16_t got = rte_dma_completed(id, vc, CPL_BATCH, &last, &err);
		uint64_t td = rte_get_timer_cycles();
		now = td;
		if (err) {
			describe_error(id, vc, why, why_len);
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

/* One timed run on a freshly started device, on its vchan @vchan: warm-up, measured
 * run, drained-state and statistics checks.  With @worker (the name prefix of the
 * device's worker thread), rs->worker_sys is the share of the worker's CPU time spent
 * in the kernel during the measured run (-1: unknown). */
static int
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
/* Worker wake-up latency                                                     */

/*
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
enum { W_BUSY, W_ASLEEP, W_NB };
static const char *const wake_name[W_NB] = { "wake-busy", "wake-asleep" };
static const char *const wake_desc[W_NB] = { "worker busy-polling", "worker asleep" };
static const char *const worker_prefix[D_NB] = { "dma-skel", "ref-skel" };
#define WAKE_WARMUP 16 /* unmeasured copies after each start */
#define WAKE_MAX    (WAKE_SAMPLES + MAX_REPEAT)

struct wake_result {
	bool ran, passed;
	char why[320];
	unsigned int n;          /* runs completed */
	double p50[MAX_REPEAT];  /* each run's median, ns */
	uint64_t lat[WAKE_MAX];  /* cycles, all runs */
	uint64_t call[WAKE_MAX]; /* cycles inside rte_dma_submit */
	unsigned int nsamp;
	unsigned int asleep, looked; /* worker found sleeping before the submit / looked at */
	double m_p50, m_p99, m_call, sprd;
};

struct wake_case {
	int state;
	double other_load, steal, rtt_ns;
	bool disturbed;
	struct wake_result dev[D_NB];
};

static uint8_t *wsrc, *wdst, wexp[WAKE_SIZE + GUARD];

static void
sleep_us(unsigned int us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
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

static int
wake_run(int d, int state, unsigned int n, struct wake_result *r, char *why, size_t why_len)
{
	const rte_iova_t si = rte_malloc_virt2iova(wsrc), di = rte_malloc_virt2iova(wdst);
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
		uint64_t stamp = rng(), ta, tb, tc;
		int idx, rc;

		if (state == W_ASLEEP && measured) {
			char st;
			sleep_us(WAKE_IDLE_US);
			if (tid < 0) /* a new thread may name itself after the start returned */
				tid = find_thread(worker_prefix[d]);
			if (tid > 0 && proc_stat(0, tid, &st, NULL, NULL) == 0) {
				r->looked++;
				r->asleep += st == 'S';
			}
		}
		memcpy(wsrc, &stamp, sizeof(stamp)); /* every copy carries new data */
		memcpy(wexp, wsrc, WAKE_SIZE);
		memset(wexp + WAKE_SIZE, POISON, GUARD);
		memset(wdst, POISON, WAKE_SIZE + GUARD);
		idx = rte_dma_copy(dr.id, 0, si, di, WAKE_SIZE, 0);
		if (idx != (int)(uint16_t)dr.enq) {
			snprintf(why, why_len, "rte_dma_copy returned %d, expected ring index %u",
				 idx, (uint16_t)dr.enq);
			goto out;
		}
		dr.enq++;
		ta = rte_get_timer_cycles();
		rc = rte_dma_submit(dr.id, 0);
		tb = rte_get_timer_cycles();
		if (rc != 0) {
			snprintf(why, why_len, "rte_dma_submit failed: %d", rc);
			goto out;
		}
		for (;;) {
			uint16_t last = 0;
			bool err = false;
			uint16_t got = rte_dma_completed(dr.id, 0, 1, &last, &err);

			tc = rte_get_timer_cycles();
			if (err) {
				describe_error(dr.id, 0, why, why_len);
				goto out;
			}
			if (got == 1 && last == (uint16_t)idx)
				break;
			if (got != 0) {
				snprintf(why, why_len, "rte_dma_completed returned %u, last_idx %u; "
					 "expected 1, %d", got, last, idx);
				goto out;
			}
			if (tc - ta > STALL_SECONDS * hz) {
				snprintf(why, why_len, "a %d B copy did not complete within %d s",
					 WAKE_SIZE, STALL_SECONDS);
				goto out;
			}
		}
		dr.cpl++;
		long off = first_diff(wdst, wexp, WAKE_SIZE + GUARD);
		if (off >= 0) {
			snprintf(why, why_len, "copy %" PRIu64 ": byte %ld%s is 0x%02x, expected "
				 "0x%02x", i,
				 off, off >= WAKE_SIZE ? " (guard)" : "", wdst[off], wexp[off]);
			goto out;
		}
		if (measured) {
			if (r->nsamp < WAKE_MAX) {
				r->lat[r->nsamp] = tc - ta;
				r->call[r->nsamp] = tb - ta;
				r->nsamp++;
			}
			run_lat[nrun++] = (double)(tc - ta) * 1e9 / (double)hz;
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
	unsigned int i99 = (n * 99 + 99) / 100; /* nearest rank */
	r->m_p50 = (double)tmp[(n - 1) / 2] * 1e9 / (double)hz;
	r->m_p99 = (double)tmp[i99 - 1] * 1e9 / (double)hz;
	memcpy(tmp, r->call, n * sizeof(tmp[0]));
	qsort(tmp, n, sizeof(tmp[0]), cmp_u64);
	r->m_call = (double)tmp[(n - 1) / 2] * 1e9 / (double)hz;
	r->sprd = r->n > 0 ? spread(r->p50, r->n) : 0;
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
print_disturbance(double other_load, double rtt_ns)
{
	if (other_load > LOAD_WARN)
		fprintf(out, " | DISTURBED: other load %.2f CPUs", other_load);
	if (rtt_base > 0 && rtt_ns > PROBE_WARN * rtt_base)
		fprintf(out, " | DISTURBED: core-to-core round trip %.0f ns (best %.0f ns)",
			rtt_ns, rtt_base);
}

/*
 * The software engine's targets (issue: "Software DMA engine"), judged on the copy
 * cases of this run: 64 B..1 KiB at least 2x the 17 Mops/s DPDK's skeleton reaches at
 * best, with a run-to-run spread under 20% (the ratio to ref_skel, its design measured
 * here, is shown beside); 4 KiB at least 0.7x memcpy and 64 KiB and up at least 0.9x; the caller's time
 * per copy under 20 ns. A MISS says by how much.
 */
#define DPDK_SKELETON_BEST_MOPS 17.0

static void
print_engine_targets(const struct case_result *cases, unsigned int nb)
{
	unsigned int pass = 0, miss = 0;

	fprintf(out, "\ntargets (copy, dma_skeleton):\n");
	for (unsigned int i = 0; i < nb; i++) {
		const struct case_result *c = &cases[i];
		const struct dev_result *d = &c->dev[D_SKEL];
		const struct dev_result *r = &c->dev[D_REF];
		char sz[16];
		bool ok;

		if (c->k != K_COPY || !d->ran || !d->passed || d->n == 0)
			continue;
		fmt_size(sz, sizeof(sz), c->size);
		if (c->size <= 1024) {
			double need = 2 * DPDK_SKELETON_BEST_MOPS;
			ok = d->m_mops >= need && d->sprd < 0.20;
			fprintf(out, "  %s %5s  %.1f Mops/s (need %.0f = 2x DPDK's best), spread %.0f%% "
				"(need < 20%%); %.2fx ref_skel%s\n", ok ? "PASS" : "MISS", sz,
				d->m_mops, need, d->sprd * 100, r->n ? d->m_mops / r->m_mops : 0.0,
				c->disturbed ? " [disturbed]" : "");
		} else if (c->size == 4096 || c->size >= 65536) {
			double need = c->size == 4096 ? 0.7 : 0.9;
			double ratio = c->m_ref > 0 ? d->m_gbps / c->m_ref : 0;

			ok = ratio >= need;
			fprintf(out, "  %s %5s  %.2fx memcpy (need %.1fx)%s\n", ok ? "PASS" : "MISS", sz,
				ratio, need, c->disturbed ? " [disturbed]" : "");
		} else {
			continue;
		}
		pass += ok;
		miss += !ok;
		if (c->size == 64) {
			bool cheap = d->m_call < 20.0;

			fprintf(out, "  %s %5s  caller %.1f ns per copy (need < 20 ns)\n",
				cheap ? "PASS" : "MISS", sz, d->m_call);
			pass += cheap;
			miss += !cheap;
		}
	}
	fprintf(out, "targets: %u PASS, %u MISS\n", pass, miss);
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
	print_disturbance(c->other_load, c->rtt_ns);
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
	print_disturbance(c->other_load, c->rtt_ns);
	fputc('\n', out);
	for (int d = 0; d < D_NB; d++)
		if (c->dev[d].ran && !c->dev[d].passed)
			fprintf(out, "  FAIL [wakeup %s] %s: %s\n", wake_desc[c->state], dev_name[d],
				c->dev[d].why);
	fflush(out);
}

static void
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
				c->disturbed ? "ok (disturbed)" : "ok");
		}
	}
}

static void
json_wake(FILE *f, const struct wake_case *cases, unsigned int nb)
{
	bool first = true;

	fprintf(f, "  \"wakeup\": [\n");
	for (unsigned int i = 0; i < nb; i++) {
		const struct wake_case *c = &cases[i];
		for (int d = 0; d < D_NB; d++) {
			const struct wake_result *r = &c->dev[d];
			if (!r->ran)
				continue;
			fprintf(f, "%s    {\"state\": \"%s\", \"size\": %d, \"idle_before_us\": %d, "
				"\"device\": \"%s\", \"passed\": %s, ",
				first ? "" : ",\n", c->state == W_BUSY ? "busy" : "asleep", WAKE_SIZE,
				c->state == W_BUSY ? 0 : WAKE_IDLE_US, dev_name[d],
				r->passed ? "true" : "false");
			first = false;
			if (!r->passed) {
				fprintf(f, "\"error\": ");
				json_string(f, r->why);
				fprintf(f, ", ");
			}
			fprintf(f, "\"disturbed\": %s, \"other_load_cpus\": %.3g, \"steal_cpus\": %.3g, "
				"\"core_rtt_ns\": %.4g, \"runs\": %u, \"samples\": %u, "
				"\"lat_p50_ns\": %.6g, \"lat_p99_ns\": %.6g, \"submit_ns\": %.6g, "
				"\"spread\": %.4g, ",
				c->disturbed ? "true" : "false", c->other_load, c->steal, c->rtt_ns,
				r->n, r->nsamp, r->m_p50, r->m_p99, r->m_call, r->sprd);
			if (c->state == W_ASLEEP)
				fprintf(f, "\"worker_asleep_before\": %u, \"worker_looked_at\": %u, ",
					r->asleep, r->looked);
			fprintf(f, "\"reps\": {\"lat_p50_ns\": ");
			json_array(f, r->p50, r->n);
			fprintf(f, "}}");
		}
	}
	fprintf(f, "\n  ],\n");
}

static void
print_json(const struct case_result *cases, unsigned int nb, const struct wake_case *wcases,
	   unsigned int nb_wake, unsigned int passed, unsigned int failed, double elapsed,
	   double load, double steal)
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
	fprintf(f, "\n  ],\n");
	json_wake(f, wcases, nb_wake);
	fprintf(f, "  \"passed\": %u,\n  \"failed\": %u,\n  \"elapsed_s\": %.3f,\n"
		"  \"other_load_cpus\": %.3g,\n  \"steal_cpus\": %.3g\n}\n",
		passed, failed, elapsed, load, steal);
}

/* ------------------------------------------------------------------------- */
/* Inter-process mode (--interprocess)                                        */

/*
 * dma_perf starts its peer itself: /proc/self/exe again with the hidden option
 * --peer=IN,OUT,PPID (two pipe ends and its parent's pid).  Both run in a private
 * rendezvous directory ($DMADEV_RUNTIME_DIR=/tmp/dma_perf-<pid>, removed at the end).
 *
 *   parent: creates a dma_interdomain device and an access pair group, starts the
 *           peer and sends it (HELLO) the group id, token, its domain UUID, the
 *           area size and a seed;
 *   peer:   rte_eal_init, its own dma_interdomain device, joins the group, then
 *           allocates four areas: a source and a destination in its rte_malloc heap
 *           (which the library maps into its peers as a "window": copies are plain
 *           memcpy) and a source and a destination from mmap (outside the heap:
 *           cross-memory attach, process_vm_readv/writev); fills the sources with a
 *           known pattern, poisons the destinations, answers with its domain UUID,
 *           pid and the four addresses, and then serves FILL / POISON / CHECK
 *           commands until EXIT.
 *
 * The parent's device has three vchans: peer->local (src handler = the peer,
 * dst = itself), local->peer, and a local one (domain type NONE).  For each size it
 * measures, as the other cases do (warm-up, timed run, drain, stats), copies on the
 * local vchan, both directions for both kinds of peer memory, and a memcpy over the
 * same local buffers.  Data is checked before timing (two rounds of VERIFY_OPS
 * copies with guard bytes) and after every timed run (every buffer written); the
 * peer checks what was written into its memory and reports over the pipe.  Every
 * wait is bounded; the peer is killed and reaped on every way out, and dies with
 * its parent (PR_SET_PDEATHSIG) or when its command pipe closes.
 */
#define IP_DEV          "dma_interdomain"
#define IP_WORKER       "dma-idom"       /* its worker thread's name */
#define IP_REPLY_MS     20000            /* a peer's answer (plus time for big areas) */
#define IP_EXIT_MS      5000             /* the peer's exit once told */
#define IP_TARGET_CMA   0.7              /* the issue's targets */
#define IP_TARGET_CMA_FROM 65536
#define IP_TARGET_WIN   0.5
#define IP_TARGET_WIN_SIZE 4096

enum { R_WIN_SRC, R_WIN_DST, R_CMA_SRC, R_CMA_DST, R_NB }; /* the peer's areas */
static const char *const region_name[R_NB] = { "rte_malloc source", "rte_malloc destination",
					       "mmap source", "mmap destination" };

enum { V_IN, V_OUT, V_LOCAL, V_NB }; /* the parent's vchans */

enum { P_LOCAL, P_WIN_IN, P_WIN_OUT, P_CMA_IN, P_CMA_OUT, P_NB }; /* what is measured */
static const struct {
	const char *name, *memory, *direction;
	uint16_t vchan;
	int region; /* the peer's area; -1: none */
} path[P_NB] = {
	{ "local", "local", "local->local", V_LOCAL, -1 },
	{ "win peer->local", "window", "peer->local", V_IN, R_WIN_SRC },
	{ "win local->peer", "window", "local->peer", V_OUT, R_WIN_DST },
	{ "cma peer->local", "cma", "peer->local", V_IN, R_CMA_SRC },
	{ "cma local->peer", "cma", "local->peer", V_OUT, R_CMA_DST },
};

enum { C_HELLO = 1, C_POISON, C_CHECK, C_EXIT };

/* Commands and replies on the pipes (same binary on both ends: same layout). */
struct ipc_msg {
	uint32_t op;
	int32_t status;     /* reply: 0 ok, 1 data mismatch, < 0 -errno */
	uint32_t region;
	int16_t group_id;
	uint16_t pad;
	uint64_t len;       /* POISON: bytes; CHECK: bytes per buffer; HELLO: area size */
	uint64_t stride;    /* CHECK: distance between buffers */
	uint64_t count;     /* CHECK: buffers */
	uint64_t seed;      /* CHECK: pattern of the buffers; HELLO: of the peer's sources */
	uint64_t idle_ms;   /* HELLO: the peer gives up after this long without a command */
	uint8_t token[16];
	uint8_t domain[16]; /* HELLO: the parent's; its reply: the peer's */
	uint64_t addr[R_NB];
	int64_t diff_off;   /* CHECK reply: offset of the first wrong byte in the area */
	uint8_t got, want;
	int32_t pid;
	char text[200];     /* reply: what went wrong */
};

static inline uint64_t
splitmix(uint64_t x)
{
	x += UINT64_C(0x9E3779B97F4A7C15);
	x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
	return x ^ (x >> 31);
}

/* The pattern of @seed at area offsets [off, off + len): every byte depends on its
 * offset, so a copy to or from the wrong place is caught. */
static void
pattern_fill(uint8_t *p, uint64_t off, size_t len, uint64_t seed)
{
	size_t i = 0;

	while (i < len) {
		uint64_t o = off + i, w = splitmix(seed ^ (o >> 3));
		size_t b = o & 7, n = 8 - b;

		if (n > len - i)
			n = len - i;
		memcpy(p + i, (const uint8_t *)&w + b, n);
		i += n;
	}
}

static uint64_t
peer_seed(uint64_t seed, int region)
{
	return splitmix(seed + (uint64_t)region + 1);
}

/* Checks @count buffers of @len bytes, @stride apart from offset 0 of an area: each
 * holds the pattern of @seed (at its own offsets), and the rest of each stride is
 * POISON.  Returns -1, or the offset of the first wrong byte (*got, *want). */
static long
area_check(const uint8_t *base, uint64_t count, uint64_t stride, uint64_t len, uint64_t seed,
	   uint8_t *got, uint8_t *want)
{
	uint8_t tmp[4096];

	for (uint64_t i = 0; i < count; i++) {
		const uint64_t at = i * stride;
		for (uint64_t o = 0; o < len; o += sizeof(tmp)) {
			size_t n = len - o < sizeof(tmp) ? (size_t)(len - o) : sizeof(tmp);
			pattern_fill(tmp, at + o, n, seed);
			long k = first_diff(base + at + o, tmp, n);
			if (k >= 0) {
				*got = base[at + o + (uint64_t)k];
				*want = tmp[k];
				return (long)(at + o + (uint64_t)k);
			}
		}
		for (uint64_t k = len; k < stride; k++)
			if (base[at + k] != POISON) {
				*got = base[at + k];
				*want = POISON;
				return (long)(at + k);
			}
	}
	return -1;
}

static uint64_t
now_ms(void)
{
	return (uint64_t)(mono_seconds() * 1e3);
}

/* Reads one message, waiting at most @timeout_ms: 0, -ETIMEDOUT, -EPIPE (the other
 * end closed) or -errno. */
static int
msg_read(int fd, struct ipc_msg *m, uint64_t timeout_ms)
{
	const uint64_t deadline = now_ms() + timeout_ms;
	size_t got = 0;

	while (got < sizeof(*m)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = now_ms();
		ssize_t n;

		if (now >= deadline)
			return -ETIMEDOUT;
		int left = deadline - now > 1000 ? 1000 : (int)(deadline - now);
		int r = poll(&p, 1, left);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		n = read(fd, (char *)m + got, sizeof(*m) - got);
		if (n == 0)
			return -EPIPE;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

static int
msg_write(int fd, const struct ipc_msg *m)
{
	size_t done = 0;

	while (done < sizeof(*m)) { /* one write: below PIPE_BUF, so atomic */
		ssize_t n = write(fd, (const char *)m + done, sizeof(*m) - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

static void
random_bytes(uint8_t *p, size_t len)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, p, len) : -1;

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)len) { /* unique enough without /dev/urandom */
		uint64_t x = splitmix((uint64_t)getpid() << 32 ^ (uint64_t)(mono_seconds() * 1e9));
		for (size_t i = 0; i < len; i++, x = splitmix(x))
			p[i] = (uint8_t)x;
	}
}

/* ---- the peer ------------------------------------------------------------ */

static int
peer_main(const char *prog)
{
	struct ipc_msg m, r;
	uint8_t *area[R_NB] = { NULL };
	bool mapped[R_NB] = { false };
	uint64_t len = 0;
	int16_t dev = -1, gid = -1;
	bool joined = false;
	int in = opt.peer_in, outfd = opt.peer_out, status = 1, ret;
	char *eal_argv[] = { (char *)(uintptr_t)prog, NULL };

	prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the benchmark */
	if (getppid() != opt.peer_parent)
		return 1; /* it died before the line above */
	if (rte_eal_init(1, eal_argv) < 0) {
		fprintf(stderr, "dma_perf peer: rte_eal_init failed\n");
		return 1;
	}
	memset(&r, 0, sizeof(r));
	r.op = C_HELLO;
	r.status = -EPROTO;
	ret = msg_read(in, &m, IP_REPLY_MS);
	if (ret != 0 || m.op != C_HELLO) {
		fprintf(stderr, "dma_perf peer: no HELLO from the benchmark (%d)\n", ret);
		goto out;
	}
	len = m.len;
	if (rte_vdev_init(IP_DEV, NULL) != 0 || (dev = (int16_t)rte_dma_get_dev_id_by_name(IP_DEV)) < 0) {
		snprintf(r.text, sizeof(r.text), "peer: cannot create %s", IP_DEV);
		goto reply;
	}
	random_bytes(r.domain, sizeof(r.domain));
	ret = rte_dma_access_pair_group_join(dev, r.domain, m.token, m.group_id, NULL);
	if (ret != 0) {
		r.status = ret;
		snprintf(r.text, sizeof(r.text), "peer: rte_dma_access_pair_group_join(group %d) "
			 "failed: %d", m.group_id, ret);
		goto reply;
	}
	gid = m.group_id;
	joined = true;
	for (int i = 0; i < R_NB; i++) {
		if (i == R_WIN_SRC || i == R_WIN_DST) {
			area[i] = rte_malloc("dma_perf_peer", len, RTE_CACHE_LINE_SIZE);
		} else {
			void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			area[i] = p == MAP_FAILED ? NULL : p;
			mapped[i] = area[i] != NULL;
		}
		if (area[i] == NULL) {
			r.status = -ENOMEM;
			snprintf(r.text, sizeof(r.text), "peer: cannot allocate the %s (%" PRIu64
				 " bytes)", region_name[i], len);
			goto reply;
		}
		if (i == R_WIN_SRC || i == R_CMA_SRC)
			pattern_fill(area[i], 0, len, peer_seed(m.seed, i));
		else
			memset(area[i], POISON, len);
		r.addr[i] = (uint64_t)(uintptr_t)area[i];
	}
	r.pid = (int32_t)getpid();
	r.status = 0;
reply:
	if (msg_write(outfd, &r) != 0 || r.status != 0)
		goto out;

	for (;;) {
		uint64_t idle = m.idle_ms;

		ret = msg_read(in, &m, idle);
		if (ret != 0) {
			if (ret != -EPIPE)
				fprintf(stderr, "dma_perf peer: no command (%d), leaving\n", ret);
			goto out;
		}
		m.idle_ms = idle;
		memset(&r, 0, sizeof(r));
		r.op = m.op;
		r.diff_off = -1;
		if (m.op == C_EXIT) {
			status = 0;
			break;
		}
		if (m.region >= R_NB ||
		    (m.op == C_POISON && m.len > len) ||
		    (m.op == C_CHECK && (m.count == 0 || m.len > m.stride ||
					 m.count > len / m.stride))) {
			r.status = -EINVAL;
			snprintf(r.text, sizeof(r.text), "peer: bad command %u", m.op);
		} else if (m.op == C_POISON) {
			memset(area[m.region], POISON, m.len);
		} else if (m.op == C_CHECK) {
			long off = area_check(area[m.region], m.count, m.stride, m.len, m.seed,
					      &r.got, &r.want);
			if (off >= 0) {
				r.status = 1;
				r.diff_off = off;
				snprintf(r.text, sizeof(r.text), "peer's %s: byte %ld (buffer %" PRIu64
					 " byte %" PRIu64 "%s) is 0x%02x, expected 0x%02x",
					 region_name[m.region], off, (uint64_t)off / m.stride,
					 (uint64_t)off % m.stride,
					 (uint64_t)off % m.stride >= m.len ? ", after it" : "", r.got,
					 r.want);
			}
		} else {
			r.status = -EINVAL;
			snprintf(r.text, sizeof(r.text), "peer: unknown command %u", m.op);
		}
		if (msg_write(outfd, &r) != 0)
			goto out;
	}
	/* EXIT: leave the group, then answer. */
	if (joined) {
		ret = rte_dma_access_pair_group_leave(dev, gid);
		joined = false;
		if (ret != 0) {
			r.status = ret;
			snprintf(r.text, sizeof(r.text), "peer: rte_dma_access_pair_group_leave "
				 "failed: %d", ret);
			status = 1;
		}
	}
	(void)msg_write(outfd, &r);
out:
	if (joined)
		(void)rte_dma_access_pair_group_leave(dev, gid);
	for (int i = 0; i < R_NB; i++) {
		if (mapped[i])
			munmap(area[i], len);
		else if (area[i] != NULL)
			rte_free(area[i]);
	}
	rte_eal_cleanup();
	return status;
}

/* ---- the parent ---------------------------------------------------------- */

struct ip_result {
	struct dev_result d;  /* figures as for the other cases */
	double sys[MAX_REPEAT]; /* the worker's share of time in the kernel, per run */
	unsigned int nsys;
	double m_sys;
};

struct ip_case {
	uint32_t size;
	double other_load, steal, rtt_ns;
	bool disturbed;
	struct ip_result p[P_NB];
	unsigned int nref;
	double ref_gbps[MAX_REPEAT];
	double m_ref, ref_sprd;
};

static struct {
	struct bdev dev;
	int16_t gid;
	bool group;
	int to, from; /* pipes to and from the peer */
	uint8_t me[16], token[16], peer[16];
	uint16_t h_me, h_peer;
	uint64_t addr[R_NB], area_len, seed_local, seed_peer;
	uint8_t *lsrc, *ldst;
	uint64_t reply_ms;
	_Atomic bool peer_left;
	bool broken; /* the peer failed to answer: no more commands, it gets killed */
	char rundir[96], lock_path[128], sock_path[128];
} ip = { .dev = { .name = IP_DEV, .id = -1 }, .gid = -1, .to = -1, .from = -1 };

static void
ip_on_event(int16_t dev_id, int16_t group_id, unsigned char *domain_id,
	    enum rte_dma_access_pair_group_event_type event)
{
	(void)dev_id;
	(void)group_id;
	if (event == RTE_DMA_GROUP_EVENT_MEMBER_LEFT && memcmp(domain_id, ip.peer, 16) == 0)
		atomic_store(&ip.peer_left, true);
}

/* Removes the private rendezvous directory and what the library left in it. */
static void
ip_rundir_remove(void)
{
	DIR *dir;
	struct dirent *e;

	if (ip.rundir[0] == '\0')
		return;
	dir = opendir(ip.rundir);
	if (dir != NULL) {
		while ((e = readdir(dir)) != NULL) {
			char p[400];
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", ip.rundir, e->d_name);
			unlink(p);
		}
		closedir(dir);
	}
	if (rmdir(ip.rundir) != 0 && errno != ENOENT)
		fprintf(stderr, "cannot remove %s: %s\n", ip.rundir, strerror(errno));
	ip.rundir[0] = '\0';
}

/* A fatal signal while the peer lives: kill it, remove the directory, die. */
static void
ip_on_signal(int sig)
{
	pid_t p = peer_pid;

	if (p > 0)
		kill(p, SIGKILL);
	if (ip.sock_path[0] != '\0')
		unlink(ip.sock_path);
	if (ip.lock_path[0] != '\0')
		unlink(ip.lock_path);
	if (ip.rundir[0] != '\0')
		rmdir(ip.rundir);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Before rte_eal_init: the private rendezvous directory. */
static int
ip_rundir_create(void)
{
	snprintf(ip.rundir, sizeof(ip.rundir), "/tmp/dma_perf-%d", (int)getpid());
	if (mkdir(ip.rundir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "cannot create %s: %s\n", ip.rundir, strerror(errno));
		ip.rundir[0] = '\0';
		return -1;
	}
	snprintf(ip.lock_path, sizeof(ip.lock_path), "%s/lock", ip.rundir);
	if (setenv("DMADEV_RUNTIME_DIR", ip.rundir, 1) != 0) {
		ip_rundir_remove();
		return -1;
	}
	signal(SIGPIPE, SIG_IGN); /* a dead peer's pipe: EPIPE, not death */
	signal(SIGINT, ip_on_signal);
	signal(SIGTERM, ip_on_signal);
	signal(SIGHUP, ip_on_signal);
	return 0;
}

/* Starts the peer: this program again, with the ends of two pipes. */
static int
ip_peer_start(const char *prog)
{
	int down[2] = { -1, -1 }, up[2] = { -1, -1 }, ret;
	posix_spawn_file_actions_t fa;
	char arg[64];
	pid_t pid;

	if (pipe2(down, O_CLOEXEC) != 0 || pipe2(up, O_CLOEXEC) != 0) {
		fprintf(stderr, "pipe: %s\n", strerror(errno));
		goto fail;
	}
	/* The peer keeps only its own ends (they stay open across exec). */
	if (fcntl(down[0], F_SETFD, 0) != 0 || fcntl(up[1], F_SETFD, 0) != 0)
		goto fail;
	snprintf(arg, sizeof(arg), "--peer=%d,%d,%d", down[0], up[1], (int)getpid());
	char *const argv[] = { (char *)(uintptr_t)prog, "--", arg, NULL };
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO); /* keep stdout ours */
	fflush(NULL);
	ret = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret != 0) {
		fprintf(stderr, "cannot start the peer: %s\n", strerror(ret));
		goto fail;
	}
	peer_pid = pid;
	close(down[0]);
	close(up[1]);
	ip.to = down[1];
	ip.from = up[0];
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (down[i] >= 0)
			close(down[i]);
		if (up[i] >= 0)
			close(up[i]);
	}
	return -1;
}

/* Tells the peer to exit, then reaps it; kills it if it does not go in time.  Returns
 * 0 if it left the group and exited cleanly. */
static int
ip_peer_stop(void)
{
	pid_t pid = peer_pid;
	struct ipc_msg m = { .op = C_EXIT }, r = { .op = 0 };
	int ret = -1, st = 0;

	if (pid <= 0)
		return 0;
	if (ip.broken) {
		fprintf(stderr, "killing the peer (pid %d): it stopped answering\n", (int)pid);
		kill(pid, SIGKILL);
	} else if (ip.to >= 0 && msg_write(ip.to, &m) == 0 && ip.from >= 0 &&
		   msg_read(ip.from, &r, IP_EXIT_MS) == 0 && r.status == 0) {
		ret = 0;
	} else {
		fprintf(stderr, "the peer did not confirm its exit%s%s\n", r.text[0] ? ": " : "",
			r.text);
	}
	if (ip.to >= 0)
		close(ip.to); /* a peer still reading sees the end of its commands */
	ip.to = -1;
	for (uint64_t t0 = now_ms();;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (now_ms() - t0 > IP_EXIT_MS) {
			fprintf(stderr, "the peer (pid %d) did not exit: killed\n", (int)pid);
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			ret = -1;
			break;
		}
		sleep_us(1000);
	}
	peer_pid = -1;
	if (ip.from >= 0)
		close(ip.from);
	ip.from = -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (ret == 0)
			fprintf(stderr, "the peer exited with status 0x%x\n", st);
		ret = -1;
	}
	return ret;
}

/* One command to the peer and its answer; on failure, @why says what went wrong. */
static int
ip_ask(struct ipc_msg *m, char *why, size_t why_len)
{
	struct ipc_msg r;
	int ret;

	if (ip.broken) {
		snprintf(why, why_len, "the peer stopped answering earlier");
		return -1;
	}
	ret = msg_write(ip.to, m);
	if (ret == 0)
		ret = msg_read(ip.from, &r, ip.reply_ms);
	if (ret == 0 && r.op != m->op)
		ret = -EPROTO;
	if (ret != 0) {
		/* A late answer would be taken for the next one's: no more commands. */
		ip.broken = true;
		snprintf(why, why_len, "no answer from the peer (%s)%s", strerror(-ret),
			 atomic_load(&ip.peer_left) ? "; it left the group" : "");
		return -1;
	}
	if (r.status != 0) {
		snprintf(why, why_len, "%s", r.text[0] ? r.text : "the peer reports a failure");
		return -1;
	}
	return 0;
}

static int
ip_poison_peer(int region, uint64_t len, char *why, size_t why_len)
{
	struct ipc_msg m = { .op = C_POISON, .region = (uint32_t)region, .len = len };

	return ip_ask(&m, why, why_len);
}

/* Checks @count buffers of @len bytes, @stride apart, at the start of the
 * destination of path @p: the peer's area or the local one. */
static int
ip_check(int p, uint64_t count, uint64_t stride, uint64_t len, char *why, size_t why_len)
{
	const int reg = path[p].region;
	const bool in_peer = reg == R_WIN_DST || reg == R_CMA_DST;
	uint64_t seed = reg == R_WIN_SRC || reg == R_CMA_SRC ? peer_seed(ip.seed_peer, reg) :
							       ip.seed_local;

	if (in_peer) {
		struct ipc_msg m = { .op = C_CHECK, .region = (uint32_t)reg, .len = len,
				     .stride = stride, .count = count, .seed = seed };
		return ip_ask(&m, why, why_len);
	}
	uint8_t got, want;
	long off = area_check(ip.ldst, count, stride, len, seed, &got, &want);
	if (off >= 0) {
		snprintf(why, why_len, "local destination: byte %ld (buffer %" PRIu64 " byte %"
			 PRIu64 "%s) is 0x%02x, expected 0x%02x", off, (uint64_t)off / stride,
			 (uint64_t)off % stride, (uint64_t)off % stride >= len ? ", after it" : "",
			 got, want);
		return -1;
	}
	return 0;
}

/* Poisons the first @len bytes of path @p's destination. */
static int
ip_poison(int p, uint64_t len, char *why, size_t why_len)
{
	const int reg = path[p].region;

	if (reg == R_WIN_DST || reg == R_CMA_DST)
		return ip_poison_peer(reg, len, why, why_len);
	memset(ip.ldst, POISON, len);
	return 0;
}

/* This process's buffers: rte_malloc (the heap: plain memcpy), or with --local-mmap
 * anonymous mmap (outside the heap: the device checks them by cross-memory attach). */
static void *
ip_local_alloc(const char *name, uint64_t len)
{
	if (!opt.local_mmap)
		return rte_malloc(name, len, RTE_CACHE_LINE_SIZE);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void
ip_local_free(void *p, uint64_t len)
{
	if (p == NULL)
		return;
	if (opt.local_mmap)
		munmap(p, len);
	else
		rte_free(p);
}

/* The base addresses of path @p: in the peer's address space for its side. */
static void
ip_addrs(int p, rte_iova_t *src, rte_iova_t *dst)
{
	const int reg = path[p].region;

	*src = rte_malloc_virt2iova(ip.lsrc);
	*dst = rte_malloc_virt2iova(ip.ldst);
	if (reg == R_WIN_SRC || reg == R_CMA_SRC)
		*src = ip.addr[reg];
	else if (reg == R_WIN_DST || reg == R_CMA_DST)
		*dst = ip.addr[reg];
}

/* Before timing: two rounds of VERIFY_OPS copies (the first submitted with
 * rte_dma_submit, the second with the SUBMIT flag on its last copy), each
 * destination and the GUARD bytes after it checked. */
static int
ip_verify(int p, uint32_t size, char *why, size_t why_len)
{
	const uint64_t vstride = ((uint64_t)size + GUARD + RTE_CACHE_LINE_SIZE - 1) &
				 ~(uint64_t)(RTE_CACHE_LINE_SIZE - 1);
	const uint16_t vc = path[p].vchan;
	rte_iova_t src, dst;
	struct dev_run dr;
	int ret = -1;

	ip_addrs(p, &src, &dst);
	if (dev_start(&ip.dev, vc, &dr, why, why_len) != 0)
		goto out;
	for (int round = 0; round < 2; round++) {
		if (ip_poison(p, VERIFY_OPS * vstride, why, why_len) != 0)
			goto out;
		for (int i = 0; i < VERIFY_OPS; i++) {
			uint64_t flags = round == 1 && i == VERIFY_OPS - 1 ? RTE_DMA_OP_FLAG_SUBMIT : 0;
			int idx = rte_dma_copy(dr.id, vc, src + (uint64_t)i * vstride,
					       dst + (uint64_t)i * vstride, size, flags);
			if (idx != (int)(uint16_t)dr.enq) {
				snprintf(why, why_len, "verification copy %d returned %d, expected "
					 "ring index %u", i, idx, (uint16_t)dr.enq);
				goto out;
			}
			dr.enq++;
		}
		int rc = round == 0 ? rte_dma_submit(dr.id, vc) : 0;
		if (rc != 0) {
			snprintf(why, why_len, "rte_dma_submit failed: %d", rc);
			goto out;
		}
		if (wait_completions(&dr, VERIFY_OPS, why, why_len) != 0)
			goto out;
		if (ip_check(p, VERIFY_OPS, vstride, size, why, why_len) != 0) {
			size_t n = strlen(why);
			snprintf(why + n, why_len - n, " (verification round %d)", round);
			goto out;
		}
	}
	ret = 0;
out:
	dev_stop(&ip.dev);
	return ret;
}

/* One timed run of path @p, its destination checked afterwards. */
static int
ip_run(int p, uint32_t size, struct run_stats *rs, char *why, size_t why_len)
{
	struct bufs b = { .size = size };

	b.stride = (size + RTE_CACHE_LINE_SIZE - 1) & ~(uint32_t)(RTE_CACHE_LINE_SIZE - 1);
	b.nr = (uint32_t)(opt.mem / b.stride);
	if (b.nr == 0)
		b.nr = 1;
	ip_addrs(p, &b.src_iova, &b.dst_iova);
	if (ip_poison(p, (uint64_t)b.nr * b.stride, why, why_len) != 0 ||
	    device_run(&ip.dev, path[p].vchan, K_COPY, &b, rs, IP_WORKER, why, why_len) != 0)
		return -1;
	uint64_t n = rs->since_start < b.nr ? rs->since_start : b.nr;
	if (ip_check(p, n, b.stride, size, why, why_len) != 0) {
		size_t len = strlen(why);
		snprintf(why + len, why_len - len, " (after the timed run)");
		return -1;
	}
	return 0;
}

/*
 * Once before timing: one copy pass over each of the peer's areas (its sources into
 * the local destination, the local source into its destinations), so that the pages
 * of the peer's heap are mapped in this process's window (first-touch faults are not
 * what the runs measure, and with --mem above the warm-up they would land in a run).
 */
static int
ip_prefault(char *why, size_t why_len)
{
	const uint64_t chunk = ip.area_len < (1u << 20) ? ip.area_len : (1u << 20);
	const uint64_t per_wait = opt.ring / 2;

	for (int reg = 0; reg < R_NB; reg++) {
		const bool in = reg == R_WIN_SRC || reg == R_CMA_SRC;
		const uint16_t vc = in ? V_IN : V_OUT;
		const rte_iova_t src = in ? ip.addr[reg] : rte_malloc_virt2iova(ip.lsrc);
		const rte_iova_t dst = in ? rte_malloc_virt2iova(ip.ldst) : ip.addr[reg];
		struct dev_run dr;
		int ret = -1;

		if (dev_start(&ip.dev, vc, &dr, why, why_len) != 0)
			goto out;
		for (uint64_t off = 0; off < ip.area_len; off += chunk) {
			uint32_t len = (uint32_t)(ip.area_len - off < chunk ? ip.area_len - off : chunk);
			int idx = rte_dma_copy(dr.id, vc, src + off, dst + off, len,
					       RTE_DMA_OP_FLAG_SUBMIT);
			if (idx != (int)(uint16_t)dr.enq) {
				snprintf(why, why_len, "rte_dma_copy returned %d, expected ring index %u",
					 idx, (uint16_t)dr.enq);
				goto out;
			}
			dr.enq++;
			if (dr.enq - dr.cpl >= per_wait &&
			    wait_completions(&dr, dr.enq - dr.cpl, why, why_len) != 0)
				goto out;
		}
		if (wait_completions(&dr, dr.enq - dr.cpl, why, why_len) != 0)
			goto out;
		ret = 0;
out:
		dev_stop(&ip.dev);
		if (ret != 0) {
			size_t n = strlen(why);
			snprintf(why + n, why_len - n, " (first pass over the peer's %s)",
				 region_name[reg]);
			return -1;
		}
	}
	return 0;
}

static int
ip_setup(const char *prog, uint32_t max_size, char *why, size_t why_len)
{
	struct rte_dma_info info;
	struct rte_dma_conf conf = { .nb_vchans = V_NB };
	struct rte_dma_vchan_conf vconf = { .direction = RTE_DMA_DIR_MEM_TO_MEM,
					    .nb_desc = (uint16_t)opt.ring };
	struct ipc_msg m = { .op = C_HELLO }, r;
	char args[32] = "";
	int ret, id;

	if (opt.worker_lcore >= 0)
		snprintf(args, sizeof(args), "lcore=%d", opt.worker_lcore);
	ret = rte_vdev_init(IP_DEV, args);
	id = ret == 0 ? rte_dma_get_dev_id_by_name(IP_DEV) : ret;
	if (id < 0) {
		snprintf(why, why_len, "cannot create %s (\"%s\"): %d", IP_DEV, args, id);
		return -1;
	}
	ip.dev.id = (int16_t)id;
	ret = rte_dma_info_get(ip.dev.id, &info);
	if (ret != 0 || !(info.dev_capa & RTE_DMA_CAPA_INTER_PROCESS_DOMAIN) ||
	    info.max_vchans < V_NB || opt.ring < info.min_desc || opt.ring > info.max_desc) {
		snprintf(why, why_len, "%s: rte_dma_info_get %d, capa 0x%" PRIx64 ", %u vchans, "
			 "%u..%u descriptors: cannot run this mode", IP_DEV, ret, info.dev_capa,
			 info.max_vchans, info.min_desc, info.max_desc);
		return -1;
	}

	/* Area size: the working set, or what verification or the largest size needs. */
	uint64_t vneed = (uint64_t)VERIFY_OPS * (((uint64_t)max_size + GUARD + 63) & ~UINT64_C(63));
	ip.area_len = opt.mem > vneed ? opt.mem : vneed;
	if (ip.area_len < (((uint64_t)max_size + 63) & ~UINT64_C(63)))
		ip.area_len = ((uint64_t)max_size + 63) & ~UINT64_C(63);
	ip.reply_ms = IP_REPLY_MS + ip.area_len / 100000; /* checks at >= 100 MB/s */
	ip.lsrc = ip_local_alloc("dma_perf_ip_src", ip.area_len);
	ip.ldst = ip_local_alloc("dma_perf_ip_dst", ip.area_len);
	if (ip.lsrc == NULL || ip.ldst == NULL) {
		snprintf(why, why_len, "allocation of 2 x %" PRIu64 " bytes failed", ip.area_len);
		return -1;
	}
	ip.seed_local = rng();
	ip.seed_peer = rng();
	pattern_fill(ip.lsrc, 0, ip.area_len, ip.seed_local);
	memset(ip.ldst, POISON, ip.area_len);

	random_bytes(ip.me, sizeof(ip.me));
	random_bytes(ip.token, sizeof(ip.token));
	ret = rte_dma_access_pair_group_create(ip.dev.id, ip.me, ip.token, &ip.gid, ip_on_event);
	if (ret != 0) {
		snprintf(why, why_len, "rte_dma_access_pair_group_create failed: %d", ret);
		return -1;
	}
	ip.group = true;
	snprintf(ip.sock_path, sizeof(ip.sock_path), "%s/group-%d.sock", ip.rundir, ip.gid);

	if (ip_peer_start(prog) != 0) {
		snprintf(why, why_len, "cannot start the peer");
		return -1;
	}
	m.group_id = ip.gid;
	memcpy(m.token, ip.token, 16);
	memcpy(m.domain, ip.me, 16);
	m.len = ip.area_len;
	m.seed = ip.seed_peer;
	m.idle_ms = 600000 + (uint64_t)(opt.seconds * 1e4) * opt.repeat;
	ret = msg_write(ip.to, &m);
	if (ret == 0)
		ret = msg_read(ip.from, &r, ip.reply_ms);
	if (ret != 0) {
		snprintf(why, why_len, "the peer did not answer (%s)", strerror(-ret));
		return -1;
	}
	if (r.status != 0) {
		snprintf(why, why_len, "%s", r.text[0] ? r.text : "the peer failed to start");
		return -1;
	}
	memcpy(ip.peer, r.domain, 16);
	memcpy(ip.addr, r.addr, sizeof(ip.addr));

	ret = rte_dma_access_pair_group_handler_get(ip.dev.id, ip.gid, ip.me, &ip.h_me);
	if (ret == 0)
		ret = rte_dma_access_pair_group_handler_get(ip.dev.id, ip.gid, ip.peer, &ip.h_peer);
	if (ret != 0) {
		snprintf(why, why_len, "rte_dma_access_pair_group_handler_get failed: %d", ret);
		return -1;
	}
	ret = rte_dma_configure(ip.dev.id, &conf);
	for (int v = 0; ret == 0 && v < V_NB; v++) {
		vconf.domain.type = v == V_LOCAL ? RTE_DMA_INTER_DOMAIN_NONE :
						   RTE_DMA_INTER_PROCESS_DOMAIN;
		vconf.domain.src_handler = v == V_IN ? ip.h_peer : v == V_OUT ? ip.h_me : 0;
		vconf.domain.dst_handler = v == V_IN ? ip.h_me : v == V_OUT ? ip.h_peer : 0;
		ret = rte_dma_vchan_setup(ip.dev.id, (uint16_t)v, &vconf);
	}
	if (ret != 0) {
		snprintf(why, why_len, "%s: configure/vchan_setup failed: %d", IP_DEV, ret);
		return -1;
	}
	return ip_prefault(why, why_len);
}

static void
ip_teardown(bool *ok)
{
	int ret;

	if (ip_peer_stop() != 0)
		*ok = false;
	if (ip.group) {
		ret = rte_dma_access_pair_group_destroy(ip.dev.id, ip.gid);
		if (ret != 0) {
			fprintf(stderr, "rte_dma_access_pair_group_destroy failed: %d\n", ret);
			*ok = false;
		}
		ip.group = false;
	}
	if (ip.dev.id >= 0) {
		dev_stop(&ip.dev);
		ret = rte_vdev_uninit(IP_DEV); /* stops and closes it */
		if (ret != 0) {
			fprintf(stderr, "rte_vdev_uninit(%s) failed: %d\n", IP_DEV, ret);
			*ok = false;
		}
		ip.dev.id = -1;
	}
	ip_local_free(ip.lsrc, ip.area_len);
	ip_local_free(ip.ldst, ip.area_len);
	ip.lsrc = ip.ldst = NULL;
}

static void
ip_print_progress(const struct ip_case *c)
{
	char rate[32];

	fprintf(out, "[interprocess %u B]", c->size);
	for (int p = 0; p < P_NB; p++) {
		const struct ip_result *r = &c->p[p];
		if (!r->d.passed || r->d.n == 0) {
			fprintf(out, " %s: FAIL |", path[p].name);
			continue;
		}
		fprintf(out, " %s: %s %.2f GB/s", path[p].name,
			fmt_rate(rate, sizeof(rate), r->d.m_mops * 1e6), r->d.m_gbps);
		if (c->m_ref > 0)
			fprintf(out, " (%.2fx)", r->d.m_gbps / c->m_ref);
		fprintf(out, " |");
	}
	fprintf(out, " memcpy %.2f GB/s", c->m_ref);
	print_disturbance(c->other_load, c->rtt_ns);
	fputc('\n', out);
	for (int p = 0; p < P_NB; p++)
		if (!c->p[p].d.passed)
			fprintf(out, "  FAIL [interprocess %u B] %s: %s\n", c->size, path[p].name,
				c->p[p].d.why);
	fflush(out);
}

static void
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
			if (r->d.n == 0 || !r->d.passed) {
				fprintf(out, "%5s %-16s %10s %7s %6s %9s %10s %10s %6s %7.2f %6s %s\n",
					sz, path[p].name, "-", "-", "-", "-", "-", "-", "-", c->m_ref,
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
				r->d.m_call, r->d.m_p50 / 1e3, r->d.m_p99 / 1e3, sys, c->m_ref,
				c->m_ref > 0 ? r->d.m_gbps / c->m_ref : 0,
				c->disturbed ? "ok (disturbed)" : "ok");
		}
	}
	fprintf(out, "(win: the peer's rte_malloc memory, through the mapped window; cma: its "
		"mmap memory, by cross-memory attach; wk sys: the share of the device worker's "
		"CPU time spent in the kernel, 10 ms resolution)\n");
	if (opt.local_mmap)
		fprintf(out, "(--local-mmap: this process's buffers are mmap memory outside its "
			"heap, which the device moves by cross-memory attach on itself)\n");
}

struct ip_target {
	const char *what;
	uint32_t size;
	int p;
	double ratio, threshold;
	bool measured, pass, disturbed;
};

/* The issue's targets, from the measured cases. */
static unsigned int
ip_targets(const struct ip_case *cases, unsigned int nb, struct ip_target *t, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nb && n + 4 <= max; i++) {
		const struct ip_case *c = &cases[i];
		for (int p = P_WIN_IN; p < P_NB; p++) {
			bool cma = p == P_CMA_IN || p == P_CMA_OUT;
			if (cma ? c->size < IP_TARGET_CMA_FROM : c->size != IP_TARGET_WIN_SIZE)
				continue;
			const struct ip_result *r = &c->p[p];
			t[n] = (struct ip_target){
				.what = cma ? "cma" : "window", .size = c->size, .p = p,
				.threshold = cma ? IP_TARGET_CMA : IP_TARGET_WIN,
				.measured = r->d.passed && r->d.n > 0 && c->m_ref > 0,
				.disturbed = c->disturbed,
			};
			if (t[n].measured) {
				t[n].ratio = r->d.m_gbps / c->m_ref;
				t[n].pass = t[n].ratio >= t[n].threshold;
			}
			n++;
		}
	}
	return n;
}

static void
ip_print_targets(const struct ip_target *t, unsigned int n, bool have_cma, bool have_win)
{
	char sz[16];
	unsigned int pass = 0, miss = 0;
	bool cma_miss = false;

	fprintf(out, "\ntargets: cma memory >= %.1fx local memcpy GB/s at %u KiB and up; window "
		"memory >= %.1fx local memcpy at %u KiB\n", IP_TARGET_CMA,
		IP_TARGET_CMA_FROM >> 10, IP_TARGET_WIN, IP_TARGET_WIN_SIZE >> 10);
	for (unsigned int i = 0; i < n; i++) {
		if (!t[i].measured) {
			fprintf(out, "  MISS %-6s %5s %-16s not measured (the case failed)\n",
				t[i].what, fmt_size(sz, sizeof(sz), t[i].size), path[t[i].p].name);
			miss++;
			continue;
		}
		fprintf(out, "  %s %-6s %5s %-16s %.2fx memcpy (target %.1fx)%s\n",
			t[i].pass ? "PASS" : "MISS", t[i].what, fmt_size(sz, sizeof(sz), t[i].size),
			path[t[i].p].name, t[i].ratio, t[i].threshold,
			t[i].disturbed ? " (disturbed)" : "");
		t[i].pass ? pass++ : miss++;
		cma_miss |= !t[i].pass && strcmp(t[i].what, "cma") == 0;
	}
	if (!have_cma)
		fprintf(out, "  (cma target not measured: no size of %u KiB or more in --sizes)\n",
			IP_TARGET_CMA_FROM >> 10);
	if (!have_win)
		fprintf(out, "  (window target not measured: %u is not in --sizes)\n",
			IP_TARGET_WIN_SIZE);
	fprintf(out, "targets: %u PASS, %u MISS\n", pass, miss);
	if (cma_miss && opt.mem < (64u << 20))
		fprintf(out, "  note: with --mem=%" PRIu64 " the memcpy reference works on a "
			"cache-sized working set; --mem=256 compares against a DRAM-sized one\n",
			opt.mem >> 20);
}

static void
ip_print_json(const struct ip_case *cases, unsigned int nb, const struct ip_target *t,
	      unsigned int nt, unsigned int passed, unsigned int failed, double elapsed,
	      double load, double steal)
{
	FILE *f = stdout;
	bool first = true;

	fprintf(f, "{\n  \"version\": ");
	json_string(f, rte_version());
	fprintf(f, ",\n  \"mode\": \"interprocess\",\n  \"config\": {\"device\": \"%s\", "
		"\"ring\": %u, \"burst\": %u, \"max_inflight\": %u, \"seconds\": %.6g, \"ops\": %"
		PRIu64 ", \"repeat\": %u, \"mem_per_side\": %" PRIu64 ", \"area_bytes\": %" PRIu64
		", \"worker_lcore\": %d, \"timer_hz\": %" PRIu64 ", \"core_rtt_ns_best\": %.4g},\n",
		IP_DEV, opt.ring, opt.burst, opt.max_inflight, opt.ops ? 0 : opt.seconds, opt.ops,
		opt.repeat, opt.mem, ip.area_len, opt.worker_lcore, hz, rtt_base);
	fprintf(f, "  \"cases\": [\n");
	for (unsigned int i = 0; i < nb; i++) {
		const struct ip_case *c = &cases[i];
		for (int p = 0; p < P_NB; p++) {
			const struct ip_result *r = &c->p[p];
			fprintf(f, "%s    {\"op\": \"copy\", \"size\": %u, \"path\": \"%s\", "
				"\"memory\": \"%s\", \"direction\": \"%s\", \"passed\": %s, ",
				first ? "" : ",\n", c->size, path[p].name, path[p].memory,
				path[p].direction, r->d.passed ? "true" : "false");
			first = false;
			if (!r->d.passed) {
				fprintf(f, "\"error\": ");
				json_string(f, r->d.why);
				fprintf(f, ", ");
			}
			fprintf(f, "\"disturbed\": %s, \"other_load_cpus\": %.3g, \"steal_cpus\": %.3g, "
				"\"core_rtt_ns\": %.4g, \"runs\": %u, \"mops\": %.6g, \"gbps\": %.6g, "
				"\"spread\": %.4g, \"caller_ns_per_op\": %.6g, \"lat_p50_ns\": %.6g, "
				"\"lat_p99_ns\": %.6g, \"memcpy_gbps\": %.6g, \"memcpy_spread\": %.4g, "
				"\"ratio_vs_memcpy\": ",
				c->disturbed ? "true" : "false", c->other_load, c->steal, c->rtt_ns,
				r->d.n, r->d.m_mops, r->d.m_gbps, r->d.sprd, r->d.m_call, r->d.m_p50,
				r->d.m_p99, c->m_ref, c->ref_sprd);
			if (r->d.n > 0 && c->m_ref > 0)
				fprintf(f, "%.4g", r->d.m_gbps / c->m_ref);
			else
				fprintf(f, "null");
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
			json_array(f, c->ref_gbps, c->nref);
			fprintf(f, "}}");
		}
	}
	fprintf(f, "\n  ],\n  \"targets\": [\n");
	for (unsigned int i = 0; i < nt; i++) {
		fprintf(f, "%s    {\"memory\": \"%s\", \"size\": %u, \"path\": \"%s\", "
			"\"threshold\": %.2g, \"ratio_vs_memcpy\": ",
			i ? ",\n" : "", t[i].what, t[i].size, path[t[i].p].name, t[i].threshold);
		if (t[i].measured)
			fprintf(f, "%.4g", t[i].ratio);
		else
			fprintf(f, "null");
		fprintf(f, ", \"result\": \"%s\", \"disturbed\": %s}", t[i].pass ? "PASS" : "MISS",
			t[i].disturbed ? "true" : "false");
	}
	fprintf(f, "\n  ],\n  \"passed\": %u,\n  \"failed\": %u,\n  \"elapsed_s\": %.3f,\n"
		"  \"other_load_cpus\": %.3g,\n  \"steal_cpus\": %.3g\n}\n",
		passed, failed, elapsed, load, steal);
}

/* The --interprocess mode; returns the exit status. */
static int
ip_main(const char *prog, int main_cpu, double t_start)
{
	char why[320] = "", where[96] = "";
	struct ip_case *cases = NULL;
	struct ip_target targets[4 * MAX_SIZES];
	unsigned int nb = 0, nt = 0, passed = 0, failed = 0, nb_disturbed = 0;
	struct load_sample run0, run1;
	double run_load, run_steal;
	bool ok = true, have_cma = false, have_win = false;
	uint32_t max_size = 0;

	for (unsigned int i = 0; i < opt.nb_sizes; i++)
		max_size = opt.sizes[i] > max_size ? opt.sizes[i] : max_size;
	cases = calloc(opt.nb_sizes, sizeof(*cases));
	if (cases == NULL) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	if (ip_setup(prog, max_size, why, sizeof(why)) != 0) {
		fprintf(stderr, "interprocess setup failed: %s\n", why);
		ip_teardown(&ok);
		free(cases);
		return 1;
	}
	probe_setup(main_cpu);
	load_sample(&run0);
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
	fprintf(out, "dma_perf --interprocess: %s, %s (vchans: peer->local, local->peer, local), "
		"peer pid %d in group %d, timer %.3f GHz, ring %u, burst %u, %u run%s per case, "
		"%" PRIu64 " MiB per side, caller on CPU %d, worker on %s, core-to-core round trip "
		"%.0f ns\n",
		rte_version(), IP_DEV, (int)peer_pid, ip.gid, (double)hz / 1e9, opt.ring, opt.burst,
		opt.repeat, opt.repeat > 1 ? "s" : "", opt.mem >> 20, main_cpu, where, rtt_base);
	if (opt.ops)
		fprintf(out, "  %" PRIu64 " operations per run\n", opt.ops);
	else
		fprintf(out, "  %.3g s per device run, %.3g s per memcpy run\n", opt.seconds,
			opt.seconds / 2);
	fflush(out);

	for (unsigned int s = 0; s < opt.nb_sizes; s++) {
		struct ip_case *c = &cases[nb++];
		struct load_sample l0;
		struct bufs lb;

		load_sample(&l0);
		c->rtt_ns = probe_rtt(&probe_cpus);
		c->size = opt.sizes[s];
		have_cma |= c->size >= IP_TARGET_CMA_FROM;
		have_win |= c->size == IP_TARGET_WIN_SIZE;
		for (int p = 0; p < P_NB; p++) {
			struct ip_result *r = &c->p[p];
			r->d.ran = true;
			r->d.passed = ip_verify(p, c->size, r->d.why, sizeof(r->d.why)) == 0;
		}
		/* The memcpy reference over the local buffers, in the same order. */
		lb = (struct bufs){ .src = ip.lsrc, .dst = ip.ldst, .size = c->size };
		lb.stride = (c->size + RTE_CACHE_LINE_SIZE - 1) & ~(uint32_t)(RTE_CACHE_LINE_SIZE - 1);
		lb.nr = (uint32_t)(opt.mem / lb.stride);
		if (lb.nr == 0)
			lb.nr = 1;
		for (unsigned int rep = 0; rep < opt.repeat; rep++) {
			for (int p = 0; p < P_NB; p++) {
				struct ip_result *r = &c->p[p];
				struct run_stats rs;
				if (!r->d.passed)
					continue;
				if (ip_run(p, c->size, &rs, r->d.why, sizeof(r->d.why)) != 0) {
					r->d.passed = false;
					continue;
				}
				r->d.mops[r->d.n] = rs.mops;
				r->d.gbps[r->d.n] = rs.gbps;
				r->d.call_ns[r->d.n] = rs.call_ns;
				r->d.p50[r->d.n] = rs.p50_ns;
				r->d.p99[r->d.n] = rs.p99_ns;
				r->d.ops[r->d.n] = rs.ops;
				r->d.n++;
				if (rs.worker_sys >= 0)
					r->sys[r->nsys++] = rs.worker_sys;
			}
			memset(ip.ldst, POISON, (size_t)lb.nr * lb.stride);
			c->ref_gbps[c->nref++] = reference_run(K_COPY, &lb);
		}
		for (int p = 0; p < P_NB; p++) {
			struct ip_result *r = &c->p[p];
			finish_dev(&r->d);
			r->m_sys = median(r->sys, r->nsys);
			if (r->d.passed)
				passed++;
			else
				failed++;
		}
		c->m_ref = median(c->ref_gbps, c->nref);
		c->ref_sprd = spread(c->ref_gbps, c->nref);
		c->disturbed = case_end(&l0, &c->rtt_ns, &c->other_load, &c->steal);
		nb_disturbed += c->disturbed;
		ip_print_progress(c);
		if (peer_pid > 0 && waitpid(peer_pid, NULL, WNOHANG) == peer_pid) {
			peer_pid = -1;
			fprintf(out, "FAIL: the peer died (after the %u B case)\n", c->size);
			failed++;
			break;
		}
		if (ip.broken) {
			fprintf(out, "FAIL: the peer stopped answering (in the %u B case)\n", c->size);
			failed++;
			break;
		}
	}

	if (atomic_load(&ip.peer_left)) {
		fprintf(out, "FAIL: the peer left the group during the run\n");
		failed++;
	}
	ip_teardown(&ok);
	if (!ok)
		failed++;
	double elapsed = mono_seconds() - t_start;
	load_sample(&run1);
	run_load = other_load(&run0, &run1, &run_steal);
	ip_print_table(cases, nb);
	nt = ip_targets(cases, nb, targets, RTE_DIM(targets));
	ip_print_targets(targets, nt, have_cma, have_win);
	fprintf(out, "\ntotal run time %.1f s", elapsed);
	if (run_load >= 0)
		fprintf(out, "; other processes used %.2f CPUs on average (steal %.2f)", run_load,
			run_steal);
	fputc('\n', out);
	if (nb_disturbed > 0)
		fprintf(out, "WARNING: %u of %u cases ran while other processes used more than "
			"%.2f CPUs or the core-to-core round trip was above %.1fx its best value "
			"(marked DISTURBED above); their figures are not representative\n",
			nb_disturbed, nb, LOAD_WARN, PROBE_WARN);
	if (opt.json)
		ip_print_json(cases, nb, targets, nt, passed, failed, elapsed, run_load, run_steal);
	fprintf(out, "%u passed, %u failed (a MISSed target is reported, not failed)\n", passed,
		failed);
	fflush(out);
	free(cases);
	return failed == 0 ? 0 : 1;
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
	if (opt.peer_in >= 0)
		return peer_main(argv[0]);
	if (opt.interprocess && ip_rundir_create() != 0)
		return 1;

	have_affinity = sched_getaffinity(0, sizeof(saved_affinity), &saved_affinity) == 0;
	{
		char *eal_argv[64];
		int n = eal_argc < 63 ? eal_argc : 63;
		for (int i = 0; i < n; i++)
			eal_argv[i] = argv[i];
		eal_argv[n] = NULL;
		if (rte_eal_init(n, eal_argv) < 0) {
			fprintf(stderr, "rte_eal_init failed\n");
			ip_rundir_remove();
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

	if (opt.interprocess) {
		status = ip_main(argv[0], main_cpu, t_start);
		rte_eal_cleanup();
		ip_rundir_remove();
		return status;
	}

	for (int d = 0; d < D_NB; d++) {
		devs[d].name = dev_name[d];
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

	wsrc = rte_malloc("dma_perf_wsrc", WAKE_SIZE + GUARD, RTE_CACHE_LINE_SIZE);
	wdst = rte_malloc("dma_perf_wdst", WAKE_SIZE + GUARD, RTE_CACHE_LINE_SIZE);
	if (wsrc == NULL || wdst == NULL)
		goto nomem;
	fill_random(wsrc, WAKE_SIZE + GUARD);
	probe_setup(main_cpu);

	unsigned int nb_cases = 0, passed = 0, failed = 0, nb_disturbed = 0, nb_wake = 0;
	struct wake_case *wcases = NULL;
	struct load_sample run0, run1;
	double run_load, run_steal;

	load_sample(&run0);
	struct case_result *cases = calloc((size_t)K_NB * opt.nb_sizes, sizeof(*cases));
	wcases = calloc(W_NB, sizeof(*wcases));
	if (cases == NULL || wcases == NULL) {
		free(cases);
		free(wcases);
		goto nomem;
	}

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
			struct load_sample l0;
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
					if (device_run(&devs[d], 0, c->k, &b, &rs, NULL, r->why,
						       sizeof(r->why)) != 0 ||
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
			c->disturbed = case_end(&l0, &c->rtt_ns, &c->other_load, &c->steal);
			nb_disturbed += c->disturbed;
			print_progress(c);
		}
	}

	/* Wake-up latency: each state's runs alternate between the devices. */
	for (int w = 0; opt.wakeup && w < W_NB; w++) {
		struct wake_case *c = &wcases[nb_wake++];
		const unsigned int per_run = wake_per_run();
		struct load_sample l0;

		load_sample(&l0);
		c->rtt_ns = probe_rtt(&probe_cpus);
		c->state = w;
		for (int d = 0; d < D_NB; d++) {
			c->dev[d].ran = devs[d].enabled;
			c->dev[d].passed = devs[d].enabled;
		}
		for (unsigned int rep = 0; rep < opt.repeat; rep++)
			for (int d = 0; d < D_NB; d++) {
				struct wake_result *r = &c->dev[d];
				if (r->ran && r->passed)
					r->passed = wake_run(d, w, per_run, r, r->why,
							     sizeof(r->why)) == 0;
			}
		for (int d = 0; d < D_NB; d++) {
			if (!c->dev[d].ran)
				continue;
			finish_wake(&c->dev[d]);
			if (c->dev[d].passed)
				passed++;
			else
				failed++;
		}
		c->disturbed = case_end(&l0, &c->rtt_ns, &c->other_load, &c->steal);
		nb_disturbed += c->disturbed;
		print_wake_progress(c);
	}

	double elapsed = mono_seconds() - t_start;
	load_sample(&run1);
	run_load = other_load(&run0, &run1, &run_steal);
	if (nb_cases > 0) {
		print_table(cases, nb_cases);
		print_engine_targets(cases, nb_cases);
	}
	print_wake_table(wcases, nb_wake);
	fprintf(out, "\ntotal run time %.1f s", elapsed);
	if (run_load >= 0)
		fprintf(out, "; other processes used %.2f CPUs on average (steal %.2f)", run_load,
			run_steal);
	fputc('\n', out);
	if (nb_disturbed > 0)
		fprintf(out, "WARNING: %u of %u cases ran while other processes used more than "
			"%.2f CPUs or the core-to-core round trip was above %.1fx its best value "
			"(marked DISTURBED above); their figures are not representative\n",
			nb_disturbed, nb_cases + nb_wake, LOAD_WARN, PROBE_WARN);
	if (opt.json)
		print_json(cases, nb_cases, wcases, nb_wake, passed, failed, elapsed, run_load,
			   run_steal);
	fprintf(out, "%u passed, %u failed\n", passed, failed);
	fflush(out);
	status = failed == 0 ? 0 : 1;
	free(cases);
	free(wcases);
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
	rte_free(wsrc);
	rte_free(wdst);
cleanup_eal:
	for (int d = 0; d < D_NB; d++) {
		if (devs[d].id < 0)
			continue;
		dev_stop(&devs[d]);
		if (d == D_REF && (ret = rte_dma_close(devs[d].id)) != 0)
			fprintf(stderr, "%s: rte_dma_close failed: %d\n", dev_name[d], ret);
	}
	rte_eal_cleanup(); /* removes dma_skeleton */
	return status;
}
