//! `main` of the Nexmark binaries: runs one query, optionally tuned by
//! `streamtuned`, prints a summary and writes the report.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::agent::{report_json, run_agent, settled_throughput, throughput_since, AgentOptions};
use crate::args::{parse, CliOptions, ParallelismArg, USAGE};
use crate::nexmark;
use crate::runner::{Cluster, Query, RunOptions, RunningJob};
use crate::schedule::{apply_schedule, outcome_json};
use crate::service::ServiceClient;
use crate::source::SourceSettings;

/// Flow control: how far (in epochs) sources may run ahead of the output.
const MAX_INFLIGHT_EPOCHS: u64 = 10;

/// The processes of the job: None for one process, else this process's
/// index and the host file's addresses (one `host:port` a line).
fn cluster(cli: &CliOptions) -> Result<Option<Cluster>, String> {
    if cli.processes == 1 {
        return Ok(None);
    }
    let path = cli.hostfile.as_deref().ok_or("-n > 1 needs a host file")?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("host file {path}: {e}"))?;
    let addresses: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(String::from)
        .collect();
    if addresses.len() < cli.processes {
        return Err(format!(
            "host file {path}: {} addresses for {} processes",
            addresses.len(),
            cli.processes
        ));
    }
    Ok(Some(Cluster {
        process: cli.process,
        addresses: addresses[..cli.processes].to_vec(),
    }))
}

/// The run options for `query` from the command line.
pub fn run_options(query: &dyn Query, name: &str, cli: &CliOptions) -> Result<RunOptions, String> {
    let job_id = cli
        .job_id
        .clone()
        .unwrap_or_else(|| format!("nexmark-{name}"));
    let spec = query.spec(&job_id);
    let n = spec.operators.len();
    let index = |op: &str| {
        spec.index_of(op).ok_or_else(|| {
            let names: Vec<&str> = spec.operators.iter().map(|o| o.name.as_str()).collect();
            format!("unknown operator {op} (operators: {})", names.join(", "))
        })
    };
    let mut parallelism = vec![1; n];
    match &cli.parallelism {
        ParallelismArg::All(p) => parallelism.fill(*p),
        ParallelismArg::PerOperator(pairs) => {
            for (op, p) in pairs {
                if *p == 0 {
                    return Err(format!("--parallelism: {op} must be >= 1"));
                }
                parallelism[index(op)?] = *p;
            }
        }
    }
    let workers = cli.workers * cli.processes;
    if let Some(p) = parallelism.iter().find(|p| **p > workers) {
        return Err(format!("--parallelism {p} exceeds the {workers} workers"));
    }
    let mut costs = query.default_costs();
    for (op, us) in &cli.costs_us {
        if !(us.is_finite() && *us >= 0.0) {
            return Err(format!("--cost: {op} must be >= 0"));
        }
        costs[index(op)?] = Duration::from_secs_f64(us / 1e6);
    }
    let costs = costs
        .into_iter()
        .map(|c| c.mul_f64(cli.cost_scale))
        .collect();
    Ok(RunOptions {
        job_id,
        workers: cli.workers,
        cluster: cluster(cli)?,
        source: SourceSettings {
            rate: cli.rate,
            epoch_records: ((cli.rate * cli.epoch_ms as f64 / 1000.0).round() as u64).max(1),
            max_inflight_epochs: MAX_INFLIGHT_EPOCHS,
            end_records: cli.records,
        },
        initial_parallelism: parallelism,
        costs,
    })
}

/// Query `name` with the command line's windows, and its run options.
fn job(name: &str, cli: &CliOptions) -> Result<(Arc<dyn Query>, RunOptions), String> {
    let query = nexmark::query_with_window(name, cli.query_window_s)
        .ok_or(format!("unknown query {name}"))?;
    let options = run_options(query.as_ref(), name, cli)?;
    Ok((query, options))
}

