//! [`SioService`]: the endpoint as a tower `Service`, to mount in another
//! HTTP stack (axum, or any hyper server).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Body as HttpBody;

use super::{App, AppBuilder, StartError};

/// The Socket.IO endpoint as a tower [`Service`](tower_service::Service)
/// over `http::Request<B>`. Cloning is cheap; clones share one server.
///
/// It answers requests to the configured path (`/socket.io/` by default)
/// and `404` elsewhere, WebSocket upgrades included (through
/// `hyper::upgrade::on`, so the HTTP server must keep upgrades enabled, as
/// axum's `serve` does).
///
/// # Mounting in axum
///
/// Mount it with `route_service` at the endpoint path itself,
/// `Router::new().route_service("/socket.io/", app.service())` (the request
/// path must still be `/socket.io/`; `nest_service` would strip it), and
/// call [`App::shutdown`] after the HTTP server stopped. The `sio` crate's
/// documentation has a complete example. The peer address is read from a
/// `SocketAddr` request extension, if the stack provides one.
///
/// # Registration on first request
///
/// A service made with [`AppBuilder::into_service`] builds the server (and
/// collects the consumers) on its first request; a startup error is logged
/// and every request is answered `500`, a panic while building too
/// ([`StartError::Panicked`]). [`App::service`] has built it already.
#[derive(Clone)]
pub struct SioService {
    inner: Arc<Inner>,
}

struct Inner {
    pending: Mutex<Option<AppBuilder>>,
    app: OnceLock<Result<App, StartError>>,
}

impl std::fmt::Debug for SioService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SioService")
            .field("app", &self.inner.app.get())
            .finish_non_exhaustive()
    }
}

type ResponseFuture = Pin<Box<dyn Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send>>;

impl SioService {
    pub(crate) fn lazy(builder: AppBuilder) -> Self {
        SioService {
            inner: Arc::new(Inner {
                pending: Mutex::new(Some(builder)),
                app: OnceLock::new(),
            }),
        }
    }

    pub(crate) fn ready(app: App) -> Self {
        SioService {
            inner: Arc::new(Inner {
                pending: Mutex::new(None),
                app: OnceLock::from(Ok(app)),
            }),
        }
    }

    /// The server, built now if this is the first use.
    pub fn app(&self) -> Result<&App, &StartError> {
        self.inner
            .app
            .get_or_init(|| {
                let builder = self.inner.pending.lock().unwrap_or_else(PoisonError::into_inner).take();
                // A panic while building must not leave the cell empty: the
                // builder is gone with it, and the next request would build
                // a default server, without the configured adapter, state
                // or consumers. It becomes this service's start error.
                let app = match builder {
                    Some(builder) => std::panic::catch_unwind(AssertUnwindSafe(|| builder.build()))
                        .unwrap_or_else(|panic| Err(StartError::Panicked(panic_message(panic.as_ref())))),
                    None => Err(StartError::Panicked("an earlier build was interrupted".to_owned())),
                };
                if let Err(error) = &app {
                    tracing::error!(%error, "the Socket.IO server could not start");
                }
                app
            })
            .as_ref()
    }

    /// Answers one request (the `Service` impl calls this).
    pub async fn handle<B>(&self, request: Request<B>) -> Response<Full<Bytes>>
    where
        B: HttpBody + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        match self.app() {
            Ok(app) => {
                let remote_addr = request.extensions().get::<SocketAddr>().copied();
                app.socket_io().engine().handle(request, remote_addr).await
            }
            Err(_) => {
                let mut response = Response::new(Full::new(Bytes::from_static(
                    b"the Socket.IO server could not start; see the server log",
                )));
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                response
            }
        }
    }

    /// Shuts the server down gracefully if it was built (see
    /// [`App::shutdown`]).
    pub async fn shutdown(&self) {
        if let Some(Ok(app)) = self.inner.app.get() {
            app.shutdown().await;
        }
    }
}

/// The message of a panic payload, when it has one.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|message| (*message).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

impl<B> tower_service::Service<Request<B>> for SioService
where
    B: HttpBody + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> ResponseFuture {
        let service = self.clone();
        Box::pin(async move { Ok(service.handle(request).await) })
    }
}
