/* SPDX-License-Identifier: BSD-3-Clause
 *
 * test_interdomain.c - dma_interdomain between real, separate processes.
 *
 * The test program is its own helper: run without --child it is the test
 * driver ("parent"); it starts helpers by fork + exec of /proc/self/exe with
 *
 *     --child=member --name=A --in=<fd> --out=<fd> --parent=<pid>
 *
 * Each helper calls rte_eal_init, creates its own dma_interdomain device and
 * then serves commands that the parent writes on the --in pipe (fixed-size
 * struct msg, one reply per command on the --out pipe): allocate and fill
 * buffers, create/join/leave/destroy groups, look up handlers, wait for group
 * events, compute checksums, move data with its own device, exit.  Domain
 * UUIDs and buffer addresses travel over the pipes; handlers never do (they
 * are per process).
 *
 * Every wait is bounded (pipes are read with poll() and a timeout, events are
 * waited for with a deadline, DMA completions too); a helper exits by itself
 * when its parent dies (PR_SET_PDEATHSIG), when its command pipe closes or
 * after CHILD_IDLE_MS without a command.  A failing case kills and reaps all
 * of its helpers.  The rendezvous directory is private to the run
 * ($DMADEV_RUNTIME_DIR=/tmp/dmadev-test-interdomain-<pid>) and removed at the
 * end.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#include "test_runner.h"

#define DEV_NAME        "dma_interdomain"
#define MIB             (1u << 20)
#define RING_SIZE       1024
#define BURST           8               /* copies per submit */
#define REPLY_MS        10000           /* a helper's answer to a command */
#define OP_TIMEOUT_MS   5000            /* DMA completions */
#define EVENT_WAIT_MS   3000            /* how long anybody waits for an event */
#define EVENT_LIMIT_NS  1000000000ull   /* ... and how late it may be (1 s) */
#define CHILD_IDLE_MS   120000          /* a helper gives up without commands */
#define MAX_CHILDREN    8
#define STRESS_ROUNDS   100
#define INFLIGHT        256             /* copies in flight when a peer is killed */

/* ------------------------------------------------------------------------ */
/* Small utilities                                                           */

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
sleep_us(unsigned int us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static double
ms_since(uint64_t t0)
{
	return (double)(now_ns() - t0) / 1e6;
}

/* A distinct UUID per (tag, n, process). */
static void
make_uuid(uint8_t out[16], uint32_t tag, uint32_t n)
{
	uint32_t pid = (uint32_t)getpid();

	memcpy(out, &tag, 4);
	memcpy(out + 4, &n, 4);
	memcpy(out + 8, &pid, 4);
	out[12] = 0x5a;
	out[13] = 0xa5;
	out[14] = (uint8_t)(tag * 31 + n);
	out[15] = 0x42;
}

static const char *
uuid_str(const uint8_t u[16], char buf[RTE_UUID_STRLEN])
{
	static const char hex[] = "0123456789abcdef";
	int p = 0;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf[p++] = '-';
		buf[p++] = hex[u[i] >> 4];
		buf[p++] = hex[u[i] & 15];
	}
	buf[p] = '\0';
	return buf;
}

/* Deterministic contents from a seed (xorshift64*); seed 0 means zeroes. */
static void
fill_pattern(void *buf, size_t len, uint64_t seed)
{
	uint8_t *p = buf;
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	if (seed == 0) {
		memset(buf, 0, len);
		return;
	}
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		v = x * 0x2545f4914f6cdd1dull;
		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
}

/* 64-bit checksum (FNV-1a over 8-byte words, then the tail bytes). */
static uint64_t
checksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h ^ len;
}

static const char *
status_name(enum rte_dma_status_code st)
{
	switch (st) {
	case RTE_DMA_STATUS_SUCCESSFUL: return "SUCCESSFUL";
	case RTE_DMA_STATUS_INVALID_SRC_ADDR: return "INVALID_SRC_ADDR";
	case RTE_DMA_STATUS_INVALID_DST_ADDR: return "INVALID_DST_ADDR";
	case RTE_DMA_STATUS_DEV_LINK_ERROR: return "DEV_LINK_ERROR";
	case RTE_DMA_STATUS_ERROR_UNKNOWN: return "ERROR_UNKNOWN";
	default: return "other";
	}
}

/* Fails the running case with a message; every case has a `fail:` label. */
#define CHECK(cond, ...) do {                                                 \
	if (!(cond)) {                                                        \
		printf("    %s:%d: check failed: %s\n      ", __FILE__,       \
		       __LINE__, #cond);                                      \
		printf(__VA_ARGS__);                                          \
		printf("\n");                                                 \
		fflush(stdout);                                               \
		goto fail;                                                    \
	}                                                                     \
} while (0)

#define NOTE(...) do { printf("    "); printf(__VA_ARGS__); printf("\n"); fflush(stdout); } while (0)

/* ------------------------------------------------------------------------ */
/* The pipe protocol                                                         */

enum cmd {
	CMD_ALLOC = 1,   /* a[0] kind, a[1] len, a[2] seed          -> value addr */
	CMD_FREE,        /* a[0] addr                                              */
	CMD_CHECKSUM,    /* a[0] addr, a[1] len                      -> value sum  */
	CMD_VERIFY,      /* a[0] addr, a[1] len, value expected sum  -> rc, value  */
	CMD_CREATE,      /* dom, token                     -> rc, group            */
	CMD_JOIN,        /* dom, token, group              -> rc, value = handler
			  *                                   of dom2 (0 if none)  */
	CMD_LEAVE,       /* group                          -> rc                   */
	CMD_DESTROY,     /* group                          -> rc                   */
	CMD_HANDLER,     /* group, dom, a[0] wait ms, a[1] = 1: wait until it
			  * fails instead              -> rc, value handler       */
	CMD_WAIT_EVENT,  /* group, a[0] type, a[1] ms, dom -> rc, dom, value t_ns,
			  *                                   a[0] dev, group      */
	CMD_XFER,        /* group, dom (src member), dom2 (dst member), a[0] src,
			  * a[1] dst, a[2] len   -> rc, value first bad status  */
	CMD_EXIT,
};

enum buf_kind {
	BUF_HEAP = 1,    /* rte_malloc: inside the heap the peers map as a window */
	BUF_ANON,        /* mmap: outside it, reached with cross-memory attach    */
	BUF_HOLE,        /* an unmapped range (mapped, then unmapped)             */
	BUF_STRADDLE,    /* a range whose second half is unmapped                 */
};

struct msg {
	uint32_t cmd;
	int32_t rc;
	int16_t group;
	uint8_t dom[16];
	uint8_t dom2[16];
	uint8_t token[16];
	uint64_t a[3];
	uint64_t value;
};

static int
read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;
	uint8_t *p = buf;
	size_t got = 0;

	while (got < len) {
		uint64_t t = now_ns();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int r;

		if (t >= deadline)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)((deadline - t) / 1000000ull) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue;
		n = read(fd, p + got, len - got);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

static int
write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Group events, as the callback (on the library's control thread) saw them  */

struct ev_rec {
	int16_t dev;
	int16_t group;
	uint8_t dom[16];
	int type;
	uint64_t t_ns;
	bool taken;
};

#define MAX_EVENTS 1024
static struct ev_rec g_ev[MAX_EVENTS];
static unsigned int g_nev;
static pthread_mutex_t g_ev_lock = PTHREAD_MUTEX_INITIALIZER;

static void
on_event(int16_t dev_id, int16_t group_id, unsigned char *domain_id,
	 enum rte_dma_access_pair_group_event_type ev)
{
	uint64_t t = now_ns();

	pthread_mutex_lock(&g_ev_lock);
	if (g_nev < MAX_EVENTS) {
		struct ev_rec *e = &g_ev[g_nev++];

		e->dev = dev_id;
		e->group = group_id;
		memcpy(e->dom, domain_id, 16);
		e->type = (int)ev;
		e->t_ns = t;
		e->taken = false;
	}
	pthread_mutex_unlock(&g_ev_lock);
}

static void
events_reset(void)
{
	pthread_mutex_lock(&g_ev_lock);
	g_nev = 0;
	pthread_mutex_unlock(&g_ev_lock);
}

/* Untaken events of @group (all groups if @group < 0). */
static unsigned int
events_pending(int16_t group)
{
	unsigned int n = 0;

	pthread_mutex_lock(&g_ev_lock);
	for (unsigned int i = 0; i < g_nev; i++)
		if (!g_ev[i].taken && (group < 0 || g_ev[i].group == group))
			n++;
	pthread_mutex_unlock(&g_ev_lock);
	return n;
}

/*
 * Waits up to @timeout_ms for an event of @type on @group (for domain @dom
 * unless NULL) and takes it.  0, or -ETIMEDOUT.
 */
static int
event_wait(int16_t group, int type, const uint8_t *dom, int timeout_ms, struct ev_rec *out)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;

	for (;;) {
		pthread_mutex_lock(&g_ev_lock);
		for (unsigned int i = 0; i < g_nev; i++) {
			struct ev_rec *e = &g_ev[i];

			if (e->taken || e->group != group || e->type != type)
				continue;
			if (dom != NULL && memcmp(e->dom, dom, 16) != 0)
				continue;
			e->taken = true;
			*out = *e;
			pthread_mutex_unlock(&g_ev_lock);
			return 0;
		}
		pthread_mutex_unlock(&g_ev_lock);
		if (now_ns() >= deadline)
			return -ETIMEDOUT;
		sleep_us(500);
	}
}

/* ------------------------------------------------------------------------ */
/* DMA helpers (used by the parent and the helpers alike)                    */

static int16_t g_dev = -1;      /* this process's dma_interdomain device */
static bool g_started;

static void
dev_stop(void)
{
	if (g_started)
		rte_dma_stop(g_dev);
	g_started = false;
}

struct vspec {
	uint16_t src_h;  /* both 0: a local vchan (no domain) */
	uint16_t dst_h;
};

