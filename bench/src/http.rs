//! A minimal HTTP/1.1 keep-alive client for Engine.IO long-polling:
//! `Content-Length` and chunked bodies, one request at a time per
//! connection.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::ws::Error;

/// The largest response accepted (Engine.IO's default maxPayload is 1 MB).
const MAX_BODY: usize = 8 * 1024 * 1024;
/// The largest header block accepted.
const MAX_HEADERS: usize = 64 * 1024;

/// One keep-alive connection.
#[derive(Debug)]
pub struct HttpConn {
    stream: TcpStream,
    buffer: BytesMut,
    host: String,
    request: Vec<u8>,
}

impl HttpConn {
    /// Connects to `addr`.
    pub async fn connect(addr: SocketAddr) -> Result<HttpConn, Error> {
        let stream = tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(addr))
            .await
            .map_err(|_| "TCP connect timed out")??;
        stream.set_nodelay(true)?;
        Ok(HttpConn {
            stream,
            buffer: BytesMut::with_capacity(8 * 1024),
            host: addr.to_string(),
            request: Vec::with_capacity(1024),
        })
    }

    /// Sends a GET and returns the status and body.
    pub async fn get(&mut self, target: &str) -> Result<(u16, Bytes), Error> {
        self.request("GET", target, &[]).await
    }

    /// Sends a POST with a text body and returns the status and body.
    pub async fn post(&mut self, target: &str, body: &[u8]) -> Result<(u16, Bytes), Error> {
        self.request("POST", target, body).await
    }

    /// Drops the connection with a TCP reset (no FIN): a client that
    /// vanished.
    pub fn reset(self) {
        let _ = self.stream.set_zero_linger();
        drop(self);
    }

    async fn request(&mut self, method: &str, target: &str, body: &[u8]) -> Result<(u16, Bytes), Error> {
        use std::io::Write as _;
        self.request.clear();
        write!(
            self.request,
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nAccept: */*\r\n",
            self.host
        )?;
        if method == "POST" {
            write!(
                self.request,
                "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n",
                body.len()
            )?;
        }
        self.request.extend_from_slice(b"\r\n");
        self.request.extend_from_slice(body);
        self.stream.write_all(&self.request).await?;
        self.read_response().await
    }

    async fn fill(&mut self) -> Result<(), Error> {
        if self.buffer.capacity() - self.buffer.len() < 4096 {
            self.buffer.reserve(16 * 1024);
        }
        let read = self.stream.read_buf(&mut self.buffer).await?;
        if read == 0 {
            return Err("connection closed by the server".into());
        }
        Ok(())
    }

    async fn read_response(&mut self) -> Result<(u16, Bytes), Error> {
        // Headers.
        let header_end = loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                break end;
            }
            if self.buffer.len() > MAX_HEADERS {
                return Err("response headers too long".into());
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buffer[..header_end])?.to_owned();
        self.buffer.advance(header_end + 4);
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse().ok())
            .ok_or("bad status line")?;
        let mut length = None;
        let mut chunked = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.parse::<usize>()?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") && value.eq_ignore_ascii_case("chunked") {
                chunked = true;
            }
        }
        let body = if chunked {
            self.read_chunked().await?
        } else {
            let length = length.unwrap_or(0);
            if length > MAX_BODY {
                return Err("response body too large".into());
            }
            while self.buffer.len() < length {
                self.fill().await?;
            }
            self.buffer.split_to(length).freeze()
        };
        Ok((status, body))
    }

    async fn read_chunked(&mut self) -> Result<Bytes, Error> {
        let mut body = BytesMut::new();
        // Bounded by MAX_BODY: each round consumes one chunk.
        loop {
            let line_end = loop {
                if let Some(end) = find(&self.buffer, b"\r\n") {
                    break end;
                }
                if self.buffer.len() > MAX_HEADERS {
                    return Err("chunk header too long".into());
                }
                self.fill().await?;
            };
            let size_text = std::str::from_utf8(&self.buffer[..line_end])?;
            let size_text = size_text.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16)?;
            self.buffer.advance(line_end + 2);
            if body.len() + size > MAX_BODY {
                return Err("response body too large".into());
            }
            while self.buffer.len() < size + 2 {
                self.fill().await?;
            }
            body.extend_from_slice(&self.buffer[..size]);
            self.buffer.advance(size + 2);
            if size == 0 {
                return Ok(body.freeze());
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}
