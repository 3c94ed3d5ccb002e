#!/usr/bin/env bash
# Before/after figures for a change on a hot path: the sio bench server
# built from another revision against the one of the working tree, on the
# same machine, in the same run, rounds interleaved.
#
#   bench/ab.sh REV                      # echo and fanout, 3 rounds
#   bench/ab.sh REV --rounds 5 --scenarios "echo fanout polling"
#
# The server of REV is built from `git archive REV` in a temporary folder
# (its own target dir, kept in $AB_TARGET_DIR, default /tmp/sio-ab-target,
# so a second run reuses it); the generator is the working tree's
# sio-bench, the same for both. Each server is pinned to core 0, the
# generator to core 1. Prints one line per run and the medians:
#
#   scenario  figure            before     after   after/before
#
# Raw result lines go to bench/results/ab/raw.jsonl (not committed).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd -P)

REV=${1:?usage: bench/ab.sh REV [--rounds N] [--scenarios "echo fanout"]}
shift
ROUNDS=3
SCENARIOS="echo fanout"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) ROUNDS=$2; shift 2 ;;
        --scenarios) SCENARIOS=$2; shift 2 ;;
        *) echo "ab.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
AB_TARGET=${AB_TARGET_DIR:-/tmp/sio-ab-target}
OUT="$ROOT/bench/results/ab"
mkdir -p "$OUT"
RAW="$OUT/raw.jsonl"
: >"$RAW"

SRC=$(mktemp -d "${TMPDIR:-/tmp}/sio-ab-src.XXXXXX")
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$SRC"
}
trap cleanup EXIT

echo "==> building the bench server of $REV and of the working tree (release)"
git -C "$ROOT" archive "$REV" | tar -x -C "$SRC"
(cd "$SRC" && CARGO_TARGET_DIR="$AB_TARGET" cargo build --release -q -p sio-bench --bin sio-bench-server)
(cd "$ROOT" && CARGO_TARGET_DIR="$TARGET" cargo build --release -q -p sio-bench --bins)
declare -A SERVER=([before]="$AB_TARGET/release/sio-bench-server" [after]="$TARGET/release/sio-bench-server")
GEN="$TARGET/release/sio-bench"
PORT=${SIO_BENCH_PORT:-3191}

args_of() {
    case "$1" in
        echo) echo "--clients 200 --inflight 1 --payload 32 --warmup 3 --duration 10" ;;
        fanout) echo "--clients 1000 --messages 20000 --window 32 --payload 16 --duration 10 --drain 10" ;;
        polling) echo "--clients 200 --inflight 1 --payload 32 --warmup 3 --duration 10" ;;
        *) echo "ab.sh: unknown scenario $1" >&2; exit 2 ;;
    esac
}

for round in $(seq 1 "$ROUNDS"); do
    order=(before after)
    if (( round % 2 == 0 )); then order=(after before); fi
    for scenario in $SCENARIOS; do
        read -r -a args <<<"$(args_of "$scenario")"
        for side in "${order[@]}"; do
            taskset -c 0 "${SERVER[$side]}" --port "$PORT" >"$OUT/$side-$scenario-$round.log" 2>&1 &
            SERVER_PID=$!
            taskset -c 1 "$GEN" wait --port "$PORT" --timeout 20 >/dev/null
            sleep 0.5
            line=$(taskset -c 1 "$GEN" "$scenario" --port "$PORT" --server-pid "$SERVER_PID" "${args[@]}" \
                --label "$side" --round "$round" 2>"$OUT/$side-$scenario-$round.generator.log")
            kill -TERM "$SERVER_PID" 2>/dev/null || true
            wait "$SERVER_PID" 2>/dev/null || true
            SERVER_PID=""
            echo "$line" >>"$RAW"
            echo "round $round $scenario $side: $(jq -c '.metrics | {acks_per_sec, deliveries_per_sec, delivered, expected}' <<<"$line" 2>/dev/null || echo "$line" | head -c 200)"
        done
    done
done

echo
echo "==> medians over $ROUNDS rounds"
python3 - "$RAW" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
figures = {
    "echo": [("acks/s", lambda r: r["metrics"]["acks_per_sec"]), ("p99 ms", lambda r: r["latency"]["p99_ms"])],
    "polling": [("acks/s", lambda r: r["metrics"]["acks_per_sec"]), ("p99 ms", lambda r: r["latency"]["p99_ms"])],
    "fanout": [("deliveries/s", lambda r: r["metrics"]["deliveries_per_sec"])],
}
print(f"{'scenario':10} {'figure':14} {'before':>12} {'after':>12} {'after/before':>13}")
for scenario, wanted in figures.items():
    for name, read in wanted:
        values = {}
        for side in ("before", "after"):
            got = [read(r) for r in rows if r.get("scenario", r.get("name")) == scenario and r["label"] == side]
            if got:
                values[side] = statistics.median(got)
        if len(values) == 2:
            ratio = values["after"] / values["before"] if values["before"] else float("nan")
            print(f"{scenario:10} {name:14} {values['before']:>12.1f} {values['after']:>12.1f} {ratio:>13.3f}")
PY
