//! Accounts: `DATA/users.json`, argon2id PHC hashes, written atomically with mode 0600.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

/// The file's name inside the data directory.
pub const USERS_FILE: &str = "users.json";
/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted, in bytes (longer input is refused before any hashing).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Longest user name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// What can go wrong with accounts. Messages are meant for the person at the terminal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UserError {
    /// Reading or writing `users.json`.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `users.json` is not what annals writes.
    #[error("{path}: not a users file annals can read ({reason})")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A name with characters outside letters, digits, `.`, `_`, `-`, or too long.
    #[error(
        "user name {0:?} is not allowed: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '-'"
    )]
    BadName(String),
    /// Already there.
    #[error("user {0:?} already exists (change the password with `annals user passwd {0}`)")]
    Exists(String),
    /// Not there.
    #[error("no user {0:?} (see `annals user ls`)")]
    NoSuchUser(String),
    /// Too short or too long.
    #[error(
        "the password must have at least {MIN_PASSWORD_CHARS} characters and at most {MAX_PASSWORD_BYTES} bytes"
    )]
    BadPassword,
    /// The hash could not be computed (should not happen with valid parameters).
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// One account as stored. The hash is an argon2id PHC string; the password itself is never stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct User {
    /// Login name.
    pub name: String,
    /// `$argon2id$v=19$m=…,t=…,p=…$salt$hash`.
    pub hash: String,
    /// When the account was created (RFC 3339, UTC).
    pub created: String,
    /// When the password was last set (RFC 3339, UTC).
    pub password_set: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct UsersFile {
    version: u32,
    users: Vec<User>,
}

/// The accounts of one data directory.
#[derive(Debug, Clone)]
pub struct Users {
    path: PathBuf,
    users: Vec<User>,
}

/// A hash of a password nobody knows, verified against when the name is unknown so that the time
/// taken does not reveal which names exist.
/// Computed once per process from random bytes, with the same parameters as real hashes.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut secret = [0u8; 32];
        let _ = getrandom::fill(&mut secret);
        let pw: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        hash_password(&pw).unwrap_or_default()
    })
}

fn argon2() -> Argon2<'static> {
    // OWASP's first recommendation for argon2id: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Checks a user name: 1–64 characters, letters (any script), digits, `.`, `_`, `-`; not
/// starting with `-` (it would read as an option).
pub fn check_name(name: &str) -> Result<(), UserError> {
    let n = name.chars().count();
    let ok = (1..=MAX_NAME_CHARS).contains(&n)
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(UserError::BadName(name.to_string()))
    }
}

/// Checks a new password's length.
pub fn check_password(password: &str) -> Result<(), UserError> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
        Err(UserError::BadPassword)
    } else {
        Ok(())
    }
}

/// An argon2id PHC hash of `password` with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, UserError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| UserError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| UserError::Hash(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| UserError::Hash(e.to_string()))
}

