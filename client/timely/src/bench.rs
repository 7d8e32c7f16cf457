//! `nexmark-bench`: every (query, rate, policy) run on the real service,
//! starting with every operator at parallelism 1, reporting the parallelism
//! each policy settles on (Σ p_op and max p_op) and the throughput it
//! keeps, with ratios against the first policy (the baseline, DS2) measured
//! in the same run.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

use crate::args::{follower_args, CliOptions, ParallelismArg};
use crate::cli::{run_once, RunSummary};
use crate::nexmark::QUERIES;
use crate::processes::{loopback_hostfile, Children};

pub const BENCH_USAGE: &str = "\
usage: nexmark-bench --server HOST:PORT --out DIR [--queries q1,q2,q3,q5,q8]
                     [--rates 2000,4000,8000] [--policies ds2,streamtune]
                     [--duration 60] [-w 8] [-n 1] [--window 2] [--tenant NAME]

Runs every (query, rate, policy) for --duration seconds on -w workers, each
operator starting at parallelism 1, tuned by the server at --server. With
-n N, each run is N processes of -w workers on loopback: the benchmark is
process 0 (the agent) and starts the others (the nexmark-QUERY binaries
beside it). The first policy is the baseline of the ratios. Writes
DIR/runs/*.json (each run's report), DIR/results.json and DIR/report.md.
";

#[derive(Clone, Debug, PartialEq)]
pub struct BenchOptions {
    pub server: String,
    pub out: String,
    pub queries: Vec<String>,
    pub rates: Vec<f64>,
    pub policies: Vec<String>,
    pub duration: Duration,
    pub workers: usize,
    /// Processes per run (of `workers` workers each).
    pub processes: usize,
    pub window: Duration,
    pub tenant: String,
}

fn list(flag: &str, value: &str) -> Result<Vec<String>, String> {
    let items: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    if items.is_empty() {
        return Err(format!("{flag}: empty list"));
    }
    Ok(items)
}

fn positive(flag: &str, value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{flag}: must be a number > 0, got {value:?}")),
    }
}

/// Parses the arguments (without the program name).
pub fn parse_bench(args: &[String]) -> Result<BenchOptions, String> {
    let mut options = BenchOptions {
        server: String::new(),
        out: String::new(),
        queries: QUERIES.iter().map(|q| q.to_string()).collect(),
        rates: vec![2000.0, 4000.0, 8000.0],
        policies: vec!["ds2".into(), "streamtune".into()],
        duration: Duration::from_secs(60),
        workers: 8,
        processes: 1,
        window: Duration::from_secs(2),
        tenant: String::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = args
            .get(i + 1)
            .ok_or_else(|| format!("{flag}: missing value"))?;
        i += 2;
        match flag {
            "--server" => options.server = value.clone(),
            "--out" => options.out = value.clone(),
            "--queries" => {
                options.queries = list(flag, value)?;
                if let Some(q) = options
                    .queries
                    .iter()
                    .find(|q| !QUERIES.contains(&q.as_str()))
                {
                    return Err(format!(
                        "--queries: unknown query {q} (known: {})",
                        QUERIES.join(", ")
                    ));
                }
            }
            "--rates" => {
                options.rates = list(flag, value)?
                    .iter()
                    .map(|r| positive(flag, r))
                    .collect::<Result<_, _>>()?
            }
            "--policies" => options.policies = list(flag, value)?,
            "--duration" => options.duration = Duration::from_secs_f64(positive(flag, value)?),
            "-w" | "--workers" => options.workers = positive(flag, value)? as usize,
            "-n" | "--processes" => options.processes = positive(flag, value)? as usize,
            "--window" => options.window = Duration::from_secs_f64(positive(flag, value)?),
            "--tenant" => options.tenant = value.clone(),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if options.server.is_empty() {
        return Err("--server is required".into());
    }
    if options.out.is_empty() {
        return Err("--out is required".into());
    }
    if options.tenant.is_empty() {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        options.tenant = format!("timely-bench-{now}");
    }
    Ok(options)
}

struct Row {
    query: String,
    rate: f64,
    /// One per policy, in `--policies` order.
    runs: Vec<RunSummary>,
}

fn percent(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{:.1}%", v * 100.0))
}

fn geo_mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty())
        .then(|| (values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp())
}

fn markdown(options: &BenchOptions, rows: &[Row], command: &str) -> String {
    let base = &options.policies[0];
    let mut out = format!(
        "# Timely Nexmark: parallelism chosen per policy\n\n`{command}`\n\n\
         {} workers, {:.0} s per run, {:.0} s metrics windows, every operator starting at 1. \
         Σp and max p: the final configuration; kept: emitted / offered source records over \
         the run's second half; changes: reconfigurations applied. Ratios against `{base}`.\n\n",
        if options.processes == 1 {
            options.workers.to_string()
        } else {
            format!("{} processes × {}", options.processes, options.workers)
        },
        options.duration.as_secs_f64(),
        options.window.as_secs_f64()
    );
    out += "| query | rate |";
    for p in &options.policies {
        out += &format!(" {p} Σp / max p | {p} kept | {p} changes |");
    }
    for p in &options.policies[1..] {
        out += &format!(" {p} Σp ÷ {base} Σp | {p} max p ÷ {base} Σp |");
    }
    out += "\n|---|---:|";
    for _ in &options.policies {
        out += "---:|---:|---:|";
    }
    for _ in &options.policies[1..] {
        out += "---:|---:|";
    }
    out += "\n";
    let mut sum_ratios = vec![Vec::new(); options.policies.len()];
    let mut max_ratios = vec![Vec::new(); options.policies.len()];
    for row in rows {
        out += &format!("| {} | {:.0} |", row.query, row.rate);
        for run in &row.runs {
            out += &format!(
                " {} / {} | {} | {}{} |",
                run.sum_parallelism,
                run.max_parallelism,
                percent(run.kept_second_half),
                run.applied_changes,
                if run.fallback { " (fallback)" } else { "" }
            );
        }
        let baseline = row.runs[0].sum_parallelism.max(1) as f64;
        for (i, run) in row.runs.iter().enumerate().skip(1) {
            let sum = run.sum_parallelism as f64 / baseline;
            let max = run.max_parallelism as f64 / baseline;
            sum_ratios[i].push(sum);
            max_ratios[i].push(max);
            out += &format!(" {sum:.2} | {max:.2} |");
        }
        out += "\n";
    }
    for (i, p) in options.policies.iter().enumerate().skip(1) {
        if let (Some(sum), Some(max)) = (geo_mean(&sum_ratios[i]), geo_mean(&max_ratios[i])) {
            out += &format!(
                "\n{p} vs {base} (geometric mean over {} runs): Σp ratio {sum:.3}, max p ÷ {base} Σp {max:.3}.\n",
                sum_ratios[i].len()
            );
        }
    }
    out
}

/// Runs `query` as `cli` says: in this process alone, or as process 0 of
/// `cli.processes`, starting the others on loopback (host file `hostfile`).
fn run_with_followers(
    query: &str,
    cli: &CliOptions,
    hostfile: &Path,
) -> Result<RunSummary, String> {
    if cli.processes == 1 {
        return run_once(query, cli);
    }
    loopback_hostfile(hostfile, cli.processes)?;
    let cli = CliOptions {
        hostfile: Some(hostfile.display().to_string()),
        ..cli.clone()
    };
    let binary = std::env::current_exe()
        .map_err(|e| format!("locating nexmark-{query}: {e}"))?
        .with_file_name(format!("nexmark-{query}"));
    let mut followers = Children::new();
    for process in 1..cli.processes {
        followers.spawn(
            &format!("nexmark-{query} -p {process}"),
            Command::new(&binary)
                .args(follower_args(&cli, process))
                .stdout(Stdio::null()),
        )?;
    }
    let run = run_once(query, &cli)?;
    followers.wait_all(Duration::from_secs(60))?;
    Ok(run)
}

/// Runs the benchmark; returns the markdown report.
pub fn run_bench(options: &BenchOptions, command: &str) -> Result<String, String> {
    let runs_dir = format!("{}/runs", options.out);
    std::fs::create_dir_all(&runs_dir).map_err(|e| format!("{runs_dir}: {e}"))?;
    let mut rows = Vec::new();
    let mut results = Vec::new();
    for query in &options.queries {
        for &rate in &options.rates {
            let mut row = Row {
                query: query.clone(),
                rate,
                runs: Vec::new(),
            };
            for policy in &options.policies {
                let cli = CliOptions {
                    rate,
                    duration: options.duration,
                    workers: options.workers,
                    processes: options.processes,
                    parallelism: ParallelismArg::All(1),
                    server: Some(options.server.clone()),
                    policy: policy.clone(),
                    tenant: options.tenant.clone(),
                    job_id: Some(format!("{query}-{rate:.0}-{policy}")),
                    window: options.window,
                    epoch_ms: 100,
                    costs_us: Vec::new(),
                    cost_scale: 1.0,
                    report: None,
                    quiet: true,
                    ..CliOptions::default()
                };
                eprintln!("bench: {query} at {rate:.0}/s with {policy} ...");
                let hostfile = format!("{runs_dir}/{query}-{rate:.0}-{policy}.hosts");
                let run = run_with_followers(query, &cli, Path::new(&hostfile))?;
                eprintln!(
                    "bench: {query} at {rate:.0}/s with {policy}: Σp {} max p {} kept {} changes {}{}",
                    run.sum_parallelism,
                    run.max_parallelism,
                    percent(run.kept_second_half),
                    run.applied_changes,
                    if run.fallback { " (fallback)" } else { "" }
                );
                let path = format!("{runs_dir}/{query}-{rate:.0}-{policy}.json");
                let text = serde_json::to_string_pretty(&run.report).map_err(|e| e.to_string())?;
                std::fs::write(&path, text + "\n").map_err(|e| format!("{path}: {e}"))?;
                results.push(run.report["summary"].clone());
                row.runs.push(run);
            }
            rows.push(row);
        }
    }
    let report = markdown(options, &rows, command);
    let results: Value = json!({ "command": command, "runs": results });
    let path = format!("{}/results.json", options.out);
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&results).map_err(|e| e.to_string())? + "\n",
    )
    .map_err(|e| format!("{path}: {e}"))?;
    let path = format!("{}/report.md", options.out);
    std::fs::write(&path, &report).map_err(|e| format!("{path}: {e}"))?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_and_defaults() {
        let o = parse_bench(&args(
            "--server h:1 --out d --rates 1000,3000 --queries q1,q5 -w 4",
        ))
        .unwrap();
        assert_eq!(o.processes, 1);
        let two = parse_bench(&args("--server h:1 --out d -w 2 -n 2")).unwrap();
        assert_eq!((two.workers, two.processes), (2, 2));
        assert_eq!(o.rates, vec![1000.0, 3000.0]);
        assert_eq!(o.queries, vec!["q1", "q5"]);
        assert_eq!(o.policies, vec!["ds2", "streamtune"]);
        assert_eq!(o.workers, 4);
        assert!(o.tenant.starts_with("timely-bench-"));
    }

    #[test]
    fn rejects_bad_input() {
        assert!(parse_bench(&args("--out d"))
            .unwrap_err()
            .contains("--server"));
        assert!(parse_bench(&args("--server h:1"))
            .unwrap_err()
            .contains("--out"));
        assert!(parse_bench(&args("--server h:1 --out d --queries q4"))
            .unwrap_err()
            .contains("unknown query q4"));
        assert!(parse_bench(&args("--server h:1 --out d --rates 1,x")).is_err());
    }

    #[test]
    fn geo_mean_of_ratios() {
        assert!((geo_mean(&[0.5, 2.0]).unwrap() - 1.0).abs() < 1e-12);
        assert!(geo_mean(&[]).is_none());
    }
}
