#!/usr/bin/env bash
# The main job: builds everything, then runs the benchmark's short default run
# (copy, fill, scatter-gather, 64 B..1 MiB, dma_skeleton against a DPDK-skeleton-design
# baseline and memcpy), and judges its figures against the project's targets
# (bench/check_targets.py, thresholds in bench/targets.json). Extra arguments go to
# dma_perf (try --help, --json, --interprocess).
source "$(dirname "$0")/tools.sh"
build
echo "== running bench/dma_perf $*"
user_json=false
for arg in "$@"; do
    case "$arg" in
        -h|--help) exec "$BUILD_DIR/bench/dma_perf" "$@" ;;
        --json) user_json=true ;;
    esac
done

# dma_perf --json: the document on stdout, the table on stderr. Without --json of
# the caller's, the table goes to stdout as before and the document to a file.
json="$(mktemp)"
trap 'rm -f "$json"' EXIT
status=0
if $user_json; then
    "$BUILD_DIR/bench/dma_perf" "$@" >"$json" || status=$?
else
    "$BUILD_DIR/bench/dma_perf" "$@" --json 2>&1 >"$json" || status=$?
fi
if [ ! -s "$json" ] || [ "$status" -gt 1 ]; then
    cat "$json" # no document (a setup failure, or the usage after a bad option)
    exit "$status"
fi
if $user_json; then
    cat "$json"
    python3 "$ROOT/bench/check_targets.py" "$json" >&2 || true
else
    python3 "$ROOT/bench/check_targets.py" "$json" || true
fi
exit "$status"
