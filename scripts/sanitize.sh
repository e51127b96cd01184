#!/usr/bin/env bash
# Memory-safety gates, run by ./scripts/test.sh after its other steps (or by hand, all
# of them or the ones named: ./scripts/sanitize.sh [c-asan] [rust-asan] [tsan]
# [valgrind] [fuzz]). Each prints "== <gate>" and then its result, or "skipped:
# <reason>" where this machine lacks the tool. Every gate runs even when one before it
# failed; the script fails if any gate failed.
#
#   c-asan     the C tests and examples (meson test) built with gcc
#              -fsanitize=address,undefined, in a second build dir (build-asan/);
#              the Rust library itself is not instrumented there
#   rust-asan  the core crate's unit and integration tests (tests/stress.rs with
#              SANITIZE_STRESS_OPS operations per device) under nightly
#              -Zsanitizer=address -Zbuild-std
#   tsan       the ring and worker unit tests and tests/stress.rs under nightly
#              -Zsanitizer=thread -Zbuild-std
#   valgrind   c-tests/test_dmadev_api (both entry paths) under valgrind memcheck,
#              leak check included, in an 8 GiB address space
#   fuzz       replays fuzz/corpus and fuzz/reproducers, then runs each cargo-fuzz
#              target for FUZZ_SECONDS (60) seconds; a crash fails the gate
#
# All of them run with DMADEV_MALLOC=libc: rte_malloc then takes its blocks from the C
# allocator instead of the library's 32 GiB shared-mapping heap, so the sanitizers and
# valgrind see (and check) every block. Where the variable is not implemented yet it
# changes nothing.
#
# Knobs: ASAN_BUILD_DIR (build-asan), FUZZ_SECONDS (60), SANITIZE_STRESS_OPS (20000),
# SANITIZE_TARGET_DIR (target/sanitize), NIGHTLY (nightly: the rustup toolchain used).
source "$(dirname "$0")/tools.sh"
cd "$ROOT"

export DMADEV_MALLOC=libc
ASAN_BUILD_DIR="${ASAN_BUILD_DIR:-$ROOT/build-asan}"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
SANITIZE_STRESS_OPS="${SANITIZE_STRESS_OPS:-20000}"
SANITIZE_TARGET_DIR="${SANITIZE_TARGET_DIR:-$ROOT/target/sanitize}"
NIGHTLY="${NIGHTLY:-nightly}"
HOST="$(rustc -vV | sed -n 's/^host: //p')"
SKIP=77 # a gate's exit status when it is skipped

skip() {
    echo "skipped: $*"
    exit "$SKIP"
}

# Why a nightly toolchain cannot build with -Zsanitizer, or nothing when it can.
nightly_missing() {
    if ! command -v rustup >/dev/null 2>&1; then
        echo "no rustup, so no nightly toolchain (-Zsanitizer needs one)"
    elif ! rustup toolchain list | grep -q "^$NIGHTLY" ||
        ! cargo "+$NIGHTLY" --version >/dev/null 2>&1; then
        echo "no $NIGHTLY toolchain (-Zsanitizer needs one; rustup toolchain install nightly)"
    fi
}

# Why -Zbuild-std cannot work (it needs the rust-src component), or nothing.
build_std_missing() {
    local why sysroot
    why="$(nightly_missing)"
    if [ -n "$why" ]; then
        echo "$why"
        return
    fi
    sysroot="$(rustc "+$NIGHTLY" --print sysroot)"
    if [ ! -d "$sysroot/lib/rustlib/src/rust/library" ]; then
        timeout 300 rustup component add rust-src --toolchain "$NIGHTLY" >/dev/null 2>&1 || true
    fi
    if [ ! -d "$sysroot/lib/rustlib/src/rust/library" ]; then
        echo "the $NIGHTLY toolchain has no rust-src component, which -Zbuild-std needs"
    fi
}

