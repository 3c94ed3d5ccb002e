//! [`Str`]: shared, immutable UTF-8 text.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;

/// Immutable UTF-8 text backed by [`Bytes`].
///
/// Cloning is a reference-count increment, and slicing shares the buffer, so
/// a packet decoded from a frame can point into that frame, and an encoded
/// broadcast can be handed to many sessions without copying.
///
/// The invariant (the bytes are valid UTF-8) is checked on every constructor
/// that takes bytes.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Str(Bytes);

impl Str {
    /// An empty string.
    pub const fn new() -> Self {
        Str(Bytes::new())
    }

    /// A string from a `'static` literal, without allocating.
    pub const fn from_static(text: &'static str) -> Self {
        Str(Bytes::from_static(text.as_bytes()))
    }

    /// Validates `bytes` as UTF-8 and wraps them without copying.
    pub fn from_utf8(bytes: Bytes) -> Result<Self, std::str::Utf8Error> {
        std::str::from_utf8(&bytes)?;
        Ok(Str(bytes))
    }

    /// Wraps `bytes` that the caller knows to be valid UTF-8, without
    /// checking them again (for text that a WebSocket library already
    /// validated, say).
    ///
    /// # Safety
    /// `bytes` must be valid UTF-8; every other method relies on it.
    #[allow(unsafe_code)]
    pub unsafe fn from_utf8_unchecked(bytes: Bytes) -> Self {
        Str(bytes)
    }

    /// The text.
    #[allow(unsafe_code)]
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor admits only valid UTF-8 (checked, or
        // promised by the caller of `from_utf8_unchecked`), and the slicing
        // methods only cut at char boundaries (`slice_ref` takes a `&str`
        // inside `self`, `tail` checks `is_char_boundary`).
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// The underlying bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The underlying [`Bytes`], sharing the buffer.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Returns a `Str` for `subset`, which must be a slice of `self.as_str()`,
    /// sharing the buffer.
    ///
    /// # Panics
    /// When `subset` does not lie within `self` (a programming error, never a
    /// property of input data).
    pub fn slice_ref(&self, subset: &str) -> Str {
        Str(self.0.slice_ref(subset.as_bytes()))
    }

    /// The text from byte offset `start` on, sharing the buffer.
    ///
    /// Returns `None` when `start` is not on a char boundary or out of range.
    pub fn tail(&self, start: usize) -> Option<Str> {
        let text = self.as_str();
        text.is_char_boundary(start).then(|| Str(self.0.slice(start..)))
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

// Hashes like `str`, so that `Borrow<str>` holds its contract and maps keyed
// by `Str` can be queried with `&str`.
impl std::hash::Hash for Str {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl std::borrow::Borrow<str> for Str {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Str {
    fn from(text: String) -> Self {
        Str(Bytes::from(text))
    }
}

impl From<&'static str> for Str {
    fn from(text: &'static str) -> Self {
        Str::from_static(text)
    }
}

impl From<Str> for Bytes {
    fn from(text: Str) -> Self {
        text.0
    }
}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
