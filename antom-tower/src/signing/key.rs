//! RSA keys in every form merchants paste from the Antom Dashboard.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use zeroize::Zeroizing;

use super::backend;
use super::content::SigningContent;
use super::header::{KeyVersion, SignatureHeader};
use super::{SignError, Signer, Verifier, VerifyError};

/// Smallest modulus Antom accepts.
pub const MIN_KEY_BITS: usize = 2048;

const PRIVATE_FORMS: &str = "an RSA private key: PKCS#8 (bare base64 as the Antom Dashboard gives it, \
     or PEM `BEGIN PRIVATE KEY`) or PKCS#1 (PEM `BEGIN RSA PRIVATE KEY`)";
const PUBLIC_FORMS: &str = "an RSA public key: X.509 SubjectPublicKeyInfo (bare base64 as the Antom Dashboard \
     gives it, or PEM `BEGIN PUBLIC KEY`) or PKCS#1 (PEM `BEGIN RSA PUBLIC KEY`)";

/// The cryptographic implementation behind a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// AWS-LC through `aws-lc-rs` (feature `aws-lc`, the default).
    #[cfg(feature = "aws-lc")]
    AwsLc,
    /// The pure-Rust `rsa` crate (feature `rsa`), signing with blinding.
    #[cfg(feature = "rsa")]
    Rsa,
}

impl Backend {
    /// Every backend compiled in, default first.
    pub const ALL: &'static [Backend] = &[
        #[cfg(feature = "aws-lc")]
        Backend::AwsLc,
        #[cfg(feature = "rsa")]
        Backend::Rsa,
    ];

    /// A short name for reports and benchmarks.
    pub fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "aws-lc")]
            Backend::AwsLc => "aws-lc-rs",
            #[cfg(feature = "rsa")]
            Backend::Rsa => "rsa",
        }
    }
}

impl Default for Backend {
    fn default() -> Self {
        Backend::ALL[0]
    }
}

/// Which key a [`KeyError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    /// A private key (the merchant's signing key, or a mock Antom's).
    Private,
    /// A public key (Antom's, used to verify responses and notifications).
    Public,
}

impl fmt::Display for KeyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyRole::Private => "private key",
            KeyRole::Public => "public key",
        })
    }
}

/// Why a key could not be loaded. Never contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Nothing but whitespace.
    #[error("{role} is empty; expected {expected}")]
    Empty {
        /// Which key.
        role: KeyRole,
        /// The accepted forms.
        expected: &'static str,
    },
    /// A `-----BEGIN` line without a matching `-----END` line, or garbage around it.
    #[error("{role}: malformed PEM (no matching -----END----- line); expected {expected}")]
    MalformedPem {
        /// Which key.
        role: KeyRole,
        /// The accepted forms.
        expected: &'static str,
    },
    /// A password-protected key.
    #[error("{role} is encrypted; export it without a password as PKCS#8")]
    Encrypted {
        /// Which key.
        role: KeyRole,
    },
    /// A PEM block of another kind (a certificate, an EC key...).
    #[error("{role}: unexpected PEM block `{label}`; expected {expected}")]
    UnexpectedPemLabel {
        /// Which key.
        role: KeyRole,
        /// The PEM label found.
        label: String,
        /// The accepted forms.
        expected: &'static str,
    },
    /// Not base64 (after removing whitespace and line breaks).
    #[error("{role} is not valid base64; expected {expected}")]
    InvalidBase64 {
        /// Which key.
        role: KeyRole,
        /// The accepted forms.
        expected: &'static str,
    },
    /// A public key where a private key was expected.
    #[error("private key: this is a public key; expected {expected}")]
    PublicKeyGiven {
        /// The accepted forms.
        expected: &'static str,
    },
    /// A private key where a public key was expected.
    #[error("public key: this is a private key, which must never be configured as a public key; expected {expected}")]
    PrivateKeyGiven {
        /// The accepted forms.
        expected: &'static str,
    },
    /// Valid base64 or PEM, but not an RSA key of an accepted form.
    #[error("{role} is not a valid RSA key; expected {expected}")]
    Malformed {
        /// Which key.
        role: KeyRole,
        /// The accepted forms.
        expected: &'static str,
    },
    /// An RSA key shorter than 2048 bits.
    #[error("{role} has {bits} bits; Antom requires RSA keys of 2048 bits or more")]
    TooSmall {
        /// Which key.
        role: KeyRole,
        /// Its modulus size.
        bits: usize,
    },
    /// The backend failed to generate a key.
    #[error("key generation failed")]
    Generation,
}

