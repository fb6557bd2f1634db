//! The command line: `serve`, `sample`, `import`, `backup`, `sql`, `user`. Each subcommand
//! parses its arguments and calls into the library; the exit code says
//! whether it worked.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use crate::catalog::{run_sql, Cell};
use crate::import::{import_paths, ImportOptions, ImportReport};

#[derive(Parser, Debug)]
#[command(name = "jingzhun", version, about = "精准 Jingzhun: dashboards for precision poverty-alleviation data")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the dashboards over HTTP.
    Serve {
        /// Database file. Without it, ./jingzhun.duckdb, built from the
        /// sample data on first start.
        #[arg(long)]
        db: Option<PathBuf>,
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8080", env = "JINGZHUN_BIND")]
        bind: String,
        /// Queries folder (default: the queries built into the binary).
        #[arg(long, env = "JINGZHUN_QUERIES")]
        queries: Option<PathBuf>,
        /// Dashboards folder (default: the dashboards built into the binary).
        #[arg(long, env = "JINGZHUN_DASHBOARDS")]
        dashboards: Option<PathBuf>,
        /// A font file with Chinese glyphs for PNG and PDF exports (default:
        /// searched among the system's fonts).
        #[arg(long, env = "JINGZHUN_CJK_FONT")]
        cjk_font: Option<PathBuf>,
        /// Sample-data folder used to build the default database.
        #[arg(long, default_value = "sample-data")]
        sample_data: PathBuf,
        /// HTTP worker threads (0: one per core).
        #[arg(long, default_value_t = 0, env = "JINGZHUN_WORKERS")]
        workers: usize,
        /// Time limit of a page's or JSON query, in milliseconds.
        #[arg(long, default_value_t = 5000, env = "JINGZHUN_QUERY_TIMEOUT_MS")]
        query_timeout_ms: u64,
        /// Rows shown on a page or in JSON (downloads have them all).
        #[arg(long, default_value_t = 5000, env = "JINGZHUN_ROW_CAP")]
        row_cap: usize,
        /// Largest total upload to /import, in MiB.
        #[arg(long, default_value_t = 50)]
        max_upload_mb: usize,
        /// Mark the session cookie Secure: use when served over https
        /// (directly or behind a proxy that terminates it). Off by default
        /// so that plain http on 127.0.0.1 works.
        #[arg(long, env = "JINGZHUN_SECURE_COOKIES")]
        secure_cookies: bool,
        /// File holding the session key (hex or base64, 64 bytes or more).
        /// Default: JINGZHUN_SESSION_KEY, else <db>.session-key, created
        /// with mode 0600 on first start.
        #[arg(long, env = "JINGZHUN_SESSION_KEY_FILE")]
        session_key_file: Option<PathBuf>,
        /// A session ends after this many minutes without a request.
        #[arg(long, default_value_t = 480, env = "JINGZHUN_SESSION_IDLE_MINUTES")]
        session_idle_minutes: u64,
        /// A session ends this many hours after sign-in, however active.
        #[arg(long, default_value_t = 168, env = "JINGZHUN_SESSION_MAX_HOURS")]
        session_max_hours: u64,
        /// Take client addresses (sign-in throttling, audit log) from
        /// X-Forwarded-For / Forwarded: only behind a reverse proxy that
        /// sets them.
        #[arg(long, env = "JINGZHUN_TRUST_PROXY")]
        trust_proxy: bool,
        /// Serve the database read-only, as one of several replicas of a
        /// published file (see ARCHITECTURE.md, "Scaling out"): any number
        /// of servers may open the same file; imports and account changes
        /// answer 503. Set JINGZHUN_SESSION_KEY alike on every replica.
        #[arg(long, env = "JINGZHUN_READ_ONLY")]
        read_only: bool,
        /// Keep no views, query results or responses: every request runs
        /// its queries and draws its charts (for measuring, see bench/).
        #[arg(long)]
        no_cache: bool,
        /// Do not build every dashboard once in the background after start
        /// and after each import (the warm-up that spares the first
        /// visitor a cold page).
        #[arg(long, env = "JINGZHUN_NO_WARM")]
        no_warm: bool,
        /// Logs, resource limits and shutdown.
        #[command(flatten)]
        ops: OpsArgs,
    },
    /// Manage user accounts (stop the server first: it holds the database).
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Check every canned query against the schema and every dashboard
    /// against the queries; exit non-zero on any problem.
    Check {
        /// Database to check against (default: an empty database with the current schema).
        #[arg(long)]
        db: Option<PathBuf>,
        #[arg(long)]
        queries: Option<PathBuf>,
        #[arg(long)]
        dashboards: Option<PathBuf>,
    },
    /// Run a canned query offline, with the same parameter checks as the server.
    Query {
        name: String,
        #[arg(long)]
        db: PathBuf,
        /// A parameter, as name=value (repeatable).
        #[arg(short = 'p', long = "param")]
        params: Vec<String>,
        #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
        format: QueryFormat,
        /// Output file (default: standard output; required for xlsx and parquet).
        #[arg(short = 'o', long)]
        out: Option<PathBuf>,
        #[arg(long)]
        queries: Option<PathBuf>,
    },
    /// Draw a dashboard as PDF, or one of its panels as SVG or PNG, offline.
    Render {
        /// `dashboard` (PDF) or `dashboard/panel` (SVG, PNG).
        what: String,
        #[arg(long)]
        db: PathBuf,
        #[arg(long, value_enum)]
        format: RenderFormatArg,
        /// A filter, as name=value (repeatable); a unit page takes its unit, e.g. -p village=150526100001.
        #[arg(short = 'p', long = "param")]
        params: Vec<String>,
        /// zh (default) or en.
        #[arg(long, default_value = "zh")]
        lang: String,
        #[arg(short = 'o', long)]
        out: PathBuf,
        #[arg(long)]
        queries: Option<PathBuf>,
        #[arg(long)]
        dashboards: Option<PathBuf>,
    },
    /// Write deterministic sample data, one CSV per table.
    Sample {
        #[arg(long)]
        out: PathBuf,
        /// Multiplies villages, households and everything that hangs off them.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        scale: u32,
        #[arg(long, default_value_t = 2014)]
        seed: u64,
    },
    /// Import CSV or Excel files (or folders of them) into a database.
    Import {
        #[arg(long)]
        db: PathBuf,
        /// Land the valid rows; write rejected rows with reasons to a rejects CSV.
        #[arg(long)]
        skip_invalid: bool,
        /// Folder for rejects CSVs (default: the current folder).
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// Import every file into this table instead of telling it from the name.
        #[arg(long)]
        table: Option<String>,
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Write a consistent copy of a database, also while `jingzhun serve`
    /// is serving it (the server then makes the copy, asked through the
    /// control socket `<db>.control`).
    Backup {
        #[arg(long)]
        db: PathBuf,
        /// The copy (replaced if it exists; written under a temporary name
        /// and renamed when complete).
        #[arg(long)]
        out: PathBuf,
    },
    /// Run SQL against a database opened read-only.
    Sql {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        sql: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq)]
