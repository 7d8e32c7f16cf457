//! End to end: the real `streamtuned` on the private PostgreSQL (ctest's
//! `postgres` fixture) tunes Nexmark q1 (stateless bottleneck: changed in
//! place) and q5 (keyed bottleneck: controlled restart), both started
//! under-provisioned; the recommendation is applied and each query then
//! keeps up with its rate. Run by ctest with STREAMTUNED (the server
//! binary) and STREAMTUNE_TEST_DATABASE_URL_FILE set; fails without them.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use streamtune_timely::agent::{run_agent, throughput_since, AgentOptions, AgentReport};
use streamtune_timely::args::parse;
use streamtune_timely::cli::run_options;
use streamtune_timely::nexmark::query;
use streamtune_timely::runner::RunningJob;
use streamtune_timely::service::ServiceClient;

const RATE: f64 = 3000.0;
const DURATION_S: f64 = 20.0;
const WINDOW_S: f64 = 1.0;

/// The real server as a child process, killed on drop.
struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Server {
    fn start() -> Result<Server, String> {
        let binary = std::env::var("STREAMTUNED").map_err(|_| "STREAMTUNED is not set")?;
        let url_file = std::env::var("STREAMTUNE_TEST_DATABASE_URL_FILE")
            .map_err(|_| "STREAMTUNE_TEST_DATABASE_URL_FILE is not set")?;
        let url = std::fs::read_to_string(&url_file)
            .map_err(|e| format!("{url_file}: {e} (is the postgres fixture up?)"))?;
        let dir =
            std::env::temp_dir().join(format!("streamtune-timely-e2e-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let port_file = dir.join("ports.json");
        let _ = std::fs::remove_file(&port_file);
        let log = std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?;
        let mut child = Command::new(&binary)
            .arg("--insecure_local_only")
            .arg("--listen=127.0.0.1:0")
            .arg("--metrics_listen=")
            .arg(format!("--port_file={}", port_file.display()))
            .arg(format!("--database_url={}", url.trim()))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("{binary}: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                if let Ok(ports) = serde_json::from_str::<serde_json::Value>(&text) {
                    if let Some(port) = ports["grpc_port"].as_u64() {
                        return Ok(Server {
                            child,
                            port: port as u16,
                            dir,
                        });
                    }
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("streamtuned exited with {status}"));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err("streamtuned wrote no port file within 60 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `name` under-provisioned (every operator at 1 of 4 workers), tuned
/// by the server's default policy.
fn tune(name: &str, port: u16) -> Result<(AgentReport, Vec<String>), String> {
    let args: Vec<String> = format!(
        "--rate {RATE} --duration {DURATION_S} -w 4 --window {WINDOW_S} --parallelism 1 \
         --job-id e2e-{name}-{} --tenant timely-e2e",
        std::process::id()
    )
    .split_whitespace()
    .map(String::from)
    .collect();
    let cli = parse(&args)?;
    let query = query(name).ok_or("unknown query")?;
    let options = run_options(query.as_ref(), name, &cli)?;
    let mut client = ServiceClient::new(
        &format!("127.0.0.1:{port}"),
        &cli.tenant,
        Duration::from_secs(20),
    )?;
    let job = RunningJob::start(Arc::clone(&query), options)?;
    let names = job
        .spec()
        .operators
        .iter()
        .map(|o| o.name.clone())
        .collect();
    let report = run_agent(
        &job,
        Some(&mut client),
        &AgentOptions {
            window: cli.window,
            policy: String::new(),
            duration: cli.duration,
            restart_timeout: Duration::from_secs(60),
            verbose: true,
        },
    );
    let outcome = job.finish()?;
    eprintln!("{name}: {outcome:?}");
    Ok((report, names))
}

/// Checks one run; `bottleneck` is the operator that starts saturated and
/// `change` how its new parallelism must be applied.
fn check(
    name: &str,
    report: &AgentReport,
    names: &[String],
    bottleneck: &str,
    change: &str,
) -> Result<(), String> {
    let op = names
        .iter()
        .position(|n| n == bottleneck)
        .ok_or("bottleneck not declared")?;
    if !report.errors.is_empty() {
        return Err(format!("{name}: agent errors: {:?}", report.errors));
    }
    let first = report
        .decisions
        .iter()
        .find(|d| d.apply && d.recommended[op] > d.before[op])
        .ok_or(format!(
            "{name}: no applied scale-up of {bottleneck}: {:?}",
            report.decisions
        ))?;
    if first.change != change {
        return Err(format!(
            "{name}: {bottleneck} changed by {:?}, expected {change}",
            first.change
        ));
    }
    // From the first scale-up on (after two windows to settle), through
    // any later adjustment, to the end of the run.
    let from = first.at_s + 2.0 * WINDOW_S;
    let (kept, backlog, seconds) =
        throughput_since(report, from).ok_or(format!("{name}: no window after {from:.1} s"))?;
    // Under-provisioned for real: once tuned, the operator does more work
    // per second than one instance could (busy time summed over instances).
    let tail: Vec<_> = report.windows.iter().filter(|w| w.at_s >= from).collect();
    let work: f64 = tail
        .iter()
        .map(|w| w.busy_avg[op] * w.parallelism[op] as f64)
        .sum::<f64>()
        / tail.len() as f64;
    eprintln!(
        "{name}: {bottleneck} {} -> {} ({change}) at {:.1} s, policy {} (fallback {}), {} changes in all; \
         then {:.1}% of the offered rate over {seconds:.1} s, final backlog {backlog}, {bottleneck} works {work:.0} ms/s",
        first.before[op],
        first.recommended[op],
        first.at_s,
        first.policy,
        first.fallback,
        report.decisions.iter().filter(|d| d.apply).count(),
        kept * 100.0
    );
    if work < 1050.0 {
        return Err(format!(
            "{name}: {bottleneck} works only {work:.0} ms/s after tuning: one instance would do"
        ));
    }
    if seconds < 10.0 {
        return Err(format!(
            "{name}: only {seconds:.1} s observed after the first change"
        ));
    }
    if kept < 0.95 || backlog as f64 > RATE {
        return Err(format!(
            "{name}: does not keep up after tuning: {:.1}% of the rate, backlog {backlog}",
            kept * 100.0
        ));
    }
    Ok(())
}

#[test]
fn under_provisioned_queries_are_tuned_and_keep_up() {
    let server = Server::start().unwrap_or_else(|e| panic!("cannot start streamtuned: {e}"));
    // One after the other: on 2 cores, a concurrent run would add noise to
    // the other's busy times.
    let q1 = tune("q1", server.port);
    let q5 = tune("q5", server.port);
    let mut failures = Vec::new();
    match q1 {
        Ok((report, names)) => {
            failures.extend(check("q1", &report, &names, "q1.convert", "in_place").err())
        }
        Err(e) => failures.push(format!("q1: {e}")),
    }
    match q5 {
        Ok((report, names)) => {
            failures.extend(check("q5", &report, &names, "q5.count", "restart").err())
        }
        Err(e) => failures.push(format!("q5: {e}")),
    }
    assert!(
        failures.is_empty(),
        "{failures:#?}\nserver log:\n{}",
        server.log()
    );
}
