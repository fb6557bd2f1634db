//! Consistent copies of a database file, made while it is being served.
//!
//! A running server holds DuckDB's lock on its file, so no other process can
//! open it, not even read-only. `jingzhun backup` therefore either opens the
//! file itself (no server running) or asks the server that holds it through
//! a control socket beside the file (`<db>.control`, a Unix-domain socket
//! with mode 0600, so only the file's owner — and root — can reach it). Both
//! ways end in [`copy_catalog`]: `COPY FROM DATABASE` inside one read
//! transaction (one snapshot) into a temporary file beside the output, which
//! is renamed into place only when complete.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use duckdb::Connection;

use super::Db;

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct Backup {
    pub out: PathBuf,
    pub bytes: u64,
    pub elapsed: Duration,
    /// Whether the running server made it (through the control socket).
    pub via_server: bool,
}

/// The control socket of a database file: `<db>.control`.
pub fn control_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".control");
    db.with_file_name(name)
}

/// SQL string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The catalog name under which backups attach their target; one backup at
/// a time per process (attached databases are shared by every connection of
/// a DuckDB instance).
const TARGET: &str = "jingzhun_backup_target";
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Copies the attached database `catalog` (schema, data, sequences, views,
/// macros) into a new DuckDB file `out`, reading one snapshot. The file
/// appears under its name only when complete (temporary name, fsync,
/// rename); an existing `out` is replaced.
pub fn copy_catalog(conn: &Connection, catalog: &str, out: &Path) -> anyhow::Result<Backup> {
    let started = Instant::now();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let out = absolute(out)?;
    let file_name = out.file_name().ok_or_else(|| anyhow::anyhow!("--out {}: expected a file name", out.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".partial-{}", std::process::id()));
    let tmp = out.with_file_name(tmp_name);
    let tmp_wal = PathBuf::from(format!("{}.wal", tmp.display()));
    let _ = std::fs::remove_file(&tmp);
    let _ = std::fs::remove_file(&tmp_wal);
    let tmp_text = tmp.to_str().ok_or_else(|| anyhow::anyhow!("{}: expected a UTF-8 path", tmp.display()))?;
    conn.execute_batch(&format!("ATTACH {} AS {TARGET}", literal(tmp_text)))
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    // COPY FROM DATABASE is several statements (schema, then data): one
    // transaction makes them read one snapshot of the source.
    let copied = conn
        .execute_batch(&format!("BEGIN TRANSACTION; COPY FROM DATABASE {} TO {TARGET}; COMMIT", ident(catalog)))
        .with_context(|| format!("cannot copy database {catalog}"));
    if copied.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    let detached = conn.execute_batch(&format!("DETACH {TARGET}")).context("cannot close the copy");
    let finished = copied.and(detached).and_then(|()| {
        std::fs::File::open(&tmp)?.sync_all()?;
        if tmp_wal.exists() {
            bail!("the copy left a write-ahead log behind; not renamed");
        }
        std::fs::rename(&tmp, &out).with_context(|| format!("cannot move the copy to {}", out.display()))?;
        if let Some(dir) = out.parent() {
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    });
    if let Err(e) = finished {
        let _ = std::fs::remove_file(&tmp);
        let _ = std::fs::remove_file(&tmp_wal);
        return Err(e);
    }
    let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    Ok(Backup { out, bytes, elapsed: started.elapsed(), via_server: false })
}

fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(p))
    }
}

/// `jingzhun backup`: asks the server holding `db` to copy it, or, when no
/// server answers on its control socket, opens the file read-only and
/// copies it here.
pub fn backup(db: &Path, out: &Path) -> anyhow::Result<Backup> {
    if !db.exists() {
        bail!("database {} does not exist", db.display());
    }
    let out = absolute(out)?;
    if absolute(db)? == out {
        bail!("--out must not be the database itself");
    }
    let socket = control_path(db);
    if socket.exists() {
        match std::os::unix::net::UnixStream::connect(&socket) {
            Ok(stream) => return ask_server(stream, &out),
            Err(e) => tracing::info!(socket = %socket.display(), "no server answers on the control socket ({e}); opening the file directly"),
        }
    }
    let conn = Connection::open_in_memory()?;
    let db_text = db.to_str().ok_or_else(|| anyhow::anyhow!("{}: expected a UTF-8 path", db.display()))?;
    conn.execute_batch(&format!("ATTACH {} AS jingzhun_backup_source (READ_ONLY)", literal(db_text))).with_context(|| {
        format!(
            "cannot open {} (if a server is using it, it must be a jingzhun serve of this version, which answers on {})",
            db.display(),
            socket.display()
        )
    })?;
    let copied = copy_catalog(&conn, "jingzhun_backup_source", &out);
    let _ = conn.execute_batch("DETACH jingzhun_backup_source");
    copied
}

