//! The coordinator, run by global worker 0 (process 0) between steps: it
//! takes the agent's requests (in-place changes, restarts, finishing) and
//! decides every generation's stop. A stop pauses every process's sources,
//! collects the latest epoch each started, and broadcasts the boundary just
//! after the latest together with the next generation's parallelism. When a
//! finite job's sources all end by themselves, it broadcasts the end as the
//! boundary with no next generation. Not thread-safe (one per job).

use crate::control::{Answer, ControlPort, Message, Process, Request};

/// Where a paused generation stops: just after the latest epoch any source
/// instance started (`latest`), or at its start if none started; never
/// after the end of a finite job's input.
pub fn stop_boundary(start_epoch: u64, latest: Option<u64>, end_epoch: Option<u64>) -> u64 {
    let boundary = latest.map_or(start_epoch, |m| m + 1);
    end_epoch.map_or(boundary, |end| boundary.min(end))
}

enum Phase {
    Idle,
    /// Waiting for every worker's `Started` reply.
    Pausing {
        generation: usize,
        next: Option<Vec<usize>>,
    },
}

pub struct Coordinator {
    phase: Phase,
    /// The last generation whose stop was broadcast.
    stopped: Option<usize>,
}

impl Default for Coordinator {
    fn default() -> Self {
        Self::new()
    }
}

impl Coordinator {
    pub fn new() -> Self {
        Coordinator {
            phase: Phase::Idle,
            stopped: None,
        }
    }

    /// One step for `generation`, the generation worker 0 runs (or has
    /// just ended); `sources_done` when every source instance has stopped.
    pub fn poll(
        &mut self,
        process: &Process,
        generation: usize,
        sources_done: bool,
        port: &ControlPort,
    ) {
        if self.stopped.is_some_and(|g| g >= generation) {
            return;
        }
        match &self.phase {
            Phase::Idle => self.take_request(process, generation, sources_done, port),
            Phase::Pausing { generation, next } => {
                let generation = *generation;
                let peers = process.layout.peers();
                let replies = process.lock().started.get(&generation).copied();
                let Some((count, latest)) = replies.filter(|(count, _)| *count >= peers) else {
                    return;
                };
                debug_assert_eq!(count, peers);
                let start_epoch = process.plan(generation).map_or(0, |plan| plan.start_epoch);
                let end_epoch = process.clock.end_epoch();
                let boundary = stop_boundary(start_epoch, latest, end_epoch);
                let next = next
                    .clone()
                    .filter(|_| end_epoch.is_none_or(|end| boundary < end));
                self.stop(process, generation, boundary, next, port);
            }
        }
    }

    fn take_request(
        &mut self,
        process: &Process,
        generation: usize,
        sources_done: bool,
        port: &ControlPort,
    ) {
        let request = process.lock().request.take();
        match request {
            Some(Request::InPlace(parallelism)) => {
                port.broadcast(Message::InPlace {
                    generation,
                    parallelism,
                });
                answer(process, Ok(Answer::InPlace));
            }
            Some(Request::Restart(target)) => self.pause(generation, Some(target), port),
            Some(Request::Finish) => self.pause(generation, None, port),
            None if sources_done => {
                let end = process.clock.end_epoch().unwrap_or(u64::MAX);
                self.stop(process, generation, end, None, port);
            }
            None => {}
        }
    }

    fn pause(&mut self, generation: usize, next: Option<Vec<usize>>, port: &ControlPort) {
        port.broadcast(Message::Pause { generation });
        self.phase = Phase::Pausing { generation, next };
    }

    fn stop(
        &mut self,
        process: &Process,
        generation: usize,
        boundary: u64,
        next: Option<Vec<usize>>,
        port: &ControlPort,
    ) {
        let restarts = next.is_some();
        port.broadcast(Message::Stop {
            generation,
            boundary,
            next,
        });
        self.stopped = Some(generation);
        if matches!(self.phase, Phase::Pausing { .. }) {
            answer(
                process,
                Ok(Answer::Stopped {
                    generation,
                    boundary,
                    restarts,
                }),
            );
        }
        self.phase = Phase::Idle;
    }
}

fn answer(process: &Process, answer: Result<Answer, String>) {
    process.lock().answer = Some(answer);
    process.changed.notify_all();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_follows_the_latest_started_epoch_within_the_input() {
        assert_eq!(stop_boundary(4, Some(9), None), 10);
        assert_eq!(stop_boundary(4, None, None), 4, "nothing started yet");
        assert_eq!(stop_boundary(4, Some(9), Some(8)), 8, "never past the end");
    }
}
