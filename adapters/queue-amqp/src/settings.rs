//! The adapter's own small settings, filled in by the application from its configuration.

use std::fmt;
use std::time::Duration;

/// How to reach the broker and which queue to use.
#[derive(Clone)]
pub struct AmqpSettings {
    /// AMQP URI, e.g. `amqp://user:password@host:5672/%2f`; the password never appears in
    /// `Debug` output.
    pub url: String,
    /// The work queue; its dead letters go to `<queue>.dead`.
    pub queue: String,
    /// How many unsettled messages the broker may push to this process at once (each holds
    /// up to `jobs_per_message` jobs).
    pub prefetch: u16,
    /// The most jobs published together in one message (jobs published at the same moment
    /// share one; 1 publishes every job alone).
    pub jobs_per_message: usize,
    /// A job returned to the queue more often than this is dead-lettered (quorum queue
    /// `x-delivery-limit`).
    pub max_deliveries: u32,
    /// How long `publish` waits for the broker's confirm before reporting `Unavailable`.
    pub confirm_timeout: Duration,
    /// Connection name shown by the broker (`rabbitmqctl list_connections client_properties`).
    pub connection_name: String,
}

impl AmqpSettings {
    /// Defaults for everything but the URL.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Self::default()
        }
    }

    /// The dead-letter exchange and queue of [`AmqpSettings::queue`].
    #[must_use]
    pub fn dead_letter_queue(&self) -> String {
        format!("{}.dead", self.queue)
    }
}

impl Default for AmqpSettings {
    fn default() -> Self {
        Self {
            url: "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned(),
            queue: "payrange.predictions".to_owned(),
            prefetch: 16,
            jobs_per_message: 16,
            max_deliveries: 5,
            confirm_timeout: Duration::from_secs(5),
            connection_name: "payrange".to_owned(),
        }
    }
}

impl fmt::Debug for AmqpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AmqpSettings")
            .field("url", &redacted(&self.url))
            .field("queue", &self.queue)
            .field("prefetch", &self.prefetch)
            .field("jobs_per_message", &self.jobs_per_message)
            .field("max_deliveries", &self.max_deliveries)
            .field("confirm_timeout", &self.confirm_timeout)
            .field("connection_name", &self.connection_name)
            .finish()
    }
}

/// The URL with the password (if any) replaced by `***`.
pub(crate) fn redacted(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end],
            &rest[..colon],
            &rest[at..]
        ),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_password() {
        let s = AmqpSettings::new("amqp://ann:s3cret@rabbit:5672/%2f");
        let debug = format!("{s:?}");
        assert!(!debug.contains("s3cret"), "{debug}");
        assert!(debug.contains("amqp://ann:***@rabbit:5672/%2f"), "{debug}");
        assert_eq!(redacted("amqp://rabbit/%2f"), "amqp://rabbit/%2f");
    }

    #[test]
    fn defaults_follow_the_deployment_conventions() {
        let s = AmqpSettings::default();
        assert_eq!(s.queue, "payrange.predictions");
        assert_eq!(s.dead_letter_queue(), "payrange.predictions.dead");
        assert_eq!((s.prefetch, s.max_deliveries), (16, 5));
        assert_eq!(s.confirm_timeout, Duration::from_secs(5));
    }
}
