//! A rate-controlled, replayable source. Record `i` of a deterministic
//! generator is due `i / rate` seconds after the job started (its first
//! look at the schedule, once every process is connected) and belongs to
//! epoch `i / epoch_records` (the Timely timestamp). Instance `j` of `p`
//! emits the records `i ≡ j (mod p)`. Records due but not emitted are the
//! source's backlog. Flow control: an instance starts epoch `e` only once
//! the dataflow's output frontier has reached `e - max_inflight_epochs`, so
//! a slow operator makes the backlog grow instead of unbounded queues.
//!
//! The epoch gate makes every instance, in every process, stop at the same
//! boundary: the coordinator pauses every process's gate (no instance
//! starts a new epoch), learns the latest epoch any instance started, and
//! sets the boundary just after it; every instance still completes all
//! epochs before it, and the next generation resumes at the boundary's
//! offset, so no record is lost or emitted twice. Each process has its own
//! clock; the schedule is anchored at that process's start.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use timely::container::CapacityContainerBuilder;
use timely::dataflow::operators::generic::operator;
use timely::dataflow::operators::Probe;
use timely::dataflow::{ProbeHandle, Scope, StreamVec};

use crate::pacing::WorkMeter;

/// How a job's sources produce records.
#[derive(Clone, Debug)]
pub struct SourceSettings {
    /// Records per second over all instances.
    pub rate: f64,
    /// Records per epoch (Timely timestamp).
    pub epoch_records: u64,
    /// Epochs an instance may run ahead of the dataflow's output frontier.
    pub max_inflight_epochs: u64,
    /// The job ends after this many records (None: runs until stopped).
    pub end_records: Option<u64>,
}

/// Records emitted in one activation at most, so that a source catching up
/// a backlog does not monopolise its worker.
const MAX_RECORDS_PER_ACTIVATION: u64 = 4096;

#[derive(Debug, Default)]
struct GenerationGate {
    started_max: Option<u64>,
    paused: bool,
    stop_at: Option<u64>,
}

/// Whether a source instance may start an epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpochGate {
    Start,
    /// The generation is paused while the coordinator picks its boundary.
    Wait,
    /// The generation stops before this epoch.
    Stop,
}

/// Shared by the controller and every source instance of a job.
#[derive(Debug)]
pub struct SourceClock {
    settings: SourceSettings,
    /// The schedule's anchor, set at the first look at it.
    started: OnceLock<Instant>,
    emitted: AtomicU64,
    gates: Mutex<HashMap<usize, GenerationGate>>,
}

impl SourceClock {
    pub fn new(settings: SourceSettings) -> Arc<Self> {
        assert!(settings.rate > 0.0 && settings.epoch_records > 0);
        Arc::new(SourceClock {
            settings,
            started: OnceLock::new(),
            emitted: AtomicU64::new(0),
            gates: Mutex::default(),
        })
    }

    pub fn settings(&self) -> &SourceSettings {
        &self.settings
    }

    fn gates(&self) -> MutexGuard<'_, HashMap<usize, GenerationGate>> {
        self.gates.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn anchor(&self) -> Instant {
        *self.started.get_or_init(Instant::now)
    }

    /// Records due by `now` (the schedule is anchored at the job's start).
    pub fn due_records(&self, now: Instant) -> u64 {
        let due = (now.saturating_duration_since(self.anchor()).as_secs_f64() * self.settings.rate)
            as u64;
        self.settings.end_records.map_or(due, |end| due.min(end))
    }

    /// Time until record `index` is due, zero when it already is.
    pub fn until_due(&self, index: u64, now: Instant) -> Duration {
        let at = self.anchor() + Duration::from_secs_f64(index as f64 / self.settings.rate);
        at.saturating_duration_since(now)
    }

    /// Records emitted so far by this process's instances.
    pub fn emitted(&self) -> u64 {
        self.emitted.load(Ordering::Relaxed)
    }

    /// The epoch after the last record of a finite job.
    pub fn end_epoch(&self) -> Option<u64> {
        self.settings
            .end_records
            .map(|end| end.div_ceil(self.settings.epoch_records))
    }

    /// Opens generation `generation` (keeps a pause or stop that arrived
    /// before it).
    pub fn open_generation(&self, generation: usize) {
        self.gates().entry(generation).or_default();
    }

    /// Called by an instance before it emits anything of epoch `epoch`.
    pub fn try_start_epoch(&self, generation: usize, epoch: u64) -> EpochGate {
        if self.end_epoch().is_some_and(|end| epoch >= end) {
            return EpochGate::Stop;
        }
        let mut gates = self.gates();
        let Some(gate) = gates.get_mut(&generation) else {
            return EpochGate::Stop;
        };
        if gate.stop_at.is_some_and(|stop| epoch >= stop) {
            return EpochGate::Stop;
        }
        if gate.stop_at.is_none() && gate.paused {
            return EpochGate::Wait;
        }
        gate.started_max = Some(gate.started_max.map_or(epoch, |m| m.max(epoch)));
        EpochGate::Start
    }

