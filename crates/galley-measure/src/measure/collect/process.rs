//! Running a collector's program (`nvidia-smi`, `systemctl`, `kubectl`) with a deadline: the
//! child is killed when the deadline passes, its output is capped, and nothing here blocks
//! past the deadline (readers of a killed child's pipes are left to finish on their own).
//!
//! The program runs in a process group of its own, and the whole group is killed when the
//! program ends or its deadline passes, so nothing it started (a `sleep` in a wrapper script,
//! a helper left in the background) outlives it. The program is seen to end without being
//! reaped (`waitid` with `WNOWAIT`), so its group id cannot be reused before the group is
//! killed.

use rustix::process::{Pid, Signal, WaitId, WaitIdOptions};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The most output read from one program.
const OUTPUT_LIMIT: u64 = 64 * 1024 * 1024;

#[derive(Debug, PartialEq, Eq)]
pub enum RunError {
    /// The program could not be started.
    Spawn(String),
    /// It ran past the deadline and was killed.
    Timeout(Duration),
    /// It exited unsuccessfully; the first line of its stderr.
    Failed(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Spawn(e) => write!(f, "could not start: {e}"),
            RunError::Timeout(d) => write!(f, "timed out after {} ms", d.as_millis()),
            RunError::Failed(e) => write!(f, "failed: {e}"),
        }
    }
}

/// Run `program args…`; its stdout on success.
pub fn run(program: &Path, args: &[&str], timeout: Duration) -> Result<String, RunError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| RunError::Spawn(e.to_string()))?;
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(p) = pipe {
                let _ = p.take(OUTPUT_LIMIT).read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let status = wait_within(&mut child, timeout)?;
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if !status.success() {
        let text = String::from_utf8_lossy(&stderr);
        let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(RunError::Failed(format!("{status}: {}", line.trim())));
    }
    String::from_utf8(stdout).map_err(|_| RunError::Failed("output is not UTF-8".into()))
}

/// The child's exit status, once it ends within `timeout`; its process group is killed
/// either way (before the child is reaped, while the group id is still the child's).
fn wait_within(child: &mut Child, timeout: Duration) -> Result<ExitStatus, RunError> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    let group = Pid::from_child(child);
    loop {
        match exited(group) {
            Ok(true) => {
                let _ = rustix::process::kill_process_group(group, Signal::KILL);
                return child.wait().map_err(|e| RunError::Spawn(e.to_string()));
            }
            Ok(false) if start.elapsed() < timeout => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            outcome => {
                let _ = rustix::process::kill_process_group(group, Signal::KILL);
                let _ = child.kill();
                let _ = child.wait();
                return Err(match outcome {
                    Err(e) => RunError::Spawn(e.to_string()),
                    _ => RunError::Timeout(timeout),
                });
            }
        }
    }
}

/// Whether the child has exited, leaving it unreaped.
fn exited(pid: Pid) -> std::io::Result<bool> {
    let options = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
    match rustix::process::waitid(WaitId::Pid(pid), options) {
        Ok(status) => Ok(status.is_some()),
        Err(rustix::io::Errno::INTR) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_failure_and_timeout() {
        let sh = Path::new("/bin/sh");
        let t = Duration::from_secs(5);
        assert_eq!(run(sh, &["-c", "echo hi"], t), Ok("hi\n".into()));
        assert!(matches!(
            run(sh, &["-c", "echo boom >&2; exit 3"], t),
            Err(RunError::Failed(e)) if e.contains("boom")
        ));
        let started = Instant::now();
        assert!(matches!(
            run(sh, &["-c", "sleep 5"], Duration::from_millis(100)),
            Err(RunError::Timeout(_))
        ));
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(matches!(
            run(Path::new("/nonexistent/x"), &[], t),
            Err(RunError::Spawn(_))
        ));
    }
}
