//! The tuning loop for a running Timely job: every metrics window it builds
//! a snapshot from the telemetry, asks `streamtuned` for a recommendation
//! and applies it (in place or by a controlled restart). Without a service
//! it only observes. The run's timeline and decisions go into a report.

use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};

use crate::proto::v1::{OperatorMetrics, Recommendation, Snapshot};
use crate::runner::{Change, RunningJob};
use crate::schedule::change_name;
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

/// Metrics of every process (process 0 runs the agent and hears from the
/// others through the control plane).
fn read(job: &RunningJob) -> Reading {
    let at = Instant::now();
    let metrics = job.cluster_metrics();
    Reading {
        counters: metrics.counters,
        held: metrics.held,
        emitted: metrics.emitted,
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
    let mut agent = Agent::new(job, options);
    while agent.wait_for_window_end() {
        let Some(window) = agent.observe_window() else {
            continue;
        };
        if let Some(client) = client.as_deref_mut() {
            agent.consult(client, window);
        }
    }
    agent.report
}

/// The loop's state between windows.
struct Agent<'a> {
    job: &'a RunningJob,
    options: &'a AgentOptions,
    report: AgentReport,
    started: Instant,
    end: Instant,
    /// Prefix of every snapshot id of this run.
    run_id: u128,
    /// Number of snapshots built so far.
    seq: u64,
    /// The DAG of the dataflow last reconstructed.
    topology: Option<JobTopology>,
    last_change: Instant,
    /// The reading the current window started with.
    window_start: Reading,
}

/// A window just observed: what to send the service, and what it saw.
struct ObservedWindow {
    snapshot: Snapshot,
    parallelism: Vec<usize>,
    at_s: f64,
}

impl<'a> Agent<'a> {
    fn new(job: &'a RunningJob, options: &'a AgentOptions) -> Self {
        let started = Instant::now();
        let run_id = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        Agent {
            job,
            options,
            report: AgentReport::default(),
            started,
            end: started + options.duration,
            run_id,
            seq: 0,
            topology: None,
            last_change: started,
            window_start: read(job),
        }
    }

    /// Sleeps until the current window ends; false when the run is over
    /// (its duration has passed or the job ended).
    fn wait_for_window_end(&self) -> bool {
        let window_end = (self.window_start.at + self.options.window).min(self.end);
        while Instant::now() < window_end && !self.job.ended() {
            std::thread::sleep((window_end - Instant::now()).min(Duration::from_millis(50)));
        }
        Instant::now() < self.end && !self.job.ended()
    }

    /// Closes the current window: builds its snapshot, records it in the
    /// report and starts the next window. None (with the error in the
    /// report) when the job's DAG cannot be reconstructed.
    fn observe_window(&mut self) -> Option<ObservedWindow> {
        let now = read(self.job);
        let generation = self.job.generation();
        if let Err(e) = self.refresh_topology(generation) {
            self.report.errors.push(e);
            self.window_start = now;
            return None;
        }
        let parallelism = self.job.parallelism();
        let snapshot = self.build_snapshot(&now, &parallelism);
        let at_s = now.at.duration_since(self.started).as_secs_f64();
        self.report.windows.push(window_record(
            &self.window_start,
            &now,
            at_s,
            generation,
            &parallelism,
            &snapshot,
        ));
        self.window_start = now;
        Some(ObservedWindow {
            snapshot,
            parallelism,
            at_s,
        })
    }

    /// Reconstructs the DAG unless it is already that of `generation`.
    fn refresh_topology(&mut self, generation: usize) -> Result<(), String> {
        let dataflow = self.job.dataflow_index(generation);
        if self
            .topology
            .as_ref()
            .is_none_or(|t| t.dataflow != dataflow)
        {
            let job = self.job;
            self.topology = Some(reconstruct(
                job.spec(),
                &job.telemetry().topology(),
                dataflow,
            )?);
        }
        Ok(())
    }

