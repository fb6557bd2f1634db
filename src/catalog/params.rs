//! Typed query parameters: what a canned query declares in `[params.<name>]`,
//! and reading a request's text values into bound values, or a message that
//! names the parameter and says what was expected.
//!
//! Invariant: a parameter only ever becomes a bound value; nothing here
//! produces SQL text.


use serde::{Deserialize, Serialize};

use crate::import::values::{halfwidth, parse_date, parse_number};

/// The kinds of parameter a query may declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    Integer,
    Decimal,
    Text,
    Date,
    Year,
    Enum,
    /// A war zone id (`war_zone.zone_id`).
    Zone,
    /// A township code (`township.township_code`).
    Township,
    /// A village code (`village.village_code`).
    Village,
}

/// One declared parameter.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ParamMeta {
    #[serde(rename = "type")]
    pub ty: ParamType,
    pub zh: String,
    pub en: String,
    /// Used when the request does not give the parameter.
    #[serde(default)]
    pub default: Option<toml::Value>,
    /// When true and no value and no default is given, NULL is bound
    /// ("all"); the SQL reads it as `($zone IS NULL OR … = $zone)`.
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    /// Allowed values for `enum`.
    #[serde(default)]
    pub options: Vec<String>,
    /// A query whose first column is the value and second the label; fills
    /// the form's option list (zone, township and village have one built in).
    #[serde(default)]
    pub options_sql: Option<String>,
}

/// A value ready to bind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Bound {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
}

impl Bound {
    /// The value as text, for forms, cache keys and file names.
    pub fn text(&self) -> String {
        match self {
            Bound::Null => String::new(),
            Bound::Int(i) => i.to_string(),
            Bound::Float(f) => f.to_string(),
            Bound::Text(t) => t.clone(),
        }
    }
}

impl duckdb::ToSql for Bound {
    fn to_sql(&self) -> duckdb::Result<duckdb::types::ToSqlOutput<'_>> {
        use duckdb::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            Bound::Null => ToSqlOutput::Owned(Value::Null),
            Bound::Int(i) => ToSqlOutput::Owned(Value::BigInt(*i)),
            Bound::Float(f) => ToSqlOutput::Owned(Value::Double(*f)),
            Bound::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
        })
    }
}

/// A parameter problem: which parameter, and what was expected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamError {
    pub param: String,
    pub message: String,
}

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "parameter {}: {}", self.param, self.message)
    }
}

impl ParamMeta {
    /// What this parameter accepts, in words.
    pub fn expected(&self) -> String {
        let range = match (self.min, self.max) {
            (Some(a), Some(b)) => format!(" from {a} to {b}"),
            (Some(a), None) => format!(" of at least {a}"),
            (None, Some(b)) => format!(" of at most {b}"),
            (None, None) => String::new(),
        };
        match self.ty {
            ParamType::Integer => format!("a whole number{range}"),
            ParamType::Decimal => format!("a number{range}"),
            ParamType::Year => format!("a year{range}"),
            ParamType::Text => "text of at most 200 characters".into(),
            ParamType::Date => "a date such as 2020-06-30".into(),
            ParamType::Enum => format!("one of {}", self.options.join(", ")),
            ParamType::Zone => "a war zone number".into(),
            ParamType::Township => "a township code".into(),
            ParamType::Village => "a village code".into(),
        }
    }

    /// Reads one request value (or the default, or NULL) as this
    /// parameter's type.
    pub fn read(&self, name: &str, raw: Option<&str>) -> Result<Bound, ParamError> {
        let err = |found: &str| ParamError {
            param: name.to_string(),
            message: format!("found \"{}\", expected {}", found.chars().take(60).collect::<String>(), self.expected()),
        };
        let default_text;
        let raw = match raw.map(str::trim).filter(|s| !s.is_empty()) {
            Some(r) => r,
            None => match &self.default {
                Some(toml::Value::String(s)) => s.as_str(),
                Some(v) => {
                    default_text = v.to_string();
                    default_text.as_str()
                }
                None if self.optional => return Ok(Bound::Null),
                None => {
                    return Err(ParamError { param: name.to_string(), message: format!("is required, expected {}", self.expected()) })
                }
            },
        };
        let in_range = |v: f64| self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m);
        match self.ty {
            ParamType::Integer | ParamType::Year | ParamType::Zone => {
                let v = parse_number(raw, false).filter(|v| v.fract() == 0.0 && v.abs() < 1e15).ok_or_else(|| err(raw))?;
                if !in_range(v) {
                    return Err(err(raw));
                }
                Ok(Bound::Int(v as i64))
            }
            ParamType::Decimal => {
                let v = parse_number(raw, false).ok_or_else(|| err(raw))?;
                if !in_range(v) {
                    return Err(err(raw));
                }
                Ok(Bound::Float(v))
            }
            ParamType::Date => parse_date(raw).map(|d| Bound::Text(d.to_string())).ok_or_else(|| err(raw)),
            ParamType::Text => {
                if raw.chars().count() > 200 || raw.chars().any(char::is_control) {
                    return Err(err(raw));
                }
                Ok(Bound::Text(raw.to_string()))
            }
            ParamType::Enum => {
                if self.options.iter().any(|o| o == raw) {
                    Ok(Bound::Text(raw.to_string()))
                } else {
                    Err(err(raw))
                }
            }
            ParamType::Township | ParamType::Village => {
                let h = halfwidth(raw);
                if h.is_empty() || h.len() > 24 || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                    return Err(err(raw));
                }
                Ok(Bound::Text(h.into_owned()))
            }
        }
    }

    /// The built-in option list query for the domain's own types.
    pub fn options_query(&self) -> Option<&str> {
        if let Some(sql) = &self.options_sql {
            return Some(sql);
        }
        match self.ty {
            ParamType::Zone => Some("SELECT zone_id, name FROM war_zone ORDER BY zone_id"),
            ParamType::Township => Some("SELECT township_code, name FROM township ORDER BY township_code"),
            ParamType::Village => Some(
                "SELECT v.village_code, t.name || ' ' || v.name FROM village v JOIN township t USING (township_code) ORDER BY v.village_code",
            ),
            _ => None,
        }
    }
}

