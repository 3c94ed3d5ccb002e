//! Session ids.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;

/// An Engine.IO session id: 128 bits from a CSPRNG (rand's thread-local
/// ChaCha generator, seeded and periodically reseeded by the operating
/// system), base64url without padding (22 characters).
///
/// The Socket.IO layer draws its socket ids from the same generator.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sid(std::sync::Arc<str>);

impl Sid {
    /// A fresh, unguessable id.
    pub fn generate() -> Sid {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        Sid(URL_SAFE_NO_PAD.encode(bytes).into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sid({})", self.0)
    }
}

/// An id received from elsewhere, such as a socket id another node of a
/// cluster reported. It is only as unguessable as its source made it.
impl From<&str> for Sid {
    fn from(id: &str) -> Sid {
        Sid(id.into())
    }
}

impl std::borrow::Borrow<str> for Sid {
    fn borrow(&self) -> &str {
        &self.0
    }
}
