//! Benchmark of the tuning policies on the Timely Nexmark queries (see
//! --help and bench/timely_nexmark.sh, which starts the service for it).
use streamtune_timely::bench::{parse_bench, run_bench, BENCH_USAGE};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse_bench(&args) {
        Ok(options) => options,
        Err(message) if message.is_empty() => {
            print!("{BENCH_USAGE}");
            return;
        }
        Err(message) => {
            eprintln!("nexmark-bench: {message}\n\n{BENCH_USAGE}");
            std::process::exit(2);
        }
    };
    let command = format!("nexmark-bench {}", args.join(" "));
    match run_bench(&options, &command) {
        Ok(report) => print!("{report}"),
        Err(message) => {
            eprintln!("nexmark-bench: {message}");
            std::process::exit(1);
        }
    }
}