# cargo +nightly test of the core crate with the std library rebuilt under a sanitizer.
# usage: sanitized_test address|thread <cargo test arguments...>
sanitized_test() {
    local san="$1"
    shift
    RUSTFLAGS="-Zsanitizer=$san" RUSTDOCFLAGS="-Zsanitizer=$san" \
        cargo "+$NIGHTLY" test -Zbuild-std --target "$HOST" \
        --target-dir "$SANITIZE_TARGET_DIR/$san" --no-fail-fast -p dmadev "$@"
}

gate_c_asan() {
    local probe
    probe="$(mktemp -d /tmp/dmadev-asan-probe-XXXXXX)"
    echo 'int main(void) { return 0; }' >"$probe/p.c"
    if ! cc -fsanitize=address,undefined "$probe/p.c" -o "$probe/p" >/dev/null 2>&1 ||
        ! "$probe/p" >/dev/null 2>&1; then
        rm -rf "$probe"
        skip "cc cannot build and run a -fsanitize=address,undefined program (libasan/libubsan missing)"
    fi
    rm -rf "$probe"
    if [ ! -f "$ASAN_BUILD_DIR/build.ninja" ]; then
        # -fno-sanitize-recover: undefined behaviour aborts the test instead of a warning.
        meson setup "$ASAN_BUILD_DIR" "$ROOT" -Db_sanitize=address,undefined -Db_lundef=false \
            -Dc_args=-fno-sanitize-recover=all -Dcpp_args=-fno-sanitize-recover=all
    fi
    # The Rust library is not instrumented here: share the main build's cargo output
    # rather than building the same release library a second time.
    if [ -d "$BUILD_DIR/cargo" ] && [ ! -e "$ASAN_BUILD_DIR/cargo" ]; then
        ln -s "$BUILD_DIR/cargo" "$ASAN_BUILD_DIR/cargo"
    fi
    meson compile -C "$ASAN_BUILD_DIR"
    ASAN_OPTIONS="abort_on_error=0:allocator_may_return_null=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
        meson test -C "$ASAN_BUILD_DIR" --print-errorlogs
}

gate_rust_asan() {
    local why
    why="$(build_std_missing)"
    [ -z "$why" ] || skip "$why"
    echo "(core crate unit and integration tests, stress with DMADEV_STRESS_OPS=$SANITIZE_STRESS_OPS)"
    ASAN_OPTIONS="allocator_may_return_null=1:detect_leaks=1:detect_stack_use_after_return=1" \
        DMADEV_STRESS_OPS="$SANITIZE_STRESS_OPS" \
        sanitized_test address --lib --tests
}

gate_tsan() {
    local why
    why="$(build_std_missing)"
    [ -z "$why" ] || skip "$why"
    echo "(ring, worker and engine unit tests, then tests/stress.rs with DMADEV_STRESS_OPS=$SANITIZE_STRESS_OPS)"
    # A data race report makes the process exit with 66 even when every test passed.
    export TSAN_OPTIONS="halt_on_error=0:exitcode=66:second_deadlock_stack=1"
    sanitized_test thread --lib -- engines::ring engines::worker engines::cpu
    DMADEV_STRESS_OPS="$SANITIZE_STRESS_OPS" sanitized_test thread --test stress
}

gate_valgrind() {
    if ! command -v valgrind >/dev/null 2>&1; then
        skip "valgrind is not installed (apt-get install valgrind)"
    fi
    local exe="$BUILD_DIR/c-tests/test_dmadev_api"
    [ -x "$exe" ] || build
    local vg=(valgrind --quiet --error-exitcode=1 --num-callers=30 --leak-check=full
        --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect)
    # The leak check reads every mapped page, and the library's default rte_malloc
    # heap is a 32 GiB shared mapping: read whole, it fills the machine's memory (the
    # kernel then kills valgrind, or whatever else is running). DMADEV_MALLOC=libc
    # leaves that mapping out; for a library without it, the address-space limit below
    # makes the mapping fail, and the heap then falls back to posix_memalign, which
    # valgrind tracks as it would the debug heap.
    ulimit -v $((8 << 20))
    echo "(test_dmadev_api, then test_dmadev_api --vdev=dma_skeleton --no-huge -l 0)"
    LD_LIBRARY_PATH="$BUILD_DIR" "${vg[@]}" "$exe"
    LD_LIBRARY_PATH="$BUILD_DIR" "${vg[@]}" "$exe" --vdev=dma_skeleton --no-huge -l 0
}

