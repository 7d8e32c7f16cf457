//! The control plane of a job: a small Timely dataflow (dataflow 0, built by
//! every worker before the first generation) that carries `Message`s between
//! the workers of every process over Timely's own connections, so a job of
//! several processes (`-n`, host file) needs no other channel. Global
//! worker 0 (process 0) coordinates (`coordinator`); every worker handles
//! the messages addressed to it against its process's `Process` state.
//!
//! The control dataflow's timestamps are `generation << 32 | sequence`: a
//! worker sends at its current generation, advancing the sequence with each
//! flush (Timely's exchange sends buffered records only when an input's
//! epoch closes), and advances to the next generation once its generation
//! has ended and it has shipped its exported state. When the control
//! frontier has passed generation g on a worker, every worker has ended g
//! and every message of g (stop decision, state entries) has been handled:
//! the barrier before generation g + 1 is built.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::{Input, Probe};
use timely::dataflow::{InputHandle, ProbeHandle};
use timely::worker::Worker;

use crate::parallelism::ParallelismTable;
use crate::savepoint::{Savepoint, StateEntry};
use crate::source::SourceClock;
use crate::telemetry::Counters;

/// Where a process sits in the job: `processes` processes of `threads`
/// workers each; global worker `process * threads + t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub process: usize,
    pub processes: usize,
    pub threads: usize,
}

impl Layout {
    pub fn single(threads: usize) -> Self {
        Layout {
            process: 0,
            processes: 1,
            threads,
        }
    }

    /// Workers over every process.
    pub fn peers(&self) -> usize {
        self.processes * self.threads
    }

    /// Global index of this process's first worker.
    pub fn first_worker(&self) -> usize {
        self.process * self.threads
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Message {
    /// Coordinator to all: stop starting epochs of `generation`, report
    /// the latest one started.
    Pause { generation: usize },
    /// Worker to coordinator: the latest epoch its process's sources
    /// started in `generation` (None: none yet).
    Started {
        generation: usize,
        max_epoch: Option<u64>,
    },
    /// Coordinator to all: `generation` stops at `boundary`; the next
    /// generation runs with `next` (None: the job ends).
    Stop {
        generation: usize,
        boundary: u64,
        next: Option<Vec<usize>>,
    },
    /// Coordinator to all: stateless operators' new parallelism.
    InPlace {
        generation: usize,
        parallelism: Vec<usize>,
    },
    /// Exported state, to the worker that owns it next.
    State(StateEntry),
    /// A process's telemetry, to the coordinator.
    Report(ProcessReport),
}

/// A message and the global index of the worker it is for.
pub type Envelope = (usize, Message);

/// What a process tells the coordinator for the agent's snapshots.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessReport {
    pub process: usize,
    pub counters: Counters,
    /// Records held in each operator's input queues.
    pub held: Vec<i64>,
    pub emitted: u64,
}

#[derive(Clone)]
pub struct Plan {
    pub start_epoch: u64,
    pub parallelism: Arc<ParallelismTable>,
}

/// A change the agent asks the coordinator for.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    InPlace(Vec<usize>),
    Restart(Vec<usize>),
    Finish,
}

/// The coordinator's answer to a `Request`.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    InPlace,
    /// `generation` stops at `boundary`; whether a next generation follows.
    Stopped {
        generation: usize,
        boundary: u64,
        restarts: bool,
    },
}

#[derive(Default)]
pub struct ProcessState {
    /// The plan of every generation decided so far.
    pub plans: Vec<Plan>,
    /// Generation -> the next generation's parallelism, once decided.
    pub decisions: HashMap<usize, Option<Vec<usize>>>,
    /// The job has ended (no more generations).
    pub closed: bool,
    pub built: HashMap<usize, usize>,
    pub running_since: HashMap<usize, Instant>,
    /// Coordinator only: the agent's pending request and its answer.
    pub request: Option<Request>,
    pub answer: Option<Result<Answer, String>>,
    /// Coordinator only: (replies, latest epoch) per paused generation.
    pub started: HashMap<usize, (usize, Option<u64>)>,
    /// Coordinator only: the latest report of every other process.
    pub reports: HashMap<usize, ProcessReport>,
}

/// State shared by the workers (and the agent) of one process.
pub struct Process {
    pub layout: Layout,
    pub clock: Arc<SourceClock>,
    pub savepoint: Arc<Savepoint>,
    state: Mutex<ProcessState>,
    pub changed: Condvar,
}

