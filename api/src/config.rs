//! Server configuration read from `QIBAO_*` environment variables.
//!
//! Every variable has a safe default for development; production refuses to
//! start without a strong JWT secret and refuses a faked "today".

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use time::Date;

use qibao_app::certificates::CertificateSigner;

use crate::auth::esscard::CardPlatformKey;

/// The secret JWT signing key has at least this many bytes.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// File name of the generated development JWT secret inside the data dir.
pub const DEV_JWT_SECRET_FILE: &str = "jwt-secret";

/// Whether the server runs for development/demos or for real.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Development and demos: generated secrets, `QIBAO_TODAY` allowed.
    Dev,
    /// Production: a configured secret is required, the clock is real.
    Production,
}

impl Mode {
    /// `true` in production.
    pub fn is_production(self) -> bool {
        self == Mode::Production
    }

    /// The name used in `QIBAO_MODE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Dev => "dev",
            Mode::Production => "production",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JWT signing secret. Its `Debug` output never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct JwtSecret(String);

impl JwtSecret {
    /// Wraps a secret; fails when it is shorter than [`MIN_JWT_SECRET_BYTES`].
    pub fn new(secret: impl Into<String>) -> Result<Self, ConfigError> {
        let secret = secret.into();
        if secret.len() < MIN_JWT_SECRET_BYTES {
            return Err(ConfigError::JwtSecretTooShort { len: secret.len() });
        }
        Ok(Self(secret))
    }

    /// The secret's bytes, for signing and verifying tokens.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JwtSecret(<{} bytes, redacted>)", self.0.len())
    }
}

/// The server's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// `QIBAO_DATABASE_URL`: `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// `QIBAO_BIND`: the socket address to listen on.
    pub bind: SocketAddr,
    /// `QIBAO_MODE`: `dev` or `production`.
    pub mode: Mode,
    /// `QIBAO_DATA_DIR`: where generated files (the dev JWT secret, …) live.
    pub data_dir: PathBuf,
    /// `QIBAO_JWT_SECRET`, or the generated development secret.
    pub jwt_secret: JwtSecret,
    /// `QIBAO_TODAY`: a fixed "today" for demos and tests (dev only).
    pub today: Option<Date>,
    /// `QIBAO_POOL_SIZE`: database connections in the pool.
    pub pool_size: u32,
    /// `QIBAO_WORKERS`: actix worker threads.
    pub workers: usize,
    /// `QIBAO_CARD_PLATFORM_PUBLIC_KEY`: the e-social-card platform's
    /// Ed25519 public key (PEM file) that signs QR sign-in confirmations;
    /// in dev the committed dev-only key when unset.
    pub card_platform_key: CardPlatformKey,
    /// `QIBAO_HSTS_MAX_AGE`: seconds of `Strict-Transport-Security` to
    /// send, for a deployment served over TLS; unset: no HSTS header.
    pub hsts_max_age: Option<u32>,
    /// `QIBAO_CERTIFICATE_SIGNING_KEY`: the agency's Ed25519 private key
    /// (PKCS#8 PEM file) that signs certificates (R-CERT-3); in dev the
    /// committed DEV-ONLY key when unset; production refuses that one.
    pub certificate_key: CertificateSigner,
    /// `QIBAO_PUBLIC_URL`: the address the public reaches this service at,
    /// printed on certificates for verification (default `http://` + the
    /// bind address).
    pub public_url: String,
    /// `QIBAO_JOB_WORKERS`: background job workers in this process (0: this
    /// node runs no jobs; another node of the same PostgreSQL does).
    pub job_workers: usize,
    /// `QIBAO_CORS_ORIGINS`: the browser origins (`https://host[:port]`,
    /// comma-separated) whose pages may call the API; none by default.
    pub cors_origins: Vec<String>,
    /// `QIBAO_WEBHOOK_WORKERS`: threads of this process that deliver
    /// webhooks (0: none here; another node of the same PostgreSQL does).
    pub webhook_workers: usize,
    /// `QIBAO_READ_DATABASE_URL`: a PostgreSQL streaming replica of the
    /// primary that serves the heavy reads (lists, order details, feeds);
    /// a session's reads stay on the primary until the replica has
    /// replayed its last write. Unset: everything on the primary.
    pub read_database_url: Option<String>,
}

