#!/usr/bin/env bash
# The main job: builds the library and the example, then runs the example, which
# copies, fills and scatter-gathers on a dma_skeleton device and prints what it did.
source "$(dirname "$0")/tools.sh"
build
echo "== running examples/dma_demo"
exec "$BUILD_DIR/examples/dma_demo" "$@"
