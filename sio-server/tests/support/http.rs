//! A raw HTTP/1.1 client over `TcpStream`: one connection per request
//! (`Connection: close`), bodies read by `Content-Length`, chunked encoding
//! or end of stream. Written by hand so tests control every byte.

use std::net::SocketAddr;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{parse_open, within};

/// The Engine.IO endpoint used by the tests.
pub const PATH: &str = "/socket.io/";

/// An HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: ::http::HeaderMap,
    /// Body, de-chunked.
    pub body: Bytes,
}

impl Response {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("header value is ASCII"))
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("body {:?} is not JSON: {e}", self.text()))
    }

    /// The records of a polling payload (split on `\x1e`).
    pub fn packets(&self) -> Vec<String> {
        let text = self.text();
        if text.is_empty() {
            Vec::new()
        } else {
            text.split('\x1e').map(str::to_owned).collect()
        }
    }

    /// Fails unless this is a 400 whose body is exactly
    /// `{"code":<integer>,"message":"<non-empty>"}`.
    pub fn assert_engine_error(&self, context: &str) {
        assert_eq!(self.status, 400, "{context}: status (body {:?})", self.text());
        self.assert_error_body(context);
    }

    /// Fails unless the body is exactly `{"code":<integer>,"message":"<non-empty>"}`.
    pub fn assert_error_body(&self, context: &str) {
        let json = self.json();
        let object = json
            .as_object()
            .unwrap_or_else(|| panic!("{context}: body {json} is not an object"));
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["code", "message"], "{context}: keys of {json}");
        assert!(
            json["code"].is_u64(),
            "{context}: code of {json} is not a non-negative integer"
        );
        let message = json["message"].as_str().unwrap_or_default();
        assert!(
            !message.is_empty(),
            "{context}: message of {json} is not a non-empty string"
        );
    }
}

/// A raw HTTP client for one server.
#[derive(Debug, Clone, Copy)]
pub struct Http {
    /// The server.
    pub addr: SocketAddr,
}

impl Http {
    /// A client for the server at `addr`.
    pub fn new(addr: SocketAddr) -> Http {
        Http { addr }
    }

    /// Opens a TCP connection to the server, for hand-written requests.
    pub async fn connect(&self) -> TcpStream {
        within("a TCP connection", TcpStream::connect(self.addr))
            .await
            .expect("connect to the test server")
    }

    /// Sends a request with `Connection: close` and reads the response.
    /// `path_and_query` starts with `/`.
    pub async fn request(&self, method: &str, path_and_query: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        let mut stream = self.connect().await;
        stream
            .write_all(&encode_request(method, path_and_query, headers, body))
            .await
            .expect("write request");
        within(
            &format!("the response to {method} {path_and_query}"),
            read_response(&mut stream),
        )
        .await
        .unwrap_or_else(|e| panic!("reading the response to {method} {path_and_query}: {e}"))
    }

    /// `GET path_and_query`.
    pub async fn get(&self, path_and_query: &str) -> Response {
        self.request("GET", path_and_query, &[], b"").await
    }

    /// `POST path_and_query` with a text body.
    pub async fn post(&self, path_and_query: &str, body: &str) -> Response {
        self.request(
            "POST",
            path_and_query,
            &[("Content-Type", "text/plain;charset=UTF-8")],
            body.as_bytes(),
        )
        .await
    }

    /// `GET` on the endpoint with `query`.
    pub async fn get_query(&self, query: &str) -> Response {
        self.get(&format!("{PATH}?{query}")).await
    }

    /// Opens a polling session: returns its sid and the open packet's JSON,
    /// failing the test unless the reply is a single open packet.
    pub async fn handshake_polling(&self) -> (String, serde_json::Value) {
        let response = self.get_query("EIO=4&transport=polling").await;
        assert_eq!(response.status, 200, "handshake status (body {:?})", response.text());
        let json = parse_open(&response.text());
        let sid = json["sid"].as_str().expect("open packet sid is a string").to_owned();
        (sid, json)
    }

