//! `sio-bench-report`: turns the result lines of `bench/run.sh` into the
//! medians (`results.json`), a Markdown table (`results.md`, also spliced
//! into `BENCHMARKS.md` between its markers) and PNG charts.
//!
//! ```text
//! sio-bench-report --raw bench/results/raw.jsonl --meta bench/results/meta.json \
//!     --out bench/results [--doc BENCHMARKS.md] [--font /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf]
//! ```
//!
//! Each raw line is one `sio-bench` result; its `label` names the server
//! (`sio`, `node`). Every figure is the median over the rounds of one
//! (scenario, server) pair; the latency charts use the median of each
//! percentile.
//!
//! The scenarios come in three groups, each with its own tables and its own
//! markers in `BENCHMARKS.md`, so that a run of one group leaves the others'
//! sections alone:
//! - the single-server scenarios (`echo`, `fanout`, ...), between
//!   `<!-- results:begin ... -->` and `<!-- results:end -->`, with
//!   `throughput.png` and `latency.png`;
//! - backpressure and soak (`overload`, `burst`, `burst-polling`, `churn`),
//!   between `<!-- backpressure-results:begin ... -->` and
//!   `<!-- backpressure-results:end -->`, with the RSS of `churn` after
//!   each batch and `backpressure.png`;
//! - the scale-out ones of `bench/run.sh --scenarios cluster`
//!   (`fanout-1node`, `fanout-1node-redis`, `fanout-2nodes`), between
//!   `<!-- cluster-results:begin ... -->` and `<!-- cluster-results:end -->`,
//!   with their ratios, the CPU use of each server and of Redis, and
//!   `cluster.png`.
//!
//! A group with no result in the raw lines writes nothing.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde_json::{Map, Value, json};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// The servers, in table order, with their chart colors.
const SERVERS: [(&str, &str, RGBColor); 2] = [
    ("sio", "sio", RGBColor(0xd9, 0x5f, 0x02)),
    ("node", "Node socket.io", RGBColor(0x1b, 0x9e, 0x77)),
];

/// Whether a larger value of a figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Better {
    Higher,
    Lower,
}

/// One row of the table: a figure of every scenario of a kind.
struct Figure {
    /// The kind of scenario (the generator's scenario: the cluster variants
    /// are `fanout` runs).
    scenario: &'static str,
    /// Path inside a result record, `section.key`.
    path: &'static str,
    name: &'static str,
    better: Better,
}

