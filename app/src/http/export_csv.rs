//! The CSV form of a data download (`GET /users/me/export?format=csv`).
//!
//! One header line, one `account` row, then one `prediction` row per prediction; each row
//! fills the columns that apply to it. Values are taken from the JSON form, so both forms
//! agree on every value (times in RFC 3339, enums by their JSON names). Text cells are
//! neutralised against spreadsheet formulas as the web UI's `csvCell` does.

use poem_openapi::types::ToJSON;
use serde_json::Value;

use super::self_service::AccountExport;

/// The columns, in order. `kind` says which of the others a row fills.
const COLUMNS: [&str; 23] = [
    "kind",
    "id",
    "created_at",
    "email",
    "role",
    "disabled",
    "status",
    "name",
    "area",
    "market",
    "salary_from",
    "salary_to",
    "currency",
    "likely_from",
    "likely_to",
    "level",
    "confidence",
    "model_version",
    "attempts",
    "started_at",
    "finished_at",
    "error",
    "description",
];

/// The real-outcome columns, after the others: each with the field of the prediction's
/// `outcome` object it holds (empty when no outcome was recorded).
const OUTCOME_COLUMNS: [(&str, &str); 5] = [
    ("outcome_salary_from", "salary_from"),
    ("outcome_salary_to", "salary_to"),
    ("outcome_currency", "currency"),
    ("outcome_kind", "kind"),
    ("outcome_recorded_at", "recorded_at"),
];

/// One CSV cell of a JSON value: nothing for null or absent; numbers and booleans as JSON
/// writes them; text prefixed with `'` when a spreadsheet would read it as a formula (it
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return), then quoted when it holds a
/// quote, a comma or a line break.
#[must_use]
pub fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => text_cell(s),
        Some(other) => quoted(other.to_string()),
    }
}

/// One CSV cell of text: prefixed with `'` when a spreadsheet would read it as a formula,
/// then quoted when it holds a quote, a comma or a line break.
#[must_use]
pub fn text_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        quoted(format!("'{s}"))
    } else {
        quoted(s.to_owned())
    }
}

fn quoted(text: String) -> String {
    if text.contains(['"', ',', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn row(kind: &str, object: &Value) -> String {
    COLUMNS
        .iter()
        .map(|&column| match column {
            "kind" => kind.to_owned(),
            _ => cell(object.get(column)),
        })
        .chain(
            OUTCOME_COLUMNS
                .iter()
                .map(|(_, field)| cell(object.get("outcome").and_then(|o| o.get(field)))),
        )
        .collect::<Vec<_>>()
        .join(",")
}

/// The export as CSV, lines ended by CRLF (RFC 4180).
#[must_use]
pub fn to_csv(export: &AccountExport) -> String {
    let header: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .chain(OUTCOME_COLUMNS.iter().map(|(column, _)| *column))
        .collect();
    let mut lines = vec![header.join(",")];
    lines.push(row(
        "account",
        &export.account.to_json().unwrap_or_default(),
    ));
    for p in &export.predictions {
        lines.push(row("prediction", &p.to_json().unwrap_or_default()));
    }
    let mut csv = lines.join("\r\n");
    csv.push_str("\r\n");
    csv
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn formula_cells_become_text_and_special_characters_are_quoted() {
        assert_eq!(
            cell(Some(&json!("=HYPERLINK(\"x\")"))),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(cell(Some(&json!("+1"))), "'+1");
        assert_eq!(cell(Some(&json!("-2"))), "'-2");
        assert_eq!(cell(Some(&json!("@SUM(A1)"))), "'@SUM(A1)");
        assert_eq!(cell(Some(&json!("\tx"))), "'\tx");
        assert_eq!(cell(Some(&json!("a,b"))), "\"a,b\"");
        assert_eq!(cell(Some(&json!("line\nbreak"))), "\"line\nbreak\"");
        assert_eq!(cell(Some(&json!("plain"))), "plain");
        // Numbers are numbers, even negative ones: only text can be a formula.
        assert_eq!(cell(Some(&json!(-5))), "-5");
        assert_eq!(cell(Some(&json!(true))), "true");
        assert_eq!(cell(Some(&Value::Null)), "");
        assert_eq!(cell(None), "");
    }
}
