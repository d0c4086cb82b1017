//! The message format on the wire: a small JSON document per job, or `{"jobs": [...]}` for
//! several jobs published in one message, plus the headers the broker adds
//! (`x-delivery-count`, `x-first-death-reason`).

use amqprs::{BasicProperties, FieldName, FieldTable, FieldValue};
use payrange_domain::models::PredictionId;
use payrange_domain::ports::Job;
use serde::{Deserialize, Serialize};

/// The JSON body of a job message.
#[derive(Serialize, Deserialize)]
struct WireJob {
    prediction_id: String,
    request_id: Option<String>,
    /// Left out when false, so that first publishes keep the original two-field body.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    seen_before: bool,
    /// Deliveries of the message this job was republished from (split off a message with
    /// other jobs); left out when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    deliveries: u32,
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if signature"
)]
fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A message body: one job (the original format) or several.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum WireBody {
    Many { jobs: Vec<WireJob> },
    One(WireJob),
}

/// A job read off the wire, with the deliveries its body carries over.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub(crate) job: Job,
    /// Earlier deliveries of the message it was split from (0 unless republished).
    pub(crate) carried: u32,
}

/// Why a message body could not be read as a job.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DecodeError {
    /// Not the JSON document we publish.
    #[error("malformed job JSON")]
    Json(#[from] serde_json::Error),
    /// The prediction id is not a UUID.
    #[error("malformed prediction id")]
    Id(#[from] uuid::Error),
    /// A message of several jobs with none.
    #[error("no job in the message")]
    Empty,
}

fn wire(job: &Job, carried: u32) -> WireJob {
    WireJob {
        prediction_id: job.prediction_id.to_string(),
        request_id: job.request_id.clone(),
        seen_before: job.seen_before,
        deliveries: carried,
    }
}

/// The body published for `jobs`: one job in the original format, several as `{"jobs": [...]}`.
/// `carried` is the earlier deliveries of a job republished alone (0 otherwise).
pub(crate) fn encode(jobs: &[Job], carried: u32) -> Vec<u8> {
    let body = match jobs {
        [job] => WireBody::One(wire(job, carried)),
        _ => WireBody::Many {
            jobs: jobs.iter().map(|job| wire(job, carried)).collect(),
        },
    };
    // Serializing strings cannot fail; fall back to an empty object rather than panic.
    serde_json::to_vec(&body).unwrap_or_default()
}

/// The jobs in a message body (at least one).
pub(crate) fn decode(body: &[u8]) -> Result<Vec<Decoded>, DecodeError> {
    let jobs = match serde_json::from_slice(body)? {
        WireBody::One(job) => vec![job],
        WireBody::Many { jobs } if jobs.is_empty() => return Err(DecodeError::Empty),
        WireBody::Many { jobs } => jobs,
    };
    jobs.into_iter()
        .map(|wire| {
            let id = uuid::Uuid::parse_str(&wire.prediction_id)?;
            Ok(Decoded {
                job: Job {
                    prediction_id: PredictionId::from_uuid(id),
                    request_id: wire.request_id,
                    seen_before: wire.seen_before,
                },
                carried: wire.deliveries,
            })
        })
        .collect()
}

/// The start of a body, for logs.
pub(crate) fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(256)]).into_owned()
}

fn header<'a>(props: &'a BasicProperties, name: &str) -> Option<&'a FieldValue> {
    let name = FieldName::try_from(name).ok()?;
    props.headers()?.get(&name)
}

/// The quorum queue's `x-delivery-count` header: earlier deliveries of this message.
pub(crate) fn delivery_count(props: &BasicProperties) -> u32 {
    let count = match header(props, "x-delivery-count") {
        Some(FieldValue::l(n)) => *n,
        Some(FieldValue::I(n)) => i64::from(*n),
        Some(FieldValue::i(n)) => i64::from(*n),
        Some(FieldValue::s(n)) => i64::from(*n),
        Some(FieldValue::u(n)) => i64::from(*n),
        Some(FieldValue::b(n)) => i64::from(*n),
        Some(FieldValue::B(n)) => i64::from(*n),
        _ => 0,
    };
    u32::try_from(count.max(0)).unwrap_or(u32::MAX)
}

/// Why the broker dead-lettered a message (`rejected`, `delivery_limit`, ...), if it says.
pub(crate) fn death_reason(props: &BasicProperties) -> Option<String> {
    match header(props, "x-first-death-reason") {
        Some(FieldValue::S(reason)) => Some(reason.as_ref().clone()),
        _ => None,
    }
}

/// A table of string and integer queue arguments.
pub(crate) fn table(entries: &[(&str, FieldValue)]) -> Result<FieldTable, crate::error::AmqpError> {
    let mut table = FieldTable::new();
    for (name, value) in entries {
        let key = FieldName::try_from(*name)
            .map_err(|_| crate::error::AmqpError::Name((*name).to_owned()))?;
        table.insert(key, value.clone());
    }
    Ok(table)
}

/// A long-string field value.
pub(crate) fn text(value: &str) -> Result<FieldValue, crate::error::AmqpError> {
    amqprs::LongStr::try_from(value)
        .map(FieldValue::S)
        .map_err(|_| crate::error::AmqpError::Name(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_survives_the_round_trip() {
        let job = Job {
            prediction_id: PredictionId::generate(),
            request_id: Some("req-1".into()),
            seen_before: false,
        };
        let one = |job: &Job| decode(&encode(std::slice::from_ref(job), 0)).unwrap();
        assert_eq!(
            one(&job),
            [Decoded {
                job: job.clone(),
                carried: 0
            }]
        );
        let body: serde_json::Value =
            serde_json::from_slice(&encode(std::slice::from_ref(&job), 0)).unwrap();
        assert_eq!(body["prediction_id"], job.prediction_id.to_string());
        // A first publish keeps the two-field body older consumers read.
        assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
        let anonymous = Job {
            request_id: None,
            ..job.clone()
        };
        let body: serde_json::Value =
            serde_json::from_slice(&encode(std::slice::from_ref(&anonymous), 0)).unwrap();
        assert!(body["request_id"].is_null());
        let republished = Job {
            seen_before: true,
            ..job
        };
        assert_eq!(one(&republished)[0].job, republished);
    }

    #[test]
    fn several_jobs_share_a_message_and_a_split_off_job_carries_its_deliveries() {
        let jobs: Vec<Job> = (0..3)
            .map(|i| Job {
                prediction_id: PredictionId::generate(),
                request_id: Some(format!("req-{i}")),
                seen_before: false,
            })
            .collect();
        let body = encode(&jobs, 0);
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["jobs"].as_array().unwrap().len(), 3, "{value}");
        let decoded: Vec<Job> = decode(&body).unwrap().into_iter().map(|d| d.job).collect();
        assert_eq!(decoded, jobs);
        let again = decode(&encode(&jobs[..1], 2)).unwrap();
        assert_eq!(again[0].carried, 2);
        assert!(decode(br#"{"jobs": []}"#).is_err());
    }

    #[test]
    fn malformed_bodies_are_errors_not_panics() {
        assert!(decode(b"not json").is_err());
        assert!(decode(br#"{"prediction_id": "nope", "request_id": null}"#).is_err());
        assert!(decode(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn a_missing_delivery_count_is_zero() {
        assert_eq!(delivery_count(&BasicProperties::default()), 0);
        let mut props = BasicProperties::default();
        props.with_headers(table(&[("x-delivery-count", FieldValue::l(3))]).unwrap());
        assert_eq!(delivery_count(&props), 3);
    }
}