    /// The path and query of polling requests for `sid`.
    pub fn polling_url(sid: &str) -> String {
        format!("{PATH}?EIO=4&transport=polling&sid={sid}")
    }

    /// A polling GET (long-poll) on `sid`.
    pub async fn poll(&self, sid: &str) -> Response {
        self.get(&Self::polling_url(sid)).await
    }

    /// A polling GET on `sid` that must succeed; returns its packets.
    pub async fn poll_packets(&self, sid: &str) -> Vec<String> {
        let response = self.poll(sid).await;
        assert_eq!(response.status, 200, "poll status (body {:?})", response.text());
        response.packets()
    }

    /// A polling POST of `body` on `sid`.
    pub async fn post_packets(&self, sid: &str, body: &str) -> Response {
        self.post(&Self::polling_url(sid), body).await
    }

    /// A polling POST on `sid` that must be answered `200 ok`.
    pub async fn post_ok(&self, sid: &str, body: &str) {
        let response = self.post_packets(sid, body).await;
        assert_eq!(
            (response.status, response.text().as_str()),
            (200, "ok"),
            "POST {body:?} on {sid}"
        );
    }
}

/// Encodes a request with `Host`, `Connection: close` and, when there is
/// a body or the method is POST, `Content-Length`.
pub fn encode_request(method: &str, path_and_query: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("{method} {path_and_query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

/// Reads one response from `stream` (without a timeout of its own).
pub async fn read_response(stream: &mut TcpStream) -> std::io::Result<Response> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos;
        }
        if read_more(stream, &mut buf).await? == 0 {
            return Err(invalid(format!(
                "connection closed before the end of the headers: {:?}",
                lossy(&buf)
            )));
        }
    };
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|e| invalid(e.to_string()))?
        .to_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid(format!("bad status line {status_line:?}")))?;
    let mut headers = ::http::HeaderMap::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| invalid(format!("bad header {line:?}")))?;
        let name = ::http::HeaderName::from_bytes(name.trim().as_bytes()).map_err(|e| invalid(e.to_string()))?;
        let value = ::http::HeaderValue::from_str(value.trim()).map_err(|e| invalid(e.to_string()))?;
        headers.append(name, value);
    }
    let mut rest = buf.split_off(head_end + 4);
    let chunked = headers
        .get("transfer-encoding")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"chunked"));
    let length = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    let body = if status == 101 || status == 204 || status == 304 {
        Vec::new()
    } else if chunked {
        read_chunked(stream, rest).await?
    } else if let Some(length) = length {
        while rest.len() < length {
            if read_more(stream, &mut rest).await? == 0 {
                return Err(invalid(format!("body ended after {} of {length} bytes", rest.len())));
            }
        }
        rest.truncate(length);
        rest
    } else {
        while read_more(stream, &mut rest).await? > 0 {}
        rest
    };
    Ok(Response {
        status,
        headers,
        body: Bytes::from(body),
    })
}

async fn read_chunked(stream: &mut TcpStream, mut buf: Vec<u8>) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(pos) = find(&buf, b"\r\n") {
                break pos;
            }
            if read_more(stream, &mut buf).await? == 0 {
                return Err(invalid("chunked body ended early".to_owned()));
            }
        };
        let size_text = std::str::from_utf8(&buf[..line_end]).map_err(|e| invalid(e.to_string()))?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size =
            usize::from_str_radix(size_text, 16).map_err(|e| invalid(format!("chunk size {size_text:?}: {e}")))?;
        buf.drain(..line_end + 2);
        while buf.len() < size + 2 {
            if read_more(stream, &mut buf).await? == 0 {
                return Err(invalid("chunk ended early".to_owned()));
            }
        }
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut chunk = [0u8; 16 * 1024];
    let n = stream.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

/// Reads from `stream` until the server closes it, returning what arrived
/// (an error such as a reset counts as closed).
pub async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    loop {
        match read_more(stream, &mut buf).await {
            Ok(0) | Err(_) => return buf,
            Ok(_) => {}
        }
    }
}