gate_fuzz() {
    local why
    why="$(nightly_missing)"
    [ -z "$why" ] || skip "$why (cargo fuzz builds with -Zsanitizer=address)"
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "(installing cargo-fuzz from crates.io)"
        cargo install --quiet --locked cargo-fuzz >/dev/null 2>&1 ||
            skip "cargo-fuzz is not installed and 'cargo install cargo-fuzz' failed"
    fi
    cd "$ROOT/fuzz"
    cargo "+$NIGHTLY" fuzz build
    local t work dict failed=0
    work="$(mktemp -d /tmp/dmadev-fuzz-XXXXXX)"
    for t in $(cargo "+$NIGHTLY" fuzz list); do
        # Known inputs first: the seeds and every recorded reproducer must pass.
        local known=("corpus/$t")
        [ -d "reproducers/$t" ] && known+=("reproducers/$t")
        echo "-- $t: replaying ${known[*]}"
        if ! cargo "+$NIGHTLY" fuzz run "$t" "${known[@]}" -- -runs=0 >"$work/$t.replay.log" 2>&1; then
            tail -n 40 "$work/$t.replay.log"
            echo "$t: a known input fails (see above; reproducers/ holds recorded findings)"
            failed=1
            continue
        fi
        echo "-- $t: fuzzing for ${FUZZ_SECONDS} s"
        mkdir -p "$work/$t" "artifacts/$t"
        dict=()
        [ -f "dict/$t.dict" ] && dict=("-dict=dict/$t.dict")
        # New inputs go to the scratch directory; the committed corpus only seeds it.
        if ! cargo "+$NIGHTLY" fuzz run "$t" "$work/$t" "corpus/$t" -- \
            -max_total_time="$FUZZ_SECONDS" -timeout=60 -rss_limit_mb=4096 -max_len=4096 \
            -print_final_stats=1 "${dict[@]}" >"$work/$t.log" 2>&1; then
            tail -n 60 "$work/$t.log"
            local crash
            for crash in $(grep -o "artifacts/$t/[a-z]*-[0-9a-f]*" "$work/$t.log" | sort -u); do
                echo "$t: finding $crash (base64, decode into a file and 'cargo fuzz run $t FILE'):"
                base64 -w 0 "$crash"
                echo
            done
            failed=1
            continue
        fi
        grep -E '^stat::number_of_executed_units|^Done ' "$work/$t.log" | tr '\n' ' '
        echo
    done
    rm -rf "$work"
    return "$failed"
}

ALL=(c-asan rust-asan tsan valgrind fuzz)
GATES=("$@")
[ ${#GATES[@]} -gt 0 ] || GATES=("${ALL[@]}")
ran=() skipped=() failed=()
total_start=$(date +%s)
for g in "${GATES[@]}"; do
    fn="gate_${g//-/_}"
    if ! declare -F "$fn" >/dev/null; then
        echo "unknown gate '$g' (gates: ${ALL[*]})" >&2
        exit 2
    fi
    echo "== $g"
    start=$(date +%s)
    set +e
    (
        set -e
        "$fn"
    )
    rc=$?
    set -e
    secs=$(($(date +%s) - start))
    if [ "$rc" -eq 0 ]; then
        echo "$g: passed in ${secs} s"
        ran+=("$g")
    elif [ "$rc" -eq "$SKIP" ]; then
        skipped+=("$g")
    else
        echo "$g: FAILED (exit status $rc) after ${secs} s"
        failed+=("$g")
    fi
done
echo "== sanitizer gates: ran ${#ran[@]} (${ran[*]:-}), skipped ${#skipped[@]} (${skipped[*]:-}), failed ${#failed[@]} (${failed[*]:-}), $(($(date +%s) - total_start)) s"
[ ${#failed[@]} -eq 0 ]
