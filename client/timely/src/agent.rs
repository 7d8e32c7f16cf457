//! The tuning loop for a running Timely job: every metrics window it builds
//! a snapshot from the telemetry, asks `streamtuned` for a recommendation
//! and applies it (in place or by a controlled restart). Without a service
//! it only observes. The run's timeline and decisions go into a report.

use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};

use crate::proto::v1::Recommendation;
use crate::runner::{Change, RunningJob};
use crate::service::ServiceClient;
use crate::snapshot::{build_snapshot, WindowReading};
use crate::telemetry::Counters;
use crate::topology::{reconstruct, JobTopology};

pub struct AgentOptions {
    /// Length of a metrics window (one snapshot per window).
    pub window: Duration,
    /// Tuning policy ("" for the server's default).
    pub policy: String,
    /// How long to run the job.
    pub duration: Duration,
    /// Longest a restart may take.
    pub restart_timeout: Duration,
    /// Print decisions to stderr as they happen.
    pub verbose: bool,
}

/// One window of the run.
#[derive(Clone, Debug)]
pub struct WindowRecord {
    /// Seconds since the job started, at the window's end.
    pub at_s: f64,
    pub generation: usize,
    pub parallelism: Vec<usize>,
    /// Records per second the sources were asked for (their schedule).
    pub offered_per_s: f64,
    /// Records per second the sources emitted.
    pub emitted_per_s: f64,
    /// Source records due but not emitted at the window's end.
    pub backlog: u64,
    /// Busiest instance's busy time per operator (ms per second).
    pub busy_max: Vec<f64>,
    /// Busy time averaged over each operator's instances (ms per second).
    pub busy_avg: Vec<f64>,
}

/// One answer of the service, and what the agent did with it.
#[derive(Clone, Debug)]
pub struct DecisionRecord {
    pub at_s: f64,
    pub snapshot_id: String,
    pub apply: bool,
    pub policy: String,
    pub fallback: bool,
    pub reason: String,
    pub before: Vec<usize>,
    pub recommended: Vec<usize>,
    /// "in_place", "restart", "unchanged" or "" when not applied.
    pub change: String,
    pub downtime_s: f64,
}

#[derive(Clone, Debug, Default)]
pub struct AgentReport {
    pub windows: Vec<WindowRecord>,
    pub decisions: Vec<DecisionRecord>,
    pub errors: Vec<String>,
    /// Seconds since the start at the last applied change (0 if none).
    pub last_change_s: f64,
}

struct Reading {
    at: Instant,
    counters: Counters,
    held: Vec<i64>,
    emitted: u64,
    due: u64,
}

fn read(job: &RunningJob) -> Reading {
    let at = Instant::now();
    Reading {
        counters: job.telemetry().read(),
        held: job.queue_gauges().read(),
        emitted: job.clock().emitted(),
        due: job.clock().due_records(at),
        at,
    }
}

/// The recommended parallelism of every operator, in `spec` order (the
/// current value for an operator the answer does not mention).
fn recommended(job: &RunningJob, answer: &Recommendation, current: &[usize]) -> Vec<usize> {
    job.spec()
        .operators
        .iter()
        .zip(current)
        .map(|(op, p)| {
            answer
                .operators
                .iter()
                .find(|r| r.operator_id == op.name)
                .map_or(*p, |r| r.recommended_parallelism.max(1) as usize)
        })
        .collect()
}

