//! A server-side WebSocket connection over any byte stream, on the codec
//! of `sio_core::websocket`.
//!
//! Built for connections that idle for hours: nothing is buffered between
//! messages. Reads go through a buffer on the stack of the poll call and
//! only a message split across reads is kept (by the decoder, sized to
//! it); the write buffer exists while a batch is being written and is freed
//! once it is out. Reads and writes keep their progress in the connection,
//! so both are cancel safe.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use sio_core::websocket::{CloseFrame, Decoder, Message, Opcode, WsError, close_code, encode_close, encode_frame};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Bytes read from the socket per poll, on the stack.
const READ_CHUNK: usize = 4096;

/// Why a read failed.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The socket failed.
    Io(io::Error),
    /// The client broke the protocol; the connection was failed with the
    /// error's close code.
    Protocol(WsError),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(error) => write!(f, "{error}"),
            ReadError::Protocol(error) => write!(f, "{error}"),
        }
    }
}

/// One WebSocket connection, server side.
pub(crate) struct WsConnection<S> {
    io: S,
    decoder: Decoder,
    /// Decoded messages not handed out yet, last first.
    received: Vec<Message>,
    /// Bytes to write, and how many of them are written.
    out: Vec<u8>,
    written: usize,
    sent_close: bool,
    read_closed: bool,
    /// A protocol error found after the messages in `received`.
    failure: Option<WsError>,
}

impl<S> std::fmt::Debug for WsConnection<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsConnection")
            .field("pending_out", &(self.out.len() - self.written))
            .field("sent_close", &self.sent_close)
            .finish_non_exhaustive()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WsConnection<S> {
    /// A connection whose handshake is done; messages over `max_message`
    /// bytes fail it with 1009.
    pub fn new(io: S, max_message: usize) -> Self {
        WsConnection {
            io,
            decoder: Decoder::new(max_message),
            received: Vec::new(),
            out: Vec::new(),
            written: 0,
            sent_close: false,
            read_closed: false,
            failure: None,
        }
    }

    /// The next data or control message; `None` once the client closed the
    /// TCP connection. Pings are answered here. A protocol error sends the
    /// matching close frame and is returned once. Cancel safe.
    pub async fn next(&mut self) -> Option<Result<Message, ReadError>> {
        loop {
            if let Some(message) = self.received.pop() {
                if self.received.is_empty() {
                    // An idle connection keeps no message slots either.
                    self.received = Vec::new();
                }
                if let Message::Ping(payload) = &message {
                    encode_frame(&mut self.out, Opcode::Pong, payload);
                    if let Err(error) = self.flush().await {
                        return Some(Err(ReadError::Io(error)));
                    }
                }
                return Some(Ok(message));
            }
            if let Some(error) = self.failure.take() {
                let _ = self.close(error.close_code(), &error.to_string()).await;
                return Some(Err(ReadError::Protocol(error)));
            }
            if self.read_closed {
                return None;
            }
            if let Err(error) = poll_fn(|cx| self.poll_read_messages(cx)).await {
                self.read_closed = true;
                return Some(Err(ReadError::Io(error)));
            }
        }
    }

    /// Reads once and decodes what came: messages into `received`, a
    /// protocol error into `failure` (after them), end of stream into
    /// `read_closed`. Nothing decoded may also mean a partial frame.
    fn poll_read_messages(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut chunk = [0u8; READ_CHUNK];
        let mut buf = ReadBuf::new(&mut chunk);
        ready!(Pin::new(&mut self.io).poll_read(cx, &mut buf))?;
        let filled = buf.filled();
        if filled.is_empty() {
            self.read_closed = true;
            return Poll::Ready(Ok(()));
        }
        if let Err(error) = self.decoder.feed(filled, &mut self.received) {
            self.read_closed = true;
            self.failure = Some(error);
        }
        self.received.reverse();
        Poll::Ready(Ok(()))
    }

    /// Queues a text or binary message; nothing is written before
    /// [`flush`](Self::flush).
    pub fn feed(&mut self, opcode: Opcode, payload: &[u8]) {
        encode_frame(&mut self.out, opcode, payload);
    }

    /// Writes everything queued. Cancel safe: an interrupted flush resumes
    /// where it stopped.
    pub async fn flush(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_flush_out(cx)).await
    }

    fn poll_flush_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.out.len() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &self.out[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        // An idle connection keeps no write buffer.
        self.out = Vec::new();
        self.written = 0;
        ready!(Pin::new(&mut self.io).poll_flush(cx))?;
        Poll::Ready(Ok(()))
    }

    /// Sends a close frame (once), writes what is queued before it, and
    /// shuts the write side down.
    pub async fn close(&mut self, code: u16, reason: &str) -> io::Result<()> {
        if !self.sent_close {
            self.sent_close = true;
            encode_close(&mut self.out, code, reason);
        }
        self.flush().await?;
        poll_fn(|cx| Pin::new(&mut self.io).poll_shutdown(cx)).await
    }

    /// Answers the client's close frame with the same code, as RFC 6455
    /// asks, and shuts down.
    pub async fn answer_close(&mut self, frame: Option<&CloseFrame>) -> io::Result<()> {
        let code = frame.map_or(close_code::NORMAL, |frame| frame.code);
        self.close(code, "").await
    }
}