/// What one run of a query did: its final configuration, how well it kept
/// up, and the full report.
#[derive(Clone, Debug)]
pub struct RunSummary {
    pub final_parallelism: Vec<usize>,
    pub sum_parallelism: usize,
    pub max_parallelism: usize,
    pub applied_changes: usize,
    pub fallback: bool,
    /// (emitted / offered, final backlog, seconds) after the last change.
    pub settled: Option<(f64, u64, f64)>,
    /// Emitted / offered over the second half of the run.
    pub kept_second_half: Option<f64>,
    pub errors: usize,
    pub report: serde_json::Value,
}

/// Runs query `name` as the command line says; prints decisions unless
/// `--quiet`.
pub fn run_once(name: &str, cli: &CliOptions) -> Result<RunSummary, String> {
    let (query, options) = job(name, cli)?;
    let mut client = match &cli.server {
        Some(server) => Some(ServiceClient::new(
            server,
            &cli.tenant,
            Duration::from_secs(20),
        )?),
        None => None,
    };
    let initial = options.initial_parallelism.clone();
    let job = RunningJob::start(query, options.clone())?;
    let started = std::time::Instant::now();
    let scripted = apply_schedule(&job, &cli.rescale, started)?;
    let names: Vec<String> = job
        .spec()
        .operators
        .iter()
        .map(|o| o.name.clone())
        .collect();
    let agent = run_agent(
        &job,
        client.as_mut(),
        &AgentOptions {
            window: cli.window,
            policy: cli.policy.clone(),
            duration: cli.duration,
            restart_timeout: Duration::from_secs(120),
            verbose: !cli.quiet,
        },
    );
    let final_parallelism = job.parallelism();
    let outcome = job.finish()?;
    write_outcome(cli, &outcome_json(0, &outcome, &scripted))?;
    let settled = settled_throughput(&agent, 2.0 * cli.window.as_secs_f64());
    let kept_second_half = throughput_since(&agent, cli.duration.as_secs_f64() / 2.0).map(|t| t.0);
    let sum_parallelism: usize = final_parallelism.iter().sum();
    let max_parallelism = final_parallelism.iter().copied().max().unwrap_or(0);
    let applied_changes = agent
        .decisions
        .iter()
        .filter(|d| !d.change.is_empty() && d.change != "unchanged")
        .count();
    let fallback = agent.decisions.iter().any(|d| d.fallback);
    let mut report = report_json(&agent, &names);
    report["summary"] = json!({
        "query": name,
        "rate": cli.rate,
        "workers": cli.workers,
        "duration_s": cli.duration.as_secs_f64(),
        "window_s": cli.window.as_secs_f64(),
        "policy_requested": cli.policy,
        "initial_parallelism": initial,
        "final_parallelism": final_parallelism,
        "sum_parallelism": sum_parallelism,
        "max_parallelism": max_parallelism,
        "applied_changes": applied_changes,
        "fallback": fallback,
        "settled_kept": settled.map(|s| s.0),
        "settled_backlog": settled.map(|s| s.1),
        "settled_seconds": settled.map(|s| s.2),
        "kept_second_half": kept_second_half,
        "generations": outcome.generations,
        "emitted_records": outcome.emitted_records,
        "committed_results": outcome.committed_results,
    });
    Ok(RunSummary {
        final_parallelism,
        sum_parallelism,
        max_parallelism,
        applied_changes,
        fallback,
        settled,
        kept_second_half,
        errors: agent.errors.len(),
        report,
    })
}

fn write_outcome(cli: &CliOptions, outcome: &serde_json::Value) -> Result<(), String> {
    match &cli.outcome {
        Some(path) => std::fs::write(path, outcome.to_string() + "\n")
            .map_err(|e| format!("--outcome {path}: {e}")),
        None => Ok(()),
    }
}

/// A process other than 0: runs its workers until process 0 ends the job.
fn follow(name: &str, cli: &CliOptions) -> Result<(), String> {
    let (query, options) = job(name, cli)?;
    let outcome = RunningJob::start(query, options)?.join()?;
    println!(
        "{name}: process {} of {}: emitted {} records, committed {} results",
        cli.process, cli.processes, outcome.emitted_records, outcome.committed_results
    );
    write_outcome(cli, &outcome_json(cli.process, &outcome, &[]))
}

