#!/usr/bin/env bash
# sio vs Node socket.io, side by side: one command.
#
#   bench/run.sh                 # full run: 3 rounds, default sizes (~10-15 min)
#   bench/run.sh --quick         # smoke run: 1 round, small sizes, ~1.5 min
#   bench/run.sh --rounds 5 --scenarios "echo fanout" --servers "sio node"
#
# Steps:
#   1. builds sio-bench, sio-bench-server and sio-bench-report (release)
#   2. npm ci in bench/node (the Node reference server, socket.io 4.8.x)
#   3. for each round, each scenario, each server (the order of the servers
#      alternates between rounds): starts a fresh server pinned to core 0
#      (taskset -c 0), runs the generator pinned to core 1, stops the server
#   4. sio-bench-report: medians over the rounds -> bench/results/results.json,
#      results.md, throughput.png, latency.png, and the results section of
#      BENCHMARKS.md (unless --no-doc)
#
# Raw result lines go to bench/results/raw.jsonl, server logs to
# bench/results/logs/. Nothing is left running: every process started here
# is stopped by its pid, also on Ctrl-C.
#
# Options:
#   --quick              small sizes, short runs, 1 round (unless --rounds)
#   --rounds N           rounds (default 3)
#   --scenarios "..."    subset of: echo fanout overload idle connect polling
#   --servers "..."      subset of: sio node sio-raw (sio-raw: the same handlers
#                        on the runtime's SocketHandler trait, without the
#                        #[consumer] glue; in results.json only)
#   --no-doc             do not touch BENCHMARKS.md
#   --no-build           use the binaries already built
#   --allow-busy         do not warn when the machine is busy
# Environment: CARGO_TARGET_DIR (default: cargo's), SIO_BENCH_PORT (3101;
# Node gets the next port).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd -P)
BENCH="$ROOT/bench"
RESULTS="$BENCH/results"

QUICK=0
ROUNDS=""
SCENARIOS="echo fanout overload idle connect polling"
SERVERS="sio node"
DOC=1
BUILD=1
ALLOW_BUSY=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --rounds) ROUNDS=$2; shift ;;
        --scenarios) SCENARIOS=$2; shift ;;
        --servers) SERVERS=$2; shift ;;
        --no-doc) DOC=0 ;;
        --no-build) BUILD=0 ;;
        --allow-busy) ALLOW_BUSY=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#'; exit 0 ;;
        *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
if [[ -z "$ROUNDS" ]]; then
    if [[ $QUICK == 1 ]]; then ROUNDS=1; else ROUNDS=3; fi
fi

PORT_SIO=${SIO_BENCH_PORT:-3101}
PORT_NODE=$((PORT_SIO + 1))

# Sizes. Full: the issue's sizes. Quick: a smoke run.
if [[ $QUICK == 1 ]]; then
    ECHO_ARGS=(--clients 200 --inflight 1 --payload 32 --warmup 1 --duration 3)
    FANOUT_ARGS=(--clients 1000 --messages 2000 --window 32 --payload 16 --duration 3 --drain 5)
    OVERLOAD_ARGS=(--name overload --clients 1000 --messages 5000 --window 0 --payload 16 --duration 5 --drain 5)
    IDLE_ARGS=(--connections 5000 --settle 2)
    CONNECT_ARGS=(--concurrency 16 --duration 3)
    POLLING_ARGS=(--clients 200 --inflight 1 --payload 32 --warmup 1 --duration 3)
    MODE=quick
else
    ECHO_ARGS=(--clients 200 --inflight 1 --payload 32 --warmup 3 --duration 10)
    FANOUT_ARGS=(--clients 1000 --messages 20000 --window 32 --payload 16 --duration 10 --drain 10)
    OVERLOAD_ARGS=(--name overload --clients 1000 --messages 5000 --window 0 --payload 16 --duration 10 --drain 10)
    IDLE_ARGS=(--connections 5000 --settle 3)
    CONNECT_ARGS=(--concurrency 16 --duration 10)
    POLLING_ARGS=(--clients 200 --inflight 1 --payload 32 --warmup 3 --duration 10)
    MODE=full
