//! What a chart is, independent of how it is drawn: the kind, the labels,
//! and the data as categories × series. Dashboards build these from query
//! rows; `charts::render` turns one into SVG text.

use super::Unit;
use crate::lang::Lang;

/// The chart kinds a dashboard panel can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// One line per series over the categories (usually years).
    Line,
    /// Vertical bars, one series (several series: see `GroupedBar`).
    Bar,
    /// Horizontal bars in category order: for rankings ("top N villages").
    HBar,
    /// Bars of several series side by side per category.
    GroupedBar,
    /// Bars of several series stacked per category.
    StackedBar,
    /// Areas of several series stacked over the categories (composition).
    StackedArea,
    /// Shares of a whole: categories are the slices of the first series.
    Donut,
    /// A table of coloured cells: categories are rows, series are columns.
    Heat,
    /// Headline figures with their change against the previous period.
    Tiles,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Line,
        Kind::Bar,
        Kind::HBar,
        Kind::GroupedBar,
        Kind::StackedBar,
        Kind::StackedArea,
        Kind::Donut,
        Kind::Heat,
        Kind::Tiles,
    ];

    /// The snake-case name used in dashboards and in the SVG class.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Line => "line",
            Kind::Bar => "bar",
            Kind::HBar => "h_bar",
            Kind::GroupedBar => "grouped_bar",
            Kind::StackedBar => "stacked_bar",
            Kind::StackedArea => "stacked_area",
            Kind::Donut => "donut",
            Kind::Heat => "heat",
            Kind::Tiles => "tiles",
        }
    }
}

/// One position on the category axis (a year, a village, a cause), or one
/// row of a heat table, or one slice of a donut.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub label: String,
    /// Where a click on this category's marks leads (a unit page or the
    /// same dashboard filtered to it). Already a URL; escaped when drawn.
    pub link: Option<String>,
}

impl Category {
    /// A category without a link.
    pub fn new(label: impl Into<String>) -> Category {
        Category { label: label.into(), link: None }
    }
}

/// Values of one series, aligned with `Chart::categories` (`None` where the
/// query returned no value).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
    /// Where a click on this series' line or legend entry leads.
    pub link: Option<String>,
}

impl Series {
    /// A series without a link.
    pub fn new(name: impl Into<String>, values: Vec<Option<f64>>) -> Series {
        Series { name: name.into(), values, link: None }
    }

    /// The value at category `i`, when there is a finite one.
    pub fn value(&self, i: usize) -> Option<f64> {
        self.values.get(i).copied().flatten().filter(|v| v.is_finite())
    }
}

/// A reference line across the value axis: the poverty line by year, the
/// 10 % dividend target, 0 %. Dashed grey, named in the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub name: String,
    /// Aligned with the categories; a constant line repeats one value.
    pub values: Vec<Option<f64>>,
}

impl Reference {
    pub fn constant(name: impl Into<String>, value: f64, categories: usize) -> Reference {
        Reference { name: name.into(), values: vec![Some(value); categories.max(1)] }
    }

    /// The value at category `i`, when there is a finite one.
    pub fn value(&self, i: usize) -> Option<f64> {
        self.values.get(i).copied().flatten().filter(|v| v.is_finite())
    }
}

/// One headline figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    pub label: String,
    pub value: Option<f64>,
    pub unit: Unit,
    /// The value a period earlier, for "▲ 1.2 vs 2019".
    pub previous: Option<f64>,
    /// How the previous period is named ("2019年", "2014").
    pub previous_label: String,
    /// Whether a rise is good news (income) or bad (incidence): colours the
    /// change, which also carries an arrow so it survives greyscale.
    pub higher_is_better: bool,
    pub link: Option<String>,
}

/// Everything needed to draw one chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub kind: Kind,
    /// The SVG `<title>`, also drawn as the caption of exported charts.
    pub title: String,
    /// The one-sentence summary, put in the SVG `<desc>`.
    pub desc: String,
    pub x_label: String,
    pub y_label: String,
    /// How values on the value axis, in hover titles and in heat cells read.
    pub unit: Unit,
    pub categories: Vec<Category>,
    pub series: Vec<Series>,
    pub references: Vec<Reference>,
    /// Only for `Kind::Tiles`.
    pub tiles: Vec<Tile>,
    pub width: u32,
    pub height: u32,
    /// Language of the few words the chart itself writes ("no data",
    /// "vs", the legend of a heat scale).
    pub lang: Lang,
}

impl Chart {
    /// An empty chart of a kind with the default size (640 × 360).
    pub fn new(kind: Kind, title: impl Into<String>) -> Chart {
        Chart {
            kind,
            title: title.into(),
            desc: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            unit: Unit::Count,
            categories: Vec::new(),
            series: Vec::new(),
            references: Vec::new(),
            tiles: Vec::new(),
            width: 640,
            height: 360,
            lang: Lang::Zh,
        }
    }

    /// True when there is nothing to draw: the chart shows "no data" then.
    pub fn is_empty(&self) -> bool {
        match self.kind {
            Kind::Tiles => self.tiles.is_empty(),
            _ => self.categories.is_empty() || self.series.iter().all(|s| (0..self.categories.len()).all(|i| s.value(i).is_none())),
        }
    }
}
