/* SPDX-License-Identifier: BSD-3-Clause
 *
 * interdomain_share.c - two processes share a buffer through a DMA device.
 *
 * DPDK's inter-process DMA (RTE_DMA_CAPA_INTER_PROCESS_DOMAIN) lets a process
 * copy to and from another process's memory.  Processes that want to share
 * memory form an "access pair group":
 *
 *   - every process names itself with a domain UUID, and the processes agree on
 *     a secret token UUID (here: the owner makes both up and sends them);
 *   - the creator calls rte_dma_access_pair_group_create() and gets a group id;
 *     the others call rte_dma_access_pair_group_join() with that id and token;
 *   - each process asks rte_dma_access_pair_group_handler_get() for the handler
 *     of a member (by domain UUID) and puts handlers in a vchan's
 *     conf.domain.src_handler / dst_handler: that vchan then reads source
 *     addresses in the source member's address space and writes destination
 *     addresses in the destination member's.  Handlers are local to a process:
 *     never send one to another process, send domain UUIDs;
 *   - addresses are the owning process's own (IOVA as VA), exchanged by the
 *     application, here over a pipe.
 *
 * This program plays both sides.  Run without arguments it is the OWNER:
 *
 *   owner: fills a 1 MiB buffer, creates the group, starts the PEER (itself
 *          again, with "-- --peer=<in>,<out>") and sends it over a pipe the
 *          group id, the token, its domain UUID and the buffer's address;
 *   peer:  joins the group, pulls the owner's buffer into its own memory with
 *          the device (peer -> local), checks it, modifies it, pushes it back
 *          (local -> peer), reports, and leaves the group;
 *   owner: verifies its buffer now holds the peer's changes, sees the peer
 *          leave (a MEMBER_LEFT event), destroys the group.
 *
 * Every line is tagged with the process that printed it.  Exit status 0 means
 * every step worked.  The device is the software device dma_interdomain.
 *
 * Build (with the library and headers installed):
 *     cc -std=c11 -D_GNU_SOURCE interdomain_share.c \
 *        $(pkg-config --cflags --libs libdpdk-dmadev) -o interdomain_share
 * Run:
 *     ./interdomain_share
 * The processes meet in $DMADEV_RUNTIME_DIR (default: $XDG_RUNTIME_DIR/dmadev-rs).
 */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#define DEV_NAME     "dma_interdomain"
#define BUF_LEN      (1u << 20)        /* the shared buffer: 1 MiB */
#define CHUNK        (64u << 10)       /* one copy moves 64 KiB */
#define RING_SIZE    128
#define TIMEOUT_MS   10000             /* every wait below gives up after this */

static char tag[32];                   /* "[owner 1234]" or "[peer  1235]" */
static int16_t dev_id = -1;

#define SAY(...) do { printf("%s ", tag); printf(__VA_ARGS__); printf("\n"); } while (0)

/* What the owner tells the peer (over the pipe). */
struct share_info {
	int16_t group_id;
	rte_uuid_t token;              /* the group's secret */
	rte_uuid_t owner_domain;       /* who owns the buffer */
	uint64_t buf_addr;             /* the buffer, in the owner's address space */
	uint32_t buf_len;
};

/* What the peer tells the owner when it is done. */
struct peer_report {
	rte_uuid_t peer_domain;
	int32_t result;                /* 0: pulled, modified and pushed back */
};

/* ---- small helpers ------------------------------------------------------ */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Reads exactly @len bytes, giving up after TIMEOUT_MS. */
static int
read_msg(int fd, void *buf, size_t len)
{
	uint64_t deadline = now_ms() + TIMEOUT_MS;
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, (char *)buf + got, len - got);
		if (n == 0)
			return -EPIPE;         /* the other process is gone */
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			got += (size_t)n;
	}
	return 0;
}

static int
write_msg(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len) == (ssize_t)len ? 0 : -EIO;
}

/* A random UUID (domain ids and the token just need to be unique / secret). */
static void
random_uuid(rte_uuid_t u)
{
	FILE *f = fopen("/dev/urandom", "rb");

	if (f == NULL || fread(u, 1, 16, f) != 16) {
		/* fall back to something unique enough for an example */
		uint64_t x = (uint64_t)getpid() << 32 ^ now_ms();

		memcpy(u, &x, 8);
		memcpy(u + 8, &x, 8);
	}
	if (f != NULL)
		fclose(f);
}

