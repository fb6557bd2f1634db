//! The floor server of examples/overhead.rs: a server as thin as we could
//! write that still keeps DuckDB off its HTTP worker. A process of its own with its own
//! database instance, as a server is; one actix worker, no middleware, no
//! sessions, no parameters read, nothing rendered: it hands each request's
//! query to a thread of its own (a channel there, a oneshot back) and
//! answers the row count. What it adds over raw DuckDB is what that design
//! costs on this machine before any of Jingzhun's own work (not shown to
//! be the least any server could cost).

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use jingzhun::catalog::params::Bound;
use jingzhun::catalog::{run_query, Query};

/// The flag that makes the example serve as the floor instead.
pub const FLAG: &str = "--floor";

/// A query and its bound parameters, kept for the whole run.
type Named = (&'static Query, &'static [(String, Bound)]);

/// A query to run, and where its row count goes.
type Job = (Named, tokio::sync::oneshot::Sender<anyhow::Result<usize>>);

/// A floor server running as a child process, stopped when dropped.
pub struct Floor {
    child: Child,
    pub url: String,
}

impl Drop for Floor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts this executable as the floor server on `db`, for the queries
/// named by `args` (`NAME=PARAMS`), and waits for its address.
pub fn spawn(db: &str, args: &[String]) -> anyhow::Result<Floor> {
    let mut child = Command::new(std::env::current_exe()?)
        .arg(FLAG)
        .arg(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let out = child.stdout.take().ok_or_else(|| anyhow::anyhow!("the floor server has no stdout"))?;
    let mut line = String::new();
    std::io::BufReader::new(out).read_line(&mut line)?;
    let url = line.trim().to_string();
    if !url.starts_with("http://") {
        let _ = child.kill();
        let _ = child.wait();
        anyhow::bail!("the floor server did not start (it said {line:?})");
    }
    Ok(Floor { child, url })
}

/// Serves as the floor: prints the base URL on stdout, then answers
/// `/q/NAME` (with or without a format's extension, whatever the query
/// string) by running NAME with the parameters of `chosen`, until stdin
/// closes (the measuring process ended) or the process is killed.
pub fn serve(db: &str, chosen: Vec<super::common::Chosen>) -> anyhow::Result<()> {
    let conn = jingzhun::store::open_ro(std::path::Path::new(db))?;
    let by_name: &'static HashMap<String, Named> = Box::leak(Box::new(
        chosen.into_iter().map(|(q, _, b)| (q.name.clone(), (q, &*Box::leak(b.into_boxed_slice())))).collect(),
    ));
    let (send, jobs) = mpsc::channel::<Job>();
    std::thread::Builder::new().name("floor-db".into()).spawn(move || {
        for ((q, bound), reply) in jobs {
            let out = run_query(&conn, q, bound, None).map(|out| out.rs.rows.len());
            if let Err(e) = &out {
                eprintln!("floor server: {}: {e:#}", q.name);
            }
            let _ = reply.send(out);
        }
    })?;
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "http://{}", listener.local_addr()?)?;
    stdout.flush()?;
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            let send = send.clone();
            App::new().default_service(web::to(move |req: HttpRequest| {
                let send = send.clone();
                async move {
                    let name = req.path().trim_start_matches("/q/");
                    let name = name.split('.').next().unwrap_or(name);
                    let Some(&named) = by_name.get(name) else { return HttpResponse::NotFound().finish() };
                    let (reply, answer) = tokio::sync::oneshot::channel();
                    if send.send((named, reply)).is_err() {
                        return HttpResponse::InternalServerError().finish();
                    }
                    match answer.await {
                        Ok(Ok(rows)) => HttpResponse::Ok().body(rows.to_string()),
                        _ => HttpResponse::InternalServerError().finish(),
                    }
                }
            }))
        })
        .workers(1)
        .listen(listener)?
        .run()
        .await
    })?;
    Ok(())
}
