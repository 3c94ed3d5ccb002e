use serde::Serialize;

/// The data of the `open` packet sent at the start of every session.
///
/// It serializes to exactly the five keys the clients read:
/// `{"sid":..,"upgrades":[..],"pingInterval":..,"pingTimeout":..,"maxPayload":..}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenPacket {
    /// The Engine.IO session id.
    pub sid: String,
    /// The transports the session may upgrade to (`["websocket"]` on
    /// polling, `[]` on WebSocket).
    pub upgrades: Vec<&'static str>,
    /// Milliseconds between two server pings.
    pub ping_interval: u64,
    /// Milliseconds the server waits for a pong before closing.
    pub ping_timeout: u64,
    /// The largest payload, in bytes, the server accepts.
    pub max_payload: u64,
}

impl OpenPacket {
    /// The JSON text of the packet's data.
    pub fn to_json(&self) -> String {
        // Serializing a struct of strings and integers into a String cannot
        // fail; the fallback keeps the codec panic-free regardless.
        serde_json::to_string(self).unwrap_or_default()
    }
}
