//! Exactly-once across processes: a keyed Nexmark query (q3's incremental
//! join, q5's sliding window counts) run as two Timely processes on loopback (two
//! workers each, a host file in a temporary directory), rescaled up onto
//! both processes and back down by controlled restarts — keyed state moving
//! between processes both ways — commits the same results (count and
//! order-independent checksum) as one process that never changes. Every
//! process is a child running the real `nexmark-qN` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use streamtune_timely::processes::{loopback_hostfile, Children};

const RECORDS: u64 = 80_000; // 2 s of input at 40 000 events/s
const DEADLINE: Duration = Duration::from_secs(60);

/// What child `name` wrote to stderr.
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

/// The binary of query `query`.
fn binary(query: &str) -> &'static str {
    match query {
        "q3" => env!("CARGO_BIN_EXE_nexmark-q3"),
        "q5" => env!("CARGO_BIN_EXE_nexmark-q5"),
        _ => panic!("no binary for {query}"),
    }
}

/// Runs `query` as `processes` processes of `workers` workers, each with
/// `common` flags; process 0 also gets `extra`. Returns every process's
/// outcome, in process order.
fn run(
    query: &str,
    processes: usize,
    workers: usize,
    common: &[&str],
    extra: &[&str],
) -> Vec<Value> {
    let dir = scratch(&format!("{query}-{processes}"));
    let hostfile = dir.join("hosts");
    loopback_hostfile(&hostfile, processes).unwrap();
    let mut children = Children::new();
    for process in 0..processes {
        let child_name = format!("p{process}");
        let mut command = Command::new(binary(query));
        command
            .args(common)
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
        children
            .spawn(&child_name, command.stdout(Stdio::null()).stderr(err))
            .unwrap();
    }
    if let Err(e) = children.wait_all(DEADLINE) {
        let logs: Vec<String> = (0..processes)
            .map(|p| format!("p{p}: {}", stderr(&dir, &format!("p{p}"))))
            .collect();
        panic!("{query}: {e}\n{}", logs.join("\n"));
    }
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

/// Runs `query` once in one process of four workers without changes, and
/// once as two processes of two workers with `rescales` (every operator's
/// parallelism; the first onto both processes, the last back to process
/// 0), and checks that both commit the same results.
fn assert_same_results_across_processes(query: &str, common: &[&str], rescales: [&str; 2]) {
    let reference = run(query, 1, 4, common, &[]);
    assert_eq!(number(&reference[0], "emitted_records"), RECORDS);
    assert!(
        number(&reference[0], "committed_results") > 0,
        "no results at all"
    );

    let schedule = ["--rescale", rescales[0], "--rescale", rescales[1]];
    let cluster = run(query, 2, 2, common, &schedule);
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
        "{query}: results differ: {cluster:?}"
    );
    // Keyed state moved into process 1 (scaling up) and out of it (down).
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

#[test]
fn q3_join_state_moves_between_two_processes() {
    // [source, persons, auctions, join, sink]
    assert_same_results_across_processes("q3", &[], ["0.6:3,2,1,4,3", "1.3:1,1,2,1,1"]);
}

#[test]
fn q5_window_state_moves_between_two_processes() {
    // [source, bids, count, max, sink]; sliding windows of 10 epochs every
    // 2, so windows are open at any boundary and there is state to move.
    assert_same_results_across_processes(
        "q5",
        &["--query-window", "0.5"],
        ["0.6:3,2,4,3,2", "1.3:1,1,1,2,1"],
    );
}
