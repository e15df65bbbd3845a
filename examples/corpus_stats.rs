//! Counts the words of every text file under a directory, the way an MPIRE
//! user would: the file paths stream from a directory walk through
//! `.mpire_bridge(&pool)`, each worker keeps its own word table (built by
//! `worker_init`, handed back by `worker_exit`), and the tables are merged at
//! the end.
//!
//! ```text
//! cargo run --release --example corpus_stats [DIR] [--sequential]
//! ```
//!
//! Without `DIR`, it counts the Rust sources that cargo downloaded to build
//! this crate (cargo's registry source directory). With `--sequential`, it
//! also counts on one thread, checks that both counts agree, and prints both
//! times. Unreadable and binary files are skipped and counted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mpire::prelude::*;

/// Words counted per word.
pub type Table = HashMap<String, u64>;

/// What a count found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Text files counted.
    pub files: u64,
    /// Bytes of the text files.
    pub bytes: u64,
    /// Files that could not be read (or walked to).
    pub unreadable: u64,
    /// Files skipped as binary (a NUL byte, or not UTF-8).
    pub binary: u64,
    /// Occurrences of each word.
    pub words: Table,
}

/// What one file contributed.
#[derive(Debug, PartialEq, Eq)]
pub enum FileOutcome {
    /// A text file of this many bytes.
    Text {
        /// Its size.
        bytes: u64,
    },
    /// Skipped: not text.
    Binary,
    /// Skipped: could not be read.
    Unreadable,
}

impl Counts {
    fn add(&mut self, outcome: FileOutcome) {
        match outcome {
            FileOutcome::Text { bytes } => {
                self.files += 1;
                self.bytes += bytes;
            }
            FileOutcome::Binary => self.binary += 1,
            FileOutcome::Unreadable => self.unreadable += 1,
        }
    }

    fn merge_words(&mut self, table: Table) {
        if self.words.is_empty() {
            self.words = table;
            return;
        }
        for (word, n) in table {
            *self.words.entry(word).or_insert(0) += n;
        }
    }

    /// The total number of words.
    pub fn total_words(&self) -> u64 {
        self.words.values().sum()
    }

    /// The `n` most frequent words, most frequent first (ties by word).
    pub fn top(&self, n: usize) -> Vec<(&str, u64)> {
        let mut all: Vec<(&str, u64)> = self.words.iter().map(|(w, &c)| (w.as_str(), c)).collect();
        all.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        all.truncate(n);
        all
    }
}

/// Reads `path` and adds its words to `table`.
pub fn count_file(table: &mut Table, path: &Path) -> FileOutcome {
    let Ok(bytes) = std::fs::read(path) else {
        return FileOutcome::Unreadable;
    };
    if bytes.contains(&0) {
        return FileOutcome::Binary;
    }
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return FileOutcome::Binary;
    };
    for word in text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
    {
        // Allocate only for a word with capitals, or one seen the first time.
        let lower;
        let word = if word.chars().any(char::is_uppercase) {
            lower = word.to_lowercase();
            lower.as_str()
        } else {
            word
        };
        match table.get_mut(word) {
            Some(n) => *n += 1,
            None => {
                table.insert(word.to_owned(), 1);
            }
        }
    }
    FileOutcome::Text {
        bytes: bytes.len() as u64,
    }
}

/// An entry of the walk: a file, or an entry the walk could not read.
enum Entry {
    File(PathBuf),
    Unreadable(String),
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Entry::File(path) => write!(f, "{}", path.display()),
            Entry::Unreadable(what) => write!(f, "unreadable: {what}"),
        }
    }
}

impl Entry {
    fn count(&self, table: &mut Table) -> FileOutcome {
        match self {
            Entry::File(path) => count_file(table, path),
            Entry::Unreadable(_) => FileOutcome::Unreadable,
        }
    }
}

/// The files under `root`.
fn walk(root: &Path) -> impl Iterator<Item = Entry> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(|entry| match entry {
            Ok(e) if e.file_type().is_file() => Some(Entry::File(e.into_path())),
            Ok(_) => None,
            Err(e) => Some(Entry::Unreadable(e.to_string())),
        })
}

/// Checks that `root` is a directory.
fn check_dir(root: &Path) -> Result<(), String> {
    if root.is_dir() {
        Ok(())
    } else {
        Err(format!("no such directory: {}", root.display()))
    }
}

