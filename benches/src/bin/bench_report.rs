//! Turns the criterion results of the `signing` and `layers` benches into the
//! Markdown tables of BENCHMARKS.md: medians, rates, and the ratios to OpenSSL
//! and to the bare cryptographic operation, all from the same run.
//!
//! ```text
//! cargo run --release -p antom-benches --bin bench_report [-- <criterion dir, default target/criterion>]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use antom_benches::{size_label, BODY_SIZES};

/// Criterion's median estimate (ns) of every benchmark found, by full id.
fn load(dir: &Path) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_dir() {
                continue;
            }
            if path.file_name().is_some_and(|n| n == "new") {
                let read = |name: &str| -> Option<serde_json::Value> {
                    serde_json::from_str(&std::fs::read_to_string(path.join(name)).ok()?).ok()
                };
                let (Some(benchmark), Some(estimates)) = (read("benchmark.json"), read("estimates.json")) else {
                    continue;
                };
                if let (Some(id), Some(median)) = (
                    benchmark["full_id"].as_str(),
                    estimates["median"]["point_estimate"].as_f64(),
                ) {
                    out.insert(id.to_owned(), median);
                }
            } else {
                stack.push(path);
            }
        }
    }
    out
}

/// A duration in ns, printed in the unit that suits it.
fn time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Operations per second for a duration in ns.
fn rate(ns: f64) -> String {
    let per_second = 1e9 / ns;
    if per_second >= 1e6 {
        format!("{:.2} M/s", per_second / 1e6)
    } else if per_second >= 1e3 {
        format!("{:.2} k/s", per_second / 1e3)
    } else {
        format!("{per_second:.0} /s")
    }
}

struct Report {
    results: BTreeMap<String, f64>,
}

impl Report {
    fn get(&self, id: &str) -> Option<f64> {
        self.results.get(id).copied()
    }

    /// `sign` or `verify`: each backend's time and rate, and its rate as a multiple of OpenSSL's.
    fn versus_openssl(&self, group: &str) {
        println!("### {group} (single core; ratio = rate / OpenSSL's rate in the same run)\n");
        println!("| body | aws-lc-rs | rsa | OpenSSL | aws-lc-rs / OpenSSL | rsa / OpenSSL |");
        println!("| --- | ---: | ---: | ---: | ---: | ---: |");
        for len in BODY_SIZES {
            let size = size_label(len);
            let at = |backend: &str| self.get(&format!("{group}/{backend}/{size}"));
            let (Some(aws), Some(rsa), Some(openssl)) = (at("aws-lc-rs"), at("rsa"), at("openssl")) else {
                continue;
            };
            println!(
                "| {size} | {} ({}) | {} ({}) | {} ({}) | {:.2}x | {:.2}x |",
                time(aws),
                rate(aws),
                time(rsa),
                rate(rsa),
                time(openssl),
                rate(openssl),
                openssl / aws,
                openssl / rsa
            );
        }
        println!();
    }

    fn prefixed(&self, title: &str, prefix: &str) {
        let rows: Vec<_> = self.results.iter().filter(|(id, _)| id.starts_with(prefix)).collect();
        if rows.is_empty() {
            return;
        }
        println!("### {title}\n");
        println!("| benchmark | median | rate |");
        println!("| --- | ---: | ---: |");
        for (id, &ns) in rows {
            println!("| `{id}` | {} | {} |", time(ns), rate(ns));
        }
        println!();
    }

    fn notify_layer(&self) {
        println!("### VerifyNotificationLayer overhead (aws-lc-rs, single core)\n");
        println!(
            "overhead = with_layer - handler_only - verify_raw: everything the layer does besides the RSA \
             verification (header checks and signature-header parsing, request-time parsing, body buffering, \
             path, extension, allocation).\n"
        );
        println!(
            "| body | handler only | with layer | verify (raw RSA) | verify_header_value (parse + RSA) | \
             layer overhead | overhead / verify | overhead beyond verify_header_value / verify |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for len in BODY_SIZES {
            let size = size_label(len);
            let at = |name: &str| self.get(&format!("notify_layer/{name}/{size}"));
            let (Some(handler), Some(layer), Some(raw), Some(header)) = (
                at("handler_only"),
                at("with_layer"),
                at("verify_raw"),
                at("verify_header"),
            ) else {
                continue;
            };
            let overhead = layer - handler - raw;
            let beyond = layer - handler - header;
            println!(
                "| {size} | {} | {} | {} | {} | {} | {:.1}% | {:.1}% |",
                time(handler),
                time(layer),
                time(raw),
                time(header),
                time(overhead),
                100.0 * overhead / raw,
                100.0 * beyond / raw
            );
        }
        println!();
    }

    fn sign_layer(&self) {
        println!("### SignRequestLayer overhead (aws-lc-rs, single core)\n");
        println!(
            "overhead = with_layer - inner_only - sign_raw: body buffering, request-time, header formatting \
             and insertion, allocation.\n"
        );
        println!("| body | inner only | with layer | sign (raw) | layer overhead | overhead / sign |");
        println!("| --- | ---: | ---: | ---: | ---: | ---: |");
        for len in BODY_SIZES {
            let size = size_label(len);
            let at = |name: &str| self.get(&format!("sign_layer/{name}/{size}"));
            let (Some(inner), Some(layer), Some(raw)) = (at("inner_only"), at("with_layer"), at("sign_raw")) else {
                continue;
            };
            let overhead = layer - inner - raw;
            println!(
                "| {size} | {} | {} | {} | {} | {:.1}% |",
                time(inner),
                time(layer),
                time(raw),
                time(overhead),
                100.0 * overhead / raw
            );
        }
        println!();
    }
}

fn main() {
    let dir = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
            .join("criterion")
    });
    let results = load(&dir);
    if results.is_empty() {
        eprintln!("bench_report: no criterion results under {}", dir.display());
        std::process::exit(1);
    }
    let report = Report { results };
    report.versus_openssl("sign");
    report.versus_openssl("verify");
    report.prefixed("Content to sign", "content/");
    report.prefixed("Signature header", "header/");
    report.prefixed("Key loading", "key_load/");
    report.notify_layer();
    report.sign_layer();
}
