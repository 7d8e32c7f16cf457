//! Nexmark q2 on Timely, optionally tuned by streamtuned (see --help).
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(streamtune_timely::cli::main("q2", &args));
}
