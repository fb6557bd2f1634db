//! Who sees what: accounts with roles and scopes, password hashing, cookie
//! sessions, CSRF protection, sign-in throttling, the audit log and the
//! masking of ID-card numbers.
//!
//! The web layer enforces roles through the [`CurrentUser`] extractor
//! (`require_signed_in`, `require_role`) and restricts rows through
//! [`Scope`] (`allows_zone`, `allows_township`, `allows_place`) together with
//! [`users::place_of_village`] / [`users::zone_of_township`].
//!
//! Invariant: a password is only ever stored as an argon2id PHC string; the
//! session key is never compiled in.
//! Invariant: every state-changing request passes [`csrf::guard`] (a
//! per-session token, plus `Origin` / `Sec-Fetch-Site` when present).

pub mod accounts;
pub mod audit;
pub mod csrf;
pub mod mask;
pub mod password;
pub mod session;
pub mod throttle;
pub mod users;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

pub use session::{
    body_limits, client_ip, is_html_get, login_url, message_page, safe_next, security_headers, AuthError, AuthState, CurrentUser,
    BODY_LIMIT, CONTENT_SECURITY_POLICY,
};

/// What a user may do. Roles do not nest by rank: every check names the
/// roles it lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages users and reads the audit log; sees everything.
    Admin,
    /// Works with household-level data: may download it.
    Statistician,
    /// Reads pages and figures; may not download household-level data and
    /// sees ID-card numbers masked.
    Leader,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Statistician, Role::Leader];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Statistician => "statistician",
            Role::Leader => "leader",
        }
    }

    /// The Chinese name shown beside the English one.
    pub fn zh(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Statistician => "统计员",
            Role::Leader => "领导",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim().to_ascii_lowercase())
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The part of the banner whose data a user may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum Scope {
    /// The whole banner.
    All,
    /// One war zone (`war_zone.zone_id`) and every township in it.
    Zone(i64),
    /// One township (`township.township_code`) and its villages.
    Township(String),
}

/// Where a township or village lies: enough to decide any scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    pub township_code: String,
    pub zone_id: i64,
}

impl Scope {
    /// Whether a page about the whole war zone `zone_id` may be shown. A
    /// township-scoped user sees no whole zone.
    pub fn allows_zone(&self, zone_id: i64) -> bool {
        match self {
            Scope::All => true,
            Scope::Zone(z) => *z == zone_id,
            Scope::Township(_) => false,
        }
    }

    /// Whether the township `code`, which lies in war zone
    /// `zone_of_township`, may be shown.
    pub fn allows_township(&self, code: &str, zone_of_township: i64) -> bool {
        match self {
            Scope::All => true,
            Scope::Zone(z) => *z == zone_of_township,
            Scope::Township(t) => t == code,
        }
    }

    /// Whether anything in this place (a township, or a village with its
    /// township) may be shown; see [`users::place_of_village`].
    pub fn allows_place(&self, place: &Place) -> bool {
        self.allows_township(&place.township_code, place.zone_id)
    }

    /// Whether the whole banner (totals over every zone) may be shown.
    pub fn is_all(&self) -> bool {
        matches!(self, Scope::All)
    }

    /// The zone a query must be restricted to, if the scope is a zone.
    pub fn zone(&self) -> Option<i64> {
        match self {
            Scope::Zone(z) => Some(*z),
            _ => None,
        }
    }

    /// The township a query must be restricted to, if the scope is one.
    pub fn township(&self) -> Option<&str> {
        match self {
            Scope::Township(t) => Some(t),
            _ => None,
        }
    }

    /// `all`, `zone:N` or `township:CODE` (the admin form's value).
    pub fn to_field(&self) -> String {
        match self {
            Scope::All => "all".into(),
            Scope::Zone(z) => format!("zone:{z}"),
            Scope::Township(t) => format!("township:{t}"),
        }
    }

