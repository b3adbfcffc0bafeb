//! [`Json`]: the JSON document every Baton layer passes around.
//!
//! A state's input, its result, variables and history payloads are the same document seen at
//! different steps. Arrays, objects and strings are reference counted, so cloning a document (or
//! any part of it) is O(1), and a change (`ResultPath`, `Assign`) copies only the containers on
//! the path it changes: the rest stays shared with every earlier version. That structural sharing
//! is what lets the interpreter record an input and an output per transition without deep copies.

use indexmap::IndexMap;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::fmt;
use std::sync::Arc;

pub use serde_json::Number;

/// An object's members, in document order.
pub type Map = IndexMap<Arc<str>, Json>;

/// A JSON value whose containers and strings are shared by reference count.
#[derive(Clone, Default)]
pub enum Json {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as serde_json represents it (integers stay exact).
    Number(Number),
    /// A string.
    String(Arc<str>),
    /// An array.
    Array(Arc<Vec<Json>>),
    /// An object, members in document order.
    Object(Arc<Map>),
}

static NULL: Json = Json::Null;

impl Json {
    /// An empty object.
    pub fn object() -> Json {
        Json::Object(Arc::new(Map::new()))
    }

    /// An object made of these members.
    pub fn from_map(map: Map) -> Json {
        Json::Object(Arc::new(map))
    }

    /// An array made of these items.
    pub fn from_vec(items: Vec<Json>) -> Json {
        Json::Array(Arc::new(items))
    }

    /// A string.
    pub fn string(s: &str) -> Json {
        Json::String(Arc::from(s))
    }

    /// A number from an `f64`; `null` for NaN and infinities, which JSON cannot hold.
    pub fn from_f64(f: f64) -> Json {
        Number::from_f64(f).map_or(Json::Null, Json::Number)
    }

    /// Parses JSON text.
    pub fn parse(text: &str) -> Result<Json, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// `true` for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// `true` for a string.
    pub fn is_string(&self) -> bool {
        matches!(self, Json::String(_))
    }

    /// `true` for a number.
    pub fn is_number(&self) -> bool {
        matches!(self, Json::Number(_))
    }

    /// `true` for `true` or `false`.
    pub fn is_boolean(&self) -> bool {
        matches!(self, Json::Bool(_))
    }

    /// `true` for an array.
    pub fn is_array(&self) -> bool {
        matches!(self, Json::Array(_))
    }

