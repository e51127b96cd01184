/* SPDX-License-Identifier: BSD-3-Clause
 *
 * interos_vm.c - a host and a virtual machine move data through a DMA device.
 *
 * DPDK's inter-OS DMA (RTE_DMA_CAPA_INTER_OS_DOMAIN) lets a program copy to and
 * from the memory of a program running under another kernel.  dma_interdomain
 * builds it on the memory hypervisors share: a host file that QEMU gives the guest
 * as an ivshmem-plain PCI device.  Each side names the region on its EAL command
 * line, and its rte_malloc heap then lives in its own window of the region:
 *
 *   host:  --vdev=dma_interdomain,os_region=/dev/shm/NAME,os_window=16M
 *   guest: --vdev=dma_interdomain,os_region=pci,os_window=16M
 *          (pci: the first ivshmem device; pci:0000:00:04.0 names one)
 *
 * Past that it is plain dmadev, as between processes (see interdomain_share.c):
 * the host creates an access pair group, the guest joins it with the group id and
 * token, each asks for the other's handler by domain UUID, and a vchan whose
 * domain.type is RTE_DMA_INTER_OS_DOMAIN copies between local memory (handler 0)
 * and the peer's (its handler); a peer's address is its own virtual address of
 * rte_malloc memory.  The two sides exchange group id, token, domain UUIDs,
 * addresses and checksums "out of band" as text lines starting with "OOB " on
 * stdin/stdout: the host's are a terminal or pipe, the guest's its serial
 * console.  scripts/vm/interos_pair.py connects the two; see README.md.
 *
 * Both sides then do the same, each with its own device:
 *   - pull the peer's 1 MiB of random data into local memory (peer -> local) and
 *     compare its checksum with the one the peer announced;
 *   - push its own 1 MiB into the peer's receive buffer (local -> peer); once the
 *     peer says "pushed", check the checksum of what arrived;
 *   - copy 4 KiB from and to addresses outside the peer's window: the copies
 *     complete with INVALID_SRC_ADDR and INVALID_DST_ADDR, nothing is touched.
 * With --peer-to-peer a third member takes part, a second host process
 * (--role=helper): the guest's device copies the host's data into the helper's
 * memory (peer -> peer, both outside the guest), and the helper checks it.
 * The host then says "bye": the guest leaves the group and exits (or, with
 * --stay, waits until it is killed).  The host waits for the MEMBER_LEFT event,
 * checks that a copy to the departed guest completes with DEV_LINK_ERROR, and
 * destroys the group.  Exit status 0 means every step worked.
 *
 * Usage: interos_vm EAL-OPTIONS -- --role=host|guest|helper [--stay] [--peer-to-peer]
 */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#define DEV_NAME     "dma_interdomain"
#define BUF_LEN      (1u << 20)        /* each side's data: 1 MiB */
#define CHUNK        (64u << 10)       /* one copy moves 64 KiB */
#define RING_SIZE    64
#define PROBE_LEN    4096
#define OUTSIDE      (1ull << 44)      /* added to a peer address: past any window */
#define TIMEOUT_MS   60000             /* a guest under emulation is slow to boot */
#define VCHAN_PULL   0                 /* peer -> local */
#define VCHAN_PUSH   1                 /* local -> peer */
#define VCHAN_RELAY  2                 /* host -> helper, on the guest's device */

static const char *role = "?";
static int16_t dev_id = -1;

#define SAY(...) do { printf("[%s] ", role); printf(__VA_ARGS__); printf("\n"); } while (0)

/* What one side tells the other about itself. */
struct side {
	rte_uuid_t domain;
	uint64_t src;                  /* its data, to be pulled */
	uint64_t recv;                 /* where the other side pushes its data */
	uint64_t sum;                  /* checksum of its data */
};

