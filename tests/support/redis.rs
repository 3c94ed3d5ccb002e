//! A real `redis-server` for one test: its own process on a free loopback
//! port, no persistence, no config file, its data folder and log in a fresh
//! temporary folder.
//!
//! One copy for every test crate of the workspace, included with
//! `#[path = "../../tests/support/redis.rs"] mod redis_server;` (or
//! `#[path = "support/redis.rs"]` from the root `tests`). The binary is
//! `$SIO_REDIS_SERVER` (`./scripts/test.sh` sets it), else `redis-server` on
//! the `PATH`; a missing one fails the test: it never skips.
//!
//! [`RedisServer::command`] speaks RESP by hand, enough for checks such as
//! `PUBSUB NUMSUB`; the code under test brings its own client.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// How long a start or a restart may take before the test fails.
const READY_WITHIN: Duration = Duration::from_secs(10);
/// How long one [`RedisServer::command`] may take.
const COMMAND_WITHIN: Duration = Duration::from_secs(5);
/// Fresh ports tried when the chosen one was taken before Redis bound it.
const PORT_ATTEMPTS: usize = 3;

/// A running `redis-server`, killed (SIGKILL) when dropped.
#[derive(Debug)]
pub struct RedisServer {
    binary: PathBuf,
    port: u16,
    dir: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

/// Why one spawn did not become ready.
enum NotReady {
    /// The port was taken (by someone else, or not yet released).
    AddressInUse,
    /// Anything else: the test fails with this description.
    Failed(String),
}

impl RedisServer {
    /// Starts a server on a free port of 127.0.0.1 and returns once it
    /// answers `PING`; fails the test when it cannot (with its log).
    pub async fn start() -> RedisServer {
        let binary = binary();
        let dir = temp_dir();
        let log = dir.join("redis.log");
        let mut server = RedisServer {
            binary,
            port: 0,
            dir,
            log,
            child: None,
        };
        for _ in 0..PORT_ATTEMPTS {
            server.port = free_port();
            match server.spawn_until_ready(Instant::now() + READY_WITHIN).await {
                Ok(()) => return server,
                Err(NotReady::AddressInUse) => continue,
                Err(NotReady::Failed(why)) => panic!("{why}"),
            }
        }
        panic!(
            "redis-server found each of {PORT_ATTEMPTS} free ports taken; its log:\n{}",
            server.log_text()
        )
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The server's log file (stdout and stderr of every run).
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// What the server logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log)
            .unwrap_or_else(|error| format!("(no log at {}: {error})", self.log.display()))
    }

