//! Rows to domain values and back. Reading is strict: a row the domain cannot represent
//! (unknown status or role, bad JSON, half a result) is reported as corrupt, never a panic.
//! The leniencies are towards rows written by older versions: explanations (see
//! [`explanation_from_json`]) and e-mail addresses (see `Email::from_stored`).

use payrange_domain::models::{
    Confidence, Email, Explanation, LikelyRange, Market, Outcome, OutcomeKind, PasswordHash,
    PayBasis, Prediction, PredictionId, PredictionStatus, Role, SalaryEstimate, Session, SessionId,
    StatedSalary, StatedSalaryEffect, TermContribution, TermSource, User, UserId, Vacancy,
};
use payrange_domain::ports::StoreError;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::entity::{prediction, session, user};
use crate::errors::corrupt;

/// A time as stored: UTC, truncated to microseconds (PostgreSQL's resolution), so that SQLite
/// and PostgreSQL read back the same value.
pub(crate) fn stored_time(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    let micros = t.nanosecond() / 1_000 * 1_000;
    t.replace_nanosecond(micros).unwrap_or(t)
}

/// A `users` row as a [`User`].
pub(crate) fn user_from_row(row: user::Model) -> Result<User, StoreError> {
    // Taken as stored: an address accepted under older, looser rules stays readable.
    let email = Email::from_stored(&row.email);
    let role = Role::parse(&row.role)
        .ok_or_else(|| corrupt(format!("user {}: unknown role {:?}", row.id, row.role)))?;
    Ok(User {
        id: UserId::from_uuid(row.id),
        email,
        password_hash: PasswordHash::new(row.password_hash),
        role,
        disabled: row.disabled,
        created_at: row.created_at,
    })
}

/// A `sessions` row as a [`Session`].
pub(crate) fn session_from_row(row: session::Model) -> Session {
    Session {
        id: SessionId::from_uuid(row.id),
        user_id: UserId::from_uuid(row.user_id),
        created_at: row.created_at,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
    }
}

/// A [`Prediction`] as a full `predictions` row.
pub(crate) fn prediction_to_row(p: &Prediction) -> Result<prediction::Model, StoreError> {
    let attempts = i32::try_from(p.attempts)
        .map_err(|_| corrupt(format!("prediction {}: attempts out of range", p.id)))?;
    let result = p.result.as_ref();
    let likely = result.and_then(|r| r.likely.as_ref());
    if let Some(l) = likely {
        check_likely(l)?;
    }
    Ok(prediction::Model {
        id: p.id.as_uuid(),
        owner: p.owner.as_uuid(),
        name: p.vacancy.name().to_owned(),
        description: p.vacancy.description().to_owned(),
        area: p.vacancy.area().map(str::to_owned),
        market: p.vacancy.market().as_str().to_owned(),
        status: p.status.as_str().to_owned(),
        salary_from: result.map(|r| r.salary_from),
        salary_to: result.map(|r| r.salary_to),
        currency: result.map(|r| r.currency.clone()),
        model_version: result.map(|r| r.model_version.clone()),
        explanation: result
            .map(|r| explanation_to_json(&r.explanation))
            .transpose()?,
        likely_from: likely.map(|l| l.from),
        likely_to: likely.map(|l| l.to),
        likely_level: likely.map(|l| l.level),
        confidence: likely.map(|l| l.confidence.as_str().to_owned()),
        error: p.error.clone(),
        attempts,
        request_id: p.request_id.clone(),
        created_at: stored_time(p.created_at),
        started_at: p.started_at.map(stored_time),
        finished_at: p.finished_at.map(stored_time),
        outcome_from: p.outcome.as_ref().and_then(Outcome::salary_from),
        outcome_to: p.outcome.as_ref().and_then(Outcome::salary_to),
        outcome_currency: p.outcome.as_ref().map(|o| o.currency().to_owned()),
        outcome_kind: p
            .outcome
            .as_ref()
            .and_then(|o| o.kind())
            .map(|k| k.as_str().to_owned()),
        outcome_recorded_at: p.outcome.as_ref().map(|o| stored_time(o.recorded_at())),
    })
}

