//! The `signature` header: `algorithm=RSA256,keyVersion=1,signature=<url-encoded base64>`.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// The only algorithm Antom uses: RSA PKCS#1 v1.5 with SHA-256.
pub const ALGORITHM_RSA256: &str = "RSA256";

/// Which of a party's keys signed a message (`keyVersion`, default `1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyVersion(pub u32);

impl Default for KeyVersion {
    fn default() -> Self {
        KeyVersion(1)
    }
}

impl fmt::Display for KeyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for KeyVersion {
    type Err = SignatureHeaderError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SignatureHeaderError::InvalidKeyVersion);
        }
        s.parse()
            .map(KeyVersion)
            .map_err(|_| SignatureHeaderError::InvalidKeyVersion)
    }
}

/// A parsed `signature` header.
///
/// ```
/// use antom_tower::signing::{KeyVersion, SignatureHeader};
///
/// // Spacing and order vary between senders; all of these parse.
/// let a: SignatureHeader = "algorithm=RSA256,keyVersion=2,signature=AQID".parse()?;
/// let b: SignatureHeader = "signature=AQID, keyVersion=2, algorithm=RSA256".parse()?;
/// assert_eq!(a, b);
/// assert_eq!(a.key_version, KeyVersion(2));
/// assert_eq!(a.signature, vec![1, 2, 3]);
/// assert_eq!(a.to_string(), "algorithm=RSA256,keyVersion=2,signature=AQID");
/// # Ok::<(), antom_tower::signing::SignatureHeaderError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    /// The signer's key version.
    pub key_version: KeyVersion,
    /// The raw RSA signature bytes (already URL-decoded and base64-decoded).
    pub signature: Vec<u8>,
}

/// Why a `signature` header could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureHeaderError {
    /// The header value is empty.
    #[error("signature header is empty")]
    Empty,
    /// The header value is not visible ASCII.
    #[error("signature header contains non-ASCII or control characters")]
    NotAscii,
    /// A comma-separated part is not `name=value`.
    #[error("signature header part is not name=value")]
    MalformedPart,
    /// A parameter appears twice.
    #[error("signature header repeats the `{0}` parameter")]
    DuplicateParameter(&'static str),
    /// A parameter has an empty value.
    #[error("signature header has an empty `{0}` value")]
    EmptyValue(&'static str),
    /// No `signature=` parameter.
    #[error("signature header has no `signature=` parameter")]
    MissingSignature,
    /// No `algorithm=` parameter.
    #[error("signature header has no `algorithm=` parameter")]
    MissingAlgorithm,
    /// An algorithm other than RSA256.
    #[error("unsupported signature algorithm (only RSA256 is supported)")]
    UnsupportedAlgorithm,
    /// `keyVersion` is not a small decimal integer.
    #[error("keyVersion is not a decimal integer")]
    InvalidKeyVersion,
    /// The signature value is not valid percent-encoding.
    #[error("signature value is not valid URL encoding")]
    InvalidPercentEncoding,
    /// The signature value is not standard base64 with padding.
    #[error("signature value is not valid base64")]
    InvalidBase64,
}

impl SignatureHeader {
    /// A header for `signature` made with the key `key_version`.
    pub fn new(key_version: KeyVersion, signature: Vec<u8>) -> Self {
        Self { key_version, signature }
    }

    /// Parses a header value. Tolerates spaces around parts and any order of
    /// parameters; ignores unknown parameters (forward compatibility); rejects
    /// duplicates, empty values, a missing `signature` or `algorithm`, and any
    /// algorithm other than `RSA256`.
    pub fn parse(value: &str) -> Result<Self, SignatureHeaderError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(SignatureHeaderError::Empty);
        }
        // This runs for every notification, so the happy path makes one scan: each
        // known value is checked by its own rule (RSA256, digits, base64), which
        // refuses anything outside visible ASCII. Only when parsing fails is the
        // whole value checked, so `NotAscii` still wins over every other error.
        parse_parts(value).map_err(|error| {
            if is_visible_ascii(value.as_bytes()) {
                error
            } else {
                SignatureHeaderError::NotAscii
            }
        })
    }

    /// The signature as it goes in the header: base64, then URL-encoded.
    pub fn encoded_signature(&self) -> String {
        encode_signature_value(&self.signature)
    }
}

impl FromStr for SignatureHeader {
    type Err = SignatureHeaderError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Formats as the official libraries send it: `algorithm=RSA256,keyVersion=N,signature=...`.
impl fmt::Display for SignatureHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "algorithm={ALGORITHM_RSA256},keyVersion={},signature={}",
            self.key_version,
            self.encoded_signature()
        )
    }
}

// A signature is public, but a 344-character blob helps nobody reading a log.
impl fmt::Debug for SignatureHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureHeader")
            .field("key_version", &self.key_version)
            .field("signature_len", &self.signature.len())
            .finish()
    }
}

