#!/usr/bin/env bash
# sio vs Node socket.io, side by side: one command.
#
#   bench/run.sh                 # full run: 3 rounds, default sizes (~25 min)
#   bench/run.sh --quick         # smoke run: 1 round, small sizes, ~2.5 min
#   bench/run.sh --rounds 5 --scenarios "echo fanout" --servers "sio node"
#   bench/run.sh --scenarios cluster   # fanout on one node vs two, over Redis
#   bench/run.sh --scenarios "overload burst churn"   # backpressure and soak, ~10 min
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
# The scenario `cluster` (not in the default list) measures the Redis
# adapters: for each server kind it starts a redis-server (127.0.0.1, the
# first free port from 6390, no persistence) and runs the fanout scenario,
# with the fanout sizes, three ways:
#   fanout-1node        one server, in-memory adapter (the baseline)
#   fanout-1node-redis  one server on the Redis adapter (what publishing costs)
#   fanout-2nodes       two servers on the Redis adapter, the receivers
#                       round-robin over both, the sender on the first
# The servers AND redis-server are pinned to core 0, the generator to core 1:
# the server side has exactly one core in total, however many processes.
# Its results go to bench/results/cluster/ (raw.jsonl, results.json,
# results.md, cluster.png, logs/) and to the section of BENCHMARKS.md
# between the cluster-results markers; the single-server results and their
# section are left alone (and the other way round).
#
# The scenarios overload, burst and churn (backpressure and soak) have
# their own results, in bench/results/backpressure/ (raw.jsonl, results.json,
# results.md, backpressure.png, logs/), and their own section of
# BENCHMARKS.md, between the backpressure-results markers:
#   overload   fanout with no window: the sender floods (was the sender kept?)
#   burst      N clients each send B events at once to a handler that awaits
#              1 ms per event, then ask for a report; run twice, over
#              WebSocket (`burst`) and over polling (`burst-polling`)
#   churn      thousands of sessions that come and go, most abandoned; the
#              servers run with short timeouts (ping interval and timeout
#              1 s, upgrade timeout 1 s, connect timeout 2 s) and a stats
#              endpoint on their port + 100, which the generator polls until
#              the session and socket counts are back to zero; it samples
#              the server's RSS
#
# Options:
#   --quick              small sizes, short runs, 1 round (unless --rounds)
#   --rounds N           rounds (default 3)
#   --scenarios "..."    subset of: echo fanout idle connect polling overload
#                        burst churn cluster (default: all but cluster)
#   --servers "..."      subset of: sio node sio-raw (sio-raw: the same handlers
#                        on the runtime's SocketHandler trait, without the
#                        #[consumer] glue; in results.json only)
#   --no-doc             do not touch BENCHMARKS.md
#   --no-build           use the binaries already built
#   --allow-busy         do not warn when the machine is busy
# Environment: CARGO_TARGET_DIR (default: cargo's), SIO_BENCH_PORT (3101;
# Node gets the next port; the second nodes of `cluster` the two after; each
# server's stats endpoint is on its port + 100), REDIS_SERVER (redis-server).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd -P)
BENCH="$ROOT/bench"
RESULTS="$BENCH/results"
CLUSTER_RESULTS="$RESULTS/cluster"
BP_RESULTS="$RESULTS/backpressure"

QUICK=0
ROUNDS=""
SCENARIOS="echo fanout idle connect polling overload burst churn"
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
# The second node of each kind in the cluster scenario.
PORT_SIO_2=$((PORT_SIO + 2))
PORT_NODE_2=$((PORT_SIO + 3))
REDIS_SERVER=${REDIS_SERVER:-redis-server}

# The cluster scenario and the backpressure ones apart from the others: each
# group has its own results.
SINGLE_SCENARIOS=""
BP_SCENARIOS=""
CLUSTER=0
for scenario in $SCENARIOS; do
    case "$scenario" in
        cluster) CLUSTER=1 ;;
        echo|fanout|idle|connect|polling) SINGLE_SCENARIOS+="$scenario " ;;
        overload|burst|churn) BP_SCENARIOS+="$scenario " ;;
        *) echo "run.sh: unknown scenario $scenario" >&2; exit 2 ;;
    esac
