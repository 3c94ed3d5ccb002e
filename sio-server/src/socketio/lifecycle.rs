//! The task that drives one socket: connect hook, events in order,
//! disconnect hook.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt as _;
use sio_core::socketio::Packet;

use super::client::ClientLink;
use super::emit::encode;
use super::handler::SocketHandler;
use super::{ConnectError, DisconnectReason, Socket};

/// The pause between the CONNECT reply and the packets the connect hook
/// emitted (see its use).
const HELD_BACK_PACING: Duration = Duration::from_millis(1);

/// Runs `socket` from its CONNECT to the end of its disconnect hook,
/// telling its client through `link` when it is accepted and when it ends.
///
/// Events come from the socket's queue in the order the client sent them
/// and run one at a time; those queued before a disconnect still run,
/// before the disconnect hook. Acknowledgements bypass this queue, so a handler awaiting one
/// is not blocked by itself.
pub(crate) async fn run(socket: Socket, mut handler: Box<dyn SocketHandler>, link: ClientLink) {
    let _live = socket.server().track_socket();
    let namespace = socket.namespace_state().clone();
    namespace.insert(&socket);
    // The socket keeps the auth payload; a copy for the hook.
    let auth = socket.auth().cloned();
    let connected = AssertUnwindSafe(socket.connect_hook(handler.connect(&socket, auth)))
        .catch_unwind()
        .await;
    let refusal = match connected {
        Ok(Ok(())) => None,
        Ok(Err(refusal)) => Some(refusal),
        Err(_) => {
            tracing::error!(
                namespace = socket.namespace(),
                "connect hook panicked; connection refused"
            );
            Some(ConnectError::new("server error"))
        }
    };
    if let Some(refusal) = refusal {
        // Forgotten before the refusal goes out, so a client retrying at
        // once is not taken for a second CONNECT of a joined namespace.
        socket.close(DisconnectReason::ServerNamespaceDisconnect);
        let dropped = socket.clear_events();
        if dropped > 0 {
            tracing::debug!(
                namespace = socket.namespace(),
                dropped,
                "events sent before a refused connect, dropped"
            );
        }
        namespace.remove(socket.id());
        link.ended(&socket);
        refuse(&socket, refusal);
        return;
    }
    // When these fail the session is closing, and its close reaches the
    // socket below: the disconnect hook still runs.
    match socket.confirm() {
        Ok(held_back) => {
            link.accepted();
            if held_back {
                // What the connect hook emitted follows the CONNECT reply
                // one timer tick later, in a write of its own, as the
                // reference server's one-write-in-flight transport sends
                // it: clients that handle one frame per read (the official
                // protocol test suite does) see both packets.
                // Boxed: a timer is large, and this one runs once.
                Box::pin(tokio::time::sleep(HELD_BACK_PACING)).await;
            }
        }
        // The connect timer keeps running: a session left with no
        // namespace is closed when it expires.
        Err(_) if socket.take_owed_goodbye() => socket.confirm_disconnected(),
        Err(_) => {}
    }
    // Boxed: it runs once, and only waits when the client is slow.
    let _ = Box::pin(socket.release()).await;
    if socket.take_owed_goodbye() {
        socket.send_goodbye();
    }
    tracing::debug!(socket = %socket.id(), namespace = socket.namespace(), "connected");
    loop {
        tokio::select! {
            biased;
            event = socket.next_event() => run_event(&mut *handler, &socket, event).await,
            _ = socket.disconnected() => break,
        }
    }
    // Forgotten by its client at once, not after the hook: a client told
    // `io server disconnect` may connect again right away, and its CONNECT
    // must start a new socket, not be taken for a duplicate of this one.
    link.ended(&socket);
    // Events accepted before the disconnect still run, in order (a client
    // may emit and leave at once); the queue takes nothing new since.
    while let Some(event) = socket.try_next_event() {
        run_event(&mut *handler, &socket, event).await;
    }
    let reason = socket.disconnected().await;
    tracing::debug!(socket = %socket.id(), namespace = socket.namespace(), %reason, "disconnected");
    if AssertUnwindSafe(handler.disconnect(&socket, reason))
        .catch_unwind()
        .await
        .is_err()
    {
        tracing::error!(namespace = socket.namespace(), "disconnect hook panicked");
    }
    socket.clear_events();
    namespace.remove(socket.id());
}

async fn run_event(handler: &mut dyn SocketHandler, socket: &Socket, event: Box<super::handler::Event>) {
    let name = event.name.clone();
    if AssertUnwindSafe(handler.event(socket, *event))
        .catch_unwind()
        .await
        .is_err()
    {
        tracing::error!(namespace = socket.namespace(), event = %name, "event handler panicked");
    }
}

fn refuse(socket: &Socket, refusal: ConnectError) {
    tracing::debug!(namespace = socket.namespace(), message = %refusal.message, "connection refused");
    let packet = Packet::connect_error(socket.namespace_str().clone(), &refusal.message, refusal.data);
    let _ = socket.session().send_group(encode(&packet));
}

#[cfg(test)]
mod future_sizes {
    fn returned<A, B, C, R>(_: impl FnOnce(A, B, C) -> R) -> usize {
        std::mem::size_of::<R>()
    }

    /// Every socket keeps this future for its whole life: its size is
    /// memory per idle connection (504 bytes when the budget was set).
    #[test]
    fn the_socket_future_stays_small() {
        let size = returned(super::run);
        assert!(
            size <= 700,
            "the socket task's future is {size} bytes, over its budget of 700"
        );
    }
}
