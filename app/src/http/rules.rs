//! The input rules the domain enforces, stated in the generated OpenAPI document.
//!
//! poem-openapi writes each field's type but not the domain's rules (trimming, control
//! characters, e-mail shape), and enforcing them with poem's validators would replace the
//! domain's messages, which name the field and the rule, with poem's. So the rules are added
//! to the document here, as `maxLength` / `minLength` / `pattern`, and checked against the
//! domain's own parsers by the tests below: a request valid by the document is accepted, and
//! one the document forbids is refused. Request bodies also get `additionalProperties:
//! false`, since every one of them refuses unknown fields.
//!
//! The patterns are written for ECMA-262, Python `re` and Rust `regex` alike (`\uXXXX`
//! escapes, classes only, no look-around). Two rules of e-mail addresses cannot be stated
//! that way and are left out: letters of two scripts (no class can say "one script, any
//! one"), and the refused characters beyond U+FFFF (invisible tags, `🄀`), for which those
//! three dialects share no escape.

use payrange_domain::models::{
    MAX_AREA_CHARS, MAX_DESCRIPTION_CHARS, MAX_EMAIL_LEN, MAX_NAME_CHARS, MAX_OUTCOME_SALARY,
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, Market, is_email_char,
};
use serde_json::{Value, json};

/// Unicode `White_Space` (what `str::trim` removes), and the bidi embeddings, overrides and
/// isolates, which vacancies drop before trimming.
const WS: &str = r"[\t\n\u000B\u000C\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202A-\u202F\u205F\u2066-\u2069\u3000]";
/// Neither white space, a control character nor a dropped bidi character.
const SOLID: &str = r"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202A-\u202F\u205F\u2066-\u2069\u3000]";
/// Unicode `White_Space` alone (what `str::trim` removes): around an e-mail address, a
/// market, an outcome's currency or kind.
const WHITE_SPACE: &str =
    r"[\t\n\u000B\u000C\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";
/// Not a control character (`char::is_control`: Unicode `Cc`).
const NOT_CONTROL: &str = r"[^\u0000-\u001F\u007F-\u009F]";
/// Not a control character, except tab, line feed and carriage return.
const TEXT: &str = r"[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]";

/// A line of text: something solid, no control characters, any surrounding white space.
fn line_pattern() -> String {
    format!("^{WS}*{SOLID}(?:{NOT_CONTROL}*{SOLID})?{WS}*$")
}

/// Free text: like a line, and tab, line feed and carriage return are allowed inside.
fn text_pattern() -> String {
    format!("^{WS}*{SOLID}(?:{TEXT}*{SOLID})?{WS}*$")
}

/// A line, or only white space (which means "not given").
fn optional_line_pattern() -> String {
    format!("^{WS}*(?:{SOLID}(?:{NOT_CONTROL}*{SOLID})?{WS}*)?$")
}

/// `name@domain.tld`: one `@`, a dotted domain without empty labels, and inside only the
/// characters the domain's `is_email_char` allows (no white space, control, invisible or
/// bidi-control character, nothing that normalises to an `@` or a dot); surrounding white
/// space allowed.
fn email_pattern() -> String {
    let local = refusing("@", |c| !is_email_char(c));
    let label = refusing("@.", |c| !is_email_char(c));
    format!(r"^{WHITE_SPACE}*{local}+@{label}+(?:\.{label}+)+{WHITE_SPACE}*$")
}

/// A class of every character but those of `listed` and the characters up to U+FFFF that
/// `refused` picks, written as `\uXXXX` ranges.
fn refusing(listed: &str, refused: impl Fn(char) -> bool) -> String {
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for u in (0..=0xFFFF).filter(|&u| char::from_u32(u).is_some_and(&refused)) {
        match ranges.last_mut() {
            Some((_, last)) if *last + 1 == u => *last = u,
            _ => ranges.push((u, u)),
        }
    }
    let mut class = format!("[^{listed}");
    for (first, last) in ranges {
        class.push_str(&format!(r"\u{first:04X}"));
        if last != first {
            class.push_str(&format!(r"-\u{last:04X}"));
        }
    }
    class.push(']');
    class
}

/// One of `words` (ASCII, matched without regard to case) or nothing, with any surrounding
/// white space: what a field parsed by trimming and lower-casing accepts.
fn optional_word_pattern(words: &[&str]) -> String {
    let any_case = |w: &str| -> String {
        w.chars()
            .map(|c| format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase()))
            .collect()
    };
    let words: Vec<String> = words.iter().map(|w| any_case(w)).collect();
    format!("^{WHITE_SPACE}*(?:{})?{WHITE_SPACE}*$", words.join("|"))
}

