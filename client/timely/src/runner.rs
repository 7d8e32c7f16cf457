//! Runs a job on a fixed pool of Timely workers — the threads of one
//! process, or of several processes connected by Timely (`-n`, a host
//! file) — in generations: each generation is one dataflow built by every
//! worker with one parallelism setting. Stateless operators change
//! parallelism in place (their routers are atomics, set in every process);
//! any other change is a controlled restart: the coordinator (global worker
//! 0) stops the sources of every process at a common epoch boundary, the
//! dataflow drains, keyed operators export their state, each process ships
//! it to the workers that own it next, every worker meets at the control
//! plane's barrier and builds the next generation, which imports the state
//! by key and resumes input at the boundary's offset (see `control`,
//! `coordinator`, `worker_loop`). The agent drives the job from process 0.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use timely::communication::Config as CommunicationConfig;
use timely::WorkerConfig;

pub use crate::context::{BuildContext, Query};
use crate::control::{Answer, Layout, Process, ProcessReport, Request};
use crate::queue::QueueGauges;
use crate::sink::SinkStats;
use crate::source::{SourceClock, SourceSettings};
use crate::spec::{JobSpec, OperatorRole};
use crate::telemetry::{Counters, Telemetry};
use crate::worker_loop::{dataflow_index, run_worker, WorkerShared};

/// Where the processes of a job of several processes listen.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    pub process: usize,
    /// `host:port` of every process, in process order (a Timely host file).
    pub addresses: Vec<String>,
}

/// How to run a job.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub job_id: String,
    /// Worker threads of this process (every process has as many).
    pub workers: usize,
    /// None: one process.
    pub cluster: Option<Cluster>,
    pub source: SourceSettings,
    /// Parallelism of each operator at start, in `spec` order.
    pub initial_parallelism: Vec<usize>,
    /// Simulated cost per record of each operator, in `spec` order.
    pub costs: Vec<Duration>,
}

impl RunOptions {
    pub fn layout(&self) -> Layout {
        match &self.cluster {
            None => Layout::single(self.workers),
            Some(cluster) => Layout {
                process: cluster.process,
                processes: cluster.addresses.len(),
                threads: self.workers,
            },
        }
    }

    fn timely_config(&self) -> timely::Config {
        let communication = match &self.cluster {
            None => CommunicationConfig::Process(self.workers),
            Some(cluster) => CommunicationConfig::Cluster {
                threads: self.workers,
                process: cluster.process,
                addresses: cluster.addresses.clone(),
                report: false,
                zerocopy: false,
            },
        };
        timely::Config {
            communication,
            // Many workers share 2 cores: an idle worker parks at once.
            worker: WorkerConfig::default().idle_spin(Duration::ZERO),
        }
    }
}

/// The outcome of applying a parallelism target.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// The target equals the current parallelism.
    Unchanged,
    /// Only stateless operators changed: their routing changed in place.
    InPlace,
    /// A restart: generation `generation` resumed at epoch `boundary` after
    /// `downtime` without a running dataflow.
    Restart {
        generation: usize,
        boundary: u64,
        downtime: Duration,
    },
}

/// What a finished job did in this process (a job of several processes
/// adds up its processes' outcomes).
#[derive(Clone, Debug)]
pub struct JobOutcome {
    pub generations: usize,
    pub emitted_records: u64,
    pub committed_results: u64,
    /// Order-independent: processes' checksums add up (wrapping).
    pub results_checksum: u64,
    /// State left in the savepoint at the end (dropped; expected at a stop
    /// that cut windows or joins short).
    pub leftover_state: usize,
    /// State entries this process shipped to, and received from, the
    /// owners of a next generation (in any process).
    pub state_shipped: u64,
    pub state_received: u64,
    /// The metrics of every process as this one last heard them (all of
    /// them in process 0, after every process's final report).
    pub cluster: ClusterMetrics,
}

