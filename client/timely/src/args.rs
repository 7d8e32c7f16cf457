//! Command line of the Nexmark binaries, parsed into `CliOptions`. Kept
//! apart from `cli` so parsing is unit-tested.

use std::time::Duration;

pub const USAGE: &str = "\
usage: nexmark-QUERY --rate R --duration S -w W [-n N -p I -h HOSTFILE] [options]

Runs a Nexmark query on W Timely worker threads, fed by a generator at R
events per second, for S seconds. With --server, a StreamTune agent sends a
snapshot every window and applies the recommendations. With -n N, the job
runs as N processes of W workers each (start every one with the same flags
and its own -p); process 0 runs the agent and decides, the others follow
and end with it.

  --rate R                source events per second (total)
  --duration S            seconds to run
  -w, --workers W         worker threads per process: the pool per-operator parallelism lives in
  -n, --processes N       processes of the job (default 1)
  -p, --process I         this process's index, 0..N (default 0)
  -h, --hostfile FILE     Timely host file: one host:port per process, in order
  --parallelism P|op=p,.. parallelism at start: one value, or per operator (default 1)
  --server HOST:PORT      streamtuned to tune with (default: fixed parallelism)
  --policy NAME           tuning policy (default: the server's)
  --tenant NAME           tenant sent to the server (default \"default\")
  --job-id ID             job id at the server (default nexmark-QUERY)
  --window S              metrics window in seconds (default 2)
  --epoch-ms MS           input epoch length in milliseconds (default 100)
  --query-window S        q5's and q8's window in seconds of input (default 10; q5 slides S/5)
  --cost op=us,..         simulated cost per record in microseconds, per operator
  --cost-scale F          multiplies every operator's cost (default 1)
  --report FILE           write the run's timeline, decisions and summary (JSON)
  --records N             end after N source events (--duration then only bounds the run)
  --rescale S:P,P,..      at S seconds, process 0 applies this parallelism (every
                          operator, in order); repeatable
  --outcome FILE          write this process's outcome (records, results, checksum; JSON)
  --quiet                 do not print decisions as they happen
";

#[derive(Clone, Debug, PartialEq)]
pub enum ParallelismArg {
    All(usize),
    PerOperator(Vec<(String, usize)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct CliOptions {
    pub rate: f64,
    pub duration: Duration,
    pub workers: usize,
    pub processes: usize,
    pub process: usize,
    pub hostfile: Option<String>,
    pub parallelism: ParallelismArg,
    pub server: Option<String>,
    pub policy: String,
    pub tenant: String,
    pub job_id: Option<String>,
    pub window: Duration,
    pub epoch_ms: u64,
    pub query_window_s: f64,
    pub costs_us: Vec<(String, f64)>,
    pub cost_scale: f64,
    pub report: Option<String>,
    pub quiet: bool,
    pub records: Option<u64>,
    /// (seconds after the start, every operator's parallelism)
    pub rescale: Vec<(f64, Vec<usize>)>,
    pub outcome: Option<String>,
}

impl Default for CliOptions {
    fn default() -> Self {
        CliOptions {
            rate: 0.0,
            duration: Duration::ZERO,
            workers: 0,
            processes: 1,
            process: 0,
            hostfile: None,
            parallelism: ParallelismArg::All(1),
            server: None,
            policy: String::new(),
            tenant: "default".into(),
            job_id: None,
            window: Duration::from_secs(2),
            epoch_ms: 100,
            query_window_s: crate::nexmark::DEFAULT_WINDOW_S,
            costs_us: Vec::new(),
            cost_scale: 1.0,
            report: None,
            quiet: false,
            records: None,
            rescale: Vec::new(),
            outcome: None,
        }
    }
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag}: not a number: {value:?}"))
}

fn positive(flag: &str, value: &str) -> Result<f64, String> {
    let v: f64 = number(flag, value)?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("{flag}: must be > 0, got {value}"))
    }
}

fn pairs<T: std::str::FromStr>(flag: &str, value: &str) -> Result<Vec<(String, T)>, String> {
    value
        .split(',')
        .map(|pair| {
            let (name, v) = pair
                .split_once('=')
                .ok_or_else(|| format!("{flag}: expected op=value, got {pair:?}"))?;
            Ok((name.trim().to_string(), number(flag, v.trim())?))
        })
        .collect()
}

/// The command line of process `process` of a job of several processes
/// that `cli` (process 0's options) describes: the same job (rate, input,
/// workers, parallelism, costs, windows) on the same host file, without what
/// only process 0 does (the agent, reports, scripted changes).
pub fn follower_args(cli: &CliOptions, process: usize) -> Vec<String> {
    let pairs = |items: Vec<String>| items.join(",");
    let mut args: Vec<String> = vec![
        "--rate".into(),
        cli.rate.to_string(),
        "--duration".into(),
        cli.duration.as_secs_f64().to_string(),
        "-w".into(),
        cli.workers.to_string(),
        "-n".into(),
        cli.processes.to_string(),
        "-p".into(),
        process.to_string(),
        "--parallelism".into(),
        match &cli.parallelism {
            ParallelismArg::All(p) => p.to_string(),
            ParallelismArg::PerOperator(ops) => {
                pairs(ops.iter().map(|(op, p)| format!("{op}={p}")).collect())
            }
        },
        "--epoch-ms".into(),
        cli.epoch_ms.to_string(),
        "--query-window".into(),
        cli.query_window_s.to_string(),
        "--cost-scale".into(),
        cli.cost_scale.to_string(),
        "--quiet".into(),
    ];
    if let Some(hostfile) = &cli.hostfile {
        args.extend(["--hostfile".into(), hostfile.clone()]);
    }
    if !cli.costs_us.is_empty() {
        let costs = cli.costs_us.iter().map(|(op, us)| format!("{op}={us}"));
        args.extend(["--cost".into(), pairs(costs.collect())]);
    }
    if let Some(records) = cli.records {
        args.extend(["--records".into(), records.to_string()]);
    }
    args
}

/// `S:P,P,..`: a time in seconds and every operator's parallelism.
fn rescale_step(flag: &str, value: &str) -> Result<(f64, Vec<usize>), String> {
    let (at, parallelism) = value
        .split_once(':')
        .ok_or_else(|| format!("{flag}: expected S:P,P,.., got {value:?}"))?;
    let at: f64 = number(flag, at.trim())?;
    let parallelism = parallelism
        .split(',')
        .map(|p| number::<usize>(flag, p.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    if !(at.is_finite() && at >= 0.0) || parallelism.contains(&0) {
        return Err(format!(
            "{flag}: times >= 0 and parallelism >= 1, got {value:?}"
        ));
    }
    Ok((at, parallelism))
}

/// Parses the arguments (without the program name).
pub fn parse(args: &[String]) -> Result<CliOptions, String> {
    let mut rate = None;
    let mut duration = None;
    let mut workers = None;
    let mut options = CliOptions::default();
    let mut i = 0;
    while i < args.len() {
        let (flag, inline) = match args[i].split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (args[i].clone(), None),
        };
        i += 1;
        if flag == "--quiet" {
            options.quiet = true;
            continue;
        }
        // `-h FILE` is Timely's host file; `-h` alone asks for help.
        let hostfile_follows = args.get(i).is_some_and(|v| !v.starts_with('-'));
        if flag == "--help" || (flag == "-h" && !hostfile_follows) {
            return Err(String::new());
        }
        let value = match inline {
            Some(v) => v,
            None => {
                let v = args
                    .get(i)
                    .ok_or_else(|| format!("{flag}: missing value"))?;
                i += 1;
                v.clone()
            }
        };
        match flag.as_str() {
            "--rate" => rate = Some(positive(&flag, &value)?),
            "--duration" => duration = Some(Duration::from_secs_f64(positive(&flag, &value)?)),
            "-w" | "--workers" => {
                let w: usize = number(&flag, &value)?;
                if w == 0 {
                    return Err(format!("{flag}: at least one worker"));
                }
                workers = Some(w);
            }
            "--parallelism" => {
                options.parallelism = if value.contains('=') {
                    ParallelismArg::PerOperator(pairs(&flag, &value)?)
                } else {
                    ParallelismArg::All(number(&flag, &value)?)
                }
            }
            "-n" | "--processes" => {
                options.processes = number(&flag, &value)?;
                if options.processes == 0 {
                    return Err(format!("{flag}: at least one process"));
                }
            }
            "-p" | "--process" => options.process = number(&flag, &value)?,
            "-h" | "--hostfile" => options.hostfile = Some(value),
            "--records" => options.records = Some(number(&flag, &value)?),
            "--rescale" => options.rescale.push(rescale_step(&flag, &value)?),
            "--outcome" => options.outcome = Some(value),
            "--server" => options.server = Some(value),
            "--policy" => options.policy = value,
            "--tenant" => options.tenant = value,
            "--job-id" => options.job_id = Some(value),
            "--window" => options.window = Duration::from_secs_f64(positive(&flag, &value)?),
            "--epoch-ms" => options.epoch_ms = positive(&flag, &value)? as u64,
            "--query-window" => options.query_window_s = positive(&flag, &value)?,
            "--cost" => options.costs_us = pairs(&flag, &value)?,
            "--cost-scale" => {
                let scale: f64 = number(&flag, &value)?;
                if !(scale.is_finite() && scale >= 0.0) {
                    return Err(format!("{flag}: must be >= 0, got {value}"));
                }
                options.cost_scale = scale;
            }
            "--report" => options.report = Some(value),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    options.rate = rate.ok_or("--rate is required")?;
    options.duration = duration.ok_or("--duration is required")?;
    options.workers = workers.ok_or("-w is required")?;
    if options.epoch_ms == 0 {
        return Err("--epoch-ms: must be >= 1".into());
    }
    if let ParallelismArg::All(0) = options.parallelism {
        return Err("--parallelism: must be >= 1".into());
    }
    if options.process >= options.processes {
        return Err(format!(
            "-p {} is not one of the {} processes",
            options.process, options.processes
        ));
    }
    if options.processes > 1 && options.hostfile.is_none() {
        return Err("-n > 1 needs a host file (-h FILE)".into());
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_a_full_command_line() {
        let o = parse(&args(
            "--rate 5000 --duration=30 -w 8 --parallelism q1.convert=2,q1.sink=1 --server 127.0.0.1:5 \
             --policy ds2 --window 1.5 --cost q1.convert=250 --cost-scale 2 --report r.json --quiet",
        ))
        .unwrap();
        assert_eq!(o.rate, 5000.0);
        assert_eq!(o.duration, Duration::from_secs(30));
        assert_eq!(o.workers, 8);
        assert_eq!(
            o.parallelism,
            ParallelismArg::PerOperator(vec![("q1.convert".into(), 2), ("q1.sink".into(), 1)])
        );
        assert_eq!(o.server.as_deref(), Some("127.0.0.1:5"));
        assert_eq!(o.policy, "ds2");
        assert_eq!(o.window, Duration::from_millis(1500));
        assert_eq!(o.costs_us, vec![("q1.convert".to_string(), 250.0)]);
        assert_eq!(o.cost_scale, 2.0);
        assert_eq!(o.report.as_deref(), Some("r.json"));
        assert!(o.quiet);
    }

    #[test]
    fn rejects_bad_input_with_the_flag_named() {
        assert!(parse(&args("--duration 1 -w 1"))
            .unwrap_err()
            .contains("--rate"));
        assert!(parse(&args("--rate x --duration 1 -w 1"))
            .unwrap_err()
            .contains("--rate: not a number"));
        assert!(parse(&args("--rate -3 --duration 1 -w 1"))
            .unwrap_err()
            .contains("must be > 0"));
        assert!(parse(&args("--rate 1 --duration 1 -w 0"))
            .unwrap_err()
            .contains("-w"));
        assert!(parse(&args("--rate 1 --duration 1 -w 1 --bogus 3"))
            .unwrap_err()
            .contains("unknown flag --bogus"));
        assert!(parse(&args("--rate 1 --duration 1 -w 1 --cost oops"))
            .unwrap_err()
            .contains("op=value"));
        assert!(parse(&args("--rate 1 --duration 1 -w"))
            .unwrap_err()
            .contains("missing value"));
        assert!(parse(&args("--rate 1 --duration 1 -w 2 --parallelism 0")).is_err());
        assert!(parse(&args("--rate 1 --duration 1 -w 1 -n 2"))
            .unwrap_err()
            .contains("host file"));
        assert!(
            parse(&args("--rate 1 --duration 1 -w 1 -n 2 -p 2 -h hosts"))
                .unwrap_err()
                .contains("-p 2")
        );
        assert!(parse(&args("--rate 1 --duration 1 -w 1 --rescale 1:2,0"))
            .unwrap_err()
            .contains("--rescale"));
    }

    #[test]
    fn parses_a_cluster_process_and_a_scripted_run() {
        let o = parse(&args(
            "--rate 40000 --duration 60 -w 2 -n 2 -p 1 -h /tmp/hosts --records 80000 \
             --rescale 0.5:1,2,3 --rescale 1.5:1,1,1 --outcome o.json --query-window 0.5",
        ))
        .unwrap();
        assert_eq!((o.processes, o.process), (2, 1));
        assert_eq!(o.hostfile.as_deref(), Some("/tmp/hosts"));
        assert_eq!(o.records, Some(80_000));
        assert_eq!(o.rescale, vec![(0.5, vec![1, 2, 3]), (1.5, vec![1, 1, 1])]);
        assert_eq!(o.outcome.as_deref(), Some("o.json"));
        assert_eq!(o.query_window_s, 0.5);
        assert_eq!(parse(&args("-h")).unwrap_err(), "", "-h alone is help");
    }

    #[test]
    fn followers_run_the_same_job_without_process_0_duties() {
        let leader = parse(&args(
            "--rate 4000 --duration 30 -w 4 -n 3 -h hosts --parallelism q5.count=2 \
             --epoch-ms 50 --query-window 0.5 --cost q5.count=250 --cost-scale 0.5 --records 900 \
             --server s:1 --policy ds2 --rescale 1:1,2 --outcome o.json --report r.json",
        ))
        .unwrap();
        let follower = parse(&follower_args(&leader, 2)).unwrap();
        assert_eq!(
            follower,
            CliOptions {
                process: 2,
                quiet: true,
                server: None,
                policy: String::new(),
                rescale: Vec::new(),
                outcome: None,
                report: None,
                ..leader.clone()
            }
        );
    }
}
