/* SPDX-License-Identifier: BSD-3-Clause
 *
 * dma_perf's measurement core: clocks, random data, medians, spread and
 * percentiles, the CPU time of threads and processes, the other load on the
 * machine, and the core-to-core probe that flags disturbed cases.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "dma_perf.h"

cpu_set_t probe_cpus;
double rtt_base = -1;
bool probe_ok;

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

void
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

double
mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t
now_ms(void)
{
	return (uint64_t)(mono_seconds() * 1e3);
}

void
sleep_us(unsigned int us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

double
median(const double *v, unsigned int n)
{
	double tmp[MAX_REPEAT];

	if (n == 0)
		return 0;
	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

double
spread(const double *v, unsigned int n)
{
	double lo = v[0], hi = v[0], m = median(v, n);

	for (unsigned int i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	return m > 0 ? (hi - lo) / m : 0;
}

/* The median and the 99th percentile (nearest rank: ceil(0.99 n)) of @n > 0 sorted
 * timer readings, in ns. */
double
sorted_p50(const uint64_t *v, uint64_t n)
{
	return (double)v[(n - 1) / 2] * 1e9 / (double)hz;
}

double
sorted_p99(const uint64_t *v, uint64_t n)
{
	uint64_t i99 = (n * 99 + 99) / 100;

	return (double)v[(i99 > 0 ? i99 : 1) - 1] * 1e9 / (double)hz;
}

/* The id of this process's thread whose name starts with @prefix, or -1. */
pid_t
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
int
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

int
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
volatile pid_t peer_pid = -1;

void
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
double
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

/*
 * Core-to-core probe: the round-trip time of a cache line bounced between the
 * caller's thread and a thread placed where the device workers run.  Every device
 * figure here rests on that hand-off; on a virtual machine the host can slow it
 * down (a busy sibling hyperthread, vCPU preemption) without the guest seeing any
 * load.  Measured at the start and before and after every case; a case whose
 * probe is slow at both ends (well above the best value seen so far) is flagged.
 */
#define PROBE_ROUNDS 20000

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
double
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
void
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

/* Opens a case: the load sample and the core-to-core probe case_end closes. */
void
case_begin(struct load_sample *l0, struct disturbance *dist)
{
	load_sample(l0);
	dist->rtt_ns = probe_rtt(&probe_cpus);
}

/* Closes a case begun with case_begin(@l0, @dist): probes again (keeping the better
 * value: slow at both ends is not a passing spike), measures the other load; returns
 * (and notes) whether the case was disturbed. */
bool
case_end(const struct load_sample *l0, struct disturbance *dist)
{
	struct load_sample l1;
	double rtt_after = probe_rtt(&probe_cpus);

	if (rtt_after > 0 && (dist->rtt_ns <= 0 || rtt_after < dist->rtt_ns))
		dist->rtt_ns = rtt_after;
	if (dist->rtt_ns > 0 && dist->rtt_ns < rtt_base)
		rtt_base = dist->rtt_ns;
	load_sample(&l1);
	dist->other_load = other_load(l0, &l1, &dist->steal);
	dist->disturbed = dist->other_load > LOAD_WARN ||
			  (rtt_base > 0 && dist->rtt_ns > PROBE_WARN * rtt_base);
	return dist->disturbed;
}
