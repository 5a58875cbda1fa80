//! The messages relay and listener exchange over the WebSocket: JSON text
//! frames, header values and bodies in base64 so that no byte is changed.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};

/// The header a listener presents its channel secret in (`Bearer <secret>`).
pub const AUTHORIZATION: &str = "authorization";

/// Headers that describe one hop's connection, not the message: not passed on.
const HOP_BY_HOP: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "upgrade",
    "proxy-connection",
    "te",
    "trailer",
];

/// A notification the relay received, as it received it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Delivery {
    /// Sequence number on this relay, answered back in [`Answer::id`].
    pub id: u64,
    /// HTTP method (POST).
    pub method: String,
    /// Path and query as Antom requested them (what Antom signed).
    pub path: String,
    /// Headers, value bytes in base64.
    pub headers: Vec<(String, String)>,
    /// The exact body, base64.
    pub body: String,
}

/// What the developer's app answered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Answer {
    /// The [`Delivery::id`] answered.
    pub id: u64,
    /// HTTP status.
    pub status: u16,
    /// Headers, value bytes in base64.
    pub headers: Vec<(String, String)>,
    /// The exact body, base64.
    pub body: String,
}

/// End-to-end headers of `map`, values base64-encoded.
pub fn encode_headers(map: &HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .filter(|(name, _)| !HOP_BY_HOP.contains(&name.as_str()))
        .map(|(name, value)| (name.as_str().to_owned(), STANDARD.encode(value.as_bytes())))
        .collect()
}

/// The headers back; malformed entries are dropped.
pub fn decode_headers(list: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in list {
        let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
            continue;
        };
        if HOP_BY_HOP.contains(&name.as_str()) {
            continue;
        }
        let Some(value) = STANDARD
            .decode(value)
            .ok()
            .and_then(|v| HeaderValue::from_bytes(&v).ok())
        else {
            continue;
        };
        map.append(name, value);
    }
    map
}

/// Base64 of a body.
pub fn encode_body(body: &[u8]) -> String {
    STANDARD.encode(body)
}

/// A body back from base64 (empty if malformed).
pub fn decode_body(body: &str) -> Bytes {
    STANDARD.decode(body).map(Bytes::from).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_bodies_round_trip_byte_for_byte() {
        let mut map = HeaderMap::new();
        map.insert(
            "signature",
            HeaderValue::from_static("algorithm=RSA256,keyVersion=1,signature=a%2Bb"),
        );
        map.insert("host", HeaderValue::from_static("relay.example"));
        map.insert("x-odd", HeaderValue::from_bytes(b"caf\xe9").unwrap());
        let back = decode_headers(&encode_headers(&map));
        assert_eq!(back.get("signature"), map.get("signature"));
        assert_eq!(back.get("x-odd").unwrap().as_bytes(), b"caf\xe9");
        assert!(back.get("host").is_none(), "hop-by-hop headers stay behind");
        let body = b"{\"a\":1}\n\x00\xff";
        assert_eq!(&decode_body(&encode_body(body))[..], body);
    }
}