/// A `predictions` row as a [`Prediction`].
pub(crate) fn prediction_from_row(row: prediction::Model) -> Result<Prediction, StoreError> {
    let id = row.id;
    let bad = |what: String| corrupt(format!("prediction {id}: {what}"));
    let market = Market::parse(&row.market).map_err(|e| bad(format!("bad market: {e}")))?;
    let vacancy = Vacancy::in_market(
        &row.name,
        &row.description,
        row.area.as_deref(),
        Some(market),
    )
    .map_err(|e| bad(format!("bad vacancy: {e}")))?;
    let status = PredictionStatus::parse(&row.status)
        .ok_or_else(|| bad(format!("unknown status {:?}", row.status)))?;
    let attempts = u32::try_from(row.attempts).map_err(|_| bad("negative attempts".into()))?;
    let likely = match (
        row.likely_from,
        row.likely_to,
        row.likely_level,
        row.confidence,
    ) {
        (None, None, None, None) => None,
        (Some(from), Some(to), Some(level), Some(confidence)) => Some(LikelyRange {
            from,
            to,
            level,
            confidence: Confidence::parse(&confidence)
                .ok_or_else(|| bad(format!("unknown confidence {confidence:?}")))?,
        }),
        _ => return Err(bad("incomplete likely range columns".into())),
    };
    let result = match (
        row.salary_from,
        row.salary_to,
        row.currency,
        row.model_version,
        row.explanation,
    ) {
        (None, None, None, None, None) if likely.is_none() => None,
        (Some(salary_from), Some(salary_to), Some(currency), Some(model_version), Some(json)) => {
            let explanation = explanation_from_json(&json, salary_from, salary_to).map_err(bad)?;
            Some(SalaryEstimate {
                salary_from,
                salary_to,
                currency,
                model_version,
                explanation,
                likely,
            })
        }
        _ => return Err(bad("incomplete result columns".into())),
    };
    let outcome = match (row.outcome_currency, row.outcome_recorded_at) {
        (None, None) if row.outcome_from.is_none() && row.outcome_to.is_none() => None,
        (Some(currency), Some(recorded_at)) => {
            let kind = row
                .outcome_kind
                .map(|k| {
                    OutcomeKind::parse(&k).ok_or_else(|| bad(format!("unknown outcome kind {k:?}")))
                })
                .transpose()?;
            Some(
                Outcome::new(
                    row.outcome_from,
                    row.outcome_to,
                    currency,
                    kind,
                    recorded_at,
                )
                .map_err(|e| bad(format!("bad outcome: {e}")))?,
            )
        }
        _ => return Err(bad("incomplete outcome columns".into())),
    };
    Ok(Prediction {
        id: PredictionId::from_uuid(id),
        owner: UserId::from_uuid(row.owner),
        vacancy,
        status,
        result,
        error: row.error,
        attempts,
        request_id: row.request_id,
        created_at: row.created_at,
        started_at: row.started_at,
        finished_at: row.finished_at,
        outcome,
    })
}

/// Refuses a likely range a column cannot hold: SQLite stores NaN as NULL, which would
/// read back as half a range.
pub(crate) fn check_likely(l: &LikelyRange) -> Result<(), StoreError> {
    if [l.from, l.to, l.level].iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(corrupt("likely range has a non-finite number"))
    }
}

/// The explanation as JSON:
///
/// ```json
/// {"salary_from": [{"term": "python", "source": "title", "contribution": 0.1, "amount": 12000}],
///  "salary_to": [...],
///  "stated_salary": {"from": 250000, "to": null, "effect": "moved_towards"},
///  "pay_basis": "gross"}
/// ```
///
/// (`stated_salary` is `null` when the vacancy states none.)
///
/// # Errors
/// [`StoreError::Internal`] for a non-finite number, which JSON cannot hold: refusing it here
/// beats storing a row that could never be read back.
pub(crate) fn explanation_to_json(e: &Explanation) -> Result<String, StoreError> {
    let all = e.salary_from.iter().chain(&e.salary_to);
    if let Some(t) = all
        .into_iter()
        .find(|t| !t.contribution.is_finite() || !t.amount.is_finite())
    {
        return Err(corrupt(format!(
            "explanation term {:?} has a non-finite contribution or amount",
            t.term
        )));
    }
    let stated = e.stated_salary.as_ref();
    if stated.is_some_and(|s| [s.from, s.to].iter().flatten().any(|x| !x.is_finite())) {
        return Err(corrupt("explanation has a non-finite stated salary"));
    }
    let terms = |ts: &[TermContribution]| -> Value {
        ts.iter()
            .map(|t| {
                json!({
                    "term": t.term,
                    "source": t.source.as_str(),
                    "contribution": t.contribution,
                    "amount": t.amount,
                })
            })
            .collect()
    };
    let stated = stated.map(|s| json!({ "from": s.from, "to": s.to, "effect": s.effect.as_str() }));
    Ok(json!({
        "salary_from": terms(&e.salary_from),
        "salary_to": terms(&e.salary_to),
        "stated_salary": stated,
        "pay_basis": e.pay_basis.as_str(),
    })
    .to_string())
}

