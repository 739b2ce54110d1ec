//! Shared helpers for the benchmarks in `src/bin/`.
//!
//! Every benchmark compares xnix with a reference (real Nix, or a native
//! build) in the same run, so both sides see the same machine state. The
//! helpers here run a program to completion while measuring its wall time
//! and peak resident set size, summarise repeated runs, locate the programs
//! under test, and print aligned result tables.

use std::ffi::OsStr;
use std::io::{self, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What one measured run of a program produced.
#[derive(Debug)]
pub struct Measurement {
    /// Wall-clock time from spawn to exit.
    pub wall: Duration,
    /// Peak resident set size of the process, in KiB (`ru_maxrss`).
    pub max_rss_kib: u64,
    /// CPU time (user + system) of the process and of every descendant it
    /// waited for: a build's whole process tree.
    pub cpu: Duration,
    /// How the process ended.
    pub status: ExitStatus,
    /// Everything the process wrote to standard output.
    pub stdout: Vec<u8>,
    /// Everything the process wrote to standard error.
    pub stderr: Vec<u8>,
}

impl Measurement {
    /// Peak resident set size in MiB.
    pub fn max_rss_mib(&self) -> f64 {
        self.max_rss_kib as f64 / 1024.0
    }
}

/// Runs `cmd` to completion with standard input closed, capturing its output,
/// and measures wall time and peak RSS.
///
/// The peak RSS comes from `wait4(2)`'s resource usage for exactly this
/// child, so concurrent processes do not disturb it.
pub fn run_measured(cmd: &mut Command) -> io::Result<Measurement> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut stdout_pipe = child.stdout.take().expect("stdout is piped");
    let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
    // Drain both pipes concurrently so a chatty child cannot block on a full pipe.
    let stderr_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stderr_pipe.read_to_end(&mut buf).map(|_| buf)
    });
    let mut stdout = Vec::new();
    stdout_pipe.read_to_end(&mut stdout)?;
    let stderr = stderr_reader
        .join()
        .map_err(|_| io::Error::other("stderr reader thread panicked"))??;

    let mut raw_status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = loop {
        // SAFETY: `pid` is our own unreaped child; both pointers are valid
        // for writes for the duration of the call.
        let rc = unsafe { libc::wait4(pid, &mut raw_status, 0, &mut usage) };
        if rc == -1 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        break rc;
    };
    let wall = started.elapsed();
    if waited != pid {
        return Err(io::Error::last_os_error());
    }
    // The child has been reaped by wait4; dropping `child` does not wait again.
    drop(child);
    let timeval = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Ok(Measurement {
        wall,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
        // Linux reports ru_maxrss in KiB.
        max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        status: ExitStatus::from_raw(raw_status),
        stdout,
        stderr,
    })
}

/// The median of `values` (the mean of the two middle values for an even
/// count); `None` for an empty slice.
pub fn median<T: Copy + PartialOrd + Into<f64>>(values: &[T]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted: Vec<f64> = values.iter().map(|&v| v.into()).collect();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

/// The workspace root: the parent of the bench crate's directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the bench crate sits inside the workspace")
        .to_path_buf()
}

/// Locates the xnix binary to benchmark.
///
/// Order: `$XNIX_BIN`; `$CARGO_TARGET_DIR/release/xnix`;
/// `<workspace>/target/release/xnix`. The error says how to build it.
pub fn find_xnix() -> Result<PathBuf, String> {
    if let Some(bin) = std::env::var_os("XNIX_BIN") {
        let bin = PathBuf::from(bin);
        return if bin.is_file() {
            Ok(bin)
        } else {
            Err(format!("XNIX_BIN={} is not a file", bin.display()))
        };
    }
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        candidates.push(PathBuf::from(dir).join("release/xnix"));
    }
    candidates.push(workspace_root().join("target/release/xnix"));
    candidates
        .iter()
        .find(|c| c.is_file())
        .cloned()
        .ok_or_else(|| {
            format!(
                "no release xnix binary found (looked at {}); build it with \
                 `cargo build --release -p xnix` or point XNIX_BIN at one",
                candidates
                    .iter()
                    .map(|c| c.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// Whether `program` can be started (it answers `--version`).
pub fn program_available(program: impl AsRef<OsStr>) -> bool {
    Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A plain-text table whose columns are padded to their widest cell.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with the given column headings.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends one row; missing cells print empty.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// Renders the table: first column left-aligned, the others right-aligned.
    pub fn render(&self) -> String {
        let columns = self
            .rows
            .iter()
            .map(Vec::len)
            .chain([self.header.len()])
            .max()
            .unwrap_or(0);
        let mut widths = vec![0usize; columns];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |row: &[String]| {
            let cells: Vec<String> = (0..columns)
                .map(|i| {
                    let cell = row.get(i).map(String::as_str).unwrap_or("");
                    if i == 0 {
                        format!("{cell:<w$}", w = widths[i])
                    } else {
                        format!("{cell:>w$}", w = widths[i])
                    }
                })
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        };
        line(&self.header);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(&rule);
        for row in &self.rows {
            line(row);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median::<f64>(&[]), None);
    }

    #[test]
    fn measures_output_status_and_memory() {
        let m = run_measured(Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]))
            .expect("sh runs");
        assert_eq!(m.stdout, b"out\n");
        assert_eq!(m.stderr, b"err\n");
        assert_eq!(m.status.code(), Some(3));
        assert!(m.max_rss_kib > 0, "a running shell has a resident set");
    }

    #[test]
    fn larger_allocation_shows_in_peak_rss() {
        // The shell itself holds a 48 MiB string, so its peak must exceed that.
        let big = run_measured(Command::new("sh").args([
            "-c",
            "x=$(head -c 50331648 /dev/zero | tr '\\0' a); echo ${#x}",
        ]))
        .expect("sh runs");
        assert_eq!(big.stdout, b"50331648\n");
        assert!(big.max_rss_kib > 48 * 1024, "peak {} KiB", big.max_rss_kib);
        let small = run_measured(&mut Command::new("true")).expect("true runs");
        assert!(
            small.max_rss_kib < 48 * 1024,
            "peak {} KiB",
            small.max_rss_kib
        );
    }

    #[test]
    fn table_aligns_columns() {
        let mut t = Table::new(["file", "ms"]);
        t.row(["a.nix", "1.0"]);
        t.row(["longer.nix", "100.0"]);
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "file           ms");
        assert_eq!(lines[2], "a.nix         1.0");
        assert_eq!(lines[3], "longer.nix  100.0");
    }
}
