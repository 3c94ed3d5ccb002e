#!/usr/bin/env bash
# The test command of sio: installs what the tests need, then runs every test.
#
#   ./scripts/test.sh
#
# Works from any directory. Under CI=true (as `.ci/run` is run) a missing
# tool is a failure with a message, never a skip; outside CI the script may
# try to install it first, and fails the same way if that does not work.
#
# Steps, in order:
#   1. tools       cargo, rustfmt, clippy, nextest, node, npm (python3 once
#                  tests/python/requirements.txt exists)
#   2. installs    npm ci in tests/js (skipped when node_modules matches the
#                  lock), the Python venv, Debian packages where missing:
#                  chromium (browser tests), redis-server (the Redis adapter's
#                  cluster tests, which start their own servers on free
#                  loopback ports); see the marked "EXTEND HERE" places
#   3. checks      cargo fmt --check, cargo clippy -D warnings
#   4. tests       doctests (cargo test --doc; nextest does not run them),
#                  then every other test with cargo nextest, then a few
#                  seconds of every fuzz target (scripts/fuzz.sh --smoke)
#   5. summary     one line per step, then the test totals
#
# Environment:
#   CI                    "true" turns every missing tool into a failure
#   CARGO_TARGET_DIR      default: $HOME/.cache/sio/target (outside the clone)
# Exported for the tests:
#   SIO_NODE_MODULES      absolute path of tests/js/node_modules
#   SIO_TEST_NODE         the node binary
#   SIO_TEST_PYTHON       the venv's python (once tests/python exists)
#   SIO_CHROMIUM          the chromium binary
#   SIO_REDIS_SERVER      the redis-server binary (tests/support/redis.rs)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd -P)
readonly ROOT

STARTED=$SECONDS
readonly STARTED

is_ci() {
    [[ "${CI:-}" == "true" || "${CI:-}" == "1" ]]
}

log() {
    printf '\n==> %s\n' "$*"
}

fail() {
    printf '\nerror: %s\n' "$*" >&2
    exit 1
}

have() {
    command -v "$1" >/dev/null 2>&1
}

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif have sudo; then
        sudo -n "$@"
    else
        fail "'$*' needs root and sudo is not available"
    fi
}

# ---------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------

# need COMMAND WHY [DEBIAN_PACKAGE]
#
# Fails with a clear message when COMMAND is not on PATH. Under CI=true that
# is immediate: the machine is expected to provide it, or an install step of
# this script has already failed to. Outside CI, when DEBIAN_PACKAGE is given
# and apt-get exists, it tries to install the package first. Tests are never
# skipped because a tool is missing.
need() {
    local cmd=$1 why=$2 package=${3:-}
    have "$cmd" && return 0
    if ! is_ci && [[ -n "$package" ]] && have apt-get; then
        log "'$cmd' is missing; trying to install the Debian package $package"
        # In a subshell: a failed install falls through to the message below.
        (ensure_debian_packages "$cmd:$package") || true
        have "$cmd" && return 0
    fi
    local msg="'$cmd' not found on PATH. It is needed for: $why."
    if is_ci; then
        msg+=$'\n'"CI=true: a missing tool is a failure, not a skip. Install it on the machine or in scripts/test.sh."
    else
        msg+=$'\n'"Install it and run ./scripts/test.sh again; the tests are not optional."
    fi
    fail "$msg"
}

# ---------------------------------------------------------------------------
# Debian packages
# ---------------------------------------------------------------------------

APT_UPDATED=false

apt_update_once() {
    $APT_UPDATED && return 0
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null \
        || fail "apt-get update failed"
    APT_UPDATED=true
}

