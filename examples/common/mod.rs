//! What the timing examples share: the canned queries named on their
//! command line, with their parameters bound.

use jingzhun::catalog::params::{self, Bound};
use jingzhun::catalog::{Catalog, Query};

/// The catalog the examples time: the built-in queries, or those of the
/// folder `JINGZHUN_QUERIES` names (as the server's `--queries`). Kept for
/// the whole run.
pub fn catalog() -> anyhow::Result<&'static Catalog> {
    let dir = std::env::var_os("JINGZHUN_QUERIES");
    Ok(Box::leak(Box::new(Catalog::load(dir.as_deref().map(std::path::Path::new))?)))
}

/// A canned query, its query string and its parameters bound from it.
pub type Chosen = (&'static Query, String, Vec<(String, Bound)>);

/// The canned queries named by `NAME=PARAMS` arguments, each with its query
/// string (`PARAMS`: `k=v&k=v`, as the server gets it) and its parameters
/// bound from it; every query, with its defaults, when none is named.
pub fn chosen(catalog: &'static Catalog, args: impl Iterator<Item = String>) -> anyhow::Result<Vec<Chosen>> {
    let wanted: Vec<(String, String)> = args
        .map(|a| {
            let (name, qs) = a.split_once('=').unwrap_or((a.as_str(), ""));
            (name.to_string(), qs.to_string())
        })
        .collect();
    if let Some((name, _)) = wanted.iter().find(|(n, _)| catalog.get(n).is_none()) {
        anyhow::bail!("NAME=PARAMS: found \"{name}\", expected the name of a canned query");
    }
    catalog
        .queries
        .values()
        .filter(|q| wanted.is_empty() || wanted.iter().any(|(n, _)| n == &q.name))
        .map(|q| {
            let qs = wanted.iter().find(|(n, _)| n == &q.name).map(|(_, qs)| qs.clone()).unwrap_or_default();
            let given: Vec<(String, String)> = serde_urlencoded::from_str(&qs)?;
            let bound = params::read_all(&q.meta.params, &given, &[])
                .map_err(|e| anyhow::anyhow!("{}: {}", q.name, e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")))?;
            Ok((q.as_ref(), qs, bound))
        })
        .collect()
}
