//! Metrics from the `"timely"` logger: registered on every worker before any
//! dataflow is built, it aggregates inside the callback (schedule events are
//! high-volume) into per-worker cumulative counters: busy time per operator
//! (from `Schedule` start/stop pairs) and records sent and received per
//! channel (from `Messages`). Worker 0's `Operates` and `Channels` events
//! record the topology (addresses and channel endpoints are the same on
//! every worker; the worker-local ids are not). Readers take a consistent
//! copy with `read`. One `Telemetry` per process covers that process's
//! workers; counters are keyed by global worker index, so the coordinator
//! can merge every process's reports (`Counters::merge`). Thread-safe.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use timely::logging::{StartStop, TimelyEvent, TimelyEventBuilder};
use timely::worker::Worker;

/// An operator inside a dataflow: (dataflow index, operator index within the
/// dataflow's scope). Index 0 is the scope's own boundary.
pub type OpAddr = (usize, usize);

/// A channel inside a dataflow, by its endpoints: `(operator index, port)`.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChannelKey {
    pub dataflow: usize,
    pub source: (usize, usize),
    pub target: (usize, usize),
}

/// Operators (by address, with their names) and channels of every dataflow
/// built so far.
#[derive(Clone, Debug, Default)]
pub struct Topology {
    pub operators: BTreeMap<OpAddr, String>,
    pub channels: Vec<ChannelKey>,
}

/// Cumulative counters since the process started, summed over workers
/// except busy time, which stays per worker (instances differ).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Counters {
    /// Busy nanoseconds per (worker, operator).
    pub busy_ns: HashMap<(usize, OpAddr), u64>,
    /// Records pushed into each channel by its senders.
    pub sent: HashMap<ChannelKey, i64>,
    /// Records pulled from each channel by its receivers.
    pub received: HashMap<ChannelKey, i64>,
}

impl Counters {
    /// Adds another process's counters (its workers' busy times are
    /// disjoint from ours; channel counts add up).
    pub fn merge(&mut self, other: &Counters) {
        self.busy_ns
            .extend(other.busy_ns.iter().map(|(k, v)| (*k, *v)));
        for (key, n) in &other.sent {
            *self.sent.entry(*key).or_default() += n;
        }
        for (key, n) in &other.received {
            *self.received.entry(*key).or_default() += n;
        }
    }
}

#[derive(Default)]
struct WorkerCounters {
    busy_ns: HashMap<OpAddr, u64>,
    sent: HashMap<ChannelKey, i64>,
    received: HashMap<ChannelKey, i64>,
}

/// Shared sink of every worker's log callback.
pub struct Telemetry {
    /// Global index of this process's first worker.
    first_worker: usize,
    workers: Vec<Mutex<WorkerCounters>>,
    topology: Mutex<Topology>,
}