/// A merchant private key for signing requests (or a mock Antom's key for
/// signing responses and notifications).
///
/// Its `Debug` output is redacted; the key material is cleansed on drop.
///
/// ```
/// use antom_tower::signing::{PrivateKey, SigningContent};
///
/// # let pem = include_str!("../../keys/merchant_private_key.pem");
/// let key = PrivateKey::parse(pem)?;
/// let content = SigningContent::new("POST", "/ams/api/v1/payments/inquiryPayment", "CLIENT", "1700000000000", b"{}");
/// let header = key.sign_header(&content, Default::default())?;
/// assert!(header.to_string().starts_with("algorithm=RSA256,keyVersion=1,signature="));
/// assert!(format!("{key:?}").ends_with("bits: 2048, .. }"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PrivateKey {
    inner: PrivateInner,
}

enum PrivateInner {
    #[cfg(feature = "aws-lc")]
    AwsLc(backend::aws_lc::PrivateKey),
    #[cfg(feature = "rsa")]
    // Boxed: the rsa crate's key is far larger than AWS-LC's handle.
    Rsa(Box<backend::rust_rsa::PrivateKey>),
}

impl PrivateKey {
    /// Parses a private key from text: PEM (PKCS#8 or PKCS#1) or bare base64
    /// (PKCS#8 or PKCS#1 DER), with the default backend.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        Self::from_bytes_with(text.as_bytes(), Backend::default())
    }

    /// Like [`PrivateKey::parse`], also accepting raw DER bytes (a key file
    /// that is not text).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        Self::from_bytes_with(bytes, Backend::default())
    }

    /// Like [`PrivateKey::from_bytes`] with a chosen backend.
    pub fn from_bytes_with(bytes: &[u8], backend: Backend) -> Result<Self, KeyError> {
        let role = KeyRole::Private;
        let (der, label) = decode_key_bytes(bytes, role, PRIVATE_FORMS)?;
        match label {
            None | Some(PemLabel::Pkcs8Private) | Some(PemLabel::Pkcs1Private) => {}
            Some(PemLabel::Spki) | Some(PemLabel::Pkcs1Public) => {
                return Err(KeyError::PublicKeyGiven {
                    expected: PRIVATE_FORMS,
                })
            }
        }
        let inner = parse_private(&der, backend).ok_or_else(|| {
            if parse_public(&der, backend).is_some() {
                KeyError::PublicKeyGiven {
                    expected: PRIVATE_FORMS,
                }
            } else if let Some(bits) = private_modulus_bits(&der).filter(|&b| b < MIN_KEY_BITS) {
                // Some backends refuse short keys at parse time; say why.
                KeyError::TooSmall { role, bits }
            } else {
                KeyError::Malformed {
                    role,
                    expected: PRIVATE_FORMS,
                }
            }
        })?;
        let key = Self { inner };
        let bits = key.modulus_bits();
        if bits < MIN_KEY_BITS {
            return Err(KeyError::TooSmall { role, bits });
        }
        Ok(key)
    }

    /// Generates a fresh RSA-2048 key with the given backend.
    pub fn generate(backend: Backend) -> Result<Self, KeyError> {
        let inner = match backend {
            #[cfg(feature = "aws-lc")]
            Backend::AwsLc => backend::aws_lc::PrivateKey::generate().map(PrivateInner::AwsLc),
            #[cfg(feature = "rsa")]
            Backend::Rsa => backend::rust_rsa::PrivateKey::generate().map(|k| PrivateInner::Rsa(Box::new(k))),
        };
        inner.map(|inner| Self { inner }).ok_or(KeyError::Generation)
    }

    /// The backend this key runs on.
    pub fn backend(&self) -> Backend {
        match self.inner {
            #[cfg(feature = "aws-lc")]
            PrivateInner::AwsLc(_) => Backend::AwsLc,
            #[cfg(feature = "rsa")]
            PrivateInner::Rsa(_) => Backend::Rsa,
        }
    }

    /// Modulus size in bits.
    pub fn modulus_bits(&self) -> usize {
        match &self.inner {
            #[cfg(feature = "aws-lc")]
            PrivateInner::AwsLc(k) => k.modulus_bits(),
            #[cfg(feature = "rsa")]
            PrivateInner::Rsa(k) => k.modulus_bits(),
        }
    }

    /// Signs the content: RSA PKCS#1 v1.5 over its SHA-256 digest.
    pub fn sign(&self, content: &SigningContent<'_>) -> Result<Vec<u8>, SignError> {
        let signature = match &self.inner {
            #[cfg(feature = "aws-lc")]
            PrivateInner::AwsLc(k) => k.sign(content),
            #[cfg(feature = "rsa")]
            PrivateInner::Rsa(k) => k.sign(content),
        };
        signature.ok_or(SignError::Backend)
    }

    /// Signs the content and wraps the result in a `signature` header.
    pub fn sign_header(
        &self,
        content: &SigningContent<'_>,
        key_version: KeyVersion,
    ) -> Result<SignatureHeader, SignError> {
        Ok(SignatureHeader::new(key_version, self.sign(content)?))
    }

    /// The matching public key, on the same backend.
    pub fn public_key(&self) -> PublicKey {
        let der = match &self.inner {
            #[cfg(feature = "aws-lc")]
            PrivateInner::AwsLc(k) => k.public_spki_der(),
            #[cfg(feature = "rsa")]
            PrivateInner::Rsa(k) => k.public_spki_der(),
        };
        // The backend produced this DER from a valid key, so it parses back.
        der.and_then(|der| parse_public(&der, self.backend()))
            .map(|inner| PublicKey { inner })
            .expect("a valid private key has a valid public key")
    }

    /// PKCS#8 DER (for `antom keygen`), in a buffer cleansed on drop.
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        let der = match &self.inner {
            #[cfg(feature = "aws-lc")]
            PrivateInner::AwsLc(k) => k.to_pkcs8_der(),
            #[cfg(feature = "rsa")]
            PrivateInner::Rsa(k) => k.to_pkcs8_der(),
        };
        der.expect("a valid private key encodes as PKCS#8")
    }

    /// PKCS#8 PEM (`BEGIN PRIVATE KEY`), in a buffer cleansed on drop.
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        Zeroizing::new(pem_encode("PRIVATE KEY", &self.to_pkcs8_der()))
    }
}

