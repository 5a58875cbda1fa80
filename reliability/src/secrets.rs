//! What a private key looks like in every text form it could leak in, and a
//! search for any of them in captured text (logs, `Debug` output, error
//! messages, HTTP answers).
//!
//! For each key the search looks for: the PEM text, each line of the PEM body
//! and the whole body joined, the DER in standard and URL-safe base64 (with
//! and without padding), the DER in lower- and upper-case hex; and any
//! 24-character piece of the base64 or 32-character piece (16 bytes) of the
//! hex that is not also in the public key (the modulus is public: the public
//! key may be shown), so a partial or re-wrapped leak is found too.

use std::collections::HashSet;

use antom_tower::signing::PrivateKey;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;

const BASE64_WINDOW: usize = 24;
const HEX_WINDOW: usize = 32;

/// The forms of one private key.
pub struct KeyForms {
    /// Which key.
    pub name: String,
    needles: Vec<String>,
    base64_windows: HashSet<Vec<u8>>,
    hex_windows: HashSet<Vec<u8>>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn windows(text: &str, size: usize, public: &str) -> HashSet<Vec<u8>> {
    let public: HashSet<&[u8]> = public.as_bytes().windows(size).collect();
    text.as_bytes()
        .windows(size)
        .filter(|w| !public.contains(w))
        .map(<[u8]>::to_vec)
        .collect()
}

impl KeyForms {
    /// The forms of a private key given as text (PEM or bare base64).
    pub fn of(name: &str, text: &str) -> KeyForms {
        let key = PrivateKey::parse(text).expect("a test key");
        let public = key.public_key().to_spki_der();
        let public_b64 = STANDARD.encode(&public);
        let public_hex = hex(&public);
        let mut needles = vec![text.trim().to_owned()];
        let body_lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("-----"))
            .collect();
        needles.extend(body_lines.iter().filter(|l| l.len() >= 16).map(|l| l.to_string()));
        let body = body_lines.concat();
        needles.push(body.clone());
        // The DER as written in the file, and as the library re-encodes it (PKCS#8).
        let mut ders = vec![key.to_pkcs8_der().to_vec()];
        if let Ok(der) = STANDARD.decode(&body) {
            ders.push(der);
        }
        let mut base64_windows = windows(&body, BASE64_WINDOW, &public_b64);
        let mut hex_windows = HashSet::new();
        for der in &ders {
            let encoded = [
                STANDARD.encode(der),
                STANDARD_NO_PAD.encode(der),
                URL_SAFE.encode(der),
                URL_SAFE_NO_PAD.encode(der),
            ];
            for form in &encoded {
                base64_windows.extend(windows(form, BASE64_WINDOW, &public_b64));
            }
            needles.extend(encoded);
            let lower = hex(der);
            hex_windows.extend(windows(&lower, HEX_WINDOW, &public_hex));
            needles.push(lower.to_uppercase());
            needles.push(lower);
        }
        needles.sort();
        needles.dedup();
        KeyForms {
            name: name.to_owned(),
            needles,
            base64_windows,
            hex_windows,
        }
    }

    /// How many distinct forms and pieces are searched for.
    pub fn len(&self) -> usize {
        self.needles.len() + self.base64_windows.len() + self.hex_windows.len()
    }

    /// Always false: a key has forms.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where `text` holds any form of the key: one line per finding.
    pub fn find_in(&self, text: &str) -> Vec<String> {
        let mut found = Vec::new();
        for needle in &self.needles {
            if let Some(at) = text.find(needle.as_str()) {
                found.push(format!("{}: a whole form at byte {at}", self.name));
            }
        }
        let bytes = text.as_bytes();
        if let Some(at) = bytes
            .windows(BASE64_WINDOW)
            .position(|w| self.base64_windows.contains(w))
        {
            found.push(format!(
                "{}: a piece of its base64 at byte {at}: {:?}",
                self.name,
                String::from_utf8_lossy(&bytes[at..at + BASE64_WINDOW])
            ));
        }
        let lower = text.to_ascii_lowercase();
        if let Some(at) = lower
            .as_bytes()
            .windows(HEX_WINDOW)
            .position(|w| self.hex_windows.contains(w))
        {
            found.push(format!("{}: a piece of its DER in hex at byte {at}", self.name));
        }
        found
    }
}

/// The forms of every private key the tests use: the merchant's (PKCS#8 PEM,
/// PKCS#1 PEM, bare base64), Antom's keyVersion 1 and 2, and the wrong key.
pub fn all_private_keys() -> Vec<KeyForms> {
    use antom_testkit::keys::*;
    vec![
        KeyForms::of("merchant private key (PKCS#8 PEM)", MERCHANT_PRIVATE_KEY_PEM),
        KeyForms::of("merchant private key (PKCS#1 PEM)", MERCHANT_PRIVATE_KEY_PKCS1_PEM),
        KeyForms::of("merchant private key (base64)", MERCHANT_PRIVATE_KEY_BASE64),
        KeyForms::of("Antom private key v1", ANTOM_PRIVATE_KEY_PEM),
        KeyForms::of("Antom private key v2", ANTOM_PRIVATE_KEY_V2_PEM),
        KeyForms::of("wrong private key", WRONG_PRIVATE_KEY_PEM),
    ]
}

/// Every finding of every key in `text`.
pub fn find_leaks(text: &str, keys: &[KeyForms]) -> Vec<String> {
    keys.iter().flat_map(|k| k.find_in(text)).collect()
}