impl Config {
    /// Which webhook addresses may be registered and reached: in production
    /// public https addresses only (no SSRF into the agency's network); in
    /// dev any, so a receiver on this machine works.
    pub fn webhook_targets(&self) -> qibao_core::webhook::TargetPolicy {
        if self.mode.is_production() {
            qibao_core::webhook::TargetPolicy::PublicHttps
        } else {
            qibao_core::webhook::TargetPolicy::Any
        }
    }
}

/// Why the configuration was refused. The messages are meant for operators.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable holds something that cannot be used.
    #[error("{var} is invalid: {reason} (got {value:?})")]
    Invalid {
        /// The variable's name.
        var: &'static str,
        /// The value found.
        value: String,
        /// What is expected.
        reason: String,
    },
    /// Production without `QIBAO_JWT_SECRET`.
    #[error(
        "QIBAO_JWT_SECRET is required when QIBAO_MODE=production: set it to a random string of at least {MIN_JWT_SECRET_BYTES} bytes (for example the output of `openssl rand -hex 32`)"
    )]
    JwtSecretMissing,
    /// A secret that is too short to be safe.
    #[error(
        "QIBAO_JWT_SECRET is too short: it has {len} bytes, at least {MIN_JWT_SECRET_BYTES} are required"
    )]
    JwtSecretTooShort {
        /// Its length in bytes.
        len: usize,
    },
    /// `QIBAO_TODAY` in production.
    #[error(
        "QIBAO_TODAY is set but QIBAO_MODE=production: a fixed date is for development and demos only; unset QIBAO_TODAY"
    )]
    TodayInProduction,
    /// Production without `QIBAO_CARD_PLATFORM_PUBLIC_KEY`.
    #[error(
        "QIBAO_CARD_PLATFORM_PUBLIC_KEY is required when QIBAO_MODE=production: set it to the path of the e-social-card platform's Ed25519 public key (PEM)"
    )]
    CardKeyMissing,
    /// The card platform key file cannot be read or is not an Ed25519 public key.
    #[error("QIBAO_CARD_PLATFORM_PUBLIC_KEY ({path}) is unusable: {reason}")]
    CardKeyInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Production configured with the committed dev-only key.
    #[error(
        "QIBAO_CARD_PLATFORM_PUBLIC_KEY ({path}) is the committed DEV-ONLY key, whose private half is public: QIBAO_MODE=production needs the real platform's key"
    )]
    CardKeyIsDev {
        /// The file.
        path: PathBuf,
    },
    /// Production without `QIBAO_CERTIFICATE_SIGNING_KEY`.
    #[error(
        "QIBAO_CERTIFICATE_SIGNING_KEY is required when QIBAO_MODE=production: set it to the path of the agency's Ed25519 private key (PKCS#8 PEM, e.g. made by `openssl genpkey -algorithm ed25519`)"
    )]
    CertificateKeyMissing,
    /// The certificate key file cannot be read or is not an Ed25519 private key.
    #[error("QIBAO_CERTIFICATE_SIGNING_KEY ({path}) is unusable: {reason}")]
    CertificateKeyInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Production configured with the committed dev-only signing key.
    #[error(
        "QIBAO_CERTIFICATE_SIGNING_KEY ({path}) is the committed DEV-ONLY key, which anyone can sign with: QIBAO_MODE=production needs the agency's own key"
    )]
    CertificateKeyIsDev {
        /// The file.
        path: PathBuf,
    },
    /// The generated development secret could not be read or written.
    #[error("cannot use the development JWT secret file {path}: {source}")]
    SecretFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