impl Signer for PrivateKey {
    fn sign(&self, content: &SigningContent<'_>) -> Result<Vec<u8>, SignError> {
        PrivateKey::sign(self, content)
    }
}

// Never print key material, not even in part.
impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PrivateKey {{ backend: {}, bits: {}, .. }}",
            self.backend().name(),
            self.modulus_bits()
        )
    }
}

/// A public key for verifying signatures (Antom's, or the merchant's in a mock
/// Antom). Parsed once; cheap to share behind an `Arc`.
pub struct PublicKey {
    inner: PublicInner,
}

enum PublicInner {
    #[cfg(feature = "aws-lc")]
    AwsLc(backend::aws_lc::PublicKey),
    #[cfg(feature = "rsa")]
    Rsa(backend::rust_rsa::PublicKey),
}

impl PublicKey {
    /// Parses a public key from text: bare base64 or PEM of X.509
    /// SubjectPublicKeyInfo, or PEM PKCS#1 `RSA PUBLIC KEY`, with the default backend.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        Self::from_bytes_with(text.as_bytes(), Backend::default())
    }

    /// Like [`PublicKey::parse`], also accepting raw DER bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        Self::from_bytes_with(bytes, Backend::default())
    }

    /// Like [`PublicKey::from_bytes`] with a chosen backend.
    pub fn from_bytes_with(bytes: &[u8], backend: Backend) -> Result<Self, KeyError> {
        let role = KeyRole::Public;
        let (der, label) = decode_key_bytes(bytes, role, PUBLIC_FORMS)?;
        match label {
            None | Some(PemLabel::Spki) | Some(PemLabel::Pkcs1Public) => {}
            Some(PemLabel::Pkcs8Private) | Some(PemLabel::Pkcs1Private) => {
                return Err(KeyError::PrivateKeyGiven { expected: PUBLIC_FORMS })
            }
        }
        let inner = parse_public(&der, backend).ok_or_else(|| {
            if parse_private(&der, backend).is_some() {
                KeyError::PrivateKeyGiven { expected: PUBLIC_FORMS }
            } else {
                KeyError::Malformed {
                    role,
                    expected: PUBLIC_FORMS,
                }
            }
        })?;
        let key = Self { inner };
        let bits = key.modulus_bits();
        if bits < MIN_KEY_BITS {
            return Err(KeyError::TooSmall { role, bits });
        }
        Ok(key)
    }

    /// The backend this key runs on.
    pub fn backend(&self) -> Backend {
        match self.inner {
            #[cfg(feature = "aws-lc")]
            PublicInner::AwsLc(_) => Backend::AwsLc,
            #[cfg(feature = "rsa")]
            PublicInner::Rsa(_) => Backend::Rsa,
        }
    }

    /// Modulus size in bits.
    pub fn modulus_bits(&self) -> usize {
        let bits = match &self.inner {
            #[cfg(feature = "aws-lc")]
            PublicInner::AwsLc(k) => k.modulus_bits(),
            #[cfg(feature = "rsa")]
            PublicInner::Rsa(k) => k.modulus_bits(),
        };
        bits.unwrap_or(0)
    }

    /// X.509 SubjectPublicKeyInfo DER.
    pub fn to_spki_der(&self) -> Vec<u8> {
        let der = match &self.inner {
            #[cfg(feature = "aws-lc")]
            PublicInner::AwsLc(k) => k.spki_der(),
            #[cfg(feature = "rsa")]
            PublicInner::Rsa(k) => k.spki_der(),
        };
        der.expect("a valid public key encodes as SubjectPublicKeyInfo")
    }

    /// Bare base64 SubjectPublicKeyInfo, the form the Antom Dashboard shows.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.to_spki_der())
    }

    /// PEM (`BEGIN PUBLIC KEY`).
    pub fn to_pem(&self) -> String {
        pem_encode("PUBLIC KEY", &self.to_spki_der())
    }

    /// Verifies raw signature bytes over the content.
    pub fn verify(&self, content: &SigningContent<'_>, signature: &[u8]) -> Result<(), VerifyError> {
        let ok = match &self.inner {
            #[cfg(feature = "aws-lc")]
            PublicInner::AwsLc(k) => k.verify(content, signature),
            #[cfg(feature = "rsa")]
            PublicInner::Rsa(k) => k.verify(content, signature),
        };
        ok.then_some(()).ok_or(VerifyError::Mismatch)
    }
}

