//! Accounts in `app_user`, and where townships and villages lie (for scope
//! checks). Every function takes the connection that [`crate::store::Db::run`]
//! (or the command line) hands it.

use duckdb::{params, Connection, OptionalExt};
use serde::Serialize;

use super::{password, Place, Role, Scope};

/// A request about accounts that cannot be carried out as asked (unknown
/// user, name taken, no admin left, …). The web layer answers it with 400
/// and the message; the command line prints it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn refuse<T>(msg: impl Into<String>) -> anyhow::Result<T> {
    Err(Refused(msg.into()).into())
}

/// One row of `app_user`.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    #[serde(skip)]
    pub password_hash: String,
    pub must_change_password: bool,
    pub session_epoch: i64,
    pub created_at: String,
    pub last_sign_in_at: Option<String>,
}

impl Account {
    pub fn user(&self) -> super::User {
        super::User {
            name: self.name.clone(),
            role: self.role,
            scope: self.scope.clone(),
            must_change_password: self.must_change_password,
        }
    }
}

/// The current time as DuckDB reads it (`CAST(? AS TIMESTAMP)`), in UTC.
pub(crate) fn now_text() -> String {
    chrono::Utc::now().format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

/// A user name: 1 to 64 characters, no spaces, control characters or
/// characters that would need quoting in a URL path.
pub fn name_problem(name: &str) -> Option<String> {
    let n = name.chars().count();
    if n == 0 || n > 64 {
        return Some("用户名须为 1 到 64 个字符 A user name has 1 to 64 characters".into());
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control() || "/\\?#%&+<>\"'`:".contains(c)) {
        return Some("用户名不能含空格或 / \\ ? # % & + < > \" ' ` : A user name has no spaces or / \\ ? # % & + < > \" ' ` :".into());
    }
    None
}

const COLUMNS: &str = "name, role, zone_id, township_code, password_hash, must_change_password, session_epoch, \
     strftime(created_at, '%Y-%m-%d %H:%M:%S'), strftime(last_sign_in_at, '%Y-%m-%d %H:%M:%S')";

fn account(r: &duckdb::Row<'_>) -> duckdb::Result<Account> {
    let role: String = r.get(1)?;
    let zone: Option<i64> = r.get(2)?;
    let township: Option<String> = r.get(3)?;
    Ok(Account {
        name: r.get(0)?,
        // The table's CHECK allows only the three roles.
        role: Role::parse(&role).unwrap_or(Role::Leader),
        scope: match (zone, township) {
            (Some(z), _) => Scope::Zone(z),
            (None, Some(t)) => Scope::Township(t),
            (None, None) => Scope::All,
        },
        password_hash: r.get(4)?,
        must_change_password: r.get(5)?,
        session_epoch: r.get(6)?,
        created_at: r.get(7)?,
        last_sign_in_at: r.get(8)?,
    })
}

pub fn get(conn: &Connection, name: &str) -> anyhow::Result<Option<Account>> {
    Ok(conn.prepare_cached(&format!("SELECT {COLUMNS} FROM app_user WHERE name = ?"))?.query_row([name], account).optional()?)
}

/// Every account, by name.
pub fn list(conn: &Connection) -> anyhow::Result<Vec<Account>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM app_user ORDER BY name"))?;
    let rows = stmt.query_map([], account)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn count(conn: &Connection) -> anyhow::Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM app_user", [], |r| r.get(0))?)
}

fn admins_other_than(conn: &Connection, name: &str) -> anyhow::Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM app_user WHERE role = 'admin' AND name <> ?", [name], |r| r.get(0))?)
}

/// Refuses a scope that names a zone or township the database does not
/// hold, and any scope on an admin.
pub fn check_scope(conn: &Connection, role: Role, scope: &Scope) -> anyhow::Result<()> {
    match scope {
        Scope::All => Ok(()),
        _ if role == Role::Admin => refuse("管理员不限范围 An admin cannot be limited to a zone or township"),
        Scope::Zone(z) => {
            let n: i64 = conn.query_row("SELECT count(*) FROM war_zone WHERE zone_id = ?", [z], |r| r.get(0))?;
            if n == 0 {
                return refuse(format!("没有战区 {z} There is no war zone {z} (import the data first)"));
            }
            Ok(())
        }
        Scope::Township(t) => {
            if zone_of_township(conn, t)?.is_none() {
                return refuse(format!("没有苏木镇场 {t} There is no township {t} (import the data first)"));
            }
            Ok(())
        }
    }
}

fn scope_values(scope: &Scope) -> (Option<i64>, Option<String>) {
    match scope {
        Scope::All => (None, None),
        Scope::Zone(z) => (Some(*z), None),
        Scope::Township(t) => (None, Some(t.clone())),
    }
}