impl Config {
    /// Reads the configuration from the process environment.
    ///
    /// In dev mode without `QIBAO_JWT_SECRET` this creates the data dir and
    /// the secret file `<data dir>/jwt-secret` when they do not exist yet.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (a variable name to its
    /// value), so tests need not touch the process environment.
    pub fn from_lookup<F>(lookup: F) -> Result<Self, ConfigError>
    where
        F: Fn(&str) -> Option<String>,
    {
        // An empty variable counts as unset.
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let mode = match get("QIBAO_MODE") {
            None => Mode::Dev,
            Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                "dev" | "development" => Mode::Dev,
                "production" | "prod" => Mode::Production,
                _ => {
                    return Err(ConfigError::Invalid {
                        var: "QIBAO_MODE",
                        value: v,
                        reason: "expected `dev` or `production`".into(),
                    });
                }
            },
        };

        let database_url = get("QIBAO_DATABASE_URL")
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| "sqlite://qibao.db".to_owned());

        let bind = match get("QIBAO_BIND") {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(v) => v.trim().parse().map_err(|_| ConfigError::Invalid {
                var: "QIBAO_BIND",
                value: v.clone(),
                reason: "expected an IP address and port such as 127.0.0.1:8080 or 0.0.0.0:8080"
                    .into(),
            })?,
        };

        let data_dir = get("QIBAO_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("./qibao-data"));

        let today = match get("QIBAO_TODAY") {
            None => None,
            Some(_) if mode.is_production() => return Err(ConfigError::TodayInProduction),
            Some(v) => Some(parse_date(v.trim()).ok_or_else(|| ConfigError::Invalid {
                var: "QIBAO_TODAY",
                value: v.clone(),
                reason: "expected a date as YYYY-MM-DD, e.g. 2024-03-15".into(),
            })?),
        };

        let pool_size = parse_positive::<u32>(&get, "QIBAO_POOL_SIZE", 8)?;
        let default_workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let workers = parse_positive::<usize>(&get, "QIBAO_WORKERS", default_workers)?;
        let job_workers = parse_workers(&get, "QIBAO_JOB_WORKERS", 1)?;
        let webhook_workers = parse_workers(&get, "QIBAO_WEBHOOK_WORKERS", 2)?;
        let read_database_url = match get("QIBAO_READ_DATABASE_URL") {
            None => None,
            Some(v) if v.trim().is_empty() => None,
            Some(v) => {
                let postgres =
                    |u: &str| u.starts_with("postgres://") || u.starts_with("postgresql://");
                if !postgres(v.trim()) || !postgres(&database_url) {
                    return Err(ConfigError::Invalid {
                        var: "QIBAO_READ_DATABASE_URL",
                        value: v,
                        reason: "a read replica is a PostgreSQL streaming replica (postgres://…) of a PostgreSQL QIBAO_DATABASE_URL".into(),
                    });
                }
                Some(v.trim().to_owned())
            }
        };
        let hsts_max_age = match get("QIBAO_HSTS_MAX_AGE") {
            None => None,
            Some(_) => Some(parse_positive::<u32>(&get, "QIBAO_HSTS_MAX_AGE", 1)?),
        };

        let card_platform_key = match get("QIBAO_CARD_PLATFORM_PUBLIC_KEY") {
            None if mode.is_production() => return Err(ConfigError::CardKeyMissing),
            None => CardPlatformKey::dev(),
            Some(v) => {
                let path = PathBuf::from(v.trim());
                let key = CardPlatformKey::from_file(&path).map_err(|reason| {
                    ConfigError::CardKeyInvalid {
                        path: path.clone(),
                        reason,
                    }
                })?;
                if key.is_dev() && mode.is_production() {
                    return Err(ConfigError::CardKeyIsDev { path });
                }
                key
            }
        };

        let certificate_key = match get("QIBAO_CERTIFICATE_SIGNING_KEY") {
            None if mode.is_production() => return Err(ConfigError::CertificateKeyMissing),
            None => CertificateSigner::dev(),
            Some(v) => {
                let path = PathBuf::from(v.trim());
                let key = fs::read_to_string(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|pem| CertificateSigner::from_pem(&pem))
                    .map_err(|reason| ConfigError::CertificateKeyInvalid {
                        path: path.clone(),
                        reason,
                    })?;
                if key.is_dev() && mode.is_production() {
                    return Err(ConfigError::CertificateKeyIsDev { path });
                }
                key
            }
        };
        let cors_origins = match get("QIBAO_CORS_ORIGINS") {
            None => Vec::new(),
            Some(v) => parse_origins(&v).map_err(|reason| ConfigError::Invalid {
                var: "QIBAO_CORS_ORIGINS",
                value: v.clone(),
                reason,
            })?,
        };
        let public_url = get("QIBAO_PUBLIC_URL")
            .map(|v| v.trim().trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{bind}"));

        // Checked last: in dev it may create a file, which should only
        // happen once everything else is known to be fine.
        let jwt_secret = match get("QIBAO_JWT_SECRET") {
            Some(secret) => JwtSecret::new(secret)?,
            None if mode.is_production() => return Err(ConfigError::JwtSecretMissing),
            None => load_or_create_dev_secret(&data_dir)?,
        };

        Ok(Config {
            database_url,
            bind,
            mode,
            data_dir,
            jwt_secret,
            today,
            pool_size,
            workers,
            card_platform_key,
            hsts_max_age,
            certificate_key,
            public_url,
            job_workers,
            cors_origins,
            webhook_workers,
            read_database_url,
        })
    }

    /// A development configuration for tests: in-memory secret, no files.
    pub fn for_tests(database_url: impl Into<String>) -> Self {
        Config {
            database_url: database_url.into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            mode: Mode::Dev,
            data_dir: std::env::temp_dir(),
            jwt_secret: JwtSecret("test-secret-test-secret-test-secret-0123".to_owned()),
            today: None,
            pool_size: 4,
            workers: 1,
            card_platform_key: CardPlatformKey::dev(),
            hsts_max_age: None,
            certificate_key: CertificateSigner::dev(),
            public_url: "http://127.0.0.1:8080".to_owned(),
            job_workers: 1,
            cors_origins: Vec::new(),
            webhook_workers: 1,
            read_database_url: None,
        }
    }
}

