#!/usr/bin/env bash
# Runs sio's cargo-fuzz targets (libFuzzer, nightly Rust).
#
#   scripts/fuzz.sh TARGET SECONDS [LIBFUZZER_ARG...]
#       Fuzzes TARGET for SECONDS, seeded from its committed corpus. New
#       inputs go to <crate>/corpus-run/TARGET (not committed); a crash
#       lands in <crate>/artifacts/TARGET/ and fails the run. Prints the
#       execution count and rate at the end.
#   scripts/fuzz.sh --smoke [SECONDS]
#       Every target for SECONDS (default 4) each, seeded from the
#       committed corpora, nothing written to them. Fails if any crashes.
#   scripts/fuzz.sh --cmin TARGET
#       Merges corpus-run/TARGET into the committed corpus/TARGET and
#       minimizes it (cargo fuzz cmin): run before committing a corpus.
#   scripts/fuzz.sh --list
#       The targets, each with its fuzz crate.
#
# Works from any directory. Two fuzz crates, each its own workspace:
# sio-core/fuzz (the sio-core decoders) and fuzz/ (what needs the server
# or the Redis adapter); the script finds which one holds TARGET. Builds
# run with cargo's lowest priority and into each crate's own target/ (any
# CARGO_TARGET_DIR is ignored), one libFuzzer process at a time.
#
# Environment:
#   SIO_FUZZ_TOOLCHAIN   the rustup toolchain (default: nightly)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd -P)
readonly ROOT
readonly CRATES=(sio-core/fuzz fuzz)
readonly TOOLCHAIN=${SIO_FUZZ_TOOLCHAIN:-nightly}
# Optimized, with debug assertions and overflow checks (an overflow is a
# crash), without a sanitizer: sio has no unsafe code, and ASan would cost
# half the speed to watch the dependencies' (well fuzzed) unsafe code.
readonly BUILD_FLAGS=(--release --debug-assertions --sanitizer none)
# A hang or a runaway allocation is a crash too.
readonly LIBFUZZER_FLAGS=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1)

# The fuzz crates' own target dirs, never the workspace's.
unset CARGO_TARGET_DIR

fail() {
    printf 'fuzz.sh: %s\n' "$*" >&2
    exit 1
}

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
}

cargo_fuzz() {
    nice -n 19 cargo "+$TOOLCHAIN" fuzz "$@"
}

check_tools() {
    cargo "+$TOOLCHAIN" --version >/dev/null 2>&1 \
        || fail "the $TOOLCHAIN toolchain is missing (rustup toolchain install $TOOLCHAIN)"
    cargo "+$TOOLCHAIN" fuzz --version >/dev/null 2>&1 \
        || fail "cargo-fuzz is missing (cargo install cargo-fuzz --locked)"
}

# targets_of CRATE: the [[bin]] names of a fuzz crate.
targets_of() {
    awk '/^\[\[bin\]\]/ { bin = 1; next } bin && /^name *=/ { gsub(/[" ]/, "", $0); sub(/^name=/, "", $0); print; bin = 0 }' \
        "$ROOT/$1/Cargo.toml"
}

# crate_of TARGET: the fuzz crate that holds TARGET.
crate_of() {
    local crate
    for crate in "${CRATES[@]}"; do
        if targets_of "$crate" | grep -qx "$1"; then
            printf '%s\n' "$crate"
            return 0
        fi
    done
    fail "no fuzz target named '$1' (scripts/fuzz.sh --list)"
}

# stats LOG: "N executions in S s (R exec/s)" from libFuzzer's final stats.
stats() {
    local runs rate
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$1" | tail -n 1 | grep -oE '[0-9]+$' || true)
    rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$1" | tail -n 1 | grep -oE '[0-9]+$' || true)
    printf '%s executions (%s exec/s)' "${runs:-?}" "${rate:-?}"
}

