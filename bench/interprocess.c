/* SPDX-License-Identifier: BSD-3-Clause
 *
 * dma_perf's inter-process mode (--interprocess): the parent's dma_interdomain
 * device with three vchans, the five measured paths (local, window and
 * cross-memory-attach memory of the peer in both directions), their verification,
 * timed runs and checks, and the cases beside the memcpy reference.  See
 * interprocess.h for the whole mode.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "interprocess.h"

const struct ip_path path[P_NB] = {
	{ "local", "local", "local->local", V_LOCAL, -1 },
	{ "win peer->local", "window", "peer->local", V_IN, R_WIN_SRC },
	{ "win local->peer", "window", "local->peer", V_OUT, R_WIN_DST },
	{ "cma peer->local", "cma", "peer->local", V_IN, R_CMA_SRC },
	{ "cma local->peer", "cma", "local->peer", V_OUT, R_CMA_DST },
};

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
	struct bufs b = { .src = NULL };

	bufs_layout(&b, size);
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

		if (opt.interos && (reg == R_CMA_SRC || reg == R_CMA_DST))
			continue; /* outside the region: not reachable between OS domains */
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

/* --interos: the region file, sized for both windows (each holds the source and
 * destination areas as the heap rounds them: a power of two each), and the device
 * arguments naming it (also for the peer, through the environment). */
