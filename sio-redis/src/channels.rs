//! The channel names of one namespace, as the npm adapter names them.

/// The Redis channels of one namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Channels {
    /// Broadcasts: `<prefix>#<namespace>#`, followed by `<room>#` when a
    /// broadcast targets exactly one room.
    pub broadcast: String,
    /// The pattern that subscribes to every broadcast channel.
    pub broadcast_pattern: String,
    /// Requests between nodes: `<prefix>-request#<namespace>#`.
    pub request: String,
    /// Responses, shared by every node: `<prefix>-response#<namespace>#`.
    pub response: String,
    /// Responses addressed to this node only: the shared one, then
    /// `<uid>#`.
    pub own_response: String,
}

impl Channels {
    pub fn new(prefix: &str, namespace: &str, uid: &str) -> Self {
        let broadcast = format!("{prefix}#{namespace}#");
        let response = format!("{prefix}-response#{namespace}#");
        Channels {
            broadcast_pattern: format!("{broadcast}*"),
            own_response: format!("{response}{uid}#"),
            broadcast,
            request: format!("{prefix}-request#{namespace}#"),
            response,
        }
    }

    /// The channel of a broadcast to `rooms`.
    pub fn broadcast_to(&self, rooms: &[impl AsRef<str>]) -> String {
        match rooms {
            [room] => format!("{}{}#", self.broadcast, room.as_ref()),
            _ => self.broadcast.clone(),
        }
    }

    /// The room a broadcast channel names (`""` for none), if the channel
    /// is one of this namespace's broadcast channels.
    pub fn room_of<'a>(&self, channel: &'a str) -> Option<&'a str> {
        channel
            .strip_prefix(self.broadcast.as_str())?
            .strip_suffix('#')
            .or(Some(""))
    }

    /// Where to answer a request from node `uid`.
    pub fn response_for(&self, uid: &str, specific: bool) -> String {
        if specific {
            format!("{}{uid}#", self.response)
        } else {
            self.response.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_npm_adapter() {
        let channels = Channels::new("socket.io", "/chat", "abc123");
        assert_eq!(channels.broadcast, "socket.io#/chat#");
        assert_eq!(channels.broadcast_pattern, "socket.io#/chat#*");
        assert_eq!(channels.request, "socket.io-request#/chat#");
        assert_eq!(channels.response, "socket.io-response#/chat#");
        assert_eq!(channels.own_response, "socket.io-response#/chat#abc123#");
        assert_eq!(channels.broadcast_to(&["lobby"]), "socket.io#/chat#lobby#");
        assert_eq!(channels.broadcast_to(&["a", "b"]), "socket.io#/chat#");
        assert_eq!(channels.broadcast_to(&[] as &[&str]), "socket.io#/chat#");
        assert_eq!(channels.response_for("xyz", true), "socket.io-response#/chat#xyz#");
        assert_eq!(channels.response_for("xyz", false), "socket.io-response#/chat#");
    }

    #[test]
    fn rooms_come_back_from_channel_names() {
        let channels = Channels::new("socket.io", "/", "u");
        assert_eq!(channels.room_of("socket.io#/#"), Some(""));
        assert_eq!(channels.room_of("socket.io#/#lobby#"), Some("lobby"));
        assert_eq!(channels.room_of("socket.io#/#a#b#"), Some("a#b"));
        assert_eq!(channels.room_of("socket.io#/chat#"), None);
    }
}
