//! Runs a job on a fixed pool of Timely workers, in generations: each
//! generation is one dataflow built by every worker with one parallelism
//! setting. Stateless operators change parallelism in place (their routers
//! are atomics); any other change is a controlled restart: the sources stop
//! at a common epoch boundary, the dataflow drains, keyed operators export
//! their state, every worker meets at a barrier and builds the next
//! generation, which imports the state by key and resumes input at the
//! boundary's offset. Rescaling needs the workers to share memory, so a job
//! runs in one process (`-w` threads).

use std::collections::HashMap;
use std::sync::{Arc, Barrier, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use timely::dataflow::{ProbeHandle, Scope};
use timely::WorkerConfig;

use crate::pacing::WorkMeter;
use crate::parallelism::{instance_for, ParallelismTable, Router};
use crate::queue::{InputQueue, QueueGauges};
use crate::savepoint::Savepoint;
use crate::sink::SinkStats;
use crate::source::{SourceClock, SourceInstance, SourceSettings};
use crate::spec::{JobSpec, OperatorRole};
use crate::telemetry::Telemetry;

/// A dataflow that the runner can build once per generation on every worker.
pub trait Query: Send + Sync + 'static {
    /// The logical operators, named as the dataflow names them.
    fn spec(&self, job_id: &str) -> JobSpec;
    /// Simulated cost per record of each operator, in `spec` order.
    fn default_costs(&self) -> Vec<Duration>;
    /// Builds the dataflow on one worker. Every operator named in `spec`
    /// must appear exactly once, and every output must reach `ctx.probe()`.
    fn build<'scope>(&self, scope: Scope<'scope, u64>, ctx: &BuildContext);
}

/// What a worker knows while building one generation's dataflow.
pub struct BuildContext {
    pub worker: usize,
    pub workers: usize,
    pub generation: usize,
    pub start_epoch: u64,
    spec: Arc<JobSpec>,
    parallelism: Arc<ParallelismTable>,
    costs: Arc<Vec<Duration>>,
    clock: Arc<SourceClock>,
    savepoint: Arc<Savepoint>,
    sink: Arc<SinkStats>,
    gauges: Arc<QueueGauges>,
    probe: ProbeHandle<u64>,
}

impl BuildContext {
    fn op(&self, name: &str) -> usize {
        self.spec
            .index_of(name)
            .unwrap_or_else(|| panic!("operator {name} is not declared by the job"))
    }

    /// Routes records of operator `name`'s input to its instances.
    pub fn router(&self, name: &str) -> Router {
        self.parallelism.router(self.op(name))
    }

    /// The parallelism operator `name` starts this generation with.
    pub fn parallelism(&self, name: &str) -> usize {
        self.parallelism.get(self.op(name))
    }

    /// Whether this worker's instance of `name` owns routing key `key`
    /// (for importing state; keyed operators never change in place).
    pub fn owns(&self, name: &str, key: u64) -> bool {
        instance_for(key, self.parallelism(name)) == self.worker
    }

    /// The simulated cost of `name`'s records on this worker.
    pub fn meter(&self, name: &str) -> WorkMeter {
        WorkMeter::new(self.costs[self.op(name)])
    }

    /// An input queue for operator `name` on this worker.
    pub fn queue<D>(&self, name: &str) -> InputQueue<D> {
        InputQueue::new(Arc::clone(&self.gauges), self.op(name))
    }

    /// Source `name`'s instance on this worker.
    pub fn source(&self, name: &str) -> SourceInstance {
        let parallelism = self.parallelism(name);
        SourceInstance {
            clock: Arc::clone(&self.clock),
            generation: self.generation,
            instance: (self.worker < parallelism).then_some(self.worker),
            parallelism,
            start_epoch: self.start_epoch,
            probe: self.probe.clone(),
            meter: self.meter(name),
        }
    }

    /// The epoch at which this generation's input stops (u64::MAX while it
    /// runs on). Keyed operators call it once their input is exhausted:
    /// results for times before it are complete, later state is exported.
    pub fn stop_boundary(&self) -> impl Fn() -> u64 + 'static {
        let clock = Arc::clone(&self.clock);
        let generation = self.generation;
        move || clock.stop_boundary(generation).unwrap_or(u64::MAX)
    }

    pub fn savepoint(&self) -> Arc<Savepoint> {
        Arc::clone(&self.savepoint)
    }

    pub fn sink_stats(&self) -> Arc<SinkStats> {
        Arc::clone(&self.sink)
    }

    /// The probe every output must reach (sources use it for flow control).
    pub fn probe(&self) -> &ProbeHandle<u64> {
        &self.probe
    }

    /// How the job's sources produce records.
    pub fn source_settings(&self) -> &SourceSettings {
        self.clock.settings()
    }

    /// The number of epochs spanning `seconds` of input (at least one).
    pub fn epochs_for(&self, seconds: f64) -> u64 {
        let settings = self.clock.settings();
        let epoch_s = settings.epoch_records as f64 / settings.rate;
        ((seconds / epoch_s).round() as u64).max(1)
    }
}