/* Stops the device and gives it @n vchans as @v says, then starts it. */
static int
dev_setup(uint16_t n, const struct vspec *v)
{
	struct rte_dma_conf conf = { .nb_vchans = n };
	int16_t dev = g_dev;
	int rc;

	dev_stop();
	rc = rte_dma_configure(dev, &conf);
	if (rc != 0) {
		printf("    rte_dma_configure(%u vchans): %d\n", n, rc);
		return rc;
	}
	for (uint16_t i = 0; i < n; i++) {
		struct rte_dma_vchan_conf vc = {
			.direction = RTE_DMA_DIR_MEM_TO_MEM,
			.nb_desc = RING_SIZE,
		};

		if (v[i].src_h != 0 || v[i].dst_h != 0) {
			vc.domain.type = RTE_DMA_INTER_PROCESS_DOMAIN;
			vc.domain.src_handler = v[i].src_h;
			vc.domain.dst_handler = v[i].dst_h;
		}
		rc = rte_dma_vchan_setup(dev, i, &vc);
		if (rc != 0) {
			printf("    rte_dma_vchan_setup(vchan %u, src %u, dst %u): %d\n",
			       i, v[i].src_h, v[i].dst_h, rc);
			return rc;
		}
	}
	rc = rte_dma_start(dev);
	if (rc != 0)
		printf("    rte_dma_start: %d\n", rc);
	g_started = rc == 0;
	return rc;
}

/* Collects @n operations that must all succeed. */
static int
reap_ok(int16_t dev, uint16_t vchan, uint16_t n)
{
	uint64_t deadline = now_ns() + OP_TIMEOUT_MS * 1000000ull;
	uint16_t got = 0;

	while (got < n) {
		uint16_t last = 0;
		bool err = false;
		uint16_t k = rte_dma_completed(dev, vchan, n - got, &last, &err);

		got += k;
		if (err) {
			enum rte_dma_status_code st = RTE_DMA_STATUS_SUCCESSFUL;

			while (rte_dma_completed_status(dev, vchan, 1, &last, &st) == 0 &&
			       now_ns() < deadline)
				;
			printf("    vchan %u: operation %u of %u failed with %s (%d)\n",
			       vchan, got, n, status_name(st), (int)st);
			return -1;
		}
		if (got < n && now_ns() >= deadline) {
			printf("    vchan %u: only %u of %u operations completed in %d ms\n",
			       vchan, got, n, OP_TIMEOUT_MS);
			return -1;
		}
		if (k == 0)
			sleep_us(20);
	}
	return 0;
}

/* Copies @len bytes as copies of @chunk bytes, BURST per submit. */
static int
copy_bursts(int16_t dev, uint16_t vchan, uint64_t src, uint64_t dst, uint32_t len,
	    uint32_t chunk)
{
	uint32_t off = 0;

	while (off < len) {
		uint16_t n = 0;

		for (; n < BURST && off < len; n++) {
			uint32_t l = len - off < chunk ? len - off : chunk;
			int idx = rte_dma_copy(dev, vchan, src + off, dst + off, l, 0);

			if (idx < 0) {
				printf("    rte_dma_copy(vchan %u, +%u, %u bytes): %d\n",
				       vchan, off, l, idx);
				return -1;
			}
			off += l;
		}
		if (rte_dma_submit(dev, vchan) != 0 || reap_ok(dev, vchan, n) != 0)
			return -1;
	}
	return 0;
}

/* One scatter-gather copy of @len bytes: @ns equal source segments, @nd equal
 * destination segments. */
static int
copy_sg_split(int16_t dev, uint16_t vchan, uint64_t src, uint64_t dst, uint32_t len,
	      unsigned int ns, unsigned int nd)
{
	struct rte_dma_sge s[4], d[4];
	int idx;

	for (unsigned int i = 0; i < ns; i++) {
		s[i].addr = src + (uint64_t)len / ns * i;
		s[i].length = i + 1 < ns ? len / ns : len - len / ns * (ns - 1);
	}
	for (unsigned int i = 0; i < nd; i++) {
		d[i].addr = dst + (uint64_t)len / nd * i;
		d[i].length = i + 1 < nd ? len / nd : len - len / nd * (nd - 1);
	}
	idx = rte_dma_copy_sg(dev, vchan, s, d, (uint16_t)ns, (uint16_t)nd,
			      RTE_DMA_OP_FLAG_SUBMIT);
	if (idx < 0) {
		printf("    rte_dma_copy_sg(vchan %u, %u -> %u segments): %d\n", vchan, ns, nd, idx);
		return -1;
	}
	return reap_ok(dev, vchan, 1);
}

/*
 * Collects the operations just submitted on @vchan when the first @n_ok succeed,
 * the next one fails with @bad and the @n_after after it succeed: checks that
 * rte_dma_completed() stops before the failure with has_error set, and that
 * rte_dma_completed_status() reports the statuses.
 */
static int
reap_expect(int16_t dev, uint16_t vchan, uint16_t n_ok, enum rte_dma_status_code bad,
	    uint16_t n_after)
{
	uint64_t deadline = now_ns() + OP_TIMEOUT_MS * 1000000ull;
	enum rte_dma_status_code st[64];
	uint16_t got = 0, nst = 0, last = 0;
	bool err = false;

	while (!err) {
		uint16_t k = rte_dma_completed(dev, vchan, (uint16_t)(n_ok + 1 + n_after - got),
					       &last, &err);

		got += k;
		if (!err && now_ns() >= deadline) {
			printf("    vchan %u: no has_error after %u completions\n", vchan, got);
			return -1;
		}
		if (!err && got > n_ok) {
			printf("    vchan %u: %u operations completed without an error, "
			       "expected %s after %u\n", vchan, got, status_name(bad), n_ok);
			return -1;
		}
		if (k == 0 && !err)
			sleep_us(20);
	}
	if (got != n_ok) {
		printf("    vchan %u: rte_dma_completed gave %u before has_error, expected %u\n",
		       vchan, got, n_ok);
		return -1;
	}
	while (nst < 1 + n_after) {
		uint16_t k = rte_dma_completed_status(dev, vchan, (uint16_t)(1 + n_after - nst),
						      &last, st + nst);

		nst += k;
		if (nst < 1 + n_after && now_ns() >= deadline) {
			printf("    vchan %u: only %u statuses collected\n", vchan, nst);
			return -1;
		}
		if (k == 0)
			sleep_us(20);
	}
	if (st[0] != bad) {
		printf("    vchan %u: failed operation has status %s (%d), expected %s\n",
		       vchan, status_name(st[0]), (int)st[0], status_name(bad));
		return -1;
	}
	for (uint16_t i = 1; i < nst; i++)
		if (st[i] != RTE_DMA_STATUS_SUCCESSFUL) {
			printf("    vchan %u: operation %u after the failed one has status %s\n",
			       vchan, i, status_name(st[i]));
			return -1;
		}
	return 0;
}

static uint64_t
vchan_errors(int16_t dev, uint16_t vchan)
{
	struct rte_dma_stats s = { 0, 0, 0 };

	if (rte_dma_stats_get(dev, vchan, &s) != 0)
		return UINT64_MAX;
	return s.errors;
}

/* ------------------------------------------------------------------------ */
/* The helper process                                                        */


struct child_buf {
	uint64_t addr;
	size_t len;
	int kind;
};

static struct child_buf g_bufs[32];

static void
child_alloc(struct msg *m)
{
	size_t len = (size_t)m->a[1];
	void *p = NULL;

	switch (m->a[0]) {
	case BUF_HEAP:
		p = rte_malloc("interdomain", len, 64);
		break;
	case BUF_ANON:
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			p = NULL;
		break;
	case BUF_HOLE:
		p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			p = NULL;
		else
			munmap(p, len);
		m->value = (uint64_t)(uintptr_t)p;
		m->rc = p == NULL ? -ENOMEM : 0;
		return;
	case BUF_STRADDLE: {
		uint8_t *q = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (q == MAP_FAILED) {
			m->rc = -ENOMEM;
			return;
		}
		munmap(q + len, len);
		fill_pattern(q, len, 7);
		m->value = (uint64_t)(uintptr_t)(q + len / 2);
		m->rc = 0;
		return;
	}
	default:
		m->rc = -EINVAL;
		return;
	}
	if (p == NULL) {
		m->rc = -ENOMEM;
		return;
	}
	fill_pattern(p, len, m->a[2]);
	for (unsigned int i = 0; i < sizeof(g_bufs) / sizeof(g_bufs[0]); i++)
		if (g_bufs[i].addr == 0) {
			g_bufs[i] = (struct child_buf){ (uint64_t)(uintptr_t)p, len, (int)m->a[0] };
			break;
		}
	m->value = (uint64_t)(uintptr_t)p;
	m->rc = 0;
}

static void
child_free(struct msg *m)
{
	m->rc = -ENOENT;
	for (unsigned int i = 0; i < sizeof(g_bufs) / sizeof(g_bufs[0]); i++) {
		struct child_buf *b = &g_bufs[i];

		if (b->addr == 0 || b->addr != m->a[0])
			continue;
		if (b->kind == BUF_HEAP)
			rte_free((void *)(uintptr_t)b->addr);
		else
			munmap((void *)(uintptr_t)b->addr, b->len);
		b->addr = 0;
		m->rc = 0;
	}
}

/* A handler lookup that may wait (for another member to appear or go). */
static int
handler_poll(int16_t group, const uint8_t *dom, int wait_ms, bool until_gone, uint16_t *h)
{
	uint64_t deadline = now_ns() + (uint64_t)wait_ms * 1000000ull;

	for (;;) {
		int rc = rte_dma_access_pair_group_handler_get(g_dev, group, dom, h);

		if ((rc == 0) != until_gone || now_ns() >= deadline)
			return rc;
		sleep_us(500);
	}
}

/* The helper moves data with its own device: vchan 0 from member m->dom to member
 * m->dom2. */
static void
child_xfer(struct msg *m)
{
	uint16_t hs = 0, hd = 0;
	struct vspec v;

	m->value = RTE_DMA_STATUS_SUCCESSFUL;
	m->rc = rte_dma_access_pair_group_handler_get(g_dev, m->group, m->dom, &hs);
	if (m->rc == 0)
		m->rc = rte_dma_access_pair_group_handler_get(g_dev, m->group, m->dom2, &hd);
	if (m->rc != 0)
		return;
	v.src_h = hs;
	v.dst_h = hd;
	m->rc = dev_setup(1, &v);
	if (m->rc == 0)
		m->rc = copy_bursts(g_dev, 0, m->a[0], m->a[1], (uint32_t)m->a[2], 64 * 1024);
	dev_stop();
}

