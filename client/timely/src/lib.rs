//! StreamTune client for Timely Dataflow.
//!
//! Linked into a Timely program, it reads the `"timely"` logger on every
//! worker (`telemetry`), reconstructs the job's DAG from the logged
//! operators and channels (`topology`), sends windowed snapshots with Timely
//! semantics to `streamtuned` (`snapshot`, `service`, `agent`), and applies
//! the recommended per-operator parallelism (`parallelism`, `runner`): in
//! place for stateless operators, by a controlled restart that loses and
//! repeats no record for keyed ones. `nexmark` holds q1, q2, q3, q5 and q8.

pub mod agent;
pub mod args;
pub mod bench;
pub mod cli;
pub mod context;
pub mod control;
pub mod coordinator;
pub mod nexmark;
pub mod pacing;
pub mod parallelism;
pub mod processes;
pub mod proto;
pub mod queue;
pub mod runner;
pub mod savepoint;
pub mod schedule;
pub mod service;
pub mod sink;
pub mod snapshot;
pub mod source;
pub mod spec;
pub mod telemetry;
pub mod topology;
pub mod worker_loop;
