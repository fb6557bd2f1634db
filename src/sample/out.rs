//! CSV output for the sample generator: one writer per table, the exact value
//! formats the importer expects (integers, money, decimals, booleans, dates,
//! NULL as an empty field), and a small calendar `Date` type.
//!
//! Values are formatted into a reusable stack buffer and handed to the `csv`
//! crate field by field, so writing a row allocates nothing.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::store::tables::Table;

/// A calendar date, stored as days since 1970-01-01 (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Date(pub i32);

impl Date {
    /// Builds a date; `m` is 1..=12 and `d` must exist in that month.
    pub fn ymd(y: i32, m: u32, d: u32) -> Date {
        // Howard Hinnant's days_from_civil.
        let y = if m <= 2 { y - 1 } else { y };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = (y - era * 400) as i64;
        let m = m as i64;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Date((era as i64 * 146_097 + doe - 719_468) as i32)
    }

    /// Year, month (1..=12) and day (1..=31).
    pub fn to_ymd(self) -> (i32, u32, u32) {
        let z = self.0 as i64 + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
    }

    pub fn year(self) -> i32 {
        self.to_ymd().0
    }

    /// The date `n` days later (or earlier for negative `n`).
    pub fn add_days(self, n: i32) -> Date {
        Date(self.0 + n)
    }

    /// The same day `n` years later; 29 February becomes 28 February.
    pub fn add_years(self, n: i32) -> Date {
        let (y, m, d) = self.to_ymd();
        let d = if m == 2 && d == 29 && !is_leap(y + n) { 28 } else { d };
        Date::ymd(y + n, m, d)
    }

    /// 1 January of `y` plus `doy` days (0-based day of year).
    pub fn from_doy(y: i32, doy: u32) -> Date {
        Date::ymd(y, 1, 1).add_days(doy as i32)
    }
}

pub(crate) fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub(crate) fn days_in_year(y: i32) -> u32 {
    if is_leap(y) {
        366
    } else {
        365
    }
}

/// Writes one table's CSV file. Every `end()` checks (in debug builds) that the
/// row had exactly as many fields as the table has columns.
pub(crate) struct Out {
    w: csv::Writer<BufWriter<File>>,
    path: PathBuf,
    table: &'static str,
    ncols: usize,
    nfield: usize,
    rows: usize,
    scratch: Vec<u8>,
}

impl Out {
    /// Creates `<dir>/<table>.csv` and writes the header line.
    pub fn create(dir: &Path, table: &'static Table) -> Result<Out> {
        let path = dir.join(format!("{}.csv", table.name));
        let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(1 << 16)
            .from_writer(BufWriter::with_capacity(1 << 18, file));
        let mut out = Out { w, path, table: table.name, ncols: table.columns.len(), nfield: 0, rows: 0, scratch: Vec::with_capacity(64) };
        for c in table.columns {
            out.text(c.name)?;
        }
        out.w.write_record(None::<&[u8]>).with_context(|| format!("writing {}", out.path.display()))?;
        out.nfield = 0;
        Ok(out)
    }

    /// Opens the writer for the table called `name` (which must exist).
    pub fn table(dir: &Path, name: &str) -> Result<Out> {
        let t = crate::store::tables::table(name).with_context(|| format!("no table {name} in tables.rs"))?;
        Out::create(dir, t)
    }

    fn raw(&mut self, b: &[u8]) -> Result<()> {
        self.nfield += 1;
        match self.w.write_field(b) {
            Ok(()) => Ok(()),
            Err(e) => Err(e).with_context(|| format!("writing {}", self.path.display())),
        }
    }

    pub fn text(&mut self, s: &str) -> Result<()> {
        self.raw(s.as_bytes())
    }

    pub fn bytes(&mut self, b: &[u8]) -> Result<()> {
        self.raw(b)
    }