    /// Pauses `generation` (no instance of this process starts a new epoch
    /// until `set_stop`); returns the latest epoch one started.
    pub fn pause(&self, generation: usize) -> Option<u64> {
        let mut gates = self.gates();
        let gate = gates.entry(generation).or_default();
        gate.paused = true;
        gate.started_max
    }

    /// Stops `generation` at `boundary`: epochs before it run to the end,
    /// none after it starts. The first boundary set stays.
    pub fn set_stop(&self, generation: usize, boundary: u64) {
        let mut gates = self.gates();
        let gate = gates.entry(generation).or_default();
        gate.stop_at.get_or_insert(boundary);
        gate.paused = false;
    }

    /// Where `generation` stops, once the coordinator has decided it (at a
    /// restart, a finish, or the end of a finite job's input).
    pub fn stop_boundary(&self, generation: usize) -> Option<u64> {
        self.gates().get(&generation).and_then(|g| g.stop_at)
    }

    fn add_emitted(&self, records: u64) {
        self.emitted.fetch_add(records, Ordering::Relaxed);
    }
}

/// One source instance's place in a generation.
pub struct SourceInstance {
    pub clock: Arc<SourceClock>,
    pub generation: usize,
    /// This worker's instance index, None beyond the source's parallelism.
    pub instance: Option<usize>,
    pub parallelism: usize,
    pub start_epoch: u64,
    /// The probe at the end of the dataflow (flow control).
    pub probe: ProbeHandle<u64>,
    /// Probes the sources' output: done once every instance of every
    /// source, in every process, has stopped.
    pub sources_done: ProbeHandle<u64>,
    pub meter: WorkMeter,
}

impl SourceInstance {
    /// The first record this instance emits (None beyond the source's
    /// parallelism): the first index at or after the start epoch's offset
    /// that is congruent to the instance index.
    pub fn first_index(&self) -> Option<u64> {
        let p = self.parallelism.max(1) as u64;
        let first = self.start_epoch * self.clock.settings().epoch_records;
        self.instance
            .map(|j| first + (j as u64 % p + p - first % p) % p)
    }
}

enum Next {
    /// Wait for records to fall due, for the frontier, or for a turn.
    Wait(Duration),
    Stop,
}

