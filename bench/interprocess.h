/* SPDX-License-Identifier: BSD-3-Clause
 *
 * dma_perf's inter-process mode (--interprocess): what ipc.c, ip_peer.c,
 * ip_control.c, interprocess.c and the reports share.
 *
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
 *
 * --interos: the same between OS domains.  The parent creates a region file in
 * /dev/shm sized for two windows and both devices get os_region=FILE,os_window=N, so
 * each rte_malloc heap lives in the region; the peer is started through unshare in
 * its own user, PID, mount, IPC and UTS namespaces (the pipes are the benchmark's
 * only other link); vchans are RTE_DMA_INTER_OS_DOMAIN and only the window paths are
 * measured.  At the end the peer is killed and the time until the parent's
 * MEMBER_LEFT event is reported (member_left_ms).
 */
#ifndef DMA_PERF_INTERPROCESS_H
#define DMA_PERF_INTERPROCESS_H

#include <stdatomic.h>

#include "dma_perf.h"

#define IP_DEV          "dma_interdomain"
#define IP_WORKER       "dma-idom"       /* its worker thread's name */
#define IP_REPLY_MS     20000            /* a peer's answer (plus time for big areas) */
#define IP_EXIT_MS      5000             /* the peer's exit once told */

enum { R_WIN_SRC, R_WIN_DST, R_CMA_SRC, R_CMA_DST, R_NB }; /* the peer's areas */
extern const char *const region_name[R_NB];

enum { V_IN, V_OUT, V_LOCAL, V_NB }; /* the parent's vchans */

enum { P_LOCAL, P_WIN_IN, P_WIN_OUT, P_CMA_IN, P_CMA_OUT, P_NB }; /* what is measured */
struct ip_path {
	const char *name, *memory, *direction;
	uint16_t vchan;
	int region; /* the peer's area; -1: none */
};
extern const struct ip_path path[P_NB];

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

/* ipc.c */
uint64_t splitmix(uint64_t x);
void pattern_fill(uint8_t *p, uint64_t off, size_t len, uint64_t seed);
uint64_t peer_seed(uint64_t seed, int region);
long area_check(const uint8_t *base, uint64_t count, uint64_t stride, uint64_t len,
		uint64_t seed, uint8_t *got, uint8_t *want);
int msg_read(int fd, struct ipc_msg *m, uint64_t timeout_ms);
int msg_write(int fd, const struct ipc_msg *m);
void random_bytes(uint8_t *p, size_t len);

struct ip_result {
	struct dev_result d;  /* figures as for the other cases */
	double sys[MAX_REPEAT]; /* the worker's share of time in the kernel, per run */
	unsigned int nsys;
	double m_sys;
};

struct ip_case {
	uint32_t size;
	struct disturbance dist;
	struct ip_result p[P_NB];
	struct memcpy_ref ref;
};

/* The parent's side: its device, the group, the peer and both processes' areas. */
struct ip_state {
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
	/* --interos: the region file, and how long MEMBER_LEFT took for the killed peer */
	char region[96];
	double left_ms;
};
extern struct ip_state ip;

/* Whether path @p is measured: between OS domains only the peer's window is reachable
 * (its mmap areas are outside the region). */
static inline bool
path_used(int p)
{
	return !(opt.interos && (path[p].region == R_CMA_SRC || path[p].region == R_CMA_DST));
}

/* ip_control.c */
int ip_peer_start(const char *prog);
int ip_peer_stop(void);
void ip_peer_kill_timed(void);
int ip_check(int p, uint64_t count, uint64_t stride, uint64_t len, char *why, size_t why_len);
int ip_poison(int p, uint64_t len, char *why, size_t why_len);
void ip_on_event(int16_t dev_id, int16_t group_id, unsigned char *domain_id,
		 enum rte_dma_access_pair_group_event_type event);

/* report.c, report_json.c */
void ip_print_progress(const struct ip_case *c);
void ip_print_table(const struct ip_case *cases, unsigned int nb);
void ip_print_json(const struct ip_case *cases, unsigned int nb, const struct run_totals *t);

#endif /* DMA_PERF_INTERPROCESS_H */
