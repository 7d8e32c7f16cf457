//! A scripted run: process 0 applies fixed parallelism settings at fixed
//! times (`--rescale`), for experiments and the multi-process restart
//! tests, without a service.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::runner::{Change, JobOutcome, RunningJob};

/// Applies each `(seconds, parallelism)` step once `seconds` have passed
/// since `started`, in order. Fails if the job ends before a step.
pub fn apply_schedule(
    job: &RunningJob,
    steps: &[(f64, Vec<usize>)],
    started: Instant,
) -> Result<Vec<Change>, String> {
    let mut applied = Vec::new();
    for (at, parallelism) in steps {
        let due = started + Duration::from_secs_f64(*at);
        while Instant::now() < due && !job.ended() {
            std::thread::sleep((due - Instant::now()).min(Duration::from_millis(10)));
        }
        let change = job
            .apply(parallelism, Duration::from_secs(60))
            .map_err(|e| format!("--rescale {at}:{parallelism:?}: {e}"))?;
        applied.push(change);
    }
    Ok(applied)
}

/// A change as the outcome file names it.
pub fn change_name(change: &Change) -> &'static str {
    match change {
        Change::Unchanged => "unchanged",
        Change::InPlace => "in_place",
        Change::Restart { .. } => "restart",
    }
}

/// What `--outcome` writes: this process's share of the results and, in
/// process 0, what it heard from every process.
pub fn outcome_json(process: usize, outcome: &JobOutcome, changes: &[Change]) -> Value {
    let cluster = &outcome.cluster;
    let busy_workers = cluster
        .counters
        .busy_ns
        .iter()
        .filter(|(_, ns)| **ns > 0)
        .map(|((worker, _), _)| *worker)
        .collect::<std::collections::BTreeSet<_>>();
    json!({
        "process": process,
        "generations": outcome.generations,
        "emitted_records": outcome.emitted_records,
        "committed_results": outcome.committed_results,
        "results_checksum": outcome.results_checksum,
        "leftover_state": outcome.leftover_state,
        "state_shipped": outcome.state_shipped,
        "state_received": outcome.state_received,
        "changes": changes.iter().map(change_name).collect::<Vec<_>>(),
        "cluster_processes": cluster.processes,
        "cluster_emitted_records": cluster.emitted,
        "cluster_busy_workers": busy_workers,
    })
}