/// Runs the loop until `options.duration` has passed since `job` started.
pub fn run_agent(
    job: &RunningJob,
    mut client: Option<&mut ServiceClient>,
    options: &AgentOptions,
) -> AgentReport {
    let mut report = AgentReport::default();
    let started = Instant::now();
    let end = started + options.duration;
    let run_id = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let mut topology: Option<JobTopology> = None;
    let mut last_change = started;
    let mut window_start = read(job);
    let mut seq = 0u64;
    loop {
        let window_end = (window_start.at + options.window).min(end);
        while Instant::now() < window_end {
            std::thread::sleep((window_end - Instant::now()).min(Duration::from_millis(50)));
        }
        if Instant::now() >= end || job.ended() {
            break;
        }
        let now = read(job);
        let window_s = now.at.duration_since(window_start.at).as_secs_f64();
        let generation = job.generation();
        if topology.as_ref().is_none_or(|t| t.dataflow != generation) {
            match reconstruct(job.spec(), &job.telemetry().topology(), generation) {
                Ok(t) => topology = Some(t),
                Err(e) => {
                    report.errors.push(e);
                    window_start = now;
                    continue;
                }
            }
        }
        let topo = topology.as_ref().expect("set above");
        let parallelism = job.parallelism();
        let backlog: Vec<Option<f64>> = job
            .spec()
            .operators
            .iter()
            .map(|op| {
                op.is_source()
                    .then(|| now.due.saturating_sub(now.emitted) as f64)
            })
            .collect();
        seq += 1;
        let snapshot = build_snapshot(&WindowReading {
            spec: job.spec(),
            topology: topo,
            parallelism: &parallelism,
            workers: job.workers(),
            before: &window_start.counters,
            after: &now.counters,
            held_before: &window_start.held,
            held_after: &now.held,
            window_s,
            backlog: &backlog,
            seconds_since_restart: now.at.duration_since(last_change).as_secs_f64(),
            observed_at: SystemTime::now(),
            snapshot_id: format!("{run_id}-{seq}"),
        });
        let at_s = now.at.duration_since(started).as_secs_f64();
        report.windows.push(WindowRecord {
            at_s,
            generation,
            parallelism: parallelism.clone(),
            offered_per_s: now.due.saturating_sub(window_start.due) as f64 / window_s,
            emitted_per_s: now.emitted.saturating_sub(window_start.emitted) as f64 / window_s,
            backlog: now.due.saturating_sub(now.emitted),
            busy_max: snapshot
                .operators
                .iter()
                .map(|op| {
                    op.metrics
                        .as_ref()
                        .and_then(|m| m.busy_ms_per_s_max)
                        .unwrap_or(0.0)
                })
                .collect(),
            busy_avg: snapshot
                .operators
                .iter()
                .map(|op| {
                    op.metrics
                        .as_ref()
                        .and_then(|m| m.busy_ms_per_s_avg)
                        .unwrap_or(0.0)
                })
                .collect(),
        });
        window_start = now;
        let Some(client) = client.as_deref_mut() else {
            continue;
        };
        let answer = match client.recommend(&snapshot, &options.policy) {
            Ok(answer) => answer,
            Err(e) => {
                if options.verbose {
                    eprintln!("agent: {e}");
                }
                report.errors.push(e);
                continue;
            }
        };
        let target = recommended(job, &answer, &parallelism);
        let mut decision = DecisionRecord {
            at_s,
            snapshot_id: snapshot.snapshot_id.clone(),
            apply: answer.apply,
            policy: answer.policy.clone(),
            fallback: answer.fallback,
            reason: answer.reason.clone(),
            before: parallelism.clone(),
            recommended: target.clone(),
            change: String::new(),
            downtime_s: 0.0,
        };
        if answer.apply {
            match job.apply(&target, options.restart_timeout) {
                Ok(change) => {
                    decision.change = match &change {
                        Change::Unchanged => "unchanged".into(),
                        Change::InPlace => "in_place".into(),
                        Change::Restart { downtime, .. } => {
                            decision.downtime_s = downtime.as_secs_f64();
                            "restart".into()
                        }
                    };
                    if change != Change::Unchanged {
                        window_start = read(job);
                        last_change = window_start.at;
                        report.last_change_s = last_change.duration_since(started).as_secs_f64();
                    }
                }
                Err(e) => report.errors.push(format!("applying {target:?}: {e}")),
            }
        }
        if options.verbose {
            eprintln!(
                "agent: t={:.1}s {} {:?} -> {:?}{} ({}{}): {}",
                decision.at_s,
                if decision.apply { "apply" } else { "keep" },
                decision.before,
                decision.recommended,
                if decision.change.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", decision.change)
                },
                decision.policy,
                if decision.fallback { ", fallback" } else { "" },
                decision.reason
            );
        }
        report.decisions.push(decision);
    }
    report
}

