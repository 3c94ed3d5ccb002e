//! `Value` with serde: `to_value`, `from_value`, the `Serialize` and
//! `Deserialize` impls, and conversions.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sio_core::Value;
use sio_core::value::{Map, ValueError, from_value, parse_json, to_value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Upload {
    name: String,
    data: Bytes,
    thumbnail: Option<Bytes>,
    tags: Vec<String>,
}

fn upload() -> Upload {
    Upload {
        name: "a.png".into(),
        data: Bytes::from_static(b"\x89PNG"),
        thumbnail: None,
        tags: vec!["x".into()],
    }
}

#[test]
fn bytes_field_serializes_to_a_binary_leaf() {
    let value = to_value(&upload()).unwrap();
    assert_eq!(value.get("data"), Some(&Value::Binary(Bytes::from_static(b"\x89PNG"))));
    assert_eq!(value.get("thumbnail"), Some(&Value::Null));
    assert!(value.has_binary());
}

#[test]
fn bytes_field_deserializes_from_a_binary_leaf() {
    let value = to_value(&upload()).unwrap();
    assert_eq!(from_value::<Upload>(value).unwrap(), upload());
}

#[test]
fn object_keys_keep_insertion_order() {
    let value = to_value(&upload()).unwrap();
    let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["name", "data", "thumbnail", "tags"]);
    let parsed = parse_json(r#"{"z":1,"a":2,"m":3}"#).unwrap();
    let keys: Vec<&str> = parsed.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["z", "a", "m"]);
}

#[test]
fn plain_byte_vectors_read_binary_leaves() {
    let value = Value::from(vec![1u8, 2, 3]);
    assert_eq!(from_value::<Vec<u8>>(value.clone()).unwrap(), vec![1, 2, 3]);
    assert_eq!(from_value::<[u8; 3]>(value).unwrap(), [1, 2, 3]);
    // And JSON arrays of numbers still read as bytes.
    let json = Value::from(json!([4, 5]));
    assert_eq!(from_value::<Bytes>(json).unwrap(), Bytes::from_static(b"\x04\x05"));
}

#[test]
fn integers_of_every_width_are_range_checked() {
    assert_eq!(from_value::<u8>(Value::from(255)).unwrap(), 255);
    assert!(from_value::<u8>(Value::from(256)).is_err());
    assert!(from_value::<u16>(Value::from(-1)).is_err());
    assert_eq!(from_value::<i8>(Value::from(-128)).unwrap(), -128);
    assert!(from_value::<i8>(Value::from(128)).is_err());
    assert_eq!(from_value::<i32>(Value::from(i32::MIN)).unwrap(), i32::MIN);
    assert!(from_value::<i32>(Value::from(i64::from(i32::MAX) + 1)).is_err());
    assert_eq!(from_value::<u64>(Value::from(u64::MAX)).unwrap(), u64::MAX);
    assert!(from_value::<i64>(Value::from(u64::MAX)).is_err());
    assert_eq!(from_value::<u128>(Value::from(7)).unwrap(), 7);
    assert!(from_value::<u32>(Value::from(1.5)).is_err());
    let err = from_value::<u8>(Value::from(300)).unwrap_err().to_string();
    assert!(err.contains("300"), "{err}");
}

#[test]
fn floats_read_integers_and_floats() {
    assert_eq!(from_value::<f64>(Value::from(1.25)).unwrap(), 1.25);
    assert_eq!(from_value::<f64>(Value::from(-3)).unwrap(), -3.0);
    assert_eq!(from_value::<f32>(Value::from(0.5)).unwrap(), 0.5);
    assert_eq!(Value::from(f64::NAN), Value::Null);
}