done

# Sizes. Full: the issue's sizes. Quick: a smoke run.
if [[ $QUICK == 1 ]]; then
    ECHO_ARGS=(--clients 200 --inflight 1 --payload 32 --warmup 1 --duration 3)
    FANOUT_ARGS=(--clients 1000 --messages 2000 --window 32 --payload 16 --duration 3 --drain 5)
    OVERLOAD_ARGS=(--name overload --clients 1000 --messages 5000 --window 0 --payload 16 --duration 5 --drain 5)
    IDLE_ARGS=(--connections 5000 --settle 2)
    CONNECT_ARGS=(--concurrency 16 --duration 3)
    POLLING_ARGS=(--clients 200 --inflight 1 --payload 32 --warmup 1 --duration 3)
    BURST_ARGS=(--clients 20 --events 1500 --timeout 60)
    CHURN_ARGS=(--cycles 2000 --batches 2 --warmup 1000 --concurrency 32 --settle-timeout 20)
    MODE=quick
else
    ECHO_ARGS=(--clients 200 --inflight 1 --payload 32 --warmup 3 --duration 10)
    FANOUT_ARGS=(--clients 1000 --messages 20000 --window 32 --payload 16 --duration 10 --drain 10)
    OVERLOAD_ARGS=(--name overload --clients 1000 --messages 5000 --window 0 --payload 16 --duration 10 --drain 10)
    IDLE_ARGS=(--connections 5000 --settle 3)
    CONNECT_ARGS=(--concurrency 16 --duration 10)
    POLLING_ARGS=(--clients 200 --inflight 1 --payload 32 --warmup 3 --duration 10)
    BURST_ARGS=(--clients 50 --events 3000 --timeout 120)
    CHURN_ARGS=(--cycles 60000 --batches 6 --warmup 10000 --concurrency 32 --settle-timeout 30)
    MODE=full
fi

# The servers' settings for churn: abandoned sessions expire within seconds.
CHURN_SERVER_ARGS=(--ping-interval-ms 1000 --ping-timeout-ms 1000 --upgrade-timeout-ms 1000 --connect-timeout-ms 2000)

log() { printf '==> %s\n' "$*" >&2; }

# ------------------------------------------------------------------ tools
for tool in cargo node npm taskset; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 1; }
done
if [[ $CLUSTER == 1 ]] && ! command -v "$REDIS_SERVER" >/dev/null; then
    echo "run.sh: the cluster scenario needs $REDIS_SERVER (apt-get install redis-server)" >&2
    exit 1
fi
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
    if [[ ! -d "$BENCH/node/node_modules/socket.io" || ! -d "$BENCH/node/node_modules/@socket.io/redis-adapter" \
        || "$BENCH/node/package-lock.json" -nt "$BENCH/node/node_modules/.package-lock.json" ]]; then
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
# Processes of others using CPU: anything above 10 % of a core, with its
# niceness (a fuzzer at nice 19 still takes a core from a pinned server).
other_cpu_users() {
    ps -eo pid=,ni=,pcpu=,comm= --sort=-pcpu | awk -v me=$$ '$1 != me && $3 >= 10 { printf "%s%s (nice %s, %s%% CPU)", sep, $4, $2, $3; sep=", " }'
}
busy_note() { # what run.sh saw of the machine at the start, for the record
    local others
    others=$(other_cpu_users)
    printf 'load %s; %s compiler/node processes%s%s' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(busy_processes)" \
        "${others:+; using CPU: }" "$others"
}
load=$(cut -d' ' -f1 /proc/loadavg)
if [[ $ALLOW_BUSY == 0 ]]; then
    if awk -v l="$load" 'BEGIN { exit !(l >= 0.3) }' || [[ $(busy_processes) -gt 0 ]]; then
        log "warning: the machine is busy (load $load, $(busy_processes) compiler/node processes): figures will be distorted"
    fi
fi