const FIGURES: &[Figure] = &[
    fig("echo", "metrics.acks_per_sec", "acks/s", Better::Higher),
    fig("echo", "latency.p50_ms", "latency p50 (ms)", Better::Lower),
    fig("echo", "latency.p90_ms", "latency p90 (ms)", Better::Lower),
    fig("echo", "latency.p99_ms", "latency p99 (ms)", Better::Lower),
    fig("echo", "latency.max_ms", "latency max (ms)", Better::Lower),
    fig("echo", "metrics.unanswered", "unanswered requests", Better::Lower),
    fig("fanout", "metrics.deliveries_per_sec", "deliveries/s", Better::Higher),
    fig("fanout", "latency.p50_ms", "delivery latency p50 (ms)", Better::Lower),
    fig("fanout", "latency.p99_ms", "delivery latency p99 (ms)", Better::Lower),
    fig("fanout", "latency.max_ms", "delivery latency max (ms)", Better::Lower),
    fig(
        "fanout",
        "metrics.missing",
        "not delivered by the end (late or lost)",
        Better::Lower,
    ),
    fig(
        "fanout",
        "metrics.missing_while_connected",
        "... of which to receivers still connected",
        Better::Lower,
    ),
    fig(
        "fanout",
        "metrics.disconnected",
        "receivers disconnected",
        Better::Lower,
    ),
    fig("overload", "metrics.deliveries_per_sec", "deliveries/s", Better::Higher),
    fig("overload", "metrics.sent", "messages sent", Better::Higher),
    fig("overload", "metrics.delivered", "deliveries", Better::Higher),
    fig(
        "overload",
        "metrics.missing",
        "not delivered by the end (late or lost)",
        Better::Lower,
    ),
    fig(
        "overload",
        "metrics.missing_while_connected",
        "... of which to receivers still connected",
        Better::Lower,
    ),
    fig(
        "overload",
        "metrics.disconnected",
        "receivers disconnected",
        Better::Lower,
    ),
    fig(
        "overload",
        "metrics.sender_disconnected",
        "sender disconnected (1 = yes)",
        Better::Lower,
    ),
    fig(
        "overload",
        "metrics.live_received_min",
        "messages a connected receiver got, fewest",
        Better::Higher,
    ),
    fig(
        "overload",
        "metrics.live_received_max",
        "messages a connected receiver got, most",
        Better::Higher,
    ),
    fig("overload", "latency.p50_ms", "delivery latency p50 (ms)", Better::Lower),
    fig("overload", "latency.max_ms", "delivery latency max (ms)", Better::Lower),
    fig("burst", "metrics.events_per_sec", "events handled/s", Better::Higher),
    fig("burst", "metrics.expected", "events sent", Better::Higher),
    fig("burst", "metrics.handled", "events handled", Better::Higher),
    fig(
        "burst",
        "metrics.missing",
        "events missing (never handled)",
        Better::Lower,
    ),
    fig(
        "burst",
        "metrics.clients_complete_in_order",
        "clients with every event handled, in order",
        Better::Higher,
    ),
    fig(
        "burst",
        "metrics.clients_out_of_order",
        "clients with events out of order",
        Better::Lower,
    ),
    fig("burst", "metrics.disconnected", "clients disconnected", Better::Lower),
    fig(
        "burst",
        "metrics.unreported",
        "clients without a report by the deadline",
        Better::Lower,
    ),
    fig(
        "burst",
        "metrics.drain_s",
        "time to drain, last client (s)",
        Better::Lower,
    ),
    fig(
        "burst",
        "latency.p50_ms",
        "time to drain, median client (ms)",
        Better::Lower,
    ),
    fig(
        "burst",
        "metrics.write_s_max",
        "time to write the burst, slowest client (s)",
        Better::Lower,
    ),
    fig("churn", "metrics.cycles_per_sec", "cycles/s", Better::Higher),
    fig("churn", "metrics.cycles", "cycles (after the warm-up)", Better::Higher),
    fig("churn", "metrics.failed_cycles", "cycles failed", Better::Lower),
    fig(
        "churn",
        "metrics.peak_sessions",
        "sessions open, most seen",
        Better::Lower,
    ),
    fig("churn", "metrics.peak_sockets", "sockets, most seen", Better::Lower),
    fig(
        "churn",
        "metrics.sessions_at_end",
        "sessions open after the timeouts",
        Better::Lower,
    ),
    fig(
        "churn",
        "metrics.sockets_at_end",
        "sockets after the timeouts",
        Better::Lower,
    ),
    fig(
        "churn",
        "metrics.sockets_in_memory_at_end",
        "sockets still in memory after the timeouts (sio only)",
        Better::Lower,
    ),
    fig(
        "churn",
        "metrics.zero_after_s_max",
        "time to zero after a batch, longest (s)",
        Better::Lower,
    ),
    fig(
        "churn",
        "metrics.rss_after_warmup",
        "RSS after warm-up (MB)",
        Better::Lower,
    ),
    fig("churn", "metrics.rss_peak", "RSS peak (MB)", Better::Lower),
    fig(
        "churn",
        "metrics.rss_end_of_cycles",
        "RSS at the end of the cycles (MB)",
        Better::Lower,
    ),
    fig(
        "churn",
        "metrics.rss_after_timeouts",
        "RSS after the timeouts (MB)",
        Better::Lower,
    ),
    fig(
        "churn",
        "metrics.rss_growth",
        "RSS growth, after the timeouts - after warm-up (MB)",
        Better::Lower,
    ),
    fig(
        "churn",
        "metrics.rss_first_to_last_batch",
        "RSS growth, last batch - first batch (MB)",
        Better::Lower,
    ),
    fig(
        "idle",
        "metrics.bytes_per_connection",
        "server RSS per connection (bytes)",
        Better::Lower,
    ),
    fig(
        "idle",
        "metrics.server_rss_before",
        "server RSS before (bytes)",
        Better::Lower,
    ),
    fig(
        "connect",
        "metrics.connections_per_sec",
        "connections/s",
        Better::Higher,
    ),
    fig("connect", "latency.p50_ms", "connect time p50 (ms)", Better::Lower),
    fig("connect", "latency.p99_ms", "connect time p99 (ms)", Better::Lower),
    fig("connect", "metrics.failed", "failed connections", Better::Lower),
    fig("polling", "metrics.acks_per_sec", "acks/s", Better::Higher),
    fig("polling", "latency.p50_ms", "latency p50 (ms)", Better::Lower),
    fig("polling", "latency.p99_ms", "latency p99 (ms)", Better::Lower),
    fig("polling", "latency.max_ms", "latency max (ms)", Better::Lower),
];

const fn fig(scenario: &'static str, path: &'static str, name: &'static str, better: Better) -> Figure {
    Figure {
        scenario,
        path,
        name,
        better,
    }
}

/// The two groups of scenarios, each with its own section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    /// One server per run.
    Single,
    /// `bench/run.sh --scenarios cluster`: fanout on one node or two.
    Cluster,
    /// Backpressure and soak: `overload`, `burst`, `churn`.
    Backpressure,
}

/// A scenario of the tables: its name in the results, the kind of its
/// figures, its group.
struct Scenario {
    name: &'static str,
    kind: &'static str,
    group: Group,
}

const SCENARIOS: &[Scenario] = &[
    scenario("echo", "echo", Group::Single),
    scenario("fanout", "fanout", Group::Single),
    scenario("idle", "idle", Group::Single),
    scenario("connect", "connect", Group::Single),
    scenario("polling", "polling", Group::Single),
    scenario("overload", "overload", Group::Backpressure),
    scenario("burst", "burst", Group::Backpressure),
    scenario("burst-polling", "burst", Group::Backpressure),
    scenario("churn", "churn", Group::Backpressure),
    scenario("fanout-1node", "fanout", Group::Cluster),
    scenario("fanout-1node-redis", "fanout", Group::Cluster),
    scenario("fanout-2nodes", "fanout", Group::Cluster),
];

