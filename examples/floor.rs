//! The floor server of examples/overhead.rs: a server as thin as we could
//! write that still keeps DuckDB off its HTTP worker. A process of its own
//! with its own database instance, as a server is; one actix worker, no
//! middleware, no sessions, no parameters read, nothing rendered: it hands
//! each request's query to a thread of its own (a channel there, a oneshot
//! back) and answers the row count. What it adds over raw DuckDB is what
//! that design costs on this machine before any of Jingzhun's own work (not
//! shown to be the least any server could cost).
//!
//! ```text
//! cargo run --release --example floor -- DB [NAME=PARAMS ...]
//! ```
//!
//! It prints its base URL on stdout, then answers `/q/NAME` (with or
//! without a format's extension, whatever the query string) by running NAME
//! with the parameters given here, until stdin closes (the measuring
//! process ended) or it is killed.
//!
//! It is an executable of its own, not a mode of the overhead example: a
//! process running the same executable file as the raw side shares its
//! code's memory pages, so each warmed the other's caches, and both looked
//! faster than a server built as another file (BENCHMARKS.md).

use std::collections::HashMap;
use std::io::Write;
use std::sync::mpsc;

mod common;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use jingzhun::catalog::params::Bound;
use jingzhun::catalog::{run_query, Query};

/// A query and its bound parameters, kept for the whole run.
type Named = (&'static Query, &'static [(String, Bound)]);

/// A query to run, and where its row count goes.
type Job = (Named, tokio::sync::oneshot::Sender<anyhow::Result<usize>>);

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let db = args.next().ok_or_else(|| anyhow::anyhow!("usage: floor DB [NAME=PARAMS ...]"))?;
    serve(&db, common::chosen(common::catalog()?, args)?)
}

/// Serves the queries of `chosen` from `db` (see the module's comment).
fn serve(db: &str, chosen: Vec<common::Chosen>) -> anyhow::Result<()> {
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
