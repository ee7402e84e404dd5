use std::fmt;
use std::time::Duration;

use rust_decimal::Decimal;

/// A start-up setting that is missing or unusable; the message names the variable.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("configuration error: {name} is required but not set")]
    Missing { name: &'static str },
    #[error("configuration error: {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("configuration error: cannot read {name} file {path}: {reason}")]
    Unreadable {
        name: &'static str,
        path: String,
        reason: String,
    },
}

/// A value that must never reach logs or `Debug` output.
#[derive(Clone, PartialEq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone)]
pub enum DatabaseSettings {
    Url(Secret),
    Parts {
        host: String,
        port: u16,
        user: String,
        name: String,
        password: Option<Secret>,
    },
}

impl DatabaseSettings {
    pub fn to_pg_config(&self) -> Result<tokio_postgres::Config, ConfigError> {
        match self {
            DatabaseSettings::Url(url) => {
                url.expose()
                    .parse()
                    .map_err(|error: tokio_postgres::Error| ConfigError::Invalid {
                        name: "DATABASE_URL",
                        reason: error.to_string(),
                    })
            }
            DatabaseSettings::Parts {
                host,
                port,
                user,
                name,
                password,
            } => {
                let mut config = tokio_postgres::Config::new();
                config
                    .host(host)
                    .port(*port)
                    .user(user)
                    .dbname(name)
                    .application_name("nedvizhimost");
                if let Some(password) = password {
                    config.password(password.expose());
                }
                Ok(config)
            }
        }
    }
}

/// Ceilings set by operations: the database config may tighten them, never exceed them.
#[derive(Debug, Clone, PartialEq)]
pub struct PricingSettings {
    pub scheduler_enabled: bool,
    pub interval: Duration,
    pub elasticity_cap: Decimal,
    pub max_shift: Decimal,
}

impl Default for PricingSettings {
    fn default() -> Self {
        Self {
            scheduler_enabled: true,
            interval: Duration::from_secs(60),
            elasticity_cap: Decimal::new(3, 2),
            max_shift: Decimal::new(7, 2),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub http_port: u16,
    pub database: DatabaseSettings,
    pub jwt_secret: Secret,
    pub pricing: PricingSettings,
}

pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// Reads settings through `lookup` (the process environment in production, a map in tests).
pub struct SettingsReader<F: Fn(&str) -> Option<String>> {
    lookup: F,
}

impl SettingsReader<fn(&str) -> Option<String>> {
    pub fn from_env() -> Self {
        Self {
            lookup: |name| std::env::var(name).ok(),
        }
    }
}

impl<F: Fn(&str) -> Option<String>> SettingsReader<F> {
    pub fn new(lookup: F) -> Self {
        Self { lookup }
    }

    fn optional(&self, name: &'static str) -> Option<String> {
        (self.lookup)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    fn parsed<T: std::str::FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        match self.optional(name) {
            None => Ok(default),
            Some(raw) => raw.parse().map_err(|error: T::Err| ConfigError::Invalid {
                name,
                reason: format!("{error} (got {raw:?})"),
            }),
        }
    }

    /// `NAME` directly or the contents of the file named by `NAME_FILE` (a Docker secret).
    fn secret(
        &self,
        name: &'static str,
        file_name: &'static str,
    ) -> Result<Option<Secret>, ConfigError> {
        if let Some(value) = self.optional(name) {
            return Ok(Some(Secret::new(value)));
        }
        let Some(path) = self.optional(file_name) else {
            return Ok(None);
        };
        let contents = std::fs::read_to_string(&path).map_err(|error| ConfigError::Unreadable {
            name: file_name,
            path: path.clone(),
            reason: error.to_string(),
        })?;
        let value = contents.trim_end_matches(['\r', '\n']).to_owned();
        if value.is_empty() {
            return Err(ConfigError::Invalid {
                name: file_name,
                reason: format!("file {path} is empty"),
            });
        }
        Ok(Some(Secret::new(value)))
    }

    pub fn database(&self) -> Result<DatabaseSettings, ConfigError> {
        if let Some(url) = self.optional("DATABASE_URL") {
            return Ok(DatabaseSettings::Url(Secret::new(url)));
        }
        Ok(DatabaseSettings::Parts {
            host: self
                .optional("DATABASE_HOST")
                .unwrap_or_else(|| "127.0.0.1".into()),
            port: self.parsed("DATABASE_PORT", 5432)?,
            user: self
                .optional("DATABASE_USER")
                .unwrap_or_else(|| "postgres".into()),
            name: self
                .optional("DATABASE_NAME")
                .unwrap_or_else(|| "nedvizhimost".into()),
            password: self.secret("DATABASE_PASSWORD", "DATABASE_PASSWORD_FILE")?,
        })
    }

    pub fn jwt_secret(&self) -> Result<Secret, ConfigError> {
        let secret = self
            .secret("JWT_SECRET", "JWT_SECRET_FILE")?
            .ok_or(ConfigError::Missing { name: "JWT_SECRET" })?;
        if secret.expose().len() < MIN_JWT_SECRET_BYTES {
            return Err(ConfigError::Invalid {
                name: "JWT_SECRET",
                reason: format!("must be at least {MIN_JWT_SECRET_BYTES} bytes"),
            });
        }
        Ok(secret)
    }

    pub fn pricing(&self) -> Result<PricingSettings, ConfigError> {
        let defaults = PricingSettings::default();
        let interval_seconds: u64 = self.parsed("PRICING_INTERVAL_SECONDS", 60)?;
        if interval_seconds == 0 {
            return Err(ConfigError::Invalid {
                name: "PRICING_INTERVAL_SECONDS",
                reason: "must be a positive number of seconds".into(),
            });
        }
        Ok(PricingSettings {
            scheduler_enabled: self.parsed("PRICING_SCHEDULER_ENABLED", true)?,
            interval: Duration::from_secs(interval_seconds),
            elasticity_cap: self.fraction("ELASTICITY_CAP", defaults.elasticity_cap)?,
            max_shift: self.fraction("PRICE_MAX_SHIFT", defaults.max_shift)?,
        })
    }

    fn fraction(&self, name: &'static str, default: Decimal) -> Result<Decimal, ConfigError> {
        let value: Decimal = self.parsed(name, default)?;
        if value < Decimal::ZERO || value > Decimal::new(5, 1) {
            return Err(ConfigError::Invalid {
                name,
                reason: format!(
                    "must be a fraction between 0 and 0.5, e.g. 0.03 for 3 % (got {value})"
                ),
            });
        }
        Ok(value)
    }

    pub fn settings(&self) -> Result<Settings, ConfigError> {
        Ok(Settings {
            http_port: self.parsed("PORT", 8080)?,
            database: self.database()?,
            jwt_secret: self.jwt_secret()?,
            pricing: self.pricing()?,
        })
    }
}