const fn scenario(name: &'static str, kind: &'static str, group: Group) -> Scenario {
    Scenario { name, kind, group }
}

/// The cluster variants whose deliveries/s are compared, with what the
/// ratio shows.
const CLUSTER_RATIOS: [(&str, &str, &str); 3] = [
    (
        "fanout-1node-redis",
        "fanout-1node",
        "1 node on Redis / 1 node in memory (what publishing to Redis costs)",
    ),
    ("fanout-2nodes", "fanout-1node", "2 nodes on Redis / 1 node in memory"),
    (
        "fanout-2nodes",
        "fanout-1node-redis",
        "2 nodes on Redis / 1 node on Redis (what the second node costs or gains)",
    ),
];

/// Whether the summary has a result of a scenario of `group`.
fn has_group(summary: &Summary, group: Group) -> bool {
    SCENARIOS
        .iter()
        .any(|scenario| scenario.group == group && summary.contains_key(scenario.name))
}

/// `path` inside `record`, `section.key` or `section.key.index` (arrays).
fn lookup<'a>(record: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(record, |value, key| match value {
        Value::Array(items) => items.get(key.parse::<usize>().ok()?),
        _ => value.get(key),
    })
}

/// The paths of the numbers at `path` in `value`: `path` itself for a
/// number, `path.i` for each number of an array of numbers.
fn numeric_paths(path: &str, value: &Value) -> Vec<String> {
    match value {
        Value::Number(_) => vec![path.to_owned()],
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_number) => {
            (0..items.len()).map(|i| format!("{path}.{i}")).collect()
        }
        _ => Vec::new(),
    }
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.retain(|v| v.is_finite());
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

/// The runs of each (scenario, server).
type Groups<'a> = BTreeMap<(String, String), Vec<&'a Value>>;

fn group(records: &[Value]) -> Groups<'_> {
    let mut groups = Groups::new();
    for record in records {
        let scenario = record["scenario"].as_str().unwrap_or("?").to_owned();
        let label = record["label"].as_str().unwrap_or("?").to_owned();
        groups.entry((scenario, label)).or_default().push(record);
    }
    groups
}

/// Median of every numeric field (and of each element of the arrays of
/// numbers) under `metrics`, `latency` and the CPU figures.
fn medians(runs: &[&Value]) -> Map<String, Value> {
    let mut keys: Vec<String> = Vec::new();
    let mut add = |paths: Vec<String>| {
        for path in paths {
            if !keys.contains(&path) {
                keys.push(path);
            }
        }
    };
    for run in runs {
        for section in ["metrics", "latency"] {
            if let Some(object) = run[section].as_object() {
                for (key, value) in object {
                    add(numeric_paths(&format!("{section}.{key}"), value));
                }
            }
        }
    }
    add(vec!["generator_cpu_pct".to_owned(), "server_cpu_pct".to_owned()]);
    for run in runs {
        for key in ["redis_cpu_pct", "servers_cpu_pct"] {
            add(numeric_paths(key, &run[key]));
        }
    }
    let mut out = Map::new();
    for key in keys {
        let values = runs
            .iter()
            .filter_map(|run| lookup(run, &key).and_then(Value::as_f64))
            .collect();
        if let Some(median) = median(values) {
            out.insert(key, json!(median));
        }
    }
    out.insert("rounds".to_owned(), json!(runs.len()));
    // The latency distribution: the median of each percentile.
    let mut spectrum: BTreeMap<String, (f64, Vec<f64>)> = BTreeMap::new();
    for run in runs {
        for point in run["latency"]["spectrum"].as_array().into_iter().flatten() {
            if let (Some(q), Some(ms)) = (point[0].as_f64(), point[1].as_f64()) {
                spectrum
                    .entry(format!("{q:08.3}"))
                    .or_insert((q, Vec::new()))
                    .1
                    .push(ms);
            }
        }
    }
    let spectrum: Vec<Value> = spectrum
        .into_values()
        .filter_map(|(q, values)| Some(json!([q, median(values)?])))
        .collect();
    out.insert("latency.spectrum".to_owned(), Value::Array(spectrum));
    out
}

fn format_value(value: f64) -> String {
    let abs = value.abs();
    if abs >= 100_000.0 {
        format!("{:.0}k", value / 1000.0)
    } else if abs >= 10_000.0 {
        format!("{:.1}k", value / 1000.0)
    } else if abs >= 100.0 || value == value.trunc() {
        format!("{value:.0}")
    } else if abs >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// The table of figures of the scenarios of `group`, sio vs Node.
fn figures_table(summary: &Summary, group: Group) -> String {
    let mut out = String::from(
        "| scenario | figure | sio | Node | sio / Node | better |\n| --- | --- | ---: | ---: | ---: | --- |\n",
    );
    for scenario in SCENARIOS.iter().filter(|scenario| scenario.group == group) {
        for figure in FIGURES.iter().filter(|figure| figure.scenario == scenario.kind) {
            let get = |label: &str| value(summary, scenario.name, label, figure.path);
            let (sio, node) = (get("sio"), get("node"));
            if sio.is_none() && node.is_none() {
                continue;
            }
            let show = |v: Option<f64>| {
                v.map_or("-".to_owned(), |v| {
                    if figure.name.contains("(MB)") {
                        format!("{:.1}", v / MB)
                    } else {
                        format_value(v)
                    }
                })
            };
            let better = match figure.better {
                Better::Higher => "higher",
                Better::Lower => "lower",
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                scenario.name,
                figure.name,
                show(sio),
                show(node),
                ratio(sio, node),
                better
            ));
        }
    }
    out
}

