//! Command-line parsing: a scenario name, then `--name value` pairs.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

/// The parsed command line.
#[derive(Debug, Clone)]
pub struct Args {
    /// The scenario to run.
    pub scenario: String,
    options: HashMap<String, String>,
}

impl Args {
    /// Parses the process arguments.
    pub fn from_env() -> Result<Args, String> {
        Self::parse(std::env::args().skip(1))
    }

    fn parse(mut iter: impl Iterator<Item = String>) -> Result<Args, String> {
        let scenario = iter.next().unwrap_or_else(|| "help".to_owned());
        let mut options = HashMap::new();
        while let Some(arg) = iter.next() {
            let Some(name) = arg.strip_prefix("--") else {
                return Err(format!("unexpected argument {arg:?}"));
            };
            if let Some((name, value)) = name.split_once('=') {
                options.insert(name.to_owned(), value.to_owned());
            } else if name == "help" {
                options.insert(name.to_owned(), "true".to_owned());
            } else {
                let value = iter.next().ok_or_else(|| format!("--{name} needs a value"))?;
                options.insert(name.to_owned(), value);
            }
        }
        Ok(Args { scenario, options })
    }

    /// Whether `--name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.options.contains_key(name)
    }

    /// The value of `--name`, parsed, or `default`.
    pub fn get<T: FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        match self.options.get(name) {
            None => Ok(default),
            Some(value) => value.parse().map_err(|_| format!("--{name}: cannot parse {value:?}")),
        }
    }

    /// The value of `--name` as a string, or `default`.
    pub fn string(&self, name: &str, default: &str) -> String {
        self.options.get(name).cloned().unwrap_or_else(|| default.to_owned())
    }

    /// The value of `--name` in seconds (fractions allowed).
    pub fn seconds(&self, name: &str, default: f64) -> Result<Duration, String> {
        let secs: f64 = self.get(name, default)?;
        if !(0.0..=3600.0).contains(&secs) {
            return Err(format!("--{name}: {secs} is not between 0 and 3600 seconds"));
        }
        Ok(Duration::from_secs_f64(secs))
    }

    /// The server addresses, never empty: `--host` (a loopback address,
    /// nothing else) with each port of `--ports P1,P2,...` (several servers
    /// of one cluster), or with `--port` (default 3000).
    pub fn addresses(&self) -> Result<Vec<SocketAddr>, String> {
        let host: IpAddr = self.get("host", IpAddr::from([127, 0, 0, 1]))?;
        if !host.is_loopback() {
            return Err(format!("--host {host}: only loopback addresses are allowed"));
        }
        if self.flag("ports") && self.flag("port") {
            return Err("give --port or --ports, not both".to_owned());
        }
        let Some(ports) = self.options.get("ports") else {
            let port: u16 = self.get("port", 3000)?;
            return Ok(vec![SocketAddr::new(host, port)]);
        };
        let ports = ports
            .split(',')
            .map(|port| {
                let port = port.trim();
                port.parse::<u16>()
                    .map_err(|_| format!("--ports: cannot parse {port:?}"))
            })
            .collect::<Result<Vec<u16>, String>>()?;
        Ok(ports.into_iter().map(|port| SocketAddr::new(host, port)).collect())
    }

    /// The values of a comma-separated list option (`--server-pid 12,34`),
    /// empty when it is not given.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.options.get(name).map_or_else(Vec::new, |value| {
            value
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect()
        })
    }

    /// The Engine.IO path, with its slashes.
    pub fn path(&self) -> String {
        let mut path = self.string("path", "/socket.io/");
        if !path.starts_with('/') {
            path.insert(0, '/');
        }
        if !path.ends_with('/') {
            path.push('/');
        }
        path
    }

    /// Every option, for the result record.
    pub fn options(&self) -> &HashMap<String, String> {
        &self.options
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pairs_and_refuses_remote_hosts() {
        let args = Args::parse(
            ["echo", "--clients", "5", "--payload=7", "--host", "10.0.0.1"]
                .into_iter()
                .map(String::from),
        )
        .expect("valid arguments");
        assert_eq!(args.scenario, "echo");
        assert_eq!(args.get("clients", 0usize), Ok(5));
        assert_eq!(args.get("payload", 0usize), Ok(7));
        assert!(args.addresses().is_err());
    }

    #[test]
    fn parses_port_lists() {
        let parse = |line: &[&str]| Args::parse(line.iter().map(|arg| (*arg).to_owned())).expect("valid arguments");
        let args = parse(&["fanout", "--ports", "3101,3103", "--server-pid", "12, 34"]);
        let ports: Vec<u16> = args.addresses().expect("ports").iter().map(SocketAddr::port).collect();
        assert_eq!(ports, [3101, 3103]);
        assert_eq!(args.list("server-pid"), ["12", "34"]);
        assert!(args.list("redis-pid").is_empty());
        assert_eq!(parse(&["fanout"]).addresses().map(|addrs| addrs[0].port()), Ok(3000));
        assert!(parse(&["fanout", "--ports", "3101,x"]).addresses().is_err());
        assert!(
            parse(&["fanout", "--ports", "3101", "--port", "3102"])
                .addresses()
                .is_err()
        );
    }
}