/// A real salary of an outcome: positive, at most [`MAX_OUTCOME_SALARY`] (the OpenAPI 3.0
/// form of an exclusive minimum).
fn outcome_salary_rule() -> Value {
    json!({"minimum": 0, "exclusiveMinimum": true, "maximum": MAX_OUTCOME_SALARY})
}

fn password_rule() -> Value {
    json!({
        "minLength": MIN_PASSWORD_CHARS,
        "maxLength": MAX_PASSWORD_CHARS,
        "pattern": format!("^{NOT_CONTROL}*$"),
    })
}

/// `(schema, property, rule)` for every rule the document states.
fn rules() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "Registration",
            "email",
            json!({"maxLength": MAX_EMAIL_LEN, "pattern": email_pattern()}),
        ),
        ("Registration", "password", password_rule()),
        ("PasswordChange", "new_password", password_rule()),
        (
            "VacancyDto",
            "name",
            json!({"maxLength": MAX_NAME_CHARS, "pattern": line_pattern()}),
        ),
        (
            "VacancyDto",
            "description",
            json!({"maxLength": MAX_DESCRIPTION_CHARS, "pattern": text_pattern()}),
        ),
        (
            "VacancyDto",
            "area",
            json!({"maxLength": MAX_AREA_CHARS, "pattern": optional_line_pattern()}),
        ),
        (
            "VacancyDto",
            "market",
            json!({"pattern": optional_word_pattern(&Market::ALL.map(Market::as_str))}),
        ),
        ("OutcomeRequest", "salary_from", outcome_salary_rule()),
        ("OutcomeRequest", "salary_to", outcome_salary_rule()),
        // The shape of an ISO 4217 code; which one (the estimate's) the document cannot say.
        (
            "OutcomeRequest",
            "currency",
            json!({"pattern": format!("^{WHITE_SPACE}*(?:[A-Za-z]{{3}})?{WHITE_SPACE}*$")}),
        ),
        (
            "OutcomeRequest",
            "kind",
            json!({"pattern": optional_word_pattern(&["offered", "published"])}),
        ),
    ]
}

/// Writes the rules into `doc`, a parsed OpenAPI document: the field rules above, and
/// `additionalProperties: false` on every schema used as a JSON request body.
pub fn add_rules(doc: &mut Value) {
    for (schema, property, rule) in rules() {
        let pointer = format!("/components/schemas/{schema}/properties/{property}");
        if let (Some(target), Value::Object(rule)) = (doc.pointer_mut(&pointer), rule)
            && let Some(target) = target.as_object_mut()
        {
            target.extend(rule);
        }
    }
    let bodies: Vec<String> = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|ops| ops.values())
        .filter_map(|op| {
            op.pointer("/requestBody/content")
                .and_then(Value::as_object)
        })
        .flat_map(|content| content.values())
        .filter_map(|media| media.pointer("/schema/$ref").and_then(Value::as_str))
        .filter_map(|r| r.strip_prefix("#/components/schemas/"))
        .map(str::to_owned)
        .collect();
    for name in bodies {
        if let Some(schema) = doc
            .pointer_mut(&format!("/components/schemas/{name}"))
            .and_then(Value::as_object_mut)
        {
            schema.insert("additionalProperties".into(), Value::Bool(false));
        }
    }
}

#[cfg(test)]
mod tests {
    use payrange_domain::models::{
        Email, EmailError, NewPassword, Outcome, PasswordError, Vacancy, VacancyField,
    };
    use regex::Regex;
    use time::OffsetDateTime;

    use super::*;

    /// Whether `s` satisfies a rule as a JSON Schema validator would.
    fn allowed(rule: &Value, s: &str) -> bool {
        let chars = s.chars().count() as u64;
        let pattern = Regex::new(rule["pattern"].as_str().unwrap()).unwrap();
        rule["maxLength"].as_u64().is_none_or(|max| chars <= max)
            && rule["minLength"].as_u64().is_none_or(|min| chars >= min)
            && pattern.is_match(s)
    }

    fn rule(schema: &str, property: &str) -> Value {
        rules()
            .into_iter()
            .find(|(s, p, _)| *s == schema && *p == property)
            .unwrap()
            .2
    }