static void
child_handle(struct msg *m)
{
	struct ev_rec e;
	uint16_t h = 0;
	int16_t gid = -1;

	switch (m->cmd) {
	case CMD_ALLOC:
		child_alloc(m);
		break;
	case CMD_FREE:
		child_free(m);
		break;
	case CMD_CHECKSUM:
		m->value = checksum((const void *)(uintptr_t)m->a[0], (size_t)m->a[1]);
		m->rc = 0;
		break;
	case CMD_VERIFY: {
		uint64_t sum = checksum((const void *)(uintptr_t)m->a[0], (size_t)m->a[1]);

		m->rc = sum == m->value ? 0 : -1;
		m->value = sum;
		break;
	}
	case CMD_CREATE:
		m->rc = rte_dma_access_pair_group_create(g_dev, m->dom, m->token, &gid, on_event);
		m->group = gid;
		break;
	case CMD_JOIN:
		m->rc = rte_dma_access_pair_group_join(g_dev, m->dom, m->token, m->group, on_event);
		m->value = 0;
		/* The joiner knows every member once join returns. */
		if (m->rc == 0 && rte_dma_access_pair_group_handler_get(g_dev, m->group,
									m->dom2, &h) == 0)
			m->value = h;
		break;
	case CMD_LEAVE:
		m->rc = rte_dma_access_pair_group_leave(g_dev, m->group);
		break;
	case CMD_DESTROY:
		m->rc = rte_dma_access_pair_group_destroy(g_dev, m->group);
		break;
	case CMD_HANDLER:
		m->rc = handler_poll(m->group, m->dom, (int)m->a[0], m->a[1] == 1, &h);
		m->value = h;
		break;
	case CMD_WAIT_EVENT:
		m->rc = event_wait(m->group, (int)m->a[0], m->a[2] ? m->dom : NULL,
				   (int)m->a[1], &e);
		if (m->rc == 0) {
			memcpy(m->dom, e.dom, 16);
			m->value = e.t_ns;
			m->a[0] = (uint64_t)(int64_t)e.dev;
			m->group = e.group;
		}
		break;
	case CMD_XFER:
		child_xfer(m);
		break;
	case CMD_EXIT:
		m->rc = 0;
		break;
	default:
		m->rc = -ENOSYS;
	}
}

static int
child_main(int argc, char **argv)
{
	const char *name = "?";
	int in = -1, out = -1;
	long ppid = -1;
	char *eal_argv[] = { argv[0], NULL };
	struct msg m;

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--name=", 7) == 0)
			name = argv[i] + 7;
		else if (strncmp(argv[i], "--in=", 5) == 0)
			in = atoi(argv[i] + 5);
		else if (strncmp(argv[i], "--out=", 6) == 0)
			out = atoi(argv[i] + 6);
		else if (strncmp(argv[i], "--parent=", 9) == 0)
			ppid = atol(argv[i] + 9);
	}
	/* Never outlive the test driver. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (in < 0 || out < 0 || getppid() != (pid_t)ppid) {
		fprintf(stderr, "helper %s: bad arguments or parent gone\n", name);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (rte_eal_init(1, eal_argv) < 0) {
		fprintf(stderr, "helper %s: rte_eal_init failed\n", name);
		return 2;
	}
	if (rte_vdev_init(DEV_NAME, NULL) != 0 ||
	    (g_dev = (int16_t)rte_dma_get_dev_id_by_name(DEV_NAME)) < 0) {
		fprintf(stderr, "helper %s: cannot create %s\n", name, DEV_NAME);
		return 2;
	}
	/* Tell the parent we are ready: the reply to an implicit hello. */
	memset(&m, 0, sizeof(m));
	m.value = (uint64_t)getpid();
	if (write_full(out, &m, sizeof(m)) != 0)
		return 2;
	for (;;) {
		int r = read_full(in, &m, sizeof(m), CHILD_IDLE_MS);

		if (r != 0) {
			fprintf(stderr, "helper %s: command pipe: %s\n", name, strerror(-r));
			return 3;
		}
		child_handle(&m);
		if (write_full(out, &m, sizeof(m)) != 0)
			return 3;
		if (m.cmd == CMD_EXIT)
			break;
	}
	dev_stop();
	rte_eal_cleanup();
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The parent's side of the helpers                                          */

struct child {
	pid_t pid;
	int to;         /* we write commands here */
	int from;       /* and read replies here */
	char name[8];
	uint8_t dom[16];
};

static struct child g_children[MAX_CHILDREN];
static char g_rundir[128];
static uint8_t g_dom[16];          /* the parent's domain */
static uint32_t g_uuid_n;          /* makes every token / domain distinct */

/* waitpid() with a deadline: the pid, or -1 if @pid did not end in time. */
static pid_t
wait_pid(pid_t pid, int *status, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;
	pid_t r;

	while ((r = waitpid(pid, status, WNOHANG)) == 0 && now_ns() < deadline)
		sleep_us(500);
	return r == pid ? pid : -1;
}

static void
reap_child(struct child *c, bool force)
{
	int status = 0;

	if (c->pid <= 0)
		return;
	if (force)
		kill(c->pid, SIGKILL);
	if (wait_pid(c->pid, &status, 3000) < 0) {
		kill(c->pid, SIGKILL);
		if (wait_pid(c->pid, &status, 3000) < 0)
			printf("    helper %s (pid %ld) could not be reaped\n", c->name, (long)c->pid);
	}
	close(c->to);
	close(c->from);
	c->pid = 0;
}

static void
kill_all_children(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		reap_child(&g_children[i], true);
}

/* Starts helper @name: fork + exec /proc/self/exe --child=member ... */
static struct child *
spawn_child(const char *name)
{
	int cmd[2], rep[2];
	char a_name[32], a_in[32], a_out[32], a_parent[32];
	char *args[8];
	struct child *c = NULL;
	struct msg hello;
	pid_t pid;
	int r;

	for (int i = 0; i < MAX_CHILDREN; i++)
		if (g_children[i].pid == 0) {
			c = &g_children[i];
			break;
		}
	if (c == NULL) {
		printf("    too many helpers\n");
		return NULL;
	}
	if (pipe2(cmd, O_CLOEXEC) != 0)
		return NULL;
	if (pipe2(rep, O_CLOEXEC) != 0) {
		close(cmd[0]);
		close(cmd[1]);
		return NULL;
	}
	/* Everything exec needs is prepared before fork: only async-signal-safe
	 * calls run in the child of a multi-threaded process. */
	snprintf(a_name, sizeof(a_name), "--name=%s", name);
	snprintf(a_in, sizeof(a_in), "--in=%d", cmd[0]);
	snprintf(a_out, sizeof(a_out), "--out=%d", rep[1]);
	snprintf(a_parent, sizeof(a_parent), "--parent=%ld", (long)getpid());
	args[0] = (char *)"test_interdomain";
	args[1] = (char *)"--child=member";
	args[2] = a_name;
	args[3] = a_in;
	args[4] = a_out;
	args[5] = a_parent;
	args[6] = NULL;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(cmd[0]);
		close(cmd[1]);
		close(rep[0]);
		close(rep[1]);
		return NULL;
	}
	if (pid == 0) {
		/* Only the helper's two ends cross exec. */
		if (fcntl(cmd[0], F_SETFD, 0) != 0 || fcntl(rep[1], F_SETFD, 0) != 0)
			_exit(126);
		execv("/proc/self/exe", args);
		_exit(127);
	}
	close(cmd[0]);
	close(rep[1]);
	c->pid = pid;
	c->to = cmd[1];
	c->from = rep[0];
	snprintf(c->name, sizeof(c->name), "%s", name);
	make_uuid(c->dom, 0xc0de0000u | (uint32_t)name[0], ++g_uuid_n);
	r = read_full(c->from, &hello, sizeof(hello), REPLY_MS);
	if (r != 0 || hello.value != (uint64_t)pid) {
		printf("    helper %s (pid %ld) did not start: %s\n", name, (long)pid,
		       r != 0 ? strerror(-r) : "bad hello");
		reap_child(c, true);
		return NULL;
	}
	return c;
}

static int
child_send(struct child *c, struct msg *m)
{
	int r = write_full(c->to, m, sizeof(*m));

	if (r != 0)
		printf("    helper %s: cannot send command %u: %s\n", c->name, m->cmd, strerror(-r));
	return r;
}

static int
child_recv(struct child *c, struct msg *m, int timeout_ms)
{
	uint32_t cmd = m->cmd;
	int r = read_full(c->from, m, sizeof(*m), timeout_ms);

	if (r != 0)
		printf("    helper %s: no reply to command %u: %s\n", c->name, cmd, strerror(-r));
	else if (m->cmd != cmd) {
		printf("    helper %s: reply to command %u, expected %u\n", c->name, m->cmd, cmd);
		r = -EPROTO;
	}
	return r;
}

/* Sends @m to @c and waits for the reply (in @m).  0 if the exchange worked
 * (the command's own result is m->rc). */
static int
child_call(struct child *c, struct msg *m)
{
	int r = child_send(c, m);

	return r != 0 ? r : child_recv(c, m, REPLY_MS);
}

/* Asks @c to exit and checks that it exited with status 0. */
static int
child_exit(struct child *c)
{
	struct msg m = { .cmd = CMD_EXIT };
	int status = -1, r;

	r = child_call(c, &m);
	if (r == 0 && wait_pid(c->pid, &status, 5000) < 0) {
		printf("    helper %s did not exit\n", c->name);
		r = -1;
	}
	if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		printf("    helper %s ended with status 0x%x\n", c->name, status);
		r = -1;
	}
	if (r == 0) {
		close(c->to);
		close(c->from);
		c->pid = 0;
	} else {
		reap_child(c, true);
	}
	return r;
}

/* Convenience wrappers; each returns the command's rc (or the pipe error). */
static int
c_alloc(struct child *c, int kind, size_t len, uint64_t seed, uint64_t *addr)
{
	struct msg m = { .cmd = CMD_ALLOC, .a = { (uint64_t)kind, len, seed } };
	int r = child_call(c, &m);

	*addr = m.value;
	return r != 0 ? r : m.rc;
}