/// Everything but ASCII letters and digits is escaped, like Java's URLEncoder
/// for the base64 alphabet (`+` -> `%2B`, `/` -> `%2F`, `=` -> `%3D`).
const FORM_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'*');

/// Base64-encodes and URL-encodes raw signature bytes.
pub fn encode_signature_value(signature: &[u8]) -> String {
    utf8_percent_encode(&STANDARD.encode(signature), FORM_VALUE).to_string()
}

/// URL-decodes (a literal `+` stays the base64 `+`, escapes of either case
/// accepted) and base64-decodes a signature value.
///
/// One pass into a stack buffer, then one vectorized base64 decode: this runs
/// for every notification, so it avoids the intermediate allocations.
pub fn decode_signature_value(value: &str) -> Result<Vec<u8>, SignatureHeaderError> {
    // An RSA-8192 signature is 1,368 base64 characters; anything longer is not a signature.
    const MAX_BASE64: usize = 2048;
    let mut base64 = [0u8; MAX_BASE64];
    let mut len = 0;
    let mut rest = value.as_bytes();
    loop {
        // Copy the run up to the next escape in one go: most of a value is plain base64.
        let plain = memchr::memchr(b'%', rest).unwrap_or(rest.len());
        let run = base64
            .get_mut(len..len + plain)
            .ok_or(SignatureHeaderError::InvalidBase64)?;
        run.copy_from_slice(&rest[..plain]);
        len += plain;
        rest = &rest[plain..];
        if rest.is_empty() {
            break;
        }
        // percent_decode would pass a malformed escape through unchanged; be strict instead.
        let (Some(hi), Some(lo)) = (
            rest.get(1).and_then(|&b| hex_value(b)),
            rest.get(2).and_then(|&b| hex_value(b)),
        ) else {
            return Err(SignatureHeaderError::InvalidPercentEncoding);
        };
        let slot = base64.get_mut(len).ok_or(SignatureHeaderError::InvalidBase64)?;
        *slot = (hi << 4) | lo;
        len += 1;
        rest = &rest[3..];
    }
    // base64-simd: the same strict rules as `base64`'s STANDARD engine (padding
    // required, no non-canonical trailing bits), several times faster on a signature.
    base64_simd::STANDARD
        .decode_to_vec(&base64[..len])
        .map_err(|_| SignatureHeaderError::InvalidBase64)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The parameters of a trimmed, non-empty header value. Every byte outside visible
/// ASCII (and space or tab between parts) makes this fail; `parse` then reports it
/// as `NotAscii`.
fn parse_parts(value: &str) -> Result<SignatureHeader, SignatureHeaderError> {
    let mut algorithm = None;
    let mut key_version = None;
    let mut signature = None;
    for part in value.split(',') {
        let part = trim_blanks(part);
        if part.is_empty() {
            // Tolerate a trailing comma or ",," from sloppy senders.
            continue;
        }
        let (name, val) = part.split_once('=').ok_or(SignatureHeaderError::MalformedPart)?;
        let (name, val) = (trim_blanks(name), trim_blanks(val));
        let (slot, label) = if name.eq_ignore_ascii_case("signature") {
            (&mut signature, "signature")
        } else if name.eq_ignore_ascii_case("keyVersion") {
            (&mut key_version, "keyVersion")
        } else if name.eq_ignore_ascii_case("algorithm") {
            (&mut algorithm, "algorithm")
        } else if name.is_empty() {
            return Err(SignatureHeaderError::MalformedPart);
        } else if is_visible_ascii(part.as_bytes()) {
            // An unknown parameter: ignored, but it must be as clean as the rest.
            continue;
        } else {
            return Err(SignatureHeaderError::NotAscii);
        };
        if slot.is_some() {
            return Err(SignatureHeaderError::DuplicateParameter(label));
        }
        if val.is_empty() {
            return Err(SignatureHeaderError::EmptyValue(label));
        }
        *slot = Some(val);
    }
    let signature = signature.ok_or(SignatureHeaderError::MissingSignature)?;
    match algorithm {
        None => return Err(SignatureHeaderError::MissingAlgorithm),
        Some(a) if a.eq_ignore_ascii_case(ALGORITHM_RSA256) => {}
        Some(_) => return Err(SignatureHeaderError::UnsupportedAlgorithm),
    }
    let key_version = match key_version {
        Some(v) => v.parse()?,
        None => KeyVersion::default(),
    };
    Ok(SignatureHeader {
        key_version,
        signature: decode_signature_value(signature)?,
    })
}

/// Visible ASCII, space or tab: what a header value may hold here.
fn is_visible_ascii(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b.is_ascii_graphic() || b == b' ' || b == b'\t')
}

/// Trims spaces and tabs only: any other whitespace is not visible ASCII and must
/// stay, so that the part fails and is reported as `NotAscii`.
fn trim_blanks(s: &str) -> &str {
    s.trim_matches(|c| c == ' ' || c == '\t')
}
