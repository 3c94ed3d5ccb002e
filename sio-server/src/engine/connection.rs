//! The byte stream under an upgraded WebSocket.
//!
//! hyper hands an upgraded connection over as `Upgraded`, which keeps the
//! HTTP read buffer alive (kilobytes per connection, for the lifetime of a
//! WebSocket that may idle for hours). When the connection is a plain
//! `TcpStream` — always, with [`crate::serve`] — it is taken out of hyper
//! instead, with the few bytes hyper had read ahead copied out, and the
//! rest of the HTTP machinery is dropped.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf as _, Bytes};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// A stream that first yields bytes read ahead by the HTTP layer.
#[derive(Debug)]
pub(crate) struct Prefixed<S> {
    ahead: Bytes,
    stream: S,
}

/// The stream of an upgraded connection: the bare TCP stream when hyper
/// allows it, hyper's `Upgraded` otherwise.
pub(crate) enum UpgradedIo {
    Tcp(Prefixed<TcpStream>),
    Other(TokioIo<Upgraded>),
}

impl UpgradedIo {
    pub fn new(upgraded: Upgraded) -> UpgradedIo {
        match upgraded.downcast::<TokioIo<TcpStream>>() {
            Ok(parts) => UpgradedIo::Tcp(Prefixed {
                // A copy, so the (large) read buffer it was sliced from is freed.
                ahead: Bytes::copy_from_slice(&parts.read_buf),
                stream: parts.io.into_inner(),
            }),
            Err(upgraded) => UpgradedIo::Other(TokioIo::new(upgraded)),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.ahead.is_empty() {
            return Pin::new(&mut self.stream).poll_read(cx, buf);
        }
        let n = self.ahead.len().min(buf.remaining());
        buf.put_slice(&self.ahead[..n]);
        self.ahead.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

impl AsyncRead for UpgradedIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            UpgradedIo::Tcp(io) => Pin::new(io).poll_read(cx, buf),
            UpgradedIo::Other(io) => Pin::new(io).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for UpgradedIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            UpgradedIo::Tcp(io) => Pin::new(io).poll_write(cx, buf),
            UpgradedIo::Other(io) => Pin::new(io).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            UpgradedIo::Tcp(io) => Pin::new(io).poll_write_vectored(cx, bufs),
            UpgradedIo::Other(io) => Pin::new(io).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            UpgradedIo::Tcp(io) => io.is_write_vectored(),
            UpgradedIo::Other(io) => io.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            UpgradedIo::Tcp(io) => Pin::new(io).poll_flush(cx),
            UpgradedIo::Other(io) => Pin::new(io).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            UpgradedIo::Tcp(io) => Pin::new(io).poll_shutdown(cx),
            UpgradedIo::Other(io) => Pin::new(io).poll_shutdown(cx),
        }
    }
}