static int
c_checksum(struct child *c, uint64_t addr, size_t len, uint64_t *sum)
{
	struct msg m = { .cmd = CMD_CHECKSUM, .a = { addr, len, 0 } };
	int r = child_call(c, &m);

	*sum = m.value;
	return r != 0 ? r : m.rc;
}

static int
c_verify(struct child *c, uint64_t addr, size_t len, uint64_t expected)
{
	struct msg m = { .cmd = CMD_VERIFY, .a = { addr, len, 0 }, .value = expected };
	int r = child_call(c, &m);

	if (r == 0 && m.rc != 0)
		printf("    helper %s: checksum of 0x%" PRIx64 "+%zu is %016" PRIx64
		       ", expected %016" PRIx64 "\n", c->name, addr, len, m.value, expected);
	return r != 0 ? r : m.rc;
}

/* Joins @group as @c's domain; *creator_h gets the creator's handler as the
 * helper sees it (0 if it could not look it up). */
static int
c_join(struct child *c, int16_t group, const uint8_t *dom, const uint8_t *token,
       const uint8_t *creator, uint16_t *creator_h)
{
	struct msg m = { .cmd = CMD_JOIN, .group = group };
	int r;

	memcpy(m.dom, dom, 16);
	memcpy(m.token, token, 16);
	if (creator != NULL)
		memcpy(m.dom2, creator, 16);
	r = child_call(c, &m);
	if (creator_h != NULL)
		*creator_h = (uint16_t)m.value;
	return r != 0 ? r : m.rc;
}

static int
c_simple(struct child *c, uint32_t cmd, int16_t group)
{
	struct msg m = { .cmd = cmd, .group = group };
	int r = child_call(c, &m);

	return r != 0 ? r : m.rc;
}

static int
c_handler(struct child *c, int16_t group, const uint8_t *dom, int wait_ms, bool until_gone,
	  uint16_t *h)
{
	struct msg m = { .cmd = CMD_HANDLER, .group = group,
			 .a = { (uint64_t)wait_ms, until_gone ? 1 : 0, 0 } };
	int r;

	memcpy(m.dom, dom, 16);
	r = child_call(c, &m);
	*h = (uint16_t)m.value;
	return r != 0 ? r : m.rc;
}

/* Asks @c to wait for an event (the reply comes later: c_event_result). */
static int
c_event_ask(struct child *c, int16_t group, int type, const uint8_t *dom)
{
	struct msg m = { .cmd = CMD_WAIT_EVENT, .group = group,
			 .a = { (uint64_t)type, EVENT_WAIT_MS, dom != NULL } };

	if (dom != NULL)
		memcpy(m.dom, dom, 16);
	return child_send(c, &m);
}

static int
c_event_result(struct child *c, struct ev_rec *e)
{
	struct msg m = { .cmd = CMD_WAIT_EVENT };
	int r = child_recv(c, &m, EVENT_WAIT_MS + REPLY_MS);

	if (r != 0)
		return r;
	if (m.rc != 0)
		return m.rc;
	e->dev = (int16_t)m.a[0];
	e->group = m.group;
	memcpy(e->dom, m.dom, 16);
	e->t_ns = m.value;
	return 0;
}

/* The parent's groups, so a failed case can give them up. */
struct own_group {
	int16_t id;
	bool creator;
	bool used;
};

static struct own_group g_groups[16];

static void
track_group(int16_t id, bool creator)
{
	for (unsigned int i = 0; i < sizeof(g_groups) / sizeof(g_groups[0]); i++)
		if (!g_groups[i].used) {
			g_groups[i] = (struct own_group){ id, creator, true };
			return;
		}
}

static void
untrack_group(int16_t id)
{
	for (unsigned int i = 0; i < sizeof(g_groups) / sizeof(g_groups[0]); i++)
		if (g_groups[i].used && g_groups[i].id == id)
			g_groups[i].used = false;
}

static void
drop_groups(void)
{
	for (unsigned int i = 0; i < sizeof(g_groups) / sizeof(g_groups[0]); i++) {
		struct own_group *g = &g_groups[i];

		if (!g->used)
			continue;
		if (g->creator)
			rte_dma_access_pair_group_destroy(g_dev, g->id);
		else
			rte_dma_access_pair_group_leave(g_dev, g->id);
		g->used = false;
	}
}

/* End of every case: helpers reaped, groups given up, device stopped. */
static int
case_end(int rc)
{
	if (rc != TEST_SUCCESS)
		kill_all_children();
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (g_children[i].pid != 0 && child_exit(&g_children[i]) != 0)
			rc = TEST_FAILED;
	drop_groups();
	dev_stop();
	events_reset();
	return rc;
}

static int
create_group(uint8_t token[16], int16_t *group)
{
	int rc;

	make_uuid(token, 0x70ce0000u, ++g_uuid_n);
	*group = -1;
	rc = rte_dma_access_pair_group_create(g_dev, g_dom, token, group, on_event);
	if (rc == 0)
		track_group(*group, true);
	else
		printf("    rte_dma_access_pair_group_create: %d\n", rc);
	return rc;
}

/*
 * The creator's handler of a member that just joined.  The helper's join has
 * returned (it was admitted and knows every member) and it told us so over the
 * pipe, as an application would: the creator should know the member now.
 * Waits up to 2 s and counts the lookups that did not succeed at once.
 */
static int
creator_handler(int16_t group, const uint8_t *dom, uint16_t *h)
{
	/* The creator knows a member as soon as that member's join has returned. */
	int rc = rte_dma_access_pair_group_handler_get(g_dev, group, dom, h);

	if (rc != 0)
		printf("    the creator does not know the member whose join returned: %d\n", rc);
	return rc;
}

/* Creates a group and has each helper of @cs join it; fills handlers. */
static int
group_with(struct child **cs, int n, uint8_t token[16], int16_t *group, uint16_t *h_self,
	   uint16_t *h)
{
	int rc = create_group(token, group);

	if (rc != 0)
		return rc;
	rc = rte_dma_access_pair_group_handler_get(g_dev, *group, g_dom, h_self);
	if (rc != 0 || *h_self == 0) {
		printf("    creator's own handler: rc %d, handler %u\n", rc, *h_self);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		uint16_t hc = 0;

		rc = c_join(cs[i], *group, cs[i]->dom, token, g_dom, &hc);
		if (rc != 0 || hc == 0) {
			printf("    helper %s: join: %d, creator's handler %u\n", cs[i]->name, rc, hc);
			return -1;
		}
		rc = creator_handler(*group, cs[i]->dom, &h[i]);
		if (rc != 0 || h[i] == 0)
			return -1;
	}
	return 0;
}

/* Parent-side buffer from rte_malloc, filled from @seed. */
static uint8_t *
lbuf(size_t len, uint64_t seed)
{
	uint8_t *p = rte_malloc("interdomain", len, 64);

	if (p != NULL)
		fill_pattern(p, len, seed);
	return p;
}

static uint64_t
iova(const void *p)
{
	return rte_malloc_virt2iova(p);
}

/* ------------------------------------------------------------------------ */
/* The cases                                                                 */

/* 1. Two processes: 1 MiB each way, copies in bursts and scatter-gather. */
static int
test_two_process_transfer(void)
{
	struct child *a = spawn_child("A");
	uint8_t token[16];
	int16_t g = -1;
	uint16_t hp = 0, ha = 0;
	uint64_t a_src_heap = 0, a_src_anon = 0, a_dst_heap = 0, a_dst_anon = 0, a_pull = 0;
	uint64_t sum, t0;
	uint8_t *l1 = lbuf(MIB, 0), *l2 = lbuf(MIB, 0), *l3 = lbuf(MIB, 303), *l4 = lbuf(MIB, 404);
	struct vspec v[2];
	struct msg m;
	int rc = TEST_FAILED;

	CHECK(a != NULL, "spawn");
	CHECK(l1 && l2 && l3 && l4, "rte_malloc");
	CHECK(group_with(&a, 1, token, &g, &hp, &ha) == 0, "group of two");
	CHECK(ha != hp, "handlers %u and %u", ha, hp);
	/* A's memory: sources filled by A, destinations zeroed; heap buffers lie in
	 * the window A offered, anonymous ones do not (cross-memory attach). */
	CHECK(c_alloc(a, BUF_HEAP, MIB, 101, &a_src_heap) == 0, "alloc");
	CHECK(c_alloc(a, BUF_ANON, MIB, 202, &a_src_anon) == 0, "alloc");
	CHECK(c_alloc(a, BUF_HEAP, MIB, 0, &a_dst_heap) == 0, "alloc");
	CHECK(c_alloc(a, BUF_ANON, MIB, 0, &a_dst_anon) == 0, "alloc");
	CHECK(c_alloc(a, BUF_HEAP, MIB, 0, &a_pull) == 0, "alloc");

	v[0] = (struct vspec){ ha, hp };   /* peer -> local */
	v[1] = (struct vspec){ hp, ha };   /* local -> peer */
	CHECK(dev_setup(2, v) == 0, "device setup");

	t0 = now_ns();
	CHECK(copy_bursts(g_dev, 0, a_src_heap, iova(l1), MIB, 64 * 1024) == 0,
	      "peer->local copies (A's heap)");
	CHECK(copy_sg_split(g_dev, 0, a_src_anon, iova(l2), MIB, 4, 3) == 0,
	      "peer->local scatter-gather (A's anonymous memory)");
	CHECK(copy_bursts(g_dev, 1, iova(l3), a_dst_anon, MIB, 32 * 1024) == 0,
	      "local->peer copies (A's anonymous memory)");
	CHECK(copy_sg_split(g_dev, 1, iova(l4), a_dst_heap, MIB, 3, 4) == 0,
	      "local->peer scatter-gather (A's heap)");
	NOTE("4 MiB moved (2 MiB each way) in %.1f ms", ms_since(t0));

	CHECK(c_checksum(a, a_src_heap, MIB, &sum) == 0, "checksum");
	CHECK(sum == checksum(l1, MIB), "peer->local copies: A %016" PRIx64 ", here %016" PRIx64,
	      sum, checksum(l1, MIB));
	CHECK(c_checksum(a, a_src_anon, MIB, &sum) == 0, "checksum");
	CHECK(sum == checksum(l2, MIB), "peer->local sg: A %016" PRIx64 ", here %016" PRIx64,
	      sum, checksum(l2, MIB));
	CHECK(c_checksum(a, a_dst_anon, MIB, &sum) == 0, "checksum");
	CHECK(sum == checksum(l3, MIB), "local->peer copies: A %016" PRIx64 ", here %016" PRIx64,
	      sum, checksum(l3, MIB));
	CHECK(c_checksum(a, a_dst_heap, MIB, &sum) == 0, "checksum");
	CHECK(sum == checksum(l4, MIB), "local->peer sg: A %016" PRIx64 ", here %016" PRIx64,
	      sum, checksum(l4, MIB));
	CHECK(checksum(l1, MIB) != checksum(l2, MIB), "the sources differ");

	/* The joiner moves data with its own device too: it pulls l3 from us. */
	memset(&m, 0, sizeof(m));
	m.cmd = CMD_XFER;
	m.group = g;
	memcpy(m.dom, g_dom, 16);
	memcpy(m.dom2, a->dom, 16);
	m.a[0] = iova(l3);
	m.a[1] = a_pull;
	m.a[2] = MIB;
	CHECK(child_call(a, &m) == 0 && m.rc == 0, "joiner's own peer->local transfer: %d", m.rc);
	CHECK(c_verify(a, a_pull, MIB, checksum(l3, MIB)) == 0, "joiner's copy of our buffer");
	rc = TEST_SUCCESS;
fail:
	rte_free(l1);
	rte_free(l2);
	rte_free(l3);
	rte_free(l4);
	return case_end(rc);
}

