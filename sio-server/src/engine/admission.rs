//! Who may open a session: not while shutting down, and not beyond
//! `max_sessions`.
//!
//! A handshake takes a slot before it is answered (a WebSocket is answered
//! `101` before its session exists), so concurrent handshakes cannot
//! overshoot the limit; the slot goes back when the session is removed, or
//! at once if the handshake never opens its session.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::EngineError;

/// The server's count of sessions admitted, and whether it still admits.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    admitted: Arc<AtomicUsize>,
    closed: AtomicBool,
}

impl Gate {
    /// A slot for one more session, or why not.
    pub fn admit(&self, max_sessions: Option<usize>) -> Result<Admission, EngineError> {
        if self.is_closed() {
            return Err(EngineError::ShuttingDown);
        }
        let before = self.admitted.fetch_add(1, Ordering::AcqRel);
        let admission = Admission {
            admitted: Arc::clone(&self.admitted),
        };
        match max_sessions {
            Some(max) if before >= max => {
                drop(admission);
                tracing::warn!(max_sessions = max, "handshake refused: the server is at capacity");
                Err(EngineError::AtCapacity)
            }
            _ => Ok(admission),
        }
    }

    /// Admits nothing from now on (shutdown).
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }
}

/// One admitted session's slot; given back when dropped, which the session
/// does when it is removed.
#[derive(Debug)]
pub(crate) struct Admission {
    admitted: Arc<AtomicUsize>,
}

impl Drop for Admission {
    fn drop(&mut self) {
        self.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_and_given_back() {
        let gate = Gate::default();
        let first = gate.admit(Some(2)).expect("room");
        let second = gate.admit(Some(2)).expect("room");
        assert_eq!(gate.admit(Some(2)).expect_err("full"), EngineError::AtCapacity);
        drop(first);
        let third = gate.admit(Some(2)).expect("a slot was given back");
        drop((second, third));
        assert_eq!(gate.admitted.load(Ordering::Acquire), 0);
    }

    #[test]
    fn a_closed_gate_admits_nothing() {
        let gate = Gate::default();
        gate.close();
        assert_eq!(gate.admit(None).expect_err("closed"), EngineError::ShuttingDown);
        assert_eq!(gate.admitted.load(Ordering::Acquire), 0);
    }
}