/// Bytes in a MB (MiB) of the tables.
const MB: f64 = 1_048_576.0;

/// `a / b` for the tables: `1.23x`, `=` when both are 0, `-` otherwise.
fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => format!("{:.2}x", a / b),
        (Some(a), Some(b)) if a == b => "=".to_owned(),
        _ => "-".to_owned(),
    }
}

/// The single-server section: the figures, then the CPU use.
fn table(summary: &Summary) -> String {
    let mut out = figures_table(summary, Group::Single);
    out.push_str(&cpu_table(summary, Group::Single));
    out
}

/// The backpressure section: the figures, the RSS of `churn` after each
/// batch, the CPU use.
fn backpressure_table(summary: &Summary) -> String {
    let mut out = figures_table(summary, Group::Backpressure);
    let batches = |label: &str| -> Vec<f64> {
        (0..)
            .map_while(|i| value(summary, "churn", label, &format!("metrics.rss_after_batch.{i}")))
            .collect()
    };
    let (sio, node) = (batches("sio"), batches("node"));
    if !sio.is_empty() || !node.is_empty() {
        out.push_str(
            "\nchurn: the server's RSS (MB) after warm-up, and after each batch once its sessions had expired \
             (the counts back to zero):\n\n| when | sio | Node |\n| --- | ---: | ---: |\n",
        );
        let show = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{:.1}", v / MB));
        out.push_str(&format!(
            "| after warm-up | {} | {} |\n",
            show(value(summary, "churn", "sio", "metrics.rss_after_warmup")),
            show(value(summary, "churn", "node", "metrics.rss_after_warmup")),
        ));
        for i in 0..sio.len().max(node.len()) {
            out.push_str(&format!(
                "| after batch {} | {} | {} |\n",
                i + 1,
                show(sio.get(i).copied()),
                show(node.get(i).copied())
            ));
        }
    }
    out.push_str(&cpu_table(summary, Group::Backpressure));
    out
}

/// The CPU use of the scenarios of `group`.
fn cpu_table(summary: &Summary, group: Group) -> String {
    let mut out = String::new();
    out.push_str("\nCPU use during the measured interval (percent of one core; the server has core 0, the generator core 1):\n\n");
    out.push_str("| scenario | sio server | sio's generator | Node server | Node's generator |\n| --- | ---: | ---: | ---: | ---: |\n");
    for scenario in SCENARIOS
        .iter()
        .filter(|scenario| scenario.group == group && summary.contains_key(scenario.name))
    {
        let get = |label: &str, key: &str| {
            value(summary, scenario.name, label, key).map_or("-".to_owned(), |v| format!("{v:.0}%"))
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            scenario.name,
            get("sio", "server_cpu_pct"),
            get("sio", "generator_cpu_pct"),
            get("node", "server_cpu_pct"),
            get("node", "generator_cpu_pct"),
        ));
    }
    out
}

/// The figures of each node of `scenario` (receivers on the sender's node
/// get broadcasts directly, the others through Redis); empty when the
/// results have no per-node figures.
fn per_node_table(summary: &Summary, scenario: &str) -> String {
    const PER_NODE: [(&str, &str); 5] = [
        ("metrics.receivers_per_server", "receivers"),
        ("metrics.delivered_per_server", "deliveries"),
        ("metrics.missing_per_server", "not delivered by the end"),
        ("metrics.latency_p50_ms_per_server", "delivery latency p50 (ms)"),
        ("metrics.latency_p99_ms_per_server", "delivery latency p99 (ms)"),
    ];
    let mut rows = String::new();
    for node in 0..2 {
        let place = if node == 0 {
            "1, the sender's"
        } else {
            "2, through Redis"
        };
        for (path, name) in PER_NODE {
            let get = |label: &str| value(summary, scenario, label, &format!("{path}.{node}"));
            let (sio, node_js) = (get("sio"), get("node"));
            if sio.is_none() && node_js.is_none() {
                continue;
            }
            let show = |v: Option<f64>| v.map_or("-".to_owned(), format_value);
            rows.push_str(&format!(
                "| {place} | {name} | {} | {} | {} |\n",
                show(sio),
                show(node_js),
                ratio(sio, node_js)
            ));
        }
    }
    if rows.is_empty() {
        return rows;
    }
    format!(
        "\n{scenario}, node by node (the receivers are spread round-robin; the sender is on node 1):\n\n\
         | node | figure | sio | Node | sio / Node |\n| --- | --- | ---: | ---: | ---: |\n{rows}"
    )
}