static int
ip_region_create(char *args, size_t args_len, char *why, size_t why_len)
{
	uint64_t block = 1, window, size;
	int fd;

	while (block < ip.area_len)
		block <<= 1;
	window = 4 * block + (UINT64_C(2) << 20);
	size = 2 * window + (UINT64_C(4) << 20);
	snprintf(ip.region, sizeof(ip.region), "/dev/shm/dma_perf-%d", (int)getpid());
	fd = open(ip.region, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)size) != 0) {
		snprintf(why, why_len, "cannot create the region %s: %s", ip.region, strerror(errno));
		if (fd >= 0)
			close(fd);
		ip.region[0] = '\0';
		return -1;
	}
	close(fd);
	snprintf(args, args_len, "os_region=%s,os_window=%" PRIu64, ip.region, window);
	if (setenv("DMA_PERF_OS_REGION", args, 1) != 0) {
		snprintf(why, why_len, "setenv: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The parent's device. */
static int
ip_dev_create(char *why, size_t why_len)
{
	struct rte_dma_info info;
	char args[256] = "";
	int ret, id;

	if (opt.worker_lcore >= 0)
		snprintf(args, sizeof(args), "lcore=%d,", opt.worker_lcore);
	if (opt.interos && ip_region_create(args + strlen(args), sizeof(args) - strlen(args),
					    why, why_len) != 0)
		return -1;
	ret = rte_vdev_init(IP_DEV, args);
	id = ret == 0 ? rte_dma_get_dev_id_by_name(IP_DEV) : ret;
	if (id < 0) {
		snprintf(why, why_len, "cannot create %s (\"%s\"): %d", IP_DEV, args, id);
		return -1;
	}
	ip.dev.id = (int16_t)id;
	ret = rte_dma_info_get(ip.dev.id, &info);
	if (ret != 0 || !(info.dev_capa & RTE_DMA_CAPA_INTER_PROCESS_DOMAIN) ||
	    (opt.interos && !(info.dev_capa & RTE_DMA_CAPA_INTER_OS_DOMAIN)) ||
	    info.max_vchans < V_NB || opt.ring < info.min_desc || opt.ring > info.max_desc) {
		snprintf(why, why_len, "%s: rte_dma_info_get %d, capa 0x%" PRIx64 ", %u vchans, "
			 "%u..%u descriptors: cannot run this mode", IP_DEV, ret, info.dev_capa,
			 info.max_vchans, info.min_desc, info.max_desc);
		return -1;
	}
	return 0;
}

/* Each side's area size: the working set, or what verification or the largest size
 * needs. */
static void
ip_area_len(uint32_t max_size)
{
	uint64_t vneed = (uint64_t)VERIFY_OPS * (((uint64_t)max_size + GUARD + 63) & ~UINT64_C(63));

	ip.area_len = opt.mem > vneed ? opt.mem : vneed;
	if (ip.area_len < (((uint64_t)max_size + 63) & ~UINT64_C(63)))
		ip.area_len = ((uint64_t)max_size + 63) & ~UINT64_C(63);
	ip.reply_ms = IP_REPLY_MS + ip.area_len / 100000; /* checks at >= 100 MB/s */
}

/* This process's areas: the working set, or what verification or the largest size
 * needs; the source gets the local pattern. */
static int
ip_local_areas(uint32_t max_size, char *why, size_t why_len)
{
	(void)max_size; /* ip.area_len is set (ip_area_len) */
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
	return 0;
}

/* The group, the peer, and its HELLO answer (its domain and areas). */
static int
ip_group_and_peer(const char *prog, char *why, size_t why_len)
{
	struct ipc_msg m = { .op = C_HELLO }, r;
	int ret;

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
	return 0;
}

/* The three vchans: peer->local, local->peer, local. */
static int
ip_vchans(char *why, size_t why_len)
{
	struct rte_dma_conf conf = { .nb_vchans = V_NB };
	struct rte_dma_vchan_conf vconf = { .direction = RTE_DMA_DIR_MEM_TO_MEM,
					    .nb_desc = (uint16_t)opt.ring };
	int ret;

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
				    opt.interos  ? RTE_DMA_INTER_OS_DOMAIN :
						   RTE_DMA_INTER_PROCESS_DOMAIN;
		vconf.domain.src_handler = v == V_IN ? ip.h_peer : v == V_OUT ? ip.h_me : 0;
		vconf.domain.dst_handler = v == V_IN ? ip.h_me : v == V_OUT ? ip.h_peer : 0;
		ret = rte_dma_vchan_setup(ip.dev.id, (uint16_t)v, &vconf);
	}
	if (ret != 0) {
		snprintf(why, why_len, "%s: configure/vchan_setup failed: %d", IP_DEV, ret);
		return -1;
	}
	return 0;
}

static int
ip_setup(const char *prog, uint32_t max_size, char *why, size_t why_len)
{
	ip_area_len(max_size);
	if (ip_dev_create(why, why_len) != 0 || ip_local_areas(max_size, why, why_len) != 0 ||
	    ip_group_and_peer(prog, why, why_len) != 0 || ip_vchans(why, why_len) != 0)
		return -1;
	return ip_prefault(why, why_len);
}

static void
ip_teardown(bool *ok)
{
	int ret;

	if (opt.interos && peer_pid > 0 && !ip.broken)
		ip_peer_kill_timed();
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
	if (ip.region[0] != '\0')
		unlink(ip.region); /* the mappings stay valid */
	ip.region[0] = '\0';
}

/* ---- the cases ---- */

/* The --repeat rounds of a case: each path's timed run, then the memcpy reference
 * over the local buffers, in the same order. */
static void
ip_case_rounds(struct ip_case *c)
{
	struct bufs lb = { .src = ip.lsrc, .dst = ip.ldst };

	bufs_layout(&lb, c->size);
	for (unsigned int rep = 0; rep < opt.repeat; rep++) {
		for (int p = 0; p < P_NB; p++) {
			struct ip_result *r = &c->p[p];
			struct run_stats rs;
			if (!r->d.passed || !path_used(p))
				continue;
			if (ip_run(p, c->size, &rs, r->d.why, sizeof(r->d.why)) != 0) {
				r->d.passed = false;
				continue;
			}
			dev_result_add(&r->d, &rs);
			if (rs.worker_sys >= 0)
				r->sys[r->nsys++] = rs.worker_sys;
		}
		ref_add(&c->ref, K_COPY, &lb);
	}
}

/* One size on every path. */
static void
ip_case_run(struct ip_case *c, uint32_t size, struct run_totals *t)
{
	struct load_sample l0;

	case_begin(&l0, &c->dist);
	c->size = size;
	for (int p = 0; p < P_NB; p++) {
		struct ip_result *r = &c->p[p];
		if (!path_used(p))
			continue;
		r->d.ran = true;
		r->d.passed = ip_verify(p, c->size, r->d.why, sizeof(r->d.why)) == 0;
	}
	ip_case_rounds(c);
	for (int p = 0; p < P_NB; p++) {
		struct ip_result *r = &c->p[p];
		if (!path_used(p))
			continue;
		finish_dev(&r->d);
		r->m_sys = median(r->sys, r->nsys);
		t->passed += r->d.passed;
		t->failed += !r->d.passed;
	}
	ref_finish(&c->ref);
	t->nb_disturbed += case_end(&l0, &c->dist);
	ip_print_progress(c);
}

/* Whether the peer is still there to go on; a FAIL line if not. */
static bool
ip_peer_alive(uint32_t size, struct run_totals *t)
{
	if (peer_pid > 0 && waitpid(peer_pid, NULL, WNOHANG) == peer_pid) {
		peer_pid = -1;
		fprintf(out, "FAIL: the peer died (after the %u B case)\n", size);
		t->failed++;
		return false;
	}
	if (ip.broken) {
		fprintf(out, "FAIL: the peer stopped answering (in the %u B case)\n", size);
		t->failed++;
		return false;
	}
	return true;
}

static void
ip_banner(int main_cpu)
{
	char where[96];

	workers_where(where, sizeof(where));
	fprintf(out, "dma_perf %s: %s, %s (vchans: peer->local, local->peer, local), "
		"peer pid %d in group %d, timer %.3f GHz, ring %u, burst %u, %u run%s per case, "
		"%" PRIu64 " MiB per side, caller on CPU %d, worker on %s, core-to-core round trip "
		"%.0f ns\n",
		opt.interos ? "--interos (peer in its own namespaces, sharing a region file)" :
			      "--interprocess",
		rte_version(), IP_DEV, (int)peer_pid, ip.gid, (double)hz / 1e9, opt.ring, opt.burst,
		opt.repeat, opt.repeat > 1 ? "s" : "", opt.mem >> 20, main_cpu, where, rtt_base);
	print_run_length();
}

/* Every size, the teardown, the table and the closing lines. */
static int
ip_cases(struct ip_case *cases, int main_cpu, double t_start)
{
	struct run_totals t = { 0 };
	struct load_sample run0, run1;
	bool ok = true;

	probe_setup(main_cpu);
	load_sample(&run0);
	ip_banner(main_cpu);
	for (unsigned int s = 0; s < opt.nb_sizes; s++) {
		ip_case_run(&cases[t.nb_cases++], opt.sizes[s], &t);
		if (!ip_peer_alive(opt.sizes[s], &t))
			break;
	}
	if (atomic_load(&ip.peer_left)) {
		fprintf(out, "FAIL: the peer left the group during the run\n");
		t.failed++;
	}
	ip_teardown(&ok);
	t.failed += !ok;
	t.elapsed = mono_seconds() - t_start;
	load_sample(&run1);
	t.load = other_load(&run0, &run1, &t.steal);
	ip_print_table(cases, t.nb_cases);
	print_run_end(&t);
	if (opt.json)
		ip_print_json(cases, t.nb_cases, &t);
	fprintf(out, "%u passed, %u failed (a MISSed target is reported, not failed)\n", t.passed,
		t.failed);
	fflush(out);
	return t.failed == 0 ? 0 : 1;
}

/* The --interprocess mode; returns the exit status. */
int
ip_main(const char *prog, int main_cpu, double t_start)
{
	char why[320] = "";
	struct ip_case *cases = calloc(opt.nb_sizes, sizeof(*cases));
	bool ok = true;
	int status;

	if (cases == NULL) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	/* The heaps must live in the region, and the peer's namespaces need unshare and
	 * user namespaces: 77 is meson's "skipped". */
	const char *malloc_mode = getenv("DMADEV_MALLOC");
	if (opt.interos && malloc_mode != NULL && strcmp(malloc_mode, "libc") == 0) {
		fprintf(out, "SKIP: --interos needs rte_malloc in the region, and DMADEV_MALLOC=libc "
			"(a sanitizer run) takes it from the C library\n");
		free(cases);
		return 77;
	}
	if (opt.interos && system("unshare --user --map-root-user --pid --fork --kill-child "
				  "--mount --ipc --uts true >/dev/null 2>&1") != 0) {
		fprintf(out, "SKIP: --interos needs unshare (util-linux) and user, PID and mount "
			"namespaces, which this machine does not allow\n");
		free(cases);
		return 77;
	}
	if (ip_setup(prog, max_size_option(), why, sizeof(why)) != 0) {
		fprintf(stderr, "interprocess setup failed: %s\n", why);
		ip_teardown(&ok);
		free(cases);
		return 1;
	}
	status = ip_cases(cases, main_cpu, t_start);
	free(cases);
	return status;
}
