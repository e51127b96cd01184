#!/usr/bin/env bash
# The main job: builds everything, then runs the benchmark's short default run
# (copy, fill, scatter-gather, 64 B..1 MiB, dma_skeleton against a DPDK-skeleton-design
# baseline and memcpy). Extra arguments go to dma_perf (try --help, --json,
# --interprocess).
source "$(dirname "$0")/tools.sh"
build
echo "== running bench/dma_perf $*"
exec "$BUILD_DIR/bench/dma_perf" "$@"