/// The scale-out section: the figures, the ratios between the variants,
/// the CPU use of each server, of Redis and of the generator.
fn cluster_table(summary: &Summary) -> String {
    let mut out = figures_table(summary, Group::Cluster);
    out.push_str(&per_node_table(summary, "fanout-2nodes"));
    out.push_str("\nDeliveries/s of one variant over another's, for each implementation:\n\n");
    out.push_str("| ratio of deliveries/s | sio | Node |\n| --- | ---: | ---: |\n");
    for (numerator, denominator, name) in CLUSTER_RATIOS {
        let get = |label: &str| {
            let of = |scenario: &str| value(summary, scenario, label, "metrics.deliveries_per_sec");
            ratio(of(numerator), of(denominator))
        };
        out.push_str(&format!("| {name} | {} | {} |\n", get("sio"), get("node")));
    }
    out.push_str(
        "\nCPU use during the measured interval (percent of one core; the servers and Redis share core 0, \
         the generator has core 1; two figures are the two nodes, the sender's first):\n\n",
    );
    out.push_str(
        "| scenario | sio servers | sio's Redis | sio's generator | Node servers | Node's Redis | Node's generator |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    let pct = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.0}%"));
    for scenario in SCENARIOS.iter().filter(|scenario| scenario.group == Group::Cluster) {
        let get = |label: &str, key: &str| pct(value(summary, scenario.name, label, key));
        let servers = |label: &str| {
            let each: Vec<String> = (0..)
                .map_while(|i| value(summary, scenario.name, label, &format!("servers_cpu_pct.{i}")))
                .map(|v| pct(Some(v)))
                .collect();
            if each.is_empty() {
                get(label, "server_cpu_pct")
            } else {
                each.join(" + ")
            }
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            scenario.name,
            servers("sio"),
            get("sio", "redis_cpu_pct"),
            get("sio", "generator_cpu_pct"),
            servers("node"),
            get("node", "redis_cpu_pct"),
            get("node", "generator_cpu_pct"),
        ));
    }
    out
}

fn machine(meta: &Value) -> String {
    let get = |key: &str| meta[key].as_str().unwrap_or("?").to_owned();
    let load: f64 = get("loadavg")
        .split_whitespace()
        .next()
        .and_then(|load| load.parse().ok())
        .unwrap_or(f64::NAN);
    let mut caveat = String::new();
    if get("mode") != "full" || load.is_nan() || load >= 0.3 {
        caveat = format!(
            "**Preliminary figures**: {} mode, load average {} when the run began{}. \
             Indicative only; re-run `bench/run.sh` on an idle machine.\n\n",
            get("mode"),
            get("loadavg"),
            if load >= 0.3 { " (the machine was busy)" } else { "" }
        );
    }
    let redis = match (meta["redis_server"].as_str(), meta["redis_adapter"].as_str()) {
        (Some(server), Some(adapter)) => {
            format!(" redis-server {server}; Node's adapter @socket.io/redis-adapter {adapter}.")
        }
        _ => String::new(),
    };
    let busy = meta["busy"]
        .as_str()
        .map_or_else(String::new, |busy| format!(" The machine when the run began: {busy}."));
    caveat
        + &format!(
            "Run of {} ({} mode, {} round(s), commit {}), on {} ({} cores), kernel {}, load average before the run {}. \
         Node {} with socket.io {}; {}.{redis}{busy}\n",
            get("date"),
            get("mode"),
            get("rounds"),
            get("commit"),
            get("cpu"),
            get("cores"),
            get("kernel"),
            get("loadavg"),
            get("node"),
            get("socketio"),
            get("rustc"),
        )
}

// ---------------------------------------------------------------- charts

type Summary = BTreeMap<String, BTreeMap<String, Map<String, Value>>>;

fn value(summary: &Summary, scenario: &str, label: &str, path: &str) -> Option<f64> {
    summary.get(scenario)?.get(label)?.get(path)?.as_f64()
}

fn bar_panel(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    title: &str,
    values: &[(String, RGBColor, f64)],
) -> Result<()> {
    let top = values.iter().map(|(_, _, v)| *v).fold(0.0, f64::max).max(1e-9) * 1.2;
    let labels: Vec<String> = values.iter().map(|(label, _, _)| label.clone()).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d((0..values.len() - 1).into_segmented(), 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_label_formatter(&|segment| match segment {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => labels.get(*i).cloned().unwrap_or_default(),
            SegmentValue::Last => String::new(),
        })
        .y_label_formatter(&|v| format_value(*v))
        .label_style(("sans-serif", 14))
        .draw()?;
    chart.draw_series(values.iter().enumerate().map(|(i, (_, color, v))| {
        let mut bar = Rectangle::new(
            [(SegmentValue::Exact(i), 0.0), (SegmentValue::Exact(i + 1), *v)],
            color.filled(),
        );
        bar.set_margin(0, 0, 18, 18);
        bar
    }))?;
    chart.draw_series(values.iter().enumerate().map(|(i, (_, _, v))| {
        Text::new(
            format_value(*v),
            (SegmentValue::CenterOf(i), *v + top * 0.02),
            ("sans-serif", 16)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Bottom)),
        )
    }))?;
    Ok(())
}