mkdir -p "$RESULTS/logs"
RAW="$RESULTS/raw.jsonl"
CLUSTER_RAW="$CLUSTER_RESULTS/raw.jsonl"
BP_RAW="$BP_RESULTS/raw.jsonl"
npm_version() { # package directory under bench/node/node_modules
    node -e 'console.log(require(process.argv[1]).version)' "$BENCH/node/node_modules/$1/package.json" 2>/dev/null || echo "?"
}
socketio_version=$(npm_version socket.io)
write_meta() { # file [extra JSON members, each followed by a comma]
    cat > "$1" <<EOF
{
  ${2:-}"date": "$(date -u +%Y-%m-%dT%H:%MZ)",
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
}
# Only the results of the groups that run are replaced.
if [[ -n $SINGLE_SCENARIOS ]]; then
    : > "$RAW"
    write_meta "$RESULTS/meta.json"
fi
if [[ -n $BP_SCENARIOS ]]; then
    mkdir -p "$BP_RESULTS/logs"
    : > "$BP_RAW"
    write_meta "$BP_RESULTS/meta.json" "\"busy\": \"$(busy_note)\",
  "
fi
if [[ $CLUSTER == 1 ]]; then
    mkdir -p "$CLUSTER_RESULTS/logs"
    : > "$CLUSTER_RAW"
    redis_version=$("$REDIS_SERVER" --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')
    write_meta "$CLUSTER_RESULTS/meta.json" "\"redis_server\": \"${redis_version:-?}\",
  \"redis_adapter\": \"$(npm_version @socket.io/redis-adapter)\",
  "
fi

# ------------------------------------------------------------------ servers
SERVER_PID=""   # the server started last
SERVER_PIDS=()  # every server running
REDIS_PID=""
REDIS_PORT=""
stop_pid() { # pid: SIGTERM, up to 3 s, then SIGKILL
    local pid=$1
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
}
stop_server() { # every server running
    local pid
    for pid in "${SERVER_PIDS[@]}"; do stop_pid "$pid"; done
    SERVER_PIDS=()
    SERVER_PID=""
}
stop_redis() {
    stop_pid "$REDIS_PID"
    REDIS_PID=""
    REDIS_PORT=""
}
GEN_PID=""
cleanup() {
    if [[ -n "$GEN_PID" ]]; then kill -TERM "$GEN_PID" 2>/dev/null || true; fi
    stop_server
    stop_redis
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Extra options of the next servers started (the churn scenario's timeouts
# and stats endpoint).
SERVER_EXTRA=()
start_server() { # name log [port [redis-url]]: sets SERVER_PID, PORT and STATS_PORT
    local name=$1 logfile=$2 port=${3:-} redis=${4:-}
    local -a extra=()
    case "$name" in
        sio|sio-raw)
            PORT=${port:-$PORT_SIO}
            STATS_PORT=$((PORT + 100))
            if [[ -n "$redis" ]]; then extra=(--redis-url "$redis"); fi
            if [[ $name == sio-raw ]]; then extra+=(--raw-handler); fi
            taskset -c 0 "$BIN/sio-bench-server" --port "$PORT" --stats-port "$STATS_PORT" "${extra[@]}" "${SERVER_EXTRA[@]}" \
                >"$logfile" 2>&1 &
            SERVER_PID=$!
            ;;
        node)
            PORT=${port:-$PORT_NODE}
            STATS_PORT=$((PORT + 100))
            if [[ -n "$redis" ]]; then extra=(--redis "$redis"); fi
            taskset -c 0 node "$BENCH/node/server.js" "$PORT" --stats-port "$STATS_PORT" "${extra[@]}" "${SERVER_EXTRA[@]}" \
                >"$logfile" 2>&1 &
            SERVER_PID=$!
            ;;
        *) echo "run.sh: unknown server $name" >&2; exit 2 ;;
    esac
    SERVER_PIDS+=("$SERVER_PID")
    if ! taskset -c 1 "$BIN/sio-bench" wait --port "$PORT" --timeout 20 >/dev/null; then
        echo "run.sh: $name did not start; its log:" >&2
        cat "$logfile" >&2
        exit 1
    fi
}

# Whether something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Whether the Redis on 127.0.0.1:$1 answers PING.
redis_ready() {
    (
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf 'PING\r\n' >&3
        IFS= read -r -t 1 reply <&3 || exit 1
        [[ $reply == +PONG* ]]
    ) 2>/dev/null
}

start_redis() { # log: sets REDIS_PID and REDIS_PORT
    local logfile=$1 port
    for (( port = 6390; port < 6490; port++ )); do
        port_in_use "$port" || break
    done
    REDIS_PORT=$port
    taskset -c 0 "$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >"$logfile" 2>&1 &
    REDIS_PID=$!
    for _ in $(seq 1 100); do
        if redis_ready "$REDIS_PORT"; then return 0; fi
        kill -0 "$REDIS_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "run.sh: $REDIS_SERVER did not start on port $REDIS_PORT; its log:" >&2
    cat "$logfile" >&2
    exit 1
}

# Runs the generator on core 1 (`sio-bench ARGS... --label LABEL --round
# ROUND`), then stops the servers, appends the result line to RAW-FILE and
# prints its headline figures.
run_generator() { # label round raw-file generator-log args...
    local label=$1 round=$2 raw=$3 genlog=$4 status
    shift 4
    set +e
    taskset -c 1 "$BIN/sio-bench" "$@" --label "$label" --round "$round" >"$RESULTS/logs/last.json" 2>"$genlog" &
    GEN_PID=$!
    wait "$GEN_PID"
    status=$?
    GEN_PID=""
    set -e
    stop_server
    if [[ $status -ne 0 ]]; then
        log "generator failed ($status) on $label; see $genlog"
        tail -n 5 "$genlog" >&2
        return 0
    fi
    cat "$RESULTS/logs/last.json" >>"$raw"
    # One line of the headline figures as it goes.
    python3 - "$RESULTS/logs/last.json" <<'PY' >&2 2>/dev/null || true
import json, sys
r = json.load(open(sys.argv[1]))
m, l = r["metrics"], r["latency"]
keys = ["acks_per_sec", "deliveries_per_sec", "connections_per_sec", "bytes_per_connection", "events_per_sec",
        "cycles_per_sec", "delivered", "handled", "missing", "clients_out_of_order", "disconnected", "sender_disconnected",
        "unreported", "drain_s", "failed_cycles", "sessions_at_end", "sockets_at_end", "rss_after_warmup",
        "rss_after_timeouts", "rss_growth"]
parts = [f"{k}={m[k]:.2f}" if k == "drain_s" else f"{k}={m[k]:.0f}" for k in keys if k in m and m[k] is not None]
if l.get("count"):
    parts.append(f"p50={l['p50_ms']:.2f}ms p99={l['p99_ms']:.2f}ms")
servers = r.get("servers_cpu_pct")
srv = "+".join(f"{c or 0:.0f}%" for c in servers) if servers else f"{r.get('server_cpu_pct') or 0:.0f}%"
parts.append(f"gen_cpu={r.get('generator_cpu_pct') or 0:.0f}% srv_cpu={srv}")
if "redis_cpu_pct" in r:
    parts.append(f"redis_cpu={r.get('redis_cpu_pct') or 0:.0f}%")
print("    " + " ".join(parts))
PY
}

# The cluster scenario for one server kind: a fresh redis-server, then
# fanout on one node in memory, one node on Redis, two nodes on Redis.
run_cluster() { # server round
    local server=$1 round=$2 variant url second prefix ports
    local logs="$CLUSTER_RESULTS/logs"
    start_redis "$logs/redis-$server-$round.log"
    url="redis://127.0.0.1:$REDIS_PORT"
    if [[ $server == node ]]; then second=$PORT_NODE_2; else second=$PORT_SIO_2; fi
    for variant in fanout-1node fanout-1node-redis fanout-2nodes; do
        log "round $round/$ROUNDS: cluster $variant on $server, redis on port $REDIS_PORT (load $(cut -d' ' -f1 /proc/loadavg))"
        prefix="$logs/$server-$variant-$round"
        case "$variant" in
            fanout-1node) start_server "$server" "$prefix.log"; ports=$PORT ;;
            fanout-1node-redis) start_server "$server" "$prefix.log" "" "$url"; ports=$PORT ;;
            fanout-2nodes)
                start_server "$server" "$prefix.log" "" "$url"; ports=$PORT
                start_server "$server" "$prefix.node2.log" "$second" "$url"; ports+=",$PORT"
                ;;
        esac
        # Let the servers settle after the readiness probe.
        sleep 0.5
        run_generator "$server" "$round" "$CLUSTER_RAW" "$prefix.generator.log" fanout --name "$variant" \
            --ports "$ports" --server-pid "$(IFS=,; echo "${SERVER_PIDS[*]}")" --redis-pid "$REDIS_PID" \
            "${FANOUT_ARGS[@]}"
    done
    stop_redis
}