/// Reads every declared parameter from a request's values. Unknown names
/// are errors too (a typo must not silently show unfiltered data).
pub fn read_all(
    declared: &indexmap::IndexMap<String, ParamMeta>,
    given: &[(String, String)],
    ignore: &[&str],
) -> Result<Vec<(String, Bound)>, Vec<ParamError>> {
    let mut errors = Vec::new();
    for (k, _) in given {
        if !declared.contains_key(k) && !ignore.contains(&k.as_str()) {
            let known: Vec<&str> = declared.keys().map(String::as_str).collect();
            errors.push(ParamError {
                param: k.clone(),
                message: if known.is_empty() {
                    "is unknown: this query takes no parameters".into()
                } else {
                    format!("is unknown, expected one of {}", known.join(", "))
                },
            });
        }
    }
    let mut out = Vec::new();
    for (name, meta) in declared {
        let mut values = given.iter().filter(|(k, _)| k == name);
        let raw = values.next().map(|(_, v)| v.as_str());
        if values.next().is_some() {
            errors.push(ParamError { param: name.clone(), message: "is given more than once, expected one value".into() });
            continue;
        }
        match meta.read(name, raw) {
            Ok(b) => out.push((name.clone(), b)),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(text: &str) -> ParamMeta {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn years_read_within_range_with_defaults() {
        let m = meta("type = \"year\"\nzh = \"年度\"\nen = \"Year\"\ndefault = 2020\nmin = 2014\nmax = 2020");
        assert_eq!(m.read("year", Some("2016")).unwrap(), Bound::Int(2016));
        assert_eq!(m.read("year", Some("２０１６")).unwrap(), Bound::Int(2016));
        assert_eq!(m.read("year", None).unwrap(), Bound::Int(2020));
        let e = m.read("year", Some("2013")).unwrap_err();
        assert_eq!(e.to_string(), "parameter year: found \"2013\", expected a year from 2014 to 2020");
        let e = m.read("year", Some("1; DROP TABLE household")).unwrap_err();
        assert!(e.message.starts_with("found \"1; DROP TABLE household\""), "{e}");
    }

    #[test]
    fn optional_zone_binds_null() {
        let m = meta("type = \"zone\"\nzh = \"战区\"\nen = \"War zone\"\noptional = true");
        assert_eq!(m.read("zone", None).unwrap(), Bound::Null);
        assert_eq!(m.read("zone", Some("2")).unwrap(), Bound::Int(2));
        assert!(m.read("zone", Some("two")).is_err());
    }

    #[test]
    fn unknown_duplicate_and_missing_parameters_are_named() {
        let mut declared = indexmap::IndexMap::new();
        declared.insert("year".to_string(), meta("type = \"year\"\nzh = \"年度\"\nen = \"Year\""));
        let errs = read_all(&declared, &[("yaer".into(), "2016".into())], &[]).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].to_string(), "parameter yaer: is unknown, expected one of year");
        assert_eq!(errs[1].to_string(), "parameter year: is required, expected a year");
        let errs = read_all(&declared, &[("year".into(), "2016".into()), ("year".into(), "2017".into())], &[]).unwrap_err();
        assert!(errs[0].message.contains("more than once"));
        assert!(read_all(&declared, &[("year".into(), "2016".into()), ("bom".into(), "0".into())], &["bom"]).is_ok());
    }

    #[test]
    fn enums_and_codes() {
        let m = meta("type = \"enum\"\nzh = \"类别\"\nen = \"Category\"\noptions = [\"产业扶贫\", \"就业扶贫\"]");
        assert_eq!(m.read("c", Some("产业扶贫")).unwrap(), Bound::Text("产业扶贫".into()));
        assert!(m.read("c", Some("x")).unwrap_err().message.contains("one of 产业扶贫, 就业扶贫"));
        let v = meta("type = \"village\"\nzh = \"嘎查村\"\nen = \"Village\"");
        assert!(v.read("village", Some("150526100001' OR '1'='1")).is_err());
    }
}
