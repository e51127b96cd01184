/* SPDX-License-Identifier: BSD-3-Clause
 *
 * dma_perf's inter-process peer (the hidden --peer=IN,OUT,PPID): joins the
 * benchmark's access pair group on its own dma_interdomain device, offers four
 * areas (a source and a destination in its rte_malloc heap, two more from mmap),
 * and serves POISON / CHECK commands on the pipes until EXIT.
 */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#include "interprocess.h"

static struct {
	uint8_t *area[R_NB];
	bool mapped[R_NB];
	uint64_t len;
	int16_t dev, gid;
	bool joined;
} peer = { .dev = -1, .gid = -1 };

/* The four areas: sources with the pattern of @seed, destinations poisoned. */
static int
peer_areas(uint64_t seed, struct ipc_msg *r)
{
	for (int i = 0; i < R_NB; i++) {
		if (i == R_WIN_SRC || i == R_WIN_DST) {
			peer.area[i] = rte_malloc("dma_perf_peer", peer.len, RTE_CACHE_LINE_SIZE);
		} else {
			void *p = mmap(NULL, peer.len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			peer.area[i] = p == MAP_FAILED ? NULL : p;
			peer.mapped[i] = peer.area[i] != NULL;
		}
		if (peer.area[i] == NULL) {
			r->status = -ENOMEM;
			snprintf(r->text, sizeof(r->text), "peer: cannot allocate the %s (%" PRIu64
				 " bytes)", region_name[i], peer.len);
			return -1;
		}
		if (i == R_WIN_SRC || i == R_CMA_SRC)
			pattern_fill(peer.area[i], 0, peer.len, peer_seed(seed, i));
		else
			memset(peer.area[i], POISON, peer.len);
		r->addr[i] = (uint64_t)(uintptr_t)peer.area[i];
	}
	return 0;
}

/* The answer to HELLO @m: the device, the group, the areas (r->status 0 if all
 * went well). */
static void
peer_hello(const struct ipc_msg *m, struct ipc_msg *r)
{
	int ret;

	peer.len = m->len;
	/* --interos: the parent's region arguments (in the environment). */
	if (rte_vdev_init(IP_DEV, getenv("DMA_PERF_OS_REGION")) != 0 ||
	    (peer.dev = (int16_t)rte_dma_get_dev_id_by_name(IP_DEV)) < 0) {
		snprintf(r->text, sizeof(r->text), "peer: cannot create %s", IP_DEV);
		return;
	}
	random_bytes(r->domain, sizeof(r->domain));
	ret = rte_dma_access_pair_group_join(peer.dev, r->domain, m->token, m->group_id, NULL);
	if (ret != 0) {
		r->status = ret;
		snprintf(r->text, sizeof(r->text), "peer: rte_dma_access_pair_group_join(group %d) "
			 "failed: %d", m->group_id, ret);
		return;
	}
	peer.gid = m->group_id;
	peer.joined = true;
	if (peer_areas(m->seed, r) != 0)
		return;
	r->pid = (int32_t)getpid();
	r->status = 0;
}

/* The answer to POISON or CHECK @m. */
static void
peer_command(const struct ipc_msg *m, struct ipc_msg *r)
{
	if (m->region >= R_NB ||
	    (m->op == C_POISON && m->len > peer.len) ||
	    (m->op == C_CHECK && (m->count == 0 || m->len > m->stride ||
				  m->count > peer.len / m->stride))) {
		r->status = -EINVAL;
		snprintf(r->text, sizeof(r->text), "peer: bad command %u", m->op);
	} else if (m->op == C_POISON) {
		memset(peer.area[m->region], POISON, m->len);
	} else if (m->op == C_CHECK) {
		long off = area_check(peer.area[m->region], m->count, m->stride, m->len, m->seed,
				      &r->got, &r->want);
		if (off >= 0) {
			r->status = 1;
			r->diff_off = off;
			snprintf(r->text, sizeof(r->text), "peer's %s: byte %ld (buffer %" PRIu64
				 " byte %" PRIu64 "%s) is 0x%02x, expected 0x%02x",
				 region_name[m->region], off, (uint64_t)off / m->stride,
				 (uint64_t)off % m->stride,
				 (uint64_t)off % m->stride >= m->len ? ", after it" : "", r->got,
				 r->want);
		}
	} else {
		r->status = -EINVAL;
		snprintf(r->text, sizeof(r->text), "peer: unknown command %u", m->op);
	}
}

/* Serves commands until EXIT (0; *r is its answer, not sent yet) or a broken
 * pipe (-1).  @idle: how long to wait for each. */
static int
peer_serve(int in, int outfd, uint64_t idle, struct ipc_msg *r)
{
	struct ipc_msg m;

	for (;;) {
		int ret = msg_read(in, &m, idle);
		if (ret != 0) {
			if (ret != -EPIPE)
				fprintf(stderr, "dma_perf peer: no command (%d), leaving\n", ret);
			return -1;
		}
		memset(r, 0, sizeof(*r));
		r->op = m.op;
		r->diff_off = -1;
		if (m.op == C_EXIT)
			return 0;
		peer_command(&m, r);
		if (msg_write(outfd, r) != 0)
			return -1;
	}
}

/* EXIT: leave the group, then answer; returns the exit status. */
static int
peer_exit(int outfd, struct ipc_msg *r)
{
	int status = 0;

	if (peer.joined) {
		int ret = rte_dma_access_pair_group_leave(peer.dev, peer.gid);
		peer.joined = false;
		if (ret != 0) {
			r->status = ret;
			snprintf(r->text, sizeof(r->text), "peer: rte_dma_access_pair_group_leave "
				 "failed: %d", ret);
			status = 1;
		}
	}
	(void)msg_write(outfd, r);
	return status;
}

static void
peer_cleanup(void)
{
	if (peer.joined)
		(void)rte_dma_access_pair_group_leave(peer.dev, peer.gid);
	for (int i = 0; i < R_NB; i++) {
		if (peer.mapped[i])
			munmap(peer.area[i], peer.len);
		else if (peer.area[i] != NULL)
			rte_free(peer.area[i]);
	}
	rte_eal_cleanup();
}

int
peer_main(const char *prog)
{
	struct ipc_msg m, r;
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
	if (ret != 0 || m.op != C_HELLO)
		fprintf(stderr, "dma_perf peer: no HELLO from the benchmark (%d)\n", ret);
	else
		peer_hello(&m, &r);
	if (ret == 0 && m.op == C_HELLO && msg_write(outfd, &r) == 0 && r.status == 0 &&
	    peer_serve(in, outfd, m.idle_ms, &r) == 0)
		status = peer_exit(outfd, &r);
	peer_cleanup();
	return status;
}