/// A count of worker threads, 0–16, `default` when unset.
fn parse_workers(
    get: &dyn Fn(&str) -> Option<String>,
    var: &'static str,
    default: usize,
) -> Result<usize, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(v) => {
            v.trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= 16)
                .ok_or(ConfigError::Invalid {
                    var,
                    value: v,
                    reason: "expected a whole number from 0 to 16".into(),
                })
        }
    }
}

/// `QIBAO_CORS_ORIGINS`: comma-separated origins, each `http(s)://host[:port]`
/// exactly as a browser sends it in `Origin` (no path, no trailing slash).
fn parse_origins(value: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let rest = part
            .strip_prefix("https://")
            .or_else(|| part.strip_prefix("http://"))
            .ok_or_else(|| format!("{part}: an origin starts with http:// or https://"))?;
        let host_ok = !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if !host_ok {
            return Err(format!(
                "{part}: expected scheme://host[:port] with no path, e.g. https://hr.example.com"
            ));
        }
        out.push(part.to_ascii_lowercase());
    }
    Ok(out)
}

fn parse_date(value: &str) -> Option<Date> {
    qibao_core::dates::parse_date(value.trim())
}

fn parse_positive<T>(
    get: &dyn Fn(&str) -> Option<String>,
    var: &'static str,
    default: T,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + From<u8>,
{
    match get(var) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<T>() {
            Ok(n) if n >= T::from(1) => Ok(n),
            _ => Err(ConfigError::Invalid {
                var,
                value: v,
                reason: "expected a whole number of at least 1".into(),
            }),
        },
    }
}