    /// `true` for an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Json::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number as `f64`, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().and_then(Number::as_f64)
    }

    /// The number as `i64`, if this is an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// The number as `u64`, if this is a non-negative integer that fits.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number().and_then(Number::as_u64)
    }

    /// The items, if this is an array.
    pub fn as_array(&self) -> Option<&Vec<Json>> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Json::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The items for changing, copying the array first if it is shared.
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Json>> {
        match self {
            Json::Array(a) => Some(Arc::make_mut(a)),
            _ => None,
        }
    }

    /// The members for changing, copying the object's top level first if it is shared.
    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Json::Object(o) => Some(Arc::make_mut(o)),
            _ => None,
        }
    }

    /// Sets an object's member (`null` becomes an empty object first). Returns `false`, changing
    /// nothing, when this is neither an object nor `null`.
    pub fn set(&mut self, key: &str, value: impl Into<Json>) -> bool {
        if self.is_null() {
            *self = Json::object();
        }
        match self.as_object_mut() {
            Some(map) => {
                map.insert(Arc::from(key), value.into());
                true
            }
            None => false,
        }
    }

    /// An object's member.
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.as_object().and_then(|o| o.get(key))
    }

    /// JSON's name for this value's type: `null`, `boolean`, `number`, `string`, `array`, `object`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    /// `true` when both are the same shared container (or equal scalars): a cheap first test.
    pub fn ptr_eq(&self, other: &Json) -> bool {
        match (self, other) {
            (Json::Array(a), Json::Array(b)) => Arc::ptr_eq(a, b),
            (Json::Object(a), Json::Object(b)) => Arc::ptr_eq(a, b),
            (Json::String(a), Json::String(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// The compact JSON text.
    pub fn to_json_string(&self) -> String {
        let mut out = String::new();
        write_compact(self, &mut out);
        out
    }

    /// Appends the compact JSON text to `out`.
    pub fn write_json(&self, out: &mut String) {
        write_compact(self, out);
    }

    /// The length in bytes of the compact JSON text, without building it.
    pub fn json_len(&self) -> usize {
        let mut count = Counter(0);
        measure(self, &mut count);
        count.0
    }

    /// Whether the compact JSON text is at most `limit` bytes. A quick upper bound (no number
    /// formatting, no string scanning) settles most cases; the exact length is computed only
    /// when the bound exceeds the limit.
    pub fn json_len_within(&self, limit: usize) -> bool {
        upper_bound(self) <= limit || self.json_len() <= limit
    }

    /// A `serde_json::Value` copy (deep).
    pub fn to_value(&self) -> serde_json::Value {
        match self {
            Json::Null => serde_json::Value::Null,
            Json::Bool(b) => serde_json::Value::Bool(*b),
            Json::Number(n) => serde_json::Value::Number(n.clone()),
            Json::String(s) => serde_json::Value::String(s.to_string()),
            Json::Array(a) => serde_json::Value::Array(a.iter().map(Json::to_value).collect()),
            Json::Object(o) => serde_json::Value::Object(
                o.iter()
                    .map(|(k, v)| (k.to_string(), v.to_value()))
                    .collect(),
            ),
        }
    }
}

struct Counter(usize);

impl fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

/// At least the compact text's length: numbers count as 24 bytes (the longest `f64` or
/// `u64` text), strings as if every byte were escaped.
fn upper_bound(v: &Json) -> usize {
    match v {
        Json::Null | Json::Bool(_) => 5,
        Json::Number(_) => 24,
        Json::String(s) => 2 + 6 * s.len(),
        Json::Array(a) => a
            .iter()
            .fold(2 + a.len(), |n, item| n.saturating_add(upper_bound(item))),
        Json::Object(o) => o.iter().fold(2 + o.len(), |n, (k, item)| {
            n.saturating_add(3 + 6 * k.len())
                .saturating_add(upper_bound(item))
        }),
    }
}

fn string_len(s: &str) -> usize {
    let mut n = 2;
    for b in s.bytes() {
        n += match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0..0x20 => 6,
            _ => 1,
        };
    }
    n
}

fn measure(v: &Json, count: &mut Counter) {
    use fmt::Write;
    match v {
        Json::Null => count.0 += 4,
        Json::Bool(true) => count.0 += 4,
        Json::Bool(false) => count.0 += 5,
        Json::Number(n) => {
            let _ = write!(count, "{n}");
        }
        Json::String(s) => count.0 += string_len(s),
        Json::Array(a) => {
            count.0 += 2 + a.len().saturating_sub(1);
            for item in a.iter() {
                measure(item, count);
            }
        }
        Json::Object(o) => {
            count.0 += 2 + o.len().saturating_sub(1);
            for (k, item) in o.iter() {
                count.0 += string_len(k) + 1;
                measure(item, count);
            }
        }
    }
}

/// Appends `s` as a JSON string literal (quoted, escaped as `serde_json` escapes) to `out`.
pub fn write_string_literal(s: &str, out: &mut String) {
    write_string(s, out);
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            use fmt::Write;
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

fn write_compact(v: &Json, out: &mut String) {
    use fmt::Write;
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Json::String(s) => write_string(s, out),
        Json::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_compact(item, out);
            }
            out.push(']');
        }
        Json::Object(o) => {
            out.push('{');
            for (i, (k, item)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_compact(item, out);
            }
            out.push('}');
        }
    }
}

impl fmt::Display for Json {
    /// Compact JSON text; `{:#}` pretty-prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            let text = serde_json::to_string_pretty(self).map_err(|_| fmt::Error)?;
            f.write_str(&text)
        } else {
            f.write_str(&self.to_json_string())
        }
    }
}

