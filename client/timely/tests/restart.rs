//! Exactly-once across reconfigurations: a finite run of each Nexmark query
//! commits the same results (count and order-independent checksum) whether
//! or not its parallelism changes midway, in place or by a controlled
//! restart that moves keyed state to its new instances.

use std::sync::Arc;
use std::time::{Duration, Instant};

use streamtune_timely::nexmark::{query, Q5, Q8};
use streamtune_timely::runner::{Change, JobOutcome, Query, RunOptions, RunningJob};
use streamtune_timely::source::SourceSettings;

const RATE: f64 = 40_000.0;
const RECORDS: u64 = 80_000; // 2 s of input

fn options(query: &dyn Query, workers: usize) -> RunOptions {
    let n = query.spec("t").operators.len();
    RunOptions {
        job_id: "t".into(),
        workers,
        cluster: None,
        source: SourceSettings {
            rate: RATE,
            epoch_records: (RATE / 20.0) as u64, // 50 ms epochs
            max_inflight_epochs: 20,
            end_records: Some(RECORDS),
        },
        initial_parallelism: vec![1; n],
        costs: vec![Duration::ZERO; n],
    }
}

/// Waits (polling, with a deadline) until the source emitted `records`.
fn wait_emitted(job: &RunningJob, records: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while job.clock().emitted() < records {
        assert!(
            Instant::now() < deadline,
            "source stuck at {}",
            job.clock().emitted()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn run(query: Arc<dyn Query>, changes: &[(u64, Vec<usize>)]) -> (JobOutcome, Vec<Change>) {
    let job = RunningJob::start(Arc::clone(&query), options(query.as_ref(), 4)).unwrap();
    let mut applied = Vec::new();
    for (after_records, target) in changes {
        wait_emitted(&job, *after_records);
        applied.push(job.apply(target, Duration::from_secs(30)).unwrap());
        assert_eq!(&job.parallelism(), target);
    }
    (job.join().unwrap(), applied)
}

fn assert_same_results(
    name: &str,
    query: Arc<dyn Query>,
    changes: &[(u64, Vec<usize>)],
) -> Vec<Change> {
    let (baseline, _) = run(Arc::clone(&query), &[]);
    assert_eq!(baseline.emitted_records, RECORDS, "{name}");
    assert!(baseline.committed_results > 0, "{name}: no results at all");
    let (changed, applied) = run(query, changes);
    assert_eq!(
        changed.emitted_records, RECORDS,
        "{name}: records lost or repeated"
    );
    assert_eq!(
        (changed.committed_results, changed.results_checksum),
        (baseline.committed_results, baseline.results_checksum),
        "{name}: results differ after {applied:?}"
    );
    applied
}

fn restarts(applied: &[Change]) -> usize {
    applied
        .iter()
        .filter(|c| matches!(c, Change::Restart { .. }))
        .count()
}

#[test]
fn q1_in_place_and_restart() {
    // convert and sink change in place; the source restarts.
    let applied = assert_same_results(
        "q1",
        query("q1").unwrap(),
        &[
            (20_000, vec![1, 3, 2]),
            (40_000, vec![2, 3, 2]),
            (60_000, vec![2, 1, 1]),
        ],
    );
    assert_eq!(applied[0], Change::InPlace);
    assert!(matches!(applied[1], Change::Restart { generation: 1, .. }));
    assert_eq!(applied[2], Change::InPlace);
}

#[test]
fn q3_join_state_moves_with_its_keys() {
    let applied = assert_same_results(
        "q3",
        query("q3").unwrap(),
        &[(25_000, vec![1, 1, 1, 3, 1]), (55_000, vec![2, 2, 1, 2, 1])],
    );
    assert_eq!(restarts(&applied), 2);
}

#[test]
fn q5_sliding_windows_survive_restarts() {
    let q5: Arc<dyn Query> = Arc::new(Q5 {
        window_s: 0.5,
        slide_s: 0.1,
    });
    let applied = assert_same_results(
        "q5",
        q5,
        &[(20_000, vec![1, 2, 3, 1, 1]), (50_000, vec![2, 2, 2, 4, 2])],
    );
    assert_eq!(restarts(&applied), 2);
}

#[test]
fn q8_window_join_survives_restarts() {
    let q8: Arc<dyn Query> = Arc::new(Q8 { window_s: 0.3 });
    let applied = assert_same_results(
        "q8",
        q8,
        &[(30_000, vec![1, 2, 2, 3, 1]), (50_000, vec![3, 1, 1, 1, 1])],
    );
    assert_eq!(restarts(&applied), 2);
}

#[test]
fn q2_runs_to_the_end() {
    let (outcome, _) = run(query("q2").unwrap(), &[(30_000, vec![1, 4, 2])]);
    assert_eq!(outcome.emitted_records, RECORDS);
    assert_eq!(
        outcome.generations, 1,
        "a stateless change needs no restart"
    );
}