/// Counts on `pool`: the walk streams through the bridge with
/// `imap_unordered`, one word table per worker.
pub fn count_parallel(root: &Path, pool: &WorkerPool, progress: bool) -> Result<Counts, String> {
    check_dir(root)?;
    let mut results = walk(root)
        .mpire_bridge(pool)
        .chunk_size(4)
        .max_tasks_active(pool.n_jobs() * 64)
        .worker_init(|_| Table::new())
        .worker_exit(|_, table| table)
        .enable_insights(true)
        .progress_bar(progress)
        .imap_unordered_with_state(|table, entry| entry.count(table));
    let mut counts = Counts::default();
    for outcome in results.by_ref() {
        counts.add(outcome);
    }
    for table in results.take_exit_results().unwrap_or_default() {
        counts.merge_words(table);
    }
    Ok(counts)
}

/// The same count on the calling thread alone.
pub fn count_sequential(root: &Path) -> Result<Counts, String> {
    check_dir(root)?;
    let mut counts = Counts::default();
    let mut table = Table::new();
    for entry in walk(root) {
        counts.add(entry.count(&mut table));
    }
    counts.merge_words(table);
    Ok(counts)
}

/// The report of a count that took `took`.
pub fn report(counts: &Counts, took: Duration) -> String {
    let mut out = String::new();
    let mib = counts.bytes as f64 / (1024.0 * 1024.0);
    out += &format!(
        "{} text files, {:.1} MiB, {} words ({} distinct)\n",
        counts.files,
        mib,
        counts.total_words(),
        counts.words.len()
    );
    out += &format!(
        "skipped: {} binary, {} unreadable\n",
        counts.binary, counts.unreadable
    );
    out += &format!(
        "took {:.3} s: {:.1} MiB/s, {:.0} files/s\n",
        took.as_secs_f64(),
        mib / took.as_secs_f64().max(1e-9),
        counts.files as f64 / took.as_secs_f64().max(1e-9)
    );
    out += "top words:\n";
    for (rank, (word, n)) in counts.top(10).into_iter().enumerate() {
        out += &format!("{:>3}. {word:<20} {n}\n", rank + 1);
    }
    out
}

/// Cargo's registry source directory: `$CARGO_HOME/registry/src`.
pub fn default_dir() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    Some(home.join("registry").join("src"))
}

/// Runs the program on its arguments; the text to print, or the error.
pub fn run(args: &[String]) -> Result<String, String> {
    let sequential = args.iter().any(|a| a == "--sequential");
    let dirs: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    if let Some(flag) = args
        .iter()
        .find(|a| a.starts_with("--") && *a != "--sequential")
    {
        return Err(format!(
            "unknown option {flag}; usage: corpus_stats [DIR] [--sequential]"
        ));
    }
    let root = match dirs.as_slice() {
        [] => default_dir().ok_or("cannot find cargo's home; give a directory")?,
        [dir] => PathBuf::from(dir),
        _ => return Err("give at most one directory".to_string()),
    };

    let pool = WorkerPool::new(std::thread::available_parallelism().map_or(1, |n| n.get()));
    let started = Instant::now();
    let counts = count_parallel(&root, &pool, true)?;
    let took = started.elapsed();
    let mut out = format!("{} ({} workers)\n", root.display(), pool.n_jobs());
    out += &report(&counts, took);
    if let Some(insights) = pool.insights() {
        out += "\n";
        out += &insights.to_string();
    }

    if sequential {
        // The first count read the files into the page cache: time both
        // again, so that neither is favoured by it.
        let started = Instant::now();
        let alone = count_sequential(&root)?;
        let took_alone = started.elapsed();
        let started = Instant::now();
        let again = count_parallel(&root, &pool, false)?;
        let took_again = started.elapsed();
        if alone != counts || again != counts {
            return Err("the sequential and parallel counts differ".to_string());
        }
        out += &format!(
            "\nwith a warm cache: sequential {:.3} s, parallel {:.3} s, speedup {:.2}x on {} \
             workers; the counts agree exactly\n",
            took_alone.as_secs_f64(),
            took_again.as_secs_f64(),
            took_alone.as_secs_f64() / took_again.as_secs_f64().max(1e-9),
            pool.n_jobs()
        );
    }
    Ok(out)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(out) => print!("{out}"),
        Err(e) => {
            eprintln!("corpus_stats: {e}");
            std::process::exit(1);
        }
    }
}