/* 2. Three members: the creator copies A's memory into B's. */
static int
test_peer_to_peer(void)
{
	struct child *cs[2] = { spawn_child("A"), spawn_child("B") };
	uint8_t token[16];
	int16_t g = -1;
	uint16_t hp = 0, h[2] = { 0, 0 };
	uint64_t a_heap = 0, a_anon = 0, b_heap = 0, b_anon = 0, sa_heap = 0, sa_anon = 0;
	uint64_t t0;
	struct vspec v;
	int rc = TEST_FAILED;

	CHECK(cs[0] != NULL && cs[1] != NULL, "spawn");
	CHECK(group_with(cs, 2, token, &g, &hp, h) == 0, "group of three");
	CHECK(c_alloc(cs[0], BUF_HEAP, MIB, 11, &a_heap) == 0, "alloc");
	CHECK(c_alloc(cs[0], BUF_ANON, MIB, 12, &a_anon) == 0, "alloc");
	CHECK(c_alloc(cs[1], BUF_HEAP, MIB, 0, &b_heap) == 0, "alloc");
	CHECK(c_alloc(cs[1], BUF_ANON, MIB, 0, &b_anon) == 0, "alloc");
	CHECK(c_checksum(cs[0], a_heap, MIB, &sa_heap) == 0, "checksum");
	CHECK(c_checksum(cs[0], a_anon, MIB, &sa_anon) == 0, "checksum");

	v = (struct vspec){ h[0], h[1] };  /* peer A -> peer B */
	CHECK(dev_setup(1, &v) == 0, "device setup");
	t0 = now_ns();
	CHECK(copy_bursts(g_dev, 0, a_heap, b_heap, MIB, 64 * 1024) == 0,
	      "A's heap -> B's heap in copies");
	CHECK(copy_sg_split(g_dev, 0, a_anon, b_anon, MIB, 4, 2) == 0,
	      "A's anonymous memory -> B's, one scatter-gather copy");
	NOTE("2 MiB moved peer->peer in %.1f ms", ms_since(t0));
	CHECK(c_verify(cs[1], b_heap, MIB, sa_heap) == 0, "B verifies the copies");
	CHECK(c_verify(cs[1], b_anon, MIB, sa_anon) == 0, "B verifies the scatter-gather copy");
	rc = TEST_SUCCESS;
fail:
	return case_end(rc);
}

/* A group id nobody uses (no socket file for it). */
static int16_t
unused_group_id(void)
{
	char path[256];

	for (int16_t id = 4000; id < 5000; id++) {
		snprintf(path, sizeof(path), "%s/group-%d.sock", g_rundir, id);
		if (access(path, F_OK) != 0)
			return id;
	}
	return 5000;
}

/* 3. Admission: wrong token, a domain already in, a group that does not exist. */
static int
test_join_refusals(void)
{
	struct child *a = spawn_child("A"), *b = spawn_child("B");
	uint8_t token[16], wrong[16];
	int16_t g = -1, none;
	uint16_t h = 0, hc = 0;
	int r;
	int rc = TEST_FAILED;

	CHECK(a != NULL && b != NULL, "spawn");
	CHECK(create_group(token, &g) == 0, "create");
	memcpy(wrong, token, 16);
	wrong[15] ^= 1;

	r = c_join(a, g, a->dom, wrong, NULL, NULL);
	CHECK(r == -EACCES, "join with the wrong token: %d, expected -EACCES", r);
	r = rte_dma_access_pair_group_handler_get(g_dev, g, a->dom, &h);
	CHECK(r == -EINVAL, "creator's handler_get of the refused domain: %d", r);
	r = rte_dma_access_pair_group_handler_get(g_dev, g, g_dom, &h);
	CHECK(r == 0 && h != 0, "creator still a member: %d", r);
	r = c_handler(a, g, g_dom, 0, false, &h);
	CHECK(r == -EINVAL, "refused helper's handler_get: %d", r);

	r = c_join(a, g, a->dom, token, g_dom, &hc);
	CHECK(r == 0 && hc != 0, "join with the right token after a refusal: %d", r);
	CHECK(creator_handler(g, a->dom, &h) == 0, "creator sees A");

	r = c_join(a, g, a->dom, token, NULL, NULL);
	CHECK(r == -EEXIST, "same process, same domain again: %d, expected -EEXIST", r);
	r = c_join(b, g, a->dom, token, NULL, NULL);
	CHECK(r == -EEXIST, "A's domain from another process: %d, expected -EEXIST", r);
	r = c_join(b, g, g_dom, token, NULL, NULL);
	CHECK(r == -EEXIST, "the creator's domain: %d, expected -EEXIST", r);

	none = unused_group_id();
	r = c_join(b, none, b->dom, token, NULL, NULL);
	CHECK(r == -ENOENT, "group %d that does not exist: %d, expected -ENOENT", none, r);
	r = c_join(b, -1, b->dom, token, NULL, NULL);
	CHECK(r < 0, "group id -1: %d", r);

	/* None of that changed the group: B can still join, A is still in. */
	r = c_join(b, g, b->dom, token, g_dom, &hc);
	CHECK(r == 0 && hc != 0, "B joins after its refusals: %d", r);
	CHECK(creator_handler(g, b->dom, &h) == 0, "creator sees B");
	r = c_handler(b, g, a->dom, 2000, false, &h);
	CHECK(r == 0 && h != 0, "B sees A: %d", r);
	r = c_handler(a, g, b->dom, 2000, false, &h);
	CHECK(r == 0 && h != 0, "A sees B: %d", r);
	CHECK(events_pending(g) == 0, "no event from refused joins (%u)", events_pending(g));
	rc = TEST_SUCCESS;
fail:
	return case_end(rc);
}

/* 4. Handlers: every member has one everywhere; vchan_setup refuses others. */
static int
test_handlers_and_vchan_setup(void)
{
	struct child *cs[2] = { spawn_child("A"), spawn_child("B") };
	uint8_t token[16], stranger[16];
	int16_t g = -1;
	uint16_t hp = 0, h[2] = { 0, 0 }, hx = 0, bad, hb_old, hb_new = 0;
	struct rte_dma_conf conf = { .nb_vchans = 1 };
	struct rte_dma_vchan_conf vc = {
		.direction = RTE_DMA_DIR_MEM_TO_MEM,
		.nb_desc = RING_SIZE,
	};
	struct ev_rec e;
	int r, rc = TEST_FAILED;

	CHECK(cs[0] != NULL && cs[1] != NULL, "spawn");
	CHECK(group_with(cs, 2, token, &g, &hp, h) == 0, "group of three");
	make_uuid(stranger, 0x5e5e0000u, ++g_uuid_n);
	CHECK(hp != h[0] && hp != h[1] && h[0] != h[1], "distinct: %u %u %u", hp, h[0], h[1]);
	for (int i = 0; i < 2; i++) {
		const uint8_t *doms[3] = { g_dom, cs[0]->dom, cs[1]->dom };

		for (int j = 0; j < 3; j++) {
			r = c_handler(cs[i], g, doms[j], 2000, false, &hx);
			CHECK(r == 0 && hx != 0, "helper %s, member %d: %d, handler %u",
			      cs[i]->name, j, r, hx);
		}
		r = c_handler(cs[i], g, stranger, 0, false, &hx);
		CHECK(r == -EINVAL, "helper %s, non-member: %d", cs[i]->name, r);
	}
	r = rte_dma_access_pair_group_handler_get(g_dev, g, stranger, &hx);
	CHECK(r == -EINVAL, "non-member domain: %d", r);
	r = rte_dma_access_pair_group_handler_get(g_dev, unused_group_id(), g_dom, &hx);
	CHECK(r == -EINVAL, "group we are not in: %d", r);

	bad = hp > h[0] ? hp : h[0];
	bad = (uint16_t)((bad > h[1] ? bad : h[1]) + 100);   /* above every handler */
	dev_stop();
	CHECK(rte_dma_configure(g_dev, &conf) == 0, "configure");
	vc.domain.type = RTE_DMA_INTER_PROCESS_DOMAIN;
	vc.domain.src_handler = 0;
	vc.domain.dst_handler = h[0];
	r = rte_dma_vchan_setup(g_dev, 0, &vc);
	CHECK(r == -EINVAL, "source handler 0: %d", r);
	vc.domain.src_handler = h[0];
	vc.domain.dst_handler = 0;
	r = rte_dma_vchan_setup(g_dev, 0, &vc);
	CHECK(r == -EINVAL, "destination handler 0: %d", r);
	vc.domain.src_handler = bad;
	vc.domain.dst_handler = hp;
	r = rte_dma_vchan_setup(g_dev, 0, &vc);
	CHECK(r == -EINVAL, "source handler %u (no member): %d", bad, r);
	vc.domain.src_handler = hp;
	vc.domain.dst_handler = bad;
	r = rte_dma_vchan_setup(g_dev, 0, &vc);
	CHECK(r == -EINVAL, "destination handler %u (no member): %d", bad, r);
	vc.domain.src_handler = h[0];
	vc.domain.dst_handler = h[1];
	r = rte_dma_vchan_setup(g_dev, 0, &vc);
	CHECK(r == 0, "members' handlers: %d", r);

	/* A departed member's handler is refused, and a rejoin gets a new one. */
	hb_old = h[1];
	CHECK(c_simple(cs[1], CMD_LEAVE, g) == 0, "B leaves");
	CHECK(event_wait(g, RTE_DMA_GROUP_EVENT_MEMBER_LEFT, cs[1]->dom, EVENT_WAIT_MS, &e) == 0,
	      "MEMBER_LEFT for B");
	vc.domain.src_handler = h[0];
	vc.domain.dst_handler = hb_old;
	r = rte_dma_vchan_setup(g_dev, 0, &vc);
	CHECK(r == -EINVAL, "handler %u of a member that left: %d", hb_old, r);
	r = c_handler(cs[0], g, cs[1]->dom, 2000, true, &hx);
	CHECK(r == -EINVAL, "A forgets B: %d", r);
	CHECK(c_join(cs[1], g, cs[1]->dom, token, g_dom, &hx) == 0, "B joins again");
	CHECK(creator_handler(g, cs[1]->dom, &hb_new) == 0, "creator sees B again");
	CHECK(hb_new != 0 && hb_new != hb_old, "new handler %u, old %u", hb_new, hb_old);
	vc.domain.dst_handler = hb_old;
	r = rte_dma_vchan_setup(g_dev, 0, &vc);
	CHECK(r == -EINVAL, "old handler %u after the rejoin: %d", hb_old, r);
	vc.domain.dst_handler = hb_new;
	r = rte_dma_vchan_setup(g_dev, 0, &vc);
	CHECK(r == 0, "new handler %u: %d", hb_new, r);
	rc = TEST_SUCCESS;
fail:
	return case_end(rc);
}

