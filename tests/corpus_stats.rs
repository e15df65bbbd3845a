//! The main example, `corpus_stats`, on a small tree made for the test.

#[path = "../examples/corpus_stats.rs"]
#[allow(dead_code)]
mod corpus_stats;

use std::fs;
use std::path::PathBuf;

use corpus_stats::{FileOutcome, Table, count_file, count_parallel, count_sequential};
use mpire::WorkerPool;

/// A fresh directory under the system's temporary directory.
fn tree(name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("mpire-corpus-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(root.join("sub/deeper")).unwrap();
    fs::write(root.join("a.txt"), "Hello hello, world!").unwrap();
    fs::write(root.join("sub/b.rs"), "fn main() { hello_world(); }").unwrap();
    fs::write(root.join("sub/deeper/c.md"), "HELLO again\nand again").unwrap();
    fs::write(
        root.join("sub/image.bin"),
        [0x89, b'P', b'N', b'G', 0, 1, 2],
    )
    .unwrap();
    fs::write(root.join("latin1.txt"), [b'c', b'a', b'f', 0xe9]).unwrap();
    fs::write(root.join("empty.txt"), "").unwrap();
    root
}

#[test]
fn counts_words_and_skips_binary_files() {
    let root = tree("counts");
    let pool = WorkerPool::new(2);
    let counts = count_parallel(&root, &pool, false).unwrap();
    assert_eq!(counts.files, 4);
    assert_eq!(counts.binary, 2);
    assert_eq!(counts.unreadable, 0);
    assert_eq!(counts.bytes, 19 + 28 + 21);
    assert_eq!(counts.words["hello"], 3);
    assert_eq!(counts.words["again"], 2);
    assert_eq!(counts.words["hello_world"], 1);
    assert_eq!(counts.total_words(), 10);
    assert_eq!(counts.top(2), [("hello", 3), ("again", 2)]);
    fs::remove_dir_all(&root).unwrap();
}

#[test]
fn sequential_and_parallel_counts_agree() {
    let root = tree("agree");
    for i in 0..200 {
        fs::write(
            root.join(format!("sub/n{i}.txt")),
            format!("word{} common", i % 7),
        )
        .unwrap();
    }
    for n_jobs in 1..=3 {
        let pool = WorkerPool::new(n_jobs);
        assert_eq!(
            count_parallel(&root, &pool, false).unwrap(),
            count_sequential(&root).unwrap()
        );
    }
    fs::remove_dir_all(&root).unwrap();
}

#[test]
fn an_unreadable_file_is_counted_not_fatal() {
    let mut table = Table::new();
    let missing = std::env::temp_dir().join("mpire-corpus-no-such-file");
    assert_eq!(count_file(&mut table, &missing), FileOutcome::Unreadable);
    assert!(table.is_empty());
}

#[test]
fn a_missing_directory_is_a_one_line_error() {
    let err = corpus_stats::run(&["/no/such/dir/for/mpire".to_string()]).unwrap_err();
    assert_eq!(err, "no such directory: /no/such/dir/for/mpire");
    let err = corpus_stats::run(&["--fast".to_string()]).unwrap_err();
    assert!(err.contains("unknown option --fast"), "{err}");
}

#[test]
fn the_full_run_reports_and_checks_agreement() {
    let root = tree("full");
    let out = corpus_stats::run(&[root.display().to_string(), "--sequential".to_string()]).unwrap();
    assert!(out.contains("4 text files"), "{out}");
    assert!(out.contains("skipped: 2 binary, 0 unreadable"), "{out}");
    assert!(out.contains("1. hello"), "{out}");
    assert!(out.contains("WorkerPool insights"), "{out}");
    assert!(out.contains("the counts agree exactly"), "{out}");
    fs::remove_dir_all(&root).unwrap();
}
