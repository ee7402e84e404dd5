use std::fmt;
use std::time::Duration;

use rust_decimal::Decimal;

/// A start-up setting that is missing or unusable; the message (Russian, one line) names the variable.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("не задана обязательная настройка {name}{}", how_to_set(name))]
    Missing { name: &'static str },
    #[error("неверная настройка {name}: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("не удалось прочитать файл {path} из {name}: {reason}")]
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
                    .map_err(|_: tokio_postgres::Error| ConfigError::Invalid {
                        name: "DATABASE_URL",
                        reason: "строка подключения не разбирается; нужен вид \
                                 postgres://пользователь:пароль@хост:5432/база"
                            .into(),
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
    pub interval: Duration,
    pub elasticity_cap: Decimal,
    pub max_shift: Decimal,
    /// Connections that reprice batches of a pass at once (the coordinator included).
    pub workers: usize,
    /// Apartments on sale per batch of whole projects; one batch is one short transaction.
    pub batch_apartments: i32,
    /// `statement_timeout` of pricing sessions: above the longest expected cycle of the coordinator.
    pub statement_timeout: Duration,
}

impl Default for PricingSettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(60),
            elasticity_cap: Decimal::new(3, 2),
            max_shift: Decimal::new(7, 2),
            workers: default_pricing_workers(),
            batch_apartments: 5_000,
            statement_timeout: Duration::from_secs(300),
        }
    }
}

/// One worker per core of this host (the database shares it in docker compose), at least 1, at most 8.
fn default_pricing_workers() -> usize {
    std::thread::available_parallelism()
        .map(|cores| cores.get())
        .unwrap_or(1)
        .clamp(1, 8)
}

/// Tokens and the brute-force limits of `POST /auth/login`.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthSettings {
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub login_failures_per_email: u32,
    pub login_failures_per_ip: u32,
    pub login_failure_window: Duration,
    /// Take the client address from the first `X-Forwarded-For` hop (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            issuer: "nedvizhimost".into(),
            audience: "nedvizhimost-api".into(),
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            login_failures_per_email: 5,
            login_failures_per_ip: 20,
            login_failure_window: Duration::from_secs(15 * 60),
            trust_forwarded_for: false,
        }
    }
}

/// Honest demand signals and online booking.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalSettings {
    /// The same viewer counts once per apartment within this window.
    pub view_dedup_window: Duration,
    /// A viewer sending more events than this in one minute is flagged and excluded from demand.
    pub flood_events_per_minute: u32,
    /// Anonymous (token-less) views and leads from one client address per minute; more answer 429.
    /// Visitor ids are free to invent, so this is what bounds an anonymous writer.
    pub anonymous_events_per_ip_per_minute: u32,
    /// Raw interest events older than this are pruned (at least 2 days).
    pub views_retention: Duration,
    /// How long a pending booking holds the apartment.
    pub booking_hold: Duration,
    /// How long an `Idempotency-Key` of a booking request is remembered; older keys are pruned every minute.
    pub idempotency_key_ttl: Duration,
    /// `POST /events:batch` requests written to the database at the same time by one replica.
    pub batch_ingest_concurrency: u32,
    /// Simultaneous active (pending or confirmed) bookings of one buyer; a confirmed booking of a sold apartment
    /// is a finished deal and does not count.
    pub buyer_max_active_bookings: u32,
    /// `X-Service-Token` of the NestJS front end for `POST /events:batch`; `None` — moderators only.
    pub events_service_token: Option<Secret>,
}

impl Default for SignalSettings {
    fn default() -> Self {
        Self {
            view_dedup_window: Duration::from_secs(30 * 60),
            flood_events_per_minute: 60,
            anonymous_events_per_ip_per_minute: 600,
            views_retention: Duration::from_secs(90 * 24 * 3600),
            booking_hold: Duration::from_secs(48 * 3600),
            idempotency_key_ttl: Duration::from_secs(72 * 3600),
            batch_ingest_concurrency: 2,
            buyer_max_active_bookings: 3,
            events_service_token: None,
        }
    }
}

pub const MIN_SERVICE_TOKEN_BYTES: usize = 32;

/// Public catalog: how stale `total` of a search and the country map may be.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogSettings {
    /// `total` of `GET /apartments` is reused for this long per filter set; zero disables the cache.
    pub total_cache_ttl: Duration,
    /// At most this many filter sets are remembered (the oldest is evicted).
    pub total_cache_entries: usize,
    /// The map takes per-project minimum prices from `cluster_demand` while it is at most this old; an older
    /// (the pricing scheduler stopped) or never refreshed summary sends the map down the exact path.
    /// Zero disables the summary.
    pub map_summary_max_age: Duration,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        Self {
            total_cache_ttl: Duration::from_secs(30),
            total_cache_entries: 10_000,
            map_summary_max_age: Duration::from_secs(180),
        }
    }
}

/// Promotions: the platform-wide limits of a discount (`docs/promotions.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct PromotionSettings {
    /// The total discount of all promotions is at most this share of `current_price`, percent.
    pub max_total_discount_percent: Decimal,
    /// The final price is never below this share of `base_price`, percent.
    pub floor_share_of_base_price_percent: Decimal,
}

impl Default for PromotionSettings {
    fn default() -> Self {
        Self {
            max_total_discount_percent: Decimal::from(15),
            floor_share_of_base_price_percent: Decimal::from(80),
        }
    }
}

/// The AI apartment picker (`crate::picker`).
#[derive(Debug, Clone, PartialEq)]
pub struct PickerSettings {
    /// A conversation is deleted with its texts this long after its last message.
    pub conversation_ttl: Duration,
    /// Messages (and new conversations) of one visitor or buyer per minute; more answer 429.
    pub messages_per_minute: u32,
    /// Anonymous messages and new conversations from one client address per minute; more answer 429.
    pub messages_per_ip_per_minute: u32,
    /// The optional language model that fills the filters before the built-in parser (`PICKER_LLM_*`).
    pub llm: Option<LlmSettings>,
}

/// An OpenAI-compatible chat-completions endpoint for the picker.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmSettings {
    /// `PICKER_LLM_URL`: the full URL of `…/v1/chat/completions`, `https://` or `http://`.
    pub url: String,
    /// `PICKER_LLM_KEY` or `PICKER_LLM_KEY_FILE`: sent as `Authorization: Bearer …` when set.
    pub key: Option<Secret>,
    /// `PICKER_LLM_MODEL`: the `model` of the request.
    pub model: String,
    /// `PICKER_LLM_TIMEOUT_MS`: past it the built-in parser answers.
    pub timeout: Duration,
}

impl Default for PickerSettings {
    fn default() -> Self {
        Self {
            conversation_ttl: Duration::from_secs(7 * 24 * 3600),
            messages_per_minute: 20,
            messages_per_ip_per_minute: 120,
            llm: None,
        }
    }
}

/// Which minute jobs `serve` runs (`crate::jobs`).
#[derive(Debug, Clone, PartialEq)]
pub struct JobSettings {
    /// The pricing cycle every `PRICING_INTERVAL_SECONDS`.
    pub pricing_enabled: bool,
    /// Overdue pending bookings expire and their apartments go back on sale.
    pub booking_expiry_enabled: bool,
    /// Raw events past `VIEWS_LOG_RETENTION_DAYS` and booking idempotency keys past their time to live are deleted.
    pub event_pruning_enabled: bool,
    /// Discounts of promotions that started, ended, paused or whose apartments changed price are re-applied.
    pub promotions_enabled: bool,
    /// The outbox relay: events to Redis Streams (one replica at a time) and pruning of published ones.
    pub outbox_relay_enabled: bool,
    /// Picker conversations past `PICKER_CONVERSATION_TTL_DAYS` are deleted with their messages.
    pub picker_pruning_enabled: bool,
    /// CRM deliveries, incoming webhooks, Bitrix24 reconciliation and re-encryption after a key rotation.
    pub crm_enabled: bool,
    /// The hourly analytics refresh (`refresh_analytics()`).
    pub analytics_enabled: bool,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            pricing_enabled: true,
            booking_expiry_enabled: true,
            event_pruning_enabled: true,
            promotions_enabled: true,
            outbox_relay_enabled: true,
            picker_pruning_enabled: true,
            crm_enabled: true,
            analytics_enabled: true,
        }
    }
}

