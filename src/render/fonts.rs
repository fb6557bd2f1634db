//! Finding a font with Chinese glyphs and loading it once for every PNG and
//! PDF the server draws. See the module doc of `render` for the search order.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use resvg::usvg::fontdb;

/// Environment variable naming a CJK font file (checked after the
/// configured path).
pub const ENV_VAR: &str = "JINGZHUN_CJK_FONT";

/// The character a face must have to count as a Chinese font: 贫 (poor).
pub const PROBE_CHAR: char = '贫';

/// Font files known to carry Chinese glyphs, in order of preference.
/// Globs are not used: a `*` entry lists a directory and keeps the files
/// whose names start with the part before the `*`.
#[cfg(target_os = "macos")]
const WELL_KNOWN: &[&str] = &[
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/Hiragino Sans GB.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
];
#[cfg(target_os = "windows")]
const WELL_KNOWN: &[&str] = &[
    "C:\\Windows\\Fonts\\msyh.ttc",
    "C:\\Windows\\Fonts\\simhei.ttf",
    "C:\\Windows\\Fonts\\simsun.ttc",
];
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const WELL_KNOWN: &[&str] = &[
    // Debian/Ubuntu fonts-noto-cjk (Regular first, then the other weights).
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    // Arch, Fedora, openSUSE, Alpine packagings of Noto Sans CJK.
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
    // Source Han Sans (the same design under Adobe's name).
    "/usr/share/fonts/opentype/source-han-sans/SourceHanSans-Regular.ttc",
    "/usr/share/fonts/adobe-source-han-sans/SourceHanSans-Regular.ttc",
    "/usr/share/fonts/adobe-source-han-sans/SourceHanSansSC-Regular.otf",
    "/usr/share/fonts/OTF/SourceHanSansSC-Regular.otf",
    // Debian fonts-wqy-microhei, fonts-wqy-zenhei.
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    // Debian fonts-droid-fallback.
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallback.ttf",
    // Serif CJK as a last well-known resort.
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
];

/// Where [`Fonts::search`] looks. [`FontSearch::standard`] is what
/// [`Fonts::discover`] uses; tests and tools narrow it.
#[derive(Debug, Clone, Default)]
pub struct FontSearch {
    /// A font file from the configuration (`.ttf`, `.otf`, `.ttc`, `.otc`).
    pub configured: Option<PathBuf>,
    /// The value of `JINGZHUN_CJK_FONT`, if any.
    pub env: Option<OsString>,
    /// Whether to try the built-in list of well-known font files.
    pub well_known: bool,
    /// Extra directories to scan (recursively) for a face covering 贫.
    pub dirs: Vec<PathBuf>,
    /// Whether to scan the system's font directories (fontconfig's list).
    pub system: bool,
}

impl FontSearch {
    /// The full search: configured path, `JINGZHUN_CJK_FONT`, well-known
    /// files, then every system font directory.
    pub fn standard(configured: Option<&Path>) -> FontSearch {
        FontSearch {
            configured: configured.map(Path::to_path_buf),
            env: std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()),
            well_known: true,
            dirs: Vec::new(),
            system: true,
        }
    }
}

/// One loaded face: where it came from and its bytes (shared with the PDF
/// writer, so the font file is read once).
#[derive(Clone)]
pub(crate) struct Face {
    pub path: PathBuf,
    pub index: u32,
    pub family: String,
    pub data: Arc<Vec<u8>>,
}

impl Face {
    pub(crate) fn ttf(&self) -> Option<ttf_parser::Face<'_>> {
        ttf_parser::Face::parse(&self.data, self.index).ok()
    }
}

struct Inner {
    db: Arc<fontdb::Database>,
    regular: Option<Face>,
    bold: Option<Face>,
    /// The configured path and the environment variable, when tried in
    /// vain, each with why ("… (does not exist)").
    misses: Vec<String>,
    /// What else the search covered, for the message when nothing was found.
    searched: Vec<String>,
}

