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
 * memory attach), beside copies on a local vchan and memcpy.  See interprocess.h.
 *
 * The tool reports figures (a table, and with --json a document on stdout); the
 * targets they are judged against are bench/check_targets.py's, which
 * scripts/bench.sh runs on that document.  This file only dispatches: dma_perf.h
 * says which file does what.
 *
 * Usage: dma_perf [EAL options --] [options]; see --help.
 */

#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>

#include "dma_perf.h"

cpu_set_t helper_cpus;
FILE *out;
uint64_t hz;

uint32_t
max_size_option(void)
{
	uint32_t max_size = 0;

	for (unsigned int i = 0; i < opt.nb_sizes; i++)
		max_size = opt.sizes[i] > max_size ? opt.sizes[i] : max_size;
	return max_size;
}

/* "EAL options -- options", as DPDK applications take them: the number of EAL
 * arguments (argv[0] included); the options start at *app_argv ("--" plays
 * argv[0] for getopt). */
static int
split_args(int argc, char **argv, int *app_argc, char ***app_argv)
{
	*app_argv = argv;
	*app_argc = argc;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			*app_argv = argv + i;
			*app_argc = argc - i;
			return i;
		}
	}
	return 1;
}

static int
eal_init(int eal_argc, char **argv)
{
	char *eal_argv[64];
	int n = eal_argc < 63 ? eal_argc : 63;

	for (int i = 0; i < n; i++)
		eal_argv[i] = argv[i];
	eal_argv[n] = NULL;
	if (rte_eal_init(n, eal_argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return -1;
	}
	return 0;
}

/*
 * Thread placement: dma_perf pins nothing itself.  rte_eal_init pins the main
 * thread to the main lcore's CPU (as DPDK does), and the library runs
 * dma_skeleton's worker (no lcore=) on the process's other CPUs.  ref_skel's
 * worker gets the same CPUs, so both devices are measured with the same
 * placement: on 2 CPUs, caller on one, worker on the other.  Returns the main
 * lcore's CPU.
 */
static int
placement(bool have_affinity, const cpu_set_t *saved_affinity)
{
	int main_cpu = rte_lcore_to_cpu_id((int)rte_get_main_lcore());

	CPU_ZERO(&helper_cpus);
	if (have_affinity) {
		helper_cpus = *saved_affinity;
		if (main_cpu >= 0 && main_cpu < CPU_SETSIZE && CPU_COUNT(&helper_cpus) > 1)
			CPU_CLR(main_cpu, &helper_cpus);
	}
	return main_cpu;
}

int
main(int argc, char **argv)
{
	double t_start = mono_seconds();
	cpu_set_t saved_affinity;
	bool have_affinity;
	int eal_argc, app_argc, main_cpu, status;
	char **app_argv;

	out = stdout;
	eal_argc = split_args(argc, argv, &app_argc, &app_argv);
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
	if (eal_init(eal_argc, argv) != 0) {
		ip_rundir_remove();
		return 1;
	}
	main_cpu = placement(have_affinity, &saved_affinity);
	hz = rte_get_timer_hz();
	if (opt.interprocess)
		status = ip_main(argv[0], main_cpu, t_start);
	else
		status = local_main(main_cpu, t_start);
	rte_eal_cleanup(); /* removes dma_skeleton */
	ip_rundir_remove();
	return status;
}