impl Verifier for PublicKey {
    fn verify(&self, content: &SigningContent<'_>, signature: &[u8]) -> Result<(), VerifyError> {
        PublicKey::verify(self, content, signature)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PublicKey {{ backend: {}, bits: {} }}",
            self.backend().name(),
            self.modulus_bits()
        )
    }
}

fn parse_private(der: &[u8], backend: Backend) -> Option<PrivateInner> {
    match backend {
        #[cfg(feature = "aws-lc")]
        Backend::AwsLc => backend::aws_lc::PrivateKey::from_pkcs8(der)
            .or_else(|| backend::aws_lc::PrivateKey::from_pkcs1(der))
            .map(PrivateInner::AwsLc),
        #[cfg(feature = "rsa")]
        Backend::Rsa => backend::rust_rsa::PrivateKey::from_pkcs8(der)
            .or_else(|| backend::rust_rsa::PrivateKey::from_pkcs1(der))
            .map(|k| PrivateInner::Rsa(Box::new(k))),
    }
}

fn parse_public(der: &[u8], backend: Backend) -> Option<PublicInner> {
    match backend {
        #[cfg(feature = "aws-lc")]
        Backend::AwsLc => backend::aws_lc::PublicKey::from_der(der).map(PublicInner::AwsLc),
        #[cfg(feature = "rsa")]
        Backend::Rsa => backend::rust_rsa::PublicKey::from_der(der).map(PublicInner::Rsa),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PemLabel {
    Pkcs8Private,
    Pkcs1Private,
    Spki,
    Pkcs1Public,
}

/// Turns PEM, bare base64 or raw DER into DER, remembering the PEM label.
fn decode_key_bytes(
    bytes: &[u8],
    role: KeyRole,
    expected: &'static str,
) -> Result<(Zeroizing<Vec<u8>>, Option<PemLabel>), KeyError> {
    // DER starts with a SEQUENCE tag (0x30); text keys never do.
    if bytes.first() == Some(&0x30) {
        return Ok((Zeroizing::new(bytes.to_vec()), None));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| KeyError::Malformed { role, expected })?;
    // A UTF-8 byte-order mark from a Windows editor is not part of the key.
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err(KeyError::Empty { role, expected });
    }
    if let Some(start) = text.find("-----BEGIN ") {
        let rest = &text[start + "-----BEGIN ".len()..];
        let label_end = rest.find("-----").ok_or(KeyError::MalformedPem { role, expected })?;
        let label = &rest[..label_end];
        let body = &rest[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let body_end = body
            .find(&end_marker)
            .ok_or(KeyError::MalformedPem { role, expected })?;
        let body = &body[..body_end];
        let kind = match label {
            "PRIVATE KEY" => PemLabel::Pkcs8Private,
            "RSA PRIVATE KEY" => PemLabel::Pkcs1Private,
            "PUBLIC KEY" => PemLabel::Spki,
            "RSA PUBLIC KEY" => PemLabel::Pkcs1Public,
            "ENCRYPTED PRIVATE KEY" => return Err(KeyError::Encrypted { role }),
            other => {
                let label: String = other.chars().take(40).collect();
                return Err(KeyError::UnexpectedPemLabel { role, label, expected });
            }
        };
        if body.contains("Proc-Type:") || body.contains("DEK-Info:") {
            return Err(KeyError::Encrypted { role });
        }
        return Ok((decode_base64(body, role, expected)?, Some(kind)));
    }
    Ok((decode_base64(text, role, expected)?, None))
}

fn decode_base64(text: &str, role: KeyRole, expected: &'static str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let compact: Zeroizing<Vec<u8>> = Zeroizing::new(text.bytes().filter(|b| !b.is_ascii_whitespace()).collect());
    if compact.is_empty() {
        return Err(KeyError::Empty { role, expected });
    }
    STANDARD
        .decode(&*compact)
        .map(Zeroizing::new)
        .map_err(|_| KeyError::InvalidBase64 { role, expected })
}

/// The modulus size of a PKCS#8 or PKCS#1 RSA private key, read from its DER
/// structure without a backend (only to explain a rejection).
fn private_modulus_bits(der: &[u8]) -> Option<usize> {
    // PKCS#8: SEQUENCE { INTEGER version, SEQUENCE algorithm, OCTET STRING RSAPrivateKey }
    // PKCS#1: SEQUENCE { INTEGER version, INTEGER modulus, ... }
    let (outer, _) = der_element(der, 0x30)?;
    let (_, rest) = der_element(outer, 0x02)?;
    if let Some((_, after_alg)) = der_element(rest, 0x30) {
        let (inner, _) = der_element(after_alg, 0x04)?;
        return private_modulus_bits(inner);
    }
    let (modulus, _) = der_element(rest, 0x02)?;
    let significant = modulus.iter().skip_while(|&&b| b == 0).count();
    Some(significant * 8)
}

/// Splits one DER element with the expected tag into (contents, rest).
fn der_element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = input.split_first()?;
    if first != tag {
        return None;
    }
    let (&len0, rest) = rest.split_first()?;
    let (len, rest) = if len0 < 0x80 {
        (usize::from(len0), rest)
    } else {
        let n = usize::from(len0 & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| rest.split_at(len))
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = Zeroizing::new(STANDARD.encode(der));
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        // Base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Antom's public keys by keyVersion, so a key rotation needs no downtime.
///
/// ```
/// use antom_tower::signing::{KeyVersion, PublicKey, PublicKeyRing};
///
/// # let v1 = include_str!("../../keys/antom_public_key.pem");
/// # let v2 = include_str!("../../keys/antom_public_key_v2.pem");
/// let ring = PublicKeyRing::new()
///     .with_key(KeyVersion(1), PublicKey::parse(v1)?)
///     .with_key(KeyVersion(2), PublicKey::parse(v2)?);
/// assert!(ring.get(KeyVersion(2)).is_some());
/// assert!(ring.get(KeyVersion(3)).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct PublicKeyRing {
    // Few keys (one or two during a rotation): a sorted Vec beats a map.
    keys: Vec<(KeyVersion, PublicKey)>,
}

impl PublicKeyRing {
    /// An empty ring; every verification fails until a key is added.
    pub fn new() -> Self {
        Self::default()
    }

    /// A ring holding one key as keyVersion 1.
    pub fn single(key: PublicKey) -> Self {
        Self::new().with_key(KeyVersion::default(), key)
    }

    /// Adds (or replaces) the key for a keyVersion.
    pub fn with_key(mut self, version: KeyVersion, key: PublicKey) -> Self {
        self.insert(version, key);
        self
    }

    /// Adds (or replaces) the key for a keyVersion.
    pub fn insert(&mut self, version: KeyVersion, key: PublicKey) {
        match self.keys.binary_search_by_key(&version, |(v, _)| *v) {
            Ok(i) => self.keys[i].1 = key,
            Err(i) => self.keys.insert(i, (version, key)),
        }
    }

    /// The key for a keyVersion.
    pub fn get(&self, version: KeyVersion) -> Option<&PublicKey> {
        self.keys
            .binary_search_by_key(&version, |(v, _)| *v)
            .ok()
            .map(|i| &self.keys[i].1)
    }

    /// The keyVersions held.
    pub fn versions(&self) -> impl Iterator<Item = KeyVersion> + '_ {
        self.keys.iter().map(|(v, _)| *v)
    }

    /// True when no key is held.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Verifies a parsed `signature` header with the key it names.
    pub fn verify(&self, content: &SigningContent<'_>, header: &SignatureHeader) -> Result<(), VerifyError> {
        let key = self
            .get(header.key_version)
            .ok_or(VerifyError::UnknownKeyVersion(header.key_version))?;
        key.verify(content, &header.signature)
    }

    /// Parses a `signature` header value and verifies it.
    pub fn verify_header_value(
        &self,
        content: &SigningContent<'_>,
        header_value: &str,
    ) -> Result<KeyVersion, VerifyError> {
        let header = SignatureHeader::parse(header_value)?;
        self.verify(content, &header)?;
        Ok(header.key_version)
    }
}
