//! Prometheus metrics: HTTP requests by route and status, latency histograms, jobs by outcome,
//! job wait and run times, redeliveries, and the loaded model's version. Served as text at
//! `/metrics` by `serve` (on its own address with `PAYRANGE_METRICS_BIND`, else on the API's)
//! and by `worker` on its own address. Labels take values from fixed sets only.

use std::sync::Arc;
use std::time::Duration;

use payrange_domain::models::ModelInfo;
use poem::http::Method;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of an HTTP request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    /// Route template (`/api/v1/predictions/{id}`), or `unmatched`.
    pub route: String,
    /// Method: one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, or `other`.
    pub method: String,
    /// Status code.
    pub status: u16,
}

/// Labels of an HTTP latency.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// Route template (`/api/v1/predictions/{id}`), or `unmatched`.
    pub route: String,
    /// Method: one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, or `other`.
    pub method: String,
}

/// Labels of a processed job.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// `done`, `failed`, `gave_up`, `already_finished`, `lost_race`, `missing`, `error`.
    pub outcome: String,
}

/// Labels of the model-info gauge.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ModelLabels {
    /// The market it serves.
    pub market: String,
    /// Model version.
    pub version: String,
}

/// All metrics of one process.
pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_latency: Family<RouteLabels, Histogram>,
    jobs: Family<OutcomeLabels, Counter>,
    job_wait: Histogram,
    job_run: Histogram,
    redeliveries: Counter,
    models: Family<ModelLabels, Gauge>,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms .. ~16 s
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Metrics {
    /// A registry with every metric, `model_info` set to 1 for the models serving.
    #[must_use]
    pub fn new(models: &[ModelInfo]) -> Arc<Self> {
        let mut registry = Registry::with_prefix("payrange");
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests", http_requests.clone());
        let http_latency =
            Family::<RouteLabels, Histogram>::new_with_constructor(latency_histogram as fn() -> _);
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            http_latency.clone(),
        );
        let jobs = Family::<OutcomeLabels, Counter>::default();
        registry.register("jobs", "Jobs processed, by outcome", jobs.clone());
        let job_wait = latency_histogram();
        registry.register(
            "job_wait_seconds",
            "Time from acceptance to a worker starting the job",
            job_wait.clone(),
        );
        let job_run = latency_histogram();
        registry.register(
            "job_run_seconds",
            "Time a worker spent on a job",
            job_run.clone(),
        );
        let redeliveries = Counter::default();
        registry.register(
            "job_redeliveries",
            "Jobs received that had been delivered before",
            redeliveries.clone(),
        );
        let model = Family::<ModelLabels, Gauge>::default();
        registry.register(
            "model_info",
            "The model serving each market (value 1)",
            model.clone(),
        );
        let metrics = Arc::new(Self {
            registry,
            http_requests,
            http_latency,
            jobs,
            job_wait,
            job_run,
            redeliveries,
            models: model,
        });
        metrics.set_models(models);
        metrics
    }

    /// The models serving now, after a swap: only these are listed in `model_info`.
    pub fn set_models(&self, models: &[ModelInfo]) {
        self.models.clear();
        for m in models {
            self.models
                .get_or_create(&ModelLabels {
                    market: m.market.as_str().to_owned(),
                    version: m.version.clone(),
                })
                .set(1);
        }
    }

    /// Records one HTTP request. `route` and `method` come from fixed sets
    /// (`http::routes_table::route_label`, [`method_label`]), so the series stay bounded.
    pub fn http(&self, route: &str, method: &str, status: u16, took: Duration) {
        self.http_requests
            .get_or_create(&HttpLabels {
                route: route.to_owned(),
                method: method.to_owned(),
                status,
            })
            .inc();
        self.http_latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
                method: method.to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    /// Records one processed job.
    pub fn job(&self, outcome: &str, waited: Option<Duration>, ran: Duration, redelivered: bool) {
        self.jobs
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
        if let Some(w) = waited {
            self.job_wait.observe(w.as_secs_f64());
        }
        self.job_run.observe(ran.as_secs_f64());
        if redelivered {
            self.redeliveries.inc();
        }
    }

    /// The text exposition.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The `method` label of `method`: one of a fixed set, so that a client inventing methods
/// cannot add series.
#[must_use]
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use payrange_domain::models::Market;

    use super::*;

    #[test]
    fn unknown_methods_share_one_label() {
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        let invented = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&invented), "other");
        assert_eq!(method_label(&Method::TRACE), "other");
    }

    #[test]
    fn rendering_shows_counters_and_the_model() {
        let model = |market, version: &str| ModelInfo {
            market,
            version: version.into(),
            ..ModelInfo::default()
        };
        let m = Metrics::new(&[model(Market::Ru, "abc123"), model(Market::Uk, "def456")]);
        m.http("/api/v1/model", "GET", 200, Duration::from_millis(3));
        m.job(
            "done",
            Some(Duration::from_millis(2)),
            Duration::from_micros(50),
            false,
        );
        let text = m.render();
        assert!(text.contains("payrange_http_requests_total{route=\"/api/v1/model\",method=\"GET\",status=\"200\"} 1"), "{text}");
        assert!(text.contains("payrange_jobs_total{outcome=\"done\"} 1"));
        assert!(
            text.contains("payrange_model_info{market=\"ru\",version=\"abc123\"} 1"),
            "{text}"
        );
        m.set_models(&[model(Market::Ru, "0a1b2c"), model(Market::Uk, "def456")]);
        let text = m.render();
        assert!(
            text.contains("payrange_model_info{market=\"ru\",version=\"0a1b2c\"} 1"),
            "{text}"
        );
        assert!(!text.contains("abc123"), "{text}");
    }
}
