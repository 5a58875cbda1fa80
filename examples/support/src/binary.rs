//! Running an example binary as a newcomer does: `PORT=0` (a free port), no
//! `ANTOM_*` variables unless given (then it starts the mock Antom), its
//! output read until it prints its URL. Each example crate's
//! `tests/binary.rs` uses these on its own binary (`CARGO_BIN_EXE_<name>`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::testing::WAIT;

/// A running binary, killed on drop.
pub struct Running {
    child: Child,
    /// The merchant server's `http://127.0.0.1:<port>`.
    pub url: String,
    output: mpsc::Receiver<String>,
    /// What it printed up to its URL.
    start: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `program` in `dir` with `env` on top of a clean `ANTOM_*`-free
/// environment and waits for the line naming its `http://127.0.0.1:` URL.
pub fn run(program: &str, dir: &Path, env: &[(&str, String)]) -> Running {
    let mut command = Command::new(program);
    command
        .current_dir(dir)
        .env("PORT", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("ANTOM_")) {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap_or_else(|e| panic!("{program}: {e}"));
    let (tx, output) = mpsc::channel();
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    let mut seen = Vec::new();
    let url = loop {
        match output.recv_timeout(WAIT) {
            Ok(line) => {
                let found = line.find("http://127.0.0.1:").map(|at| {
                    line[at..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.'))
                        .collect::<String>()
                });
                seen.push(line.clone());
                // The merchant server's line, not the mock's or Antom's.
                let merchant = line.contains("ready: open http") || line.contains(" server on http");
                if let Some(url) = found.filter(|_| merchant) {
                    break url.trim_end_matches([':', '/', '.']).to_owned();
                }
            }
            Err(_) => panic!("{program} printed no URL within {WAIT:?}; output:\n{}", seen.join("\n")),
        }
    };
    Running {
        child,
        url,
        output,
        start: seen,
    }
}

/// Everything the binary printed so far.
pub fn drain(running: &Running) -> String {
    let later = std::iter::from_fn(|| running.output.recv_timeout(Duration::from_millis(50)).ok());
    running
        .start
        .iter()
        .cloned()
        .chain(later)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts how `program` reports a start-up configuration error: one plain
/// `error: ...` line per problem on stderr (no `Error: ` Debug dump, no
/// quoted `\n`), exit status 2. Run in an empty folder `dir`.
pub fn assert_configuration_errors_are_plain_lines(program: &str, dir: &Path) {
    let cases: [(&[(&str, &str)], usize); 2] = [
        (&[("PORT", "eighty")], 1),
        // Client id set, both keys missing, a region that does not exist.
        (&[("ANTOM_CLIENT_ID", "SANDBOX_X"), ("ANTOM_REGION", "mars")], 3),
    ];
    for (env, problems) in cases {
        let mut command = Command::new(program);
        command.current_dir(dir).env("PORT", "0").env("RUST_LOG", "off");
        for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("ANTOM_")) {
            command.env_remove(name);
        }
        command.envs(env.iter().copied());
        let output = command.output().unwrap_or_else(|e| panic!("{program}: {e}"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{program} {env:?}: {stderr}");
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error: ")).collect();
        assert!(
            errors.len() >= problems,
            "{program} {env:?}: one line per problem: {stderr}"
        );
        assert!(!stderr.contains("Error: "), "{program}: no Debug dump: {stderr}");
        assert!(
            !stderr.contains("\\n") && !stderr.contains("\\\""),
            "{program}: no escapes: {stderr}"
        );
    }
}
