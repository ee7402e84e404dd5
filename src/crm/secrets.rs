//! CRM credentials at rest: AES-256-GCM under `CRM_SECRETS_KEY`, a fresh 96-bit nonce per sealing, and the key's
//! id stored next to the ciphertext so that after a rotation rows sealed under `CRM_SECRETS_PREVIOUS_KEY` still
//! open (and the CRM job re-seals them under the current key).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::config::{Secret, EXAMPLE_SECRETS};

const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 12;

/// Why a configured key is unusable, if it is.
pub fn key_problem(encoded: &str) -> Option<String> {
    if let Some((file, _)) = EXAMPLE_SECRETS
        .iter()
        .find(|(_, example)| *example == encoded)
    {
        return Some(format!("это образец из {file}"));
    }
    match base64::engine::general_purpose::STANDARD.decode(encoded.trim()) {
        Ok(bytes) if bytes.len() == KEY_BYTES => None,
        Ok(bytes) => Some(format!(
            "нужно ровно {KEY_BYTES} байт в base64, а здесь {}",
            bytes.len()
        )),
        Err(_) => Some("это не base64".into()),
    }
}

/// Ciphertext, nonce and the id of the key that sealed it, as stored in `crm_connections`.
#[derive(Debug, Clone)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("учётные данные зашифрованы ключом {0}, которого нет ни в CRM_SECRETS_KEY, ни в CRM_SECRETS_PREVIOUS_KEY")]
    UnknownKey(String),
    #[error("учётные данные не расшифровываются: запись повреждена или ключ подменён")]
    Corrupted,
}

struct Key {
    id: String,
    cipher: Aes256Gcm,
}

impl Key {
    fn new(encoded: &Secret) -> Self {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.expose().trim())
            .expect("CRM keys are validated when the settings are read");
        let id = Sha256::digest(&bytes)[..8]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        let cipher = Aes256Gcm::new_from_slice(&bytes).expect("a 32-byte key");
        Self { id, cipher }
    }
}

pub struct SecretBox {
    current: Key,
    previous: Option<Key>,
}

impl SecretBox {
    pub fn new(current: &Secret, previous: Option<&Secret>) -> Self {
        Self {
            current: Key::new(current),
            previous: previous.map(Key::new),
        }
    }

    pub fn current_key_id(&self) -> &str {
        &self.current.id
    }

    pub fn seal(&self, plaintext: &[u8]) -> Sealed {
        let nonce: [u8; NONCE_BYTES] = rand::random();
        let ciphertext = self
            .current
            .cipher
            .encrypt(&Nonce::from(nonce), plaintext)
            .expect("AES-GCM encryption of a small buffer does not fail");
        Sealed {
            ciphertext,
            nonce: nonce.to_vec(),
            key_id: self.current.id.clone(),
        }
    }

    pub fn open(&self, sealed: &Sealed) -> Result<Vec<u8>, OpenError> {
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|key| key.id == sealed.key_id)
            .ok_or_else(|| OpenError::UnknownKey(sealed.key_id.clone()))?;
        let nonce: [u8; NONCE_BYTES] = sealed
            .nonce
            .as_slice()
            .try_into()
            .map_err(|_| OpenError::Corrupted)?;
        key.cipher
            .decrypt(&Nonce::from(nonce), sealed.ciphertext.as_ref())
            .map_err(|_| OpenError::Corrupted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> Secret {
        Secret::new(base64::engine::general_purpose::STANDARD.encode([byte; 32]))
    }

    #[test]
    fn sealed_credentials_open_with_the_current_or_the_previous_key_only() {
        let old = SecretBox::new(&key(1), None);
        let sealed_before_rotation = old.seal(b"{\"token\":\"abc\"}");
        assert!(!String::from_utf8_lossy(&sealed_before_rotation.ciphertext).contains("abc"));

        let rotated = SecretBox::new(&key(2), Some(&key(1)));
        assert_eq!(
            rotated.open(&sealed_before_rotation).unwrap(),
            b"{\"token\":\"abc\"}"
        );
        let resealed = rotated.seal(b"{\"token\":\"abc\"}");
        assert_eq!(resealed.key_id, rotated.current_key_id());
        assert_ne!(resealed.nonce, rotated.seal(b"{\"token\":\"abc\"}").nonce);

        let forgot_the_old_key = SecretBox::new(&key(2), None);
        assert!(matches!(
            forgot_the_old_key.open(&sealed_before_rotation),
            Err(OpenError::UnknownKey(_))
        ));
        let mut tampered = resealed.clone();
        tampered.ciphertext[0] ^= 1;
        assert!(matches!(rotated.open(&tampered), Err(OpenError::Corrupted)));
    }

    #[test]
    fn keys_must_be_32_random_bytes_and_not_the_sample() {
        assert!(key_problem(key(7).expose()).is_none());
        assert!(key_problem("c2hvcnQ=").unwrap().contains("32"));
        assert!(key_problem("not base64 at all!").is_some());
        assert!(key_problem(EXAMPLE_SECRETS[4].1)
            .unwrap()
            .contains("образец"));
    }
}