/// Checks that `spec` is valid and that `options` fit it.
fn check_options(spec: &JobSpec, options: &RunOptions) -> Result<(), String> {
    spec.validate()?;
    let n = spec.operators.len();
    if options.initial_parallelism.len() != n || options.costs.len() != n {
        return Err(format!(
            "job {}: {} operators but {} parallelism values and {} costs",
            spec.job_id,
            n,
            options.initial_parallelism.len(),
            options.costs.len()
        ));
    }
    if options.workers == 0 {
        return Err("at least one worker is required".into());
    }
    if let Some(cluster) = &options.cluster {
        if cluster.process >= cluster.addresses.len() {
            return Err(format!(
                "process {} of a job of {} processes",
                cluster.process,
                cluster.addresses.len()
            ));
        }
    }
    Ok(())
}

/// The metrics of every process, as process 0 last heard them.
#[derive(Clone, Debug, Default)]
pub struct ClusterMetrics {
    pub counters: Counters,
    /// Records held in each operator's input queues.
    pub held: Vec<i64>,
    /// Records the sources emitted.
    pub emitted: u64,
    /// Processes heard from (this one included).
    pub processes: usize,
}

/// Adds up this process's metrics and the other processes' reports.
pub fn merge_metrics(local: &ProcessReport, others: &[&ProcessReport]) -> ClusterMetrics {
    let mut merged = ClusterMetrics {
        counters: local.counters.clone(),
        held: local.held.clone(),
        emitted: local.emitted,
        processes: 1 + others.len(),
    };
    for other in others {
        merged.counters.merge(&other.counters);
        for (held, theirs) in merged.held.iter_mut().zip(&other.held) {
            *held += theirs;
        }
        merged.emitted += other.emitted;
    }
    merged
}

/// `process`'s metrics merged with the reports it heard.
fn heard_metrics(process: &Process, telemetry: &Telemetry, gauges: &QueueGauges) -> ClusterMetrics {
    let local = ProcessReport {
        process: process.layout.process,
        counters: telemetry.read(),
        held: gauges.read(),
        emitted: process.clock.emitted(),
    };
    let state = process.lock();
    let others: Vec<&ProcessReport> = state.reports.values().collect();
    merge_metrics(&local, &others)
}

/// A job running on its own Timely workers (this process's share of them).
pub struct RunningJob {
    spec: Arc<JobSpec>,
    process: Arc<Process>,
    telemetry: Arc<Telemetry>,
    sink: Arc<SinkStats>,
    gauges: Arc<QueueGauges>,
    guards: timely::communication::initialize::WorkerGuards<Result<(), String>>,
    /// Serialises changes (apply, finish) against each other.
    changing: Mutex<()>,
}

impl RunningJob {
    /// Starts `query` on `options.workers` threads (connecting to the other
    /// processes of a cluster first) and returns once every local worker
    /// has built the first generation.
    pub fn start(query: Arc<dyn Query>, options: RunOptions) -> Result<RunningJob, String> {
        let spec = Arc::new(query.spec(&options.job_id));
        check_options(&spec, &options)?;
        let layout = options.layout();
        let clock = SourceClock::new(options.source.clone());
        let process = Arc::new(Process::new(layout, clock, &options.initial_parallelism));
        let shared = WorkerShared {
            query,
            spec: Arc::clone(&spec),
            costs: Arc::new(options.costs.clone()),
            process: Arc::clone(&process),
            telemetry: Telemetry::new(layout.first_worker(), layout.threads),
            sink: SinkStats::new(),
            gauges: QueueGauges::new(spec.operators.len()),
        };
        let telemetry = Arc::clone(&shared.telemetry);
        let sink = Arc::clone(&shared.sink);
        let gauges = Arc::clone(&shared.gauges);
        let guards = timely::execute(options.timely_config(), move |worker| {
            run_worker(worker, &shared)
        })?;
        let job = RunningJob {
            spec,
            process,
            telemetry,
            sink,
            gauges,
            guards,
            changing: Mutex::new(()),
        };
        job.wait_running(0, Duration::from_secs(30))?;
        Ok(job)
    }