    /// The snapshot of the window from `window_start` to `now`.
    fn build_snapshot(&mut self, now: &Reading, parallelism: &[usize]) -> Snapshot {
        let job = self.job;
        let start = &self.window_start;
        let backlog: Vec<Option<f64>> = job
            .spec()
            .operators
            .iter()
            .map(|op| {
                op.is_source()
                    .then(|| now.due.saturating_sub(now.emitted) as f64)
            })
            .collect();
        self.seq += 1;
        build_snapshot(&WindowReading {
            spec: job.spec(),
            topology: self.topology.as_ref().expect("refreshed before"),
            parallelism,
            workers: job.workers(),
            before: &start.counters,
            after: &now.counters,
            held_before: &start.held,
            held_after: &now.held,
            window_s: window_seconds(start, now),
            backlog: &backlog,
            seconds_since_restart: now.at.duration_since(self.last_change).as_secs_f64(),
            observed_at: SystemTime::now(),
            snapshot_id: format!("{}-{}", self.run_id, self.seq),
        })
    }

    /// Sends the window's snapshot to the service, applies its answer if
    /// it says so, and records the decision (or the error).
    fn consult(&mut self, client: &mut ServiceClient, window: ObservedWindow) {
        let answer = match client.recommend(&window.snapshot, &self.options.policy) {
            Ok(answer) => answer,
            Err(e) => {
                if self.options.verbose {
                    eprintln!("agent: {e}");
                }
                self.report.errors.push(e);
                return;
            }
        };
        let target = recommended(self.job, &answer, &window.parallelism);
        let mut decision = DecisionRecord {
            at_s: window.at_s,
            snapshot_id: window.snapshot.snapshot_id,
            apply: answer.apply,
            policy: answer.policy,
            fallback: answer.fallback,
            reason: answer.reason,
            before: window.parallelism,
            recommended: target,
            change: String::new(),
            downtime_s: 0.0,
        };
        if decision.apply {
            self.apply(&mut decision);
        }
        if self.options.verbose {
            eprintln!("agent: {}", describe(&decision));
        }
        self.report.decisions.push(decision);
    }

    /// Applies `decision.recommended` to the job and notes in `decision`
    /// how. A change restarts the metrics window and the settling clock.
    fn apply(&mut self, decision: &mut DecisionRecord) {
        let target = &decision.recommended;
        match self.job.apply(target, self.options.restart_timeout) {
            Ok(change) => {
                decision.change = change_name(&change).into();
                if let Change::Restart { downtime, .. } = &change {
                    decision.downtime_s = downtime.as_secs_f64();
                }
                if change != Change::Unchanged {
                    self.window_start = read(self.job);
                    self.last_change = self.window_start.at;
                    self.report.last_change_s =
                        self.last_change.duration_since(self.started).as_secs_f64();
                }
            }
            Err(e) => self.report.errors.push(format!("applying {target:?}: {e}")),
        }
    }
}

/// Seconds from `start` to `end`.
fn window_seconds(start: &Reading, end: &Reading) -> f64 {
    end.at.duration_since(start.at).as_secs_f64()
}

/// The report's record of the window from `start` to `end`.
fn window_record(
    start: &Reading,
    end: &Reading,
    at_s: f64,
    generation: usize,
    parallelism: &[usize],
    snapshot: &Snapshot,
) -> WindowRecord {
    let window_s = window_seconds(start, end);
    let busy = |pick: fn(&OperatorMetrics) -> Option<f64>| -> Vec<f64> {
        snapshot
            .operators
            .iter()
            .map(|op| op.metrics.as_ref().and_then(pick).unwrap_or(0.0))
            .collect()
    };
    WindowRecord {
        at_s,
        generation,
        parallelism: parallelism.to_vec(),
        offered_per_s: end.due.saturating_sub(start.due) as f64 / window_s,
        emitted_per_s: end.emitted.saturating_sub(start.emitted) as f64 / window_s,
        backlog: end.due.saturating_sub(end.emitted),
        busy_max: busy(|m| m.busy_ms_per_s_max),
        busy_avg: busy(|m| m.busy_ms_per_s_avg),
    }
}

/// One line about `decision`, as `--verbose` prints it.
fn describe(decision: &DecisionRecord) -> String {
    format!(
        "t={:.1}s {} {:?} -> {:?}{} ({}{}): {}",
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
    )
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
