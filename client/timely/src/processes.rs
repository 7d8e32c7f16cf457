//! Starting the processes of a multi-process job on this machine: a Timely
//! host file on free loopback ports, and child processes that are killed
//! when their owner drops them (a failed run must not leave any behind).
//! Used by `nexmark-bench -n` and the multi-process tests. Not thread-safe.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// Writes the host file `path` with `processes` free loopback addresses
/// (ports bound all at once, so they differ).
pub fn loopback_hostfile(path: &Path, processes: usize) -> Result<(), String> {
    let listeners = (0..processes)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("no free loopback port: {e}"))?;
    let mut text = String::new();
    for listener in &listeners {
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        text.push_str(&format!("127.0.0.1:{port}\n"));
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Named child processes, killed (and reaped) on drop.
#[derive(Default)]
pub struct Children {
    children: Vec<(String, Child)>,
}

impl Children {
    pub fn new() -> Self {
        Children::default()
    }

    pub fn spawn(&mut self, name: &str, command: &mut Command) -> Result<(), String> {
        let child = command
            .spawn()
            .map_err(|e| format!("starting {name}: {e}"))?;
        self.children.push((name.to_string(), child));
        Ok(())
    }

    /// Waits (polling, up to `timeout`) until every child has exited; fails
    /// naming the first that failed, or those still running.
    pub fn wait_all(&mut self, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut running = Vec::new();
            for (name, child) in &mut self.children {
                match child.try_wait().map_err(|e| format!("{name}: {e}"))? {
                    None => running.push(name.clone()),
                    Some(status) if !status.success() => return Err(format!("{name}: {status}")),
                    Some(_) => {}
                }
            }
            if running.is_empty() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "still running after {timeout:?}: {}",
                    running.join(", ")
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_file_lists_distinct_loopback_ports() {
        let path = std::env::temp_dir().join(format!("streamtune-hosts-{}", std::process::id()));
        loopback_hostfile(&path, 3).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.starts_with("127.0.0.1:")), "{text}");
        lines.dedup();
        assert_eq!(lines.len(), 3, "{text}");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn wait_all_reports_a_failed_child_and_drop_kills_the_rest() {
        let mut children = Children::new();
        children
            .spawn("fails", Command::new("sh").args(["-c", "exit 3"]))
            .unwrap();
        children
            .spawn("sleeps", Command::new("sleep").arg("30"))
            .unwrap();
        let err = children.wait_all(Duration::from_secs(10)).unwrap_err();
        assert!(err.starts_with("fails:"), "{err}");
        let err = Children::new()
            .spawn("missing", &mut Command::new("/nonexistent/binary"))
            .unwrap_err();
        assert!(err.contains("missing"), "{err}");
        let started = Instant::now();
        drop(children);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "sleep was killed"
        );
    }
}
