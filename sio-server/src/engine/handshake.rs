//! What the server knows about the request that opened a session.

use std::net::SocketAddr;
use std::time::SystemTime;

use http::{HeaderMap, HeaderValue, Uri};

use super::TransportKind;

/// The request that opened a session: headers, URI (with the query the
/// client sent), remote address and time.
///
/// The Socket.IO layer exposes it to applications as the socket's
/// handshake.
#[derive(Debug, Clone)]
pub struct Handshake {
    pub(crate) headers: HeaderMap,
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
        let mut copied = HeaderMap::with_capacity(headers.len());
        for (name, value) in headers {
            if let Ok(mut owned) = HeaderValue::from_bytes(value.as_bytes()) {
                owned.set_sensitive(value.is_sensitive());
                copied.append(name.clone(), owned);
            }
        }
        let uri = Uri::try_from(uri.to_string()).unwrap_or_else(|_| uri.clone());
        Handshake {
            headers: copied,
            uri,
            remote_addr,
            issued_at: SystemTime::now(),
            transport,
        }
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
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
