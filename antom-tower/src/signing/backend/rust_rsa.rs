//! Pure-Rust backend on the `rsa` crate: no C toolchain needed.
//!
//! Signing always goes through the blinded path (`RandomizedDigestSigner`),
//! because the plain signer is exposed to the timing side channel of
//! RUSTSEC-2023-0071 (Marvin attack), which has no fixed release.

use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::signature::{DigestVerifier, RandomizedDigestSigner, SignatureEncoding};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::super::content::SigningContent;

/// A parsed RSA private key (`RsaPrivateKey` zeroizes itself on drop).
pub(crate) struct PrivateKey(SigningKey<Sha256>);

/// A parsed RSA public key.
pub(crate) struct PublicKey(VerifyingKey<Sha256>);

fn hasher(content: &SigningContent<'_>) -> Sha256 {
    let mut hasher = Sha256::new();
    content.for_each_part(|part| hasher.update(part));
    hasher
}

impl PrivateKey {
    pub(crate) fn from_pkcs8(der: &[u8]) -> Option<Self> {
        RsaPrivateKey::from_pkcs8_der(der)
            .ok()
            .map(|k| Self(SigningKey::new(k)))
    }

    pub(crate) fn from_pkcs1(der: &[u8]) -> Option<Self> {
        RsaPrivateKey::from_pkcs1_der(der)
            .ok()
            .map(|k| Self(SigningKey::new(k)))
    }

    pub(crate) fn generate() -> Option<Self> {
        RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
            .ok()
            .map(|k| Self(SigningKey::new(k)))
    }

    pub(crate) fn modulus_bits(&self) -> usize {
        self.0.as_ref().size() * 8
    }

    pub(crate) fn sign(&self, content: &SigningContent<'_>) -> Option<Vec<u8>> {
        let signature: Signature = self
            .0
            .try_sign_digest_with_rng(&mut rand::rngs::OsRng, hasher(content))
            .ok()?;
        Some(signature.to_vec())
    }

    pub(crate) fn to_pkcs8_der(&self) -> Option<Zeroizing<Vec<u8>>> {
        let doc = self.0.as_ref().to_pkcs8_der().ok()?;
        Some(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    pub(crate) fn public_spki_der(&self) -> Option<Vec<u8>> {
        let public = RsaPublicKey::from(self.0.as_ref());
        public.to_public_key_der().ok().map(|d| d.as_bytes().to_vec())
    }
}

impl PublicKey {
    /// Accepts X.509 SubjectPublicKeyInfo or PKCS#1 RSAPublicKey DER.
    pub(crate) fn from_der(der: &[u8]) -> Option<Self> {
        RsaPublicKey::from_public_key_der(der)
            .or_else(|_| RsaPublicKey::from_pkcs1_der(der))
            .ok()
            .map(|k| Self(VerifyingKey::new(k)))
    }

    pub(crate) fn modulus_bits(&self) -> Option<usize> {
        Some(self.0.as_ref().size() * 8)
    }

    pub(crate) fn spki_der(&self) -> Option<Vec<u8>> {
        self.0.as_ref().to_public_key_der().ok().map(|d| d.as_bytes().to_vec())
    }

    pub(crate) fn verify(&self, content: &SigningContent<'_>, signature: &[u8]) -> bool {
        let Ok(signature) = Signature::try_from(signature) else {
            return false;
        };
        self.0.verify_digest(hasher(content), &signature).is_ok()
    }
}
