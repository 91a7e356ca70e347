//! Tables: the one output shape every analysis produces, written as CSV or JSON.
//!
//! Column names carry their units (`age_h`, `views`, `survival_prob`, `per_1000`), so a CSV
//! read without its documentation still says what each number is.

use serde_json::{Map, Value as Json};

/// One cell of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An integer (counts, unix seconds).
    Int(i64),
    /// A real number; NaN and infinities are written as empty CSV cells and JSON `null`.
    Float(f64),
    /// Text (terms, labels, ids). Written as is, quoted in CSV when needed.
    Text(String),
    /// A yes/no flag, written `true`/`false`.
    Bool(bool),
    /// No value (an estimate that does not exist, e.g. a median never reached).
    Null,
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<usize> for Value {
    fn from(v: usize) -> Self {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}

impl From<Option<f64>> for Value {
    fn from(v: Option<f64>) -> Self {
        v.map_or(Value::Null, Value::Float)
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Value::Null, Value::Int)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl Value {
    fn to_csv_cell(&self) -> String {
        match self {
            Value::Int(v) => v.to_string(),
            Value::Float(v) => format_float(*v),
            Value::Bool(v) => v.to_string(),
            Value::Null => String::new(),
            Value::Text(s) => {
                if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
                    format!("\"{}\"", s.replace('"', "\"\""))
                } else {
                    s.clone()
                }
            }
        }
    }

    fn to_json(&self) -> Json {
        match self {
            Value::Int(v) => Json::from(*v),
            Value::Float(v) if v.is_finite() => {
                serde_json::Number::from_f64(*v).map_or(Json::Null, Json::Number)
            }
            Value::Float(_) | Value::Null => Json::Null,
            Value::Bool(v) => Json::Bool(*v),
            Value::Text(s) => Json::String(s.clone()),
        }
    }

    /// The number in this cell, if it holds one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(v) => Some(*v as f64),
            Value::Float(v) if v.is_finite() => Some(*v),
            _ => None,
        }
    }
}

/// Shortest decimal that reads back as the same `f64` (Rust's `Display`), or empty for NaN and
/// infinities. Deterministic: the same number always prints the same way.
pub(crate) fn format_float(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

/// A named table with a header row. Every row has as many cells as there are columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// File-name stem: `survival_km`, `latency_histogram`, … (lowercase, `_`).
    pub name: String,
    /// Column names, with units (`age_h`, `survival_prob`).
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(name: &str, columns: &[&str]) -> Self {
        Table {
            name: name.to_owned(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row; a short row is padded with [`Value::Null`], a long one cut to the columns.
    pub fn push(&mut self, mut row: Vec<Value>) {
        row.resize(self.columns.len(), Value::Null);
        self.rows.push(row);
    }

    /// RFC 4180 CSV: header row first, `\n` line ends, fields quoted when they hold `,`, `"` or
    /// a line break.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let header: Vec<String> = self
            .columns
            .iter()
            .map(|c| Value::Text(c.clone()).to_csv_cell())
            .collect();
        out.push_str(&header.join(","));
        out.push('\n');
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(Value::to_csv_cell).collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    /// JSON: `{"name": …, "columns": […], "rows": [{column: value, …}, …]}`; the column order is
    /// kept in `columns`.
    pub fn to_json_value(&self) -> Json {
        let rows: Vec<Json> = self
            .rows
            .iter()
            .map(|row| {
                let mut object = Map::new();
                for (column, value) in self.columns.iter().zip(row) {
                    object.insert(column.clone(), value.to_json());
                }
                Json::Object(object)
            })
            .collect();
        let mut object = Map::new();
        object.insert("name".into(), Json::String(self.name.clone()));
        object.insert(
            "columns".into(),
            Json::Array(self.columns.iter().cloned().map(Json::String).collect()),
        );
        object.insert("rows".into(), Json::Array(rows));
        Json::Object(object)
    }

    /// Index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// A standalone SVG chart and the file-name stem it should be saved under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// File-name stem (`survival`, `latency_histogram`, …).
    pub name: String,
    /// The whole SVG document.
    pub svg: String,
}

/// What every report offers: its tables and charts, and the tables as CSV or one JSON document.
pub trait Report {
    /// The report's tables, in a stable order.
    fn tables(&self) -> Vec<Table>;

    /// The report's charts, in a stable order.
    fn svgs(&self) -> Vec<Chart>;

    /// `(file name, CSV text)` for each table: `name.csv`.
    fn to_csv_tables(&self) -> Vec<(String, String)> {
        self.tables()
            .iter()
            .map(|t| (format!("{}.csv", t.name), t.to_csv()))
            .collect()
    }

    /// One JSON document: `{"tables": [table, …]}` (see [`Table::to_json_value`]), pretty-printed.
    fn to_json(&self) -> String {
        let tables: Vec<Json> = self.tables().iter().map(Table::to_json_value).collect();
        let mut object = Map::new();
        object.insert("tables".into(), Json::Array(tables));
        serde_json::to_string_pretty(&Json::Object(object)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_json_nulls() {
        let mut t = Table::new("t", &["term", "rate_per_1000"]);
        t.push(vec!["a,\"b\"".into(), Value::Float(f64::NAN)]);
        t.push(vec!["中文".into(), 1.5.into()]);
        assert_eq!(
            t.to_csv(),
            "term,rate_per_1000\n\"a,\"\"b\"\"\",\n中文,1.5\n"
        );
        let json = t.to_json_value();
        assert_eq!(json["rows"][0]["rate_per_1000"], Json::Null);
        assert_eq!(json["rows"][1]["term"], "中文");
    }
}