/// What one worker's callback remembers between batches: its own ids.
#[derive(Default)]
struct WorkerLogState {
    operators: HashMap<usize, OpAddr>,
    channels: HashMap<usize, ChannelKey>,
    running_since: HashMap<usize, Duration>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking worker already fails the run; its counters stay readable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Telemetry {
    /// Telemetry for the `workers` workers of a process whose first worker
    /// has global index `first_worker`.
    pub fn new(first_worker: usize, workers: usize) -> Arc<Self> {
        Arc::new(Telemetry {
            first_worker,
            workers: (0..workers).map(|_| Mutex::default()).collect(),
            topology: Mutex::default(),
        })
    }

    /// Registers the `"timely"` logger on `worker`. Call before the worker
    /// builds its first dataflow, or that dataflow's operators are unknown.
    pub fn register(self: &Arc<Self>, worker: &mut Worker) -> Result<(), String> {
        let index = worker.index();
        let Some(local) = index
            .checked_sub(self.first_worker)
            .filter(|l| *l < self.workers.len())
        else {
            return Err(format!(
                "worker {index} is not one of the {} workers from {} telemetry was created for",
                self.workers.len(),
                self.first_worker
            ));
        };
        let telemetry = Arc::clone(self);
        let mut state = WorkerLogState::default();
        let mut registry = worker
            .log_register()
            .ok_or("this Timely worker has no log registry")?;
        registry.insert::<TimelyEventBuilder, _>("timely", move |_time, data| {
            if let Some(events) = data {
                telemetry.absorb(local, index == 0, &mut state, events);
            }
        });
        Ok(())
    }

    /// Absorbs a batch of events of local worker `worker`; global worker 0
    /// also records the topology.
    fn absorb(
        &self,
        worker: usize,
        records_topology: bool,
        state: &mut WorkerLogState,
        events: &mut Vec<(Duration, TimelyEvent)>,
    ) {
        let mut counters = lock(&self.workers[worker]);
        for (time, event) in events.drain(..) {
            match event {
                // Operators directly inside a dataflow (not the dataflow
                // itself, nor operators of nested scopes).
                TimelyEvent::Operates(op) if op.addr.len() == 2 => {
                    let addr = (op.addr[0], op.addr[1]);
                    state.operators.insert(op.id, addr);
                    if records_topology {
                        lock(&self.topology).operators.insert(addr, op.name);
                    }
                }
                TimelyEvent::Channels(channel) if channel.scope_addr.len() == 1 => {
                    let key = ChannelKey {
                        dataflow: channel.scope_addr[0],
                        source: channel.source,
                        target: channel.target,
                    };
                    state.channels.insert(channel.id, key);
                    if records_topology {
                        lock(&self.topology).channels.push(key);
                    }
                }
                TimelyEvent::Schedule(schedule) => match schedule.start_stop {
                    StartStop::Start => {
                        state.running_since.insert(schedule.id, time);
                    }
                    StartStop::Stop => {
                        let started = state.running_since.remove(&schedule.id);
                        if let (Some(started), Some(addr)) =
                            (started, state.operators.get(&schedule.id))
                        {
                            *counters.busy_ns.entry(*addr).or_default() +=
                                time.saturating_sub(started).as_nanos() as u64;
                        }
                    }
                },
                TimelyEvent::Messages(message) => {
                    if let Some(key) = state.channels.get(&message.channel) {
                        let table = if message.is_send {
                            &mut counters.sent
                        } else {
                            &mut counters.received
                        };
                        *table.entry(*key).or_default() += message.record_count;
                    }
                }
                TimelyEvent::Shutdown(shutdown) => {
                    state.running_since.remove(&shutdown.id);
                }
                _ => {}
            }
        }
    }

    /// A copy of every worker's cumulative counters.
    pub fn read(&self) -> Counters {
        let mut out = Counters::default();
        for (local, counters) in self.workers.iter().enumerate() {
            let counters = lock(counters);
            for (addr, ns) in &counters.busy_ns {
                out.busy_ns.insert((self.first_worker + local, *addr), *ns);
            }
            for (key, n) in &counters.sent {
                *out.sent.entry(*key).or_default() += n;
            }
            for (key, n) in &counters.received {
                *out.received.entry(*key).or_default() += n;
            }
        }
        out
    }

    /// The operators and channels logged so far.
    pub fn topology(&self) -> Topology {
        lock(&self.topology).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use timely::container::CapacityContainerBuilder;
    use timely::dataflow::channels::pact::Exchange;
    use timely::dataflow::operators::generic::Operator;
    use timely::dataflow::operators::{Input, Probe};
    use timely::dataflow::{InputHandle, ProbeHandle};

    /// A real two-worker Timely run: the counters must see every record the
    /// exchange carried, on both the send and the receive side, and busy
    /// time for the named operator on both workers.
    #[test]
    fn counts_records_and_busy_time_of_a_real_dataflow() {
        let telemetry = Telemetry::new(0, 2);
        let shared = Arc::clone(&telemetry);
        timely::execute(timely::Config::process(2), move |worker| {
            shared.register(worker).unwrap();
            let mut input = InputHandle::<u64, CapacityContainerBuilder<Vec<u64>>>::new();
            let probe = ProbeHandle::new();
            worker.dataflow::<u64, _, _>(|scope| {
                scope
                    .input_from(&mut input)
                    .unary::<CapacityContainerBuilder<Vec<u64>>, _, _, _>(
                        Exchange::new(|x: &u64| *x),
                        "Spin",
                        |_, _| {
                            |input, output| {
                                input.for_each(|cap, data| {
                                    std::thread::sleep(Duration::from_millis(2));
                                    output.session(&cap).give_container(data);
                                });
                            }
                        },
                    )
                    .probe_with(&probe);
            });
            for round in 0..5u64 {
                for x in 0..100u64 {
                    input.send(x + round);
                }
                input.advance_to(round + 1);
                while probe.less_than(input.time()) {
                    worker.step();
                }
            }
        })
        .unwrap();

        let topology = telemetry.topology();
        let spin = topology
            .operators
            .iter()
            .find(|(_, name)| name.as_str() == "Spin")
            .map(|(addr, _)| *addr)
            .expect("Spin operator logged");
        let into_spin: Vec<_> = topology
            .channels
            .iter()
            .filter(|c| c.dataflow == spin.0 && c.target.0 == spin.1)
            .copied()
            .collect();
        assert_eq!(into_spin.len(), 1, "{topology:?}");
        let counters = telemetry.read();
        // Each of the two workers sends 5 rounds of 100 records.
        assert_eq!(counters.sent[&into_spin[0]], 1000);
        assert_eq!(counters.received[&into_spin[0]], 1000);
        for worker in 0..2 {
            let busy = counters.busy_ns.get(&(worker, spin)).copied().unwrap_or(0);
            assert!(busy >= 2_000_000, "worker {worker} busy {busy} ns");
        }
    }
}