/// Where Redis is: `REDIS_URL` (its path is the database index, `redis://127.0.0.1:6379/3`) and the password from
/// `REDIS_PASSWORD` or `REDIS_PASSWORD_FILE` (a Docker secret) when the URL has none.
#[derive(Debug, Clone)]
pub struct RedisTarget {
    pub url: Secret,
    pub password: Option<Secret>,
}

impl RedisTarget {
    pub fn connection_info(&self) -> Result<redis::ConnectionInfo, ConfigError> {
        use redis::IntoConnectionInfo;
        let info =
            self.url
                .expose()
                .into_connection_info()
                .map_err(|error| ConfigError::Invalid {
                    name: "REDIS_URL",
                    reason: format!(
                        "нужен адрес вида redis://хост:порт/номер_базы ({})",
                        error.detail().unwrap_or("адрес не разобран")
                    ),
                })?;
        Ok(match &self.password {
            Some(password) if info.redis_settings().password().is_none() => {
                let redis = info
                    .redis_settings()
                    .clone()
                    .set_password(password.expose());
                info.set_redis_settings(redis)
            }
            _ => info,
        })
    }
}

/// The event outbox and its relay to Redis Streams (`crate::outbox`).
#[derive(Debug, Clone)]
pub struct OutboxSettings {
    /// Unset: the outbox still fills, nothing is published, and the log says so.
    pub redis: Option<RedisTarget>,
    /// Streams are `<prefix>:price`, `<prefix>:booking`, `<prefix>:catalog` (`EVENTS_STREAM_PREFIX`).
    pub stream_prefix: String,
    /// `XADD … MAXLEN ~ n` (`EVENTS_STREAM_MAXLEN`): Redis keeps about this many entries per stream.
    pub stream_max_len: u64,
    /// Events read and published in one pipelined burst (`OUTBOX_BATCH_SIZE`).
    pub batch_size: u32,
    /// Published events are deleted after this long (`OUTBOX_RETENTION_HOURS`).
    pub retention: Duration,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            redis: None,
            stream_prefix: "nedv".into(),
            stream_max_len: 1_000_000,
            batch_size: 1000,
            retention: Duration::from_secs(24 * 3600),
        }
    }
}

/// CRM integrations (`crate::crm`): the key that encrypts credentials, where the service may call, and the limits.
#[derive(Debug, Clone)]
pub struct CrmSettings {
    /// `CRM_SECRETS_KEY(_FILE)`: 32 random bytes in base64; unset — connecting a CRM answers 503.
    pub secrets_key: Option<Secret>,
    /// `CRM_SECRETS_PREVIOUS_KEY(_FILE)`: the key before a rotation; rows under it are re-encrypted with the current one.
    pub previous_secrets_key: Option<Secret>,
    /// `CRM_ALLOWED_HOSTS`: hosts (and their subdomains) a connection may point at; nothing else is ever called.
    pub allowed_hosts: Vec<String>,
    /// `CRM_MAX_ATTEMPTS`: after this many failures a delivery is set aside (`dead`) until re-queued.
    pub max_attempts: u32,
    /// `CRM_AMOCRM_RPS`: requests per second to one amoCRM account (amoCRM allows 7).
    pub amocrm_requests_per_second: u32,
    /// The "second" of `amocrm_requests_per_second`. Not read from the environment: the CRMs count in seconds;
    /// tests shrink it to run a burst of hundreds of requests quickly while asserting the same ratio.
    pub amocrm_window: Duration,
    /// `CRM_BITRIX24_RPS` and `CRM_BITRIX24_BURST`: Bitrix24 allows 2 per second with bursts of 50.
    pub bitrix24_requests_per_second: u32,
    pub bitrix24_burst: u32,
    /// The "second" of `bitrix24_requests_per_second` (not read from the environment, see `amocrm_window`).
    pub bitrix24_window: Duration,
    /// `CRM_REQUEST_TIMEOUT_SECONDS`: one HTTP request to a CRM.
    pub request_timeout: Duration,
    /// `PUBLIC_API_URL`: how the CRMs reach this API, for the webhook addresses shown to the developer.
    pub public_api_url: String,
}

