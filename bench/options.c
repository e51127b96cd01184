/* SPDX-License-Identifier: BSD-3-Clause
 *
 * dma_perf's options: the defaults, --help and the parser.
 */

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>

#include "dma_perf.h"

const char *const kind_name[K_NB] = { "copy", "fill", "sg" };
const char *const dev_name[D_NB] = { "dma_skeleton", "ref_skel" };

struct options opt = {
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

void
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
	       "                      local vchan and memcpy (targets: bench/check_targets.py)\n"
	       "  --interos           the inter-process mode between isolated OS domains: the\n"
	       "                      peer runs in its own user, PID, mount, IPC and UTS\n"
	       "                      namespaces (unshare) and the two share only a region file\n"
	       "                      (os_region=, RTE_DMA_INTER_OS_DOMAIN vchans; window paths\n"
	       "                      only); at the end the peer is killed and the time until\n"
	       "                      MEMBER_LEFT is reported\n"
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

/* --sizes=LIST */
static int
parse_sizes(const char *arg)
{
	char *list = strdup(arg), *tok, *save;

	opt.nb_sizes = 0;
	for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (opt.nb_sizes == MAX_SIZES || parse_size(tok, &opt.sizes[opt.nb_sizes]) != 0) {
			fprintf(stderr, "bad size '%s' (multiples of 4 from 16 to 256M, "
				"at most %d sizes)\n", tok, MAX_SIZES);
			free(list);
			return -1;
		}
		opt.nb_sizes++;
	}
	free(list);
	return opt.nb_sizes == 0 ? -1 : 0;
}

/* --tests=LIST */
static int
parse_tests(const char *arg)
{
	char *list = strdup(arg), *tok, *save;

	opt.kind_mask = 0;
	opt.wakeup = false;
	for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		int k;
		if (strcmp(tok, "wakeup") == 0) {
			opt.wakeup = true;
			continue;
		}
		for (k = 0; k < K_NB; k++)
			if (strcmp(tok, kind_name[k]) == 0)
				break;
		if (k == K_NB) {
			fprintf(stderr, "unknown test '%s' (copy, fill, sg, wakeup)\n", tok);
			free(list);
			return -1;
		}
		opt.kind_mask |= 1u << k;
	}
	free(list);
	return opt.kind_mask == 0 && !opt.wakeup ? -1 : 0;
}

/* --device=NAME */
static int
parse_device(const char *arg)
{
	opt.dev_mask = 0;
	for (int d = 0; d < D_NB; d++)
		if (strcmp(arg, dev_name[d]) == 0)
			opt.dev_mask = 1u << d;
	if (opt.dev_mask == 0) {
		fprintf(stderr, "--device must be dma_skeleton or ref_skel\n");
		return -1;
	}
	return 0;
}

/* --seconds=T */
static int
parse_seconds(const char *arg)
{
	char *end;
	double d = strtod(arg, &end);

	if (end == arg || *end != '\0' || !(d > 0 && d <= 3600)) {
		fprintf(stderr, "--seconds must be in (0, 3600]\n");
		return -1;
	}
	opt.seconds = d;
	return 0;
}

/* The hidden --peer=IN,OUT,PPID of the inter-process peer. */
static int
parse_peer(const char *arg)
{
	int ppid;

	if (sscanf(arg, "%d,%d,%d", &opt.peer_in, &opt.peer_out, &ppid) != 3 ||
	    opt.peer_in < 0 || opt.peer_out < 0) {
		fprintf(stderr, "bad --peer\n");
		return -1;
	}
	opt.peer_parent = (pid_t)ppid;
	return 0;
}

enum { O_SIZES = 256, O_RING, O_BURST, O_OPS, O_SECONDS, O_REPEAT, O_DEVICE, O_TESTS, O_MEM,
       O_LCORE, O_JSON, O_INFLIGHT, O_HELP, O_IP, O_PEER, O_LOCAL_MMAP, O_INTEROS };

/* The options that take a whole number; 1 if @c is none of them. */
static int
parse_number(int c, const char *arg)
{
	unsigned long long v;

	switch (c) {
	case O_RING:
		if (parse_uint(arg, 32, 8192, &v) != 0 || (v & (v - 1)) != 0) {
			fprintf(stderr, "--ring must be a power of 2 from 32 to 8192\n");
			return -1;
		}
		opt.ring = (unsigned int)v;
		return 0;
	case O_BURST:
		if (parse_uint(arg, 1, MAX_BURST, &v) != 0) {
			fprintf(stderr, "--burst must be 1..%d\n", MAX_BURST);
			return -1;
		}
		opt.burst = (unsigned int)v;
		return 0;
	case O_INFLIGHT:
		if (parse_uint(arg, 1, 65535, &v) != 0) {
			fprintf(stderr, "--max-inflight must be 1..65535\n");
			return -1;
		}
		opt.max_inflight = (unsigned int)v;
		return 0;
	case O_OPS:
		if (parse_uint(arg, 1, UINT64_MAX / 2, &v) != 0) {
			fprintf(stderr, "--ops must be a positive number\n");
			return -1;
		}
		opt.ops = v;
		return 0;
	case O_REPEAT:
		if (parse_uint(arg, 1, MAX_REPEAT, &v) != 0) {
			fprintf(stderr, "--repeat must be 1..%d\n", MAX_REPEAT);
			return -1;
		}
		opt.repeat = (unsigned int)v;
		return 0;
	case O_MEM:
		if (parse_uint(arg, 1, 4096, &v) != 0) {
			fprintf(stderr, "--mem must be 1..4096 (MiB)\n");
			return -1;
		}
		opt.mem = v << 20;
		return 0;
	case O_LCORE:
		if (parse_uint(arg, 0, RTE_MAX_LCORE - 1, &v) != 0) {
			fprintf(stderr, "--worker-lcore must be 0..%d\n", RTE_MAX_LCORE - 1);
			return -1;
		}
		opt.worker_lcore = (int)v;
		return 0;
	default:
		return 1;
	}
}

/* One option; exits after --help. */
static int
parse_one(int c, const char *arg, const char *prog)
{
	int ret = parse_number(c, arg);

	if (ret <= 0)
		return ret;
	switch (c) {
	case O_SIZES:
		return parse_sizes(arg);
	case O_SECONDS:
		return parse_seconds(arg);
	case O_DEVICE:
		return parse_device(arg);
	case O_TESTS:
		return parse_tests(arg);
	case O_PEER:
		return parse_peer(arg);
	case O_IP:
		opt.interprocess = true;
		return 0;
	case O_INTEROS:
		opt.interprocess = true;
		opt.interos = true;
		return 0;
	case O_LOCAL_MMAP:
		opt.local_mmap = true;
		return 0;
	case O_JSON:
		opt.json = true;
		return 0;
	case O_HELP:
	case 'h':
		usage(prog);
		exit(0);
	default:
		return -1;
	}
}

int
parse_options(int argc, char **argv)
{
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
		{ "interos", no_argument, NULL, O_INTEROS },
		{ "peer", required_argument, NULL, O_PEER }, /* internal */
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		if (parse_one(c, optarg, argv[0]) != 0)
			return -1;
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
