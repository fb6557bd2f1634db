//! The audit log (`audit_log`): who did what, when, from where. Sign-ins,
//! failed sign-ins, sign-outs, password and account changes and downloads
//! of household-level data are recorded here, and imports confirmed in the
//! browser (`import`: files, sha256, counts).

use duckdb::{params, Connection};
use serde::Serialize;

pub const SIGN_IN: &str = "sign_in";
pub const SIGN_IN_FAILED: &str = "sign_in_failed";
pub const SIGN_OUT: &str = "sign_out";
pub const PASSWORD_CHANGED: &str = "password_changed";
pub const USER_ADDED: &str = "user_added";
pub const USER_CHANGED: &str = "user_changed";
pub const PASSWORD_RESET: &str = "password_reset";
pub const USER_REMOVED: &str = "user_removed";
/// A download of household-level (non-public) data.
pub const EXPORT: &str = "export";

/// Records one event. `user` is the acting user (`None`: anonymous, the
/// command line or the server itself), `detail` a JSON object.
pub fn record(conn: &Connection, user: Option<&str>, ip: Option<&str>, action: &str, detail: &serde_json::Value) -> anyhow::Result<()> {
    conn.execute(
        "INSERT INTO audit_log (happened_at, user_name, ip, action, detail) VALUES (CAST(? AS TIMESTAMP), ?, ?, ?, ?)",
        params![super::users::now_text(), user, ip, action, detail.to_string()],
    )?;
    Ok(())
}

/// Records an event in the server log instead of the database: what a
/// read-only replica does, since it cannot write its file.
pub fn to_log(user: Option<&str>, ip: Option<&str>, action: &str, detail: &serde_json::Value) {
    tracing::info!(target: "audit", user, ip, action, detail = %detail, "audit (read-only replica)");
}

/// Records an event from an async handler, on a blocking thread. A failure
/// to record is logged, never shown to the user.
pub async fn record_async(db: &crate::store::Db, user: Option<String>, ip: Option<String>, action: &'static str, detail: serde_json::Value) {
    if db.read_only() {
        to_log(user.as_deref(), ip.as_deref(), action, &detail);
        return;
    }
    let result = db.run(move |conn| record(conn, user.as_deref(), ip.as_deref(), action, &detail)).await;
    if let Err(e) = result {
        tracing::error!(error = ?e, action, "cannot write the audit log");
    }
}

/// One recorded event.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: i64,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
    pub user: Option<String>,
    pub ip: Option<String>,
    pub action: String,
    pub detail: String,
}

/// One page of the log, newest first (`page` counts from 1), and the number
/// of events in all.
pub fn page(conn: &Connection, page: usize, per_page: usize) -> anyhow::Result<(Vec<Entry>, i64)> {
    let total: i64 = conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?;
    let offset = page.saturating_sub(1).saturating_mul(per_page);
    let mut stmt = conn.prepare(
        "SELECT id, strftime(happened_at, '%Y-%m-%d %H:%M:%S'), user_name, ip, action, detail FROM audit_log
         ORDER BY id DESC LIMIT ? OFFSET ?",
    )?;
    let rows = stmt
        .query_map(params![per_page as i64, offset as i64], |r| {
            Ok(Entry { id: r.get(0)?, at: r.get(1)?, user: r.get(2)?, ip: r.get(3)?, action: r.get(4)?, detail: r.get(5)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_first_in_pages() {
        let conn = crate::store::open_memory().unwrap();
        for i in 0..5 {
            record(&conn, Some("li"), Some("127.0.0.1"), SIGN_IN, &serde_json::json!({ "n": i })).unwrap();
        }
        record(&conn, None, None, EXPORT, &serde_json::json!({})).unwrap();
        let (first, total) = page(&conn, 1, 4).unwrap();
        assert_eq!(total, 6);
        assert_eq!(first.len(), 4);
        assert_eq!(first[0].action, EXPORT);
        assert_eq!(first[0].user, None);
        assert_eq!(first[1].detail, r#"{"n":4}"#);
        let (second, _) = page(&conn, 2, 4).unwrap();
        assert_eq!(second.iter().map(|e| e.detail.as_str()).collect::<Vec<_>>(), [r#"{"n":1}"#, r#"{"n":0}"#]);
        assert!(first[0].at.len() == 19, "{}", first[0].at);
    }
}
