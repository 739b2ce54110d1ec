//! Progress on stderr, the one display of every command: a live display on
//! a terminal (done / running / waiting counts and each running build's last
//! log line; the path being copied), plain lines otherwise (`building
//! '/xnix/store/...drv'...`, `copying path '...' to '...'...`). It renders
//! the events of `xnix_app::progress`.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use xnix_app::progress::{BuildEvent, CopyDirection, CopyEvent, Event, Reporter};
use xnix_formats::{StoreDir, StorePath};

/// How build output is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// Redraw a status display in place (stderr is a terminal).
    Live,
    /// One line per event, for logs and pipes.
    Plain,
}

impl ProgressMode {
    /// Live when stderr is a terminal.
    pub fn detect() -> ProgressMode {
        if std::io::stderr().is_terminal() {
            ProgressMode::Live
        } else {
            ProgressMode::Plain
        }
    }
}

struct Counts {
    total: usize,
    done: usize,
    failed: usize,
    running: BTreeMap<StorePath, ProgressBar>,
}

/// A [`Reporter`] that shows events on stderr.
pub struct Progress {
    mode: ProgressMode,
    print_logs: bool,
    store_dir: StoreDir,
    multi: MultiProgress,
    header: ProgressBar,
    counts: Mutex<Counts>,
    /// Named items followed line by line (the machines of a deployment), and
    /// the width their names are padded to.
    items: Mutex<(BTreeMap<String, ProgressBar>, usize)>,
}

impl Progress {
    /// A reporter for the store directory `store_dir`, live when stderr is a
    /// terminal; `print_logs` copies every build log line to stderr (`name> line`).
    pub fn new(store_dir: StoreDir, print_logs: bool) -> Progress {
        Progress::with_mode(ProgressMode::detect(), print_logs, store_dir)
    }

    /// A reporter in the given mode.
    pub fn with_mode(mode: ProgressMode, print_logs: bool, store_dir: StoreDir) -> Progress {
        let multi = MultiProgress::with_draw_target(match mode {
            ProgressMode::Live => ProgressDrawTarget::stderr_with_hz(10),
            ProgressMode::Plain => ProgressDrawTarget::hidden(),
        });
        let header = multi.add(ProgressBar::new_spinner());
        header.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed}] {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        Progress {
            mode,
            print_logs,
            store_dir,
            multi,
            header,
            counts: Mutex::new(Counts {
                total: 0,
                done: 0,
                failed: 0,
                running: BTreeMap::new(),
            }),
            items: Mutex::new((BTreeMap::new(), 0)),
        }
    }

    fn refresh_header(&self, c: &Counts) {
        let waiting = c.total.saturating_sub(c.done + c.failed + c.running.len());
        let mut msg = format!(
            "{} done, {} running, {} waiting (of {})",
            c.done,
            c.running.len(),
            waiting,
            c.total
        );
        if c.failed > 0 {
            msg.push_str(&format!(", {} failed", c.failed));
        }
        self.header.set_message(msg);
    }

    fn line(&self, text: String) {
        match self.mode {
            ProgressMode::Live => {
                let _ = self.multi.println(text);
            }
            ProgressMode::Plain => eprintln!("{text}"),
        }
    }

    /// Follow the named items `names` (the machines of a deployment): on a
    /// terminal each gets a live status line; otherwise each status is a
    /// plain line `NAME  STATUS`.
    pub fn track(&self, what: &str, names: &[String]) {
        let width = names.iter().map(|n| n.len()).max().unwrap_or(4);
        let mut items = self.items.lock().unwrap_or_else(|e| e.into_inner());
        items.1 = width;
        if self.mode == ProgressMode::Plain {
            return;
        }
        self.header.set_message(what.to_string());
        self.header.enable_steady_tick(Duration::from_millis(100));
        for name in names {
            let bar = self.multi.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(format!("{name:width$}"));
            bar.set_message("waiting");
            bar.enable_steady_tick(Duration::from_millis(100));
            items.0.insert(name.clone(), bar);
        }
    }

    /// The status of a tracked item; a `finished` one keeps its last line.
    pub fn item_status(&self, name: &str, text: &str, finished: bool) {
        let mut items = self.items.lock().unwrap_or_else(|e| e.into_inner());
        let width = items.1;
        match items.0.get(name) {
            Some(bar) if finished => {
                bar.finish_and_clear();
                self.multi.remove(bar);
                items.0.remove(name);
                let _ = self.multi.println(format!("{name:width$}  {text}"));
            }
            Some(bar) => bar.set_message(text.to_string()),
            None => eprintln!("{name:width$}  {text}"),
        }
    }

    /// Remove the live display (before printing the results).
    pub fn finish(&self) {
        let items = self.items.lock().unwrap_or_else(|e| e.into_inner());
        for bar in items.0.values() {
            bar.finish_and_clear();
        }
        drop(items);
        let c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        for bar in c.running.values() {
            bar.finish_and_clear();
        }
        self.header.finish_and_clear();
        let _ = self.multi.clear();
    }
}