static const char *
uuid_text(const unsigned char *u, char out[RTE_UUID_STRLEN])
{
	snprintf(out, RTE_UUID_STRLEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
		 u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	return out;
}

/* The owner's contents: word i is i * 2654435761 (so every word differs). */
static uint32_t
owner_word(uint32_t i)
{
	return i * 2654435761u;
}

/* The peer's change: every word inverted. */
static uint32_t
peer_word(uint32_t i)
{
	return ~owner_word(i);
}

/* Group events arrive on a library thread: record and print them. */
static atomic_int member_left;
static atomic_int group_destroyed;

static void
on_group_event(int16_t dev, int16_t group_id, unsigned char *domain_id,
	       enum rte_dma_access_pair_group_event_type event)
{
	char u[RTE_UUID_STRLEN];

	(void)dev;
	if (event == RTE_DMA_GROUP_EVENT_MEMBER_LEFT) {
		SAY("event: domain %s left group %d", uuid_text(domain_id, u), group_id);
		atomic_store(&member_left, 1);
	} else if (event == RTE_DMA_GROUP_EVENT_GROUP_DESTROYED) {
		SAY("event: group %d destroyed by its creator %s", group_id,
		    uuid_text(domain_id, u));
		atomic_store(&group_destroyed, 1);
	}
}

/*
 * Copies @len bytes from @src to @dst on @vchan, CHUNK bytes per copy, and waits
 * until all copies completed.  The vchan's handlers decide in which process
 * @src and @dst are.
 */
static int
dma_move(uint16_t vchan, uint64_t src, uint64_t dst, uint32_t len)
{
	uint16_t n = 0, done = 0;
	uint64_t deadline = now_ms() + TIMEOUT_MS;

	for (uint32_t off = 0; off < len; off += CHUNK, n++) {
		int idx = rte_dma_copy(dev_id, vchan, src + off, dst + off,
				       len - off < CHUNK ? len - off : CHUNK, 0);

		if (idx < 0) {
			SAY("rte_dma_copy failed: %d", idx);
			return -1;
		}
	}
	rte_dma_submit(dev_id, vchan);         /* one doorbell for the whole burst */

	while (done < n) {
		uint16_t last_idx;
		bool has_error = false;

		done += rte_dma_completed(dev_id, vchan, n - done, &last_idx, &has_error);
		if (has_error) {
			enum rte_dma_status_code st;

			rte_dma_completed_status(dev_id, vchan, 1, &last_idx, &st);
			SAY("copy %u of %u failed with status %d", done, n, (int)st);
			return -1;
		}
		if (now_ms() > deadline) {
			SAY("timeout: %u of %u copies completed", done, n);
			return -1;
		}
	}
	return 0;
}

/* ---- the peer ----------------------------------------------------------- */

static int
peer_main(int in_fd, int out_fd)
{
	struct share_info info;
	struct peer_report report = { .result = -1 };
	uint16_t owner_h = 0, my_h = 0;
	uint32_t *local = NULL;
	char u[RTE_UUID_STRLEN];
	int rc;

	/* 1. Learn the group id, token, owner's domain and buffer address. */
	if (read_msg(in_fd, &info, sizeof(info)) != 0) {
		SAY("no word from the owner");
		return 1;
	}
	SAY("owner %s shares %u bytes at 0x%" PRIx64 " (its address) in group %d",
	    uuid_text(info.owner_domain, u), info.buf_len, info.buf_addr, info.group_id);

	/* 2. Join the group under a domain id of our own. */
	random_uuid(report.peer_domain);
	rc = rte_dma_access_pair_group_join(dev_id, report.peer_domain, info.token,
					    info.group_id, on_group_event);
	if (rc != 0) {
		SAY("rte_dma_access_pair_group_join: %d", rc);
		goto out;
	}
	SAY("joined group %d as domain %s", info.group_id, uuid_text(report.peer_domain, u));

	/* 3. Handlers (valid in this process only) of the owner and of ourselves. */
	if (rte_dma_access_pair_group_handler_get(dev_id, info.group_id, info.owner_domain,
						  &owner_h) != 0 ||
	    rte_dma_access_pair_group_handler_get(dev_id, info.group_id, report.peer_domain,
						  &my_h) != 0) {
		SAY("rte_dma_access_pair_group_handler_get failed");
		goto leave;
	}
	SAY("handlers here: owner %u, me %u", owner_h, my_h);

	/* 4. Two vchans: 0 reads the owner's memory into ours, 1 writes ours into
	 *    the owner's. */
	{
		struct rte_dma_conf conf = { .nb_vchans = 2 };
		struct rte_dma_vchan_conf pull = {
			.direction = RTE_DMA_DIR_MEM_TO_MEM,
			.nb_desc = RING_SIZE,
			.domain = { .type = RTE_DMA_INTER_PROCESS_DOMAIN,
				    .src_handler = owner_h, .dst_handler = my_h },
		};
		struct rte_dma_vchan_conf push = pull;

		push.domain.src_handler = my_h;
		push.domain.dst_handler = owner_h;
		if (rte_dma_configure(dev_id, &conf) != 0 ||
		    rte_dma_vchan_setup(dev_id, 0, &pull) != 0 ||
		    rte_dma_vchan_setup(dev_id, 1, &push) != 0 ||
		    rte_dma_start(dev_id) != 0) {
			SAY("device setup failed");
			goto leave;
		}
	}

	/* 5. Pull the owner's buffer into our own memory and check it. */
	local = rte_zmalloc("peer copy", info.buf_len, 64);
	if (local == NULL)
		goto stop;
	if (dma_move(0, info.buf_addr, rte_malloc_virt2iova(local), info.buf_len) != 0)
		goto stop;
	for (uint32_t i = 0; i < info.buf_len / 4; i++)
		if (local[i] != owner_word(i)) {
			SAY("pulled data differs at word %u", i);
			goto stop;
		}
	SAY("pulled %u bytes from the owner (peer -> local): contents as expected",
	    info.buf_len);

	/* 6. Modify our copy and push it back into the owner's buffer. */
	for (uint32_t i = 0; i < info.buf_len / 4; i++)
		local[i] = ~local[i];
	if (dma_move(1, rte_malloc_virt2iova(local), info.buf_addr, info.buf_len) != 0)
		goto stop;
	SAY("inverted every word and pushed %u bytes back (local -> peer)", info.buf_len);
	report.result = 0;
stop:
	rte_dma_stop(dev_id);
leave:
	/* 7. Leave the group: the owner gets a MEMBER_LEFT event. */
	rc = rte_dma_access_pair_group_leave(dev_id, info.group_id);
	SAY("left group %d (%d)", info.group_id, rc);
out:
	if (write_msg(out_fd, &report, sizeof(report)) != 0)
		report.result = -1;
	rte_free(local);
	return report.result == 0 ? 0 : 1;
}

/* ---- the owner ---------------------------------------------------------- */

/* Starts the peer: this program again, with the two pipe ends it uses. */
static pid_t
start_peer(int *to_peer, int *from_peer)
{
	int down[2], up[2];
	char arg[64];
	pid_t pid;

	if (pipe(down) != 0 || pipe(up) != 0)
		return -1;
	snprintf(arg, sizeof(arg), "--peer=%d,%d", down[0], up[1]);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* Keep only the peer's own ends; "--" ends the EAL's options and
		 * what follows is ours. */
		close(down[1]);
		close(up[0]);
		execl("/proc/self/exe", "interdomain_share", "--", arg, (char *)NULL);
		_exit(127);
	}
	close(down[0]);
	close(up[1]);
	*to_peer = down[1];
	*from_peer = up[0];
	return pid;
}