fn verify_hash(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        // The parameters come from the stored hash, so older hashes keep verifying.
        Ok(h) => argon2().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

impl Users {
    /// Reads `dir/users.json`; no file means no users.
    pub fn load(dir: &Path) -> Result<Users, UserError> {
        let path = dir.join(USERS_FILE);
        let text = match fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Users {
                    path,
                    users: Vec::new(),
                });
            }
            Err(source) => return Err(UserError::Io { path, source }),
        };
        let file: UsersFile = serde_json::from_slice(&text).map_err(|e| UserError::Corrupt {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if file.version != 1 {
            return Err(UserError::Corrupt {
                path,
                reason: format!("version {} (this annals reads version 1)", file.version),
            });
        }
        for u in &file.users {
            if check_name(&u.name).is_err() || PasswordHash::new(&u.hash).is_err() {
                return Err(UserError::Corrupt {
                    path,
                    reason: format!("user {:?} has a bad name or hash", u.name),
                });
            }
        }
        Ok(Users {
            path,
            users: file.users,
        })
    }

    /// No users, stored nowhere: for a server that needs none (loopback, `--public`).
    pub fn none() -> Users {
        Users {
            path: PathBuf::new(),
            users: Vec::new(),
        }
    }

    /// The file these users are read from and written to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether there is no account.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// The accounts, in the order they were added.
    pub fn list(&self) -> &[User] {
        &self.users
    }

    /// The account named `name`.
    pub fn get(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// Adds an account and writes the file.
    pub fn add(&mut self, name: &str, password: &str) -> Result<(), UserError> {
        check_name(name)?;
        if self.get(name).is_some() {
            return Err(UserError::Exists(name.to_string()));
        }
        check_password(password)?;
        let now = now_rfc3339();
        self.users.push(User {
            name: name.to_string(),
            hash: hash_password(password)?,
            created: now.clone(),
            password_set: now,
        });
        self.save()
    }

    /// Replaces an account's password and writes the file (a running server then ends every
    /// session of that user).
    pub fn set_password(&mut self, name: &str, password: &str) -> Result<(), UserError> {
        check_password(password)?;
        let hash = hash_password(password)?;
        let u = self
            .users
            .iter_mut()
            .find(|u| u.name == name)
            .ok_or_else(|| UserError::NoSuchUser(name.to_string()))?;
        u.hash = hash;
        u.password_set = now_rfc3339();
        self.save()
    }

    /// Removes an account and writes the file.
    pub fn remove(&mut self, name: &str) -> Result<(), UserError> {
        let before = self.users.len();
        self.users.retain(|u| u.name != name);
        if self.users.len() == before {
            return Err(UserError::NoSuchUser(name.to_string()));
        }
        self.save()
    }

    /// Whether `password` is `name`'s. Unknown names and over-long passwords still cost one
    /// argon2 verification, so the answer's timing does not reveal which names exist. CPU-heavy
    /// (tens of milliseconds): call it from a blocking thread in async code.
    pub fn verify(&self, name: &str, password: &str) -> bool {
        let user = self.get(name);
        let password_ok = password.len() <= MAX_PASSWORD_BYTES;
        let hash = match user {
            Some(u) if password_ok => u.hash.as_str(),
            _ => dummy_hash(),
        };
        let pw = if password_ok { password } else { "" };
        let matched = verify_hash(hash, pw);
        matched && user.is_some() && password_ok
    }

    /// Writes the file atomically (temporary file with mode 0600, fsync, rename, fsync of the
    /// directory).
    fn save(&self) -> Result<(), UserError> {
        let io = |source| UserError::Io {
            path: self.path.clone(),
            source,
        };
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir).map_err(io)?;
        let body = serde_json::to_vec_pretty(&UsersFile {
            version: 1,
            users: self.users.clone(),
        })
        .map_err(|e| io(std::io::Error::other(e)))?;
        let tmp = dir.join(format!(".{USERS_FILE}.{}.tmp", std::process::id()));
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let result = (|| {
            let mut f = opts.open(&tmp)?;
            #[cfg(unix)]
            {
                // The mode given at creation is filtered by the umask; an existing file keeps
                // its mode: set it explicitly.
                use std::os::unix::fs::PermissionsExt;
                f.set_permissions(fs::Permissions::from_mode(0o600))?;
            }
            f.write_all(&body)?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            fs::rename(&tmp, &self.path)?;
            if let Ok(d) = fs::File::open(&dir) {
                let _ = d.sync_all();
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        for ok in ["alice", "a.b_c-d", "张三", "x1"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(65);
        for bad in ["", "-rf", "a b", "a/b", "a\u{0}", "<script>", long.as_str()] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn dummy_hash_is_a_valid_argon2id_hash() {
        let h = PasswordHash::new(dummy_hash()).expect("parse");
        assert_eq!(h.algorithm.as_str(), "argon2id");
        assert!(!verify_hash(dummy_hash(), ""));
    }

    #[test]
    fn add_verify_passwd_remove() {
        let dir = tempfile::tempdir().unwrap();
        let mut u = Users::load(dir.path()).unwrap();
        assert!(u.is_empty());
        assert!(matches!(
            u.add("alice", "short"),
            Err(UserError::BadPassword)
        ));
        u.add("alice", "correct horse battery").unwrap();
        assert!(matches!(
            u.add("alice", "correct horse battery"),
            Err(UserError::Exists(_))
        ));
        let u2 = Users::load(dir.path()).unwrap();
        assert!(u2.verify("alice", "correct horse battery"));
        assert!(!u2.verify("alice", "correct horse batterY"));
        assert!(!u2.verify("bob", "correct horse battery"));
        assert!(!u2.verify("alice", &"x".repeat(MAX_PASSWORD_BYTES + 1)));
        assert!(u2.get("alice").unwrap().hash.starts_with("$argon2id$v=19$"));
        u.set_password("alice", "another long password").unwrap();
        let u3 = Users::load(dir.path()).unwrap();
        assert!(!u3.verify("alice", "correct horse battery"));
        assert!(u3.verify("alice", "another long password"));
        assert!(matches!(u.remove("bob"), Err(UserError::NoSuchUser(_))));
        u.remove("alice").unwrap();
        assert!(Users::load(dir.path()).unwrap().is_empty());
    }

    #[test]
    fn a_damaged_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(USERS_FILE), b"{\"version\":1,\"users\":[{").unwrap();
        let e = Users::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("not a users file"), "{e}");
        fs::write(
            dir.path().join(USERS_FILE),
            br#"{"version":1,"users":[{"name":"a","hash":"plain","created":"","password_set":""}]}"#,
        )
        .unwrap();
        let e = Users::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("bad name or hash"), "{e}");
    }
}