fn run(name: &str, cli: &CliOptions) -> Result<(), String> {
    if cli.process != 0 {
        return follow(name, cli);
    }
    let summary = run_once(name, cli)?;
    let names = summary.report["operators"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ops: Vec<String> = names
        .iter()
        .zip(&summary.final_parallelism)
        .map(|(n, p)| format!("{}={p}", n.as_str().unwrap_or("?")))
        .collect();
    println!(
        "{name}: rate {}/s, {} workers, {:.0} s: {} decisions, {} applied{}; parallelism {} (sum {}, max {}); {}",
        cli.rate,
        cli.workers,
        cli.duration.as_secs_f64(),
        summary.report["decisions"].as_array().map_or(0, Vec::len),
        summary.applied_changes,
        if summary.fallback { " (fallback policy)" } else { "" },
        ops.join(" "),
        summary.sum_parallelism,
        summary.max_parallelism,
        match summary.settled {
            Some((kept, backlog, seconds)) => format!(
                "settled throughput {:.1}% of offered over the last {seconds:.0} s, backlog {backlog}",
                kept * 100.0
            ),
            None => "no settled window after the last change".into(),
        }
    );
    if summary.errors > 0 {
        let first = summary.report["errors"][0]
            .as_str()
            .unwrap_or("")
            .to_string();
        eprintln!("{name}: {} errors, first: {first}", summary.errors);
    }
    if let Some(path) = &cli.report {
        let text = serde_json::to_string_pretty(&summary.report).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n").map_err(|e| format!("--report {path}: {e}"))?;
    }
    Ok(())
}

/// Runs query `name` with `args` (without the program name); returns the
/// process exit code: 0, 1 on a failed run, 2 on a bad command line.
pub fn main(name: &str, args: &[String]) -> i32 {
    let cli = match parse(args) {
        Ok(cli) => cli,
        Err(message) if message.is_empty() => {
            print!("{}", USAGE.replace("QUERY", name));
            return 0;
        }
        Err(message) => {
            eprintln!(
                "nexmark-{name}: {message}\n\n{}",
                USAGE.replace("QUERY", name)
            );
            return 2;
        }
    };
    match run(name, &cli) {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("nexmark-{name}: {message}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &str) -> CliOptions {
        let args: Vec<String> = args.split_whitespace().map(String::from).collect();
        parse(&args).unwrap()
    }

    #[test]
    fn run_options_follow_the_command_line() {
        let q1 = nexmark::query("q1").unwrap();
        let options = run_options(
            q1.as_ref(),
            "q1",
            &cli("--rate 5000 --duration 1 -w 4 --parallelism q1.convert=3 --cost q1.sink=100 --cost-scale 2"),
        )
        .unwrap();
        assert_eq!(options.job_id, "nexmark-q1");
        assert_eq!(options.initial_parallelism, vec![1, 3, 1]);
        assert_eq!(options.costs[2], Duration::from_micros(200));
        assert_eq!(options.costs[1], q1.default_costs()[1] * 2);
        assert_eq!(options.source.epoch_records, 500);
        assert_eq!(options.source.end_records, None);
    }

    #[test]
    fn run_options_reject_unknown_operators_and_oversized_parallelism() {
        let q1 = nexmark::query("q1").unwrap();
        let err = run_options(
            q1.as_ref(),
            "q1",
            &cli("--rate 1 --duration 1 -w 2 --parallelism 3"),
        )
        .unwrap_err();
        assert!(err.contains("exceeds the 2 workers"), "{err}");
        let err = run_options(
            q1.as_ref(),
            "q1",
            &cli("--rate 1 --duration 1 -w 2 --cost q9.x=1"),
        )
        .unwrap_err();
        assert!(err.contains("unknown operator q9.x"), "{err}");
        assert!(err.contains("q1.convert"), "lists the operators: {err}");
    }

    #[test]
    fn main_exit_codes() {
        assert_eq!(main("q1", &["--bogus".to_string()]), 2);
        assert_eq!(main("q1", &["--help".to_string()]), 0);
    }
}