fn throughput_chart(summary: &Summary, path: &Path) -> Result<()> {
    let panels = [
        ("echo", "metrics.acks_per_sec", "echo: acks/s (higher is better)"),
        (
            "fanout",
            "metrics.deliveries_per_sec",
            "fanout: deliveries/s (higher is better)",
        ),
        (
            "connect",
            "metrics.connections_per_sec",
            "connect: connections/s (higher is better)",
        ),
        ("polling", "metrics.acks_per_sec", "polling: acks/s (higher is better)"),
        (
            "idle",
            "metrics.bytes_per_connection",
            "idle: bytes/connection (lower is better)",
        ),
    ];
    let root = BitMapBackend::new(path, (1500, 820)).into_drawing_area();
    root.fill(&WHITE)?;
    let areas = root.split_evenly((2, 3));
    for (area, (scenario, key, title)) in areas.iter().zip(panels) {
        let values: Vec<(String, RGBColor, f64)> = SERVERS
            .iter()
            .filter_map(|(label, name, color)| {
                Some(((*name).to_owned(), *color, value(summary, scenario, label, key)?))
            })
            .collect();
        if !values.is_empty() {
            bar_panel(area, title, &values)?;
        }
    }
    root.present()?;
    Ok(())
}

/// Backpressure and soak: overload deliveries, burst events/s and time to
/// drain over both transports, churn cycles/s, and churn's RSS after
/// warm-up and after each batch.
fn backpressure_chart(summary: &Summary, path: &Path) -> Result<()> {
    let panels = [
        (
            "overload",
            "metrics.delivered",
            "overload: deliveries (higher is better)",
        ),
        (
            "burst",
            "metrics.events_per_sec",
            "burst, WebSocket: events/s (higher is better)",
        ),
        (
            "burst",
            "metrics.drain_s",
            "burst, WebSocket: drain time, s (lower is better)",
        ),
        ("churn", "metrics.cycles_per_sec", "churn: cycles/s (higher is better)"),
        (
            "burst-polling",
            "metrics.events_per_sec",
            "burst, polling: events/s (higher is better)",
        ),
        (
            "burst-polling",
            "metrics.drain_s",
            "burst, polling: drain time, s (lower is better)",
        ),
    ];
    let root = BitMapBackend::new(path, (1500, 1230)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(820);
    let areas = top.split_evenly((2, 3));
    for (area, (scenario, key, title)) in areas.iter().zip(panels) {
        let values: Vec<(String, RGBColor, f64)> = SERVERS
            .iter()
            .filter_map(|(label, name, color)| {
                Some(((*name).to_owned(), *color, value(summary, scenario, label, key)?))
            })
            .collect();
        if !values.is_empty() {
            bar_panel(area, title, &values)?;
        }
    }
    // churn's RSS: after warm-up (x = 0), then after each batch.
    let mut series = Vec::new();
    for (label, name, color) in SERVERS {
        let mut points = Vec::new();
        if let Some(v) = value(summary, "churn", label, "metrics.rss_after_warmup") {
            points.push((0.0, v / MB));
        }
        for i in 0.. {
            let Some(v) = value(summary, "churn", label, &format!("metrics.rss_after_batch.{i}")) else {
                break;
            };
            points.push((f64::from(i + 1), v / MB));
        }
        if points.len() > 1 {
            series.push((name, color, points));
        }
    }
    if !series.is_empty() {
        let last = series
            .iter()
            .map(|(_, _, points)| points.len())
            .max()
            .unwrap_or(1)
            .saturating_sub(1)
            .max(1) as f64;
        let high = series
            .iter()
            .flat_map(|(_, _, points)| points.iter().map(|(_, y)| *y))
            .fold(0.0f64, f64::max)
            * 1.2;
        let mut chart = ChartBuilder::on(&bottom)
            .caption(
                "churn: server RSS (MB) after warm-up (0) and after each batch, sessions expired",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(35)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.2..last + 0.2, 0.0..high.max(1.0))?;
        chart
            .configure_mesh()
            .x_labels(last as usize + 1)
            .x_label_formatter(&|x: &f64| format!("{}", x.round()))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .x_desc("batch")
            .label_style(("sans-serif", 14))
            .draw()?;
        for (name, color, points) in series {
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))?
                .label(name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], color.filled()));
            chart.draw_series(points.into_iter().map(|p| Circle::new(p, 4, color.filled())))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::MiddleRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()?;
    }
    root.present()?;
    Ok(())
}

/// x position of a percentile on a "nines" axis: 0 -> 0, 90 -> 1, 99 -> 2...
fn nines(percentile: f64) -> f64 {
    let rest = (100.0 - percentile).max(0.001) / 100.0;
    -rest.log10()
}