/// Adds a user with an already hashed password.
pub fn add(conn: &Connection, name: &str, role: Role, scope: &Scope, password_hash: &str, must_change: bool) -> anyhow::Result<()> {
    if let Some(p) = name_problem(name) {
        return refuse(p);
    }
    if get(conn, name)?.is_some() {
        return refuse(format!("用户 {name} 已存在 User {name} already exists"));
    }
    check_scope(conn, role, scope)?;
    let (zone, township) = scope_values(scope);
    conn.execute(
        "INSERT INTO app_user (name, role, zone_id, township_code, password_hash, must_change_password, created_at, password_changed_at)
         VALUES (?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP))",
        params![name, role.as_str(), zone, township, password_hash, must_change, now_text(), now_text()],
    )?;
    Ok(())
}

fn must_exist(conn: &Connection, name: &str) -> anyhow::Result<Account> {
    match get(conn, name)? {
        Some(a) => Ok(a),
        None => refuse(format!("没有用户 {name} No user {name}")),
    }
}

/// Sets a new password hash; ends the user's sessions. Returns the new
/// session epoch (a session that changed its own password carries it on).
pub fn set_password(conn: &Connection, name: &str, password_hash: &str, must_change: bool) -> anyhow::Result<i64> {
    must_exist(conn, name)?;
    Ok(conn.query_row(
        "UPDATE app_user SET password_hash = ?, must_change_password = ?, password_changed_at = CAST(? AS TIMESTAMP),
                session_epoch = session_epoch + 1
         WHERE name = ? RETURNING session_epoch",
        params![password_hash, must_change, now_text(), name],
        |r| r.get(0),
    )?)
}

/// Changes role and scope; ends the user's sessions. The last admin keeps
/// the admin role.
pub fn update(conn: &Connection, name: &str, role: Role, scope: &Scope) -> anyhow::Result<()> {
    let current = must_exist(conn, name)?;
    if current.role == Role::Admin && role != Role::Admin && admins_other_than(conn, name)? == 0 {
        return refuse("至少保留一名管理员 The last admin cannot lose the admin role");
    }
    check_scope(conn, role, scope)?;
    let (zone, township) = scope_values(scope);
    conn.execute(
        "UPDATE app_user SET role = ?, zone_id = ?, township_code = ?, session_epoch = session_epoch + 1 WHERE name = ?",
        params![role.as_str(), zone, township, name],
    )?;
    Ok(())
}

/// Removes a user; the last admin cannot be removed.
pub fn remove(conn: &Connection, name: &str) -> anyhow::Result<()> {
    let current = must_exist(conn, name)?;
    if current.role == Role::Admin && admins_other_than(conn, name)? == 0 {
        return refuse("不能删除最后一名管理员 The last admin cannot be removed");
    }
    conn.execute("DELETE FROM app_user WHERE name = ?", [name])?;
    Ok(())
}

/// Ends every session of the user (sign-out).
pub fn end_sessions(conn: &Connection, name: &str) -> anyhow::Result<()> {
    conn.execute("UPDATE app_user SET session_epoch = session_epoch + 1 WHERE name = ?", [name])?;
    Ok(())
}

pub fn mark_signed_in(conn: &Connection, name: &str) -> anyhow::Result<()> {
    conn.execute("UPDATE app_user SET last_sign_in_at = CAST(? AS TIMESTAMP) WHERE name = ?", params![now_text(), name])?;
    Ok(())
}

/// On a database without users: creates `admin` with a random one-time
/// password that must be changed at first sign-in, and returns that
/// password. `None` when users exist.
pub fn ensure_admin(conn: &Connection) -> anyhow::Result<Option<String>> {
    if count(conn)? > 0 {
        return Ok(None);
    }
    let pw = password::generate();
    add(conn, "admin", Role::Admin, &Scope::All, &password::hash(&pw)?, true)?;
    super::audit::record(conn, None, None, super::audit::USER_ADDED, &serde_json::json!({ "name": "admin", "role": "admin", "first_start": true }))?;
    Ok(Some(pw))
}

/// The war zone a township lies in.
pub fn zone_of_township(conn: &Connection, township_code: &str) -> anyhow::Result<Option<i64>> {
    Ok(conn
        .query_row("SELECT zone_id FROM township WHERE township_code = ?", [township_code], |r| r.get(0))
        .optional()?)
}