/*
 * Shared by cases 5 and 6: A is gone (left or killed at @t0); the creator and
 * B must hear of it within 1 s, vchan 0 (bound to A) must fail cleanly and
 * vchan 1 (local) must still work.
 */
static int
check_member_gone(int16_t g, struct child *a, struct child *b, uint64_t t0, uint64_t a_buf,
		  uint8_t *dst, uint8_t *lsrc, uint8_t *ldst)
{
	struct ev_rec e, eb;
	char s1[RTE_UUID_STRLEN], s2[RTE_UUID_STRLEN];
	uint64_t e0;
	uint16_t h = 0;
	int r;

	r = event_wait(g, RTE_DMA_GROUP_EVENT_MEMBER_LEFT, NULL, EVENT_WAIT_MS, &e);
	CHECK(r == 0, "the creator got no MEMBER_LEFT in %d ms", EVENT_WAIT_MS);
	CHECK(memcmp(e.dom, a->dom, 16) == 0, "MEMBER_LEFT names %s, expected %s",
	      uuid_str(e.dom, s1), uuid_str(a->dom, s2));
	CHECK(e.dev == g_dev && e.group == g, "event for device %d group %d", e.dev, e.group);
	CHECK(e.t_ns - t0 <= EVENT_LIMIT_NS, "the creator's MEMBER_LEFT came after %.1f ms",
	      (double)(e.t_ns - t0) / 1e6);
	r = c_event_result(b, &eb);
	CHECK(r == 0, "B got no MEMBER_LEFT: %d", r);
	CHECK(memcmp(eb.dom, a->dom, 16) == 0 && eb.group == g, "B's event names another member");
	CHECK(eb.t_ns - t0 <= EVENT_LIMIT_NS, "B's MEMBER_LEFT came after %.1f ms",
	      (double)(eb.t_ns - t0) / 1e6);
	NOTE("MEMBER_LEFT after %.2f ms (creator), %.2f ms (member B)",
	     (double)(e.t_ns - t0) / 1e6, (double)(eb.t_ns - t0) / 1e6);
	CHECK(events_pending(g) == 0, "%u more events", events_pending(g));

	/* An operation on the vchan bound to the departed member fails cleanly. */
	e0 = vchan_errors(g_dev, 0);
	r = rte_dma_copy(g_dev, 0, a_buf, iova(dst), 4096, RTE_DMA_OP_FLAG_SUBMIT);
	CHECK(r >= 0, "copy after the departure: %d", r);
	CHECK(reap_expect(g_dev, 0, 0, RTE_DMA_STATUS_DEV_LINK_ERROR, 0) == 0, "DEV_LINK_ERROR");
	CHECK(vchan_errors(g_dev, 0) == e0 + 1, "stats errors %" PRIu64 ", expected %" PRIu64,
	      vchan_errors(g_dev, 0), e0 + 1);
	/* A local copy on another vchan still works. */
	fill_pattern(lsrc, 65536, 99);
	memset(ldst, 0, 65536);
	r = rte_dma_copy(g_dev, 1, iova(lsrc), iova(ldst), 65536, RTE_DMA_OP_FLAG_SUBMIT);
	CHECK(r >= 0 && reap_ok(g_dev, 1, 1) == 0, "local copy: %d", r);
	CHECK(memcmp(lsrc, ldst, 65536) == 0, "local copy data");
	/* Later operations on the dead vchan keep failing the same way. */
	CHECK(rte_dma_copy(g_dev, 0, a_buf, iova(dst), 64, 0) >= 0, "copy");
	CHECK(rte_dma_copy(g_dev, 0, a_buf + 64, iova(dst) + 64, 64, 0) >= 0, "copy");
	CHECK(rte_dma_submit(g_dev, 0) == 0, "submit");
	CHECK(reap_expect(g_dev, 0, 0, RTE_DMA_STATUS_DEV_LINK_ERROR, 0) == 0, "first");
	CHECK(reap_expect(g_dev, 0, 0, RTE_DMA_STATUS_DEV_LINK_ERROR, 0) == 0, "second");
	CHECK(vchan_errors(g_dev, 0) == e0 + 3, "stats errors %" PRIu64 ", expected %" PRIu64,
	      vchan_errors(g_dev, 0), e0 + 3);
	r = rte_dma_access_pair_group_handler_get(g_dev, g, a->dom, &h);
	CHECK(r == -EINVAL, "handler_get of the departed member: %d", r);
	return 0;
fail:
	return -1;
}

/* Cases 5 and 6: a joiner A departs (@kill_it: kill -9, else leave). */
static int
member_departs(bool kill_it)
{
	struct child *cs[2] = { spawn_child("A"), spawn_child("B") };
	struct child *a = cs[0], *b = cs[1];
	uint8_t token[16];
	int16_t g = -1;
	uint16_t hp = 0, h[2] = { 0, 0 }, hx = 0;
	uint64_t a_buf = 0, a_anon = 0, sum = 0, t0;
	uint8_t *dst = lbuf(INFLIGHT * 32768, 0), *lsrc = lbuf(65536, 0), *ldst = lbuf(65536, 0);
	struct vspec v[2];
	int status = 0, r, rc = TEST_FAILED;

	CHECK(a != NULL && b != NULL, "spawn");
	CHECK(dst && lsrc && ldst, "rte_malloc");
	CHECK(group_with(cs, 2, token, &g, &hp, h) == 0, "group of three");
	CHECK(c_alloc(a, BUF_HEAP, 65536, 5, &a_buf) == 0, "alloc");
	CHECK(c_alloc(a, BUF_ANON, INFLIGHT * 32768, 6, &a_anon) == 0, "alloc");
	CHECK(c_checksum(a, a_buf, 65536, &sum) == 0, "checksum");
	v[0] = (struct vspec){ h[0], hp };  /* A -> here */
	v[1] = (struct vspec){ 0, 0 };      /* local */
	CHECK(dev_setup(2, v) == 0, "device setup");
	CHECK(copy_bursts(g_dev, 0, a_buf, iova(dst), 65536, 65536) == 0, "copy while A is in");
	CHECK(checksum(dst, 65536) == sum, "data");
	/* B learned A (through the creator) before A goes. */
	r = c_handler(b, g, a->dom, 2000, false, &hx);
	CHECK(r == 0, "B sees A: %d", r);
	CHECK(c_event_ask(b, g, RTE_DMA_GROUP_EVENT_MEMBER_LEFT, a->dom) == 0, "ask B");

	if (!kill_it) {
		t0 = now_ns();
		r = c_simple(a, CMD_LEAVE, g);
		CHECK(r == 0, "A leaves: %d", r);
	} else {
		/* Operations in flight when A dies complete, with success or
		 * DEV_LINK_ERROR, and nothing hangs or crashes. */
		enum rte_dma_status_code st[INFLIGHT];
		uint16_t got = 0, last = 0, ok = 0, link = 0;
		uint64_t deadline;

		for (int i = 0; i < INFLIGHT; i++)
			CHECK(rte_dma_copy(g_dev, 0, a_anon + (uint64_t)i * 32768,
					   iova(dst) + (uint64_t)i * 32768, 32768, 0) >= 0, "copy");
		CHECK(rte_dma_submit(g_dev, 0) == 0, "submit");
		t0 = now_ns();
		CHECK(kill(a->pid, SIGKILL) == 0, "kill");
		r = wait_pid(a->pid, &status, REPLY_MS);
		CHECK(r == a->pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		      "A was killed: status 0x%x", status);
		close(a->to);
		close(a->from);
		a->pid = 0;
		deadline = now_ns() + OP_TIMEOUT_MS * 1000000ull;
		while (got < INFLIGHT) {
			uint16_t k = rte_dma_completed_status(g_dev, 0, (uint16_t)(INFLIGHT - got),
							      &last, st + got);

			got += k;
			CHECK(got == INFLIGHT || now_ns() < deadline, "%u of %d in flight completed",
			      got, INFLIGHT);
			if (k == 0)
				sleep_us(50);
		}
		for (int i = 0; i < INFLIGHT; i++) {
			ok += st[i] == RTE_DMA_STATUS_SUCCESSFUL;
			link += st[i] == RTE_DMA_STATUS_DEV_LINK_ERROR;
		}
		CHECK(ok + link == INFLIGHT, "in-flight statuses: %u ok, %u link errors, %u other",
		      ok, link, INFLIGHT - ok - link);
		NOTE("%d copies of 32 KiB in flight at kill -9: %u completed, %u DEV_LINK_ERROR",
		     INFLIGHT, ok, link);
	}
	CHECK(check_member_gone(g, a, b, t0, a_buf, dst, lsrc, ldst) == 0, "after A went");
	if (!kill_it) {
		r = c_handler(a, g, g_dom, 0, false, &hx);
		CHECK(r == -EINVAL, "A after leaving: handler_get %d", r);
	}
	rc = TEST_SUCCESS;
fail:
	rte_free(dst);
	rte_free(lsrc);
	rte_free(ldst);
	return case_end(rc);
}