impl Default for CrmSettings {
    fn default() -> Self {
        Self {
            secrets_key: None,
            previous_secrets_key: None,
            allowed_hosts: [
                "amocrm.ru",
                "amocrm.com",
                "kommo.com",
                "bitrix24.ru",
                "bitrix24.com",
                "bitrix24.by",
                "bitrix24.kz",
                "bitrix24.de",
                "bitrix24.eu",
            ]
            .map(String::from)
            .to_vec(),
            max_attempts: 8,
            amocrm_requests_per_second: 7,
            amocrm_window: Duration::from_secs(1),
            bitrix24_requests_per_second: 2,
            bitrix24_burst: 50,
            bitrix24_window: Duration::from_secs(1),
            request_timeout: Duration::from_secs(10),
            public_api_url: "http://localhost:8080".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub http_port: u16,
    pub database: DatabaseSettings,
    pub jwt_secret: Secret,
    pub pricing: PricingSettings,
    pub auth: AuthSettings,
    pub signals: SignalSettings,
    pub catalog: CatalogSettings,
    pub jobs: JobSettings,
    pub promotions: PromotionSettings,
    pub outbox: OutboxSettings,
    pub picker: PickerSettings,
    pub crm: CrmSettings,
}

pub const MIN_JWT_SECRET_BYTES: usize = 32;
/// A secret of 32+ bytes made of fewer distinct bytes ("aaaa…", "0101…") is a placeholder, not a key.
pub const MIN_JWT_SECRET_DISTINCT_BYTES: usize = 10;

/// The sample values the repository ships (`*.example` files, the same values in `.env.example`) and the file
/// each comes from: a deployment that copied one without replacing it does not start. A test checks that every
/// value in those files is refused.
pub const EXAMPLE_SECRETS: [(&str, &str); 5] = [
    (
        "jwt_secret.txt.example",
        "change-me-to-a-random-secret-of-at-least-32-bytes",
    ),
    ("db_password.txt.example", "change-me-demo-db-password"),
    (
        "events_service_token.txt.example",
        "change-me-to-a-random-service-token-of-at-least-32-bytes",
    ),
    (
        "redis_password.txt.example",
        "change-me-demo-redis-password",
    ),
    (
        "crm_secrets_key.txt.example",
        "Y2hhbmdlLW1lLWNybS1zZWNyZXRzLWtleS0zMmJ5dGU=",
    ),
];

/// Words of placeholders people type instead of a key; a random token practically never contains them.
const PLACEHOLDER_WORDS: [&str; 6] = [
    "change-me",
    "changeme",
    "replace-me",
    "placeholder",
    "example",
    "secret",
];

/// How to make a value for a secret setting, appended to the errors about it.
fn how_to_set(name: &str) -> &'static str {
    match name {
        "JWT_SECRET" => {
            "; создайте случайный секрет: openssl rand -base64 48 > jwt_secret.txt \
             и укажите JWT_SECRET_FILE=./jwt_secret.txt (docker compose берёт этот файл сам)"
        }
        "EVENTS_SERVICE_TOKEN" => {
            "; создайте случайный токен: openssl rand -base64 48 > events_service_token.txt \
             и укажите EVENTS_SERVICE_TOKEN_FILE=./events_service_token.txt (docker compose берёт этот файл сам), \
             тот же токен — фронтенду"
        }
        "CRM_SECRETS_KEY" | "CRM_SECRETS_PREVIOUS_KEY" => {
            "; создайте ключ: openssl rand -base64 32 > crm_secrets_key.txt и укажите \
             CRM_SECRETS_KEY_FILE=./crm_secrets_key.txt (docker compose берёт этот файл сам)"
        }
        "REDIS_PASSWORD" | "REDIS_URL" => {
            "; придумайте свой пароль, например openssl rand -base64 32 > redis_password.txt, \
             и укажите REDIS_PASSWORD_FILE=./redis_password.txt (в docker compose Redis получает его из этого \
             же файла)"
        }
        "DATABASE_PASSWORD" | "DATABASE_URL" => {
            "; придумайте свой пароль, например openssl rand -base64 32 > db_password.txt, \
             и задайте его роли в PostgreSQL (в docker compose база получает его из этого же файла \
             при первом запуске)"
        }
        _ => "",
    }
}

/// Why `value` is a shipped sample, if it is one.
fn example_reason(value: &str) -> Option<String> {
    EXAMPLE_SECRETS
        .iter()
        .find(|(_, example)| *example == value)
        .map(|(file, _)| format!("это образец из {file}"))
}

/// Why a signing key or a service token is a sample, a placeholder or too simple to guess hard, if it is.
fn weak_token_reason(value: &str, min_bytes: usize) -> Option<String> {
    if let Some(reason) = example_reason(value) {
        return Some(reason);
    }
    let lowercase = value.to_lowercase();
    if let Some(word) = PLACEHOLDER_WORDS
        .iter()
        .find(|word| lowercase.contains(*word))
    {
        return Some(format!(
            "в нём есть «{word}» — так выглядит заглушка, а не ключ"
        ));
    }
    if value.len() < min_bytes {
        return Some(format!("нужно не короче {min_bytes} байт"));
    }
    let distinct_bytes = value
        .bytes()
        .collect::<std::collections::HashSet<u8>>()
        .len();
    if distinct_bytes < MIN_JWT_SECRET_DISTINCT_BYTES {
        return Some(format!(
            "слишком однообразный: всего {distinct_bytes} разных байтов, нужно не меньше \
             {MIN_JWT_SECRET_DISTINCT_BYTES}"
        ));
    }
    None
}

fn refuse_weak_token(
    name: &'static str,
    token: &Secret,
    min_bytes: usize,
) -> Result<(), ConfigError> {
    match weak_token_reason(token.expose(), min_bytes) {
        Some(reason) => Err(ConfigError::Invalid {
            name,
            reason: format!("{reason}{}", how_to_set(name)),
        }),
        None => Ok(()),
    }
}

/// A password (of the database, of Redis) may be anything the operator chose, but not the shipped sample or a
/// «change-me»; `whose` names it in the message («пароль базы»).
fn refuse_example_password(
    name: &'static str,
    whose: &str,
    password: &str,
) -> Result<(), ConfigError> {
    let lowercase = password.to_lowercase();
    let reason = example_reason(password).or_else(|| {
        ["change-me", "changeme"]
            .iter()
            .find(|word| lowercase.contains(*word))
            .map(|word| format!("в пароле есть «{word}» — это заглушка"))
    });
    match reason {
        Some(reason) => Err(ConfigError::Invalid {
            name,
            reason: format!("{whose} не годится: {reason}{}", how_to_set(name)),
        }),
        None => Ok(()),
    }
}

/// What a setting of type `T` must look like, for the message about a value that does not parse.
fn expected<T>() -> &'static str {
    let type_name = std::any::type_name::<T>();
    if type_name == "bool" {
        "нужно true или false"
    } else if type_name.ends_with("Decimal") {
        "нужно число с точкой, например 0.03"
    } else if type_name.starts_with('u') {
        "нужно целое неотрицательное число"
    } else if type_name.starts_with('i') {
        "нужно целое число"
    } else {
        "неверный формат"
    }
}

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

    fn parsed<T: std::str::FromStr>(
        &self,
        name: &'static str,
        default: T,
    ) -> Result<T, ConfigError> {
        match self.optional(name) {
            None => Ok(default),
            Some(raw) => raw.parse().map_err(|_: T::Err| ConfigError::Invalid {
                name,
                reason: format!("значение {raw:?} не подходит: {}", expected::<T>()),
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
            reason: crate::text::describe_io_error(&error),
        })?;
        let value = contents.trim_end_matches(['\r', '\n']).to_owned();
        if value.is_empty() {
            return Err(ConfigError::Invalid {
                name: file_name,
                reason: format!("файл {path} пуст"),
            });
        }
        Ok(Some(Secret::new(value)))
    }

    pub fn database(&self) -> Result<DatabaseSettings, ConfigError> {
        if let Some(url) = self.optional("DATABASE_URL") {
            let password = url
                .parse::<tokio_postgres::Config>()
                .ok()
                .and_then(|config| config.get_password().map(<[u8]>::to_vec));
            if let Some(password) = password {
                refuse_example_password(
                    "DATABASE_URL",
                    "пароль базы",
                    &String::from_utf8_lossy(&password),
                )?;
            }
            return Ok(DatabaseSettings::Url(Secret::new(url)));
        }
        let password = self.secret("DATABASE_PASSWORD", "DATABASE_PASSWORD_FILE")?;
        if let Some(password) = &password {
            refuse_example_password("DATABASE_PASSWORD", "пароль базы", password.expose())?;
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
            password,
        })
    }

    pub fn jwt_secret(&self) -> Result<Secret, ConfigError> {
        let secret = self
            .secret("JWT_SECRET", "JWT_SECRET_FILE")?
            .ok_or(ConfigError::Missing { name: "JWT_SECRET" })?;
        refuse_weak_token("JWT_SECRET", &secret, MIN_JWT_SECRET_BYTES)?;
        Ok(secret)
    }

    pub fn auth(&self) -> Result<AuthSettings, ConfigError> {
        let defaults = AuthSettings::default();
        let positive = |name: &'static str, value: u64| {
            if value == 0 {
                Err(ConfigError::Invalid {
                    name,
                    reason: "нужно целое число больше нуля".into(),
                })
            } else {
                Ok(value)
            }
        };
        let access_seconds = positive(
            "ACCESS_TOKEN_TTL_SECONDS",
            self.parsed(
                "ACCESS_TOKEN_TTL_SECONDS",
                defaults.access_token_ttl.as_secs(),
            )?,
        )?;
        let refresh_days = positive(
            "REFRESH_TOKEN_TTL_DAYS",
            self.parsed("REFRESH_TOKEN_TTL_DAYS", 30)?,
        )?;
        let window_seconds = positive(
            "LOGIN_FAILURE_WINDOW_SECONDS",
            self.parsed(
                "LOGIN_FAILURE_WINDOW_SECONDS",
                defaults.login_failure_window.as_secs(),
            )?,
        )?;
        let per_email = positive(
            "LOGIN_MAX_FAILURES_PER_EMAIL",
            self.parsed(
                "LOGIN_MAX_FAILURES_PER_EMAIL",
                u64::from(defaults.login_failures_per_email),
            )?,
        )?;
        let per_ip = positive(
            "LOGIN_MAX_FAILURES_PER_IP",
            self.parsed(
                "LOGIN_MAX_FAILURES_PER_IP",
                u64::from(defaults.login_failures_per_ip),
            )?,
        )?;
        let too_big = |name: &'static str| ConfigError::Invalid {
            name,
            reason: "слишком большое значение".into(),
        };
        Ok(AuthSettings {
            issuer: self.optional("JWT_ISSUER").unwrap_or(defaults.issuer),
            audience: self.optional("JWT_AUDIENCE").unwrap_or(defaults.audience),
            access_token_ttl: Duration::from_secs(access_seconds),
            refresh_token_ttl: Duration::from_secs(
                refresh_days
                    .checked_mul(24 * 3600)
                    .ok_or_else(|| too_big("REFRESH_TOKEN_TTL_DAYS"))?,
            ),
            login_failures_per_email: u32::try_from(per_email)
                .map_err(|_| too_big("LOGIN_MAX_FAILURES_PER_EMAIL"))?,
            login_failures_per_ip: u32::try_from(per_ip)
                .map_err(|_| too_big("LOGIN_MAX_FAILURES_PER_IP"))?,
            login_failure_window: Duration::from_secs(window_seconds),
            trust_forwarded_for: self.parsed("TRUST_FORWARDED_FOR", false)?,
        })
    }

    pub fn pricing(&self) -> Result<PricingSettings, ConfigError> {
        let defaults = PricingSettings::default();
        let interval_seconds: u64 = self.parsed("PRICING_INTERVAL_SECONDS", 60)?;
        if interval_seconds == 0 {
            return Err(ConfigError::Invalid {
                name: "PRICING_INTERVAL_SECONDS",
                reason: "нужно число секунд больше нуля".into(),
            });
        }
        let workers: usize = self.parsed("PRICING_WORKERS", defaults.workers)?;
        if !(1..=32).contains(&workers) {
            return Err(ConfigError::Invalid {
                name: "PRICING_WORKERS",
                reason: "нужно от 1 до 32".into(),
            });
        }
        let batch_apartments: i32 =
            self.parsed("PRICING_BATCH_APARTMENTS", defaults.batch_apartments)?;
        if !(100..=1_000_000).contains(&batch_apartments) {
            return Err(ConfigError::Invalid {
                name: "PRICING_BATCH_APARTMENTS",
                reason: "нужно от 100 до 1000000".into(),
            });
        }
        let statement_timeout_seconds: u64 = self.parsed(
            "PRICING_STATEMENT_TIMEOUT_SECONDS",
            defaults.statement_timeout.as_secs(),
        )?;
        if !(10..=3600).contains(&statement_timeout_seconds) {
            return Err(ConfigError::Invalid {
                name: "PRICING_STATEMENT_TIMEOUT_SECONDS",
                reason: "нужно от 10 до 3600".into(),
            });
        }
        Ok(PricingSettings {
            interval: Duration::from_secs(interval_seconds),
            elasticity_cap: self.fraction("ELASTICITY_CAP", defaults.elasticity_cap)?,
            max_shift: self.fraction("PRICE_MAX_SHIFT", defaults.max_shift)?,
            workers,
            batch_apartments,
            statement_timeout: Duration::from_secs(statement_timeout_seconds),
        })
    }

    pub fn signals(&self) -> Result<SignalSettings, ConfigError> {
        let positive = |name: &'static str, value: u64| {
            if value == 0 {
                Err(ConfigError::Invalid {
                    name,
                    reason: "нужно целое число больше нуля".into(),
                })
            } else {
                Ok(value)
            }
        };
        let window = positive(
            "VIEW_DEDUP_WINDOW_SECONDS",
            self.parsed("VIEW_DEDUP_WINDOW_SECONDS", 1800)?,
        )?;
        if window > 86_400 {
            return Err(ConfigError::Invalid {
                name: "VIEW_DEDUP_WINDOW_SECONDS",
                reason: "нужно не больше 86400 (сутки: более старые отметки просмотров удаляются)"
                    .into(),
            });
        }
        let flood = positive(
            "VISITOR_FLOOD_EVENTS_PER_MINUTE",
            self.parsed("VISITOR_FLOOD_EVENTS_PER_MINUTE", 60)?,
        )?;
        let per_ip = positive(
            "ANONYMOUS_EVENTS_PER_IP_PER_MINUTE",
            self.parsed("ANONYMOUS_EVENTS_PER_IP_PER_MINUTE", 600)?,
        )?;
        let retention_days: u64 = self.parsed("VIEWS_LOG_RETENTION_DAYS", 90)?;
        if !(2..=3650).contains(&retention_days) {
            return Err(ConfigError::Invalid {
                name: "VIEWS_LOG_RETENTION_DAYS",
                reason: "нужно от 2 до 3650 дней (окну спроса в 24 ч нужны двое суток)".into(),
            });
        }
        let hold_hours: u64 = self.parsed("BOOKING_HOLD_HOURS", 48)?;
        if !(1..=720).contains(&hold_hours) {
            return Err(ConfigError::Invalid {
                name: "BOOKING_HOLD_HOURS",
                reason: "нужно от 1 до 720 часов".into(),
            });
        }
        let key_ttl_hours: u64 = self.parsed("BOOKING_IDEMPOTENCY_KEY_TTL_HOURS", 72)?;
        if !(1..=8760).contains(&key_ttl_hours) || key_ttl_hours < hold_hours {
            return Err(ConfigError::Invalid {
                name: "BOOKING_IDEMPOTENCY_KEY_TTL_HOURS",
                reason: "нужно от 1 до 8760 часов и не меньше BOOKING_HOLD_HOURS".into(),
            });
        }
        let batch_concurrency: u64 = self.parsed("EVENTS_BATCH_CONCURRENCY", 2)?;
        if !(1..=64).contains(&batch_concurrency) {
            return Err(ConfigError::Invalid {
                name: "EVENTS_BATCH_CONCURRENCY",
                reason: "нужно от 1 до 64".into(),
            });
        }
        let cap = positive(
            "BUYER_MAX_ACTIVE_BOOKINGS",
            self.parsed("BUYER_MAX_ACTIVE_BOOKINGS", 3)?,
        )?;
        let too_big = |name: &'static str| ConfigError::Invalid {
            name,
            reason: "слишком большое значение".into(),
        };
        let events_service_token =
            self.secret("EVENTS_SERVICE_TOKEN", "EVENTS_SERVICE_TOKEN_FILE")?;
        if let Some(token) = &events_service_token {
            refuse_weak_token("EVENTS_SERVICE_TOKEN", token, MIN_SERVICE_TOKEN_BYTES)?;
        }
        Ok(SignalSettings {
            view_dedup_window: Duration::from_secs(window),
            flood_events_per_minute: u32::try_from(flood)
                .map_err(|_| too_big("VISITOR_FLOOD_EVENTS_PER_MINUTE"))?,
            anonymous_events_per_ip_per_minute: u32::try_from(per_ip)
                .map_err(|_| too_big("ANONYMOUS_EVENTS_PER_IP_PER_MINUTE"))?,
            views_retention: Duration::from_secs(retention_days * 24 * 3600),
            booking_hold: Duration::from_secs(hold_hours * 3600),
            idempotency_key_ttl: Duration::from_secs(key_ttl_hours * 3600),
            batch_ingest_concurrency: batch_concurrency as u32,
            buyer_max_active_bookings: u32::try_from(cap)
                .map_err(|_| too_big("BUYER_MAX_ACTIVE_BOOKINGS"))?,
            events_service_token,
        })
    }

    fn fraction(&self, name: &'static str, default: Decimal) -> Result<Decimal, ConfigError> {
        let value: Decimal = self.parsed(name, default)?;
        if value < Decimal::ZERO || value > Decimal::new(5, 1) {
            return Err(ConfigError::Invalid {
                name,
                reason: format!("нужна доля от 0 до 0.5, например 0.03 для 3 % (указано {value})"),
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
            auth: self.auth()?,
            signals: self.signals()?,
            catalog: self.catalog()?,
            jobs: self.jobs()?,
            promotions: self.promotions()?,
            outbox: self.outbox()?,
            crm: self.crm()?,
            picker: self.picker()?,
        })
    }

    pub fn picker(&self) -> Result<PickerSettings, ConfigError> {
        let defaults = PickerSettings::default();
        let ttl_days: u64 = self.parsed("PICKER_CONVERSATION_TTL_DAYS", 7)?;
        if !(1..=365).contains(&ttl_days) {
            return Err(ConfigError::Invalid {
                name: "PICKER_CONVERSATION_TTL_DAYS",
                reason: "нужно от 1 до 365 дней".into(),
            });
        }
        let per_minute = |name: &'static str, default: u32| -> Result<u32, ConfigError> {
            let value: u32 = self.parsed(name, default)?;
            if !(1..=10_000).contains(&value) {
                return Err(ConfigError::Invalid {
                    name,
                    reason: "нужно от 1 до 10000 в минуту".into(),
                });
            }
            Ok(value)
        };
        let llm = match self.optional("PICKER_LLM_URL") {
            None => None,
            Some(url) => {
                let url = url.trim().to_owned();
                let scheme = ["https://", "http://"]
                    .into_iter()
                    .find(|scheme| url.starts_with(scheme));
                if scheme.is_none_or(|scheme| url.len() <= scheme.len()) {
                    return Err(ConfigError::Invalid {
                        name: "PICKER_LLM_URL",
                        reason: "нужен адрес http(s)://…/v1/chat/completions".into(),
                    });
                }
                let timeout_ms: u64 = self.parsed("PICKER_LLM_TIMEOUT_MS", 3000)?;
                if !(100..=30_000).contains(&timeout_ms) {
                    return Err(ConfigError::Invalid {
                        name: "PICKER_LLM_TIMEOUT_MS",
                        reason: "нужно от 100 до 30000 мс".into(),
                    });
                }
                Some(LlmSettings {
                    url,
                    key: self.secret("PICKER_LLM_KEY", "PICKER_LLM_KEY_FILE")?,
                    model: self
                        .optional("PICKER_LLM_MODEL")
                        .unwrap_or_else(|| "gpt-4o-mini".to_owned()),
                    timeout: Duration::from_millis(timeout_ms),
                })
            }
        };
        Ok(PickerSettings {
            llm,
            conversation_ttl: Duration::from_secs(ttl_days * 24 * 3600),
            messages_per_minute: per_minute(
                "PICKER_MESSAGES_PER_MINUTE",
                defaults.messages_per_minute,
            )?,
            messages_per_ip_per_minute: per_minute(
                "PICKER_MESSAGES_PER_IP_PER_MINUTE",
                defaults.messages_per_ip_per_minute,
            )?,
        })
    }

    pub fn jobs(&self) -> Result<JobSettings, ConfigError> {
        // A deployment that still switches the pricing scheduler off this way must not get it back silently.
        if self.optional("PRICING_SCHEDULER_ENABLED").is_some() {
            return Err(ConfigError::Invalid {
                name: "PRICING_SCHEDULER_ENABLED",
                reason: "больше не читается: используйте JOB_PRICING_ENABLED (истечение броней и уборка \
                         событий — JOB_BOOKING_EXPIRY_ENABLED, JOB_EVENT_PRUNING_ENABLED)"
                    .into(),
            });
        }
        let defaults = JobSettings::default();
        Ok(JobSettings {
            pricing_enabled: self.parsed("JOB_PRICING_ENABLED", defaults.pricing_enabled)?,
            booking_expiry_enabled: self.parsed(
                "JOB_BOOKING_EXPIRY_ENABLED",
                defaults.booking_expiry_enabled,
            )?,
            event_pruning_enabled: self
                .parsed("JOB_EVENT_PRUNING_ENABLED", defaults.event_pruning_enabled)?,
            promotions_enabled: self
                .parsed("JOB_PROMOTIONS_ENABLED", defaults.promotions_enabled)?,
            outbox_relay_enabled: self
                .parsed("JOB_OUTBOX_RELAY_ENABLED", defaults.outbox_relay_enabled)?,
            picker_pruning_enabled: self.parsed(
                "JOB_PICKER_PRUNING_ENABLED",
                defaults.picker_pruning_enabled,
            )?,
            crm_enabled: self.parsed("JOB_CRM_ENABLED", defaults.crm_enabled)?,
            analytics_enabled: self.parsed("JOB_ANALYTICS_ENABLED", defaults.analytics_enabled)?,
        })
    }

    pub fn promotions(&self) -> Result<PromotionSettings, ConfigError> {
        let defaults = PromotionSettings::default();
        let max_total: Decimal = self.parsed(
            "PROMOTION_MAX_TOTAL_DISCOUNT_PERCENT",
            defaults.max_total_discount_percent,
        )?;
        if max_total < Decimal::ZERO || max_total > Decimal::from(100) {
            return Err(ConfigError::Invalid {
                name: "PROMOTION_MAX_TOTAL_DISCOUNT_PERCENT",
                reason: format!("нужно от 0 до 100 (процентов текущей цены), указано {max_total}"),
            });
        }
        let floor: Decimal = self.parsed(
            "PROMOTION_FLOOR_SHARE_OF_BASE_PRICE",
            defaults.floor_share_of_base_price_percent,
        )?;
        if floor < Decimal::ZERO || floor > Decimal::from(100) {
            return Err(ConfigError::Invalid {
                name: "PROMOTION_FLOOR_SHARE_OF_BASE_PRICE",
                reason: format!("нужно от 0 до 100 (процентов базовой цены), указано {floor}"),
            });
        }
        Ok(PromotionSettings {
            max_total_discount_percent: max_total,
            floor_share_of_base_price_percent: floor,
        })
    }

    pub fn outbox(&self) -> Result<OutboxSettings, ConfigError> {
        let defaults = OutboxSettings::default();
        let password = self.secret("REDIS_PASSWORD", "REDIS_PASSWORD_FILE")?;
        if let Some(password) = &password {
            refuse_example_password("REDIS_PASSWORD", "пароль Redis", password.expose())?;
        }
        let redis = match self.optional("REDIS_URL") {
            Some(url) => {
                let target = RedisTarget {
                    url: Secret::new(url),
                    password,
                };
                let info = target.connection_info()?;
                if let Some(password) = info.redis_settings().password() {
                    refuse_example_password("REDIS_URL", "пароль Redis", password)?;
                }
                Some(target)
            }
            None if password.is_some() => return Err(ConfigError::Missing { name: "REDIS_URL" }),
            None => None,
        };
        let stream_prefix = self
            .optional("EVENTS_STREAM_PREFIX")
            .unwrap_or(defaults.stream_prefix);
        let prefix_is_valid = (1..=32).contains(&stream_prefix.len())
            && stream_prefix
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"_-.:".contains(&byte));
        if !prefix_is_valid {
            return Err(ConfigError::Invalid {
                name: "EVENTS_STREAM_PREFIX",
                reason: format!("{stream_prefix:?}: нужны 1–32 латинские буквы, цифры или _ - . :"),
            });
        }
        let stream_max_len = self.parsed("EVENTS_STREAM_MAXLEN", defaults.stream_max_len)?;
        if !(1_000..=100_000_000).contains(&stream_max_len) {
            return Err(ConfigError::Invalid {
                name: "EVENTS_STREAM_MAXLEN",
                reason: format!("{stream_max_len}: нужно от 1000 до 100000000 записей"),
            });
        }
        let batch_size = self.parsed("OUTBOX_BATCH_SIZE", defaults.batch_size)?;
        if !(1..=10_000).contains(&batch_size) {
            return Err(ConfigError::Invalid {
                name: "OUTBOX_BATCH_SIZE",
                reason: format!("{batch_size}: нужно от 1 до 10000 событий"),
            });
        }
        let retention_hours: u64 = self.parsed(
            "OUTBOX_RETENTION_HOURS",
            defaults.retention.as_secs() / 3600,
        )?;
        if !(1..=720).contains(&retention_hours) {
            return Err(ConfigError::Invalid {
                name: "OUTBOX_RETENTION_HOURS",
                reason: format!("{retention_hours}: нужно от 1 до 720 часов"),
            });
        }
        Ok(OutboxSettings {
            redis,
            stream_prefix,
            stream_max_len,
            batch_size,
            retention: Duration::from_secs(retention_hours * 3600),
        })
    }

    pub fn crm(&self) -> Result<CrmSettings, ConfigError> {
        let defaults = CrmSettings::default();
        let key =
            |name: &'static str, file_name: &'static str| -> Result<Option<Secret>, ConfigError> {
                let Some(key) = self.secret(name, file_name)? else {
                    return Ok(None);
                };
                if let Some(reason) = crate::crm::secrets::key_problem(key.expose()) {
                    return Err(ConfigError::Invalid {
                        name,
                        reason: format!("{reason}{}", how_to_set(name)),
                    });
                }
                Ok(Some(key))
            };
        let secrets_key = key("CRM_SECRETS_KEY", "CRM_SECRETS_KEY_FILE")?;
        let previous_secrets_key =
            key("CRM_SECRETS_PREVIOUS_KEY", "CRM_SECRETS_PREVIOUS_KEY_FILE")?;
        if previous_secrets_key.is_some() && secrets_key.is_none() {
            return Err(ConfigError::Missing {
                name: "CRM_SECRETS_KEY",
            });
        }
        let allowed_hosts = match self.optional("CRM_ALLOWED_HOSTS") {
            None => defaults.allowed_hosts,
            Some(list) => list
                .split(',')
                .map(|host| host.trim().trim_start_matches('.').to_lowercase())
                .filter(|host| !host.is_empty())
                .collect(),
        };
        let bounded = |name: &'static str, default: u32, range: std::ops::RangeInclusive<u32>| {
            let value: u32 = self.parsed(name, default)?;
            if range.contains(&value) {
                Ok(value)
            } else {
                Err(ConfigError::Invalid {
                    name,
                    reason: format!("{value}: нужно от {} до {}", range.start(), range.end()),
                })
            }
        };
        let timeout = bounded(
            "CRM_REQUEST_TIMEOUT_SECONDS",
            defaults.request_timeout.as_secs() as u32,
            1..=120,
        )?;
        let public_api_url = self
            .optional("PUBLIC_API_URL")
            .unwrap_or(defaults.public_api_url)
            .trim_end_matches('/')
            .to_owned();
        if !(public_api_url.starts_with("https://") || public_api_url.starts_with("http://")) {
            return Err(ConfigError::Invalid {
                name: "PUBLIC_API_URL",
                reason: format!("{public_api_url:?}: нужен адрес вида https://api.example.ru"),
            });
        }
        Ok(CrmSettings {
            secrets_key,
            previous_secrets_key,
            allowed_hosts,
            max_attempts: bounded("CRM_MAX_ATTEMPTS", defaults.max_attempts, 1..=50)?,
            amocrm_requests_per_second: bounded(
                "CRM_AMOCRM_RPS",
                defaults.amocrm_requests_per_second,
                1..=7,
            )?,
            bitrix24_requests_per_second: bounded(
                "CRM_BITRIX24_RPS",
                defaults.bitrix24_requests_per_second,
                1..=2,
            )?,
            bitrix24_burst: bounded("CRM_BITRIX24_BURST", defaults.bitrix24_burst, 1..=50)?,
            amocrm_window: defaults.amocrm_window,
            bitrix24_window: defaults.bitrix24_window,
            request_timeout: Duration::from_secs(u64::from(timeout)),
            public_api_url,
        })
    }

    pub fn catalog(&self) -> Result<CatalogSettings, ConfigError> {
        let defaults = CatalogSettings::default();
        let ttl: u64 = self.parsed(
            "CATALOG_TOTAL_CACHE_SECONDS",
            defaults.total_cache_ttl.as_secs(),
        )?;
        if ttl > 600 {
            return Err(ConfigError::Invalid {
                name: "CATALOG_TOTAL_CACHE_SECONDS",
                reason: "нужно не больше 600 (total показывается как точный)".into(),
            });
        }
        let entries: usize =
            self.parsed("CATALOG_TOTAL_CACHE_ENTRIES", defaults.total_cache_entries)?;
        if !(1..=1_000_000).contains(&entries) {
            return Err(ConfigError::Invalid {
                name: "CATALOG_TOTAL_CACHE_ENTRIES",
                reason: "нужно от 1 до 1000000".into(),
            });
        }
        let map_age: u64 = self.parsed(
            "MAP_SUMMARY_MAX_AGE_SECONDS",
            defaults.map_summary_max_age.as_secs(),
        )?;
        if map_age > 3600 {
            return Err(ConfigError::Invalid {
                name: "MAP_SUMMARY_MAX_AGE_SECONDS",
                reason: "нужно не больше 3600".into(),
            });
        }
        Ok(CatalogSettings {
            total_cache_ttl: Duration::from_secs(ttl),
            total_cache_entries: entries,
            map_summary_max_age: Duration::from_secs(map_age),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(
        pairs: &'static [(&'static str, &'static str)],
    ) -> SettingsReader<impl Fn(&str) -> Option<String>> {
        SettingsReader::new(move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn promotion_settings_have_defaults_and_bounds() {
        assert_eq!(
            reader(&[]).promotions().unwrap(),
            PromotionSettings::default()
        );
        let custom = reader(&[
            ("PROMOTION_MAX_TOTAL_DISCOUNT_PERCENT", "10"),
            ("PROMOTION_FLOOR_SHARE_OF_BASE_PRICE", "90.5"),
        ])
        .promotions()
        .unwrap();
        assert_eq!(custom.max_total_discount_percent, Decimal::from(10));
        assert_eq!(
            custom.floor_share_of_base_price_percent,
            Decimal::new(905, 1)
        );
        for (pairs, name) in [
            (
                &[("PROMOTION_MAX_TOTAL_DISCOUNT_PERCENT", "101")][..],
                "PROMOTION_MAX_TOTAL_DISCOUNT_PERCENT",
            ),
            (
                &[("PROMOTION_FLOOR_SHARE_OF_BASE_PRICE", "-1")][..],
                "PROMOTION_FLOOR_SHARE_OF_BASE_PRICE",
            ),
            (
                &[("JOB_PROMOTIONS_ENABLED", "yes")][..],
                "JOB_PROMOTIONS_ENABLED",
            ),
        ] {
            let pairs: &'static [(&'static str, &'static str)] = pairs;
            let failed = if name.starts_with("JOB_") {
                reader(pairs).jobs().map(|_| ()).unwrap_err()
            } else {
                reader(pairs).promotions().map(|_| ()).unwrap_err()
            };
            assert!(failed.to_string().contains(name), "{failed}");
        }
    }

    #[test]
    fn picker_settings_have_defaults_and_name_the_bad_variable() {
        assert_eq!(reader(&[]).picker().unwrap(), PickerSettings::default());
        let custom = reader(&[
            ("PICKER_CONVERSATION_TTL_DAYS", "30"),
            ("PICKER_MESSAGES_PER_MINUTE", "5"),
        ])
        .picker()
        .unwrap();
        assert_eq!(custom.conversation_ttl, Duration::from_secs(30 * 24 * 3600));
        assert_eq!(custom.messages_per_minute, 5);
        assert_eq!(custom.llm, None);
        let llm = reader(&[
            (
                "PICKER_LLM_URL",
                "http://127.0.0.1:9000/v1/chat/completions",
            ),
            ("PICKER_LLM_KEY", "local-key"),
        ])
        .picker()
        .unwrap()
        .llm
        .unwrap();
        assert_eq!(llm.timeout, Duration::from_secs(3));
        assert_eq!(llm.key.unwrap().expose(), "local-key");
        for (name, value) in [
            ("PICKER_CONVERSATION_TTL_DAYS", "0"),
            ("PICKER_CONVERSATION_TTL_DAYS", "366"),
            ("PICKER_MESSAGES_PER_MINUTE", "0"),
            ("PICKER_MESSAGES_PER_IP_PER_MINUTE", "x"),
            (
                "PICKER_LLM_URL",
                "ftp://api.example.com/v1/chat/completions",
            ),
        ] {
            let pairs: &'static [(&'static str, &'static str)] =
                Box::leak(Box::new([(name, value)]));
            let error = reader(pairs).picker().unwrap_err().to_string();
            assert!(error.contains(name), "{error}");
        }
    }

    #[test]
    fn catalog_settings_have_defaults_and_name_the_bad_variable() {
        assert_eq!(reader(&[]).catalog().unwrap(), CatalogSettings::default());
        let custom = reader(&[
            ("CATALOG_TOTAL_CACHE_SECONDS", "0"),
            ("MAP_SUMMARY_MAX_AGE_SECONDS", "90"),
        ])
        .catalog()
        .unwrap();
        assert_eq!(custom.total_cache_ttl, Duration::ZERO);
        assert_eq!(custom.map_summary_max_age, Duration::from_secs(90));
        let bad: [&'static [(&'static str, &'static str)]; 3] = [
            &[("CATALOG_TOTAL_CACHE_SECONDS", "601")],
            &[("CATALOG_TOTAL_CACHE_ENTRIES", "0")],
            &[("MAP_SUMMARY_MAX_AGE_SECONDS", "-1")],
        ];
        for pairs in bad {
            let error = reader(pairs).catalog().unwrap_err().to_string();
            assert!(error.contains(pairs[0].0), "{error}");
        }
    }

    #[test]
    fn each_job_has_its_own_switch_and_the_old_one_is_refused() {
        assert_eq!(reader(&[]).jobs().unwrap(), JobSettings::default());
        let analytics_off = reader(&[("JOB_ANALYTICS_ENABLED", "false")])
            .jobs()
            .unwrap();
        assert!(!analytics_off.analytics_enabled && analytics_off.pricing_enabled);
        let pricing_off = reader(&[("JOB_PRICING_ENABLED", "false")]).jobs().unwrap();
        assert_eq!(
            pricing_off,
            JobSettings {
                pricing_enabled: false,
                ..JobSettings::default()
            }
        );
        for (pairs, name) in [
            (
                &[("JOB_BOOKING_EXPIRY_ENABLED", "yes")][..],
                "JOB_BOOKING_EXPIRY_ENABLED",
            ),
            (
                &[("JOB_EVENT_PRUNING_ENABLED", "0")][..],
                "JOB_EVENT_PRUNING_ENABLED",
            ),
            (
                &[("JOB_ANALYTICS_ENABLED", "on")][..],
                "JOB_ANALYTICS_ENABLED",
            ),
            (
                &[("PRICING_SCHEDULER_ENABLED", "false")][..],
                "JOB_PRICING_ENABLED",
            ),
        ] {
            let pairs: &'static [(&'static str, &'static str)] = pairs;
            let error = reader(pairs).jobs().unwrap_err().to_string();
            assert!(error.contains(name), "{error}");
        }
    }

    #[test]
    fn signal_settings_have_defaults_and_name_the_bad_variable() {
        assert_eq!(reader(&[]).signals().unwrap(), SignalSettings::default());
        let custom = reader(&[
            ("VIEW_DEDUP_WINDOW_SECONDS", "600"),
            ("BOOKING_HOLD_HOURS", "24"),
            (
                "EVENTS_SERVICE_TOKEN",
                "0123456789abcdef0123456789abcdef-front",
            ),
        ])
        .signals()
        .unwrap();
        assert_eq!(custom.view_dedup_window, Duration::from_secs(600));
        assert_eq!(custom.booking_hold, Duration::from_secs(24 * 3600));
        assert!(custom.events_service_token.is_some());
        for (pairs, name) in [
            (
                &[("VIEWS_LOG_RETENTION_DAYS", "1")][..],
                "VIEWS_LOG_RETENTION_DAYS",
            ),
            (
                &[("BUYER_MAX_ACTIVE_BOOKINGS", "0")][..],
                "BUYER_MAX_ACTIVE_BOOKINGS",
            ),
            (
                &[("EVENTS_SERVICE_TOKEN", "short")][..],
                "EVENTS_SERVICE_TOKEN",
            ),
            (&[("BOOKING_HOLD_HOURS", "abc")][..], "BOOKING_HOLD_HOURS"),
            (
                &[("BOOKING_IDEMPOTENCY_KEY_TTL_HOURS", "24")][..],
                "BOOKING_IDEMPOTENCY_KEY_TTL_HOURS",
            ),
            (
                &[("EVENTS_BATCH_CONCURRENCY", "0")][..],
                "EVENTS_BATCH_CONCURRENCY",
            ),
            (
                &[("VIEW_DEDUP_WINDOW_SECONDS", "90000")][..],
                "VIEW_DEDUP_WINDOW_SECONDS",
            ),
        ] {
            let pairs: &'static [(&'static str, &'static str)] = pairs;
            let error = reader(pairs).signals().unwrap_err();
            assert!(error.to_string().contains(name), "{error}");
            assert!(!error.to_string().contains("short\""), "{error}");
        }
    }

    fn jwt_error(secret: &str) -> ConfigError {
        let secret = secret.to_owned();
        SettingsReader::new(move |name| (name == "JWT_SECRET").then(|| secret.clone()))
            .jwt_secret()
            .unwrap_err()
    }

    fn is_one_russian_line(message: &str) -> bool {
        !message.contains('\n') && message.chars().any(|c| ('а'..='я').contains(&c))
    }

    #[test]
    fn example_placeholder_and_monotonous_jwt_secrets_are_refused_with_how_to_make_one() {
        let mut refused = vec![
            EXAMPLE_SECRETS[0].1.to_owned(),
            "a".repeat(64),
            "ab".repeat(32),
            "0123456789".repeat(2),
            "my-production-signing-key-change-me-0123456789".to_owned(),
            "Example-Signing-Key-ABCDEFGHIJKLMNOPQRSTUVWXYZ".to_owned(),
            "our-jwt-secret-for-nedvizhimost-2025-prod-abcdef".to_owned(),
        ];
        refused.extend(EXAMPLE_SECRETS.iter().map(|(_, value)| value.to_string()));
        for secret in refused {
            let error = jwt_error(&secret);
            let message = error.to_string();
            assert!(
                matches!(
                    error,
                    ConfigError::Invalid {
                        name: "JWT_SECRET",
                        ..
                    }
                ),
                "{message}"
            );
            assert!(
                message.contains("openssl rand -base64 48 > jwt_secret.txt"),
                "{message}"
            );
            assert!(is_one_russian_line(&message), "{message}");
            assert!(!message.contains(&secret), "{message}");
        }
        let missing = SettingsReader::new(|_| None).jwt_secret().unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("openssl rand -base64 48 > jwt_secret.txt"),
            "{missing}"
        );
        for strong in [
            "q2Xv9+LZ0mT4bR7kHc1/yWf8NpJs3Ue6Ga5DoIh0VtQwK3xPzB4nM7lC2jYr9sEa",
            "s3cr3t-Value-with-enough-distinct-bytes-0123456789",
        ] {
            let strong = strong.to_owned();
            assert!(
                SettingsReader::new(move |name| (name == "JWT_SECRET").then(|| strong.clone()))
                    .jwt_secret()
                    .is_ok()
            );
        }
    }

    #[test]
    fn the_database_password_sample_is_refused_directly_in_a_file_and_in_the_url() {
        let sample = EXAMPLE_SECRETS[1].1;
        let sample_file = concat!(env!("CARGO_MANIFEST_DIR"), "/db_password.txt.example");
        let url = format!("postgres://nedvizhimost:{sample}@db:5432/nedvizhimost");
        for (name, value) in [
            ("DATABASE_PASSWORD", sample.to_owned()),
            ("DATABASE_PASSWORD", "change-me-please".to_owned()),
            ("DATABASE_PASSWORD_FILE", sample_file.to_owned()),
            ("DATABASE_URL", url),
        ] {
            let value_for_reader = value.clone();
            let error =
                SettingsReader::new(move |asked| (asked == name).then(|| value_for_reader.clone()))
                    .database()
                    .unwrap_err();
            let message = error.to_string();
            assert!(message.contains("db_password.txt"), "{name}: {message}");
            assert!(is_one_russian_line(&message), "{message}");
            assert!(!message.contains(sample), "{message}");
        }
        for (name, value) in [
            ("DATABASE_PASSWORD", "hunter2-db"),
            (
                "DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/postgres",
            ),
        ] {
            assert!(
                SettingsReader::new(move |asked| (asked == name).then(|| value.to_owned()))
                    .database()
                    .is_ok()
            );
        }
    }

    /// Every sample the repository ships — `*.example` files and the secret lines of `.env.example`, commented
    /// or not — is refused by the setting it is a sample of.
    #[test]
    fn every_shipped_sample_secret_is_refused() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut samples: Vec<(String, String)> = Vec::new();
        for entry in std::fs::read_dir(root).unwrap() {
            let file_name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let Some(stem) = file_name.strip_suffix(".txt.example") else {
                continue;
            };
            let value = std::fs::read_to_string(root.join(&file_name)).unwrap();
            let setting = match stem {
                "db_password" => "DATABASE_PASSWORD",
                "jwt_secret" => "JWT_SECRET",
                "events_service_token" => "EVENTS_SERVICE_TOKEN",
                "redis_password" => "REDIS_PASSWORD",
                "crm_secrets_key" => "CRM_SECRETS_KEY",
                other => panic!("{file_name}: which setting is {other} a sample of?"),
            };
            samples.push((setting.into(), value.trim().to_owned()));
        }
        assert_eq!(samples.len(), 5, "{samples:?}");
        let env_example = std::fs::read_to_string(root.join(".env.example")).unwrap();
        for line in env_example.lines() {
            let line = line.trim_start_matches(['#', ' ']);
            if let Some((name, value)) = line.split_once('=') {
                if [
                    "DATABASE_PASSWORD",
                    "JWT_SECRET",
                    "EVENTS_SERVICE_TOKEN",
                    "REDIS_PASSWORD",
                    "CRM_SECRETS_KEY",
                ]
                .contains(&name)
                    && !value.trim().is_empty()
                {
                    samples.push((name.into(), value.trim().to_owned()));
                }
            }
        }
        assert!(samples.len() > 5, "the JWT_SECRET sample of .env.example");
        for (setting, value) in samples {
            let (sample, asked) = (value.clone(), setting.clone());
            let reader = SettingsReader::new(move |name| (name == asked).then(|| sample.clone()));
            let error = match setting.as_str() {
                "DATABASE_PASSWORD" => reader.database().map(|_| ()),
                "JWT_SECRET" => reader.jwt_secret().map(|_| ()),
                "REDIS_PASSWORD" => reader.outbox().map(|_| ()),
                "CRM_SECRETS_KEY" => reader.crm().map(|_| ()),
                _ => reader.signals().map(|_| ()),
            }
            .expect_err(&value);
            assert!(error.to_string().contains("образец"), "{error}");
        }
    }

    #[test]
    fn configuration_errors_are_russian() {
        const STRONG: (&str, &str) = (
            "JWT_SECRET",
            "q2Xv9+LZ0mT4bR7kHc1/yWf8NpJs3Ue6Ga5DoIh0VtQwK3xPzB4nM7lC2jYr9sEa",
        );
        let cases: [(&'static [(&'static str, &'static str)], &str); 5] = [
            (&[("PORT", "eighty"), STRONG], "PORT"),
            (
                &[("JOB_PRICING_ENABLED", "yes"), STRONG],
                "JOB_PRICING_ENABLED",
            ),
            (&[("ELASTICITY_CAP", "abc"), STRONG], "ELASTICITY_CAP"),
            (&[("DATABASE_URL", "not a url at all=")], "DATABASE_URL"),
            (
                &[("JWT_SECRET_FILE", "/nonexistent/jwt")],
                "JWT_SECRET_FILE",
            ),
        ];
        for (pairs, name) in cases {
            let reader = reader(pairs);
            let error = match name {
                "DATABASE_URL" => reader
                    .database()
                    .and_then(|database| database.to_pg_config())
                    .map(|_| ()),
                _ => reader.settings().map(|_| ()),
            }
            .unwrap_err()
            .to_string();
            assert!(error.contains(name), "{error}");
            assert!(is_one_russian_line(&error), "{error}");
            for english in ["must", "invalid", "error", "No such file"] {
                assert!(!error.contains(english), "{error}");
            }
        }
    }

    fn outbox_from(
        pairs: &'static [(&'static str, &'static str)],
    ) -> Result<OutboxSettings, ConfigError> {
        SettingsReader::new(move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
        .outbox()
    }

    #[test]
    fn redis_settings_keep_the_database_index_and_take_the_password_from_its_own_setting() {
        let settings = outbox_from(&[
            ("REDIS_URL", "redis://127.0.0.1:6379/3"),
            ("REDIS_PASSWORD", "q2Xv9+LZ0mT4bR7kHc1"),
        ])
        .unwrap();
        let info = settings.redis.unwrap().connection_info().unwrap();
        assert_eq!(info.redis_settings().db(), 3);
        assert_eq!(
            info.redis_settings().password(),
            Some("q2Xv9+LZ0mT4bR7kHc1")
        );
        assert!(
            outbox_from(&[]).unwrap().redis.is_none(),
            "no REDIS_URL: not published"
        );
    }

    #[test]
    fn unusable_redis_settings_stop_the_start_with_the_setting_named() {
        let cases: [(&'static [(&'static str, &'static str)], &str); 5] = [
            (&[("REDIS_URL", "http://redis:6379")], "REDIS_URL"),
            (
                &[("REDIS_URL", "redis://:change-me@redis:6379/0")],
                "REDIS_URL",
            ),
            (&[("REDIS_PASSWORD", "s3cr3t-but-no-url-1234")], "REDIS_URL"),
            (
                &[("EVENTS_STREAM_PREFIX", "пробел и кириллица")],
                "EVENTS_STREAM_PREFIX",
            ),
            (&[("OUTBOX_BATCH_SIZE", "0")], "OUTBOX_BATCH_SIZE"),
        ];
        for (pairs, named) in cases {
            let error = outbox_from(pairs).unwrap_err().to_string();
            assert!(error.contains(named), "{pairs:?}: {error}");
        }
    }
}
