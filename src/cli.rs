//! The command line: `serve`, `sample`, `import`, `sql`. Each subcommand
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
        /// Sample-data folder used to build the default database.
        #[arg(long, default_value = "sample-data")]
        sample_data: PathBuf,
        /// HTTP worker threads (0: one per core).
        #[arg(long, default_value_t = 0, env = "JINGZHUN_WORKERS")]
        workers: usize,
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
pub enum Format {
    Table,
    Csv,
    Json,
}

/// Runs the command line; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve { db, bind, queries, sample_data, workers } => {
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
            let config = crate::web::ServeConfig { db, bind, queries, workers };
            actix_web::rt::System::new().block_on(async move {
                let (server, addr) = crate::web::build(&config)?;
                println!("Jingzhun listening on http://{addr}/");
                std::io::stdout().flush().ok();
                server.await.context("server failed")
            })?;
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
            let opts = ImportOptions { skip_invalid, rejects_dir: rejects, table, progress: std::io::stderr().is_terminal() && !json };
            let started = std::time::Instant::now();
            let report = import_paths(&mut conn, &paths, &opts)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_report(&report, started.elapsed().as_secs_f64());
            }
            Ok(if report.committed { ExitCode::SUCCESS } else { ExitCode::from(2) })
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
                        w.write_record(r.iter().map(Cell::text))?;
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