/// The fonts the renderer uses: a font database for resvg/usvg whose
/// generic families (`sans-serif`, `serif`, …) and fallback all point at the
/// CJK font that was found, plus that face (and its bold sibling when there
/// is one) for the PDF's own text. Cheap to clone.
#[derive(Clone)]
pub struct Fonts(Arc<Inner>);

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("cjk_font", &self.cjk_font())
            .field("family", &self.cjk_family())
            .field("bold", &self.0.bold.as_ref().map(|b| (&b.path, b.index)))
            .field("faces", &self.0.db.len())
            .field("problem", &self.problem())
            .finish()
    }
}

impl Fonts {
    /// Finds a CJK font: the configured path first, then the environment
    /// variable `JINGZHUN_CJK_FONT`, then well-known files (Noto Sans CJK,
    /// Source Han Sans, WenQuanYi, Droid Sans Fallback), then any face in the
    /// system font directories that has 贫 (U+8D2B). Never fails: when
    /// nothing is found, [`Fonts::cjk_font`] is `None` and
    /// [`Fonts::problem`] says what was searched.
    pub fn discover(configured: Option<&Path>) -> Fonts {
        Fonts::search(&FontSearch::standard(configured))
    }

    /// [`Fonts::discover`] with the search spelled out.
    pub fn search(search: &FontSearch) -> Fonts {
        let mut misses = Vec::new();
        let mut searched = Vec::new();
        let mut found: Option<Candidate> = None;

        if let Some(path) = &search.configured {
            match load_candidate(path) {
                Ok(c) => found = Some(c),
                Err(why) => misses.push(format!("configured font {} ({why})", path.display())),
            }
        }
        if found.is_none() {
            match &search.env {
                Some(value) => {
                    let path = PathBuf::from(value);
                    match load_candidate(&path) {
                        Ok(c) => found = Some(c),
                        Err(why) => misses.push(format!("{ENV_VAR}={} ({why})", path.display())),
                    }
                }
                None => searched.push(format!("{ENV_VAR} (not set)")),
            }
        }
        if found.is_none() && search.well_known {
            searched.push(format!("well-known files: {}", WELL_KNOWN.join(", ")));
            found = well_known_files().iter().find_map(|p| load_candidate(p).ok());
        }
        if found.is_none() && (search.system || !search.dirs.is_empty()) {
            let mut scratch = fontdb::Database::new();
            if search.system {
                scratch.load_system_fonts();
            }
            for dir in &search.dirs {
                scratch.load_fonts_dir(dir);
            }
            let mut what = Vec::new();
            if search.system {
                what.push("the system font directories".to_string());
            }
            what.extend(search.dirs.iter().map(|d| d.display().to_string()));
            searched.push(format!(
                "{} ({} faces, none with {PROBE_CHAR} U+{:04X})",
                what.join(", "),
                scratch.len(),
                PROBE_CHAR as u32
            ));
            found = scan_for_cjk(&scratch);
            if found.is_some() {
                searched.pop();
            }
        }

        let mut db = fontdb::Database::new();
        let (regular, bold) = match found {
            Some(c) => {
                let ids = db.load_font_source(fontdb::Source::Binary(c.face.data.clone()));
                // The family as fontdb names it, so that queries match.
                let family = ids
                    .iter()
                    .filter_map(|id| db.face(*id))
                    .find(|f| f.index == c.face.index)
                    .and_then(|f| f.families.first())
                    .map(|f| f.0.clone())
                    .unwrap_or_else(|| c.face.family.clone());
                let bold = c.bold.clone();
                if let Some(b) = &bold {
                    db.load_font_source(fontdb::Source::Binary(b.data.clone()));
                }
                // Every generic family, and the default for text that names
                // none, is the CJK face; usvg also falls back to `serif` for
                // families it does not know, so "Arial" lands here too.
                db.set_sans_serif_family(family.clone());
                db.set_serif_family(family.clone());
                db.set_monospace_family(family.clone());
                db.set_cursive_family(family.clone());
                db.set_fantasy_family(family);
                (Some(c.face), bold)
            }
            None => {
                // No Chinese, but Latin text can still draw from whatever
                // the system has.
                if search.system {
                    db.load_system_fonts();
                }
                for dir in &search.dirs {
                    db.load_fonts_dir(dir);
                }
                let first = db.faces().find_map(|f| f.families.first().map(|n| n.0.clone()));
                if let Some(family) = first {
                    db.set_sans_serif_family(family.clone());
                    db.set_serif_family(family);
                }
                (None, None)
            }
        };

        Fonts(Arc::new(Inner { db: Arc::new(db), regular, bold, misses, searched }))
    }

