//! A rate-controlled, replayable source. Record `i` of a deterministic
//! generator is due `i / rate` seconds after the job started and belongs to
//! epoch `i / epoch_records` (the Timely timestamp). Instance `j` of `p`
//! emits the records `i ≡ j (mod p)`. Records due but not emitted are the
//! source's backlog. Flow control: an instance starts epoch `e` only once
//! the dataflow's output frontier has reached `e - max_inflight_epochs`, so
//! a slow operator makes the backlog grow instead of unbounded queues.
//!
//! The epoch gate makes every instance stop at the same boundary: a stop
//! request picks the epoch after the latest one any instance started, every
//! instance still completes all epochs before it, and the next generation
//! resumes at the boundary's offset, so no record is lost or emitted twice.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use timely::container::CapacityContainerBuilder;
use timely::dataflow::operators::generic::operator;
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

#[derive(Debug)]
struct GenerationGate {
    start_epoch: u64,
    started_max: Option<u64>,
    stop_at: Option<u64>,
}

/// Shared by the controller and every source instance of a job.
#[derive(Debug)]
pub struct SourceClock {
    settings: SourceSettings,
    started: Instant,
    emitted: AtomicU64,
    gates: Mutex<HashMap<usize, GenerationGate>>,
}

impl SourceClock {
    pub fn new(settings: SourceSettings) -> Arc<Self> {
        assert!(settings.rate > 0.0 && settings.epoch_records > 0);
        Arc::new(SourceClock {
            settings,
            started: Instant::now(),
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

    /// Records due by `now` (the schedule is anchored at the job's start).
    pub fn due_records(&self, now: Instant) -> u64 {
        let due =
            (now.saturating_duration_since(self.started).as_secs_f64() * self.settings.rate) as u64;
        self.settings.end_records.map_or(due, |end| due.min(end))
    }

    /// Time until record `index` is due, zero when it already is.
    pub fn until_due(&self, index: u64, now: Instant) -> Duration {
        let at = self.started + Duration::from_secs_f64(index as f64 / self.settings.rate);
        at.saturating_duration_since(now)
    }

    /// Records emitted so far over every instance and generation.
    pub fn emitted(&self) -> u64 {
        self.emitted.load(Ordering::Relaxed)
    }

    /// Records due but not emitted yet.
    pub fn backlog(&self) -> u64 {
        self.due_records(Instant::now())
            .saturating_sub(self.emitted())
    }

    /// Whether every record of a finite job was emitted.
    pub fn exhausted(&self) -> bool {
        self.settings
            .end_records
            .is_some_and(|end| self.emitted() >= end)
    }

    /// The epoch after the last record of a finite job.
    pub fn end_epoch(&self) -> Option<u64> {
        self.settings
            .end_records
            .map(|end| end.div_ceil(self.settings.epoch_records))
    }

    /// Opens generation `generation`, whose sources start at `start_epoch`.
    pub fn open_generation(&self, generation: usize, start_epoch: u64) {
        self.gates().insert(
            generation,
            GenerationGate {
                start_epoch,
                started_max: None,
                stop_at: None,
            },
        );
    }

    /// Called by an instance before it emits anything of epoch `epoch`:
    /// false when the generation stops before that epoch.
    pub fn try_start_epoch(&self, generation: usize, epoch: u64) -> bool {
        if self.end_epoch().is_some_and(|end| epoch >= end) {
            return false;
        }
        let mut gates = self.gates();
        let Some(gate) = gates.get_mut(&generation) else {
            return false;
        };
        if gate.stop_at.is_some_and(|stop| epoch >= stop) {
            return false;
        }
        gate.started_max = Some(gate.started_max.map_or(epoch, |m| m.max(epoch)));
        true
    }

    /// Asks every instance of `generation` to stop; returns the boundary
    /// epoch: every epoch before it is emitted completely, none after.
    /// Idempotent: a second request returns the first boundary.
    pub fn request_stop(&self, generation: usize) -> u64 {
        let end = self.end_epoch().unwrap_or(u64::MAX);
        let mut gates = self.gates();
        let gate = gates.entry(generation).or_insert(GenerationGate {
            start_epoch: 0,
            started_max: None,
            stop_at: None,
        });
        let boundary = *gate.stop_at.get_or_insert_with(|| {
            gate.started_max
                .map_or(gate.start_epoch, |m| m + 1)
                .min(end)
        });
        boundary
    }

    /// Where `generation` stops: its requested boundary, or the end of a
    /// finite job, whichever comes first. None while it runs on.
    pub fn stop_boundary(&self, generation: usize) -> Option<u64> {
        let requested = self.gates().get(&generation).and_then(|g| g.stop_at);
        match (requested, self.end_epoch()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
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
    operator::source::<_, CapacityContainerBuilder<Vec<D>>, _, _>(
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
                        if !clock.try_start_epoch(generation, epoch) {
                            break Next::Stop;
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
    )
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
    fn stop_boundary_follows_the_latest_started_epoch() {
        let clock = clock(None);
        clock.open_generation(0, 0);
        assert!(clock.try_start_epoch(0, 0));
        assert!(clock.try_start_epoch(0, 3));
        assert!(clock.try_start_epoch(0, 1));
        assert_eq!(clock.request_stop(0), 4);
        assert_eq!(clock.request_stop(0), 4, "idempotent");
        assert!(
            clock.try_start_epoch(0, 2),
            "epochs before the boundary still run"
        );
        assert!(!clock.try_start_epoch(0, 4));
        assert_eq!(clock.stop_boundary(0), Some(4));
        clock.open_generation(1, 4);
        assert!(
            clock.try_start_epoch(1, 4),
            "the next generation is not stopped"
        );
        assert_eq!(clock.stop_boundary(1), None);
    }

    #[test]
    fn a_generation_stopped_before_starting_stops_at_its_start() {
        let clock = clock(None);
        clock.open_generation(2, 17);
        assert_eq!(clock.request_stop(2), 17);
        assert!(!clock.try_start_epoch(2, 17));
    }

    #[test]
    fn finite_jobs_end_at_their_last_epoch() {
        let clock = clock(Some(95));
        assert_eq!(clock.end_epoch(), Some(10));
        clock.open_generation(0, 0);
        assert!(clock.try_start_epoch(0, 9));
        assert!(!clock.try_start_epoch(0, 10));
        assert_eq!(clock.stop_boundary(0), Some(10));
        assert_eq!(clock.request_stop(0), 10);
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