    pub fn spec(&self) -> &JobSpec {
        &self.spec
    }

    /// Workers over every process (the most instances an operator can have).
    pub fn workers(&self) -> usize {
        self.process.layout.peers()
    }

    pub fn layout(&self) -> Layout {
        self.process.layout
    }

    /// This process's telemetry (the topology is logged by process 0).
    pub fn telemetry(&self) -> &Arc<Telemetry> {
        &self.telemetry
    }

    pub fn clock(&self) -> &Arc<SourceClock> {
        &self.process.clock
    }

    pub fn sink(&self) -> &Arc<SinkStats> {
        &self.sink
    }

    /// Records held in this process's operators' input queues.
    pub fn queue_gauges(&self) -> &Arc<QueueGauges> {
        &self.gauges
    }

    /// This process's metrics merged with the latest report of every
    /// other process (complete in process 0 only; reports are at most
    /// about 100 ms old).
    pub fn cluster_metrics(&self) -> ClusterMetrics {
        heard_metrics(&self.process, &self.telemetry, &self.gauges)
    }

    /// The newest generation.
    pub fn generation(&self) -> usize {
        self.process.lock().plans.len() - 1
    }

    /// The Timely dataflow index of `generation` (for the topology).
    pub fn dataflow_index(&self, generation: usize) -> usize {
        dataflow_index(generation)
    }

    /// Whether the job has stopped taking new generations (its finite
    /// input is exhausted, or it was asked to finish).
    pub fn ended(&self) -> bool {
        self.process.lock().closed
    }

    /// Every operator's current parallelism, in `spec` order.
    pub fn parallelism(&self) -> Vec<usize> {
        self.process
            .lock()
            .plans
            .last()
            .map(|p| p.parallelism.current())
            .unwrap_or_default()
    }

