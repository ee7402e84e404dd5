//! Accounts and access: bearer access tokens, rotating refresh tokens, three roles and every
//! object checked against its company.

mod access;
mod bearer_rule;
mod extractor;
mod handlers;
mod login_limit;
mod moderators;
mod password;
mod tokens;
mod types;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub use access::{
    apartment_of_company, apartment_of_company_for_update, building_of_company,
    building_of_company_for_update, company_of_caller, project_of_company,
    project_of_company_for_update, require_company_member, require_company_owner, ApartmentRow,
    BuildingRow, ProjectRow,
};
pub use bearer_rule::{enforce_bearer_rule, BearerRule};
pub use extractor::{ClientIp, CurrentUser, MaybeUser, Role};
pub use handlers::load_profile;
pub use login_limit::{begin_attempt, LoginAttempt};
pub use moderators::{create_or_promote_moderator, ModeratorAccount};
pub use password::{
    check_password_policy, hash_password, verify_password, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS,
};
pub use tokens::{
    issue_token_pair, new_refresh_token, refresh_token_hash, revoke_all_sessions, AccessClaims,
    AuthKeys, ACCESS_TOKEN_TYPE, LEEWAY_SECONDS,
};
pub use types::{
    nullable, CompanyMembership, CompanyRole, GrantModeratorRequest, LoginRequest, LogoutRequest,
    RefreshRequest, RegisterRequest, TokenResponse, UpdateMeRequest, UserProfile,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::register))
        .routes(routes!(handlers::login))
        .routes(routes!(handlers::refresh))
        .routes(routes!(handlers::logout))
        .routes(routes!(handlers::me, handlers::update_me))
        .routes(routes!(handlers::grant_moderator))
}

#[cfg(test)]
mod settings_tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use crate::config::{AuthSettings, ConfigError, SettingsReader};

    fn reader(pairs: &[(&str, &str)]) -> SettingsReader<impl Fn(&str) -> Option<String>> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        SettingsReader::new(move |name| map.get(name).cloned())
    }

    #[test]
    fn auth_settings_have_sane_defaults() {
        let settings = reader(&[]).auth().unwrap();
        assert_eq!(settings, AuthSettings::default());
        assert_eq!(settings.issuer, "nedvizhimost");
        assert_eq!(settings.audience, "nedvizhimost-api");
        assert_eq!(settings.access_token_ttl, Duration::from_secs(900));
        assert_eq!(settings.refresh_token_ttl, Duration::from_secs(30 * 86_400));
        assert_eq!(
            (
                settings.login_failures_per_email,
                settings.login_failures_per_ip
            ),
            (5, 20)
        );
        assert_eq!(settings.login_failure_window, Duration::from_secs(900));
        assert!(!settings.trust_forwarded_for);
    }

    #[test]
    fn auth_settings_are_read_and_checked() {
        let settings = reader(&[
            ("JWT_ISSUER", "issuer"),
            ("JWT_AUDIENCE", "audience"),
            ("LOGIN_MAX_FAILURES_PER_EMAIL", "3"),
            ("LOGIN_FAILURE_WINDOW_SECONDS", "60"),
            ("TRUST_FORWARDED_FOR", "true"),
        ])
        .auth()
        .unwrap();
        assert_eq!(settings.issuer, "issuer");
        assert_eq!(settings.audience, "audience");
        assert_eq!(settings.login_failures_per_email, 3);
        assert_eq!(settings.login_failure_window, Duration::from_secs(60));
        assert!(settings.trust_forwarded_for);
        assert!(matches!(
            reader(&[("LOGIN_MAX_FAILURES_PER_IP", "0")]).auth(),
            Err(ConfigError::Invalid {
                name: "LOGIN_MAX_FAILURES_PER_IP",
                ..
            })
        ));
        assert!(reader(&[("TRUST_FORWARDED_FOR", "maybe")]).auth().is_err());
    }

    #[test]
    fn weak_jwt_secrets_refuse_to_start() {
        for weak in ["short", &"a".repeat(64), &"01".repeat(32)] {
            assert!(
                reader(&[("JWT_SECRET", weak)]).jwt_secret().is_err(),
                "{weak}"
            );
        }
        assert!(matches!(
            reader(&[]).jwt_secret(),
            Err(ConfigError::Missing { name: "JWT_SECRET" })
        ));
        assert!(
            reader(&[("JWT_SECRET", "Zx8vQ2mLp4Rt7Yw1Kb9Nc3Hd6Jf0Gs5A")])
                .jwt_secret()
                .is_ok()
        );
    }
}