pub enum RenderFormatArg {
    Svg,
    Png,
    Pdf,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq)]
pub enum QueryFormat {
    Table,
    Csv,
    Json,
    Xlsx,
    Parquet,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// Runs the command line; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(match &cli.command {
        Command::Serve { ops, .. } => ops.log_format,
        _ => LogFormat::Text,
    });
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: a log file or collector gets plain text.
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal());
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        // One JSON object a line; the request span's fields (request_id,
        // method, path) come under "span".
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
    };
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            db,
            bind,
            queries,
            dashboards,
            cjk_font,
            sample_data,
            workers,
            query_timeout_ms,
            row_cap,
            max_upload_mb,
            secure_cookies,
            session_key_file,
            session_idle_minutes,
            session_max_hours,
            trust_proxy,
            read_only,
            no_cache,
            no_warm,
            ops,
        } => {
            let db = match db {
                Some(db) => db,
                None => {
                    let default = PathBuf::from("jingzhun.duckdb");
                    if !default.exists() {
                        build_default_db(&default, &sample_data)?;
                    }
                    default
                }
            };
            let limits = crate::web::Limits {
                query_timeout: std::time::Duration::from_millis(query_timeout_ms),
                row_cap,
                max_upload_bytes: max_upload_mb.saturating_mul(1024 * 1024),
                ..ops.limits()
            };
            let auth = crate::auth::AuthConfig {
                secure_cookies,
                // Read here, not as a flag, so the key never shows in --help or `ps`.
                session_key: std::env::var("JINGZHUN_SESSION_KEY").ok(),
                session_key_file,
                idle_timeout: std::time::Duration::from_secs(session_idle_minutes.max(1) * 60),
                max_age: std::time::Duration::from_secs(session_max_hours.max(1) * 3600),
                trust_proxy,
                ..Default::default()
            };
            let config = crate::web::ServeConfig { db: db.clone(), bind, queries, dashboards, cjk_font, workers, limits, auth, read_only, caching: !no_cache, warm: !no_warm };
            let served = actix_web::rt::System::new().block_on(async move {
                let (server, addr) = crate::web::build(&config)?;
                println!("Jingzhun listening on http://{addr}/");
                std::io::stdout().flush().ok();
                server.await.context("server failed")
            });
            crate::store::backup::remove_control(&db);
            served?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { db, queries, dashboards } => {
            let catalog = match crate::catalog::Catalog::load(queries.as_deref()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("{e:#}");
                    return Ok(ExitCode::from(2));
                }
            };
            let conn = match &db {
                Some(path) => crate::store::open_ro(path)?,
                None => crate::store::open_memory()?,
            };
            let mut problems = catalog.check(&conn);
            let boards = match crate::dashboards::Dashboards::load(dashboards.as_deref(), &catalog) {
                Ok(b) => b.all.len(),
                Err(e) => {
                    problems.extend(format!("{e:#}").lines().map(String::from));
                    0
                }
            };
            for p in &problems {
                eprintln!("{p}");
            }
            if problems.is_empty() {
                eprintln!("{} queries and {boards} dashboards checked, no problems", catalog.queries.len());
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("{} problem{} found", problems.len(), if problems.len() == 1 { "" } else { "s" });
                Ok(ExitCode::from(2))
            }
        }
        Command::User { action } => run_user_command(action),
        Command::Query { name, db, params, format, out, queries } => run_query_command(&name, &db, &params, format, out.as_deref(), queries.as_deref()),
        Command::Render { what, db, format, params, lang, out, queries, dashboards } => {
            let lang = crate::lang::Lang::parse(&lang).ok_or_else(|| anyhow::anyhow!("--lang: found \"{lang}\", expected zh or en"))?;
            let params = params
                .iter()
                .map(|p| p.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| anyhow::anyhow!("-p: expected name=value"))?;
            let format = match format {
                RenderFormatArg::Svg => crate::web::dash::RenderFormat::Svg,
                RenderFormatArg::Png => crate::web::dash::RenderFormat::Png,
                RenderFormatArg::Pdf => crate::web::dash::RenderFormat::Pdf,
            };
            let config = crate::web::ServeConfig { db, bind: String::new(), queries, dashboards, cjk_font: None, workers: 1, limits: Default::default(), auth: Default::default(), read_only: false, caching: true, warm: false };
            let bytes = actix_web::rt::System::new().block_on(async move {
                let state = crate::web::app_state(&config, 1)?;
                crate::web::dash::render_offline(&state, &what, &params, lang, format).await
            })?;
            std::fs::write(&out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Sample { out, scale, seed } => {
            let started = std::time::Instant::now();
            let summary = crate::sample::generate(&out, &crate::sample::SampleOptions { scale, seed })?;
            let rows: usize = summary.rows.iter().map(|r| r.1).sum();
            eprintln!(
                "wrote {} tables, {} rows to {} in {:.1} s",
                summary.rows.len(),
                rows,
                out.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { db, skip_invalid, rejects, table, json, paths } => {
            let mut conn = crate::store::open_rw(&db)?;
            let opts = ImportOptions { skip_invalid, rejects_dir: rejects, table, progress: std::io::stderr().is_terminal() && !json, dry_run: false };
            let started = std::time::Instant::now();
            let report = import_paths(&mut conn, &paths, &opts)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_report(&report, started.elapsed().as_secs_f64());
            }
            Ok(if report.committed { ExitCode::SUCCESS } else { ExitCode::from(2) })
        }
        Command::Backup { db, out } => {
            let b = crate::store::backup::backup(&db, &out)?;
            eprintln!(
                "wrote {} ({} bytes) in {:.1} s{}",
                b.out.display(),
                b.bytes,
                b.elapsed.as_secs_f64(),
                if b.via_server { ", made by the running server" } else { "" }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Sql { db, format, sql } => {
            let conn = crate::store::open_ro(&db)?;
            let rs = run_sql(&conn, &sql)?;
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            match format {
                Format::Table => {
                    let mut t = comfy_table::Table::new();
                    t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
                    t.set_header(rs.columns.clone());
                    for r in &rs.rows {
                        t.add_row(r.iter().map(Cell::text).collect::<Vec<_>>());
                    }
                    writeln!(out, "{t}")?;
                    writeln!(out, "({} rows)", rs.rows.len())?;
                }
                Format::Csv => {
                    let mut w = csv::Writer::from_writer(out);
                    w.write_record(&rs.columns)?;
                    for r in &rs.rows {
                        // Text that a spreadsheet would run as a formula is
                        // neutralised, numbers are not.
                        w.write_record(r.iter().map(|c| match c {
                            Cell::Text(t) => crate::export::neutralise(t).into_owned(),
                            other => other.text(),
                        }))?;
                    }
                    w.flush()?;
                }
                Format::Json => {
                    let rows: Vec<serde_json::Map<String, serde_json::Value>> = rs
                        .rows
                        .iter()
                        .map(|r| rs.columns.iter().cloned().zip(r.iter().map(|c| serde_json::to_value(c).unwrap_or_default())).collect())
                        .collect();
                    serde_json::to_writer_pretty(&mut out, &rows)?;
                    writeln!(out)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn run_query_command(
    name: &str,
    db: &Path,
    params: &[String],
    format: QueryFormat,
    out: Option<&Path>,
    queries: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    use crate::catalog::params::read_all;
    let catalog = crate::catalog::Catalog::load(queries)?;
    let Some(q) = catalog.get(name) else {
        eprintln!("unknown query {name}; expected one of {}", catalog.queries.keys().cloned().collect::<Vec<_>>().join(", "));
        return Ok(ExitCode::from(2));
    };
    let mut given = Vec::new();
    for p in params {
        match p.split_once('=') {
            Some((k, v)) => given.push((k.trim().to_string(), v.to_string())),
            None => {
                eprintln!("-p {p}: expected name=value");
                return Ok(ExitCode::from(2));
            }
        }
    }
    let bound = match read_all(&q.meta.params, &given, &[]) {
        Ok(b) => b,
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            return Ok(ExitCode::from(2));
        }
    };
    let conn = crate::store::open_ro(db)?;
    let columns = |names: &[String]| crate::export::ExportColumn::for_result(names, &q.meta.columns);
    match format {
        QueryFormat::Parquet | QueryFormat::Xlsx if out.is_none() => {
            eprintln!("--format {format:?} needs -o FILE");
            return Ok(ExitCode::from(2));
        }
        QueryFormat::Parquet => {
            // A read-only database cannot hold the temporary table, so copy
            // through an in-memory one attached to nothing: run in memory.
            let rs = crate::catalog::run_query(&conn, q, &bound, None)?;
            let mem = duckdb::Connection::open_in_memory()?;
            write_parquet_from_rows(&mem, &rs.rs, out.unwrap_or(Path::new("out.parquet")))?;
        }
        QueryFormat::Xlsx | QueryFormat::Csv => {
            use crate::export::{export_query, ExportKind};
            // A file gets a BOM so spreadsheets read it; a pipe does not.
            let kind = match format {
                QueryFormat::Xlsx => ExportKind::Xlsx { title: q.meta.title.clone() },
                _ => ExportKind::Csv { bom: out.is_some() },
            };
            let sink: Box<dyn Write + Send> = match out {
                Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?)),
                None => Box::new(std::io::stdout()),
            };
            export_query(&conn, q, &bound, &kind, sink, |_| Ok(()))?.flush()?;
        }
        QueryFormat::Table | QueryFormat::Json => {
            let result = crate::catalog::run_query(&conn, q, &bound, None)?;
            let text = if format == QueryFormat::Json {
                serde_json::to_string_pretty(&serde_json::json!({
                    "query": name,
                    "columns": result.rs.columns,
                    "rows": result.rs.rows,
                    "row_count": result.rs.rows.len(),
                    "elapsed_ms": result.elapsed_ms,
                }))?
            } else {
                let mut t = comfy_table::Table::new();
                t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
                t.set_header(columns(&result.rs.columns).iter().map(|c| c.label()).collect::<Vec<_>>());
                for r in &result.rs.rows {
                    t.add_row(r.iter().map(Cell::text).collect::<Vec<_>>());
                }
                format!("{t}\n({} rows)", result.rs.rows.len())
            };
            match out {
                Some(p) => std::fs::write(p, text + "\n").with_context(|| format!("cannot write {}", p.display()))?,
                None => println!("{text}"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes rows to a Parquet file through an in-memory DuckDB table.
fn write_parquet_from_rows(mem: &duckdb::Connection, rs: &crate::catalog::ResultSet, path: &Path) -> anyhow::Result<()> {
    let types: Vec<&str> = (0..rs.columns.len())
        .map(|i| {
            let cells = rs.rows.iter().map(|r| &r[i]).filter(|c| **c != Cell::Null);
            let mut ty = "BIGINT";
            for c in cells {
                match c {
                    Cell::Int(_) => {}
                    Cell::Float(_) if ty != "VARCHAR" => ty = "DOUBLE",
                    _ => ty = "VARCHAR",
                }
            }
            ty
        })
        .collect();
    let ddl = rs.columns.iter().zip(&types).map(|(c, t)| format!("\"{}\" {t}", c.replace('"', "\"\""))).collect::<Vec<_>>().join(", ");
    mem.execute_batch(&format!("CREATE TABLE out ({ddl})"))?;
    {
        let mut app = mem.appender("out")?;
        for r in &rs.rows {
            app.append_row(duckdb::appender_params_from_iter(r.iter().map(|c| match c {
                Cell::Null => duckdb::types::Value::Null,
                Cell::Int(i) => duckdb::types::Value::BigInt(*i),
                Cell::Float(f) => duckdb::types::Value::Double(*f),
                Cell::Text(t) => duckdb::types::Value::Text(t.clone()),
            })))?;
        }
    }
    mem.execute_batch(&format!("COPY out TO '{}' (FORMAT parquet)", path.display().to_string().replace('\'', "''")))?;
    Ok(())
}

fn print_report(report: &ImportReport, seconds: f64) {
    for p in &report.problems {
        eprintln!("{p}");
    }
    if report.problem_count > report.problems.len() as u64 {
        eprintln!("… and {} more problems", report.problem_count - report.problems.len() as u64);
    }
    for f in &report.files {
        for w in &f.warnings {
            eprintln!("{}: warning: {w}", f.label);
        }
        eprintln!(
            "{:<32} → {:<18} {:>9} accepted ({} new, {} updated), {} rejected [{}]{}",
            f.label,
            f.table,
            f.accepted,
            f.inserted,
            f.updated,
            f.rejected,
            f.encoding,
            f.rejects_file.as_ref().map(|p| format!(", rejects in {}", p.display())).unwrap_or_default()
        );
    }
    if report.committed {
        let rows: u64 = report.files.iter().map(|f| f.accepted).sum();
        eprintln!("imported {rows} rows in {seconds:.1} s");
    } else {
        eprintln!(
            "nothing was imported: {} problem{} found (fix them, or use --skip-invalid to import the valid rows)",
            report.problem_count,
            if report.problem_count == 1 { "" } else { "s" }
        );
    }
}

/// Builds the default database from the sample-data folder (or, when there
/// is none, from freshly generated sample data) into a temporary file that
/// is renamed into place only once complete.
pub fn build_default_db(target: &Path, sample_data: &Path) -> anyhow::Result<()> {
    let tmp_dir;
    let source = if sample_data.is_dir() {
        sample_data.to_path_buf()
    } else {
        tmp_dir = std::env::temp_dir().join(format!("jingzhun-sample-{}", std::process::id()));
        crate::sample::generate(&tmp_dir, &crate::sample::SampleOptions::default())?;
        tmp_dir.clone()
    };
    eprintln!("building {} from {} …", target.display(), source.display());
    let building = target.with_extension("duckdb.building");
    let _ = std::fs::remove_file(&building);
    let _ = std::fs::remove_file(building.with_extension("building.wal"));
    {
        let mut conn = crate::store::open_rw(&building)?;
        let report = import_paths(&mut conn, &[source.clone()], &ImportOptions::default())?;
        if !report.committed {
            for p in report.problems.iter().take(20) {
                eprintln!("{p}");
            }
            anyhow::bail!("the sample data in {} did not import", source.display());
        }
        conn.execute_batch("CHECKPOINT")?;
    }
    std::fs::rename(&building, target).with_context(|| format!("cannot move the new database to {}", target.display()))?;
    if source != sample_data {
        let _ = std::fs::remove_dir_all(&source);
    }
    Ok(())
}

// ---------------------------------------------------------------- user accounts

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user. Without --password-stdin a random one-time password is
    /// printed, to be changed at first sign-in.
    Add {
        name: String,
        /// admin, statistician or leader.
        #[arg(long, value_parser = parse_role)]
        role: crate::auth::Role,
        /// Limit the user to one war zone (war_zone.zone_id).
        #[arg(long, conflicts_with = "township")]
        zone: Option<i64>,
        /// Limit the user to one township (township.township_code).
        #[arg(long)]
        township: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        db: PathBuf,
    },
    /// Set a user's password (a random one-time password without
    /// --password-stdin). Ends the user's sessions.
    Passwd {
        name: String,
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        db: PathBuf,
    },
    /// List users with role, scope and last sign-in.
    List {
        #[arg(long)]
        db: PathBuf,
    },
    /// Remove a user (not the last admin).
    Remove {
        name: String,
        #[arg(long)]
        db: PathBuf,
    },
}

fn parse_role(s: &str) -> Result<crate::auth::Role, String> {
    crate::auth::Role::parse(s).ok_or_else(|| format!("unknown role {s}; expected admin, statistician or leader"))
}

/// Opens an existing database for account changes.
fn open_for_users(db: &Path) -> anyhow::Result<duckdb::Connection> {
    if !db.exists() {
        anyhow::bail!("database {} does not exist (start `jingzhun serve` or import data first)", db.display());
    }
    crate::store::open_rw(db).with_context(|| {
        format!("cannot open {} for writing; if `jingzhun serve` is running on it, stop it first or use /admin/users", db.display())
    })
}

/// A password from standard input (first line), or a generated one-time
/// password; the flag says whether it must be changed at first sign-in.
fn password_for(name: &str, from_stdin: bool) -> anyhow::Result<Result<(String, bool), String>> {
    if !from_stdin {
        return Ok(Ok((crate::auth::password::generate(), true)));
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).context("cannot read the password from standard input")?;
    let pw = line.trim_end_matches(['\n', '\r']).to_string();
    Ok(match crate::auth::password::problem(&pw, name) {
        Some(p) => Err(p),
        None => Ok((pw, false)),
    })
}

fn run_user_command(action: UserCommand) -> anyhow::Result<ExitCode> {
    use crate::auth::{audit, password, users, Scope};
    let refused = |e: anyhow::Error| -> anyhow::Result<ExitCode> {
        match e.downcast_ref::<users::Refused>() {
            Some(r) => {
                eprintln!("{r}");
                Ok(ExitCode::from(2))
            }
            None => Err(e),
        }
    };
    let via_cli = |mut detail: serde_json::Value| {
        detail["via"] = serde_json::Value::String("command line".into());
        detail
    };
    match action {
        UserCommand::Add { name, role, zone, township, password_stdin, db } => {
            let scope = match (zone, township) {
                (Some(z), _) => Scope::Zone(z),
                (None, Some(t)) => Scope::Township(t),
                (None, None) => Scope::All,
            };
            let (pw, must_change) = match password_for(&name, password_stdin)? {
                Ok(p) => p,
                Err(problem) => {
                    eprintln!("{problem}");
                    return Ok(ExitCode::from(2));
                }
            };
            let conn = open_for_users(&db)?;
            let added = users::add(&conn, &name, role, &scope, &password::hash(&pw)?, must_change).and_then(|()| {
                let detail = serde_json::json!({ "name": name, "role": role.as_str(), "scope": scope.to_field() });
                audit::record(&conn, None, None, audit::USER_ADDED, &via_cli(detail))
            });
            if let Err(e) = added {
                return refused(e);
            }
            eprintln!("added {name} ({role}, {})", scope.label());
            if must_change {
                println!("one-time password for {name}: {pw}");
                eprintln!("(shown only now; {name} must choose a new password at first sign-in)");
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Passwd { name, password_stdin, db } => {
            let (pw, must_change) = match password_for(&name, password_stdin)? {
                Ok(p) => p,
                Err(problem) => {
                    eprintln!("{problem}");
                    return Ok(ExitCode::from(2));
                }
            };
            let conn = open_for_users(&db)?;
            let changed = users::set_password(&conn, &name, &password::hash(&pw)?, must_change).and_then(|_| {
                let action = if must_change { audit::PASSWORD_RESET } else { audit::PASSWORD_CHANGED };
                audit::record(&conn, None, None, action, &via_cli(serde_json::json!({ "name": name })))
            });
            if let Err(e) = changed {
                return refused(e);
            }
            eprintln!("password of {name} changed; their sessions have ended");
            if must_change {
                println!("one-time password for {name}: {pw}");
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::List { db } => {
            let conn = open_for_users(&db)?;
            let mut t = comfy_table::Table::new();
            t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
            t.set_header(["用户 User", "角色 Role", "范围 Scope", "须改密码 Must change", "创建 Created (UTC)", "最近登录 Last sign-in (UTC)"]);
            let list = users::list(&conn)?;
            for a in &list {
                t.add_row([
                    a.name.clone(),
                    a.role.as_str().to_string(),
                    a.scope.to_field(),
                    if a.must_change_password { "yes" } else { "no" }.to_string(),
                    a.created_at.clone(),
                    a.last_sign_in_at.clone().unwrap_or_default(),
                ]);
            }
            println!("{t}");
            println!("({} users)", list.len());
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Remove { name, db } => {
            let conn = open_for_users(&db)?;
            let removed = users::remove(&conn, &name)
                .and_then(|()| audit::record(&conn, None, None, audit::USER_REMOVED, &via_cli(serde_json::json!({ "name": name }))));
            if let Err(e) = removed {
                return refused(e);
            }
            eprintln!("removed {name}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// How `serve` writes its log (standard error).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Default)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// `serve`'s flags for logs, resource limits and shutdown.
#[derive(clap::Args, Debug, Clone)]
pub struct OpsArgs {
    /// Memory DuckDB may keep for data and queries, in MiB (larger queries
    /// spill to temporary files). At 160, `measure_spending` at scale 100
    /// did not fit even alone (BENCHMARKS.md).
    #[arg(long, default_value_t = 192, value_parser = clap::value_parser!(u64).range(64..1_000_000), env = "JINGZHUN_DUCKDB_MEMORY_MB")]
    pub duckdb_memory_mb: u64,
    /// Log format: text or json (one object a line, with the request id).
    #[arg(long, value_enum, default_value_t = LogFormat::Text, env = "JINGZHUN_LOG_FORMAT")]
    pub log_format: LogFormat,
    /// PNG and PDF renders at once; more answer 503 with Retry-After.
    #[arg(long, default_value_t = crate::web::CONCURRENT_RENDERS as u64, value_parser = clap::value_parser!(u64).range(1..1000), env = "JINGZHUN_MAX_RENDERS")]
    pub max_renders: u64,
    /// Query downloads (CSV, XLSX, Parquet) at once; more answer 503 with Retry-After.
    #[arg(long, default_value_t = crate::web::CONCURRENT_EXPORTS as u64, value_parser = clap::value_parser!(u64).range(1..1000), env = "JINGZHUN_MAX_EXPORTS")]
    pub max_exports: u64,
    /// Time limit of a download (CSV, XLSX, Parquet), in milliseconds.
    #[arg(long, default_value_t = 300_000, env = "JINGZHUN_EXPORT_TIMEOUT_MS")]
    pub export_timeout_ms: u64,
    /// On SIGTERM or SIGINT, seconds in-flight requests may still take
    /// before the server stops anyway.
    #[arg(long, default_value_t = 30, env = "JINGZHUN_SHUTDOWN_TIMEOUT")]
    pub shutdown_timeout: u64,
    /// Milliseconds a client may take to send a request's head (then 408).
    #[arg(long, default_value_t = 5000, env = "JINGZHUN_CLIENT_TIMEOUT_MS")]
    pub client_timeout_ms: u64,
    /// Seconds an idle keep-alive connection stays open.
    #[arg(long, default_value_t = 5, env = "JINGZHUN_KEEP_ALIVE")]
    pub keep_alive: u64,
}

impl OpsArgs {
    /// The limits these flags set (the rest at their defaults).
    pub fn limits(&self) -> crate::web::Limits {
        crate::web::Limits {
            max_renders: self.max_renders as usize,
            max_exports: self.max_exports as usize,
            export_timeout: std::time::Duration::from_millis(self.export_timeout_ms),
            shutdown_timeout: std::time::Duration::from_secs(self.shutdown_timeout),
            client_timeout: std::time::Duration::from_millis(self.client_timeout_ms),
            keep_alive: std::time::Duration::from_secs(self.keep_alive),
            duckdb_memory_mb: self.duckdb_memory_mb as usize,
            ..Default::default()
        }
    }
}
