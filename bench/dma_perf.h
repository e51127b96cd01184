/* SPDX-License-Identifier: BSD-3-Clause
 *
 * dma_perf's shared declarations: limits, options, the figures of a run and the
 * functions the files lend each other.  What each file does:
 *   main.c         the dispatcher: EAL arguments, thread placement, the mode to run
 *   options.c      --help and the option parser
 *   measure.c      clocks, random data, medians and spread, other load, core-to-core probe
 *   timed_run.c    a device's timed run (warm-up, timed loop, checks) and the memcpy baseline
 *   local.c        copy/fill/sg on dma_skeleton and ref_skel (verification, cases)
 *   wakeup.c       the wake-up latency of a single copy
 *   ipc.c          the inter-process mode's pipe messages and data patterns
 *   ip_peer.c      the inter-process mode's peer process
 *   ip_control.c   the parent's side of the peer: rendezvous directory, start, stop, commands
 *   interprocess.c the inter-process mode's device, paths and cases
 *   report.c       the human-readable lines and tables
 *   report_json.c  the --json document
 * The PASS/MISS targets are not here: bench/check_targets.py judges the JSON.
 */
#ifndef DMA_PERF_H
#define DMA_PERF_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <rte_dmadev.h>

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
#define LOAD_WARN      0.05                /* CPUs of other load above which a case is flagged */
#define PROBE_WARN     1.5  /* flag a case when its probe exceeds this x the best value */

enum kind { K_COPY, K_FILL, K_SG, K_NB };
extern const char *const kind_name[K_NB];

enum { D_SKEL, D_REF, D_NB };
extern const char *const dev_name[D_NB];

/* ---- options.c ---- */

struct options {
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
	bool interos;          /* --interos: the inter-process mode between OS domains */
	int peer_in, peer_out; /* hidden --peer=IN,OUT,PPID: the inter-process peer */
	pid_t peer_parent;
};
extern struct options opt;

void usage(const char *prog);
int parse_options(int argc, char **argv);

/* ---- main.c: the run's setting ---- */

extern cpu_set_t helper_cpus; /* where ref_skel's worker runs without --worker-lcore */
extern FILE *out; /* progress, table and closing line: stdout, or stderr with --json */
extern uint64_t hz;
uint32_t max_size_option(void);

/* ---- measure.c ---- */

/* Load from elsewhere between two samples (see other_load). */
struct load_sample {
	bool ok;
	double machine_busy, steal, self, wall; /* seconds */
	double peer; /* CPU time of the --interprocess peer (part of the benchmark), or -1 */
};

/* Other load and core-to-core probe of one case (a group of runs). */
struct disturbance {
	double other_load, steal; /* CPUs, during the case; < 0: unknown */
	double rtt_ns;            /* core-to-core probe, the better of before/after */
	bool disturbed;           /* other load or a slow probe: figures not representative */
};

extern cpu_set_t probe_cpus;  /* where the core-to-core probe's peer thread runs */
extern double rtt_base;       /* best core-to-core probe so far, ns */
extern bool probe_ok;         /* the probe's threads are on different CPUs */
extern volatile pid_t peer_pid; /* the --interprocess peer while it lives */

uint64_t rng(void);
void fill_random(uint8_t *p, size_t len);
double mono_seconds(void);
uint64_t now_ms(void);
void sleep_us(unsigned int us);
int cmp_double(const void *a, const void *b);
int cmp_u64(const void *a, const void *b);
double median(const double *v, unsigned int n);
double spread(const double *v, unsigned int n);
double sorted_p50(const uint64_t *v, uint64_t n);
double sorted_p99(const uint64_t *v, uint64_t n);
pid_t find_thread(const char *prefix);
int proc_stat(pid_t pid, pid_t tid, char *state, uint64_t *ut, uint64_t *st);
int thread_cpu_ticks(pid_t tid, uint64_t *ut, uint64_t *st);
void load_sample(struct load_sample *ls);
double other_load(const struct load_sample *a, const struct load_sample *b, double *steal);
double probe_rtt(const cpu_set_t *cpus);
void probe_setup(int main_cpu);
void case_begin(struct load_sample *l0, struct disturbance *dist);
bool case_end(const struct load_sample *l0, struct disturbance *dist);