    /// Kills the server (SIGKILL: its clients see their connections drop,
    /// nothing is saved) and waits for it to be gone. Does nothing when it
    /// is not running.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // An error means it has exited already; `wait` reaps it either way.
            let _ = child.start_kill();
            tokio::time::timeout(READY_WITHIN, child.wait())
                .await
                .expect("redis-server did not exit within 10 s of SIGKILL")
                .expect("waiting for redis-server");
        }
    }

    /// Starts the server again on the same port (killing it first if it is
    /// running) and returns once it answers `PING`. The data is gone: it
    /// saves nothing.
    pub async fn restart(&mut self) {
        self.kill().await;
        let deadline = Instant::now() + READY_WITHIN;
        // The port can stay busy for a moment after the kill; retry until
        // the deadline.
        loop {
            match self.spawn_until_ready(deadline).await {
                Ok(()) => return,
                Err(NotReady::AddressInUse) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(NotReady::AddressInUse) => panic!(
                    "redis-server could not bind 127.0.0.1:{} again within {READY_WITHIN:?}; its log:\n{}",
                    self.port,
                    self.log_text()
                ),
                Err(NotReady::Failed(why)) => panic!("{why}"),
            }
        }
    }

    /// Sends one command (`args` as RESP bulk strings) on a new connection
    /// and returns the raw RESP reply, e.g. `":1\r\n"` or
    /// `"*2\r\n$5\r\nroom1\r\n:2\r\n"`. Fails the test when the server does
    /// not answer within 5 s.
    pub async fn command(&self, args: &[&str]) -> String {
        let args: Vec<&[u8]> = args.iter().map(|arg| arg.as_bytes()).collect();
        String::from_utf8_lossy(&self.command_bytes(&args).await).into_owned()
    }

    /// [`RedisServer::command`] with binary arguments and reply.
    pub async fn command_bytes(&self, args: &[&[u8]]) -> Vec<u8> {
        let port = self.port;
        let shown: Vec<_> = args.iter().map(|arg| String::from_utf8_lossy(arg)).collect();
        tokio::time::timeout(COMMAND_WITHIN, send_command(port, args))
            .await
            .unwrap_or_else(|_| panic!("redis 127.0.0.1:{port} did not answer {shown:?} within {COMMAND_WITHIN:?}"))
            .unwrap_or_else(|error| panic!("redis 127.0.0.1:{port}, {shown:?}: {error}"))
    }

    /// How many connections are subscribed to `channel` by name (`PUBSUB
    /// NUMSUB`; pattern subscriptions are not counted): what a `PUBLISH` to
    /// it reaches, apart from pattern subscribers. On an adapter's request
    /// channel (`socket.io-request#/#`) that is the number of servers.
    pub async fn publish_count(&self, channel: &str) -> i64 {
        let reply = self.command(&["PUBSUB", "NUMSUB", channel]).await;
        // *2\r\n$<len>\r\n<channel>\r\n:<count>\r\n
        reply
            .trim_end()
            .rsplit("\r\n")
            .next()
            .and_then(|last| last.strip_prefix(':'))
            .and_then(|count| count.parse().ok())
            .unwrap_or_else(|| panic!("PUBSUB NUMSUB {channel} answered {reply:?}"))
    }

    /// Spawns the server on `self.port` and waits until it answers `PING`,
    /// it exits, or `deadline` passes.
    async fn spawn_until_ready(&mut self, deadline: Instant) -> Result<(), NotReady> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap_or_else(|error| panic!("cannot open {}: {error}", self.log.display()));
        let log_err = log.try_clone().expect("duplicating the log file handle");
        let log_start = std::fs::metadata(&self.log).map(|meta| meta.len()).unwrap_or(0);
        let port = self.port.to_string();
        let mut child = Command::new(&self.binary)
            .args(["--save", "", "--appendonly", "no", "--bind", "127.0.0.1", "--port", &port, "--dir"])
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot run `{}` ({error}): install redis-server or run ./scripts/test.sh (or set SIO_REDIS_SERVER)",
                    self.binary.display()
                )
            });
        loop {
            if let Some(status) = child.try_wait().expect("polling redis-server") {
                let log = self.log_text();
                let this_run = log.get(log_start as usize..).unwrap_or(&log);
                if this_run.contains("Address already in use") {
                    return Err(NotReady::AddressInUse);
                }
                return Err(NotReady::Failed(format!(
                    "redis-server exited ({status}) before it was ready on port {}; its log:\n{log}",
                    self.port
                )));
            }
            if ping(self.port).await {
                self.child = Some(child);
                return Ok(());
            }
            if Instant::now() >= deadline {
                let _ = child.start_kill();
                let _ = child.wait().await;
                return Err(NotReady::Failed(format!(
                    "redis-server did not answer PING on 127.0.0.1:{} within {READY_WITHIN:?}; its log:\n{}",
                    self.port,
                    self.log_text()
                )));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        if std::thread::panicking() {
            eprintln!("redis-server log kept in {}", self.log.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// `$SIO_REDIS_SERVER`, else `redis-server` from the `PATH`.
fn binary() -> PathBuf {
    if let Some(binary) = std::env::var_os("SIO_REDIS_SERVER") {
        return binary.into();
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!("redis-server is neither in $SIO_REDIS_SERVER nor on PATH: install redis-server or run ./scripts/test.sh")
        })
}

/// A port of 127.0.0.1 that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("binding 127.0.0.1:0")
        .port()
}

/// A new empty folder under the system's temporary folder.
fn temp_dir() -> PathBuf {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "sio-redis-{}-{nanos}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap_or_else(|error| panic!("cannot create {}: {error}", dir.display()));
    dir
}

/// Whether a server on `port` accepts a connection and answers `+PONG`.
async fn ping(port: u16) -> bool {
    let exchange = async {
        let reply = send_command(port, &[b"PING"]).await.ok()?;
        Some(reply.starts_with(b"+PONG"))
    };
    // One attempt must not eat the caller's deadline.
    matches!(
        tokio::time::timeout(Duration::from_millis(500), exchange).await,
        Ok(Some(true))
    )
}

async fn send_command(port: u16, args: &[&[u8]]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let mut request = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        request.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        request.extend_from_slice(arg);
        request.extend_from_slice(b"\r\n");
    }
    stream.write_all(&request).await?;
    let mut reader = BufReader::new(stream);
    let mut reply = Vec::new();
    read_reply(&mut reader, &mut reply, 0).await?;
    Ok(reply)
}

/// Reads one complete RESP2 reply into `out`, as it came.
async fn read_reply<R: AsyncBufRead + Unpin>(reader: &mut R, out: &mut Vec<u8>, depth: usize) -> std::io::Result<()> {
    let invalid = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
    if depth > 32 {
        return Err(invalid("RESP reply nested too deep".to_owned()));
    }
    let start = out.len();
    if reader.read_until(b'\n', out).await? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    let line = String::from_utf8_lossy(&out[start..]).trim_end().to_owned();
    let length = || -> std::io::Result<i64> {
        line.get(1..)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| invalid(format!("bad RESP length line {line:?}")))
    };
    match line.as_bytes().first() {
        Some(b'+' | b'-' | b':') => Ok(()),
        Some(b'$') => {
            let n = length()?;
            if n >= 0 {
                let mut body = vec![0; n as usize + 2];
                reader.read_exact(&mut body).await?;
                out.extend_from_slice(&body);
            }
            Ok(())
        }
        Some(b'*') => {
            for _ in 0..length()?.max(0) {
                Box::pin(read_reply(reader, out, depth + 1)).await?;
            }
            Ok(())
        }
        _ => Err(invalid(format!("not a RESP reply: {line:?}"))),
    }
}
