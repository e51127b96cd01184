//! This test binary run again as another process, for one of its tests (a role or
//! member that only runs when the environment names it), talking over its stdin and
//! stdout lines.
use super::DEADLINE;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The command that runs the test `test` alone (`--exact`) of this binary, on one
/// thread with its output shown, started under `wrap` (a command and its arguments,
/// such as `unshare ...`) when that is not empty.
pub fn command(wrap: &[&str], test: &str) -> Command {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = match wrap.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(&exe);
            c
        }
        None => Command::new(&exe),
    };
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"]);
    cmd
}

/// A running child, killed when dropped.
pub struct Reexec {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

impl Reexec {
    /// Starts `cmd` with piped stdin and stdout; a thread passes its stdout lines on.
    pub fn spawn(mut cmd: Command) -> Reexec {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn a child");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Reexec {
            stdin: child.stdin.take(),
            child,
            lines,
        }
    }

    /// The next line holding `prefix` (libtest may print before it on the same line),
    /// from `prefix` on; others are skipped. Within `timeout`.
    pub fn expect(&self, prefix: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if l.contains(prefix) => return l[l.find(prefix).unwrap_or(0)..].to_string(),
                Ok(_) => {}
                Err(e) => panic!("no '{prefix}' line from the child: {e}"),
            }
        }
    }

    /// The number the child printed after `key` (in a `key value` line), within
    /// `DEADLINE`.
    pub fn value(&self, key: &str) -> i64 {
        self.expect(key, DEADLINE)[key.len()..]
            .trim()
            .parse()
            .unwrap()
    }

    pub fn send(&mut self, line: &str) {
        let s = self.stdin.as_mut().unwrap();
        writeln!(s, "{line}").unwrap();
        s.flush().unwrap();
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        self.child.wait().expect("reap the child");
    }
}

impl Drop for Reexec {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
