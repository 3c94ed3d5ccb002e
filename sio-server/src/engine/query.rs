//! The Engine.IO query string: `EIO`, `transport`, `sid`.

use super::EngineError;
use crate::config::Transports;

/// A transport of Engine.IO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// HTTP long-polling.
    Polling,
    /// WebSocket.
    WebSocket,
}

impl TransportKind {
    /// The name used in the `transport` query parameter.
    pub const fn as_str(self) -> &'static str {
        match self {
            TransportKind::Polling => "polling",
            TransportKind::WebSocket => "websocket",
        }
    }
}

/// The parameters of a request to the endpoint, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EngineQuery {
    pub transport: TransportKind,
    pub sid: Option<String>,
}

impl EngineQuery {
    /// Reads and checks `EIO=4`, `transport` (one of the enabled ones) and
    /// the optional `sid`.
    pub fn parse(query: Option<&str>, enabled: Transports) -> Result<EngineQuery, EngineError> {
        let mut eio = None;
        let mut transport = None;
        let mut sid = None;
        for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            match &*key {
                "EIO" => eio = Some(value),
                "transport" => transport = Some(value),
                "sid" => sid = Some(value.into_owned()),
                _ => {}
            }
        }
        if eio.as_deref() != Some("4") {
            return Err(EngineError::UnsupportedProtocolVersion);
        }
        let transport = match transport.as_deref() {
            Some("polling") if enabled.polling => TransportKind::Polling,
            Some("websocket") if enabled.websocket => TransportKind::WebSocket,
            _ => return Err(EngineError::UnknownTransport),
        };
        Ok(EngineQuery { transport, sid })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eio_4_is_required() {
        let all = Transports::default();
        assert_eq!(
            EngineQuery::parse(Some("transport=polling"), all),
            Err(EngineError::UnsupportedProtocolVersion)
        );
        assert_eq!(
            EngineQuery::parse(Some("EIO=3&transport=polling"), all),
            Err(EngineError::UnsupportedProtocolVersion)
        );
    }

    #[test]
    fn transport_must_be_known_and_enabled() {
        let polling_only = Transports {
            polling: true,
            websocket: false,
        };
        assert_eq!(
            EngineQuery::parse(Some("EIO=4"), polling_only),
            Err(EngineError::UnknownTransport)
        );
        assert_eq!(
            EngineQuery::parse(Some("EIO=4&transport=flash"), polling_only),
            Err(EngineError::UnknownTransport)
        );
        assert_eq!(
            EngineQuery::parse(Some("EIO=4&transport=websocket"), polling_only),
            Err(EngineError::UnknownTransport)
        );
    }

    #[test]
    fn sid_is_percent_decoded() {
        let query = EngineQuery::parse(Some("EIO=4&transport=polling&sid=a%2Db&t=x"), Transports::default());
        assert_eq!(
            query,
            Ok(EngineQuery {
                transport: TransportKind::Polling,
                sid: Some("a-b".into())
            })
        );
    }
}
