//! CPU time and memory of processes, read from `/proc`.

use std::time::{Duration, Instant};

/// The kernel reports CPU times to user space in units of `USER_HZ`, which
/// is 100 on every Linux ABI.
const USER_HZ: f64 = 100.0;

/// CPU time (user + system, all threads) used by `pid` (`self` for this
/// process), in seconds.
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: count fields
    // from the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // After ')': state(3) ppid(4) ... utime is field 14, stime field 15.
    let utime: f64 = fields.nth(11)?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / USER_HZ)
}

/// A field of `/proc/<pid>/status` given in kB (`VmRSS`, `VmHWM`), in bytes.
pub fn status_bytes(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        let value = line.strip_prefix(field)?.strip_prefix(':')?;
        let kb: u64 = value.trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kb * 1024)
    })
}

/// Measures CPU use of this process and, optionally, of the servers and of
/// Redis over an interval.
#[derive(Debug)]
pub struct CpuMeter {
    server_pids: Vec<String>,
    redis_pid: Option<String>,
    started: Instant,
    own: Option<f64>,
    servers: Vec<Option<f64>>,
    redis: Option<f64>,
}

/// CPU use over an interval, in percent of one core.
#[derive(Debug, Clone)]
pub struct CpuUse {
    /// This process.
    pub generator_pct: Option<f64>,
    /// The servers together, when their pids were given (`None` when one
    /// of them could not be read).
    pub server_pct: Option<f64>,
    /// Each server, in the order of the pids given.
    pub servers_pct: Vec<Option<f64>>,
    /// The Redis server, when its pid was given.
    pub redis_pct: Option<f64>,
}

impl CpuMeter {
    /// Starts measuring now: this process, each of `server_pids` and
    /// `redis_pid`.
    pub fn start(server_pids: &[String], redis_pid: Option<&str>) -> CpuMeter {
        CpuMeter {
            server_pids: server_pids.to_vec(),
            redis_pid: redis_pid.map(str::to_owned),
            started: Instant::now(),
            own: cpu_seconds("self"),
            servers: server_pids.iter().map(|pid| cpu_seconds(pid)).collect(),
            redis: redis_pid.and_then(cpu_seconds),
        }
    }

    /// The CPU use since [`start`](Self::start).
    pub fn finish(&self) -> CpuUse {
        let wall = self.started.elapsed().max(Duration::from_millis(1)).as_secs_f64();
        let pct = |before: Option<f64>, after: Option<f64>| Some((after? - before?) / wall * 100.0);
        let servers_pct: Vec<Option<f64>> = self
            .server_pids
            .iter()
            .zip(&self.servers)
            .map(|(pid, before)| pct(*before, cpu_seconds(pid)))
            .collect();
        let server_pct = if servers_pct.is_empty() {
            None
        } else {
            servers_pct.iter().copied().sum::<Option<f64>>()
        };
        CpuUse {
            generator_pct: pct(self.own, cpu_seconds("self")),
            server_pct,
            servers_pct,
            redis_pct: pct(self.redis, self.redis_pid.as_deref().and_then(cpu_seconds)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        assert!(cpu_seconds("self").is_some());
        assert!(status_bytes("self", "VmRSS").is_some_and(|rss| rss > 0));
    }

    #[test]
    fn sums_the_servers() {
        let me = std::process::id().to_string();
        let meter = CpuMeter::start(&[me.clone(), me], None);
        let cpu = meter.finish();
        assert_eq!(cpu.servers_pct.len(), 2);
        assert!(cpu.server_pct.is_some());
        assert!(cpu.redis_pct.is_none());
        assert!(CpuMeter::start(&[], None).finish().server_pct.is_none());
    }
}