    /// Waits until every local worker has built `generation`; returns when
    /// it started running.
    pub fn wait_running(&self, generation: usize, timeout: Duration) -> Result<Instant, String> {
        let deadline = Instant::now() + timeout;
        let mut state = self.process.lock();
        loop {
            if let Some(at) = state.running_since.get(&generation) {
                return Ok(*at);
            }
            if state.closed && state.plans.len() <= generation {
                return Err(format!("job ended before generation {generation} ran"));
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(format!(
                    "generation {generation} not running after {timeout:?}"
                ));
            }
            state = self
                .process
                .changed
                .wait_timeout(state, (deadline - now).min(Duration::from_millis(50)))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Hands `request` to the coordinator and waits (up to `timeout`) for
    /// its answer.
    fn ask(&self, request: Request, timeout: Duration) -> Result<Answer, String> {
        if self.process.layout.process != 0 {
            return Err("only process 0 changes the job".into());
        }
        let deadline = Instant::now() + timeout;
        let mut state = self.process.lock();
        state.answer = None;
        state.request = Some(request);
        loop {
            if let Some(answer) = state.answer.take() {
                return answer;
            }
            if state.closed {
                state.request = None;
                return Err("the job has ended".into());
            }
            let now = Instant::now();
            if now >= deadline {
                state.request = None;
                return Err(format!("no answer from the coordinator after {timeout:?}"));
            }
            state = self
                .process
                .changed
                .wait_timeout(state, (deadline - now).min(Duration::from_millis(50)))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Applies a parallelism target (clamped to `[1, workers]`): in place
    /// when only stateless operators change, otherwise by a controlled
    /// restart, waiting (up to `timeout`) until the new generation runs.
    pub fn apply(&self, target: &[usize], timeout: Duration) -> Result<Change, String> {
        let _serial = self.changing.lock().unwrap_or_else(|p| p.into_inner());
        if target.len() != self.spec.operators.len() {
            return Err(format!(
                "{} parallelism values for {} operators",
                target.len(),
                self.spec.operators.len()
            ));
        }
        let workers = self.workers();
        let target: Vec<usize> = target.iter().map(|p| (*p).clamp(1, workers)).collect();
        if self.ended() {
            return Err("the job has ended".into());
        }
        let current = self.parallelism();
        if current == target {
            return Ok(Change::Unchanged);
        }
        let needs_restart = self
            .spec
            .operators
            .iter()
            .enumerate()
            .any(|(i, op)| op.role == OperatorRole::Keyed && current[i] != target[i]);
        if !needs_restart {
            self.ask(Request::InPlace(target.clone()), timeout)?;
            // Every process sets it on the broadcast; this one at once, so
            // `parallelism()` reflects it on return.
            if let Some(plan) = self.process.lock().plans.last() {
                for (op, p) in target.iter().enumerate() {
                    plan.parallelism.set(op, *p);
                }
            }
            return Ok(Change::InPlace);
        }
        let stop_requested = Instant::now();
        match self.ask(Request::Restart(target), timeout)? {
            Answer::Stopped {
                generation,
                boundary,
                restarts: true,
            } => {
                let running = self.wait_running(generation + 1, timeout)?;
                Ok(Change::Restart {
                    generation: generation + 1,
                    boundary,
                    downtime: running.saturating_duration_since(stop_requested),
                })
            }
            Answer::Stopped { .. } => Err("the job ended during the restart".into()),
            Answer::InPlace => Err("the coordinator answered a restart in place".into()),
        }
    }

    /// Stops the sources at the next epoch boundary, lets the dataflow
    /// drain, and joins the workers (process 0; the other processes join).
    pub fn finish(self) -> Result<JobOutcome, String> {
        {
            let _serial = self.changing.lock().unwrap_or_else(|p| p.into_inner());
            if !self.ended() {
                // An answer or the end: either way the job is ending.
                match self.ask(Request::Finish, Duration::from_secs(120)) {
                    Ok(_) => {}
                    Err(e) if self.ended() => drop(e),
                    Err(e) => return Err(e),
                }
            }
        }
        self.join()
    }

    /// Waits for the job to end (a finite input, or process 0 finishing
    /// it), and joins the workers.
    pub fn join(self) -> Result<JobOutcome, String> {
        for result in self.guards.join() {
            result??;
        }
        let generations = self.process.lock().plans.len();
        let cluster = heard_metrics(&self.process, &self.telemetry, &self.gauges);
        let savepoint = &self.process.savepoint;
        let leftover_state = savepoint.remaining();
        savepoint.clear();
        Ok(JobOutcome {
            generations,
            emitted_records: self.process.clock.emitted(),
            committed_results: self.sink.records(),
            results_checksum: self.sink.checksum(),
            leftover_state,
            state_shipped: savepoint.shipped(),
            state_received: savepoint.received(),
            cluster,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::ChannelKey;

    #[test]
    fn cluster_metrics_add_up_every_process() {
        let channel = ChannelKey {
            dataflow: 1,
            source: (1, 0),
            target: (2, 0),
        };
        let report = |process: usize, sent: i64, held: i64, emitted: u64| {
            let mut counters = Counters::default();
            counters.sent.insert(channel, sent);
            counters.busy_ns.insert((process * 2, (1, 2)), 7);
            ProcessReport {
                process,
                counters,
                held: vec![0, held],
                emitted,
            }
        };
        let merged = merge_metrics(&report(0, 10, 1, 100), &[&report(1, 5, 2, 50)]);
        assert_eq!(merged.counters.sent[&channel], 15);
        assert_eq!(merged.counters.busy_ns.len(), 2, "busy time per worker");
        assert_eq!(merged.held, vec![0, 3]);
        assert_eq!(merged.emitted, 150);
        assert_eq!(merged.processes, 2);
    }
}
