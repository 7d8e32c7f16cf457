//! What every Timely worker of a job runs: the control dataflow first, then
//! one dataflow per generation. Between steps it drives its part of the
//! restart protocol: once its generation has ended and the coordinator's
//! stop decision has reached its process, it ships the state its process
//! exported to the owners under the next plan, advances its control input,
//! and builds the next generation once every worker has done the same (the
//! control frontier is the barrier). Global worker 0 also runs the
//! coordinator; the first worker of every other process reports its
//! process's telemetry to it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use timely::dataflow::ProbeHandle;
use timely::worker::Worker;

use crate::context::{BuildContext, Query};
use crate::control::{ControlPort, Message, Plan, Process, ProcessReport};
use crate::coordinator::Coordinator;
use crate::parallelism::instance_for;
use crate::queue::QueueGauges;
use crate::sink::SinkStats;
use crate::spec::JobSpec;
use crate::telemetry::Telemetry;

/// How often a process other than 0 reports its telemetry.
const REPORT_INTERVAL: Duration = Duration::from_millis(100);

/// Longest a worker parks between steps (bounds the control latency).
const PARK: Duration = Duration::from_millis(5);

/// Everything a worker shares with its process.
pub struct WorkerShared {
    pub query: Arc<dyn Query>,
    pub spec: Arc<JobSpec>,
    pub costs: Arc<Vec<Duration>>,
    pub process: Arc<Process>,
    pub telemetry: Arc<Telemetry>,
    pub sink: Arc<SinkStats>,
    pub gauges: Arc<QueueGauges>,
}

enum Phase {
    Running,
    /// The generation's dataflow has ended here; waiting for the decision.
    Ended,
    /// State shipped, control input advanced; waiting for every worker.
    Barrier {
        restarts: bool,
    },
}

/// The dataflow index of `generation` (dataflow 0 is the control plane).
pub fn dataflow_index(generation: usize) -> usize {
    generation + 1
}

/// Runs the worker until the job ends.
pub fn run_worker(worker: &mut Worker, shared: &WorkerShared) -> Result<(), String> {
    shared.telemetry.register(worker)?;
    let process = &shared.process;
    let mut port = ControlPort::build(worker, Arc::clone(process));
    let mut coordinator = (worker.index() == 0).then(Coordinator::new);
    let layout = process.layout;
    let reports =
        layout.processes > 1 && layout.process > 0 && worker.index() == layout.first_worker();
    let mut next_report = Instant::now();
    let mut generation = 0;
    let mut sources_done = build(worker, shared, generation)?;
    let mut phase = Phase::Running;
    loop {
        worker.step_or_park(Some(PARK));
        if let Some(coordinator) = coordinator.as_mut() {
            coordinator.poll(process, generation, sources_done.done(), &port);
        }
        if reports && Instant::now() >= next_report {
            port.send(0, Message::Report(report(shared)));
            next_report = Instant::now() + REPORT_INTERVAL;
        }
        match phase {
            Phase::Running => {
                if !worker
                    .installed_dataflows()
                    .contains(&dataflow_index(generation))
                {
                    phase = Phase::Ended;
                }
            }
            Phase::Ended => {
                if let Some(next) = process.decision(generation) {
                    if next.is_some() {
                        ship_state(shared, generation + 1, &port)?;
                    } else if reports {
                        port.send(0, Message::Report(report(shared)));
                    }
                    port.advance_past(generation);
                    phase = Phase::Barrier {
                        restarts: next.is_some(),
                    };
                }
            }
            Phase::Barrier { restarts } => {
                if !restarts {
                    break;
                }
                if port.passed(generation) {
                    generation += 1;
                    sources_done = build(worker, shared, generation)?;
                    phase = Phase::Running;
                }
            }
        }
        port.flush();
    }
    Ok(())
}

/// Builds `generation`'s dataflow on `worker`; returns the probe of its
/// sources' output.
fn build(
    worker: &mut Worker,
    shared: &WorkerShared,
    generation: usize,
) -> Result<ProbeHandle<u64>, String> {
    let Plan {
        start_epoch,
        parallelism,
    } = shared
        .process
        .plan(generation)
        .ok_or_else(|| format!("no plan for generation {generation}"))?;
    if worker.next_dataflow_index() != dataflow_index(generation) {
        return Err(format!(
            "worker {} is about to build dataflow {} for generation {generation}",
            worker.index(),
            worker.next_dataflow_index()
        ));
    }
    let sources_done = ProbeHandle::new();
    let ctx = BuildContext {
        worker: worker.index(),
        workers: worker.peers(),
        generation,
        start_epoch,
        spec: Arc::clone(&shared.spec),
        parallelism,
        costs: Arc::clone(&shared.costs),
        process: Arc::clone(&shared.process),
        sink: Arc::clone(&shared.sink),
        gauges: Arc::clone(&shared.gauges),
        probe: ProbeHandle::new(),
        sources_done: sources_done.clone(),
    };
    worker.dataflow::<u64, _, _>(|scope| shared.query.build(scope, &ctx));
    shared.process.mark_built(generation);
    Ok(sources_done)
}

/// Sends the state this process exported to its owners in `generation`.
fn ship_state(shared: &WorkerShared, generation: usize, port: &ControlPort) -> Result<(), String> {
    let plan = shared
        .process
        .plan(generation)
        .ok_or_else(|| format!("no plan for generation {generation}"))?;
    for entry in shared.process.savepoint.take_exported() {
        let op = shared
            .spec
            .index_of(&entry.op)
            .ok_or_else(|| format!("state of undeclared operator {}", entry.op))?;
        let owner = instance_for(entry.key, plan.parallelism.get(op));
        port.send(owner, Message::State(entry));
    }
    Ok(())
}

fn report(shared: &WorkerShared) -> ProcessReport {
    ProcessReport {
        process: shared.process.layout.process,
        counters: shared.telemetry.read(),
        held: shared.gauges.read(),
        emitted: shared.process.clock.emitted(),
    }
}