/* ---- timed_run.c ---- */

struct bdev {
	const char *name;
	bool enabled;
	int16_t id;
	bool started;
	uint64_t capa;
	uint16_t max_sges;
};

/* Per start of a device: positions since the start (ring indexes restart at 0). */
struct dev_run {
	int16_t id;
	uint16_t vchan;
	uint16_t limit;  /* most operations in flight */
	uint64_t enq;    /* operations enqueued since the start */
	uint64_t cpl;    /* operations completed since the start */
	uint32_t cursor; /* next buffer */
};

struct bufs {
	uint8_t *src, *dst;
	rte_iova_t src_iova, dst_iova;
	uint32_t size, stride, nr;
};

struct run_stats {
	uint64_t ops;
	uint64_t since_start; /* operations since the device started, warm-up included */
	double secs;
	double mops, gbps, call_ns, p50_ns, p99_ns;
	double worker_sys; /* see device_run */
	uint64_t bursts, empty_polls, enospc;
};

/* One device (or path) in one case: every run's figures and their medians. */
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

/* The memcpy reference of one case, run after each round of device runs. */
struct memcpy_ref {
	unsigned int nref;
	double ref_gbps[MAX_REPEAT];
	double m_ref, ref_sprd;
};

void bufs_layout(struct bufs *b, uint32_t size);
void sg_layout(rte_iova_t src, rte_iova_t dst, uint32_t size, struct rte_dma_sge *s,
	       struct rte_dma_sge *d);
long first_diff(const uint8_t *a, const uint8_t *b, size_t len);
int dev_start(struct bdev *bd, uint16_t vchan, struct dev_run *dr, char *why, size_t why_len);
void dev_stop(struct bdev *bd);
void describe_error(int16_t id, uint16_t vchan, char *why, size_t why_len);
int wait_completions(struct dev_run *dr, uint64_t n, char *why, size_t why_len);
int device_run(struct bdev *bd, uint16_t vchan, enum kind k, const struct bufs *b,
	       struct run_stats *rs, const char *worker, char *why, size_t why_len);
double reference_run(enum kind k, const struct bufs *b);
void ref_add(struct memcpy_ref *m, enum kind k, const struct bufs *b);
void ref_finish(struct memcpy_ref *m);
void dev_result_add(struct dev_result *r, const struct run_stats *rs);
void finish_dev(struct dev_result *r);

/* ---- local.c and wakeup.c ---- */

struct case_result {
	enum kind k;
	uint32_t size;
	struct disturbance dist;
	struct dev_result dev[D_NB];
	struct memcpy_ref ref;
};

enum { W_BUSY, W_ASLEEP, W_NB };
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
	struct disturbance dist;
	struct wake_result dev[D_NB];
};

/* What a run of the local mode or the inter-process mode adds up to. */
struct run_totals {
	unsigned int passed, failed, nb_disturbed, nb_cases;
	double elapsed, load, steal;
};

extern struct bdev devs[D_NB];
int local_main(int main_cpu, double t_start);
int wake_setup(void);
void wake_free(void);
void wake_case_run(int state, struct wake_case *c);

/* ---- interprocess.c, ip_peer.c ---- */

int ip_rundir_create(void);
void ip_rundir_remove(void);
int ip_main(const char *prog, int main_cpu, double t_start);
int peer_main(const char *prog);

/* ---- report.c, report_json.c ---- */

const char *fmt_size(char *buf, size_t len, uint32_t size);
void workers_where(char *where, size_t len);
void print_run_length(void);
void print_run_end(const struct run_totals *t);
void print_progress(const struct case_result *c);
void print_table(const struct case_result *cases, unsigned int nb);
void print_wake_progress(const struct wake_case *c);
void print_wake_table(const struct wake_case *cases, unsigned int nb);
void print_disturbance(const struct disturbance *d);
void print_json(const struct case_result *cases, unsigned int nb, const struct wake_case *wcases,
		unsigned int nb_wake, const struct run_totals *t);

#endif /* DMA_PERF_H */
