//! Turns two readings of the telemetry counters (the start and the end of a
//! metrics window) into a StreamTune snapshot with Timely semantics: busy
//! time per instance, records in and out, records queued at each operator's
//! inputs, and each source's backlog. Pure functions.

use std::collections::HashMap;
use std::time::SystemTime;

use crate::proto::v1::{
    BacklogSignal, Edge, Engine, MetricSemantics, Operator, OperatorMetrics, Snapshot,
};
use crate::spec::JobSpec;
use crate::telemetry::{ChannelKey, Counters};
use crate::topology::JobTopology;

/// Everything a snapshot of one window is built from.
pub struct WindowReading<'a> {
    pub spec: &'a JobSpec,
    pub topology: &'a JobTopology,
    /// Parallelism of every operator during the window.
    pub parallelism: &'a [usize],
    pub workers: usize,
    pub before: &'a Counters,
    pub after: &'a Counters,
    /// Records held in each operator's input queues at the window's start
    /// and end (received from the channel, not yet processed).
    pub held_before: &'a [i64],
    pub held_after: &'a [i64],
    pub window_s: f64,
    /// Backlog at the window's end, per operator (sources only).
    pub backlog: &'a [Option<f64>],
    pub seconds_since_restart: f64,
    pub observed_at: SystemTime,
    pub snapshot_id: String,
}

fn delta(
    after: &HashMap<ChannelKey, i64>,
    before: &HashMap<ChannelKey, i64>,
    key: &ChannelKey,
) -> f64 {
    let a = after.get(key).copied().unwrap_or(0);
    let b = before.get(key).copied().unwrap_or(0);
    (a - b).max(0) as f64
}

/// Records per second leaving an operator: channels from the same output
/// port carry copies of one stream (count it once), ports add up.
fn records_out(reading: &WindowReading<'_>, outputs: &[ChannelKey]) -> f64 {
    let mut per_port: HashMap<usize, f64> = HashMap::new();
    for c in outputs {
        let n = delta(&reading.after.sent, &reading.before.sent, c);
        let entry = per_port.entry(c.source.1).or_default();
        *entry = entry.max(n);
    }
    per_port.values().sum::<f64>() / reading.window_s
}

fn operator_metrics(reading: &WindowReading<'_>, op: usize) -> OperatorMetrics {
    let spec = &reading.spec.operators[op];
    let topo = reading.topology;
    let p = reading.parallelism[op].max(1);
    let addr = topo.addr[op];
    let window_ns = reading.window_s * 1e9;
    let busy_ms: Vec<f64> = (0..p)
        .map(|worker| {
            let key = (worker, addr);
            let after = reading.after.busy_ns.get(&key).copied().unwrap_or(0);
            let before = reading.before.busy_ns.get(&key).copied().unwrap_or(0);
            (after.saturating_sub(before) as f64 / window_ns * 1000.0).min(1000.0)
        })
        .collect();
    let busy_max = busy_ms.iter().copied().fold(0.0, f64::max);
    let busy_avg = busy_ms.iter().sum::<f64>() / p as f64;
    let out = records_out(reading, &topo.outputs[op]);
    let (records_in, queued) = if spec.is_source() {
        (out, None)
    } else {
        let received: f64 = topo.inputs[op]
            .iter()
            .map(|c| delta(&reading.after.received, &reading.before.received, c))
            .sum();
        let in_channels: i64 = topo.inputs[op]
            .iter()
            .map(|c| {
                reading.after.sent.get(c).copied().unwrap_or(0)
                    - reading.after.received.get(c).copied().unwrap_or(0)
            })
            .sum();
        let held_after = reading.held_after.get(op).copied().unwrap_or(0);
        let held_before = reading.held_before.get(op).copied().unwrap_or(0);
        // Processed = received minus what the queue grew by.
        let processed = (received - (held_after - held_before) as f64).max(0.0);
        let queued = (in_channels + held_after).max(0) as f64;
        (processed / reading.window_s, Some(queued))
    };
    // A source's backlog is the generator's schedule, measured; unknown
    // (not zero) when it is missing.
    let pending_records = reading.backlog.get(op).copied().flatten();
    let backlog_signal = match (spec.is_source(), pending_records) {
        (false, _) => BacklogSignal::Unspecified,
        (true, Some(_)) => BacklogSignal::PendingRecords,
        (true, None) => BacklogSignal::None,
    };
    OperatorMetrics {
        records_in_per_s: Some(records_in),
        records_out_per_s: Some(out),
        busy_ms_per_s_max: Some(busy_max),
        busy_ms_per_s_avg: Some(busy_avg),
        backpressured_ms_per_s_max: None,
        idle_ms_per_s_avg: Some((1000.0 - busy_avg).max(0.0)),
        pending_records,
        queued_records: queued,
        backlog_signal: backlog_signal as i32,
        time_lag_s: None,
    }
}