/// One term of a stored explanation list; `Ok(None)` for an old term that is dropped.
///
/// Rows written before terms had a source hold `{"term": "title: python", "contribution": c}`:
/// the label before `": "` is the source, and a term whose label is not a source (internal
/// features such as `"title chars: ..."`, `"amount: ..."`, `"stated salary: ..."`) or whose
/// amount cannot be computed is dropped. A missing amount is computed from `bound`, the
/// row's bound that the list explains.
fn term_from_json(item: &Value, bound: f64) -> Result<Option<TermContribution>, ()> {
    let term = item.get("term").and_then(Value::as_str).ok_or(())?;
    let contribution = item.get("contribution").and_then(Value::as_f64).ok_or(())?;
    let (source, term) = match item.get("source") {
        Some(source) => {
            let source = source.as_str().and_then(TermSource::parse).ok_or(())?;
            (source, term)
        }
        None => {
            let Some((label, rest)) = term.split_once(": ") else {
                return Ok(None);
            };
            match TermSource::parse(label) {
                Some(source) => (source, rest),
                None => return Ok(None),
            }
        }
    };
    let amount = match item.get("amount") {
        Some(amount) => amount.as_f64().ok_or(())?,
        None => bound * (1.0 - (-contribution).exp()),
    };
    if !amount.is_finite() {
        return Ok(None);
    }
    Ok(Some(TermContribution {
        term: term.to_owned(),
        source,
        contribution,
        amount,
    }))
}