    /// The file of the CJK face in use; `None` when none was found, and then
    /// Chinese text in PNG and PDF output cannot render.
    pub fn cjk_font(&self) -> Option<&Path> {
        self.0.regular.as_ref().map(|f| f.path.as_path())
    }

    /// The family name of the CJK face in use ("Noto Sans CJK SC").
    pub fn cjk_family(&self) -> Option<&str> {
        self.0.regular.as_ref().map(|f| f.family.as_str())
    }

    /// A message for the start log and for error responses: why no CJK
    /// font was found (naming everything searched), or which configured
    /// font could not be used and what is used instead. `None` when the
    /// first choice worked.
    pub fn problem(&self) -> Option<String> {
        let misses = self.0.misses.join("; ");
        match &self.0.regular {
            None => Some(format!(
                "no font with Chinese glyphs was found, so Chinese text in PNG and PDF \
                 exports cannot render. Searched: {}. Install a CJK font (Debian/Ubuntu: \
                 apt-get install fonts-noto-cjk) or point {ENV_VAR} at a .ttf/.otf/.ttc \
                 font with Chinese glyphs.",
                self.0.misses.iter().chain(&self.0.searched).cloned().collect::<Vec<_>>().join("; ")
            )),
            Some(face) if !self.0.misses.is_empty() => Some(format!(
                "could not use {misses}; using {} ({}) instead",
                face.path.display(),
                face.family
            )),
            Some(_) => None,
        }
    }

    pub(crate) fn db(&self) -> Arc<fontdb::Database> {
        self.0.db.clone()
    }

    pub(crate) fn regular(&self) -> Option<&Face> {
        self.0.regular.as_ref()
    }

    /// The bold face, or the regular one when no bold sibling was found.
    pub(crate) fn bold(&self) -> Option<&Face> {
        self.0.bold.as_ref().or(self.0.regular.as_ref())
    }
}

struct Candidate {
    face: Face,
    bold: Option<Face>,
}

fn well_known_files() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for entry in WELL_KNOWN {
        match entry.split_once('*') {
            None => out.push(PathBuf::from(entry)),
            Some((prefix, suffix)) => {
                let prefix = Path::new(prefix);
                let (Some(dir), Some(stem)) = (prefix.parent(), prefix.file_name()) else { continue };
                let stem = stem.to_string_lossy().into_owned();
                let Ok(read) = std::fs::read_dir(dir) else { continue };
                let mut names: Vec<PathBuf> = read
                    .filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| {
                        let n = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                        n.starts_with(&stem) && n.ends_with(suffix)
                    })
                    .collect();
                names.sort();
                out.extend(names);
            }
        }
    }
    out.dedup();
    out
}

const FONT_EXTENSIONS: [&str; 4] = ["ttf", "otf", "ttc", "otc"];

/// Loads a font file and picks its best Chinese face, with the bold
/// sibling file when its name says Regular and a Bold one lies beside it.
fn load_candidate(path: &Path) -> Result<Candidate, String> {
    let face = load_face(path)?;
    let bold = bold_sibling(path).and_then(|p| {
        let b = load_face(&p).ok()?;
        (b.family == face.family).then_some(b)
    });
    Ok(Candidate { face, bold })
}

fn bold_sibling(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    if !name.contains("Regular") {
        return None;
    }
    let sibling = path.with_file_name(name.replace("Regular", "Bold"));
    sibling.is_file().then_some(sibling)
}