/// The snapshot of one window.
pub fn build_snapshot(reading: &WindowReading<'_>) -> Snapshot {
    let spec = reading.spec;
    let operators = spec
        .operators
        .iter()
        .enumerate()
        .map(|(i, op)| Operator {
            id: op.name.clone(),
            name: op.name.clone(),
            kind: op.kind as i32,
            parallelism: reading.parallelism[i] as i32,
            max_parallelism: reading.workers as i32,
            metrics: Some(operator_metrics(reading, i)),
        })
        .collect();
    let edges = reading
        .topology
        .edges
        .iter()
        .map(|&(from, to)| Edge {
            from: spec.operators[from].name.clone(),
            to: spec.operators[to].name.clone(),
            partitioning: spec.operators[to].input_partitioning as i32,
            fraction: None,
        })
        .collect();
    Snapshot {
        job_id: spec.job_id.clone(),
        snapshot_id: reading.snapshot_id.clone(),
        engine: Engine::Timely as i32,
        semantics: MetricSemantics::Timely as i32,
        observed_at: Some(prost_types::Timestamp::from(reading.observed_at)),
        window_s: reading.window_s,
        seconds_since_restart: reading.seconds_since_restart,
        operators,
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::v1::{OperatorKind, Partitioning};
    use crate::spec::{OperatorRole, OperatorSpec};

    fn channel(from: usize, to: usize) -> ChannelKey {
        ChannelKey {
            dataflow: 3,
            source: (from, 0),
            target: (to, 0),
        }
    }

    /// source (op 1) -> keyed window (op 2) -> sink (op 3), plus a second
    /// channel from the window to a probe that must not double its output.
    #[test]
    fn metrics_follow_timely_semantics() {
        let spec = JobSpec {
            job_id: "q".into(),
            operators: vec![
                OperatorSpec::new("src", OperatorKind::Source, OperatorRole::Keyed),
                OperatorSpec::new("win", OperatorKind::WindowAggregate, OperatorRole::Keyed),
                OperatorSpec::new("sink", OperatorKind::Sink, OperatorRole::Stateless),
            ],
        };
        let topology = JobTopology {
            dataflow: 3,
            addr: vec![(3, 1), (3, 2), (3, 3)],
            inputs: vec![vec![], vec![channel(1, 2)], vec![channel(2, 3)]],
            outputs: vec![
                vec![channel(1, 2)],
                vec![channel(2, 3), channel(2, 4)],
                vec![],
            ],
            edges: vec![(0, 1), (1, 2)],
        };
        let before = Counters::default();
        let mut after = Counters::default();
        after.sent.insert(channel(1, 2), 2000);
        after.received.insert(channel(1, 2), 1500);
        after.sent.insert(channel(2, 3), 100);
        after.sent.insert(channel(2, 4), 100);
        after.received.insert(channel(2, 3), 100);
        after.busy_ns.insert((0, (3, 2)), 1_800_000_000);
        after.busy_ns.insert((1, (3, 2)), 1_000_000_000);
        after.busy_ns.insert((2, (3, 2)), 2_000_000_000); // idle copy's worker: ignored
        let reading = WindowReading {
            spec: &spec,
            topology: &topology,
            parallelism: &[1, 2, 1],
            workers: 4,
            before: &before,
            after: &after,
            held_before: &[0, 100, 0],
            held_after: &[0, 300, 0],
            window_s: 2.0,
            backlog: &[Some(300.0), None, None],
            seconds_since_restart: 10.0,
            observed_at: SystemTime::UNIX_EPOCH,
            snapshot_id: "s1".into(),
        };
        let snapshot = build_snapshot(&reading);
        assert_eq!(snapshot.engine, Engine::Timely as i32);
        assert_eq!(snapshot.semantics, MetricSemantics::Timely as i32);
        let src = snapshot.operators[0].metrics.unwrap();
        assert_eq!(src.records_in_per_s, Some(1000.0));
        assert_eq!(src.pending_records, Some(300.0));
        assert_eq!(src.backlog_signal, BacklogSignal::PendingRecords as i32);
        assert_eq!(src.queued_records, None);
        let win = snapshot.operators[1].metrics.unwrap();
        // 1500 received, 200 of them went into the queue: 1300 processed.
        assert_eq!(win.records_in_per_s, Some(650.0));
        assert_eq!(win.records_out_per_s, Some(50.0));
        // 500 in the channel, 300 in the operator's queue.
        assert_eq!(win.queued_records, Some(800.0));
        assert_eq!(win.busy_ms_per_s_max, Some(900.0));
        assert_eq!(win.busy_ms_per_s_avg, Some(700.0));
        assert_eq!(win.idle_ms_per_s_avg, Some(300.0));
        assert_eq!(snapshot.operators[1].parallelism, 2);
        assert_eq!(snapshot.operators[1].max_parallelism, 4);
        assert_eq!(snapshot.edges.len(), 2);
        assert_eq!(snapshot.edges[0].partitioning, Partitioning::Hash as i32);
        assert_eq!(
            snapshot.edges[1].partitioning,
            Partitioning::Rebalance as i32
        );
        assert_eq!(
            snapshot.operators[2].metrics.unwrap().records_out_per_s,
            Some(0.0)
        );
    }
}
