//! Private PostgreSQL and RabbitMQ servers, owned by one test, for the tests that stop and
//! restart them (the shared servers of the machine must never be restarted: other test runs
//! use them).
//!
//! These are the real servers from the system packages, started on free ports in a temporary
//! directory:
//!
//! - PostgreSQL: `initdb` and `pg_ctl` of the newest `/usr/lib/postgresql/<version>/bin`.
//!   PostgreSQL refuses to run as root, so as root they run as the `postgres` user (through
//!   `runuser`) in a directory that user owns.
//! - RabbitMQ: `rabbitmq-server -detached` with its own node name, ports, data, log, config
//!   and plugin files (`RABBITMQ_*` variables), so nothing of the system node's
//!   `/etc/rabbitmq` applies; stopped with `rabbitmqctl -n <node> stop`. The Debian scripts
//!   switch to the `rabbitmq` user by themselves when run as root.
//!
//! Both are stopped, whatever happens, when their guard is dropped (also when the test
//! panicked), and their directories removed.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::{free_port, wait_until_sync};

/// Whether this process runs as root (the servers then run as their own system users).
fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Runs a command, panicking with its output if it fails.
fn run(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A temporary directory handed to a system user when running as root.
fn owned_dir(user: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("payrange-faults-")
        .tempdir()
        .unwrap();
    if is_root() {
        run(Command::new("chown").arg(user).arg(dir.path()));
    }
    dir
}

/// The directory of PostgreSQL's server programs, if installed.
fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// Why private servers cannot be started here, if they cannot.
pub fn missing() -> Option<String> {
    if postgres_bin().is_none() {
        return Some("PostgreSQL server programs (/usr/lib/postgresql/*/bin/initdb)".into());
    }
    if Command::new("rabbitmq-server")
        .arg("--help")
        .output()
        .is_err()
        && !Path::new("/usr/sbin/rabbitmq-server").exists()
    {
        return Some("rabbitmq-server".into());
    }
    None
}

/// A PostgreSQL cluster of this test's own; stopped and deleted on drop.
pub struct PrivatePostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl PrivatePostgres {
    /// Creates a cluster (trust authentication, user `postgres`, no fsync) and starts it.
    pub fn start() -> Self {
        let bin = postgres_bin().expect("PostgreSQL server programs");
        let dir = owned_dir("postgres");
        let pg = Self {
            dir,
            bin,
            port: free_port(),
        };
        run(pg.as_server_user(&pg.bin.join("initdb")).args([
            "-D",
            &pg.data(),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        ]));
        pg.start_again();
        pg
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn as_server_user(&self, program: &Path) -> Command {
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    }

    fn pg_ctl(&self) -> Command {
        let mut c = self.as_server_user(&self.bin.join("pg_ctl"));
        c.args(["-D", &self.data()]);
        c
    }

    /// `postgres://postgres@127.0.0.1:PORT/<database>`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Starts the server (again) on the same port and data, and waits until it accepts.
    pub fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("postgres.log").display().to_string();
        run(self
            .pg_ctl()
            .args(["-o", &options, "-l", &log, "-w", "-t", "60", "start"]));
    }

    /// Stops the server (fast shutdown: open sessions are ended, as in a restart).
    pub fn stop(&self) {
        run(self.pg_ctl().args(["-m", "fast", "-w", "-t", "60", "stop"]));
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        // Immediate: nothing of this cluster is kept. Fails harmlessly if already stopped.
        let _ = self
            .pg_ctl()
            .args(["-m", "immediate", "-w", "-t", "30", "stop"])
            .output();
    }
}

/// A RabbitMQ node of this test's own; stopped and deleted on drop.
pub struct PrivateRabbit {
    dir: tempfile::TempDir,
    node: String,
    port: u16,
    dist_port: u16,
    /// The TLS listener's port, for a node started by [`PrivateRabbit::start_tls`].
    tls_port: Option<u16>,
}

impl PrivateRabbit {
    /// Starts a node with no plugins and waits until it accepts AMQP connections.
    pub fn start() -> Self {
        Self::start_with(false)
    }

    /// Starts a node that also listens for AMQP over TLS, with a certificate for 127.0.0.1
    /// and `localhost` signed by a CA of its own ([`PrivateRabbit::ca_file`]), made with the
    /// `openssl` command.
    pub fn start_tls() -> Self {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Self {
        let dir = owned_dir("rabbitmq");
        let port = free_port();
        let rabbit = Self {
            node: format!("payrange-faults-{}-{port}@localhost", std::process::id()),
            port,
            dist_port: free_port(),
            tls_port: tls.then(free_port),
            dir,
        };
        let conf = rabbit.dir.path().join("rabbitmq.conf");
        // Its own config replaces /etc/rabbitmq/rabbitmq.conf, whose listener is the shared
        // node's port; guest may connect over loopback as with the system node.
        let mut config = format!("listeners.tcp.local = 127.0.0.1:{port}\n");
        if let Some(tls_port) = rabbit.tls_port {
            let dir = rabbit.dir.path();
            make_certificates(dir);
            let file = |name: &str| dir.join(name).display().to_string();
            config.push_str(&format!(
                "listeners.ssl.default = 127.0.0.1:{tls_port}\n\
                 ssl_options.cacertfile = {}\n\
                 ssl_options.certfile = {}\n\
                 ssl_options.keyfile = {}\n\
                 ssl_options.verify = verify_none\n\
                 ssl_options.fail_if_no_peer_cert = false\n",
                file("ca.pem"),
                file("server.pem"),
                file("server.key"),
            ));
        }
        std::fs::write(&conf, config).unwrap();
        std::fs::write(rabbit.dir.path().join("enabled_plugins"), "").unwrap();
        std::fs::write(rabbit.dir.path().join("rabbitmq-env.conf"), "").unwrap();
        if is_root() {
            run(Command::new("chown")
                .arg("-R")
                .arg("rabbitmq")
                .arg(rabbit.dir.path()));
        }
        rabbit.start_again();
        rabbit
    }

    /// `amqp://guest:guest@127.0.0.1:PORT/%2f`.
    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// The TLS listener's port (a node from [`PrivateRabbit::start_tls`]).
    pub fn tls_port(&self) -> u16 {
        self.tls_port.expect("a node started with start_tls")
    }

    /// The PEM file of the CA that signed the node's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The PEM file of another CA, which signed nothing of the node's.
    pub fn other_ca_file(&self) -> PathBuf {
        self.dir.path().join("other-ca.pem")
    }

    fn command(&self, program: &str) -> Command {
        let path = |name: &str| self.dir.path().join(name).display().to_string();
        let mut c = Command::new(program);
        c.env("RABBITMQ_NODENAME", &self.node)
            .env("RABBITMQ_NODE_PORT", self.port.to_string())
            .env("RABBITMQ_DIST_PORT", self.dist_port.to_string())
            .env("RABBITMQ_MNESIA_BASE", path("mnesia"))
            .env("RABBITMQ_LOG_BASE", path("log"))
            .env("RABBITMQ_PID_FILE", path("pid"))
            .env("RABBITMQ_CONFIG_FILE", path("rabbitmq.conf"))
            .env("RABBITMQ_CONF_ENV_FILE", path("rabbitmq-env.conf"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", path("enabled_plugins"))
            .current_dir(self.dir.path());
        c
    }

    /// Starts the node (again) on the same ports and data, and waits until it accepts
    /// AMQP connections (RabbitMQ opens its listener last, once it is ready).
    pub fn start_again(&self) {
        run(self.command("rabbitmq-server").arg("-detached"));
        // The TLS listener, if any, opens after the plain one.
        let address = format!("127.0.0.1:{}", self.tls_port.unwrap_or(self.port));
        wait_until_sync(
            "the private RabbitMQ to accept connections",
            Duration::from_secs(90),
            || std::net::TcpStream::connect(&address).is_ok(),
        );
    }

    /// Stops the node (a clean broker shutdown: clients see their connections closed) and
    /// waits until its process is gone.
    pub fn stop(&self) {
        run(self.command("rabbitmqctl").args([
            "-n",
            &self.node,
            "stop",
            &self.dir.path().join("pid").display().to_string(),
        ]));
    }
}

/// A CA (`ca.pem`), a server certificate it signed for 127.0.0.1 and `localhost`
/// (`server.pem`, `server.key`), and a second, unrelated CA (`other-ca.pem`), in `dir`.
fn make_certificates(dir: &Path) {
    let openssl = |args: &[&str]| run(Command::new("openssl").args(args).current_dir(dir));
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    for (name, cn) in [
        ("ca", "payrange test CA"),
        ("other-ca", "payrange other CA"),
    ] {
        let (key, pem, subject) = (
            format!("{name}.key"),
            format!("{name}.pem"),
            format!("/CN={cn}"),
        );
        let mut args = vec!["req", "-x509", "-days", "2", "-subj", &subject];
        args.extend(ec);
        args.extend(["-keyout", &key, "-out", &pem]);
        openssl(&args);
    }
    let mut args = vec![
        "req",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ];
    args.extend(ec);
    openssl(&args);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName = IP:127.0.0.1, DNS:localhost\nbasicConstraints = CA:FALSE\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.pem",
    ]);
}

impl Drop for PrivateRabbit {
    fn drop(&mut self) {
        let pid_file = self.dir.path().join("pid");
        let stopped = self
            .command("rabbitmqctl")
            .args(["-n", &self.node, "stop", &pid_file.display().to_string()])
            .output()
            .is_ok_and(|o| o.status.success());
        if !stopped && let Ok(pid) = std::fs::read_to_string(&pid_file) {
            // The node does not answer: end its process so that nothing outlives the test
            // (only if that pid is still this node, not a process that reused the number).
            let cmdline =
                std::fs::read(format!("/proc/{}/cmdline", pid.trim())).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains(&self.node) {
                let _ = Command::new("kill").args(["-KILL", pid.trim()]).output();
            }
        }
    }
}
