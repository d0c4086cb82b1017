//! Rows to domain values and back. Reading is strict: a row the domain cannot represent
//! (unknown status or role, bad JSON, half a result) is reported as corrupt, never a panic.

use payrange_domain::models::{
    Email, Explanation, PasswordHash, Prediction, PredictionId, PredictionStatus, Role,
    SalaryEstimate, Session, SessionId, TermContribution, User, UserId, Vacancy,
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
    let email = Email::parse(&row.email)
        .map_err(|e| corrupt(format!("user {}: bad email: {e}", row.id)))?;
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
    Ok(prediction::Model {
        id: p.id.as_uuid(),
        owner: p.owner.as_uuid(),
        name: p.vacancy.name().to_owned(),
        description: p.vacancy.description().to_owned(),
        area: p.vacancy.area().map(str::to_owned),
        status: p.status.as_str().to_owned(),
        salary_from: result.map(|r| r.salary_from),
        salary_to: result.map(|r| r.salary_to),
        currency: result.map(|r| r.currency.clone()),
        model_version: result.map(|r| r.model_version.clone()),
        explanation: result
            .map(|r| explanation_to_json(&r.explanation))
            .transpose()?,
        error: p.error.clone(),
        attempts,
        request_id: p.request_id.clone(),
        created_at: stored_time(p.created_at),
        started_at: p.started_at.map(stored_time),
        finished_at: p.finished_at.map(stored_time),
    })
}

/// A `predictions` row as a [`Prediction`].
pub(crate) fn prediction_from_row(row: prediction::Model) -> Result<Prediction, StoreError> {
    let id = row.id;
    let bad = |what: String| corrupt(format!("prediction {id}: {what}"));
    let vacancy = Vacancy::new(&row.name, &row.description, row.area.as_deref())
        .map_err(|e| bad(format!("bad vacancy: {e}")))?;
    let status = PredictionStatus::parse(&row.status)
        .ok_or_else(|| bad(format!("unknown status {:?}", row.status)))?;
    let attempts = u32::try_from(row.attempts).map_err(|_| bad("negative attempts".into()))?;
    let result = match (
        row.salary_from,
        row.salary_to,
        row.currency,
        row.model_version,
        row.explanation,
    ) {
        (None, None, None, None, None) => None,
        (Some(salary_from), Some(salary_to), Some(currency), Some(model_version), Some(json)) => {
            let explanation = explanation_from_json(&json).map_err(bad)?;
            Some(SalaryEstimate {
                salary_from,
                salary_to,
                currency,
                model_version,
                explanation,
            })
        }
        _ => return Err(bad("incomplete result columns".into())),
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
    })
}

/// `{"salary_from": [{"term": ..., "contribution": ...}], "salary_to": [...]}`.
///
/// # Errors
/// [`StoreError::Internal`] for a non-finite contribution, which JSON cannot hold: refusing
/// it here beats storing a row that could never be read back.
pub(crate) fn explanation_to_json(e: &Explanation) -> Result<String, StoreError> {
    let all = e.salary_from.iter().chain(&e.salary_to);
    if let Some(t) = all.into_iter().find(|t| !t.contribution.is_finite()) {
        return Err(corrupt(format!(
            "explanation term {:?} has a non-finite contribution",
            t.term
        )));
    }
    let terms = |ts: &[TermContribution]| -> Value {
        ts.iter()
            .map(|t| json!({ "term": t.term, "contribution": t.contribution }))
            .collect()
    };
    Ok(
        json!({ "salary_from": terms(&e.salary_from), "salary_to": terms(&e.salary_to) })
            .to_string(),
    )
}

/// Parses [`explanation_to_json`] output.
pub(crate) fn explanation_from_json(text: &str) -> Result<Explanation, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("explanation is not JSON: {e}"))?;
    let terms = |key: &str| -> Result<Vec<TermContribution>, String> {
        let list = value
            .get(key)
            .and_then(Value::as_array)
            .ok_or_else(|| format!("explanation lacks the {key} list"))?;
        list.iter()
            .map(|item| {
                let term = item.get("term").and_then(Value::as_str);
                let contribution = item.get("contribution").and_then(Value::as_f64);
                match (term, contribution) {
                    (Some(term), Some(contribution)) => Ok(TermContribution {
                        term: term.to_owned(),
                        contribution,
                    }),
                    _ => Err(format!("explanation has a malformed {key} term")),
                }
            })
            .collect()
    };
    Ok(Explanation {
        salary_from: terms("salary_from")?,
        salary_to: terms("salary_to")?,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn explanations_round_trip_exactly() {
        let e = Explanation {
            salary_from: vec![TermContribution {
                term: "title: \"rust\" \u{1F980}".into(),
                contribution: 0.1 + 0.2,
            }],
            salary_to: vec![TermContribution {
                term: "area: москва".into(),
                contribution: -1.234_567_890_123_456_7e-12,
            }],
        };
        assert_eq!(
            explanation_from_json(&explanation_to_json(&e).unwrap()).unwrap(),
            e
        );
    }

    #[test]
    fn non_finite_contributions_are_refused_before_writing() {
        let e = Explanation {
            salary_from: vec![TermContribution {
                term: "x".into(),
                contribution: f64::NAN,
            }],
            salary_to: vec![],
        };
        assert!(matches!(
            explanation_to_json(&e),
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
        ] {
            assert!(explanation_from_json(bad).is_err(), "{bad:?}");
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