# ensure_debian_packages BINARY:PACKAGE...
#
# Installs each PACKAGE whose BINARY is not on PATH, with one `apt-get
# update` per run of this script at most, then checks every BINARY is there.
# Example: ensure_debian_packages chromium:chromium redis-server:redis-server
ensure_debian_packages() {
    local pair bin package missing=()
    for pair in "$@"; do
        bin=${pair%%:*}
        package=${pair#*:}
        have "$bin" || missing+=("$package")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    have apt-get || fail "apt-get not found; install these packages by hand: ${missing[*]}"
    apt_update_once
    log "apt-get install ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q "${missing[@]}" </dev/null \
        || fail "apt-get install ${missing[*]} failed"
    for pair in "$@"; do
        bin=${pair%%:*}
        have "$bin" || fail "the package ${pair#*:} was installed but '$bin' is still not on PATH"
    done
}

# ---------------------------------------------------------------------------
# Hash stamps: skip an install when its inputs have not changed
# ---------------------------------------------------------------------------

# stamp_of FILE... -> a hash of the files' contents plus the tool versions
stamp_of() {
    {
        cat "$@"
        printf '%s\n' "${STAMP_EXTRA:-}"
    } | sha256sum | cut -d' ' -f1
}

# ---------------------------------------------------------------------------
# npm: tests/js (socket.io-client and, later, the browser test drivers)
# ---------------------------------------------------------------------------

# npm_ci DIR: installs DIR's packages from its committed lock (skipped
# locally when node_modules already matches the lock).
npm_ci() {
    local dir="$1" name="${1#"$ROOT"/}"
    [[ -f "$dir/package.json" && -f "$dir/package-lock.json" ]] \
        || fail "$name/package.json and $name/package-lock.json must both be committed"
    local stamp_file="$dir/node_modules/.sio-stamp" want
    want=$(STAMP_EXTRA="node $(node --version) npm $(npm --version)" \
        stamp_of "$dir/package.json" "$dir/package-lock.json")
    if ! is_ci && [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$want" ]]; then
        log "npm: $name/node_modules is up to date with the lock (stamp matches)"
    else
        log "npm ci in $name"
        # --ignore-scripts: no package here needs an install script, and a
        # script that downloads a browser build would fail on these machines.
        (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts </dev/null) \
            || fail "npm ci failed in $name"
        printf '%s\n' "$want" >"$stamp_file"
    fi
}

ensure_npm_packages() {
    local dir="$ROOT/tests/js"
    need node "the interop tests with socket.io-client (Node 20)" nodejs
    need npm "installing tests/js from its lock file (npm ci)" npm

    local major
    major=$(node -p 'process.versions.node.split(".")[0]')
    [[ "$major" -ge 18 ]] || fail "node $(node --version) is too old; the tests need Node 18 or newer (20 on the reference machine)"

    npm_ci "$dir"
    # The chat example's browser client, which its browser test serves.
    npm_ci "$ROOT/examples/chat"

    # The install is usable: the client resolves and loads.
    # shellcheck disable=SC2016 # JavaScript, not shell
    (cd "$dir" && node --input-type=module -e '
        import { io, Manager } from "socket.io-client";
        import { createRequire } from "node:module";
        if (typeof io !== "function" || typeof Manager !== "function") {
            console.error("socket.io-client did not load");
            process.exit(1);
        }
        const { version } = createRequire(import.meta.url)("socket.io-client/package.json");
        console.log(`socket.io-client ${version} loads`);
    ') || fail "socket.io-client is installed in tests/js but does not load"

    SIO_NODE_MODULES="$dir/node_modules"
    SIO_TEST_NODE=$(command -v node)
    export SIO_NODE_MODULES SIO_TEST_NODE
}

# ---------------------------------------------------------------------------
# Python: tests/python (python-socketio, later)
# ---------------------------------------------------------------------------

# EXTEND HERE: commit tests/python/requirements.txt (exact pins) and this
# creates tests/python/.venv, installs it, and exports SIO_TEST_PYTHON.
ensure_python_venv() {
    local dir="$ROOT/tests/python"
    local requirements="$dir/requirements.txt"
    local venv="$dir/.venv"
    if [[ ! -f "$requirements" ]]; then
        log "python: no tests/python/requirements.txt yet, no venv to set up"
        return 0
    fi
    need python3 "the interop tests with python-socketio (Python 3.11)" python3
    if [[ ! -x "$venv/bin/python" ]]; then
        log "python: creating $venv"
        python3 -m venv "$venv" \
            || fail "python3 -m venv failed (on Debian's own python3, install python3-venv)"
    fi
    local stamp_file="$venv/.sio-stamp" want
    want=$(STAMP_EXTRA="$("$venv/bin/python" --version 2>&1)" stamp_of "$requirements")
    if ! is_ci && [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$want" ]]; then
        log "python: tests/python/.venv is up to date with requirements.txt (stamp matches)"
    else
        log "pip install -r tests/python/requirements.txt"
        "$venv/bin/python" -m pip install --disable-pip-version-check -q \
            -r "$requirements" </dev/null \
            || fail "pip install -r tests/python/requirements.txt failed"
        printf '%s\n' "$want" >"$stamp_file"
    fi
    SIO_TEST_PYTHON="$venv/bin/python"
    export SIO_TEST_PYTHON
}

# ---------------------------------------------------------------------------
# Steps: each one runs, is timed, and is recorded for the summary. A failing
# check does not stop the later ones, so one run shows every problem; the
# script exits non-zero if any step failed.
# ---------------------------------------------------------------------------

STEP_NAMES=()
STEP_RESULTS=()
LOG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sio-test.XXXXXX")
trap 'rm -rf "$LOG_DIR"' EXIT

# step NAME LOGFILE COMMAND... : runs COMMAND, output to the terminal and to
# LOGFILE (use - for none), and records the result.
step() {
    local name=$1 logfile=$2 start=$SECONDS rc=0
    shift 2
    log "$name: $*"
    if [[ "$logfile" == - ]]; then
        "$@" </dev/null || rc=$?
    else
        "$@" </dev/null 2>&1 | tee "$logfile" || rc=${PIPESTATUS[0]}
    fi
    local took=$((SECONDS - start))
    STEP_NAMES+=("$name")
    if [[ $rc -eq 0 ]]; then
        STEP_RESULTS+=("ok      ${took}s")
    else
        STEP_RESULTS+=("FAILED  ${took}s (exit $rc)")
    fi
    return 0
}

strip_ansi() {
    sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$@"
}

# Sums "N passed" / "N failed" from libtest's "test result:" lines.
count_libtest() {
    local file=$1 kind=$2
    { strip_ansi "$file" | grep -E '^test result:' | grep -oE "[0-9]+ $kind"; } 2>/dev/null \
        | awk '{ n += $1 } END { print n + 0 }' || true
}

# Reads "N passed" / "N failed" from nextest's closing "Summary" line.
count_nextest() {
    local file=$1 kind=$2
    { strip_ansi "$file" | grep -E 'Summary \[.*tests? run' | tail -n 1 | grep -oE "[0-9]+ $kind"; } 2>/dev/null \
        | awk '{ n += $1 } END { print n + 0 }' || true
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

log "sio test command, in $ROOT (CI=${CI:-unset})"

# --- tools ---
need cargo "building and testing the workspace"
cargo fmt --version >/dev/null 2>&1 \
    || fail "rustfmt is missing (cargo fmt); install the rustfmt component of the toolchain"
cargo clippy --version >/dev/null 2>&1 \
    || fail "clippy is missing (cargo clippy); install the clippy component of the toolchain"
USE_NEXTEST=true
if ! cargo nextest --version >/dev/null 2>&1; then
    if is_ci; then
        fail "cargo-nextest is missing; CI=true runs the tests with it (cargo install cargo-nextest --locked)"
    fi
    log "cargo-nextest is missing: falling back to cargo test (CI requires nextest)"
    USE_NEXTEST=false
fi

# --- installs ---
ensure_npm_packages
ensure_python_venv
# Debian packages that tests use, installed only when missing: headless
# Chromium for the browser tests (driven by playwright-core from tests/js),
# and redis-server for the cluster tests of the Redis adapter (each test
# starts its own servers; nothing runs as a service).
# EXTEND HERE: more Debian packages, as BINARY:PACKAGE pairs.
ensure_debian_packages chromium:chromium redis-server:redis-server
SIO_CHROMIUM=$(command -v chromium)
SIO_REDIS_SERVER=$(command -v redis-server)
export SIO_CHROMIUM SIO_REDIS_SERVER
# The binary runs (a broken install fails here, not in the middle of a test).
"$SIO_REDIS_SERVER" --version >/dev/null \
    || fail "$SIO_REDIS_SERVER --version failed: the redis-server install is broken"
log "$("$SIO_REDIS_SERVER" --version)"

# --- Rust ---
if [[ -z "${CARGO_TARGET_DIR:-}" ]]; then
    CARGO_TARGET_DIR="${HOME:-$ROOT}/.cache/sio/target"
fi
export CARGO_TARGET_DIR
mkdir -p "$CARGO_TARGET_DIR"
log "CARGO_TARGET_DIR=$CARGO_TARGET_DIR"

# Under CI the committed Cargo.lock must already be complete.
LOCKED=()
if is_ci; then
    LOCKED=(--locked)
fi

step "fmt" - cargo fmt --all -- --check
step "clippy" - cargo clippy --workspace --all-targets --all-features "${LOCKED[@]}" -- -D warnings
# Doctests first, so that the closing lines of the run are the main suite's.
# --all-features: the Redis-feature code of the facade is tested, not only
# linted.
step "doctests" "$LOG_DIR/doc.log" cargo test --workspace --all-features --doc "${LOCKED[@]}"
if $USE_NEXTEST; then
    step "tests (nextest)" "$LOG_DIR/tests.log" \
        cargo nextest run --workspace --all-features --no-fail-fast "${LOCKED[@]}"
else
    step "tests (cargo test)" "$LOG_DIR/tests.log" \
        cargo test --workspace --all-features --tests --no-fail-fast "${LOCKED[@]}"
fi
# EXTEND HERE: test suites that do not run under cargo (none yet: the
# interop tests are Rust tests that spawn node / python through the
# SIO_TEST_* variables above).

# Fuzz smoke: every cargo-fuzz target for a few seconds, seeded from the
# committed corpora (scripts/fuzz.sh --smoke; a crash fails the step).
# Needs the nightly toolchain; installs cargo-fuzz when it is missing.
fuzz_smoke() {
    cargo +nightly --version >/dev/null 2>&1 \
        || { echo "the nightly toolchain is missing (rustup toolchain install nightly)" >&2; return 1; }
    if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
        log "cargo-fuzz is missing: cargo install cargo-fuzz --locked"
        # Not into the workspace's target dir.
        env -u CARGO_TARGET_DIR cargo install cargo-fuzz --locked || return 1
    fi
    "$ROOT/scripts/fuzz.sh" --smoke
}
step "fuzz smoke" - fuzz_smoke

# --- summary ---
doc_passed=$(count_libtest "$LOG_DIR/doc.log" passed)
doc_failed=$(count_libtest "$LOG_DIR/doc.log" failed)
if $USE_NEXTEST; then
    main_passed=$(count_nextest "$LOG_DIR/tests.log" passed)
    main_failed=$(count_nextest "$LOG_DIR/tests.log" failed)
else
    main_passed=$(count_libtest "$LOG_DIR/tests.log" passed)
    main_failed=$(count_libtest "$LOG_DIR/tests.log" failed)
fi

printf '\n==> summary (%ss in all)\n' "$((SECONDS - STARTED))"
failed_steps=0
for i in "${!STEP_NAMES[@]}"; do
    printf '  %-18s %s\n' "${STEP_NAMES[$i]}" "${STEP_RESULTS[$i]}"
    [[ "${STEP_RESULTS[$i]}" == ok* ]] || failed_steps=$((failed_steps + 1))
done
printf '  doctests: %s passed, %s failed; tests: %s passed, %s failed\n' \
    "$doc_passed" "$doc_failed" "$main_passed" "$main_failed"

if [[ $failed_steps -gt 0 ]]; then
    printf '\nFAILED: %s step(s) failed, see above\n' "$failed_steps" >&2
    exit 1
fi
if [[ $((doc_passed + main_passed)) -eq 0 ]]; then
    printf '\nFAILED: no test ran\n' >&2
    exit 1
fi
printf '%s passed, %s failed\n' "$((doc_passed + main_passed))" "$((doc_failed + main_failed))"