fn load_face(path: &Path) -> Result<Face, String> {
    if !path.exists() {
        return Err("does not exist".into());
    }
    if !path.is_file() {
        return Err("is not a file".into());
    }
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if !FONT_EXTENSIONS.contains(&ext.as_str()) {
        return Err("is not a .ttf, .otf or .ttc font file".into());
    }
    let data = std::fs::read(path).map_err(|e| format!("cannot be read: {e}"))?;
    let data = Arc::new(data);
    let faces = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
    let mut best: Option<(u32, u32, String)> = None; // (score, index, family)
    for index in 0..faces {
        let Ok(face) = ttf_parser::Face::parse(&data, index) else { continue };
        if face.glyph_index(PROBE_CHAR).is_none() {
            continue;
        }
        let Some(family) = family_name(&face) else { continue };
        let score = face_score(&family, &face);
        if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, index, family));
        }
    }
    match best {
        Some((_, index, family)) => Ok(Face { path: path.to_path_buf(), index, family, data }),
        None if ttf_parser::Face::parse(&data, 0).is_err() => Err("is not a readable font".into()),
        None => Err(format!("has no glyph for {PROBE_CHAR} (U+{:04X})", PROBE_CHAR as u32)),
    }
}

/// The face's family as fontdb will name it (typographic family first,
/// then the legacy family; English names preferred).
fn family_name(face: &ttf_parser::Face) -> Option<String> {
    use ttf_parser::name_id;
    let names: Vec<_> = face.names().into_iter().collect();
    for id in [name_id::TYPOGRAPHIC_FAMILY, name_id::FAMILY] {
        let english = names
            .iter()
            .filter(|n| n.name_id == id && n.is_unicode())
            .find(|n| n.language() == ttf_parser::Language::English_UnitedStates)
            .and_then(|n| n.to_string());
        let any = || names.iter().filter(|n| n.name_id == id && n.is_unicode()).find_map(|n| n.to_string());
        if let Some(name) = english.or_else(any) {
            return Some(name);
        }
    }
    None
}

/// Simplified Chinese first (collections such as Noto Sans CJK put JP,
/// KR, SC, TC, HK faces in one file), proportional before monospace,
/// regular weight and upright before the rest.
fn face_score(family: &str, face: &ttf_parser::Face) -> u32 {
    let mut score = 0;
    let words: Vec<&str> = family.split([' ', '-', '_']).collect();
    if words.iter().any(|w| matches!(*w, "SC" | "CN" | "GB" | "sc" | "cn")) || family.contains("Simplified") {
        score += 8;
    }
    if !family.contains("Mono") {
        score += 4;
    }
    if face.weight().to_number() == 400 {
        score += 2;
    }
    if !face.is_italic() {
        score += 1;
    }
    score
}

/// Picks a Chinese face from a scanned directory tree: faces whose family
/// names sound CJK are tried first, then every other face.
fn scan_for_cjk(db: &fontdb::Database) -> Option<Candidate> {
    const HINTS: [&str; 10] =
        ["CJK", "Source Han", "WenQuanYi", "WQY", "Droid Sans Fallback", "Hei", "Song", "Kai", "Ming", "Fang"];
    let mut paths: Vec<(bool, PathBuf)> = Vec::new();
    for face in db.faces() {
        let path = match &face.source {
            fontdb::Source::File(p) | fontdb::Source::SharedFile(p, _) => p.clone(),
            fontdb::Source::Binary(_) => continue,
        };
        let hinted = face.families.iter().any(|(n, _)| HINTS.iter().any(|h| n.contains(h)));
        paths.push((!hinted, path));
    }
    paths.sort();
    paths.dedup_by(|a, b| a.1 == b.1);
    // A path hinted by one face and not by another appears twice; the
    // hinted entry sorts first, and the later duplicate is harmless.
    paths.into_iter().find_map(|(_, p)| load_candidate(&p).ok())
}