/// Throughput over the windows that ended at least `settle_s` after the
/// last applied change: see `throughput_since`.
pub fn settled_throughput(report: &AgentReport, settle_s: f64) -> Option<(f64, u64, f64)> {
    throughput_since(report, report.last_change_s + settle_s)
}

/// Throughput over the windows that ended at or after `from_s` seconds:
/// (emitted / offered records, backlog at the end, seconds covered). None
/// when no window qualifies.
pub fn throughput_since(report: &AgentReport, from_s: f64) -> Option<(f64, u64, f64)> {
    let tail: Vec<&WindowRecord> = report.windows.iter().filter(|w| w.at_s >= from_s).collect();
    let last = tail.last()?;
    let first_at = report
        .windows
        .iter()
        .rev()
        .find(|w| w.at_s < tail[0].at_s)
        .map_or(0.0, |w| w.at_s);
    let mut offered = 0.0;
    let mut emitted = 0.0;
    let mut previous = first_at;
    for w in &tail {
        offered += w.offered_per_s * (w.at_s - previous);
        emitted += w.emitted_per_s * (w.at_s - previous);
        previous = w.at_s;
    }
    (offered > 0.0).then(|| (emitted / offered, last.backlog, last.at_s - first_at))
}

/// The report as JSON (for `--report` and the benchmark).
pub fn report_json(report: &AgentReport, names: &[String]) -> Value {
    json!({
        "operators": names,
        "windows": report.windows.iter().map(|w| json!({
            "at_s": w.at_s,
            "generation": w.generation,
            "parallelism": w.parallelism,
            "offered_per_s": w.offered_per_s,
            "emitted_per_s": w.emitted_per_s,
            "backlog": w.backlog,
            "busy_ms_per_s_max": w.busy_max,
            "busy_ms_per_s_avg": w.busy_avg,
        })).collect::<Vec<_>>(),
        "decisions": report.decisions.iter().map(|d| json!({
            "at_s": d.at_s,
            "snapshot_id": d.snapshot_id,
            "apply": d.apply,
            "policy": d.policy,
            "fallback": d.fallback,
            "reason": d.reason,
            "before": d.before,
            "recommended": d.recommended,
            "change": d.change,
            "downtime_s": d.downtime_s,
        })).collect::<Vec<_>>(),
        "errors": report.errors,
        "last_change_s": report.last_change_s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(at_s: f64, offered: f64, emitted: f64, backlog: u64) -> WindowRecord {
        WindowRecord {
            at_s,
            generation: 0,
            parallelism: vec![1],
            offered_per_s: offered,
            emitted_per_s: emitted,
            backlog,
            busy_max: vec![0.0],
            busy_avg: vec![0.0],
        }
    }

    #[test]
    fn settled_throughput_covers_only_windows_after_the_change() {
        let report = AgentReport {
            windows: vec![
                window(1.0, 100.0, 50.0, 50),
                window(2.0, 100.0, 50.0, 100),
                window(3.0, 100.0, 150.0, 50),
                window(4.0, 100.0, 100.0, 50),
                window(5.0, 100.0, 100.0, 40),
            ],
            last_change_s: 2.1,
            ..AgentReport::default()
        };
        let (kept, backlog, seconds) = settled_throughput(&report, 1.0).unwrap();
        // Windows ending at 4 and 5 (from 3.1 on), covering 3..5.
        assert!((kept - 1.0).abs() < 1e-9, "{kept}");
        assert_eq!(backlog, 40);
        assert!((seconds - 2.0).abs() < 1e-9);
        assert!(settled_throughput(&report, 10.0).is_none());
    }
}