/// The township and war zone a village lies in.
pub fn place_of_village(conn: &Connection, village_code: &str) -> anyhow::Result<Option<Place>> {
    Ok(conn
        .query_row(
            "SELECT t.township_code, t.zone_id FROM village v JOIN township t ON t.township_code = v.township_code WHERE v.village_code = ?",
            [village_code],
            |r| Ok(Place { township_code: r.get(0)?, zone_id: r.get(1)? }),
        )
        .optional()?)
}

/// Zones and townships to choose a scope from: `(value, label)` as
/// [`Scope::to_field`] writes them.
pub fn scope_choices(conn: &Connection) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = vec![(Scope::All.to_field(), Scope::All.label())];
    let mut stmt = conn.prepare("SELECT zone_id, name FROM war_zone ORDER BY zone_id")?;
    for r in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
        let (z, name) = r?;
        out.push((Scope::Zone(z).to_field(), format!("{name} War zone {z}")));
    }
    let mut stmt = conn.prepare("SELECT township_code, name, zone_id FROM township ORDER BY zone_id, township_code")?;
    for r in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (code, name) = r?;
        out.push((Scope::Township(code.clone()).to_field(), format!("{name} Township {code}")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn_with_places() -> Connection {
        let conn = crate::store::open_memory().unwrap();
        conn.execute_batch(
            "INSERT INTO war_zone (zone_id, name) VALUES (1, '第一战区'), (2, '第二战区');
             INSERT INTO township (township_code, name, kind, zone_id) VALUES ('150526100', '鲁北镇', '镇', 2);
             INSERT INTO village (village_code, name, township_code, is_poor) VALUES ('150526100201', '某嘎查', '150526100', true);",
        )
        .unwrap();
        conn
    }

    #[test]
    fn accounts_round_trip() {
        let conn = conn_with_places();
        add(&conn, "li", Role::Leader, &Scope::Zone(2), "$argon2id$x", false).unwrap();
        add(&conn, "wang", Role::Statistician, &Scope::Township("150526100".into()), "$argon2id$y", true).unwrap();
        let li = get(&conn, "li").unwrap().unwrap();
        assert_eq!((li.role, li.scope.clone(), li.session_epoch), (Role::Leader, Scope::Zone(2), 0));
        assert!(get(&conn, "nobody").unwrap().is_none());
        assert_eq!(list(&conn).unwrap().iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["li", "wang"]);
        // Duplicate names, unknown places and scoped admins are refused.
        assert!(add(&conn, "li", Role::Leader, &Scope::All, "h", false).unwrap_err().downcast_ref::<Refused>().is_some());
        assert!(add(&conn, "x", Role::Leader, &Scope::Zone(9), "h", false).unwrap_err().to_string().contains("no war zone 9"));
        assert!(add(&conn, "y", Role::Admin, &Scope::Zone(2), "h", false).is_err());
        assert!(add(&conn, "a b", Role::Leader, &Scope::All, "h", false).is_err());
        // Password and role changes end sessions.
        assert_eq!(set_password(&conn, "li", "$argon2id$z", false).unwrap(), 1);
        update(&conn, "li", Role::Statistician, &Scope::All).unwrap();
        let li = get(&conn, "li").unwrap().unwrap();
        assert_eq!((li.role, li.scope, li.session_epoch, li.password_hash.as_str()), (Role::Statistician, Scope::All, 2, "$argon2id$z"));
        remove(&conn, "li").unwrap();
        assert!(get(&conn, "li").unwrap().is_none());
        assert!(remove(&conn, "li").is_err());
    }

    #[test]
    fn the_last_admin_stays() {
        let conn = conn_with_places();
        let pw = ensure_admin(&conn).unwrap().expect("a first admin");
        assert!(ensure_admin(&conn).unwrap().is_none(), "only once");
        let admin = get(&conn, "admin").unwrap().unwrap();
        assert!(admin.must_change_password);
        assert!(password::verify(&pw, &admin.password_hash));
        assert!(remove(&conn, "admin").is_err());
        assert!(update(&conn, "admin", Role::Leader, &Scope::All).is_err());
        add(&conn, "root2", Role::Admin, &Scope::All, "h", false).unwrap();
        remove(&conn, "admin").unwrap();
    }

    #[test]
    fn places_of_townships_and_villages() {
        let conn = conn_with_places();
        assert_eq!(zone_of_township(&conn, "150526100").unwrap(), Some(2));
        assert_eq!(zone_of_township(&conn, "0").unwrap(), None);
        assert_eq!(
            place_of_village(&conn, "150526100201").unwrap(),
            Some(Place { township_code: "150526100".into(), zone_id: 2 })
        );
        let choices = scope_choices(&conn).unwrap();
        assert!(choices.iter().any(|c| c.0 == "zone:2") && choices.iter().any(|c| c.0 == "township:150526100"));
    }
}
