//! Object keys: JSON keys are strings, Rust map keys need not be.
//!
//! [`KeySerializer`] writes string, char, bool and integer keys as text
//! (as serde_json does) and refuses the rest with
//! [`ValueError::InvalidKey`]; [`MapKey`] reads them back, parsing the text
//! when the target key type is a bool or an integer.

use serde::de::value::StringDeserializer;
use serde::de::{self, IntoDeserializer, Unexpected, Visitor};
use serde::forward_to_deserialize_any;
use serde::ser::{self, Impossible, Serialize};

use super::ValueError;

/// Serializes a map key to the string JSON uses for it.
pub(crate) struct KeySerializer;

macro_rules! key_via_to_string {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<String, ValueError> {
            Ok(v.to_string())
        }
    )*};
}

macro_rules! key_rejected {
    ($($method:ident($($arg:ty),*) -> $ok:ty => $kind:literal),*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<$ok, ValueError> {
            Err(ValueError::InvalidKey($kind))
        }
    )*};
}

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = ValueError;
    type SerializeSeq = Impossible<String, ValueError>;
    type SerializeTuple = Impossible<String, ValueError>;
    type SerializeTupleStruct = Impossible<String, ValueError>;
    type SerializeTupleVariant = Impossible<String, ValueError>;
    type SerializeMap = Impossible<String, ValueError>;
    type SerializeStruct = Impossible<String, ValueError>;
    type SerializeStructVariant = Impossible<String, ValueError>;

    key_via_to_string!(
        serialize_bool: bool, serialize_char: char,
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128
    );
    key_rejected!(
        serialize_f32(f32) -> String => "a float",
        serialize_f64(f64) -> String => "a float",
        serialize_bytes(&[u8]) -> String => "bytes",
        serialize_none() -> String => "None",
        serialize_unit() -> String => "()",
        serialize_unit_struct(&'static str) -> String => "a unit struct",
        serialize_seq(Option<usize>) -> Self::SerializeSeq => "a sequence",
        serialize_tuple(usize) -> Self::SerializeTuple => "a tuple",
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct
            => "a tuple struct",
        serialize_tuple_variant(&'static str, u32, &'static str, usize)
            -> Self::SerializeTupleVariant => "a tuple variant",
        serialize_map(Option<usize>) -> Self::SerializeMap => "a map",
        serialize_struct(&'static str, usize) -> Self::SerializeStruct => "a struct",
        serialize_struct_variant(&'static str, u32, &'static str, usize)
            -> Self::SerializeStructVariant => "a struct variant"
    );

    fn serialize_str(self, v: &str) -> Result<String, ValueError> {
        Ok(v.to_owned())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, ValueError> {
        value.serialize(self)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, ValueError> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, ValueError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, ValueError> {
        Err(ValueError::InvalidKey("a newtype variant"))
    }
}

/// An object key: a string that integer and bool targets parse, as JSON
/// keys carry numbers as text (`{"1": ..}` into a `HashMap<u32, _>`).
pub(crate) struct MapKey(pub(crate) String);

impl<'de> IntoDeserializer<'de, ValueError> for MapKey {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

macro_rules! parse_key {
    ($($method:ident => $visit:ident: $ty:ty),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            match self.0.parse::<$ty>() {
                Ok(parsed) => visitor.$visit(parsed),
                Err(_) => Err(de::Error::invalid_type(Unexpected::Str(&self.0), &visitor)),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for MapKey {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_string(self.0)
    }

    parse_key!(
        deserialize_bool => visit_bool: bool,
        deserialize_i8 => visit_i8: i8, deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32, deserialize_i64 => visit_i64: i64,
        deserialize_i128 => visit_i128: i128,
        deserialize_u8 => visit_u8: u8, deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32, deserialize_u64 => visit_u64: u64,
        deserialize_u128 => visit_u128: u128
    );

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        let variant: StringDeserializer<ValueError> = self.0.into_deserializer();
        visitor.visit_enum(variant)
    }

    forward_to_deserialize_any! {
        f32 f64 char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}
