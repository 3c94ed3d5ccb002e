//! `sio-bench`: a load generator for Socket.IO v5 servers.
//!
//! It speaks Engine.IO v4 and Socket.IO v5 itself (tokio + tokio-tungstenite
//! for WebSocket, a small HTTP/1.1 client for long-polling), so it drives any
//! server: sio's bench server and the Node reference server alike. It only
//! connects to loopback addresses, and every loop is bounded in count and in
//! time.
//!
//! ```text
//! sio-bench echo    --port 3101 [--clients 200] [--inflight 1] [--payload 32] [--warmup 2] [--duration 10]
//! sio-bench fanout  --port 3101 [--clients 1000] [--messages 2000] [--window 32] [--rate 0] [--duration 10]
//! sio-bench fanout  --ports 3101,3103 --server-pid PID1,PID2 [--redis-pid PID] [...]
//! sio-bench idle    --port 3101 --server-pid PID [--connections 5000] [--settle 3]
//! sio-bench connect --port 3101 [--concurrency 16] [--duration 10]
//! sio-bench polling --port 3101 [--clients 200] [--inflight 1] [--payload 32] [--warmup 2] [--duration 10]
//! sio-bench burst   --port 3101 [--clients 50] [--events 3000] [--transport websocket|polling] [--timeout 120]
//! sio-bench churn   --port 3101 --server-pid PID --stats-port 3201 [--cycles 20000] [--batches 5] [--warmup 1000]
//!                   [--concurrency 32] [--settle-timeout 30]
//! sio-bench wait    --port 3101 [--timeout 20]    (or --ports: waits for each)
//! ```
//!
//! Common options: `--host 127.0.0.1` (loopback only), `--path /socket.io/`,
//! `--label NAME`, `--round N` and `--name NAME` (the scenario's name in the
//! result, to tell variants apart) copied into the result, `--server-pid PID`
//! (the server's CPU time and memory are read from `/proc`; a comma list
//! `PID1,PID2` for several servers: their CPU use is reported each and
//! summed), `--redis-pid PID` (the CPU use of a Redis server, reported as
//! `redis_cpu_pct`). `fanout` alone takes `--ports P1,P2,...`: several servers
//! of one cluster, the receivers spread round-robin over them, the sender on
//! the first.
//!
//! Every scenario prints progress on stderr and exactly one JSON line on
//! stdout: the parameters, the figures, the latency percentiles, the
//! generator's own CPU use (`generator_cpu_pct`: near 100 means the
//! generator, not the server, was the bottleneck) and the server's.

mod args;
mod http;
mod proc_stat;
mod scenarios;
mod stats;
mod ws;

use std::process::ExitCode;

use args::Args;

fn main() -> ExitCode {
    let args = match Args::from_env() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("sio-bench: {error}\n\nrun `sio-bench help` for the usage");
            return ExitCode::from(2);
        }
    };
    if args.scenario == "help" || args.flag("help") {
        println!("{}", USAGE);
        return ExitCode::SUCCESS;
    }
    // One thread: the generator is pinned to one core, where a
    // current-thread runtime wastes nothing on cross-thread wakeups.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("sio-bench: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let local = tokio::task::LocalSet::new();
    match local.block_on(&runtime, scenarios::run(args)) {
        Ok(result) => {
            println!("{result}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("sio-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "\
sio-bench SCENARIO [--option value]...

Scenarios:
  echo      N WebSocket clients, K events with ack in flight each, payload P bytes
            --clients 200 --inflight 1 --payload 32 --warmup 2 --duration 10
  fanout    N WebSocket receivers on '/', one sender emits 'broadcast' that the
            server sends to everyone else; delivery latency, missing, disconnects
            --clients 1000 --messages 2000 --window 32 (0: no window) --rate 0
            (messages/s, 0: as the window allows) --payload 16 --duration 10 --drain 10
            --ports P1,P2 (a cluster: receivers round-robin, the sender on P1)
  idle      hold N WebSocket connections joined to '/'; server RSS per connection
            --connections 5000 --settle 3 --server-pid PID (required)
  connect   C concurrent connectors: WebSocket handshake, 40, wait 40{sid}, close
            --concurrency 16 --duration 10
  polling   the echo scenario over HTTP long-polling
            --clients 200 --inflight 1 --payload 32 --warmup 2 --duration 10
  burst     N clients each send B 'slow' events at once (the server awaits 1 ms
            per event), then 'report' with an ack: handled, in order, drain time
            --clients 50 --events 3000 --transport websocket (or polling) --timeout 120
  churn     cycles of sessions that come and go, most abandoned (handshakes,
            upgrades, silent and reset clients); waits for the server's session
            and socket counts (its --stats-port endpoint) to return to zero and
            samples its RSS --server-pid PID (required) --stats-port PORT (required)
            --cycles 20000 --batches 5 --warmup 1000 --concurrency 32 --settle-timeout 30
  wait      wait until the server answers a polling handshake --timeout 20

Common: --host 127.0.0.1 --port 3000 --path /socket.io/ --label NAME --round N
        --name NAME (recorded instead of the scenario's) --server-pid PID[,PID...]
        --redis-pid PID --connect-concurrency 64";