fi

log() { printf '==> %s\n' "$*" >&2; }

# ------------------------------------------------------------------ tools
for tool in cargo node npm taskset; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 1; }
done
if [[ $(nproc) -lt 2 ]]; then
    echo "run.sh: needs 2 cores (server on core 0, generator on core 1)" >&2
    exit 1
fi
# 5000 idle connections need as many descriptors on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [[ $(ulimit -n) != unlimited && $(ulimit -n) -lt 12000 ]]; then
    log "warning: ulimit -n is $(ulimit -n); the idle scenario may run out of descriptors"
fi

# ------------------------------------------------------------------ build
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN="$TARGET_DIR/release"
if [[ $BUILD == 1 ]]; then
    log "building sio-bench (release)"
    cargo build --release -p sio-bench --bins
fi
for binary in sio-bench sio-bench-server sio-bench-report; do
    [[ -x "$BIN/$binary" ]] || { echo "run.sh: $BIN/$binary missing (CARGO_TARGET_DIR?)" >&2; exit 1; }
done
if [[ " $SERVERS " == *" node "* ]]; then
    if [[ ! -d "$BENCH/node/node_modules/socket.io" || "$BENCH/node/package-lock.json" -nt "$BENCH/node/node_modules/.package-lock.json" ]]; then
        log "npm ci in bench/node"
        (cd "$BENCH/node" && npm ci --no-audit --no-fund --loglevel=error)
    fi
fi
if ! fc-list 2>/dev/null | grep -qi 'DejaVuSans\.ttf' && [[ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]]; then
    log "no DejaVu font for the charts: apt-get install fonts-dejavu-core"
    if [[ $(id -u) == 0 ]]; then apt-get install -y -qq fonts-dejavu-core >/dev/null || true; fi
fi

# ------------------------------------------------------------------ machine
busy_processes() {
    ps -eo comm= | grep -cE '^(cargo|rustc|cc1|ld|node|cargo-nextest)$' || true
}
load=$(cut -d' ' -f1 /proc/loadavg)
if [[ $ALLOW_BUSY == 0 ]]; then
    if awk -v l="$load" 'BEGIN { exit !(l >= 0.3) }' || [[ $(busy_processes) -gt 0 ]]; then
        log "warning: the machine is busy (load $load, $(busy_processes) compiler/node processes): figures will be distorted"
    fi
fi

mkdir -p "$RESULTS/logs"
RAW="$RESULTS/raw.jsonl"
: > "$RAW"
socketio_version=$(node -e 'console.log(require(process.argv[1]).version)' "$BENCH/node/node_modules/socket.io/package.json" 2>/dev/null || echo "?")
cat > "$RESULTS/meta.json" <<EOF
{
  "date": "$(date -u +%Y-%m-%dT%H:%MZ)",
  "mode": "$MODE",
  "rounds": "$ROUNDS",
  "commit": "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo ?)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo '+changes')",
  "cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')",
  "cores": "$(nproc)",
  "kernel": "$(uname -r)",
  "loadavg": "$(cut -d' ' -f1-3 /proc/loadavg)",
  "node": "$(node --version)",
  "socketio": "$socketio_version",
  "rustc": "$(rustc --version)"
}
EOF

# ------------------------------------------------------------------ servers
SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 30); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
GEN_PID=""
cleanup() {
    if [[ -n "$GEN_PID" ]]; then kill -TERM "$GEN_PID" 2>/dev/null || true; fi
    stop_server
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_server() { # name log
    local name=$1 logfile=$2
    case "$name" in
        sio)
            taskset -c 0 "$BIN/sio-bench-server" --port "$PORT_SIO" >"$logfile" 2>&1 &
            SERVER_PID=$!
            PORT=$PORT_SIO
            ;;
        sio-raw)
            taskset -c 0 "$BIN/sio-bench-server" --port "$PORT_SIO" --raw-handler >"$logfile" 2>&1 &
            SERVER_PID=$!
            PORT=$PORT_SIO
            ;;
        node)
            taskset -c 0 node "$BENCH/node/server.js" "$PORT_NODE" >"$logfile" 2>&1 &
            SERVER_PID=$!
            PORT=$PORT_NODE
            ;;
        *) echo "run.sh: unknown server $name" >&2; exit 2 ;;
    esac
    if ! taskset -c 1 "$BIN/sio-bench" wait --port "$PORT" --timeout 20 >/dev/null; then
        echo "run.sh: $name did not start; its log:" >&2
        cat "$logfile" >&2
        exit 1
    fi
}

