//! Exactly-once across processes: Nexmark q3 run as two Timely processes on
//! loopback (two workers each, a host file in a temporary directory),
//! rescaled up onto both processes and back down by controlled restarts —
//! the join's state moving between processes both ways — commits the same
//! results (count and order-independent checksum) as one process that
//! never changes. Every process is a child running the real `nexmark-q3`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const RECORDS: u64 = 80_000; // 2 s of input at 40 000 events/s
const DEADLINE: Duration = Duration::from_secs(60);

/// Children killed on drop (a failed assertion must not leave them behind).
struct Children(Vec<(String, Child)>);

impl Drop for Children {
    fn drop(&mut self) {
        for (_, child) in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Children {
    /// Waits (polling, with a deadline) until every child has exited; fails
    /// with the stderr of any that failed or is still running.
    fn wait_all(&mut self, dir: &Path) {
        let deadline = Instant::now() + DEADLINE;
        let mut pending: Vec<usize> = (0..self.0.len()).collect();
        while !pending.is_empty() {
            pending.retain(|&i| {
                let (name, child) = &mut self.0[i];
                match child.try_wait().expect("try_wait") {
                    None => true,
                    Some(status) => {
                        assert!(status.success(), "{name}: {status}\n{}", stderr(dir, name));
                        false
                    }
                }
            });
            if Instant::now() >= deadline {
                let names: Vec<String> = pending
                    .iter()
                    .map(|&i| format!("{}:\n{}", self.0[i].0, stderr(dir, &self.0[i].0)))
                    .collect();
                panic!("still running after {DEADLINE:?}: {}", names.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn stderr(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(format!("{name}.err"))).unwrap_or_default()
}

/// A fresh temporary directory for one run's host file and outcomes.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "streamtune-timely-{name}-{}-{:?}",
        std::process::id(),
        Instant::now()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Free loopback ports, all bound at once so they differ.
fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

/// Runs q3 as `processes` processes of `workers` workers; process 0 gets
/// `extra` flags. Returns every process's outcome, in process order.
fn run_q3(name: &str, processes: usize, workers: usize, extra: &[&str]) -> Vec<Value> {
    let dir = scratch(name);
    let hostfile = dir.join("hosts");
    let hosts: Vec<String> = free_ports(processes)
        .iter()
        .map(|port| format!("127.0.0.1:{port}"))
        .collect();
    std::fs::write(&hostfile, hosts.join("\n") + "\n").unwrap();
    let mut children = Children(Vec::new());
    for process in 0..processes {
        let child_name = format!("p{process}");
        let mut command = Command::new(env!("CARGO_BIN_EXE_nexmark-q3"));
        command
            .args(["--rate", "40000", "--records", &RECORDS.to_string()])
            .args(["--duration", "60", "--epoch-ms", "50", "--cost-scale", "0"])
            .args(["-w", &workers.to_string(), "--quiet"])
            .arg("--outcome")
            .arg(dir.join(format!("{child_name}.json")));
        if processes > 1 {
            command
                .args(["-n", &processes.to_string(), "-p", &process.to_string()])
                .arg("-h")
                .arg(&hostfile);
        }
        if process == 0 {
            command.args(extra);
        }
        let err = std::fs::File::create(dir.join(format!("{child_name}.err"))).unwrap();
        let child = command
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .expect("spawn nexmark-q3");
        children.0.push((child_name, child));
    }
    children.wait_all(&dir);
    let outcomes = (0..processes)
        .map(|p| {
            let text = std::fs::read_to_string(dir.join(format!("p{p}.json"))).unwrap();
            serde_json::from_str(&text).unwrap()
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    outcomes
}

fn number(outcome: &Value, field: &str) -> u64 {
    outcome[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} missing in {outcome}"))
}

/// Σ of `field` over the processes (wrapping, like the checksum).
fn total(outcomes: &[Value], field: &str) -> u64 {
    outcomes
        .iter()
        .fold(0u64, |sum, o| sum.wrapping_add(number(o, field)))
}

#[test]
fn q3_rescaled_across_two_processes_commits_the_single_process_results() {
    let reference = run_q3("reference", 1, 4, &[]);
    assert_eq!(number(&reference[0], "emitted_records"), RECORDS);
    assert!(
        number(&reference[0], "committed_results") > 0,
        "no results at all"
    );

    // [source, persons, auctions, join, sink]: up onto workers 0..3 of both
    // processes, then back down to process 0 only.
    let cluster = run_q3(
        "cluster",
        2,
        2,
        &["--rescale", "0.6:3,2,1,4,3", "--rescale", "1.3:1,1,2,1,1"],
    );
    let changes = &cluster[0]["changes"];
    assert_eq!(changes, &serde_json::json!(["restart", "restart"]));
    for outcome in &cluster {
        assert_eq!(number(outcome, "generations"), 3, "{outcome}");
    }
    assert_eq!(
        total(&cluster, "emitted_records"),
        RECORDS,
        "records lost or repeated"
    );
    assert!(
        number(&cluster[1], "emitted_records") > 0,
        "a source instance ran in process 1"
    );
    assert_eq!(
        (
            total(&cluster, "committed_results"),
            total(&cluster, "results_checksum")
        ),
        (
            number(&reference[0], "committed_results"),
            number(&reference[0], "results_checksum")
        ),
        "results differ: {cluster:?}"
    );
    // Join state moved into process 1 (scaling up) and out of it (down).
    assert!(number(&cluster[1], "state_received") > 0, "{}", cluster[1]);
    assert!(number(&cluster[1], "state_shipped") > 0, "{}", cluster[1]);
    assert_eq!(
        total(&cluster, "state_shipped"),
        total(&cluster, "state_received"),
        "every shipped entry arrives once"
    );
    // Process 0's agent view covers both processes' telemetry.
    assert_eq!(number(&cluster[0], "cluster_processes"), 2);
    assert_eq!(number(&cluster[0], "cluster_emitted_records"), RECORDS);
    assert_eq!(
        cluster[0]["cluster_busy_workers"],
        serde_json::json!([0, 1, 2, 3])
    );
}