static int
owner_main(void)
{
	struct share_info info = { .buf_len = BUF_LEN };
	struct peer_report report;
	uint32_t *buf;
	int to_peer = -1, from_peer = -1, status = 0, ok = 0, rc;
	pid_t peer;
	char u[RTE_UUID_STRLEN];

	/* 1. The buffer to share, in rte_malloc memory, filled with our data. */
	buf = rte_malloc("shared buffer", BUF_LEN, 64);
	if (buf == NULL)
		return 1;
	for (uint32_t i = 0; i < BUF_LEN / 4; i++)
		buf[i] = owner_word(i);
	info.buf_addr = rte_malloc_virt2iova(buf);
	SAY("filled %u bytes at 0x%" PRIx64, BUF_LEN, info.buf_addr);

	/* 2. Create the group: our domain id, a secret token. */
	random_uuid(info.owner_domain);
	random_uuid(info.token);
	rc = rte_dma_access_pair_group_create(dev_id, info.owner_domain, info.token,
					      &info.group_id, on_group_event);
	if (rc != 0) {
		SAY("rte_dma_access_pair_group_create: %d", rc);
		rte_free(buf);
		return 1;
	}
	SAY("created group %d as domain %s", info.group_id, uuid_text(info.owner_domain, u));

	/* 3. Start the peer and tell it everything it needs. */
	peer = start_peer(&to_peer, &from_peer);
	if (peer < 0) {
		SAY("cannot start the peer");
		goto destroy;
	}
	SAY("started the peer, pid %ld", (long)peer);
	if (write_msg(to_peer, &info, sizeof(info)) != 0)
		goto reap;

	/* 4. Wait for the peer's report, then check our buffer. */
	if (read_msg(from_peer, &report, sizeof(report)) != 0) {
		SAY("no report from the peer");
		goto reap;
	}
	if (report.result != 0) {
		SAY("the peer reports a failure");
		goto reap;
	}
	ok = 1;
	for (uint32_t i = 0; i < BUF_LEN / 4 && ok; i++)
		if (buf[i] != peer_word(i)) {
			SAY("word %u is 0x%08x, expected 0x%08x", i, buf[i], peer_word(i));
			ok = 0;
		}
	if (ok)
		SAY("verified: the peer (domain %s) changed all %u bytes of our buffer",
		    uuid_text(report.peer_domain, u), BUF_LEN);

	/* 5. The peer left the group: our callback hears of it. */
	for (uint64_t t = now_ms(); !atomic_load(&member_left) && now_ms() - t < TIMEOUT_MS;)
		usleep(1000);
	if (!atomic_load(&member_left)) {
		SAY("no MEMBER_LEFT event");
		ok = 0;
	}
reap:
	close(to_peer);                        /* a peer still waiting sees EOF */
	for (uint64_t t = now_ms(); waitpid(peer, &status, WNOHANG) == 0;) {
		if (now_ms() - t > TIMEOUT_MS) {
			kill(peer, SIGKILL);
			waitpid(peer, &status, 0);
		}
		usleep(1000);
	}
	close(from_peer);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		SAY("the peer failed (status 0x%x)", status);
		ok = 0;
	}