scenario_args() {
    case "$1" in
        echo) printf '%s\n' "${ECHO_ARGS[@]}" ;;
        fanout) printf '%s\n' "${FANOUT_ARGS[@]}" ;;
        overload) printf '%s\n' "${OVERLOAD_ARGS[@]}" ;;
        idle) printf '%s\n' "${IDLE_ARGS[@]}" ;;
        connect) printf '%s\n' "${CONNECT_ARGS[@]}" ;;
        polling) printf '%s\n' "${POLLING_ARGS[@]}" ;;
        *) echo "run.sh: unknown scenario $1" >&2; exit 2 ;;
    esac
}

started=$SECONDS
read -r -a server_list <<<"$SERVERS"
for round in $(seq 1 "$ROUNDS"); do
    # Alternate which server goes first, so neither always runs on a
    # machine the other just warmed (or heated).
    if (( round % 2 == 0 )); then
        order=()
        for (( i=${#server_list[@]}-1; i>=0; i-- )); do order+=("${server_list[$i]}"); done
    else
        order=("${server_list[@]}")
    fi
    for scenario in $SCENARIOS; do
        mapfile -t args < <(scenario_args "$scenario")
        for server in "${order[@]}"; do
            log "round $round/$ROUNDS: $scenario on $server (load $(cut -d' ' -f1 /proc/loadavg))"
            logfile="$RESULTS/logs/$server-$scenario-$round.log"
            start_server "$server" "$logfile"
            # Let the server settle after the readiness probe.
            sleep 0.5
            set +e
            generator_scenario=$scenario
            [[ $scenario == overload ]] && generator_scenario=fanout
            taskset -c 1 "$BIN/sio-bench" "$generator_scenario" --port "$PORT" --server-pid "$SERVER_PID" \
                --label "$server" --round "$round" "${args[@]}" >"$RESULTS/logs/last.json" \
                2>"$RESULTS/logs/$server-$scenario-$round.generator.log" &
            GEN_PID=$!
            wait "$GEN_PID"
            status=$?
            GEN_PID=""
            set -e
            stop_server
            if [[ $status -ne 0 ]]; then
                log "generator failed ($status) for $scenario on $server; see $RESULTS/logs/"
                tail -n 5 "$RESULTS/logs/$server-$scenario-$round.generator.log" >&2
                continue
            fi
            cat "$RESULTS/logs/last.json" >>"$RAW"
            # One line of the headline figures as it goes.
            python3 - "$RESULTS/logs/last.json" <<'PY' >&2 2>/dev/null || true
import json, sys
r = json.load(open(sys.argv[1]))
m, l = r["metrics"], r["latency"]
keys = ["acks_per_sec", "deliveries_per_sec", "connections_per_sec", "bytes_per_connection", "missing", "disconnected"]
parts = [f"{k}={m[k]:.0f}" for k in keys if k in m and m[k] is not None]
if l.get("count"):
    parts.append(f"p50={l['p50_ms']:.2f}ms p99={l['p99_ms']:.2f}ms")
parts.append(f"gen_cpu={r.get('generator_cpu_pct') or 0:.0f}% srv_cpu={r.get('server_cpu_pct') or 0:.0f}%")
print("    " + " ".join(parts))
PY
        done
    done
done
rm -f "$RESULTS/logs/last.json"
log "runs done in $((SECONDS - started)) s"

report_args=(--raw "$RAW" --meta "$RESULTS/meta.json" --out "$RESULTS")
if [[ $DOC == 1 ]]; then
    report_args+=(--doc "$ROOT/BENCHMARKS.md")
fi
"$BIN/sio-bench-report" "${report_args[@]}"
log "results: $RESULTS/results.json, results.md, throughput.png, latency.png"
