//! What a query sees while one worker builds one generation of its
//! dataflow: the `Query` trait the runner builds, and the `BuildContext`
//! with the generation's parallelism, routers, sources and state.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use timely::dataflow::{ProbeHandle, Scope};

use crate::control::Process;
use crate::pacing::WorkMeter;
use crate::parallelism::{instance_for, ParallelismTable, Router};
use crate::queue::{InputQueue, QueueGauges};
use crate::savepoint::Savepoint;
use crate::sink::SinkStats;
use crate::source::{SourceInstance, SourceSettings};
use crate::spec::JobSpec;

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
    /// This worker's global index (instance `i` of an operator runs on
    /// global worker `i`).
    pub worker: usize,
    /// Workers over every process.
    pub workers: usize,
    pub generation: usize,
    pub start_epoch: u64,
    pub(crate) spec: Arc<JobSpec>,
    pub(crate) parallelism: Arc<ParallelismTable>,
    pub(crate) costs: Arc<Vec<Duration>>,
    pub(crate) process: Arc<Process>,
    pub(crate) sink: Arc<SinkStats>,
    pub(crate) gauges: Arc<QueueGauges>,
    pub(crate) probe: ProbeHandle<u64>,
    pub(crate) sources_done: ProbeHandle<u64>,
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
            clock: Arc::clone(&self.process.clock),
            generation: self.generation,
            instance: (self.worker < parallelism).then_some(self.worker),
            parallelism,
            start_epoch: self.start_epoch,
            probe: self.probe.clone(),
            sources_done: self.sources_done.clone(),
            meter: self.meter(name),
        }
    }

    /// The epoch at which this generation's input stops, once the
    /// coordinator's decision has reached this process. Keyed operators
    /// call it once their input is exhausted (and wait while it is None):
    /// results for times before it are complete, later state is exported.
    pub fn stop_boundary(&self) -> impl Fn() -> Option<u64> + 'static {
        let clock = Arc::clone(&self.process.clock);
        let generation = self.generation;
        move || clock.stop_boundary(generation)
    }

    pub fn savepoint(&self) -> Arc<Savepoint> {
        Arc::clone(&self.process.savepoint)
    }

    /// The state of `name`'s part `part` that this worker's instance owns
    /// in this generation (exported by the previous one, in any process).
    pub fn import<E: DeserializeOwned>(&self, name: &str, part: &str) -> Vec<E> {
        let parallelism = self.parallelism(name);
        self.process
            .savepoint
            .import(part, |key| instance_for(key, parallelism) == self.worker)
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
        self.process.clock.settings()
    }

    /// The number of epochs spanning `seconds` of input (at least one).
    pub fn epochs_for(&self, seconds: f64) -> u64 {
        let settings = self.process.clock.settings();
        let epoch_s = settings.epoch_records as f64 / settings.rate;
        ((seconds / epoch_s).round() as u64).max(1)
    }
}