destroy:
	/* 6. Destroy the group (members still in would get GROUP_DESTROYED). */
	rc = rte_dma_access_pair_group_destroy(dev_id, info.group_id);
	SAY("destroyed group %d (%d)", info.group_id, rc);
	rte_free(buf);
	return ok && rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	int in_fd = -1, out_fd = -1, ret;

	/* Both processes print to the same terminal: one line at a time. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	argc -= ret;                           /* our own arguments follow */
	argv += ret;
	if (argc > 1 && sscanf(argv[1], "--peer=%d,%d", &in_fd, &out_fd) == 2) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);  /* do not outlive the owner */
		snprintf(tag, sizeof(tag), "[peer  %ld]", (long)getpid());
	} else {
		snprintf(tag, sizeof(tag), "[owner %ld]", (long)getpid());
	}

	/* Each process has its own device; the group connects them. */
	if (rte_vdev_init(DEV_NAME, NULL) != 0 ||
	    (dev_id = (int16_t)rte_dma_get_dev_id_by_name(DEV_NAME)) < 0) {
		SAY("cannot create %s", DEV_NAME);
		return 1;
	}

	ret = in_fd >= 0 ? peer_main(in_fd, out_fd) : owner_main();
	SAY("%s", ret == 0 ? "done: success" : "done: FAILED");
	rte_eal_cleanup();
	return ret;
}