/// How to run a job.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub job_id: String,
    pub workers: usize,
    pub source: SourceSettings,
    /// Parallelism of each operator at start, in `spec` order.
    pub initial_parallelism: Vec<usize>,
    /// Simulated cost per record of each operator, in `spec` order.
    pub costs: Vec<Duration>,
}

#[derive(Clone)]
struct Plan {
    start_epoch: u64,
    parallelism: Arc<ParallelismTable>,
}

#[derive(Default)]
struct ControlState {
    plans: Vec<Plan>,
    /// Number of generations once the job has ended (no more plans).
    closed_at: Option<usize>,
    built: HashMap<usize, usize>,
    running_since: HashMap<usize, Instant>,
}

struct Control {
    workers: usize,
    state: Mutex<ControlState>,
    changed: Condvar,
    barrier: Barrier,
    clock: Arc<SourceClock>,
}

impl Control {
    /// The control of a job about to start: generation 0 planned with
    /// `options.initial_parallelism` and its source generation open.
    fn new(options: &RunOptions) -> Self {
        let clock = SourceClock::new(options.source.clone());
        clock.open_generation(0, 0);
        Control {
            workers: options.workers,
            state: Mutex::new(ControlState {
                plans: vec![Plan {
                    start_epoch: 0,
                    parallelism: Arc::new(ParallelismTable::new(
                        &options.initial_parallelism,
                        options.workers,
                    )),
                }],
                ..ControlState::default()
            }),
            changed: Condvar::new(),
            barrier: Barrier::new(options.workers),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, ControlState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The plan of `generation`, or None once the job has ended. Every
    /// worker gets the same answer for the same generation.
    fn wait_plan(&self, generation: usize) -> Option<Plan> {
        let mut state = self.lock();
        loop {
            if let Some(plan) = state.plans.get(generation) {
                return Some(plan.clone());
            }
            if state.closed_at.is_some() {
                return None;
            }
            if self.clock.exhausted() {
                state.closed_at = Some(state.plans.len());
                self.changed.notify_all();
                return None;
            }
            state = self
                .changed
                .wait_timeout(state, Duration::from_millis(50))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    fn mark_built(&self, generation: usize) {
        let mut state = self.lock();
        let built = state.built.entry(generation).or_default();
        *built += 1;
        if *built == self.workers {
            state.running_since.insert(generation, Instant::now());
            self.changed.notify_all();
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

/// What a finished job did.
#[derive(Clone, Debug)]
pub struct JobOutcome {
    pub generations: usize,
    pub emitted_records: u64,
    pub committed_results: u64,
    pub results_checksum: u64,
    /// State left in the savepoint at the end (dropped; expected at a stop
    /// that cut windows or joins short).
    pub leftover_state: usize,
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
    Ok(())
}

/// A job running on its own Timely workers.
pub struct RunningJob {
    spec: Arc<JobSpec>,
    control: Arc<Control>,
    telemetry: Arc<Telemetry>,
    sink: Arc<SinkStats>,
    gauges: Arc<QueueGauges>,
    savepoint: Arc<Savepoint>,
    guards: timely::communication::initialize::WorkerGuards<Result<(), String>>,
    /// Serialises changes (apply, finish) against each other.
    changing: Mutex<()>,
}

impl RunningJob {
    /// Starts `query` on `options.workers` threads and returns once every
    /// worker has built the first generation.
    pub fn start(query: Arc<dyn Query>, options: RunOptions) -> Result<RunningJob, String> {
        let spec = Arc::new(query.spec(&options.job_id));
        check_options(&spec, &options)?;
        let n = spec.operators.len();
        let control = Arc::new(Control::new(&options));
        let telemetry = Telemetry::new(options.workers);
        let sink = SinkStats::new();
        let gauges = QueueGauges::new(n);
        let savepoint = Arc::new(Savepoint::new());
        let costs = Arc::new(options.costs.clone());

        let worker_control = Arc::clone(&control);
        let worker_telemetry = Arc::clone(&telemetry);
        let worker_spec = Arc::clone(&spec);
        let worker_sink = Arc::clone(&sink);
        let worker_savepoint = Arc::clone(&savepoint);
        let worker_gauges = Arc::clone(&gauges);
        let mut config = timely::Config::process(options.workers);
        // Many workers share 2 cores: an idle worker parks at once.
        config.worker = WorkerConfig::default().idle_spin(Duration::ZERO);
        let guards = timely::execute(config, move |worker| {
            worker_telemetry.register(worker)?;
            let mut generation = 0;
            while let Some(plan) = worker_control.wait_plan(generation) {
                if worker.next_dataflow_index() != generation {
                    return Err(format!(
                        "worker {} is about to build dataflow {} for generation {generation}",
                        worker.index(),
                        worker.next_dataflow_index()
                    ));
                }
                let ctx = BuildContext {
                    worker: worker.index(),
                    workers: worker.peers(),
                    generation,
                    start_epoch: plan.start_epoch,
                    spec: Arc::clone(&worker_spec),
                    parallelism: plan.parallelism,
                    costs: Arc::clone(&costs),
                    clock: Arc::clone(&worker_control.clock),
                    savepoint: Arc::clone(&worker_savepoint),
                    sink: Arc::clone(&worker_sink),
                    gauges: Arc::clone(&worker_gauges),
                    probe: ProbeHandle::new(),
                };
                worker.dataflow::<u64, _, _>(|scope| query.build(scope, &ctx));
                worker_control.mark_built(generation);
                while worker.has_dataflows() {
                    worker.step_or_park(Some(Duration::from_millis(20)));
                }
                worker_control.barrier.wait();
                generation += 1;
            }
            Ok(())
        })?;
        let job = RunningJob {
            spec,
            control,
            telemetry,
            sink,
            gauges,
            savepoint,
            guards,
            changing: Mutex::new(()),
        };
        job.wait_running(0, Duration::from_secs(30))?;
        Ok(job)
    }

    pub fn spec(&self) -> &JobSpec {
        &self.spec
    }

    pub fn workers(&self) -> usize {
        self.control.workers
    }

    pub fn telemetry(&self) -> &Arc<Telemetry> {
        &self.telemetry
    }

    pub fn clock(&self) -> &Arc<SourceClock> {
        &self.control.clock
    }

    pub fn sink(&self) -> &Arc<SinkStats> {
        &self.sink
    }

    /// Records held in operators' input queues.
    pub fn queue_gauges(&self) -> &Arc<QueueGauges> {
        &self.gauges
    }

    /// The newest generation (its dataflow index on every worker).
    pub fn generation(&self) -> usize {
        self.control.lock().plans.len() - 1
    }

    /// Whether the job has stopped taking new generations (its finite
    /// input is exhausted, or it was asked to finish).
    pub fn ended(&self) -> bool {
        self.control.lock().closed_at.is_some()
    }

    /// Every operator's current parallelism, in `spec` order.
    pub fn parallelism(&self) -> Vec<usize> {
        self.control
            .lock()
            .plans
            .last()
            .map(|p| p.parallelism.current())
            .unwrap_or_default()
    }

    /// Waits until every worker has built `generation`; returns when it
    /// started running.
    pub fn wait_running(&self, generation: usize, timeout: Duration) -> Result<Instant, String> {
        let deadline = Instant::now() + timeout;
        let mut state = self.control.lock();
        loop {
            if let Some(at) = state.running_since.get(&generation) {
                return Ok(*at);
            }
            if state.closed_at.is_some_and(|closed| generation >= closed) {
                return Err(format!("job ended before generation {generation} ran"));
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(format!(
                    "generation {generation} not running after {timeout:?}"
                ));
            }
            state = self
                .control
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
        let workers = self.control.workers;
        let target: Vec<usize> = target.iter().map(|p| (*p).clamp(1, workers)).collect();
        let (generation, table) = {
            let state = self.control.lock();
            if state.closed_at.is_some() {
                return Err("the job has ended".into());
            }
            (
                state.plans.len() - 1,
                Arc::clone(&state.plans.last().unwrap().parallelism),
            )
        };
        let current = table.current();
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
            for (i, p) in target.iter().enumerate() {
                table.set(i, *p);
            }
            return Ok(Change::InPlace);
        }
        let stop_requested = Instant::now();
        let clock = &self.control.clock;
        let boundary = clock.request_stop(generation);
        clock.open_generation(generation + 1, boundary);
        {
            let mut state = self.control.lock();
            if state.closed_at.is_some() {
                return Err("the job ended during the restart".into());
            }
            state.plans.push(Plan {
                start_epoch: boundary,
                parallelism: Arc::new(ParallelismTable::new(&target, workers)),
            });
            self.control.changed.notify_all();
        }
        let running = self.wait_running(generation + 1, timeout)?;
        Ok(Change::Restart {
            generation: generation + 1,
            boundary,
            downtime: running.saturating_duration_since(stop_requested),
        })
    }

    /// Stops the sources at the next epoch boundary, lets the dataflow
    /// drain, and joins the workers.
    pub fn finish(self) -> Result<JobOutcome, String> {
        {
            let _serial = self.changing.lock().unwrap_or_else(|p| p.into_inner());
            let mut state = self.control.lock();
            let generation = state.plans.len() - 1;
            if state.closed_at.is_none() {
                state.closed_at = Some(state.plans.len());
            }
            drop(state);
            self.control.clock.request_stop(generation);
            self.control.changed.notify_all();
        }
        self.join()
    }

    /// Waits for a finite job to end by itself, and joins the workers.
    pub fn join(self) -> Result<JobOutcome, String> {
        let generations = self.control.lock().plans.len();
        for result in self.guards.join() {
            result??;
        }
        let leftover_state = self.savepoint.remaining();
        self.savepoint.clear();
        Ok(JobOutcome {
            generations,
            emitted_records: self.control.clock.emitted(),
            committed_results: self.sink.records(),
            results_checksum: self.sink.checksum(),
            leftover_state,
        })
    }
}