impl fmt::Debug for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl PartialEq for Json {
    fn eq(&self, other: &Json) -> bool {
        match (self, other) {
            (Json::Null, Json::Null) => true,
            (Json::Bool(a), Json::Bool(b)) => a == b,
            (Json::Number(a), Json::Number(b)) => a == b,
            (Json::String(a), Json::String(b)) => a == b,
            (Json::Array(a), Json::Array(b)) => Arc::ptr_eq(a, b) || a == b,
            (Json::Object(a), Json::Object(b)) => Arc::ptr_eq(a, b) || a == b,
            _ => false,
        }
    }
}

impl Eq for Json {}

impl PartialEq<serde_json::Value> for Json {
    fn eq(&self, other: &serde_json::Value) -> bool {
        use serde_json::Value as V;
        match (self, other) {
            (Json::Null, V::Null) => true,
            (Json::Bool(a), V::Bool(b)) => a == b,
            (Json::Number(a), V::Number(b)) => a == b,
            (Json::String(a), V::String(b)) => **a == **b,
            (Json::Array(a), V::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
            }
            (Json::Object(a), V::Object(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(&**k).is_some_and(|w| v == w))
            }
            _ => false,
        }
    }
}

impl PartialEq<Json> for serde_json::Value {
    fn eq(&self, other: &Json) -> bool {
        other == self
    }
}

impl std::ops::Index<&str> for Json {
    type Output = Json;
    /// An object's member, or `null` when absent (as serde_json does).
    fn index(&self, key: &str) -> &Json {
        self.get(key).unwrap_or(&NULL)
    }
}

impl std::ops::Index<usize> for Json {
    type Output = Json;
    /// An array's item, or `null` when absent (as serde_json does).
    fn index(&self, index: usize) -> &Json {
        self.as_array().and_then(|a| a.get(index)).unwrap_or(&NULL)
    }
}

impl From<serde_json::Value> for Json {
    fn from(v: serde_json::Value) -> Json {
        use serde_json::Value as V;
        match v {
            V::Null => Json::Null,
            V::Bool(b) => Json::Bool(b),
            V::Number(n) => Json::Number(n),
            V::String(s) => Json::String(Arc::from(s)),
            V::Array(a) => Json::Array(Arc::new(a.into_iter().map(Json::from).collect())),
            V::Object(o) => Json::Object(Arc::new(
                o.into_iter()
                    .map(|(k, v)| (Arc::from(k), Json::from(v)))
                    .collect(),
            )),
        }
    }
}

impl From<&serde_json::Value> for Json {
    fn from(v: &serde_json::Value) -> Json {
        use serde_json::Value as V;
        match v {
            V::Null => Json::Null,
            V::Bool(b) => Json::Bool(*b),
            V::Number(n) => Json::Number(n.clone()),
            V::String(s) => Json::string(s),
            V::Array(a) => Json::Array(Arc::new(a.iter().map(Json::from).collect())),
            V::Object(o) => Json::Object(Arc::new(
                o.iter()
                    .map(|(k, v)| (Arc::from(k.as_str()), Json::from(v)))
                    .collect(),
            )),
        }
    }
}