fn latency_chart(summary: &Summary, path: &Path) -> Result<()> {
    let panels = [
        ("echo", "echo: ack round trip"),
        ("fanout", "fanout: delivery latency"),
        ("connect", "connect: time to 40{sid}"),
        ("polling", "polling: ack round trip"),
    ];
    let root = BitMapBackend::new(path, (1400, 900)).into_drawing_area();
    root.fill(&WHITE)?;
    let areas = root.split_evenly((2, 2));
    for (area, (scenario, title)) in areas.iter().zip(panels) {
        let mut series = Vec::new();
        for (label, name, color) in SERVERS {
            let Some(points) = summary
                .get(scenario)
                .and_then(|servers| servers.get(label))
                .and_then(|m| m.get("latency.spectrum"))
                .and_then(Value::as_array)
            else {
                continue;
            };
            let points: Vec<(f64, f64)> = points
                .iter()
                .filter_map(|p| Some((nines(p[0].as_f64()?), p[1].as_f64()?.max(0.001))))
                .filter(|(x, _)| *x <= 4.0)
                .collect();
            if !points.is_empty() {
                series.push((name, color, points));
            }
        }
        if series.is_empty() {
            continue;
        }
        let (low, high) = series
            .iter()
            .flat_map(|(_, _, points)| points.iter().map(|(_, y)| *y))
            .fold((f64::MAX, 0.0f64), |(lo, hi), y| (lo.min(y), hi.max(y)));
        let mut chart = ChartBuilder::on(area)
            .caption(format!("{title} (ms, log scale)"), ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(35)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..4.0, (low * 0.8..high * 1.25).log_scale())?;
        chart
            .configure_mesh()
            .x_labels(5)
            .x_label_formatter(&|x: &f64| match x.round() as i64 {
                0 => "p0".to_owned(),
                1 => "p90".to_owned(),
                2 => "p99".to_owned(),
                3 => "p99.9".to_owned(),
                4 => "p99.99".to_owned(),
                _ => String::new(),
            })
            .y_label_formatter(&|v| format_value(*v))
            .x_desc("percentile")
            .label_style(("sans-serif", 14))
            .draw()?;
        for (name, color, points) in series {
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))?
                .label(name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], color.filled()));
            chart.draw_series(points.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()?;
    }
    root.present()?;
    Ok(())
}

/// The cluster variants side by side, one column per implementation (so
/// that the variants share a scale): deliveries/s and delivery latency p50
/// and p99 of each.
fn cluster_chart(summary: &Summary, path: &Path) -> Result<()> {
    let rows = [
        ("metrics.deliveries_per_sec", "deliveries/s (higher is better)"),
        ("latency.p50_ms", "latency p50, ms (lower is better)"),
        ("latency.p99_ms", "latency p99, ms (lower is better)"),
    ];
    let variants = [
        ("fanout-1node", "1 node"),
        ("fanout-1node-redis", "1 node, Redis"),
        ("fanout-2nodes", "2 nodes, Redis"),
    ];
    let root = BitMapBackend::new(path, (1200, 1200)).into_drawing_area();
    root.fill(&WHITE)?;
    let areas = root.split_evenly((rows.len(), SERVERS.len()));
    let panels = rows
        .iter()
        .flat_map(|row| SERVERS.iter().map(move |server| (row, server)));
    for (area, ((key, title), (label, name, color))) in areas.iter().zip(panels) {
        let values: Vec<(String, RGBColor, f64)> = variants
            .iter()
            .filter_map(|(scenario, short)| Some(((*short).to_owned(), *color, value(summary, scenario, label, key)?)))
            .collect();
        if !values.is_empty() {
            bar_panel(area, &format!("{name}: {title}"), &values)?;
        }
    }
    root.present()?;
    Ok(())
}

fn load_font(path: Option<&str>) -> Result<()> {
    let candidates: Vec<PathBuf> = match path {
        Some(path) => vec![PathBuf::from(path)],
        None => [
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        ]
        .iter()
        .map(PathBuf::from)
        .collect(),
    };
    for candidate in &candidates {
        if let Ok(bytes) = std::fs::read(candidate) {
            // plotters keeps registered fonts for the life of the process.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
                .map_err(|_| format!("{} is not a usable font", candidate.display()))?;
            return Ok(());
        }
    }
    Err(format!("no font found (tried {candidates:?}); install fonts-dejavu-core or pass --font").into())
}

// ------------------------------------------------------------------ main

fn option(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|arg| arg == name)
        .and_then(|index| args.get(index + 1))
        .cloned()
}

/// The markers of the single-server section in `BENCHMARKS.md`.
const MARKERS: (&str, &str) = (
    "<!-- results:begin (generated by bench/run.sh, do not edit) -->",
    "<!-- results:end -->",
);

/// The markers of the backpressure section.
const BACKPRESSURE_MARKERS: (&str, &str) = (
    "<!-- backpressure-results:begin (generated by bench/run.sh --scenarios \"overload burst churn\", do not edit) -->",
    "<!-- backpressure-results:end -->",
);

/// The markers of the scale-out section.
const CLUSTER_MARKERS: (&str, &str) = (
    "<!-- cluster-results:begin (generated by bench/run.sh --scenarios cluster, do not edit) -->",
    "<!-- cluster-results:end -->",
);

