//! What a job declares about itself: its logical operators, what each does
//! (the DAG's node labels), and how a parallelism change reaches each one.
//! The topology itself is read from Timely's logs (see `topology`).

use crate::proto::v1::{OperatorKind, Partitioning};

/// How a change of an operator's parallelism can be applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperatorRole {
    /// Keeps no state beyond the epoch being processed (filters, maps, a
    /// committing sink): its input routing `hash % p` changes in place.
    Stateless,
    /// Keeps state across epochs, partitioned by key (windows, joins), or
    /// reads an offset range (sources): a change restarts the dataflow at an
    /// epoch boundary, with state moved to its keys' new instances and input
    /// resumed from the boundary's offset.
    Keyed,
}

/// One logical operator of a job. `name` is the Timely operator name the job
/// gives it; it must be unique within the job.
#[derive(Clone, Debug, PartialEq)]
pub struct OperatorSpec {
    pub name: String,
    pub kind: OperatorKind,
    pub role: OperatorRole,
    /// How records reach this operator (the label of its input edges):
    /// HASH for keyed inputs, REBALANCE for a uniform spread.
    pub input_partitioning: Partitioning,
}

impl OperatorSpec {
    pub fn new(name: &str, kind: OperatorKind, role: OperatorRole) -> Self {
        let input_partitioning = match role {
            OperatorRole::Keyed => Partitioning::Hash,
            OperatorRole::Stateless => Partitioning::Rebalance,
        };
        OperatorSpec {
            name: name.to_string(),
            kind,
            role,
            input_partitioning,
        }
    }

    pub fn is_source(&self) -> bool {
        self.kind == OperatorKind::Source
    }
}

/// A job: its id at the service and its logical operators, sources first.
#[derive(Clone, Debug, PartialEq)]
pub struct JobSpec {
    pub job_id: String,
    pub operators: Vec<OperatorSpec>,
}

impl JobSpec {
    /// Index of the operator called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.operators.iter().position(|op| op.name == name)
    }

    /// Checks the declaration: at least one operator, unique names, at least
    /// one source.
    pub fn validate(&self) -> Result<(), String> {
        if self.operators.is_empty() {
            return Err(format!("job {}: no operators", self.job_id));
        }
        for (i, op) in self.operators.iter().enumerate() {
            if self.operators[..i]
                .iter()
                .any(|other| other.name == op.name)
            {
                return Err(format!(
                    "job {}: operator {} declared twice",
                    self.job_id, op.name
                ));
            }
        }
        if !self.operators.iter().any(OperatorSpec::is_source) {
            return Err(format!("job {}: no source operator", self.job_id));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(names: &[(&str, OperatorKind)]) -> JobSpec {
        JobSpec {
            job_id: "j".into(),
            operators: names
                .iter()
                .map(|(n, k)| OperatorSpec::new(n, *k, OperatorRole::Stateless))
                .collect(),
        }
    }

    #[test]
    fn validate_rejects_duplicates_and_missing_source() {
        assert!(
            job(&[("s", OperatorKind::Source), ("m", OperatorKind::Map)])
                .validate()
                .is_ok()
        );
        let dup = job(&[("s", OperatorKind::Source), ("s", OperatorKind::Map)]);
        assert!(dup.validate().unwrap_err().contains("declared twice"));
        let no_source = job(&[("m", OperatorKind::Map)]);
        assert!(no_source.validate().unwrap_err().contains("no source"));
        assert!(job(&[]).validate().unwrap_err().contains("no operators"));
    }

    #[test]
    fn role_decides_the_input_label() {
        let keyed = OperatorSpec::new("w", OperatorKind::WindowAggregate, OperatorRole::Keyed);
        assert_eq!(keyed.input_partitioning, Partitioning::Hash);
        let stateless = OperatorSpec::new("m", OperatorKind::Map, OperatorRole::Stateless);
        assert_eq!(stateless.input_partitioning, Partitioning::Rebalance);
    }
}