    /// One field made of several pieces (a name from surname + given name,
    /// a code from a prefix + digits), without allocating.
    pub fn concat(&mut self, parts: &[&[u8]]) -> Result<()> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        for p in parts {
            scratch.extend_from_slice(p);
        }
        let r = self.raw(&scratch);
        self.scratch = scratch;
        r
    }

    pub fn null(&mut self) -> Result<()> {
        self.raw(b"")
    }

    pub fn opt_text(&mut self, s: Option<&str>) -> Result<()> {
        self.raw(s.unwrap_or("").as_bytes())
    }

    pub fn int(&mut self, v: i64) -> Result<()> {
        let mut buf = [0u8; 40];
        let n = fmt_int(&mut buf, v);
        self.raw(&buf[..n])
    }

    pub fn opt_int(&mut self, v: Option<i64>) -> Result<()> {
        match v {
            Some(v) => self.int(v),
            None => self.null(),
        }
    }

    /// Money given in cents: whole yuan as plain digits, otherwise 2 decimals.
    pub fn cents(&mut self, c: i64) -> Result<()> {
        let mut buf = [0u8; 40];
        let n = fmt_cents(&mut buf, c);
        self.raw(&buf[..n])
    }

    /// Money given in whole yuan.
    pub fn yuan(&mut self, y: i64) -> Result<()> {
        self.int(y)
    }

    /// A decimal given in ten-thousandths, printed with up to 4 decimals and no
    /// trailing zeros (0.1100 → "0.11", 100.0000 → "100").
    pub fn dec4(&mut self, v: i64) -> Result<()> {
        let mut buf = [0u8; 40];
        let n = fmt_dec4(&mut buf, v);
        self.raw(&buf[..n])
    }

    pub fn bool(&mut self, b: bool) -> Result<()> {
        self.raw(if b { b"true" } else { b"false" })
    }

    pub fn date(&mut self, d: Date) -> Result<()> {
        let (y, m, dd) = d.to_ymd();
        let mut buf = [0u8; 10];
        buf[0] = b'0' + (y / 1000 % 10) as u8;
        buf[1] = b'0' + (y / 100 % 10) as u8;
        buf[2] = b'0' + (y / 10 % 10) as u8;
        buf[3] = b'0' + (y % 10) as u8;
        buf[4] = b'-';
        buf[5] = b'0' + (m / 10) as u8;
        buf[6] = b'0' + (m % 10) as u8;
        buf[7] = b'-';
        buf[8] = b'0' + (dd / 10) as u8;
        buf[9] = b'0' + (dd % 10) as u8;
        self.raw(&buf)
    }

    pub fn opt_date(&mut self, d: Option<Date>) -> Result<()> {
        match d {
            Some(d) => self.date(d),
            None => self.null(),
        }
    }

    /// Ends the current row.
    pub fn end(&mut self) -> Result<()> {
        debug_assert_eq!(self.nfield, self.ncols, "wrong field count in a {} row", self.table);
        self.nfield = 0;
        self.rows += 1;
        match self.w.write_record(None::<&[u8]>) {
            Ok(()) => Ok(()),
            Err(e) => Err(e).with_context(|| format!("writing {}", self.path.display())),
        }
    }

    /// Flushes the file and returns `(table, data rows written)`.
    pub fn finish(mut self) -> Result<(&'static str, usize)> {
        self.w.flush().with_context(|| format!("writing {}", self.path.display()))?;
        Ok((self.table, self.rows))
    }
}

/// Formats a signed integer; returns the number of bytes written.
pub(crate) fn fmt_int(buf: &mut [u8], v: i64) -> usize {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    let neg = v < 0;
    let mut u = v.unsigned_abs();
    loop {
        i -= 1;
        tmp[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    let mut n = 0;
    if neg {
        buf[0] = b'-';
        n = 1;
    }
    let digits = &tmp[i..];
    buf[n..n + digits.len()].copy_from_slice(digits);
    n + digits.len()
}

pub(crate) fn fmt_cents(buf: &mut [u8], c: i64) -> usize {
    let neg = c < 0;
    let a = c.unsigned_abs();
    let mut n = 0;
    if neg {
        buf[0] = b'-';
        n = 1;
    }
    n += fmt_int(&mut buf[n..], (a / 100) as i64);
    let frac = a % 100;
    if frac != 0 {
        buf[n] = b'.';
        buf[n + 1] = b'0' + (frac / 10) as u8;
        buf[n + 2] = b'0' + (frac % 10) as u8;
        n += 3;
    }
    n
}

pub(crate) fn fmt_dec4(buf: &mut [u8], v: i64) -> usize {
    let neg = v < 0;
    let a = v.unsigned_abs();
    let mut n = 0;
    if neg {
        buf[0] = b'-';
        n = 1;
    }
    n += fmt_int(&mut buf[n..], (a / 10_000) as i64);
    let mut frac = a % 10_000;
    if frac != 0 {
        buf[n] = b'.';
        n += 1;
        let mut digits = 4;
        while frac.is_multiple_of(10) {
            frac /= 10;
            digits -= 1;
        }
        for k in (0..digits).rev() {
            buf[n] = b'0' + ((frac / 10u64.pow(k)) % 10) as u8;
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: fn(&mut [u8], i64) -> usize, v: i64) -> String {
        let mut b = [0u8; 40];
        let n = f(&mut b, v);
        String::from_utf8(b[..n].to_vec()).unwrap()
    }

    #[test]
    fn number_formats() {
        assert_eq!(s(fmt_int, 0), "0");
        assert_eq!(s(fmt_int, -42), "-42");
        assert_eq!(s(fmt_cents, 280000), "2800");
        assert_eq!(s(fmt_cents, 123405), "1234.05");
        assert_eq!(s(fmt_cents, 123450), "1234.50");
        assert_eq!(s(fmt_dec4, 1100), "0.11");
        assert_eq!(s(fmt_dec4, 1050), "0.105");
        assert_eq!(s(fmt_dec4, 1_000_000), "100");
        assert_eq!(s(fmt_dec4, 923_000), "92.3");
        assert_eq!(s(fmt_dec4, 1), "0.0001");
    }

    #[test]
    fn dates_round_trip() {
        for &(y, m, d) in &[(1970, 1, 1), (2016, 2, 29), (2020, 12, 31), (1925, 3, 4), (2000, 2, 29)] {
            assert_eq!(Date::ymd(y, m, d).to_ymd(), (y, m, d));
        }
        assert_eq!(Date::ymd(1970, 1, 1).0, 0);
        assert_eq!(Date::ymd(2016, 2, 29).add_years(1).to_ymd(), (2017, 2, 28));
        assert_eq!(Date::from_doy(2016, 59).to_ymd(), (2016, 2, 29));
    }
}