impl Process {
    /// A process about to start generation 0 with `initial` parallelism.
    pub fn new(layout: Layout, clock: Arc<SourceClock>, initial: &[usize]) -> Self {
        clock.open_generation(0);
        let state = ProcessState {
            plans: vec![Plan {
                start_epoch: 0,
                parallelism: Arc::new(ParallelismTable::new(initial, layout.peers())),
            }],
            ..ProcessState::default()
        };
        Process {
            layout,
            clock,
            savepoint: Arc::new(Savepoint::new()),
            state: Mutex::new(state),
            changed: Condvar::new(),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, ProcessState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn plan(&self, generation: usize) -> Option<Plan> {
        self.lock().plans.get(generation).cloned()
    }

    /// The next generation's parallelism once `generation`'s stop is
    /// decided (None inside: the job ends).
    pub fn decision(&self, generation: usize) -> Option<Option<Vec<usize>>> {
        self.lock().decisions.get(&generation).cloned()
    }

    pub fn mark_built(&self, generation: usize) {
        let mut state = self.lock();
        let built = state.built.entry(generation).or_default();
        *built += 1;
        if *built == self.layout.threads {
            state.running_since.insert(generation, Instant::now());
            self.changed.notify_all();
        }
    }

    /// Handles `message` addressed to a worker of this process; replies go
    /// into `outbox`.
    pub fn handle(&self, message: Message, outbox: &mut Vec<Envelope>) {
        match message {
            Message::Pause { generation } => {
                let max_epoch = self.clock.pause(generation);
                outbox.push((
                    0,
                    Message::Started {
                        generation,
                        max_epoch,
                    },
                ));
            }
            Message::Started {
                generation,
                max_epoch,
            } => {
                let mut state = self.lock();
                let entry = state.started.entry(generation).or_default();
                entry.0 += 1;
                entry.1 = entry.1.max(max_epoch);
            }
            Message::Stop {
                generation,
                boundary,
                next,
            } => {
                self.clock.set_stop(generation, boundary);
                self.decide(generation, boundary, next);
            }
            Message::InPlace {
                generation,
                parallelism,
            } => {
                if let Some(plan) = self.lock().plans.get(generation) {
                    for (op, p) in parallelism.iter().enumerate() {
                        plan.parallelism.set(op, *p);
                    }
                }
            }
            Message::State(entry) => self.savepoint.receive(entry),
            Message::Report(report) => {
                self.lock().reports.insert(report.process, report);
            }
        }
    }

    /// Records `generation`'s stop decision (once per process, though every
    /// worker receives it).
    fn decide(&self, generation: usize, boundary: u64, next: Option<Vec<usize>>) {
        let mut state = self.lock();
        if state.decisions.contains_key(&generation) {
            return;
        }
        match &next {
            Some(parallelism) => {
                state.plans.push(Plan {
                    start_epoch: boundary,
                    parallelism: Arc::new(ParallelismTable::new(parallelism, self.layout.peers())),
                });
                self.clock.open_generation(generation + 1);
            }
            None => state.closed = true,
        }
        state.decisions.insert(generation, next);
        self.changed.notify_all();
    }
}

/// One worker's end of the control plane.
/// The first control timestamp of `generation`.
fn generation_start(generation: usize) -> u64 {
    (generation as u64) << 32
}

pub struct ControlPort {
    input: InputHandle<u64, CapacityContainerBuilder<Vec<Envelope>>>,
    /// The timestamp messages are sent at.
    now: u64,
    probe: ProbeHandle<u64>,
    outbox: Rc<RefCell<Vec<Envelope>>>,
    peers: usize,
}

impl ControlPort {
    /// Builds the control dataflow on `worker` (its first dataflow).
    pub fn build(worker: &mut Worker, process: Arc<Process>) -> Self {
        let mut input = InputHandle::new();
        let probe = ProbeHandle::new();
        let outbox = Rc::new(RefCell::new(Vec::new()));
        let replies = Rc::clone(&outbox);
        worker.dataflow::<u64, _, _>(|scope| {
            scope
                .input_from(&mut input)
                .unary::<CapacityContainerBuilder<Vec<()>>, _, _, _>(
                    Exchange::new(|(to, _): &Envelope| *to as u64),
                    "control",
                    move |_, _| {
                        move |input, _output| {
                            input.for_each(|_, data| {
                                let mut replies = replies.borrow_mut();
                                for (_, message) in data.drain(..) {
                                    process.handle(message, &mut replies);
                                }
                            });
                        }
                    },
                )
                .probe_with(&probe);
        });
        ControlPort {
            input,
            now: 0,
            probe,
            outbox,
            peers: worker.peers(),
        }
    }

    pub fn send(&self, to: usize, message: Message) {
        self.outbox.borrow_mut().push((to, message));
    }

    pub fn broadcast(&self, message: Message) {
        let mut outbox = self.outbox.borrow_mut();
        for to in 0..self.peers {
            outbox.push((to, message.clone()));
        }
    }

    /// Sends what was queued (by this worker or its handler).
    pub fn flush(&mut self) {
        let queued = std::mem::take(&mut *self.outbox.borrow_mut());
        if queued.is_empty() {
            return;
        }
        for envelope in queued {
            self.input.send(envelope);
        }
        self.now += 1;
        self.input.advance_to(self.now);
    }

    /// Done with `generation`: flushes and moves on to the next.
    pub fn advance_past(&mut self, generation: usize) {
        self.flush();
        self.now = generation_start(generation + 1);
        self.input.advance_to(self.now);
    }

    /// Whether every worker has advanced past `generation` and every
    /// message of it has been handled.
    pub fn passed(&self, generation: usize) -> bool {
        !self.probe.less_than(&generation_start(generation + 1))
    }
}