/* 5. A joiner leaves. */
static int
test_member_leaves(void)
{
	return member_departs(false);
}

/* 6. A joiner is killed with SIGKILL. */
static int
test_member_killed(void)
{
	return member_departs(true);
}

/* 7. The creator destroys the group, then a creator is killed with SIGKILL. */
static int
test_group_destroyed(void)
{
	struct child *a = spawn_child("A"), *c = spawn_child("C"), *d = spawn_child("D");
	uint8_t token[16], my2[16];
	int16_t g = -1, g2 = -1;
	uint16_t hp = 0, ha = 0, hc = 0, hme = 0, hx = 0;
	uint64_t t0, c_buf = 0;
	uint8_t *dst = lbuf(65536, 0);
	struct ev_rec e;
	struct msg m;
	struct vspec v;
	int status = 0, r, rc = TEST_FAILED;

	CHECK(a != NULL && c != NULL && d != NULL, "spawn");
	CHECK(dst != NULL, "rte_malloc");

	/* (a) We create, A joins, we destroy: A hears GROUP_DESTROYED from us. */
	CHECK(group_with(&a, 1, token, &g, &hp, &ha) == 0, "group of two");
	CHECK(c_event_ask(a, g, RTE_DMA_GROUP_EVENT_GROUP_DESTROYED, g_dom) == 0, "ask A");
	t0 = now_ns();
	r = rte_dma_access_pair_group_destroy(g_dev, g);
	CHECK(r == 0, "destroy: %d", r);
	untrack_group(g);
	r = c_event_result(a, &e);
	CHECK(r == 0, "A got no GROUP_DESTROYED: %d", r);
	CHECK(memcmp(e.dom, g_dom, 16) == 0 && e.group == g, "A's event names the creator");
	CHECK(e.t_ns - t0 <= EVENT_LIMIT_NS, "A's GROUP_DESTROYED came after %.1f ms",
	      (double)(e.t_ns - t0) / 1e6);
	NOTE("destroy: joiner told after %.2f ms", (double)(e.t_ns - t0) / 1e6);
	CHECK(events_pending(-1) == 0, "the creator got %u events of its own", events_pending(-1));
	r = rte_dma_access_pair_group_handler_get(g_dev, g, g_dom, &hx);
	CHECK(r == -EINVAL, "creator's handler_get after destroy: %d", r);
	r = rte_dma_access_pair_group_destroy(g_dev, g);
	CHECK(r == -EINVAL, "destroy again: %d", r);
	r = c_handler(a, g, g_dom, 0, false, &hx);
	CHECK(r == -EINVAL, "A's handler_get after destroy: %d", r);
	r = c_simple(a, CMD_LEAVE, g);
	CHECK(r == 0, "A leaves the destroyed group: %d", r);

	/* (b) C creates, we and D join, C is killed: both joiners hear it. */
	memset(&m, 0, sizeof(m));
	m.cmd = CMD_CREATE;
	memcpy(m.dom, c->dom, 16);
	make_uuid(m.token, 0x70ce0000u, ++g_uuid_n);
	memcpy(token, m.token, 16);
	CHECK(child_call(c, &m) == 0 && m.rc == 0, "C creates: %d", m.rc);
	g2 = m.group;
	make_uuid(my2, 0xd0d00000u, ++g_uuid_n);
	r = rte_dma_access_pair_group_join(g_dev, my2, token, g2, on_event);
	CHECK(r == 0, "join C's group %d: %d", g2, r);
	track_group(g2, false);
	r = rte_dma_access_pair_group_handler_get(g_dev, g2, c->dom, &hc);
	CHECK(r == 0 && hc != 0, "creator's handler right after join: %d", r);
	r = rte_dma_access_pair_group_handler_get(g_dev, g2, my2, &hme);
	CHECK(r == 0 && hme != 0 && hme != hc, "own handler right after join: %d", r);
	CHECK(c_join(d, g2, d->dom, token, c->dom, &hx) == 0 && hx != 0, "D joins");
	r = rte_dma_access_pair_group_destroy(g_dev, g2);
	CHECK(r == -EPERM, "a joiner destroys: %d", r);
	r = c_simple(c, CMD_LEAVE, g2);
	CHECK(r == -EPERM, "the creator leaves: %d", r);

	CHECK(c_alloc(c, BUF_HEAP, 65536, 77, &c_buf) == 0, "alloc");
	v = (struct vspec){ hc, hme };
	CHECK(dev_setup(1, &v) == 0, "device setup");
	CHECK(copy_bursts(g_dev, 0, c_buf, iova(dst), 65536, 16384) == 0, "copy from C");

	CHECK(c_event_ask(d, g2, RTE_DMA_GROUP_EVENT_GROUP_DESTROYED, c->dom) == 0, "ask D");
	t0 = now_ns();
	CHECK(kill(c->pid, SIGKILL) == 0, "kill");
	r = wait_pid(c->pid, &status, REPLY_MS);
	CHECK(r == c->pid && WIFSIGNALED(status), "C was killed: 0x%x", status);
	close(c->to);
	close(c->from);
	c->pid = 0;
	r = event_wait(g2, RTE_DMA_GROUP_EVENT_GROUP_DESTROYED, NULL, EVENT_WAIT_MS, &e);
	CHECK(r == 0, "we got no GROUP_DESTROYED in %d ms", EVENT_WAIT_MS);
	CHECK(memcmp(e.dom, c->dom, 16) == 0 && e.group == g2 && e.dev == g_dev,
	      "our event names the creator");
	CHECK(e.t_ns - t0 <= EVENT_LIMIT_NS, "our GROUP_DESTROYED came after %.1f ms",
	      (double)(e.t_ns - t0) / 1e6);
	NOTE("creator killed: this joiner told after %.2f ms", (double)(e.t_ns - t0) / 1e6);
	r = c_event_result(d, &e);
	CHECK(r == 0, "D got no GROUP_DESTROYED: %d", r);
	CHECK(memcmp(e.dom, c->dom, 16) == 0 && e.group == g2, "D's event names the creator");
	CHECK(e.t_ns - t0 <= EVENT_LIMIT_NS, "D's GROUP_DESTROYED came after %.1f ms",
	      (double)(e.t_ns - t0) / 1e6);
	CHECK(events_pending(-1) == 0, "%u more events", events_pending(-1));
	r = rte_dma_copy(g_dev, 0, c_buf, iova(dst), 4096, RTE_DMA_OP_FLAG_SUBMIT);
	CHECK(r >= 0, "copy: %d", r);
	CHECK(reap_expect(g_dev, 0, 0, RTE_DMA_STATUS_DEV_LINK_ERROR, 0) == 0,
	      "copy from the dead creator");
	r = rte_dma_access_pair_group_leave(g_dev, g2);
	CHECK(r == 0, "we leave the destroyed group: %d", r);
	untrack_group(g2);
	r = c_simple(d, CMD_LEAVE, g2);
	CHECK(r == 0, "D leaves the destroyed group: %d", r);
	rc = TEST_SUCCESS;
fail:
	rte_free(dst);
	return case_end(rc);
}