scenario_args() {
    case "$1" in
        echo) printf '%s\n' "${ECHO_ARGS[@]}" ;;
        fanout) printf '%s\n' "${FANOUT_ARGS[@]}" ;;
        overload) printf '%s\n' "${OVERLOAD_ARGS[@]}" ;;
        burst) printf '%s\n' "${BURST_ARGS[@]}" ;;
        churn) printf '%s\n' "${CHURN_ARGS[@]}" ;;
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
        if [[ $scenario == cluster ]]; then
            for server in "${order[@]}"; do run_cluster "$server" "$round"; done
            continue
        fi
        mapfile -t args < <(scenario_args "$scenario")
        # Where the results go, and the variants run (name, extra generator
        # options).
        raw=$RAW
        logs="$RESULTS/logs"
        case "$scenario" in
            overload|burst|churn) raw=$BP_RAW; logs="$BP_RESULTS/logs" ;;
        esac
        variants=("$scenario|")
        [[ $scenario == burst ]] && variants=("burst|--transport websocket" "burst-polling|--transport polling")
        SERVER_EXTRA=()
        [[ $scenario == churn ]] && SERVER_EXTRA=("${CHURN_SERVER_ARGS[@]}")
        for variant in "${variants[@]}"; do
            name=${variant%%|*}
            read -r -a variant_args <<<"${variant#*|}"
            for server in "${order[@]}"; do
                log "round $round/$ROUNDS: $name on $server (load $(cut -d' ' -f1 /proc/loadavg))"
                logfile="$logs/$server-$name-$round.log"
                start_server "$server" "$logfile"
                # Let the server settle after the readiness probe.
                sleep 0.5
                generator_scenario=$scenario
                [[ $scenario == overload ]] && generator_scenario=fanout
                extra_args=(--name "$name")
                [[ $scenario == churn ]] && extra_args+=(--stats-port "$STATS_PORT")
                run_generator "$server" "$round" "$raw" "$logs/$server-$name-$round.generator.log" \
                    "$generator_scenario" --port "$PORT" --server-pid "$SERVER_PID" "${args[@]}" \
                    "${variant_args[@]}" "${extra_args[@]}"
            done
        done
        SERVER_EXTRA=()
    done
done
rm -f "$RESULTS/logs/last.json"
log "runs done in $((SECONDS - started)) s"

doc_args=()
if [[ $DOC == 1 ]]; then
    doc_args=(--doc "$ROOT/BENCHMARKS.md")
fi
if [[ -n $SINGLE_SCENARIOS ]]; then
    "$BIN/sio-bench-report" --raw "$RAW" --meta "$RESULTS/meta.json" --out "$RESULTS" "${doc_args[@]}"
    log "results: $RESULTS/results.json, results.md, throughput.png, latency.png"
fi
if [[ -n $BP_SCENARIOS ]]; then
    "$BIN/sio-bench-report" --raw "$BP_RAW" --meta "$BP_RESULTS/meta.json" --out "$BP_RESULTS" "${doc_args[@]}"
    log "backpressure results: $BP_RESULTS/results.json, results.md, backpressure.png"
fi
if [[ $CLUSTER == 1 ]]; then
    "$BIN/sio-bench-report" --raw "$CLUSTER_RAW" --meta "$CLUSTER_RESULTS/meta.json" --out "$CLUSTER_RESULTS" "${doc_args[@]}"
    log "cluster results: $CLUSTER_RESULTS/results.json, results.md, cluster.png"
fi
