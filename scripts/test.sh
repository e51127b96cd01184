#!/usr/bin/env bash
# Runs every test: formatting and lints, the Rust unit tests, the committed headers
# against a fresh cbindgen run, the C tests through meson, then the memory-safety
# gates of scripts/sanitize.sh (SANITIZE=0 leaves those out).
source "$(dirname "$0")/tools.sh"
cd "$ROOT"
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo fmt --check, cargo clippy: fuzz/ (its own workspace)"
cargo fmt --manifest-path fuzz/Cargo.toml -- --check
cargo clippy --manifest-path fuzz/Cargo.toml --all-targets -- -D warnings
echo "== cargo test"
cargo test --workspace
echo "== cargo doc: no warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
echo "== Rust examples of the safe API (the twins of examples/*.c)"
cargo run --quiet --example dma_demo
cargo run --quiet --example device_modes
d=$(mktemp -d /tmp/dmadev-rust-example-XXXXXX)
DMADEV_RUNTIME_DIR="$d" cargo run --quiet --example interdomain_share && rc=0 || rc=$?
rm -rf "$d"
[ "$rc" = 0 ]
echo "== stress: 3 devices x 10 million random operations, every byte verified (release build)"
DMADEV_STRESS_OPS=10000000 cargo test --release -p dmadev --test stress
echo "== headers in include/ match the Rust sources"
cargo run --quiet -p gen-headers -- --check
echo "== meson test"
build
meson test -C "$BUILD_DIR" --print-errorlogs
# One closing line for the whole C suite (meson prints its own table above).
python3 - "$BUILD_DIR/meson-logs/testlog.json" <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0}
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    key = r if r in counts else "FAIL"
    counts[key] += 1
print(f"meson: {counts['OK']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
PY
if [ "${SANITIZE:-1}" = 0 ]; then
    echo "== sanitizer gates"
    echo "skipped: SANITIZE=0"
else
    "$ROOT/scripts/sanitize.sh"
fi