    pub fn parse_field(s: &str) -> Option<Scope> {
        let s = s.trim();
        if s.is_empty() || s == "all" {
            return Some(Scope::All);
        }
        if let Some(z) = s.strip_prefix("zone:") {
            return z.trim().parse().ok().map(Scope::Zone);
        }
        if let Some(t) = s.strip_prefix("township:") {
            let t = t.trim();
            return (!t.is_empty()).then(|| Scope::Township(t.to_string()));
        }
        None
    }

    /// For people: 全旗 All, 战区 2 Zone 2, 苏木镇场 150526100 Township ….
    pub fn label(&self) -> String {
        match self {
            Scope::All => "全旗 Whole banner".into(),
            Scope::Zone(z) => format!("战区 {z} War zone {z}"),
            Scope::Township(t) => format!("苏木镇场 {t} Township {t}"),
        }
    }
}

/// A signed-in user as the request sees it.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    /// Signed in with a one-time password that must be changed before
    /// anything else.
    pub must_change_password: bool,
}

impl User {
    pub fn has_role(&self, roles: &[Role]) -> bool {
        roles.contains(&self.role)
    }

    /// Whether this user may see full ID-card numbers and download
    /// household-level data.
    pub fn sees_household_detail(&self) -> bool {
        self.has_role(&[Role::Admin, Role::Statistician])
    }
}

/// Session and sign-in settings (`jingzhun serve` flags).
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Mark the session cookie `Secure` (serve over https, or behind a
    /// proxy that terminates https). Off by default so that plain
    /// `http://127.0.0.1` works.
    pub secure_cookies: bool,
    /// The session key: hex or base64 of at least 64 bytes. Read from
    /// `JINGZHUN_SESSION_KEY`; never compiled in.
    pub session_key: Option<String>,
    /// A file holding the key; without it and without `session_key`, the
    /// key lives in `<db>.session-key` (created with mode 0600).
    pub session_key_file: Option<PathBuf>,
    /// A session ends after this long without a request.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, however active.
    pub max_age: Duration,
    /// Take the client address from `X-Forwarded-For` / `Forwarded` (only
    /// behind a reverse proxy that sets them).
    pub trust_proxy: bool,
    /// Failed sign-ins allowed per address and per user name within
    /// `failure_window` before further attempts answer 429.
    pub max_failures: usize,
    pub failure_window: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            secure_cookies: false,
            session_key: None,
            session_key_file: None,
            idle_timeout: Duration::from_secs(8 * 3600),
            max_age: Duration::from_secs(7 * 24 * 3600),
            trust_proxy: false,
            max_failures: 5,
            failure_window: Duration::from_secs(15 * 60),
        }
    }
}

/// The key file used when none is configured: beside the database.
pub fn default_key_file(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".session-key");
    db.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_allow_what_lies_inside_them() {
        let all = Scope::All;
        let zone = Scope::Zone(2);
        let town = Scope::Township("150526100".into());
        assert!(all.allows_zone(3) && all.allows_township("150526200", 3));
        assert!(zone.allows_zone(2) && !zone.allows_zone(3));
        assert!(zone.allows_township("150526100", 2) && !zone.allows_township("150526100", 1));
        assert!(!town.allows_zone(2), "a township user sees no whole zone");
        assert!(town.allows_township("150526100", 2) && !town.allows_township("150526101", 2));
        let place = Place { township_code: "150526100".into(), zone_id: 2 };
        assert!(town.allows_place(&place) && zone.allows_place(&place) && !Scope::Zone(1).allows_place(&place));
    }

    #[test]
    fn scope_fields_round_trip() {
        for s in [Scope::All, Scope::Zone(4), Scope::Township("150526100".into())] {
            assert_eq!(Scope::parse_field(&s.to_field()), Some(s));
        }
        assert_eq!(Scope::parse_field(""), Some(Scope::All));
        assert_eq!(Scope::parse_field("zone:x"), None);
        assert_eq!(Scope::parse_field("village:1"), None);
    }

    #[test]
    fn roles_parse() {
        assert_eq!(Role::parse("Leader"), Some(Role::Leader));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn key_file_sits_beside_the_database() {
        assert_eq!(default_key_file(Path::new("data/j.duckdb")), PathBuf::from("data/j.duckdb.session-key"));
    }
}
