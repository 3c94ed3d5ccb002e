//! A Socket.IO packet as the tests read it: parsed here, independently of
//! the codec under test, from `<type>[<n>-][<nsp>,][<ack id>][<json>]`.

use bytes::Bytes;
use serde_json::Value as Json;

/// One Socket.IO packet received by a raw client, with its attachments.
#[derive(Debug, Clone, PartialEq)]
pub struct SioPacket {
    /// The packet type digit (`0` CONNECT .. `6` BINARY_ACK).
    pub kind: u8,
    /// The namespace (`/` when omitted).
    pub namespace: String,
    /// The ack id, if any.
    pub ack_id: Option<u64>,
    /// The JSON data, if any (placeholders left as they are).
    pub data: Option<Json>,
    /// The declared attachment count (binary packets).
    pub declared_attachments: usize,
    /// The binary attachments that followed, in order.
    pub attachments: Vec<Bytes>,
    /// The text as received.
    pub text: String,
}

impl SioPacket {
    /// Parses `text`, failing the test if it is not a well-formed packet.
    pub fn parse(text: &str) -> SioPacket {
        let mut chars = text.char_indices();
        let kind = match chars.next() {
            Some((_, c @ '0'..='6')) => c as u8 - b'0',
            _ => panic!("not a Socket.IO packet: {text:?}"),
        };
        let mut rest = &text[1..];
        let mut declared_attachments = 0;
        if kind == 5 || kind == 6 {
            let dash = rest
                .find('-')
                .unwrap_or_else(|| panic!("binary packet without attachment count: {text:?}"));
            declared_attachments = rest[..dash]
                .parse()
                .unwrap_or_else(|e| panic!("attachment count of {text:?}: {e}"));
            rest = &rest[dash + 1..];
        }
        let mut namespace = "/".to_owned();
        if rest.starts_with('/') {
            let end = rest.find(',').unwrap_or(rest.len());
            namespace = rest[..end].to_owned();
            rest = rest.get(end + 1..).unwrap_or_default();
        }
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let ack_id = if digits > 0 {
            Some(rest[..digits].parse().expect("ack id fits in u64"))
        } else {
            None
        };
        rest = &rest[digits..];
        let data = if rest.is_empty() {
            None
        } else {
            Some(serde_json::from_str(rest).unwrap_or_else(|e| panic!("data of {text:?} is not JSON: {e}")))
        };
        SioPacket {
            kind,
            namespace,
            ack_id,
            data,
            declared_attachments,
            attachments: Vec::new(),
            text: text.to_owned(),
        }
    }

    /// Whether attachments are still expected.
    pub fn awaits_attachments(&self) -> bool {
        self.attachments.len() < self.declared_attachments
    }

    /// The event name of an EVENT or BINARY_EVENT.
    pub fn event_name(&self) -> &str {
        assert!(self.kind == 2 || self.kind == 5, "not an event packet: {:?}", self.text);
        self.array()[0]
            .as_str()
            .unwrap_or_else(|| panic!("event name is not a string: {:?}", self.text))
    }

    /// The arguments of an event (after the name), or of an ack.
    pub fn args(&self) -> Vec<Json> {
        match self.kind {
            2 | 5 => self.array()[1..].to_vec(),
            3 | 6 => self.array().to_vec(),
            _ => panic!("packet {:?} has no arguments", self.text),
        }
    }

    /// The arguments with every placeholder replaced by the attachment it
    /// points to, as `{"binary": [bytes...]}`, for comparisons.
    pub fn args_with_attachments(&self) -> Vec<Json> {
        self.args().into_iter().map(|arg| self.fill(arg)).collect()
    }

    fn fill(&self, value: Json) -> Json {
        match value {
            Json::Object(map) if map.get("_placeholder") == Some(&Json::Bool(true)) => {
                let num = map
                    .get("num")
                    .and_then(Json::as_u64)
                    .unwrap_or_else(|| panic!("placeholder without num in {:?}", self.text));
                let index = usize::try_from(num).expect("num fits usize");
                let data = self
                    .attachments
                    .get(index)
                    .unwrap_or_else(|| panic!("placeholder {num} but {} attachments", self.attachments.len()));
                binary_json(data)
            }
            Json::Object(map) => Json::Object(map.into_iter().map(|(k, v)| (k, self.fill(v))).collect()),
            Json::Array(items) => Json::Array(items.into_iter().map(|v| self.fill(v)).collect()),
            other => other,
        }
    }

    /// The `sid` of a CONNECT reply.
    pub fn connect_sid(&self) -> String {
        assert_eq!(self.kind, 0, "not a CONNECT reply: {:?}", self.text);
        self.data
            .as_ref()
            .and_then(|data| data.get("sid"))
            .and_then(Json::as_str)
            .unwrap_or_else(|| panic!("CONNECT reply without sid: {:?}", self.text))
            .to_owned()
    }

    fn array(&self) -> &[Json] {
        match &self.data {
            Some(Json::Array(items)) => items,
            _ => panic!("packet data is not an array: {:?}", self.text),
        }
    }
}

/// How [`SioPacket::args_with_attachments`] shows binary data.
pub fn binary_json(data: &[u8]) -> Json {
    serde_json::json!({ "binary": data })
}

/// The placeholder object for attachment `num`.
pub fn placeholder(num: u64) -> Json {
    serde_json::json!({ "_placeholder": true, "num": num })
}