# run_one TARGET SECONDS OUTPUT_CORPUS [LIBFUZZER_ARG...]: fuzzes TARGET
# seeded from its committed corpus, new inputs into OUTPUT_CORPUS.
run_one() {
    local target=$1 seconds=$2 output=$3
    shift 3
    local crate log rc=0 start=$SECONDS
    crate=$(crate_of "$target")
    local corpus="$ROOT/$crate/corpus/$target"
    mkdir -p "$output" "$corpus"
    log=$(mktemp "${TMPDIR:-/tmp}/sio-fuzz-$target.XXXXXX")
    printf '==> %s (%s): %ss\n' "$target" "$crate" "$seconds"
    cargo_fuzz run --fuzz-dir "$ROOT/$crate" "${BUILD_FLAGS[@]}" "$target" "$output" "$corpus" -- \
        -max_total_time="$seconds" "${LIBFUZZER_FLAGS[@]}" "$@" >"$log" 2>&1 || rc=$?
    if [[ $rc -ne 0 ]]; then
        # The panic (or libFuzzer's error), the input, how to replay it.
        local artifact
        artifact=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -n 1 | sed 's/^Test unit written to //' || true)
        {
            grep -m 1 -A 4 -E "panicked at|ERROR: libFuzzer" "$log" || tail -n 20 "$log"
            sed -n '/^Output of `std::fmt::Debug`:/,/^Reproduce with:/p' "$log" | sed '$d'
            if [[ -n "$artifact" ]]; then
                printf 'Replay: cargo +%s fuzz run --fuzz-dir %s %s %s %s\n' \
                    "$TOOLCHAIN" "$ROOT/$crate" "${BUILD_FLAGS[*]}" "$target" "$artifact"
            fi
            printf '==> %s: CRASHED (exit %s) after %s; full log: %s\n' "$target" "$rc" "$(stats "$log")" "$log"
        } >&2
        return 1
    fi
    printf '==> %s: %s in %ss, no crash\n' "$target" "$(stats "$log")" "$((SECONDS - start))"
    rm -f "$log"
}

build_all() {
    local crate
    for crate in "${CRATES[@]}"; do
        printf '==> building %s\n' "$crate"
        cargo_fuzz build --fuzz-dir "$ROOT/$crate" "${BUILD_FLAGS[@]}" \
            || fail "building the fuzz targets of $crate failed"
    done
}

smoke() {
    local seconds=${1:-4} crate target failed=()
    [[ "$seconds" =~ ^[0-9]+$ ]] || usage
    check_tools
    build_all
    local scratch
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/sio-fuzz-smoke.XXXXXX")
    # shellcheck disable=SC2064 # expand now: the path is fixed
    trap "rm -rf '$scratch'" EXIT
    for crate in "${CRATES[@]}"; do
        for target in $(targets_of "$crate"); do
            run_one "$target" "$seconds" "$scratch/$target" || failed+=("$target")
        done
    done
    if [[ ${#failed[@]} -gt 0 ]]; then
        printf '\nFUZZ SMOKE FAILED: %s crashed (inputs in <crate>/artifacts/<target>/)\n' "${failed[*]}" >&2
        exit 1
    fi
    printf '==> fuzz smoke: every target ran %ss without a crash\n' "$seconds"
}

cmin() {
    local target=$1 crate
    check_tools
    crate=$(crate_of "$target")
    local corpus="$ROOT/$crate/corpus/$target" run="$ROOT/$crate/corpus-run/$target"
    mkdir -p "$corpus"
    if [[ -d "$run" ]]; then
        cp -n "$run"/* "$corpus"/ 2>/dev/null || true
    fi
    local before
    before=$(find "$corpus" -type f | wc -l)
    # Edges only (-use_counters=0: hit-count buckets would keep thousands
    # of files), and the smallest set of inputs that covers them all.
    cargo_fuzz cmin --fuzz-dir "$ROOT/$crate" "${BUILD_FLAGS[@]}" "$target" "$corpus" -- \
        -rss_limit_mb=2048 -use_counters=0 -set_cover_merge=1 \
        || fail "cargo fuzz cmin $target failed"
    rm -rf "$run"
    printf '==> %s: corpus minimized from %s to %s files (%s bytes)\n' "$target" "$before" \
        "$(find "$corpus" -type f | wc -l)" "$(cat "$corpus"/* | wc -c)"
}

case "${1:-}" in
    --smoke)
        smoke "${2:-}"
        ;;
    --cmin)
        [[ $# -eq 2 ]] || usage
        cmin "$2"
        ;;
    --list)
        for crate in "${CRATES[@]}"; do
            targets_of "$crate" | sed "s|\$|  ($crate)|"
        done
        ;;
    "" | -h | --help)
        usage
        ;;
    -*)
        usage
        ;;
    *)
        [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || usage
        target=$1 seconds=$2
        shift 2
        check_tools
        crate=$(crate_of "$target")
        run_one "$target" "$seconds" "$ROOT/$crate/corpus-run/$target" "$@"
        ;;
esac