/// Replaces what is between the markers `(begin, end)` of `doc` with
/// `generated`.
fn splice(doc: &Path, (begin_marker, end_marker): (&str, &str), generated: &str) -> Result<()> {
    let text = std::fs::read_to_string(doc)?;
    let (Some(begin), Some(end)) = (text.find(begin_marker), text.find(end_marker)) else {
        return Err(format!("{} has no markers {begin_marker} ... {end_marker}", doc.display()).into());
    };
    if end < begin {
        return Err(format!("{}: markers {begin_marker} ... out of order", doc.display()).into());
    }
    let updated = format!("{}{begin_marker}\n{generated}{}", &text[..begin], &text[end..]);
    std::fs::write(doc, updated)?;
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("sio-bench-report --raw FILE --meta FILE --out DIR [--doc BENCHMARKS.md] [--font FILE.ttf]");
        return Ok(());
    }
    let raw = option(&args, "--raw").ok_or("--raw FILE is required")?;
    let out = PathBuf::from(option(&args, "--out").ok_or("--out DIR is required")?);
    let meta: Value = match option(&args, "--meta") {
        Some(path) => serde_json::from_str(&std::fs::read_to_string(path)?)?,
        None => json!({}),
    };
    let records: Vec<Value> = std::fs::read_to_string(&raw)?
        .lines()
        .filter(|line| line.trim_start().starts_with('{'))
        .map(serde_json::from_str)
        .collect::<std::result::Result<_, _>>()?;
    let groups = group(&records);
    let mut summary: Summary = BTreeMap::new();
    for ((scenario, label), runs) in &groups {
        summary
            .entry(scenario.clone())
            .or_default()
            .insert(label.clone(), medians(runs));
    }
    std::fs::create_dir_all(&out)?;
    let results = json!({ "meta": meta, "medians": summary, "runs": records });
    std::fs::write(out.join("results.json"), serde_json::to_string_pretty(&results)? + "\n")?;

    load_font(option(&args, "--font").as_deref())?;
    let doc = option(&args, "--doc");
    let mut sections = Vec::new();
    if has_group(&summary, Group::Single) {
        throughput_chart(&summary, &out.join("throughput.png"))?;
        latency_chart(&summary, &out.join("latency.png"))?;
        let mut markdown = machine(&meta);
        markdown.push('\n');
        markdown.push_str(&table(&summary));
        markdown.push_str(
            "\n![Throughput and memory, sio vs Node](bench/results/throughput.png)\n\n\
             ![Latency distributions, sio vs Node](bench/results/latency.png)\n",
        );
        sections.push((MARKERS, markdown));
    }
    if has_group(&summary, Group::Backpressure) {
        backpressure_chart(&summary, &out.join("backpressure.png"))?;
        let mut markdown = machine(&meta);
        markdown.push('\n');
        markdown.push_str(&backpressure_table(&summary));
        markdown.push_str("\n![Backpressure and soak, sio vs Node](bench/results/backpressure/backpressure.png)\n");
        sections.push((BACKPRESSURE_MARKERS, markdown));
    }
    if has_group(&summary, Group::Cluster) {
        cluster_chart(&summary, &out.join("cluster.png"))?;
        let mut markdown = machine(&meta);
        markdown.push('\n');
        markdown.push_str(&cluster_table(&summary));
        markdown.push_str("\n![Fanout on one node and two, sio vs Node](bench/results/cluster/cluster.png)\n");
        sections.push((CLUSTER_MARKERS, markdown));
    }
    if sections.is_empty() {
        return Err(format!("{raw}: no result of a known scenario").into());
    }
    let markdown = sections
        .iter()
        .map(|(_, markdown)| markdown.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(out.join("results.md"), &markdown)?;
    if let Some(doc) = &doc {
        for (markers, generated) in &sections {
            splice(Path::new(doc), *markers, generated)?;
        }
    }
    print!("{markdown}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_nines() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
        assert!((nines(99.0) - 2.0).abs() < 1e-9);
        assert!(nines(0.0).abs() < 1e-9);
    }

    #[test]
    fn medians_of_arrays_and_groups() {
        let run = |round: u64, cpu: [f64; 2]| {
            json!({ "scenario": "fanout-2nodes", "label": "sio", "round": round,
                "metrics": { "deliveries_per_sec": 100.0 * round as f64, "delivered_per_server": [round, 2 * round] },
                "latency": { "p50_ms": 1.0, "spectrum": [[50.0, 1.0]] },
                "server_cpu_pct": cpu[0] + cpu[1], "servers_cpu_pct": cpu, "redis_cpu_pct": 10.0 })
        };
        let runs = [run(1, [40.0, 50.0]), run(2, [45.0, 55.0]), run(3, [41.0, 51.0])];
        let medians = medians(&runs.iter().collect::<Vec<_>>());
        assert_eq!(medians["metrics.deliveries_per_sec"], json!(200.0));
        assert_eq!(medians["metrics.delivered_per_server.1"], json!(4.0));
        assert_eq!(medians["servers_cpu_pct.0"], json!(41.0));
        assert_eq!(medians["redis_cpu_pct"], json!(10.0));
        let mut summary = Summary::new();
        summary
            .entry("fanout-2nodes".to_owned())
            .or_default()
            .insert("sio".to_owned(), medians);
        assert!(has_group(&summary, Group::Cluster));
        assert!(!has_group(&summary, Group::Single));
        let table = cluster_table(&summary);
        assert!(
            table.contains("| fanout-2nodes | deliveries/s | 200 | - | - | higher |"),
            "{table}"
        );
        assert!(table.contains("| fanout-2nodes | 41% + 51% | 10% |"), "{table}");
    }
}
