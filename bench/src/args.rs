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

    /// The server address: `--host` (a loopback address, nothing else) and
    /// `--port`.
    pub fn address(&self) -> Result<SocketAddr, String> {
        let host: IpAddr = self.get("host", IpAddr::from([127, 0, 0, 1]))?;
        if !host.is_loopback() {
            return Err(format!("--host {host}: only loopback addresses are allowed"));
        }
        let port: u16 = self.get("port", 3000)?;
        Ok(SocketAddr::new(host, port))
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
        assert!(args.address().is_err());
    }
}