fn ask_server(mut stream: std::os::unix::net::UnixStream, out: &Path) -> anyhow::Result<Backup> {
    let started = Instant::now();
    let out_text = out.to_str().ok_or_else(|| anyhow::anyhow!("{}: expected a UTF-8 path", out.display()))?;
    if out_text.contains('\n') {
        bail!("--out: a file name with a line break is not supported");
    }
    writeln!(stream, "backup {out_text}")?;
    stream.flush()?;
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line).context("the server closed the control socket without answering")?;
    let line = line.trim_end();
    match line.split_once(' ') {
        Some(("ok", bytes)) => Ok(Backup {
            out: out.to_path_buf(),
            bytes: bytes.trim().parse().unwrap_or(0),
            elapsed: started.elapsed(),
            via_server: true,
        }),
        Some(("error", msg)) => bail!("the server could not make the backup: {msg}"),
        _ => bail!("unexpected answer on the control socket: {line:?}"),
    }
}

/// Listens on `<db>.control` for commands from `jingzhun backup` (one line,
/// `backup <absolute path>`; answer `ok <bytes>` or `error <message>`) and
/// runs them on a pooled connection, on a thread of its own. The socket is
/// created under a temporary name, set to mode 0600, then renamed into
/// place; a left-over socket (a server that was killed) is replaced, since
/// whoever holds the database's lock — this process — owns the name.
pub fn listen(db: &Db) -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = control_path(db.path());
    let tmp = PathBuf::from(format!("{}.{}", path.display(), std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let listener = std::os::unix::net::UnixListener::bind(&tmp).with_context(|| format!("cannot create the control socket {}", tmp.display()))?;
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot create the control socket {}", path.display()))?;
    let db = db.clone();
    std::thread::Builder::new().name("jingzhun-control".into()).spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let db = db.clone();
            let _ = std::thread::Builder::new().name("jingzhun-control-conn".into()).spawn(move || {
                if let Err(e) = handle(&db, stream) {
                    tracing::warn!("control socket: {e:#}");
                }
            });
        }
    })?;
    tracing::info!(socket = %path.display(), "control socket for `jingzhun backup`");
    Ok(path)
}

/// Removes the control socket (at shutdown).
pub fn remove_control(db: &Path) {
    let _ = std::fs::remove_file(control_path(db));
}

fn handle(db: &Db, mut stream: std::os::unix::net::UnixStream) -> anyhow::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut line = String::new();
    BufReader::new(&stream).take(8192).read_line(&mut line)?;
    let line = line.trim_end_matches(['\n', '\r']);
    let answer = match line.split_once(' ') {
        Some(("backup", out)) if Path::new(out).is_absolute() => {
            let out = PathBuf::from(out);
            let made = db.with_conn(|conn| {
                let catalog: String = conn.query_row("SELECT current_database()", [], |r| r.get(0))?;
                copy_catalog(conn, &catalog, &out)
            });
            match made {
                Ok(b) => {
                    tracing::info!(out = %b.out.display(), bytes = b.bytes, ms = b.elapsed.as_millis() as u64, "backup written");
                    format!("ok {}", b.bytes)
                }
                Err(e) => {
                    tracing::warn!(out = %out.display(), "backup failed: {e:#}");
                    format!("error {}", format!("{e:#}").replace('\n', " "))
                }
            }
        }
        _ => "error expected `backup <absolute path>`".to_string(),
    };
    writeln!(stream, "{answer}")?;
    Ok(())
}