    /// Strings at every edge the rules have: white space of each kind around and inside,
    /// control characters (C0, DEL, C1, the white-space ones), lengths at the limits, `@` and
    /// `.` placements, non-Latin letters; plus pseudo-random mixes of those characters.
    fn samples() -> Vec<String> {
        let atoms = [
            "a",
            "й",
            "ё",
            " ",
            "\t",
            "\n",
            "\r",
            "\u{b}",
            "\u{c}",
            "\u{85}",
            "\u{a0}",
            "\u{2003}",
            "\u{3000}",
            "\u{200b}",
            "\u{180e}",
            "\0",
            "\u{1}",
            "\u{1f}",
            "\u{7f}",
            "\u{9f}",
            "@",
            ".",
            "x@y.z",
            "😀",
            "-",
            "ab.cd",
            "\u{202e}",
            "\u{2066}",
            "\u{200f}",
            "\u{feff}",
            "\u{ad}",
            "ｖ",
            "＠",
            "．",
            "¨",
            "і",
            "e\u{301}",
            "\u{e0041}",
            "🄀",
        ];
        let mut out: Vec<String> = vec![
            String::new(),
            " ".into(),
            "\t\n".into(),
            "a".into(),
            " a ".into(),
            "\ta\n".into(),
            "a\tb".into(),
            "a\nb".into(),
            "a\u{1}b".into(),
            "\u{85}a\u{85}".into(),
            "a\u{85}b".into(),
            "\u{1f}a".into(),
            "ann@example.com".into(),
            " Ann@Example.COM ".into(),
            "ann@example".into(),
            "@example.com".into(),
            "ann@.com".into(),
            "ann@example..com".into(),
            "ann@example.com.".into(),
            "a@b@c.d".into(),
            "an n@example.com".into(),
            "ann@exa\u{a0}mple.com".into(),
            "анна@пример.рф".into(),
            "ｖｉｃｔｉｍ@example.com".into(),
            "vіctim@example.com".into(),
            "victim@exa\u{200b}mple.com".into(),
            "victim@\u{202e}moc.elpmaxe".into(),
            "\u{202e}Rust developer\u{202c}".into(),
            " \u{2066}\u{2069} ".into(),
            "\u{2067}a\nb\u{2069}".into(),
            "correct horse battery".into(),
            "0".repeat(11),
            "0".repeat(12),
            "ü".repeat(128),
            "ü".repeat(129),
            format!("{}\u{1}", "a".repeat(12)),
        ];
        for n in [99, 100, 101, 199, 200, 201, 254, 255] {
            out.push("a".repeat(n));
            out.push(format!(" {}", "a".repeat(n - 1)));
            out.push(format!("{}@b.c", "a".repeat(n.saturating_sub(4))));
            out.push(" ".repeat(n));
        }
        // A fixed linear congruential sequence: reproducible, no dependency.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..4000 {
            let mut s = String::new();
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let len = (state >> 60) as usize;
            for _ in 0..len {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                s.push_str(atoms[(state >> 33) as usize % atoms.len()]);
            }
            out.push(s);
        }
        out
    }

    /// Whether the domain accepts `s` but for the rules the pattern cannot state: a refused
    /// character beyond U+FFFF counts as an allowed one (a digit, which goes with any
    /// script), and mixing scripts counts as allowed.
    fn email_ok_but_the_unstated_rules(s: &str) -> bool {
        let bmp: String = s
            .chars()
            .map(|c| {
                if u32::from(c) > 0xFFFF && !is_email_char(c) {
                    '0'
                } else {
                    c
                }
            })
            .collect();
        matches!(Email::parse(&bmp), Ok(_) | Err(EmailError::MixedScript))
    }

    #[test]
    fn email_rule_accepts_exactly_what_the_domain_accepts_but_the_unstated_rules() {
        let r = rule("Registration", "email");
        for s in samples() {
            assert_eq!(
                allowed(&r, &s),
                email_ok_but_the_unstated_rules(&s),
                "{s:?}"
            );
        }
        // The rules set aside above are the domain's, and only those.
        for unstated in ["vіctim@example.com", "victim\u{e0041}@example.com"] {
            assert!(allowed(&r, unstated) && Email::parse(unstated).is_err());
        }
    }

    #[test]
    fn password_rule_accepts_exactly_what_the_domain_accepts_but_the_unstated_rules() {
        // Not stated as a pattern: the common list, and repeated characters, patterns and
        // sequences (a portable pattern has no back-references); both answer 422 with their
        // own message.
        let stated =
            |s: &str| matches!(NewPassword::parse(s), Ok(_) | Err(PasswordError::TooSimple));
        for r in [
            rule("Registration", "password"),
            rule("PasswordChange", "new_password"),
        ] {
            for s in samples() {
                assert_eq!(allowed(&r, &s), stated(&s), "{s:?}");
            }
            for unstated in ["0".repeat(12), "ü".repeat(128), "abcdefghijkl".into()] {
                assert!(allowed(&r, &unstated) && NewPassword::parse(&unstated).is_err());
            }
        }
    }

    #[test]
    fn vacancy_rules_accept_exactly_what_the_domain_accepts() {
        let (name, description, area) = (
            rule("VacancyDto", "name"),
            rule("VacancyDto", "description"),
            rule("VacancyDto", "area"),
        );
        let field_ok = |e: Result<Vacancy, payrange_domain::models::VacancyError>,
                        field: VacancyField| {
            e.map_or_else(|e| e.field() != field, |_| true)
        };
        for s in samples() {
            let as_name = Vacancy::new(&s, "d", None);
            assert_eq!(allowed(&name, &s), as_name.is_ok(), "name {s:?}");
            let as_description = Vacancy::new("n", &s, None);
            assert_eq!(
                allowed(&description, &s),
                field_ok(as_description, VacancyField::Description),
                "description {s:?}"
            );
            let as_area = Vacancy::new("n", "d", Some(&s));
            assert_eq!(
                allowed(&area, &s),
                field_ok(as_area, VacancyField::Area),
                "area {s:?}"
            );
        }
        let long = "a".repeat(MAX_DESCRIPTION_CHARS);
        assert!(allowed(&description, &long) && Vacancy::new("n", &long, None).is_ok());
        let longer = format!("{long}a");
        assert!(!allowed(&description, &longer) && Vacancy::new("n", &longer, None).is_err());
    }

    #[test]
    fn word_rules_accept_exactly_what_their_parsers_accept() {
        let (market, kind, currency) = (
            rule("VacancyDto", "market"),
            rule("OutcomeRequest", "kind"),
            rule("OutcomeRequest", "currency"),
        );
        let words = [
            "ru",
            "RU",
            " uK\t",
            "uk\u{85}",
            "gb",
            "ru ru",
            "rus",
            "offered",
            "Published ",
            "OFFERED",
            "offer",
            "ｒｕ",
            "\u{130}",
            "RUB",
            " gbp ",
            "eur",
            "RUBL",
            "₽",
            "R U B",
        ];
        let samples = samples().into_iter().chain(words.map(String::from));
        for s in samples {
            let as_market = crate::http::markets::named_market("market", Some(&s));
            assert_eq!(allowed(&market, &s), as_market.is_ok(), "market {s:?}");
            let as_kind = crate::http::outcomes::outcome_kind(Some(&s));
            assert_eq!(allowed(&kind, &s), as_kind.is_ok(), "kind {s:?}");
            // Which code is right depends on the estimate; the rule states the shape.
            let t = s.trim();
            let shaped =
                t.is_empty() || (t.len() == 3 && t.bytes().all(|b| b.is_ascii_alphabetic()));
            assert_eq!(allowed(&currency, &s), shaped, "currency {s:?}");
        }
    }

    #[test]
    fn outcome_salary_rules_accept_exactly_what_the_domain_accepts() {
        for field in ["salary_from", "salary_to"] {
            let r = rule("OutcomeRequest", field);
            let min = r["minimum"].as_f64().unwrap();
            let max = r["maximum"].as_f64().unwrap();
            assert_eq!(r["exclusiveMinimum"], Value::Bool(true));
            for x in [
                -1.0,
                0.0,
                1e-9,
                1.0,
                250_000.0,
                MAX_OUTCOME_SALARY,
                MAX_OUTCOME_SALARY + 1.0,
            ] {
                let allowed = x > min && x <= max;
                let (from, to) = if field == "salary_from" {
                    (Some(x), None)
                } else {
                    (None, Some(x))
                };
                let domain = Outcome::new(from, to, "RUR", None, OffsetDateTime::UNIX_EPOCH);
                assert_eq!(allowed, domain.is_ok(), "{field} {x}");
            }
        }
    }

    #[test]
    fn the_document_states_the_rules_and_closes_every_request_body() {
        let doc: Value = serde_json::from_str(&crate::http::spec_json()).unwrap();
        let schemas = &doc["components"]["schemas"];
        for (schema, property, rule) in rules() {
            let stated = &schemas[schema]["properties"][property];
            for (key, value) in rule.as_object().unwrap() {
                assert_eq!(&stated[key], value, "{schema}.{property}.{key}");
            }
        }
        for body in [
            "Registration",
            "Credentials",
            "PasswordChange",
            "VacancyDto",
            "UserUpdate",
            "OutcomeRequest",
        ] {
            assert_eq!(
                schemas[body]["additionalProperties"],
                Value::Bool(false),
                "{body}"
            );
        }
    }
}