/* ---- helpers ------------------------------------------------------------ */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
checksum(const void *buf, size_t len)  /* FNV-1a, 64 bits */
{
	const unsigned char *p = buf;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void
random_bytes(void *buf, size_t len)
{
	FILE *f = fopen("/dev/urandom", "rb");
	size_t got = f != NULL ? fread(buf, 1, len, f) : 0;

	if (f != NULL)
		fclose(f);
	for (uint64_t x = (now_ms() ^ (uint64_t)getpid() << 20) | 1; got < len; got++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		((unsigned char *)buf)[got] = (unsigned char)x;
	}
}

static void
hex_of(const unsigned char *u, char out[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", u[i]);
}

/* Exactly 32 hex digits (as hex_of writes them) into 16 bytes. */
static int
parse_hex(const char *s, unsigned char u[16])
{
	if (strlen(s) != 32 || strspn(s, "0123456789abcdefABCDEF") != 32)
		return -1;
	for (int i = 0; i < 16; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		u[i] = (unsigned char)b;
	}
	return 0;
}

/*
 * The next out-of-band line starting with "OOB <word> " (other lines are skipped),
 * without that prefix; -ETIMEDOUT after TIMEOUT_MS, -EPIPE at end of input.
 */
static int
expect(const char *word, char *line, size_t len)
{
	char prefix[32];
	uint64_t deadline = now_ms() + TIMEOUT_MS;
	size_t n = 0;

	snprintf(prefix, sizeof(prefix), "OOB %s", word);
	while (now_ms() < deadline) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		char c;
		ssize_t r;

		if (poll(&p, 1, 100) <= 0)
			continue;
		r = read(STDIN_FILENO, &c, 1);
		if (r == 0)
			return -EPIPE;
		if (r < 0)
			continue;
		if (c != '\n' && c != '\r') {
			if (n + 1 < len)
				line[n++] = c;
			continue;
		}
		line[n] = '\0';
		n = 0;
		if (strncmp(line, prefix, strlen(prefix)) == 0 &&
		    (line[strlen(prefix)] == ' ' || line[strlen(prefix)] == '\0')) {
			size_t skip = strlen(prefix) + (line[strlen(prefix)] == ' ');

			memmove(line, line + skip, strlen(line + skip) + 1);
			return 0;
		}
	}
	return -ETIMEDOUT;
}

static void
announce(const char *word, const struct side *me, int16_t group_id,
	 const rte_uuid_t token)
{
	char d[33], t[33];

	hex_of(me->domain, d);
	if (token != NULL) {
		hex_of(token, t);
		printf("OOB %s group=%d token=%s ", word, group_id, t);
	} else {
		printf("OOB %s ", word);
	}
	printf("domain=%s src=0x%" PRIx64 " recv=0x%" PRIx64 " sum=%016" PRIx64 "\n",
	       d, me->src, me->recv, me->sum);
	fflush(stdout);
}

/* Parses "[group=G token=T ]domain=D src=S recv=R sum=C". */
static int
parse_side(const char *line, struct side *peer, int16_t *group_id, unsigned char *token)
{
	char d[40], t[40];
	int g;

	if (token != NULL) {
		if (sscanf(line, "group=%d token=%39s domain=%39s src=%" SCNx64
			   " recv=%" SCNx64 " sum=%" SCNx64, &g, t, d, &peer->src,
			   &peer->recv, &peer->sum) != 6 || parse_hex(t, token) != 0 ||
		    g < 0 || g > INT16_MAX)
			return -1;
		*group_id = (int16_t)g;
	} else if (sscanf(line, "domain=%39s src=%" SCNx64 " recv=%" SCNx64 " sum=%" SCNx64,
			  d, &peer->src, &peer->recv, &peer->sum) != 4) {
		return -1;
	}
	return parse_hex(d, peer->domain);
}

/* The member whose MEMBER_LEFT the host waits for (the guest; not the helper). */
static rte_uuid_t awaited_domain;
static atomic_int awaited_set;
static atomic_int member_left;
static atomic_int group_destroyed;

static void
on_group_event(int16_t dev, int16_t group_id, unsigned char *domain_id,
	       enum rte_dma_access_pair_group_event_type event)
{
	char d[33];

	(void)dev;
	hex_of(domain_id, d);
	if (event == RTE_DMA_GROUP_EVENT_MEMBER_LEFT) {
		SAY("event: domain %s left group %d", d, group_id);
		if (atomic_load(&awaited_set) &&
		    memcmp(domain_id, awaited_domain, sizeof(awaited_domain)) == 0)
			atomic_store(&member_left, 1);
	} else if (event == RTE_DMA_GROUP_EVENT_GROUP_DESTROYED) {
		SAY("event: group %d destroyed", group_id);
		atomic_store(&group_destroyed, 1);
	}
}

/*
 * Waits until @n operations of @vchan completed: 0 if all succeeded, else the
 * status of the first that failed; -ETIMEDOUT if they do not complete.
 */
static int
wait_done(uint16_t vchan, uint16_t n)
{
	uint64_t deadline = now_ms() + TIMEOUT_MS;
	uint16_t done = 0;

	while (done < n) {
		uint16_t last_idx;
		bool has_error = false;

		done += rte_dma_completed(dev_id, vchan, n - done, &last_idx, &has_error);
		if (has_error) {
			enum rte_dma_status_code st = RTE_DMA_STATUS_ERROR_UNKNOWN;

			rte_dma_completed_status(dev_id, vchan, 1, &last_idx, &st);
			return st == RTE_DMA_STATUS_SUCCESSFUL ? (int)RTE_DMA_STATUS_ERROR_UNKNOWN
							       : (int)st;
		}
		if (now_ms() > deadline)
			return -ETIMEDOUT;
	}
	return 0;
}

/* Copies @len bytes on @vchan in CHUNK-sized copies; see wait_done. */
static int
dma_move(uint16_t vchan, uint64_t src, uint64_t dst, uint32_t len)
{
	uint16_t n = 0;

	for (uint32_t off = 0; off < len; off += CHUNK, n++) {
		int idx = rte_dma_copy(dev_id, vchan, src + off, dst + off,
				       len - off < CHUNK ? len - off : CHUNK, 0);

		if (idx < 0)
			return idx;
	}
	rte_dma_submit(dev_id, vchan);
	return wait_done(vchan, n);
}

/* A handler for @domain; the member table can trail the join by a few ms. */
static int
handler_of(int16_t group_id, const rte_uuid_t domain, uint16_t *h)
{
	uint64_t deadline = now_ms() + 5000;
	int rc;

	while ((rc = rte_dma_access_pair_group_handler_get(dev_id, group_id,
							   (unsigned char *)domain, h)) != 0 &&
	       now_ms() < deadline)
		usleep(10000);
	return rc;
}

/*
 * Vchan PULL reads the peer's memory into ours, PUSH writes ours into the peer's;
 * with @relay (source and destination handlers, two peers) vchan RELAY copies
 * between two peers.
 */
static int
setup_device(uint16_t peer_h, const uint16_t *relay)
{
	struct rte_dma_info info;
	struct rte_dma_conf conf = { .nb_vchans = relay != NULL ? 3 : 2 };
	struct rte_dma_vchan_conf pull = {
		.direction = RTE_DMA_DIR_MEM_TO_MEM,
		.nb_desc = RING_SIZE,
		.domain = { .type = RTE_DMA_INTER_OS_DOMAIN,
			    .src_handler = peer_h, .dst_handler = 0 },
	};
	struct rte_dma_vchan_conf push = pull;

	push.domain.src_handler = 0;
	push.domain.dst_handler = peer_h;
	if (rte_dma_info_get(dev_id, &info) != 0 ||
	    !(info.dev_capa & RTE_DMA_CAPA_INTER_OS_DOMAIN)) {
		SAY("%s does not offer RTE_DMA_CAPA_INTER_OS_DOMAIN (is os_region= given?)",
		    DEV_NAME);
		return -1;
	}
	if (rte_dma_configure(dev_id, &conf) != 0 ||
	    rte_dma_vchan_setup(dev_id, VCHAN_PULL, &pull) != 0 ||
	    rte_dma_vchan_setup(dev_id, VCHAN_PUSH, &push) != 0) {
		SAY("device setup failed");
		return -1;
	}
	if (relay != NULL) {
		struct rte_dma_vchan_conf peers = pull;

		peers.domain.src_handler = relay[0];
		peers.domain.dst_handler = relay[1];
		if (rte_dma_vchan_setup(dev_id, VCHAN_RELAY, &peers) != 0) {
			SAY("device setup failed");
			return -1;
		}
	}
	if (rte_dma_start(dev_id) != 0) {
		SAY("device setup failed");
		return -1;
	}
	return 0;
}

/* ---- both sides --------------------------------------------------------- */

/*
 * Pulls the peer's data, pushes ours, checks what the peer pushed into @recv
 * and that addresses outside the peer's window fail: 0 if all went right.
 */
static int
exchange(const struct side *me, const struct side *peer, void *pulled, const void *recv)
{
	char line[256];
	uint64_t t;
	int rc, ok = 1;

	t = now_ms();
	rc = dma_move(VCHAN_PULL, peer->src, rte_malloc_virt2iova(pulled), BUF_LEN);
	if (rc != 0 || checksum(pulled, BUF_LEN) != peer->sum) {
		SAY("FAIL: pull (peer -> local): %d, checksum %016" PRIx64 ", announced %016"
		    PRIx64, rc, checksum(pulled, BUF_LEN), peer->sum);
		return -1;
	}
	SAY("pulled %u bytes (peer -> local) in %" PRIu64 " ms, checksum %016" PRIx64 " matches",
	    BUF_LEN, now_ms() - t, peer->sum);

	t = now_ms();
	rc = dma_move(VCHAN_PUSH, me->src, peer->recv, BUF_LEN);
	if (rc != 0) {
		SAY("FAIL: push (local -> peer): %d", rc);
		return -1;
	}
	SAY("pushed %u bytes (local -> peer) in %" PRIu64 " ms", BUF_LEN, now_ms() - t);
	printf("OOB pushed\n");
	fflush(stdout);

	/* Addresses outside the peer's window: errors, and nothing is touched. */
	rc = dma_move(VCHAN_PULL, peer->src + OUTSIDE, rte_malloc_virt2iova(pulled), PROBE_LEN);
	if (rc != RTE_DMA_STATUS_INVALID_SRC_ADDR || checksum(pulled, BUF_LEN) != peer->sum) {
		SAY("FAIL: a pull from outside the peer's window gave %d", rc);
		ok = 0;
	}
	rc = dma_move(VCHAN_PUSH, me->src, peer->recv + OUTSIDE, PROBE_LEN);
	if (rc != RTE_DMA_STATUS_INVALID_DST_ADDR) {
		SAY("FAIL: a push outside the peer's window gave %d", rc);
		ok = 0;
	}
	if (ok)
		SAY("copies outside the peer's window: INVALID_SRC_ADDR, INVALID_DST_ADDR");

	if (expect("pushed", line, sizeof(line)) != 0) {
		SAY("FAIL: the peer did not push");
		return -1;
	}
	if (checksum(recv, BUF_LEN) != peer->sum) {
		SAY("FAIL: what the peer pushed has checksum %016" PRIx64 ", announced %016" PRIx64,
		    checksum(recv, BUF_LEN), peer->sum);
		return -1;
	}
	SAY("the peer pushed %u bytes (peer -> local by its device), checksum matches", BUF_LEN);
	return ok ? 0 : -1;
}

/* Our buffers in rte_malloc memory (our window): random data, pulled, received. */
static int
make_buffers(struct side *me, void **data, void **pulled, void **recv)
{
	*data = rte_malloc("data", BUF_LEN, 64);
	*pulled = rte_zmalloc("pulled", BUF_LEN, 64);
	*recv = rte_zmalloc("recv", BUF_LEN, 64);
	if (*data == NULL || *pulled == NULL || *recv == NULL) {
		SAY("rte_malloc failed");
		return -1;
	}
	random_bytes(*data, BUF_LEN);
	random_bytes(me->domain, sizeof(me->domain));
	me->src = rte_malloc_virt2iova(*data);
	me->recv = rte_malloc_virt2iova(*recv);
	me->sum = checksum(*data, BUF_LEN);
	return 0;
}

/* ---- the host ----------------------------------------------------------- */

static int
host_main(void)
{
	struct side me, peer;
	rte_uuid_t token;
	int16_t group_id;
	uint16_t peer_h;
	void *data, *pulled, *recv;
	char line[256];
	int ok = 0, rc;
	uint64_t t;

	if (make_buffers(&me, &data, &pulled, &recv) != 0)
		return 1;
	random_bytes(token, sizeof(token));
	rc = rte_dma_access_pair_group_create(dev_id, me.domain, token, &group_id,
					      on_group_event);
	if (rc != 0) {
		SAY("rte_dma_access_pair_group_create: %d", rc);
		return 1;
	}
	SAY("created group %d; waiting for the guest", group_id);
	announce("host", &me, group_id, token);

	if (expect("guest", line, sizeof(line)) != 0 || parse_side(line, &peer, NULL, NULL) != 0) {
		SAY("FAIL: no word from the guest");
		goto destroy;
	}
	if (handler_of(group_id, peer.domain, &peer_h) != 0) {
		SAY("FAIL: the guest's domain is not in group %d", group_id);
		goto destroy;
	}
	SAY("the guest joined; its handler here is %u", peer_h);
	memcpy(awaited_domain, peer.domain, sizeof(awaited_domain));
	atomic_store(&awaited_set, 1);
	if (setup_device(peer_h, NULL) != 0 || exchange(&me, &peer, pulled, recv) != 0)
		goto stop;

	/* The guest goes (it leaves, powers off or is killed): we are told. */
	printf("OOB bye\n");
	fflush(stdout);
	t = now_ms();
	while (!atomic_load(&member_left) && now_ms() - t < TIMEOUT_MS)
		usleep(1000);
	if (!atomic_load(&member_left)) {
		SAY("FAIL: no MEMBER_LEFT event");
		goto stop;
	}
	printf("OOB member-left\n");
	fflush(stdout);
	rc = dma_move(VCHAN_PUSH, me.src, peer.recv, PROBE_LEN);
	if (rc != RTE_DMA_STATUS_DEV_LINK_ERROR) {
		SAY("FAIL: a copy to the departed guest gave %d", rc);
		goto stop;
	}
	SAY("a copy to the departed guest: DEV_LINK_ERROR");
	ok = 1;
stop:
	rte_dma_stop(dev_id);
destroy:
	rc = rte_dma_access_pair_group_destroy(dev_id, group_id);
	if (rc != 0)
		SAY("rte_dma_access_pair_group_destroy: %d", rc);
	return ok && rc == 0 ? 0 : 1;
}

/* ---- the joiners: the guest, and the helper ------------------------------ */

/* Joins the group the host announces, and announces us (as our role) to the others. */
static int
join_host(const struct side *me, struct side *host, int16_t *group_id)
{
	rte_uuid_t token;
	char line[256];
	int rc;

	if (expect("host", line, sizeof(line)) != 0 ||
	    parse_side(line, host, group_id, token) != 0) {
		SAY("FAIL: no word from the host");
		return -1;
	}
	rc = rte_dma_access_pair_group_join(dev_id, (unsigned char *)me->domain, token,
					    *group_id, on_group_event);
	if (rc != 0) {
		SAY("rte_dma_access_pair_group_join: %d", rc);
		return -1;
	}
	announce(role, me, *group_id, NULL);
	return 0;
}

static int
guest_main(bool stay, bool peer_to_peer)
{
	struct side me, peer, helper;
	uint16_t relay[2];
	int16_t group_id;
	uint16_t peer_h;
	void *data, *pulled, *recv;
	char line[256];
	int ok = 0, rc;

	if (make_buffers(&me, &data, &pulled, &recv) != 0)
		return 1;
	SAY("waiting for the host");
	printf("OOB ready\n");      /* the console now has a reader */
	fflush(stdout);
	if (join_host(&me, &peer, &group_id) != 0)
		return 1;
	if (handler_of(group_id, peer.domain, &peer_h) != 0) {
		SAY("FAIL: the host's domain is not in group %d", group_id);
		goto leave;
	}
	SAY("joined group %d; the host's handler here is %u", group_id, peer_h);
	if (peer_to_peer) {
		if (expect("helper", line, sizeof(line)) != 0 ||
		    parse_side(line, &helper, NULL, NULL) != 0 ||
		    handler_of(group_id, helper.domain, &relay[1]) != 0) {
			SAY("FAIL: no helper in group %d", group_id);
			goto leave;
		}
		relay[0] = peer_h;
	}
	if (setup_device(peer_h, peer_to_peer ? relay : NULL) != 0 ||
	    exchange(&me, &peer, pulled, recv) != 0)
		goto stop;
	if (peer_to_peer) {
		uint64_t t = now_ms();

		rc = dma_move(VCHAN_RELAY, peer.src, helper.recv, BUF_LEN);
		if (rc != 0) {
			SAY("FAIL: copy host -> helper (peer -> peer): %d", rc);
			goto stop;
		}
		SAY("copied %u bytes from the host to the helper (peer -> peer) in %" PRIu64
		    " ms", BUF_LEN, now_ms() - t);
		printf("OOB relayed\n");
		fflush(stdout);
	}
	printf("OOB done\n");
	fflush(stdout);
	if (expect("bye", line, sizeof(line)) != 0)
		goto stop;
	ok = 1;
	if (stay) {
		SAY("done; staying in the group until this guest is killed");
		for (uint64_t t = now_ms(); now_ms() - t < TIMEOUT_MS;)
			usleep(10000);
		SAY("FAIL: not killed");
		ok = 0;
	}
stop:
	rte_dma_stop(dev_id);
leave:
	rc = rte_dma_access_pair_group_leave(dev_id, group_id);
	SAY("left group %d (%d)", group_id, rc);
	return ok ? 0 : 1;
}

/* The helper, a second host process (with --peer-to-peer): checks the guest's relay. */
static int
helper_main(void)
{
	struct side me, host;
	int16_t group_id;
	void *data, *pulled, *recv;
	char line[256];
	int ok = 0, rc;

	if (make_buffers(&me, &data, &pulled, &recv) != 0)
		return 1;
	if (join_host(&me, &host, &group_id) != 0)
		return 1;
	if (expect("relayed", line, sizeof(line)) != 0)
		SAY("FAIL: the guest did not copy the host's data here");
	else if (checksum(recv, BUF_LEN) != host.sum)
		SAY("FAIL: what the guest copied here has checksum %016" PRIx64
		    ", the host announced %016" PRIx64, checksum(recv, BUF_LEN), host.sum);
	else
		ok = 1;
	if (ok)
		SAY("the guest copied the host's %u bytes here (peer -> peer), checksum matches",
		    BUF_LEN);
	rc = rte_dma_access_pair_group_leave(dev_id, group_id);
	return ok && rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	bool stay = false, peer_to_peer = false;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	for (int i = ret + 1; i < argc; i++) {
		if (strncmp(argv[i], "--role=", 7) == 0)
			role = argv[i] + 7;
		else if (strcmp(argv[i], "--stay") == 0)
			stay = true;
		else if (strcmp(argv[i], "--peer-to-peer") == 0)
			peer_to_peer = true;
	}
	if (strcmp(role, "host") != 0 && strcmp(role, "guest") != 0 &&
	    strcmp(role, "helper") != 0) {
		fprintf(stderr, "usage: %s EAL-OPTIONS -- --role=host|guest|helper [--stay] "
			"[--peer-to-peer]\n", argv[0]);
		rte_eal_cleanup();
		return 2;
	}
	dev_id = (int16_t)rte_dma_get_dev_id_by_name(DEV_NAME);
	if (dev_id < 0) {
		SAY("no %s device: give --vdev=%s,os_region=... on the command line",
		    DEV_NAME, DEV_NAME);
		rte_eal_cleanup();
		return 1;
	}
	if (strcmp(role, "host") == 0)
		ret = host_main();
	else if (strcmp(role, "guest") == 0)
		ret = guest_main(stay, peer_to_peer);
	else
		ret = helper_main();
	SAY("%s", ret == 0 ? "done: success" : "done: FAILED");
	rte_eal_cleanup();
	return ret;
}