/// Parses [`explanation_to_json`] output, and the explanations of older rows (terms without
/// `source` and `amount`, see [`term_from_json`]; no `stated_salary`; no `pay_basis`, read as
/// unstated). `salary_from` and `salary_to` are the row's bounds.
pub(crate) fn explanation_from_json(
    text: &str,
    salary_from: f64,
    salary_to: f64,
) -> Result<Explanation, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("explanation is not JSON: {e}"))?;
    let terms = |key: &str, bound: f64| -> Result<Vec<TermContribution>, String> {
        let list = value
            .get(key)
            .and_then(Value::as_array)
            .ok_or_else(|| format!("explanation lacks the {key} list"))?;
        let mut terms = Vec::with_capacity(list.len());
        for item in list {
            if let Some(t) = term_from_json(item, bound)
                .map_err(|()| format!("explanation has a malformed {key} term"))?
            {
                terms.push(t);
            }
        }
        Ok(terms)
    };
    let stated_salary = match value.get("stated_salary") {
        None | Some(Value::Null) => None,
        Some(s) => {
            let malformed = || "explanation has a malformed stated salary".to_owned();
            let figure = |key: &str| match s.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v.as_f64().map(Some).ok_or_else(malformed),
            };
            Some(StatedSalary {
                from: figure("from")?,
                to: figure("to")?,
                effect: s
                    .get("effect")
                    .and_then(Value::as_str)
                    .and_then(StatedSalaryEffect::parse)
                    .ok_or_else(malformed)?,
            })
        }
    };
    let pay_basis = match value.get("pay_basis") {
        None => PayBasis::Unstated,
        Some(b) => b
            .as_str()
            .and_then(PayBasis::parse)
            .ok_or_else(|| format!("explanation has an unknown pay basis {b}"))?,
    };
    Ok(Explanation {
        salary_from: terms("salary_from", salary_from)?,
        salary_to: terms("salary_to", salary_to)?,
        stated_salary,
        pay_basis,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn term(term: &str, source: TermSource, contribution: f64, amount: f64) -> TermContribution {
        TermContribution {
            term: term.into(),
            source,
            contribution,
            amount,
        }
    }

    #[test]
    fn explanations_round_trip_exactly() {
        let e = Explanation {
            salary_from: vec![term(
                "\"rust\" \u{1F980}",
                TermSource::Title,
                0.1 + 0.2,
                12_345.678_9,
            )],
            salary_to: vec![term(
                "москва",
                TermSource::Area,
                -1.234_567_890_123_456_7e-12,
                -2.5e-7,
            )],
            stated_salary: Some(StatedSalary {
                from: Some(250_000.000_000_1),
                to: None,
                effect: StatedSalaryEffect::MovedTowards,
            }),
            pay_basis: PayBasis::Net,
        };
        assert_eq!(
            explanation_from_json(&explanation_to_json(&e).unwrap(), 1.0, 2.0).unwrap(),
            e
        );
    }

    #[test]
    fn old_explanations_read_with_sources_and_amounts_and_without_internal_terms() {
        let old = r#"{"salary_from":[
                {"term":"title: python","contribution":0.1},
                {"term":"title chars: 42","contribution":0.2},
                {"term":"amount: 250000","contribution":0.3},
                {"term":"stated salary: from","contribution":0.4},
                {"term":"description: machine learning","contribution":-0.05},
                {"term":"no label","contribution":0.1}],
            "salary_to":[{"term":"area: москва","contribution":0.2}]}"#;
        let e = explanation_from_json(old, 100_000.0, 200_000.0).unwrap();
        let amount = |bound: f64, c: f64| bound * (1.0 - (-c).exp());
        assert_eq!(
            e,
            Explanation {
                salary_from: vec![
                    term("python", TermSource::Title, 0.1, amount(100_000.0, 0.1)),
                    term(
                        "machine learning",
                        TermSource::Description,
                        -0.05,
                        amount(100_000.0, -0.05)
                    ),
                ],
                salary_to: vec![term(
                    "москва",
                    TermSource::Area,
                    0.2,
                    amount(200_000.0, 0.2)
                )],
                stated_salary: None,
                pay_basis: PayBasis::Unstated,
            }
        );
        assert!(e.salary_from[0].amount > 9_000.0 && e.salary_from[1].amount < -5_000.0);
    }

    #[test]
    fn non_finite_numbers_are_refused_before_writing() {
        let with = |t: TermContribution, stated: Option<f64>| Explanation {
            salary_from: vec![t],
            salary_to: vec![],
            stated_salary: Some(StatedSalary {
                from: stated,
                to: None,
                effect: StatedSalaryEffect::UsedAsGiven,
            }),
            pay_basis: PayBasis::Gross,
        };
        for e in [
            with(term("x", TermSource::Title, f64::NAN, 1.0), None),
            with(term("x", TermSource::Title, 1.0, f64::INFINITY), None),
            with(term("x", TermSource::Title, 1.0, 1.0), Some(f64::NAN)),
        ] {
            assert!(
                matches!(explanation_to_json(&e), Err(StoreError::Internal(_))),
                "{e:?}"
            );
        }
        let likely = LikelyRange {
            from: f64::NAN,
            to: 1.0,
            level: 0.8,
            confidence: Confidence::Low,
        };
        assert!(matches!(
            check_likely(&likely),
            Err(StoreError::Internal(_))
        ));
    }

    #[test]
    fn malformed_explanations_are_errors_not_panics() {
        for bad in [
            "",
            "[]",
            "{}",
            r#"{"salary_from":[{"term":1}],"salary_to":[]}"#,
            r#"{"salary_from":[{"term":"x","source":"salary","contribution":1,"amount":1}],"salary_to":[]}"#,
            r#"{"salary_from":[{"term":"x","source":"title","contribution":1,"amount":"1"}],"salary_to":[]}"#,
            r#"{"salary_from":[],"salary_to":[],"stated_salary":{"from":1}}"#,
            r#"{"salary_from":[],"salary_to":[],"stated_salary":{"from":"1","effect":"set_aside"}}"#,
            r#"{"salary_from":[],"salary_to":[],"pay_basis":"hourly"}"#,
            r#"{"salary_from":[],"salary_to":[],"pay_basis":null}"#,
        ] {
            assert!(explanation_from_json(bad, 1.0, 2.0).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn stored_times_are_utc_microseconds() {
        let t = time::macros::datetime!(2026-01-02 03:04:05.123456789 +03:00);
        let s = stored_time(t);
        assert_eq!(s.offset(), time::UtcOffset::UTC);
        assert_eq!(s.nanosecond(), 123_456_000);
        assert_eq!(s, time::macros::datetime!(2026-01-02 00:04:05.123456 UTC));
    }
}