impl From<Json> for serde_json::Value {
    fn from(v: Json) -> serde_json::Value {
        v.to_value()
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Json {
        Json::Bool(b)
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Json {
        Json::string(s)
    }
}

impl From<String> for Json {
    fn from(s: String) -> Json {
        Json::String(Arc::from(s))
    }
}

impl From<Arc<str>> for Json {
    fn from(s: Arc<str>) -> Json {
        Json::String(s)
    }
}

impl From<i64> for Json {
    fn from(n: i64) -> Json {
        Json::Number(n.into())
    }
}

impl From<u64> for Json {
    fn from(n: u64) -> Json {
        Json::Number(n.into())
    }
}

impl From<i32> for Json {
    fn from(n: i32) -> Json {
        Json::Number(n.into())
    }
}

impl From<u32> for Json {
    fn from(n: u32) -> Json {
        Json::Number(n.into())
    }
}

impl From<usize> for Json {
    fn from(n: usize) -> Json {
        Json::Number(n.into())
    }
}

impl From<f64> for Json {
    fn from(f: f64) -> Json {
        Json::from_f64(f)
    }
}

impl From<Number> for Json {
    fn from(n: Number) -> Json {
        Json::Number(n)
    }
}

impl From<Vec<Json>> for Json {
    fn from(items: Vec<Json>) -> Json {
        Json::from_vec(items)
    }
}

impl From<Map> for Json {
    fn from(map: Map) -> Json {
        Json::from_map(map)
    }
}

impl FromIterator<Json> for Json {
    fn from_iter<I: IntoIterator<Item = Json>>(iter: I) -> Json {
        Json::from_vec(iter.into_iter().collect())
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Number(n) => n.serialize(serializer),
            Json::String(s) => serializer.serialize_str(s),
            Json::Array(a) => {
                let mut seq = serializer.serialize_seq(Some(a.len()))?;
                for item in a.iter() {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(o) => {
                let mut map = serializer.serialize_map(Some(o.len()))?;
                for (k, v) in o.iter() {
                    map.serialize_entry(&**k, v)?;
                }
                map.end()
            }
        }
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Json, E> {
        Ok(Json::from_f64(f))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Json, E> {
        Ok(Json::string(s))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Json, E> {
        Ok(Json::from(s))
    }

    fn visit_none<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        Deserialize::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::from_vec(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Json, A::Error> {
        let mut map = Map::with_capacity(access.size_hint().unwrap_or(0).min(4096));
        while let Some((k, v)) = access.next_entry::<String, Json>()? {
            // Later duplicates win, as in serde_json.
            map.insert(Arc::from(k), v);
        }
        Ok(Json::from_map(map))
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

impl std::str::FromStr for Json {
    type Err = serde_json::Error;
    fn from_str(s: &str) -> Result<Json, serde_json::Error> {
        Json::parse(s)
    }
}

#[doc(hidden)]
pub use serde_json as __serde_json;

/// Builds a [`Json`] with `serde_json::json!` syntax.
#[macro_export]
macro_rules! json {
    ($($t:tt)+) => {
        $crate::Json::from($crate::__serde_json::json!($($t)+))
    };
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json as sj;

    fn sample() -> serde_json::Value {
        sj!({"a": [1, 2.5, -3, "x\"y\n\u{1}", true, null, {"b": {}}], "é": "ünï", "n": 1e300, "big": u64::MAX})
    }

    #[test]
    fn text_and_length_match_serde_json() {
        let v = sample();
        let j = Json::from(&v);
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(j.to_json_string(), text);
        assert_eq!(j.json_len(), text.len());
        assert!(j.json_len_within(text.len()));
        assert!(!j.json_len_within(text.len() - 1));
        assert_eq!(serde_json::to_string(&j).unwrap(), text);
        assert_eq!(j.to_value(), v);
        assert_eq!(Json::parse(&text).unwrap(), j);
        assert_eq!(j, v);
    }

    #[test]
    fn changes_copy_only_the_path() {
        let original =
            Json::from(sj!({"order": {"items": [1, 2, 3]}, "customer": {"name": "Ada"}}));
        let mut changed = original.clone();
        changed
            .as_object_mut()
            .unwrap()
            .insert("last".into(), Json::from(1));
        assert_eq!(original.as_object().unwrap().len(), 2);
        assert_eq!(changed.as_object().unwrap().len(), 3);
        // The untouched members are still shared.
        assert!(original["order"].ptr_eq(&changed["order"]));
        assert!(original["customer"].ptr_eq(&changed["customer"]));
    }

    #[test]
    fn index_and_accessors() {
        let j = Json::from(sample());
        assert_eq!(j["a"][1].as_f64(), Some(2.5));
        assert_eq!(j["a"][0].as_i64(), Some(1));
        assert!(j["missing"]["deeper"].is_null());
        assert_eq!(j["é"].as_str(), Some("ünï"));
        assert_eq!(j["a"].type_name(), "array");
        assert_eq!(Json::from_f64(f64::NAN), Json::Null);
        assert_eq!(
            format!("{:#}", Json::from(sj!({"a": 1}))),
            "{\n  \"a\": 1\n}"
        );
    }
}