#[test]
fn options_read_null_as_none() {
    assert_eq!(from_value::<Option<u8>>(Value::Null).unwrap(), None);
    assert_eq!(from_value::<Option<u8>>(Value::from(3)).unwrap(), Some(3));
    assert_eq!(to_value(&None::<u8>).unwrap(), Value::Null);
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Shape {
    Empty,
    Circle(f64),
    Point(i32, i32),
    Rect { w: u32, h: u32 },
}

#[test]
fn enums_are_externally_tagged() {
    let cases = [
        (Shape::Empty, json!("Empty")),
        (Shape::Circle(1.5), json!({"Circle": 1.5})),
        (Shape::Point(1, -2), json!({"Point": [1, -2]})),
        (Shape::Rect { w: 2, h: 3 }, json!({"Rect": {"w": 2, "h": 3}})),
    ];
    for (shape, json) in cases {
        let value = Value::from(json);
        assert_eq!(to_value(&shape).unwrap(), value);
        assert_eq!(from_value::<Shape>(value).unwrap(), shape);
    }
    assert!(from_value::<Shape>(Value::from(json!({"Circle": 1, "Empty": null}))).is_err());
    assert!(from_value::<Shape>(Value::from("Hexagon")).is_err());
    assert!(from_value::<Shape>(Value::from(3)).is_err());
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Meters(f64);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Unit;

#[test]
fn newtype_and_unit_structs_are_transparent() {
    assert_eq!(to_value(&Meters(2.5)).unwrap(), Value::from(2.5));
    assert_eq!(from_value::<Meters>(Value::from(2.5)).unwrap(), Meters(2.5));
    assert_eq!(to_value(&Unit).unwrap(), Value::Null);
    assert_eq!(from_value::<Unit>(Value::Null).unwrap(), Unit);
}

#[test]
fn integer_map_keys_are_written_and_read_as_strings() {
    let map: BTreeMap<u32, bool> = [(1, true), (20, false)].into();
    let value = to_value(&map).unwrap();
    assert_eq!(value, Value::from(json!({"1": true, "20": false})));
    assert_eq!(from_value::<BTreeMap<u32, bool>>(value).unwrap(), map);
    let bad = Value::from(json!({"x": true}));
    assert!(from_value::<HashMap<u32, bool>>(bad).is_err());
    assert_eq!(
        to_value(&HashMap::from([((1, 2), 3)])),
        Err(ValueError::InvalidKey("a tuple"))
    );
}

#[test]
fn structs_reject_missing_and_mistyped_fields() {
    let missing = from_value::<Upload>(Value::from(json!({"name": "x"}))).unwrap_err();
    assert!(missing.to_string().contains("missing field"), "{missing}");
    let mistyped = from_value::<Upload>(Value::from(json!({"name": 1}))).unwrap_err();
    assert!(mistyped.to_string().contains("invalid type"), "{mistyped}");
}

#[test]
fn deserialize_any_gives_back_the_same_value() {
    let value = Value::from(vec![
        Value::Null,
        Value::from(true),
        Value::from(-7),
        Value::from(0.25),
        Value::from("s"),
        Value::from(vec![0u8, 1]),
        Value::Object(Map::from_iter([("k".to_owned(), Value::from(1))])),
    ]);
    assert_eq!(from_value::<Value>(value.clone()).unwrap(), value);
    assert_eq!(to_value(&value).unwrap(), value);
}

#[test]
fn serde_json_values_convert_both_ways() {
    let json = json!({"a": [1, -2, 3.5, "x", null, true], "b": {}});
    let value = Value::from(json.clone());
    assert_eq!(serde_json::Value::try_from(value.clone()).unwrap(), json);
    assert_eq!(serde_json::to_value(&value).unwrap(), json);
    let binary = Value::from(vec![Value::from(vec![1u8, 2])]);
    assert_eq!(serde_json::Value::try_from(binary), Err(ValueError::Binary { len: 2 }));
}

#[test]
fn conversions_from_rust_values() {
    assert_eq!(Value::from("a"), Value::String("a".into()));
    assert_eq!(Value::from(String::from("a")), "a");
    assert_eq!(Value::from(true).as_bool(), Some(true));
    assert_eq!(Value::from(5u64).as_u64(), Some(5));
    assert_eq!(Value::from(-5i64).as_i64(), Some(-5));
    assert_eq!(Value::from(0.5f64).as_f64(), Some(0.5));
    assert_eq!(Value::from(Some(1)), Value::from(1));
    assert_eq!(Value::from(None::<i32>), Value::Null);
    assert_eq!(
        Value::from(Bytes::from_static(b"x")).as_bytes(),
        Some(&Bytes::from_static(b"x"))
    );
    let array: Value = [1, 2].into_iter().map(Value::from).collect();
    assert_eq!(array.as_array().map(Vec::len), Some(2));
    let object: Value = [("k", Value::Null)].into_iter().collect();
    assert_eq!(object.get("k"), Some(&Value::Null));
}

#[test]
fn has_binary_finds_nested_leaves_only() {
    assert!(!Value::from(json!({"a": [[1, {"b": "c"}]]})).has_binary());
    let nested = Value::from(vec![Value::Null, Value::from(vec![Value::from(Bytes::new())])]);
    assert!(nested.has_binary());
    assert!(!nested.is_binary());
    assert!(Value::from(Bytes::new()).is_binary());
}
