//! The banner's geography (war zones, townships, villages) held in memory
//! per data version: names for breadcrumbs and titles, parents for drill
//! paths, and the answer to "does this unit exist".

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::dashboards::UnitKind;
use crate::store::Db;

#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    pub kind: UnitKind,
    pub id: String,
    pub name: String,
    /// The English name, where the data has one (zones and townships).
    pub name_en: Option<String>,
    /// The parent's id (a township's zone, a village's township).
    pub parent: Option<String>,
}

impl Unit {
    /// The name in a language (villages have only their Chinese name).
    pub fn label(&self, lang: crate::lang::Lang) -> &str {
        lang.pick(&self.name, self.name_en.as_deref().unwrap_or(""))
    }
}

#[derive(Debug, Default)]
pub struct Geo {
    pub zones: Vec<Unit>,
    pub townships: Vec<Unit>,
    pub villages: Vec<Unit>,
    /// When the data was last imported (`YYYY-MM-DD`), for page footers.
    pub data_date: String,
    index: HashMap<(UnitKind, String), usize>,
}

impl Geo {
    pub fn load(conn: &duckdb::Connection) -> anyhow::Result<Geo> {
        let mut geo = Geo::default();
        let read = |sql: &str, kind: UnitKind| -> anyhow::Result<Vec<Unit>> {
            let mut stmt = conn.prepare(sql)?;
            let rows = stmt.query_map([], |r| {
                Ok(Unit {
                    kind,
                    id: r.get::<_, String>(0)?,
                    name: r.get::<_, String>(1)?,
                    parent: r.get::<_, Option<String>>(2)?,
                    name_en: r.get::<_, Option<String>>(3)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        geo.zones = read("SELECT zone_id::VARCHAR, name, NULL::VARCHAR, name_en FROM war_zone ORDER BY zone_id", UnitKind::Zone)?;
        geo.townships =
            read("SELECT township_code, name, zone_id::VARCHAR, name_en FROM township ORDER BY zone_id, township_code", UnitKind::Township)?;
        geo.villages = read(
            "SELECT v.village_code, v.name, v.township_code, NULL::VARCHAR FROM village v JOIN township t USING (township_code) ORDER BY t.zone_id, v.township_code, v.village_code",
            UnitKind::Village,
        )?;
        geo.data_date = conn.query_row("SELECT coalesce(strftime(max(imported_at), '%Y-%m-%d'), '') FROM import_batch", [], |r| r.get(0))?;
        for (i, u) in geo.zones.iter().enumerate() {
            geo.index.insert((UnitKind::Zone, u.id.clone()), i);
        }
        for (i, u) in geo.townships.iter().enumerate() {
            geo.index.insert((UnitKind::Township, u.id.clone()), i);
        }
        for (i, u) in geo.villages.iter().enumerate() {
            geo.index.insert((UnitKind::Village, u.id.clone()), i);
        }
        Ok(geo)
    }

    pub fn get(&self, kind: UnitKind, id: &str) -> Option<&Unit> {
        let i = *self.index.get(&(kind, id.to_string()))?;
        Some(match kind {
            UnitKind::Zone => &self.zones[i],
            UnitKind::Township => &self.townships[i],
            UnitKind::Village => &self.villages[i],
        })
    }

    /// The unit and its ancestors, banner side first: zone, township, village.
    pub fn lineage(&self, kind: UnitKind, id: &str) -> Vec<&Unit> {
        let mut out = Vec::new();
        let mut at = self.get(kind, id);
        while let Some(u) = at {
            out.push(u);
            at = match (u.kind, &u.parent) {
                (UnitKind::Village, Some(p)) => self.get(UnitKind::Township, p),
                (UnitKind::Township, Some(p)) => self.get(UnitKind::Zone, p),
                _ => None,
            };
        }
        out.reverse();
        out
    }

    /// The units of a kind, optionally only those under one zone or township.
    pub fn list(&self, kind: UnitKind, zone: Option<&str>, township: Option<&str>) -> Vec<&Unit> {
        let all = match kind {
            UnitKind::Zone => &self.zones,
            UnitKind::Township => &self.townships,
            UnitKind::Village => &self.villages,
        };
        all.iter()
            .filter(|u| {
                let line = self.lineage(u.kind, &u.id);
                let zone_ok = zone.is_none_or(|z| line.iter().any(|a| a.kind == UnitKind::Zone && a.id == z));
                let town_ok = township.is_none_or(|t| line.iter().any(|a| a.kind == UnitKind::Township && a.id == t));
                zone_ok && town_ok
            })
            .collect()
    }
}

/// The geography of the current data version, loaded once per version.
#[derive(Default)]
pub struct GeoCache(std::sync::Mutex<Option<(u64, Arc<Geo>)>>);

impl GeoCache {
    pub async fn get(&self, db: &Db, version: u64) -> anyhow::Result<Arc<Geo>> {
        if let Ok(g) = self.0.lock() {
            if let Some((v, geo)) = g.as_ref() {
                if *v == version {
                    return Ok(geo.clone());
                }
            }
        }
        let geo = Arc::new(db.run(|conn| Geo::load(conn)).await?);
        if let Ok(mut g) = self.0.lock() {
            *g = Some((version, geo.clone()));
        }
        Ok(geo)
    }
}
