//! [`to_value`]: any `Serialize` type into a [`Value`], bytes kept binary.
//!
//! The serializer mirrors serde_json's `to_value` (externally tagged enums,
//! `None` and unit as `null`, integer and bool map keys as strings), with
//! two differences: `serialize_bytes` yields a [`Value::Binary`] leaf, and
//! containers may nest at most [`MAX_DEPTH`] deep, so a cyclic or runaway
//! `Serialize` impl ends in [`ValueError::TooDeep`] instead of a stack
//! overflow.

use bytes::Bytes;
use serde::ser::{self, Serialize};

use super::map_key::KeySerializer;
use super::{MAX_DEPTH, Map, Value, ValueError};

/// Serializes `value` into a [`Value`].
///
/// ```
/// use sio_core::value::{to_value, Value};
///
/// let value = to_value(&("hi", 3, bytes::Bytes::from_static(b"\x00")))?;
/// assert_eq!(value, Value::from(vec![
///     Value::from("hi"),
///     Value::from(3),
///     Value::Binary(bytes::Bytes::from_static(b"\x00")),
/// ]));
/// # Ok::<(), sio_core::value::ValueError>(())
/// ```
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, ValueError> {
    value.serialize(ValueSerializer::new())
}

/// The `serde::Serializer` behind [`to_value`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ValueSerializer {
    /// How many containers enclose the value being serialized.
    depth: usize,
}

impl ValueSerializer {
    /// A serializer for a top-level value.
    pub fn new() -> Self {
        ValueSerializer { depth: 0 }
    }

    /// The depth of a container opened here, or [`ValueError::TooDeep`].
    fn open(self) -> Result<usize, ValueError> {
        let depth = self.depth + 1;
        if depth > MAX_DEPTH {
            return Err(ValueError::TooDeep { limit: MAX_DEPTH });
        }
        Ok(depth)
    }
}

