//! What the server knows about the request that opened a session.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::SystemTime;

use http::header::HeaderName;
use http::{HeaderMap, HeaderValue, Uri};

use super::TransportKind;

/// The request that opened a session: headers, URI (with the query the
/// client sent), remote address and time.
///
/// The Socket.IO layer exposes it to applications as the socket's
/// handshake.
#[derive(Clone)]
pub struct Handshake {
    /// The headers as `name:value\n` lines in one allocation, parsed into
    /// `headers` on first use: most sessions never read them, and a
    /// header map costs several allocations per header.
    raw_headers: Box<[u8]>,
    headers: OnceLock<HeaderMap>,
    pub(crate) uri: Uri,
    pub(crate) remote_addr: Option<SocketAddr>,
    pub(crate) issued_at: SystemTime,
    pub(crate) transport: TransportKind,
}

impl Handshake {
    /// The handshake of a request, in allocations of its own.
    ///
    /// hyper's header values and URI are slices of the connection's read
    /// buffer; a plain clone would keep that whole buffer (kilobytes) alive
    /// for the session's lifetime, so the bytes are copied instead.
    pub(crate) fn detached(
        headers: &HeaderMap,
        uri: &Uri,
        remote_addr: Option<SocketAddr>,
        transport: TransportKind,
    ) -> Handshake {
        let size = headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 2)
            .sum();
        let mut raw_headers = Vec::with_capacity(size);
        for (name, value) in headers {
            // Neither can hold the separators: names are tokens, and values
            // exclude control characters other than tab.
            raw_headers.extend_from_slice(name.as_str().as_bytes());
            raw_headers.push(b':');
            raw_headers.extend_from_slice(value.as_bytes());
            raw_headers.push(b'\n');
        }
        let uri = Uri::try_from(uri.to_string()).unwrap_or_else(|_| uri.clone());
        Handshake {
            raw_headers: raw_headers.into_boxed_slice(),
            headers: OnceLock::new(),
            uri,
            remote_addr,
            issued_at: SystemTime::now(),
            transport,
        }
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        self.headers.get_or_init(|| parse_headers(&self.raw_headers))
    }

    /// The request URI, with its query string.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The query parameters, percent-decoded, in order. The Engine.IO ones
    /// (`EIO`, `transport`, `t`) are included.
    pub fn query_pairs(&self) -> impl Iterator<Item = (String, String)> + '_ {
        form_urlencoded::parse(self.uri.query().unwrap_or_default().as_bytes())
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
    }

    /// The first value of query parameter `key`, percent-decoded.
    pub fn query(&self, key: &str) -> Option<String> {
        self.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The peer address of the connection, when the server knows it (it may
    /// be a proxy's address).
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.remote_addr
    }

    /// When the handshake happened.
    pub fn issued_at(&self) -> SystemTime {
        self.issued_at
    }

    /// The transport the session started on.
    pub fn transport(&self) -> TransportKind {
        self.transport
    }
}

impl std::fmt::Debug for Handshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handshake")
            .field("headers", self.headers())
            .field("uri", &self.uri)
            .field("remote_addr", &self.remote_addr)
            .field("issued_at", &self.issued_at)
            .field("transport", &self.transport)
            .finish()
    }
}

/// The header map of `name:value\n` lines.
fn parse_headers(raw: &[u8]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for line in raw.split(|&byte| byte == b'\n').filter(|line| !line.is_empty()) {
        let Some(colon) = line.iter().position(|&byte| byte == b':') else {
            continue;
        };
        let (Ok(name), Ok(mut value)) = (
            HeaderName::from_bytes(&line[..colon]),
            HeaderValue::from_bytes(&line[colon + 1..]),
        ) else {
            continue;
        };
        if name == http::header::AUTHORIZATION
            || name == http::header::PROXY_AUTHORIZATION
            || name == http::header::COOKIE
        {
            value.set_sensitive(true);
        }
        headers.append(name, value);
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_come_back_as_sent_with_repeats_and_order() {
        let mut sent = HeaderMap::new();
        sent.insert(http::header::HOST, HeaderValue::from_static("example.com:8000"));
        sent.append("x-many", HeaderValue::from_static("one"));
        sent.append("x-many", HeaderValue::from_static("two: with colon"));
        sent.insert(http::header::COOKIE, HeaderValue::from_static("a=b"));
        sent.insert("x-tab", HeaderValue::from_static("a\tb"));
        let uri: Uri = "/socket.io/?EIO=4&transport=polling".parse().expect("uri");
        let handshake = Handshake::detached(&sent, &uri, None, TransportKind::Polling);
        assert_eq!(handshake.headers(), &sent);
        let many: Vec<&HeaderValue> = handshake.headers().get_all("x-many").iter().collect();
        assert_eq!(many, vec!["one", "two: with colon"]);
        assert!(handshake.headers()[http::header::COOKIE].is_sensitive());
        assert_eq!(handshake.clone().headers(), &sent);
    }
}