/* 8. Bad peer addresses fail that operation only. */
static int
test_bad_peer_address(void)
{
	struct child *a = spawn_child("A");
	uint8_t token[16];
	int16_t g = -1;
	uint16_t hp = 0, ha = 0;
	uint64_t heap = 0, anon = 0, hole = 0, straddle = 0, sum_heap = 0, sum_anon = 0;
	uint64_t e0, ld;
	uint8_t *dst = lbuf(4 * 65536, 0), *src = lbuf(65536, 8);
	struct vspec v[2];
	struct {
		const char *what;
		uint64_t bad;
		uint64_t good;     /* A's buffer around it */
		uint64_t good_sum;
	} cases[4];
	int rc = TEST_FAILED;

	CHECK(a != NULL, "spawn");
	CHECK(dst != NULL && src != NULL, "rte_malloc");
	CHECK(group_with(&a, 1, token, &g, &hp, &ha) == 0, "group of two");
	CHECK(c_alloc(a, BUF_HEAP, 65536, 21, &heap) == 0, "alloc");
	CHECK(c_alloc(a, BUF_ANON, 65536, 22, &anon) == 0, "alloc");
	CHECK(c_alloc(a, BUF_HOLE, 65536, 0, &hole) == 0, "alloc");
	CHECK(c_alloc(a, BUF_STRADDLE, 65536, 0, &straddle) == 0, "alloc");
	CHECK(c_checksum(a, heap, 65536, &sum_heap) == 0, "checksum");
	CHECK(c_checksum(a, anon, 65536, &sum_anon) == 0, "checksum");
	cases[0].what = "0x1000, between heap copies";
	cases[0].bad = 0x1000;
	cases[0].good = heap;
	cases[0].good_sum = sum_heap;
	cases[1].what = "0x1000, between copies of anonymous memory";
	cases[1].bad = 0x1000;
	cases[1].good = anon;
	cases[1].good_sum = sum_anon;
	cases[2].what = "an unmapped range";
	cases[2].bad = hole;
	cases[2].good = anon;
	cases[2].good_sum = sum_anon;
	cases[3].what = "a range whose second half is unmapped";
	cases[3].bad = straddle;
	cases[3].good = anon;
	cases[3].good_sum = sum_anon;

	v[0] = (struct vspec){ ha, hp };   /* A -> here */
	v[1] = (struct vspec){ hp, ha };   /* here -> A */
	CHECK(dev_setup(2, v) == 0, "device setup");
	for (int i = 0; i < 4; i++) {
		/* good, bad, good in one burst: only the middle one fails. */
		memset(dst, 0, 4 * 65536);
		e0 = vchan_errors(g_dev, 0);
		ld = iova(dst);
		CHECK(rte_dma_copy(g_dev, 0, cases[i].good, ld, 65536, 0) >= 0, "copy");
		CHECK(rte_dma_copy(g_dev, 0, cases[i].bad, ld + 65536, 65536, 0) >= 0, "copy");
		CHECK(rte_dma_copy(g_dev, 0, cases[i].good, ld + 2 * 65536, 65536, 0) >= 0, "copy");
		CHECK(rte_dma_submit(g_dev, 0) == 0, "submit");
		CHECK(reap_expect(g_dev, 0, 1, RTE_DMA_STATUS_INVALID_SRC_ADDR, 1) == 0,
		      "reading %s", cases[i].what);
		CHECK(vchan_errors(g_dev, 0) == e0 + 1, "stats errors %" PRIu64 ", expected %" PRIu64,
		      vchan_errors(g_dev, 0), e0 + 1);
		CHECK(checksum(dst, 65536) == cases[i].good_sum &&
		      checksum(dst + 2 * 65536, 65536) == cases[i].good_sum,
		      "the good copies around %s", cases[i].what);
		/* The next operation succeeds. */
		CHECK(copy_bursts(g_dev, 0, cases[i].good, ld + 3 * 65536, 65536, 65536) == 0,
		      "next copy after %s", cases[i].what);
		CHECK(checksum(dst + 3 * 65536, 65536) == cases[i].good_sum, "next copy data");
	}
	/* Scatter-gather with one bad source segment. */
	{
		struct rte_dma_sge s[2] = { { heap, 4096 }, { 0x1000, 4096 } };
		struct rte_dma_sge d[1] = { { iova(dst), 8192 } };

		CHECK(rte_dma_copy_sg(g_dev, 0, s, d, 2, 1, RTE_DMA_OP_FLAG_SUBMIT) >= 0, "sg");
		CHECK(reap_expect(g_dev, 0, 0, RTE_DMA_STATUS_INVALID_SRC_ADDR, 0) == 0,
		      "scatter-gather with a bad segment");
	}
	/* Writing: an unmapped destination in A gives INVALID_DST_ADDR. */
	e0 = vchan_errors(g_dev, 1);
	CHECK(rte_dma_copy(g_dev, 1, iova(src), anon, 4096, 0) >= 0, "copy");
	CHECK(rte_dma_copy(g_dev, 1, iova(src), hole, 4096, 0) >= 0, "copy");
	CHECK(rte_dma_copy(g_dev, 1, iova(src), anon + 4096, 4096, 0) >= 0, "copy");
	CHECK(rte_dma_submit(g_dev, 1) == 0, "submit");
	CHECK(reap_expect(g_dev, 1, 1, RTE_DMA_STATUS_INVALID_DST_ADDR, 1) == 0,
	      "writing an unmapped range of A");
	CHECK(rte_dma_fill(g_dev, 1, 0, 0x1000, 64, RTE_DMA_OP_FLAG_SUBMIT) >= 0, "fill");
	CHECK(reap_expect(g_dev, 1, 0, RTE_DMA_STATUS_INVALID_DST_ADDR, 0) == 0,
	      "filling 0x1000 in A");
	CHECK(vchan_errors(g_dev, 1) == e0 + 2, "stats errors");
	CHECK(copy_bursts(g_dev, 1, iova(src), anon, 65536, 65536) == 0, "next write");
	CHECK(c_verify(a, anon, 65536, checksum(src, 65536)) == 0, "A has the data");
	rc = TEST_SUCCESS;
fail:
	rte_free(dst);
	rte_free(src);
	return case_end(rc);
}

/* Socket files in the rendezvous directory; their names go to @names. */
static int
socket_files(char names[][64], int max)
{
	DIR *d = opendir(g_rundir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l > 5 && strcmp(de->d_name + l - 5, ".sock") == 0) {
			if (n < max)
				snprintf(names[n], 64, "%s", de->d_name);
			n++;
		}
	}
	closedir(d);
	return n;
}

/* 9. 100 groups created and destroyed, a helper joining and leaving each. */
static int
test_stress_groups(void)
{
	struct child *a = spawn_child("A");
	char before[16][64], after[16][64], path[256];
	int nbefore, nafter;
	uint64_t t0 = now_ns();
	double slowest = 0;
	int rc = TEST_FAILED;

	CHECK(a != NULL, "spawn");
	/* A creator killed by an earlier case cannot remove its socket; such stale
	 * files are allowed to stay (or be reclaimed), nothing else. */
	nbefore = socket_files(before, 16);
	CHECK(nbefore <= 16, "%d socket files before", nbefore);
	for (int i = 0; i < STRESS_ROUNDS; i++) {
		uint8_t token[16];
		int16_t g = -1;
		uint16_t h = 0, hc = 0;
		struct ev_rec e;
		uint64_t tl;
		int r;

		CHECK(create_group(token, &g) == 0, "round %d: create", i);
		r = c_join(a, g, a->dom, token, g_dom, &hc);
		CHECK(r == 0 && hc != 0, "round %d: join %d", i, r);
		CHECK(creator_handler(g, a->dom, &h) == 0 && h != 0, "round %d: handler", i);
		tl = now_ns();
		r = c_simple(a, CMD_LEAVE, g);
		CHECK(r == 0, "round %d: leave %d", i, r);
		r = event_wait(g, RTE_DMA_GROUP_EVENT_MEMBER_LEFT, a->dom, EVENT_WAIT_MS, &e);
		CHECK(r == 0, "round %d: no MEMBER_LEFT", i);
		CHECK(e.t_ns - tl <= EVENT_LIMIT_NS, "round %d: MEMBER_LEFT after %.1f ms", i,
		      (double)(e.t_ns - tl) / 1e6);
		if ((double)(e.t_ns - tl) / 1e6 > slowest)
			slowest = (double)(e.t_ns - tl) / 1e6;
		r = rte_dma_access_pair_group_destroy(g_dev, g);
		CHECK(r == 0, "round %d: destroy %d", i, r);
		untrack_group(g);
		snprintf(path, sizeof(path), "%s/group-%d.sock", g_rundir, g);
		CHECK(access(path, F_OK) != 0, "round %d: %s left after destroy", i, path);
	}
	NOTE("%d groups in %.0f ms, slowest MEMBER_LEFT %.2f ms", STRESS_ROUNDS, ms_since(t0),
	     slowest);
	nafter = socket_files(after, 16);
	for (int i = 0; i < nafter && i < 16; i++) {
		bool stale = false;

		for (int j = 0; j < nbefore; j++)
			stale |= strcmp(after[i], before[j]) == 0;
		CHECK(stale, "socket file %s left in %s", after[i], g_rundir);
	}
	if (nbefore > 0)
		NOTE("%d stale socket file(s) of killed creators before, %d after", nbefore, nafter);
	CHECK(child_exit(a) == 0, "helper exit");
	nafter = socket_files(after, 16);
	CHECK(nafter <= nbefore, "%d socket files after the helper exited", nafter);
	rc = TEST_SUCCESS;
fail:
	return case_end(rc);
}

/* ------------------------------------------------------------------------ */
/* Suite                                                                     */

static void
remove_rundir(void)
{
	DIR *d = opendir(g_rundir);
	struct dirent *de;
	char path[512];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", g_rundir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(g_rundir);
}

static int
suite_setup(void)
{
	struct rte_dma_info info;

	if (rte_vdev_init(DEV_NAME, NULL) != 0) {
		printf("  cannot create %s\n", DEV_NAME);
		return TEST_FAILED;
	}
	g_dev = (int16_t)rte_dma_get_dev_id_by_name(DEV_NAME);
	if (g_dev < 0 || rte_dma_info_get(g_dev, &info) != 0)
		return TEST_FAILED;
	if (!(info.dev_capa & RTE_DMA_CAPA_INTER_PROCESS_DOMAIN)) {
		test_skip_reason("%s has no RTE_DMA_CAPA_INTER_PROCESS_DOMAIN", DEV_NAME);
		return TEST_SKIPPED;
	}
	make_uuid(g_dom, 0xfa7e0000u, ++g_uuid_n);
	return TEST_SUCCESS;
}

static void
suite_teardown(void)
{
	kill_all_children();
	drop_groups();
	dev_stop();
}

static const struct test_case cases[] = {
	TEST_CASE(test_two_process_transfer),
	TEST_CASE(test_peer_to_peer),
	TEST_CASE(test_join_refusals),
	TEST_CASE(test_handlers_and_vchan_setup),
	TEST_CASE(test_member_leaves),
	TEST_CASE(test_member_killed),
	TEST_CASE(test_group_destroyed),
	TEST_CASE(test_bad_peer_address),
	TEST_CASE(test_stress_groups),
	TEST_CASES_END()
};

static const struct test_suite suite = {
	.name = "dma_interdomain across processes",
	.setup = suite_setup,
	.teardown = suite_teardown,
	.cases = cases,
};

int
main(int argc, char **argv)
{
	unsigned int failed;

	if (argc > 1 && strncmp(argv[1], "--child=", 8) == 0) {
		if (strcmp(argv[1], "--child=member") != 0) {
			fprintf(stderr, "unknown role %s\n", argv[1] + 8);
			return 2;
		}
		return child_main(argc, argv);
	}

	/* A private rendezvous directory, set before any thread exists; the
	 * helpers inherit it. */
	snprintf(g_rundir, sizeof(g_rundir), "/tmp/dmadev-test-interdomain-%ld", (long)getpid());
	if (setenv("DMADEV_RUNTIME_DIR", g_rundir, 1) != 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	failed = test_suite_run(&suite);
	rte_eal_cleanup();
	remove_rundir();
	if (access(g_rundir, F_OK) == 0) {
		printf("rendezvous directory %s not removed\n", g_rundir);
		failed++;
	}
	return failed == 0 ? 0 : 1;
}
