//! The job's DAG, reconstructed from one dataflow's `Operates` and
//! `Channels` log events: the declared operators are found by name, and an
//! edge joins two of them when a channel leads from one to the other,
//! directly or through undeclared helper operators (probes, concatenations).

use std::collections::{BTreeSet, HashMap, VecDeque};

use crate::spec::JobSpec;
use crate::telemetry::{ChannelKey, OpAddr, Topology};

/// Where each declared operator sits in the dataflow and which channels
/// feed and leave it. Vectors are indexed like `JobSpec::operators`.
#[derive(Clone, Debug, PartialEq)]
pub struct JobTopology {
    pub dataflow: usize,
    pub addr: Vec<OpAddr>,
    /// Channels whose target is the operator.
    pub inputs: Vec<Vec<ChannelKey>>,
    /// Channels whose source is the operator.
    pub outputs: Vec<Vec<ChannelKey>>,
    /// Edges between declared operators, (producer, consumer), sorted.
    pub edges: Vec<(usize, usize)>,
}

/// Reconstructs `spec`'s DAG in dataflow `dataflow`. Fails when a declared
/// operator is missing from the logs or its name is not unique there.
pub fn reconstruct(
    spec: &JobSpec,
    topology: &Topology,
    dataflow: usize,
) -> Result<JobTopology, String> {
    let addr = locate_operators(spec, topology, dataflow)?;
    // Operator index in the dataflow -> position in `spec`.
    let declared_at: HashMap<usize, usize> = addr
        .iter()
        .enumerate()
        .map(|(i, &(_, index))| (index, i))
        .collect();
    let channels: Vec<ChannelKey> = topology
        .channels
        .iter()
        .filter(|c| c.dataflow == dataflow)
        .copied()
        .collect();
    let n = spec.operators.len();
    let mut inputs = vec![Vec::new(); n];
    let mut outputs = vec![Vec::new(); n];
    for c in &channels {
        if let Some(&to) = declared_at.get(&c.target.0) {
            inputs[to].push(*c);
        }
        if let Some(&from) = declared_at.get(&c.source.0) {
            outputs[from].push(*c);
        }
    }
    let edges = declared_edges(&addr, &declared_at, &channels);
    Ok(JobTopology {
        dataflow,
        addr,
        inputs,
        outputs,
        edges,
    })
}

/// The address of each of `spec`'s operators in dataflow `dataflow`, found
/// by name.
fn locate_operators(
    spec: &JobSpec,
    topology: &Topology,
    dataflow: usize,
) -> Result<Vec<OpAddr>, String> {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for ((df, index), name) in &topology.operators {
        if *df == dataflow {
            by_name.entry(name.as_str()).or_default().push(*index);
        }
    }
    let mut addr = Vec::with_capacity(spec.operators.len());
    for op in &spec.operators {
        match by_name.get(op.name.as_str()).map(Vec::as_slice) {
            Some([index]) => addr.push((dataflow, *index)),
            Some(many) => {
                return Err(format!(
                    "operator {} appears {} times in dataflow {dataflow}",
                    op.name,
                    many.len()
                ))
            }
            None => {
                return Err(format!(
                    "operator {} not logged in dataflow {dataflow}",
                    op.name
                ))
            }
        }
    }
    Ok(addr)
}

/// The edges (producer, consumer) between declared operators, sorted: a
/// path of `channels` from one to the other through undeclared operators.
fn declared_edges(
    addr: &[OpAddr],
    declared_at: &HashMap<usize, usize>,
    channels: &[ChannelKey],
) -> Vec<(usize, usize)> {
    let mut out_of: HashMap<usize, Vec<ChannelKey>> = HashMap::new();
    for c in channels {
        out_of.entry(c.source.0).or_default().push(*c);
    }
    let mut edges = BTreeSet::new();
    for (from, &(_, start)) in addr.iter().enumerate() {
        // Index 0 is the dataflow's boundary, never an operator.
        let mut queue = VecDeque::from([start]);
        let mut seen = BTreeSet::from([start]);
        while let Some(node) = queue.pop_front() {
            for c in out_of.get(&node).into_iter().flatten() {
                let next = c.target.0;
                if next == 0 || !seen.insert(next) {
                    continue;
                }
                match declared_at.get(&next) {
                    Some(&to) => {
                        edges.insert((from, to));
                    }
                    None => queue.push_back(next),
                }
            }
        }
    }
    edges.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::v1::OperatorKind;
    use crate::spec::{OperatorRole, OperatorSpec};

    fn spec(names: &[&str]) -> JobSpec {
        JobSpec {
            job_id: "j".into(),
            operators: names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let kind = if i == 0 {
                        OperatorKind::Source
                    } else {
                        OperatorKind::Map
                    };
                    OperatorSpec::new(n, kind, OperatorRole::Stateless)
                })
                .collect(),
        }
    }

    fn channel(df: usize, from: usize, to: usize) -> ChannelKey {
        ChannelKey {
            dataflow: df,
            source: (from, 0),
            target: (to, 0),
        }
    }

    #[test]
    fn follows_channels_through_undeclared_operators() {
        // 1 src -> 2 helper -> 3 a ; 1 -> 4 b ; 3 -> 5 probe ; 4 -> 3
        let mut topology = Topology::default();
        for (i, name) in [(1, "src"), (2, "Concat"), (3, "a"), (4, "b"), (5, "Probe")] {
            topology.operators.insert((7, i), name.to_string());
        }
        topology.operators.insert((6, 3), "a".to_string()); // older dataflow
        topology.channels = vec![
            channel(7, 1, 2),
            channel(7, 2, 3),
            channel(7, 1, 4),
            channel(7, 3, 5),
            channel(7, 4, 3),
            channel(6, 3, 1),
        ];
        let job = reconstruct(&spec(&["src", "a", "b"]), &topology, 7).unwrap();
        assert_eq!(job.addr, vec![(7, 1), (7, 3), (7, 4)]);
        assert_eq!(job.edges, vec![(0, 1), (0, 2), (2, 1)]);
        assert_eq!(job.inputs[1], vec![channel(7, 2, 3), channel(7, 4, 3)]);
        assert_eq!(job.outputs[0], vec![channel(7, 1, 2), channel(7, 1, 4)]);
    }

    #[test]
    fn missing_or_repeated_names_fail() {
        let mut topology = Topology::default();
        topology.operators.insert((0, 1), "src".to_string());
        let err = reconstruct(&spec(&["src", "a"]), &topology, 0).unwrap_err();
        assert!(err.contains("a not logged"), "{err}");
        topology.operators.insert((0, 2), "src".to_string());
        let err = reconstruct(&spec(&["src"]), &topology, 0).unwrap_err();
        assert!(err.contains("appears 2 times"), "{err}");
    }
}
