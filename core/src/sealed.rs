//! Pool passwords at rest: sealed with ChaCha20-Poly1305 under a 256-bit key
//! kept outside the database, in a 0600 key file next to the settings. A
//! copied database file alone reveals no password; the slip still prints it.
//!
//! A sealed value reads `s1:` + hex(nonce ‖ ciphertext ‖ tag). Values without
//! the prefix are passwords from before sealing; they are sealed when the
//! store opens with the key.

use std::path::Path;

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

const PREFIX: &str = "s1:";
const KEY_LEN: usize = 32;

/// Why a sealed password could not be used. Never carries the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error(
        "Не найден ключ паролей пула ({0}). Пароли в базе зашифрованы; верните файл ключа \
         из резервной копии рядом с настройками."
    )]
    NoKey(String),
    #[error(
        "Пароль в базе не расшифровывается этим ключом: файл ключа паролей пула заменён \
         или повреждён. Верните прежний файл ключа из резервной копии."
    )]
    WrongKey,
    #[error("Не удалось прочитать или создать ключ паролей пула {path}: {detail}")]
    KeyFile { path: String, detail: String },
}

/// The key, loaded once per store.
pub struct Sealer {
    key: LessSafeKey,
    rng: SystemRandom,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(***)")
    }
}

impl Sealer {
    /// Reads the key file, or creates it (0600, exclusively: two desks
    /// starting at once end up with the same key).
    pub fn load_or_create(path: &Path) -> Result<Sealer, SealError> {
        let fail = |detail: String| SealError::KeyFile {
            path: path.display().to_string(),
            detail,
        };
        let rng = SystemRandom::new();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                create_key(path, &rng).map_err(|e| fail(e.to_string()))?
            }
            Err(e) => return Err(fail(e.to_string())),
        };
        let key: [u8; KEY_LEN] = bytes
            .get(..KEY_LEN)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| fail("файл короче 32 байт".into()))?;
        let key = UnboundKey::new(&CHACHA20_POLY1305, &key)
            .map_err(|_| fail("ключ не подходит".into()))?;
        Ok(Sealer {
            key: LessSafeKey::new(key),
            rng,
        })
    }

    /// Seals a password for the database.
    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        // The system's random source does not fail on supported platforms;
        // sealing without a fresh nonce would be unsafe, so stop if it does.
        self.rng
            .fill(&mut nonce)
            .unwrap_or_else(|_| panic!("the system random source failed"));
        let mut data = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut data)
            .unwrap_or_else(|_| panic!("sealing a short password cannot fail"));
        let mut out = Vec::with_capacity(NONCE_LEN + data.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&data);
        format!("{PREFIX}{}", hex::encode(out))
    }

    /// The password from a stored value (sealed, or from before sealing).
    pub fn open(&self, stored: &str) -> Result<String, SealError> {
        let Some(hexed) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let bytes = hex::decode(hexed).map_err(|_| SealError::WrongKey)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError::WrongKey);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::WrongKey)?;
        let mut data = sealed.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::empty(), &mut data)
            .map_err(|_| SealError::WrongKey)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SealError::WrongKey)
    }
}

/// Is this stored value sealed?
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// A stored value read without the key: refused when sealed.
pub fn open_without_key(stored: &str, key_path: &str) -> Result<String, SealError> {
    if is_sealed(stored) {
        Err(SealError::NoKey(key_path.to_string()))
    } else {
        Ok(stored.to_string())
    }
}

fn create_key(path: &Path, rng: &SystemRandom) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut key = vec![0u8; KEY_LEN];
    rng.fill(&mut key)
        .map_err(|_| std::io::Error::other("the system random source failed"))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::private::folder(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut f) => {
            f.write_all(&key)?;
            f.sync_all()?;
            Ok(key)
        }
        // Another desk created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read(path),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_password_opens_with_its_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("pool.key");
        let sealer = Sealer::load_or_create(&key).unwrap();
        let sealed = sealer.seal("Pw0O1lI-0001");
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("Pw0O1lI"), "{sealed}");
        assert_ne!(
            sealed,
            sealer.seal("Pw0O1lI-0001"),
            "a fresh nonce each time"
        );
        assert_eq!(sealer.open(&sealed).unwrap(), "Pw0O1lI-0001");
        // The same key file opens it again (another process).
        let again = Sealer::load_or_create(&key).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), "Pw0O1lI-0001");
        // Another key does not.
        let other = Sealer::load_or_create(&dir.path().join("other.key")).unwrap();
        assert_eq!(other.open(&sealed), Err(SealError::WrongKey));
        // Without a key, a sealed value is refused, an old one passes.
        assert!(matches!(
            open_without_key(&sealed, "pool.key"),
            Err(SealError::NoKey(_))
        ));
        assert_eq!(open_without_key("plain", "pool.key").unwrap(), "plain");
        assert_eq!(
            sealer.open("plain-from-before").unwrap(),
            "plain-from-before"
        );
        // A tampered value is refused, not mis-read.
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('0') { '1' } else { '0' });
        assert_eq!(sealer.open(&tampered), Err(SealError::WrongKey));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