/// Reads `<data_dir>/jwt-secret`, creating it (mode 0600) with a random
/// 64-hex-digit secret when it does not exist.
fn load_or_create_dev_secret(data_dir: &Path) -> Result<JwtSecret, ConfigError> {
    let path = data_dir.join(DEV_JWT_SECRET_FILE);
    let file_err = |source: io::Error| ConfigError::SecretFile {
        path: path.clone(),
        source,
    };

    match fs::read_to_string(&path) {
        Ok(existing) => {
            return JwtSecret::new(existing.trim().to_owned()).map_err(|_| {
                file_err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "the file holds fewer than {MIN_JWT_SECRET_BYTES} bytes; delete it to have a new secret generated"
                    ),
                ))
            });
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(file_err(e)),
    }

    fs::create_dir_all(data_dir).map_err(file_err)?;
    let secret = random_hex(32);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(&path) {
        Ok(mut file) => {
            file.write_all(secret.as_bytes()).map_err(file_err)?;
            file.write_all(b"\n").map_err(file_err)?;
            log::info!("generated a development JWT secret in {}", path.display());
            JwtSecret::new(secret)
        }
        // Another process created it meanwhile: use theirs.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let existing = fs::read_to_string(&path).map_err(file_err)?;
            JwtSecret::new(existing.trim().to_owned())
        }
        Err(e) => Err(file_err(e)),
    }
}

fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn cors_origins_are_checked_and_normalised() {
        let dir = tempfile::tempdir().unwrap();
        let data_s = dir.path().to_str().unwrap().to_owned();
        let cfg = Config::from_lookup(lookup(&[
            ("QIBAO_DATA_DIR", &data_s),
            (
                "QIBAO_CORS_ORIGINS",
                " https://HR.example.com , http://localhost:5173,",
            ),
        ]))
        .unwrap();
        assert_eq!(
            cfg.cors_origins,
            ["https://hr.example.com", "http://localhost:5173"]
        );
        for bad in [
            "*",
            "hr.example.com",
            "https://hr.example.com/",
            "https://x/app",
        ] {
            let err = Config::from_lookup(lookup(&[
                ("QIBAO_DATA_DIR", &data_s),
                ("QIBAO_CORS_ORIGINS", bad),
            ]))
            .unwrap_err();
            assert!(
                err.to_string().contains("QIBAO_CORS_ORIGINS"),
                "{bad}: {err}"
            );
        }
        let none = Config::from_lookup(lookup(&[("QIBAO_DATA_DIR", &data_s)])).unwrap();
        assert!(none.cors_origins.is_empty());
    }

    #[test]
    fn dev_defaults_generate_and_reuse_secret() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let data_s = data.to_str().unwrap().to_owned();
        let cfg = Config::from_lookup(lookup(&[("QIBAO_DATA_DIR", &data_s)])).unwrap();
        assert_eq!(cfg.mode, Mode::Dev);
        assert_eq!(cfg.database_url, "sqlite://qibao.db");
        assert_eq!(cfg.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(cfg.pool_size, 8);
        assert!(cfg.workers >= 1);
        assert_eq!(cfg.today, None);
        assert_eq!(cfg.jwt_secret.as_bytes().len(), 64);

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(data.join("jwt-secret"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        let again = Config::from_lookup(lookup(&[("QIBAO_DATA_DIR", &data_s)])).unwrap();
        assert_eq!(again.jwt_secret, cfg.jwt_secret);
        assert!(
            !format!("{again:?}")
                .contains(std::str::from_utf8(again.jwt_secret.as_bytes()).unwrap())
        );
    }

    /// A real-looking (not dev) card platform public key in a temp file.
    const OTHER_CARD_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAR47U9fh8jDdHIZdQEaV69T+034spOQ8nTMEzCr3ZZvg=
-----END PUBLIC KEY-----
";

    /// An Ed25519 private key that is not the dev one (`openssl genpkey -algorithm ed25519`).
    const OTHER_SIGNING_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIK+wDSVD/My9DIOeFCKIeIEdMUnPDX6+FU83WVSysg0C
-----END PRIVATE KEY-----
";

    fn key_file(dir: &tempfile::TempDir, name: &str, pem: &str) -> String {
        let path = dir.path().join(name);
        fs::write(&path, pem).unwrap();
        path.to_str().unwrap().to_owned()
    }

    #[test]
    fn production_requires_a_long_secret() {
        let dir = tempfile::tempdir().unwrap();
        let card = key_file(&dir, "card.pem", OTHER_CARD_PUBLIC_PEM);
        let card = ("QIBAO_CARD_PLATFORM_PUBLIC_KEY", card.as_str());
        let signing = key_file(&dir, "signing.pem", OTHER_SIGNING_PRIVATE_PEM);
        let signing = ("QIBAO_CERTIFICATE_SIGNING_KEY", signing.as_str());
        let err = Config::from_lookup(lookup(&[("QIBAO_MODE", "production"), card, signing]))
            .unwrap_err();
        assert!(matches!(err, ConfigError::JwtSecretMissing));
        assert!(err.to_string().contains("QIBAO_JWT_SECRET is required"));

        let err = Config::from_lookup(lookup(&[
            ("QIBAO_MODE", "production"),
            ("QIBAO_JWT_SECRET", "short"),
            card,
            signing,
        ]))
        .unwrap_err();
        assert!(matches!(err, ConfigError::JwtSecretTooShort { len: 5 }));

        let secret = "x".repeat(32);
        let cfg = Config::from_lookup(lookup(&[
            ("QIBAO_MODE", "production"),
            ("QIBAO_JWT_SECRET", &secret),
            card,
            signing,
        ]))
        .unwrap();
        assert!(cfg.mode.is_production());
        assert!(!cfg.card_platform_key.is_dev());
        assert!(!cfg.certificate_key.is_dev());
    }

    #[test]
    fn the_certificate_key_is_required_in_production_and_never_the_dev_key() {
        let dir = tempfile::tempdir().unwrap();
        let secret = "x".repeat(32);
        let card = key_file(&dir, "card.pem", OTHER_CARD_PUBLIC_PEM);
        let prod = [
            ("QIBAO_MODE", "production"),
            ("QIBAO_JWT_SECRET", secret.as_str()),
            ("QIBAO_CARD_PLATFORM_PUBLIC_KEY", card.as_str()),
        ];
        let err = Config::from_lookup(lookup(&prod)).unwrap_err();
        assert!(matches!(err, ConfigError::CertificateKeyMissing), "{err}");

        let dev = key_file(
            &dir,
            "dev.pem",
            qibao_app::certificates::signing::DEV_PRIVATE_KEY_PEM,
        );
        let mut vars = prod.to_vec();
        vars.push(("QIBAO_CERTIFICATE_SIGNING_KEY", &dev));
        let err = Config::from_lookup(lookup(&vars)).unwrap_err();
        assert!(
            matches!(err, ConfigError::CertificateKeyIsDev { .. }),
            "{err}"
        );

        // Dev: the dev key by default; a public key or garbage is refused.
        let cfg = Config::from_lookup(lookup(&[("QIBAO_JWT_SECRET", &secret)])).unwrap();
        assert!(cfg.certificate_key.is_dev());
        assert_eq!(cfg.public_url, "http://127.0.0.1:8080");
        let public = key_file(
            &dir,
            "public.pem",
            qibao_app::certificates::signing::DEV_PUBLIC_KEY_PEM,
        );
        let err = Config::from_lookup(lookup(&[
            ("QIBAO_JWT_SECRET", &secret),
            ("QIBAO_CERTIFICATE_SIGNING_KEY", &public),
        ]))
        .unwrap_err();
        assert!(
            matches!(err, ConfigError::CertificateKeyInvalid { .. }),
            "{err}"
        );
    }

    #[test]
    fn the_card_platform_key_is_required_in_production_and_never_the_dev_key() {
        let dir = tempfile::tempdir().unwrap();
        let secret = "x".repeat(32);
        let prod = [("QIBAO_MODE", "production"), ("QIBAO_JWT_SECRET", &secret)];

        let err = Config::from_lookup(lookup(&prod)).unwrap_err();
        assert!(matches!(err, ConfigError::CardKeyMissing), "{err}");

        let dev = key_file(&dir, "dev.pem", crate::auth::esscard::DEV_PUBLIC_KEY_PEM);
        let mut vars = prod.to_vec();
        vars.push(("QIBAO_CARD_PLATFORM_PUBLIC_KEY", &dev));
        let err = Config::from_lookup(lookup(&vars)).unwrap_err();
        assert!(matches!(err, ConfigError::CardKeyIsDev { .. }), "{err}");
        assert!(err.to_string().contains("DEV-ONLY"));

        // Dev mode: the dev key is the default and may be named explicitly.
        let cfg = Config::from_lookup(lookup(&[("QIBAO_JWT_SECRET", &secret)])).unwrap();
        assert!(cfg.card_platform_key.is_dev());
        let cfg = Config::from_lookup(lookup(&[
            ("QIBAO_JWT_SECRET", &secret),
            ("QIBAO_CARD_PLATFORM_PUBLIC_KEY", &dev),
        ]))
        .unwrap();
        assert!(cfg.card_platform_key.is_dev());

        // A missing file, a private key and garbage are refused in any mode.
        let private = key_file(
            &dir,
            "private.pem",
            crate::auth::esscard::DEV_PRIVATE_KEY_PEM,
        );
        let garbage = key_file(&dir, "garbage.pem", "hello");
        let missing = dir.path().join("nope.pem").to_str().unwrap().to_owned();
        for path in [&private, &garbage, &missing] {
            let err = Config::from_lookup(lookup(&[
                ("QIBAO_JWT_SECRET", &secret),
                ("QIBAO_CARD_PLATFORM_PUBLIC_KEY", path),
            ]))
            .unwrap_err();
            assert!(matches!(err, ConfigError::CardKeyInvalid { .. }), "{err}");
            assert!(
                err.to_string()
                    .starts_with("QIBAO_CARD_PLATFORM_PUBLIC_KEY")
            );
        }
    }

    #[test]
    fn today_is_dev_only() {
        let secret = "x".repeat(40);
        let err = Config::from_lookup(lookup(&[
            ("QIBAO_MODE", "production"),
            ("QIBAO_JWT_SECRET", &secret),
            ("QIBAO_TODAY", "2024-03-15"),
        ]))
        .unwrap_err();
        assert!(matches!(err, ConfigError::TodayInProduction));

        let cfg = Config::from_lookup(lookup(&[
            ("QIBAO_JWT_SECRET", &secret),
            ("QIBAO_TODAY", "2024-03-15"),
        ]))
        .unwrap();
        assert_eq!(cfg.today, Some(time::macros::date!(2024 - 03 - 15)));

        let err = Config::from_lookup(lookup(&[
            ("QIBAO_JWT_SECRET", &secret),
            ("QIBAO_TODAY", "2024-3-15x"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("QIBAO_TODAY is invalid"));
    }

    #[test]
    fn bad_numbers_and_modes_are_refused() {
        let secret = "x".repeat(40);
        for (var, value) in [
            ("QIBAO_POOL_SIZE", "0"),
            ("QIBAO_POOL_SIZE", "many"),
            ("QIBAO_WORKERS", "-1"),
            ("QIBAO_BIND", "localhost"),
            ("QIBAO_MODE", "staging"),
        ] {
            let err = Config::from_lookup(lookup(&[("QIBAO_JWT_SECRET", &secret), (var, value)]))
                .unwrap_err();
            assert!(err.to_string().starts_with(var), "{err}");
        }
        let cfg = Config::from_lookup(lookup(&[
            ("QIBAO_JWT_SECRET", &secret),
            ("QIBAO_POOL_SIZE", "3"),
            ("QIBAO_WORKERS", "2"),
            ("QIBAO_BIND", "0.0.0.0:9000"),
        ]))
        .unwrap();
        assert_eq!((cfg.pool_size, cfg.workers), (3, 2));
        assert_eq!(cfg.bind.port(), 9000);
    }
}