/// Builds the source operator `name`: `generate(i)` makes record `i`.
pub fn rate_source<'scope, D, G>(
    scope: Scope<'scope, u64>,
    name: &str,
    source: SourceInstance,
    mut generate: G,
) -> StreamVec<'scope, u64, D>
where
    D: Clone + 'static,
    G: FnMut(u64) -> D + 'static,
{
    let first_index = source.first_index();
    let sources_done = source.sources_done.clone();
    let stream = operator::source::<_, CapacityContainerBuilder<Vec<D>>, _, _>(
        scope,
        name,
        move |capability, info| {
            let activator = scope.activator_for(info.address);
            let SourceInstance {
                clock,
                generation,
                instance,
                parallelism,
                start_epoch,
                probe,
                sources_done: _,
                mut meter,
            } = source;
            let settings = clock.settings().clone();
            let p = parallelism.max(1) as u64;
            let mut capability = instance.map(|_| capability.delayed(&start_epoch));
            let mut next = first_index.unwrap_or(0);
            let end = settings.end_records.unwrap_or(u64::MAX);
            let mut epoch_open = false;
            move |output| {
                let Some(cap) = capability.as_mut() else {
                    return;
                };
                let now = Instant::now();
                let due = clock.due_records(now);
                let mut emitted = 0u64;
                let allowance = MAX_RECORDS_PER_ACTIVATION.min(meter.budget() as u64);
                let next_step = loop {
                    let epoch = *cap.time();
                    if !epoch_open {
                        let inflight_floor = epoch.saturating_sub(settings.max_inflight_epochs);
                        if epoch > settings.max_inflight_epochs && probe.less_than(&inflight_floor)
                        {
                            break Next::Wait(Duration::from_millis(1));
                        }
                        match clock.try_start_epoch(generation, epoch) {
                            EpochGate::Start => {}
                            EpochGate::Wait => break Next::Wait(Duration::from_millis(1)),
                            EpochGate::Stop => break Next::Stop,
                        }
                        epoch_open = true;
                    }
                    let epoch_end = ((epoch + 1) * settings.epoch_records).min(end);
                    let limit = epoch_end.min(due);
                    {
                        let mut session = output.session(&*cap);
                        while next < limit && emitted < allowance {
                            session.give(generate(next));
                            next += p;
                            emitted += 1;
                        }
                    }
                    if next >= epoch_end {
                        if epoch_end >= end {
                            break Next::Stop;
                        }
                        cap.downgrade(&(epoch + 1));
                        epoch_open = false;
                        continue;
                    }
                    if emitted >= allowance {
                        break Next::Wait(Duration::ZERO);
                    }
                    break Next::Wait(clock.until_due(next, now).max(Duration::from_micros(200)));
                };
                clock.add_emitted(emitted);
                meter.charge(emitted as usize);
                meter.settle();
                match next_step {
                    Next::Stop => capability = None,
                    Next::Wait(delay) if delay.is_zero() => activator.activate(),
                    Next::Wait(delay) => activator.activate_after(delay),
                }
            }
        },
    );
    stream.probe_with(&sources_done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(end: Option<u64>) -> Arc<SourceClock> {
        SourceClock::new(SourceSettings {
            rate: 1000.0,
            epoch_records: 10,
            max_inflight_epochs: 5,
            end_records: end,
        })
    }

    #[test]
    fn a_paused_generation_reports_its_latest_epoch_and_stops_at_the_boundary() {
        let clock = clock(None);
        clock.open_generation(0);
        assert_eq!(clock.try_start_epoch(0, 0), EpochGate::Start);
        assert_eq!(clock.try_start_epoch(0, 3), EpochGate::Start);
        assert_eq!(clock.try_start_epoch(0, 1), EpochGate::Start);
        assert_eq!(clock.pause(0), Some(3));
        assert_eq!(clock.try_start_epoch(0, 4), EpochGate::Wait);
        assert_eq!(clock.stop_boundary(0), None);
        clock.set_stop(0, 4);
        clock.set_stop(0, 9);
        assert_eq!(clock.stop_boundary(0), Some(4), "the first boundary stays");
        assert_eq!(
            clock.try_start_epoch(0, 2),
            EpochGate::Start,
            "epochs before the boundary still run"
        );
        assert_eq!(clock.try_start_epoch(0, 4), EpochGate::Stop);
        clock.open_generation(1);
        assert_eq!(
            clock.try_start_epoch(1, 4),
            EpochGate::Start,
            "the next generation is not stopped"
        );
    }

    #[test]
    fn a_pause_before_the_generation_opens_is_kept() {
        let clock = clock(None);
        assert_eq!(clock.pause(2), None);
        clock.open_generation(2);
        assert_eq!(clock.try_start_epoch(2, 17), EpochGate::Wait);
        clock.set_stop(2, 17);
        assert_eq!(clock.try_start_epoch(2, 17), EpochGate::Stop);
    }

    #[test]
    fn finite_jobs_end_at_their_last_epoch() {
        let clock = clock(Some(95));
        assert_eq!(clock.end_epoch(), Some(10));
        clock.open_generation(0);
        assert_eq!(clock.try_start_epoch(0, 9), EpochGate::Start);
        assert_eq!(clock.try_start_epoch(0, 10), EpochGate::Stop);
        assert_eq!(
            clock.due_records(Instant::now() + Duration::from_secs(60)),
            95
        );
    }

    #[test]
    fn instances_start_at_their_residue_after_the_boundary() {
        let clock = clock(None);
        let instance = |j: Option<usize>, p: usize, start_epoch: u64| SourceInstance {
            clock: Arc::clone(&clock),
            generation: 0,
            instance: j,
            parallelism: p,
            start_epoch,
            probe: ProbeHandle::new(),
            sources_done: ProbeHandle::new(),
            meter: WorkMeter::new(Duration::ZERO),
        };
        // Epoch 3 starts at record 30; with p = 4 the residues 2, 3, 0, 1.
        let firsts: Vec<u64> = (0..4)
            .map(|j| instance(Some(j), 4, 3).first_index().unwrap())
            .collect();
        assert_eq!(firsts, vec![32, 33, 30, 31]);
        assert_eq!(instance(Some(0), 1, 0).first_index(), Some(0));
        assert_eq!(instance(None, 2, 3).first_index(), None);
    }

    #[test]
    fn schedule_is_anchored_at_the_start() {
        let clock = clock(None);
        let later = Instant::now() + Duration::from_secs(2);
        let due = clock.due_records(later);
        assert!((1990..=2000).contains(&due), "{due}");
        assert!(clock.until_due(5000, later) > Duration::from_millis(2900));
        assert_eq!(clock.until_due(10, later), Duration::ZERO);
    }
}
