//! Running the `antom` binary in tests: a child process whose output lines
//! can be awaited, killed when dropped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// A running `antom` command.
pub struct Antom {
    child: Child,
    lines: Receiver<String>,
    pub seen: Vec<String>,
}

impl Antom {
    /// Starts `antom <args>` with extra environment variables.
    pub fn spawn(args: &[&str], env: &[(&str, &str)]) -> Antom {
        let mut child = Command::new(env!("CARGO_BIN_EXE_antom"))
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = channel();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let tx2 = tx.clone();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let _ = tx2.send(format!("stderr: {line}"));
            }
        });
        Antom {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (up to 20 s) for a line containing `needle`; returns it.
    pub fn wait_for_line(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        if let Some(line) = self.seen.iter().find(|l| l.contains(needle)) {
            return line.clone();
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!("no line containing {needle:?}; saw {:#?}", self.seen),
            }
        }
    }

    /// Every line so far (without waiting).
    pub fn drain(&mut self) -> &[String] {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        &self.seen
    }

    /// Waits for the process to exit (up to 20 s); its exit code.
    pub fn wait_exit(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(50));
                self.drain();
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("antom did not exit; saw {:#?}", self.drain());
    }

    /// Kills it now (the listener dropping mid-run).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Antom {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `antom <args>` to completion: (exit code, stdout + stderr).
pub fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_antom"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// The ANTOM_* configuration of a merchant pointed at a mock on `base_url`.
pub fn mock_config_env(base_url: &str) -> Vec<(&'static str, String)> {
    let keys = antom_testkit::keys::keys_dir();
    vec![
        ("ANTOM_CLIENT_ID", antom_testkit::mock::DEFAULT_CLIENT_ID.to_owned()),
        (
            "ANTOM_MERCHANT_PRIVATE_KEY_FILE",
            keys.join("merchant_private_key.pem").display().to_string(),
        ),
        (
            "ANTOM_PUBLIC_KEY_FILE",
            keys.join("antom_public_key.pem").display().to_string(),
        ),
        ("ANTOM_BASE_URL", base_url.to_owned()),
        ("ANTOM_NOTIFY_URL", "http://127.0.0.1:9/antom/notify".to_owned()),
        ("ANTOM_REDIRECT_URL", "http://127.0.0.1:9/antom/return".to_owned()),
    ]
}
