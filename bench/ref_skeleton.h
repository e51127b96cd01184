/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ref_skel: a C DMA driver that registers through the library's PMD interface
 * (rte_dmadev_pmd.h) and reproduces the design of DPDK's drivers/dma/skeleton:
 * four rings of descriptor pointers (empty, pending, running, completed), a worker
 * pthread that executes running descriptors one at a time and sleeps 10 us after
 * 10000 consecutive empty polls, and completions that move descriptors back to the
 * empty ring.  dma_perf measures it beside the library's own dma_skeleton, as the
 * "DPDK skeleton design" baseline.
 */

#ifndef REF_SKELETON_H
#define REF_SKELETON_H

/* Same capabilities and limits as DPDK's skeleton. */
#define REF_SKEL_MAX_SGES 4
#define REF_SKEL_MIN_DESC 32
#define REF_SKEL_MAX_DESC 8192

#include <sched.h> /* cpu_set_t: compile with _GNU_SOURCE */

/*
 * Registers a ref_skel device called @name.  When the device starts, its worker
 * thread is placed on @lcore_id's CPU if @lcore_id >= 0, else on @worker_cpus if
 * that is not NULL (dma_perf passes the CPUs the library gives dma_skeleton's
 * worker: the process's CPUs minus the main lcore's), else it inherits the affinity
 * of the thread calling rte_dma_start.  The set is copied.
 * Returns the device id, or a negative errno.  rte_dma_close() (after
 * rte_dma_stop()) or rte_dma_pmd_release(@name) removes it.
 */
int ref_skel_create(const char *name, int lcore_id, const cpu_set_t *worker_cpus);

#endif /* REF_SKELETON_H */
