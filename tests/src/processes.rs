//! `payrange serve` and `payrange worker` as real processes, each logging JSON to its own
//! file, killed when their guard is dropped.
//!
//! The binary is the caller's: only the tests of `payrange-app` know where cargo built it
//! (`env!("CARGO_BIN_EXE_payrange")`), so they pass that path in.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::{eventually, free_port};

/// The settings every process of one deployment shares (`PAYRANGE_*` variables).
#[derive(Clone, Debug)]
pub struct Deployment {
    /// The `payrange` binary.
    pub binary: PathBuf,
    /// Variables set on every process.
    pub env: Vec<(String, String)>,
    /// Where the processes' logs go.
    pub dir: PathBuf,
}

impl Deployment {
    /// A deployment of `binary` on `database_url` and RabbitMQ queue `queue` at `amqp_url`,
    /// logging to `dir`.
    pub fn new(
        binary: impl Into<PathBuf>,
        database_url: &str,
        amqp_url: &str,
        queue: &str,
        dir: &Path,
    ) -> Self {
        let env = [
            ("PAYRANGE_DATABASE_URL", database_url),
            ("PAYRANGE_DATABASE_MAX_CONNECTIONS", "4"),
            ("PAYRANGE_AMQP_URL", amqp_url),
            ("PAYRANGE_AMQP_QUEUE", queue),
            ("PAYRANGE_TOKEN_KEY", &"5a".repeat(32)),
            ("PAYRANGE_SUBMIT_QUOTA", "0"),
            ("PAYRANGE_LOG_FORMAT", "json"),
            ("PAYRANGE_LOG", "info,sqlx=warn,sea_orm=warn"),
        ];
        Self {
            binary: binary.into(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            dir: dir.to_owned(),
        }
    }

    /// Sets (or replaces) a variable for processes started from now on.
    pub fn set(&mut self, name: &str, value: &str) {
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.to_owned(), value.to_owned()));
    }

    fn command(&self, subcommand: &str, name: &str) -> (Command, PathBuf) {
        let log = self.dir.join(format!("{name}.log"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let mut c = self.payrange();
        c.arg(subcommand)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file);
        (c, log)
    }

    /// The binary with the deployment's settings (and only those: the service refuses
    /// unknown `PAYRANGE_*` variables, so the test process's own are not passed on), in its
    /// directory.
    fn payrange(&self) -> Command {
        let mut c = Command::new(&self.binary);
        c.current_dir(&self.dir);
        for (k, _) in std::env::vars() {
            if k.starts_with("PAYRANGE_") {
                c.env_remove(k);
            }
        }
        c.envs(self.env.iter().map(|(k, v)| (k, v)));
        c
    }

    /// Runs a command of the binary to its end with the deployment's settings (logging only
    /// warnings, as text), `stdin` on its standard input; returns its standard output, and
    /// fails the test unless it succeeds. For `admin` and `train` commands.
    pub fn run(&self, args: &[&str], stdin: &str) -> String {
        let mut child = self
            .payrange()
            .args(args)
            .env("PAYRANGE_LOG", "warn")
            .env("PAYRANGE_LOG_FORMAT", "text")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "payrange {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Starts `payrange serve` on a free port and waits until it answers `/health/live`.
    pub async fn serve(&self, name: &str) -> Proc {
        let port = free_port();
        let (mut c, log) = self.command("serve", name);
        c.env("PAYRANGE_BIND", format!("127.0.0.1:{port}"));
        let proc = Proc::spawn(c, name, log, port);
        proc.wait_live().await;
        proc
    }

    /// Starts `payrange worker` with `/metrics` and `/health/*` on a free port and waits until
    /// it answers `/health/live`.
    pub async fn worker(&self, name: &str) -> Proc {
        let port = free_port();
        let (mut c, log) = self.command("worker", name);
        c.env("PAYRANGE_WORKER_BIND", format!("127.0.0.1:{port}"));
        let proc = Proc::spawn(c, name, log, port);
        proc.wait_live().await;
        proc
    }
}

/// A running `payrange` process; SIGKILLed on drop if still running.
pub struct Proc {
    child: Child,
    /// Its name in the test (and log file name).
    pub name: String,
    /// Its log file.
    pub log: PathBuf,
    /// The port of its HTTP endpoints.
    pub port: u16,
}

impl Proc {
    fn spawn(mut command: Command, name: &str, log: PathBuf, port: u16) -> Self {
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", command.get_program()));
        Self {
            child,
            name: name.to_owned(),
            log,
            port,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn wait_live(&self) {
        let url = format!("{}{}", self.base(), self.health_prefix());
        let client = reqwest::Client::new();
        let what = format!("{} to answer {url}/live", self.name);
        eventually(&what, Duration::from_secs(60), || async {
            let r = client.get(format!("{url}/live")).send().await.ok()?;
            r.status().is_success().then_some(())
        })
        .await;
    }

    /// `/api/v1/health` on `serve`, `/health` on a worker.
    pub fn health_prefix(&self) -> &'static str {
        if self.name.starts_with("serve") {
            "/api/v1/health"
        } else {
            "/health"
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`TERM`, `STOP`, `CONT`, ...).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} {}", self.name);
    }

    /// SIGKILL, and reap it.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Whether it still runs.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Waits for it to exit, failing the test after `deadline`.
    pub async fn exited(&mut self, deadline: Duration) -> ExitStatus {
        let end = Instant::now() + deadline;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < end,
                "{} did not exit within {deadline:?}",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Its log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The `fields` of every JSON line of its log whose message starts with `message`, in
    /// log order.
    fn logged(&self, message: &str) -> Vec<serde_json::Value> {
        self.log_text()
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .map(|mut v| v["fields"].take())
            .filter(|f| {
                f["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with(message))
            })
            .collect()
    }

    /// Every `job processed` log line: `(prediction id, outcome)` in log order.
    pub fn processed(&self) -> Vec<(String, String)> {
        let text = |f: &serde_json::Value, k: &str| f[k].as_str().unwrap_or_default().to_owned();
        self.logged("job processed")
            .iter()
            .map(|f| (text(f, "prediction_id"), text(f, "outcome")))
            .collect()
    }

    /// The `request_id` field of every `job processed` line that names `prediction_id`.
    pub fn request_ids_logged_for(&self, prediction_id: &str) -> Vec<String> {
        self.logged("job processed")
            .iter()
            .filter(|f| f["prediction_id"] == prediction_id)
            .map(|f| f["request_id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// How many `job failed; returned to the queue` lines name `prediction_id`.
    pub fn failed_attempts(&self, prediction_id: &str) -> usize {
        self.logged("job failed")
            .iter()
            .filter(|f| f["prediction_id"] == prediction_id)
            .count()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// How often each prediction was processed with each outcome, over the logs of `procs`.
pub fn outcomes(procs: &[&Proc]) -> HashMap<String, HashMap<String, usize>> {
    let mut all: HashMap<String, HashMap<String, usize>> = HashMap::new();
    for proc in procs {
        for (id, outcome) in proc.processed() {
            *all.entry(id).or_default().entry(outcome).or_default() += 1;
        }
    }
    all
}