fn single_entry(key: &str, value: Value) -> Value {
    let mut map = Map::with_capacity(1);
    map.insert(key.to_owned(), value);
    Value::Object(map)
}

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = ValueError;
    type SerializeSeq = SerializeArray;
    type SerializeTuple = SerializeArray;
    type SerializeTupleStruct = SerializeArray;
    type SerializeTupleVariant = SerializeArray;
    type SerializeMap = SerializeObject;
    type SerializeStruct = SerializeObject;
    type SerializeStructVariant = SerializeObject;

    fn serialize_bool(self, v: bool) -> Result<Value, ValueError> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }
    fn serialize_i128(self, v: i128) -> Result<Value, ValueError> {
        if let Ok(v) = u64::try_from(v) {
            Ok(Value::from(v))
        } else if let Ok(v) = i64::try_from(v) {
            Ok(Value::from(v))
        } else {
            Err(ser::Error::custom(format!("number {v} out of range for JSON")))
        }
    }
    fn serialize_u8(self, v: u8) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }
    fn serialize_u128(self, v: u128) -> Result<Value, ValueError> {
        u64::try_from(v)
            .map(Value::from)
            .map_err(|_| ser::Error::custom(format!("number {v} out of range for JSON")))
    }
    fn serialize_f32(self, v: f32) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }
    fn serialize_char(self, v: char) -> Result<Value, ValueError> {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, ValueError> {
        Ok(Value::String(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, ValueError> {
        Ok(Value::Binary(Bytes::copy_from_slice(v)))
    }
    fn serialize_none(self) -> Result<Value, ValueError> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, ValueError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, ValueError> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, ValueError> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, ValueError> {
        Ok(Value::String(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value, ValueError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, ValueError> {
        let depth = self.open()?;
        let inner = value.serialize(ValueSerializer { depth })?;
        Ok(single_entry(variant, inner))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SerializeArray, ValueError> {
        Ok(SerializeArray::new(self.open()?, len, None))
    }
    fn serialize_tuple(self, len: usize) -> Result<SerializeArray, ValueError> {
        Ok(SerializeArray::new(self.open()?, Some(len), None))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SerializeArray, ValueError> {
        Ok(SerializeArray::new(self.open()?, Some(len), None))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SerializeArray, ValueError> {
        // The `{variant: [..]}` wrapper is one more level.
        let depth = ValueSerializer { depth: self.open()? }.open()?;
        Ok(SerializeArray::new(depth, Some(len), Some(variant)))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<SerializeObject, ValueError> {
        Ok(SerializeObject::new(self.open()?, len, None))
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<SerializeObject, ValueError> {
        Ok(SerializeObject::new(self.open()?, Some(len), None))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SerializeObject, ValueError> {
        let depth = ValueSerializer { depth: self.open()? }.open()?;
        Ok(SerializeObject::new(depth, Some(len), Some(variant)))
    }
}

/// Builds an array (or `{variant: [..]}` for a tuple variant).
#[derive(Debug)]
pub struct SerializeArray {
    items: Vec<Value>,
    depth: usize,
    variant: Option<&'static str>,
}

impl SerializeArray {
    fn new(depth: usize, len: Option<usize>, variant: Option<&'static str>) -> Self {
        // `len` comes from a Serialize impl, not the network; cap it anyway.
        let items = Vec::with_capacity(len.unwrap_or(0).min(1024));
        SerializeArray { items, depth, variant }
    }

    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.items.push(value.serialize(ValueSerializer { depth: self.depth })?);
        Ok(())
    }

    fn finish(self) -> Result<Value, ValueError> {
        let array = Value::Array(self.items);
        Ok(match self.variant {
            Some(variant) => single_entry(variant, array),
            None => array,
        })
    }
}

macro_rules! array_impl {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for SerializeArray {
            type Ok = Value;
            type Error = ValueError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
                self.push(value)
            }
            fn end(self) -> Result<Value, ValueError> {
                self.finish()
            }
        }
    };
}

array_impl!(SerializeSeq, serialize_element);
array_impl!(SerializeTuple, serialize_element);
array_impl!(SerializeTupleStruct, serialize_field);
array_impl!(SerializeTupleVariant, serialize_field);

/// Builds an object (or `{variant: {..}}` for a struct variant).
#[derive(Debug)]
pub struct SerializeObject {
    map: Map,
    next_key: Option<String>,
    depth: usize,
    variant: Option<&'static str>,
}

impl SerializeObject {
    fn new(depth: usize, len: Option<usize>, variant: Option<&'static str>) -> Self {
        let map = Map::with_capacity(len.unwrap_or(0).min(1024));
        SerializeObject {
            map,
            next_key: None,
            depth,
            variant,
        }
    }

    fn insert<T: Serialize + ?Sized>(&mut self, key: String, value: &T) -> Result<(), ValueError> {
        let value = value.serialize(ValueSerializer { depth: self.depth })?;
        self.map.insert(key, value);
        Ok(())
    }

    fn finish(self) -> Result<Value, ValueError> {
        let object = Value::Object(self.map);
        Ok(match self.variant {
            Some(variant) => single_entry(variant, object),
            None => object,
        })
    }
}

impl ser::SerializeMap for SerializeObject {
    type Ok = Value;
    type Error = ValueError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ValueError> {
        self.next_key = Some(key.serialize(KeySerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        let key = self
            .next_key
            .take()
            .ok_or_else(|| ser::Error::custom("serialize_value called before serialize_key"))?;
        self.insert(key, value)
    }
    fn end(self) -> Result<Value, ValueError> {
        self.finish()
    }
}

impl ser::SerializeStruct for SerializeObject {
    type Ok = Value;
    type Error = ValueError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), ValueError> {
        self.insert(key.to_owned(), value)
    }
    fn end(self) -> Result<Value, ValueError> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for SerializeObject {
    type Ok = Value;
    type Error = ValueError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), ValueError> {
        self.insert(key.to_owned(), value)
    }
    fn end(self) -> Result<Value, ValueError> {
        self.finish()
    }
}
