//! Formatting of the report's text: HTML escaping, numbers with thin-space thousands
//! separators and true minus signs, shares, changes, and money in the report's currency.

use std::fmt::{self, Display};

use super::ReportData;

/// Displays a string HTML-escaped (text and attribute values alike).
pub(super) struct Esc<'a>(pub(super) &'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

// ---------------------------------------------------------------------------------------
// Numbers

/// Thousands separator: a narrow no-break space (a thin space that never breaks a number).
pub(super) const THIN: char = '\u{202f}';
/// Between a number and its unit: a no-break space.
pub(super) const NBSP: char = '\u{a0}';
pub(super) const MINUS: char = '\u{2212}';

/// An integer with thin-space thousands separators and a true minus sign.
pub(super) fn fmt_int(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let r = v.round();
    let digits = (r.abs() as u64).to_string();
    let mut out = String::new();
    if r < 0.0 {
        out.push(MINUS);
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(THIN);
        }
        out.push(c);
    }
    out
}

pub(super) fn fmt_count(n: usize) -> String {
    fmt_int(n as f64)
}

/// `v` with `digits` decimals and a true minus sign (never "−0.00").
pub(super) fn fmt_dec(v: f64, digits: usize) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let s = format!("{:.*}", digits, v.abs());
    if v < 0.0 && s.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        format!("{MINUS}{s}")
    } else {
        s
    }
}

/// A share (0–1) as a percentage, e.g. `0.36` → "36.0 %".
pub(super) fn fmt_share(v: f64) -> String {
    format!("{}{NBSP}%", fmt_dec(v * 100.0, 1))
}

/// A relative change in percent with its sign, e.g. "−14.7 %", "+3.2 %".
pub(super) fn fmt_change(pct: f64) -> String {
    let sign = if pct > 0.0 && fmt_dec(pct, 1) != "0.0" {
        "+"
    } else {
        ""
    };
    format!("{sign}{}{NBSP}%", fmt_dec(pct, 1))
}

/// Short axis label: 950, 1.5k, 30k, 1.2M.
pub(super) fn fmt_compact(v: f64) -> String {
    let a = v.abs();
    let (x, unit) = if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let x = if x.abs() >= 10.0 {
        x.round()
    } else {
        (x * 10.0).round() / 10.0
    };
    format!("{}{unit}", fmt_dec(x, if x.fract() == 0.0 { 0 } else { 1 }))
}

/// How the report's currency is written.
pub(super) struct Money {
    pub(super) prefix: String,
    pub(super) suffix: String,
    /// E.g. "RUB (₽)", "GBP (£)".
    pub(super) name: String,
}

impl Money {
    pub(super) fn new(code: &str) -> Money {
        let upper = code.trim().to_uppercase();
        let (prefix, suffix, shown) = match upper.as_str() {
            "RUR" | "RUB" => ("", format!("{NBSP}₽"), "RUB"),
            "GBP" => ("£", String::new(), "GBP"),
            "USD" => ("$", String::new(), "USD"),
            "EUR" => ("€", String::new(), "EUR"),
            "" => ("", String::new(), ""),
            other => ("", format!("{NBSP}{other}"), other),
        };
        let symbol = format!("{prefix}{}", suffix.trim_start_matches(NBSP));
        let name = match (shown, symbol == shown) {
            ("", _) => "currency units".to_string(),
            (s, true) => s.to_string(),
            (s, false) => format!("{s} ({symbol})"),
        };
        Money {
            prefix: prefix.to_string(),
            suffix,
            name,
        }
    }

    /// A whole amount, e.g. "31 046 ₽", "£3 481".
    pub(super) fn fmt(&self, v: f64) -> String {
        if !v.is_finite() {
            return "—".into();
        }
        let n = fmt_int(v);
        match n.strip_prefix(MINUS) {
            Some(abs) => format!("{MINUS}{}{abs}{}", self.prefix, self.suffix),
            None => format!("{}{n}{}", self.prefix, self.suffix),
        }
    }

    /// A range with the unit written once where it can be, e.g. "16 257 – 37 653 ₽".
    pub(super) fn range(&self, lo: f64, hi: f64) -> String {
        if self.prefix.is_empty() && lo >= 0.0 {
            format!("{}{NBSP}– {}", fmt_int(lo), self.fmt(hi))
        } else {
            format!("{}{NBSP}– {}", self.fmt(lo), self.fmt(hi))
        }
    }

    pub(super) fn opt(&self, v: Option<f64>) -> String {
        v.map_or_else(|| "—".into(), |v| self.fmt(v))
    }
}

pub(super) fn per_period(data: &ReportData) -> String {
    match data.period.trim() {
        "" => String::new(),
        p => format!(" per {p}"),
    }
}