fn short_name(drv: &StorePath) -> String {
    drv.name()
        .strip_suffix(".drv")
        .unwrap_or(drv.name())
        .to_string()
}

impl Reporter for Progress {
    fn event(&self, event: &Event<'_>) {
        match event {
            Event::Build(e) => self.build_event(e),
            Event::Copy {
                event,
                direction,
                cache,
            } => self.copy_event(event, *direction, cache),
            Event::Fetching { url, .. } => {
                // Plain output stays as it was: downloads are silent there.
                if self.mode == ProgressMode::Live {
                    self.header.set_message(format!("fetching '{url}'"));
                    self.header.tick();
                }
            }
        }
    }
}

impl Progress {
    fn copy_event(&self, event: &CopyEvent, direction: CopyDirection, cache: &str) {
        let verb = match direction {
            CopyDirection::To => "to",
            CopyDirection::From => "from",
        };
        match event {
            CopyEvent::Copying { path, index, of } => {
                let line = format!(
                    "copying path '{}' {verb} '{cache}'...",
                    self.store_dir.print(path)
                );
                match self.mode {
                    ProgressMode::Live => {
                        self.header.set_message(format!("[{index}/{of}] {line}"));
                        self.header.tick();
                    }
                    ProgressMode::Plain => eprintln!("{line}"),
                }
            }
            CopyEvent::Planned { .. } | CopyEvent::Present { .. } | CopyEvent::Copied { .. } => {}
        }
    }

    fn build_event(&self, event: &BuildEvent<'_>) {
        let mut c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            BuildEvent::Planned { to_build } => {
                c.total = to_build.len();
                if !to_build.is_empty() {
                    let mut text = if to_build.len() == 1 {
                        "this derivation will be built:".to_string()
                    } else {
                        format!("these {} derivations will be built:", to_build.len())
                    };
                    let mut sorted: Vec<String> =
                        to_build.iter().map(|d| self.store_dir.print(d)).collect();
                    sorted.sort();
                    for d in sorted {
                        text.push_str(&format!("\n  {d}"));
                    }
                    self.line(text);
                    if self.mode == ProgressMode::Live {
                        self.header.enable_steady_tick(Duration::from_millis(100));
                    }
                }
            }
            BuildEvent::Started { drv } => {
                let bar = self.multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("  {prefix:.bold} {wide_msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_prefix(short_name(drv));
                c.running.insert((*drv).clone(), bar);
                if self.mode == ProgressMode::Plain {
                    eprintln!("building '{}'...", self.store_dir.print(drv));
                }
            }
            BuildEvent::LogLine { drv, line } => {
                if let Some(bar) = c.running.get(*drv) {
                    bar.set_message(line.to_string());
                }
                if self.print_logs {
                    drop(c);
                    self.line(format!("{}> {}", short_name(drv), line));
                    return;
                }
            }
            BuildEvent::Finished { drv, .. } => {
                if let Some(bar) = c.running.remove(*drv) {
                    bar.finish_and_clear();
                    self.multi.remove(&bar);
                }
                c.done += 1;
                if self.mode == ProgressMode::Live {
                    drop(c);
                    self.line(format!("built '{}'", self.store_dir.print(drv)));
                    c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
                }
            }
            BuildEvent::Substituted { path, from } => {
                drop(c);
                self.line(format!(
                    "copying path '{}' from '{from}'...",
                    self.store_dir.print(path)
                ));
                c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            }
            BuildEvent::SubstitutionFailed { message, .. } => {
                drop(c);
                self.line(format!("warning: {message}"));
                c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            }
            BuildEvent::Failed { drv, .. } => {
                if let Some(bar) = c.running.remove(*drv) {
                    bar.finish_and_clear();
                    self.multi.remove(&bar);
                }
                c.failed += 1;
                // Plain output reports failures once, in full, at the end.
                if self.mode == ProgressMode::Live {
                    drop(c);
                    self.line(format!("build of '{}' failed", self.store_dir.print(drv)));
                    c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
                }
            }
        }
        self.refresh_header(&c);
    }
}
