//! Peak memory of the bridge's `imap` over a lazily generated input.
//!
//! Streams N items (10 M by default) of 1 KiB each, `Vec<u8>`s made one at a
//! time by a generator, through `.mpire_bridge(&pool).chunk_size(1000).imap(..)`
//! with the default `max_tasks_active`, on two workers. Each task hands back
//! a 1 KiB buffer too, so the results waiting to be handed back in order
//! count as well. The whole input is about 10 GiB; the peak resident memory
//! of the process must stay under 64 MiB whatever N is.
//!
//! Run it with `cargo run --release --example imap_memory [N]`. It prints the
//! peak (the process's `VmHWM`, read from `/proc/self/status`) in MiB and
//! exits with status 1 when the peak is 64 MiB or more.

use std::process::ExitCode;
use std::time::Instant;

use mpire::prelude::*;

const DEFAULT_ITEMS: u64 = 10_000_000;
const ITEM_BYTES: usize = 1024;
const CHUNK_SIZE: usize = 1000;
const WORKERS: usize = 2;
const LIMIT_MIB: f64 = 64.0;

/// A field of `/proc/self/status` in KiB (`VmHWM`, `VmRSS`), or `None`
/// where the file does not exist (not Linux).
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn main() -> ExitCode {
    let n_items: u64 = match std::env::args().nth(1) {
        None => DEFAULT_ITEMS,
        Some(arg) => match arg.replace('_', "").parse() {
            Ok(n) => n,
            Err(e) => {
                eprintln!("usage: imap_memory [N_ITEMS]: {arg:?} is not a count ({e})");
                return ExitCode::from(2);
            }
        },
    };
    let pool = WorkerPool::new(WORKERS);
    let Some(before) = status_kib("VmHWM:") else {
        eprintln!("imap_memory: /proc/self/status has no VmHWM: cannot measure here");
        return ExitCode::from(2);
    };

    // The generator: one fresh 1 KiB buffer per item, nothing made ahead.
    let mut next = 0u64;
    let input = std::iter::from_fn(move || {
        (next < n_items).then(|| {
            next += 1;
            vec![(next % 251) as u8; ITEM_BYTES]
        })
    });

    let start = Instant::now();
    let mut count = 0u64;
    let mut checksum = 0u64;
    for buf in input
        .mpire_bridge(&pool)
        .chunk_size(CHUNK_SIZE)
        .imap(|mut buf: Vec<u8>| {
            for b in &mut buf {
                *b = b.wrapping_add(1);
            }
            buf
        })
    {
        count += 1;
        checksum = checksum.wrapping_add(u64::from(buf[0]) + u64::from(buf[ITEM_BYTES - 1]));
    }
    let elapsed = start.elapsed();

    let expected: u64 = (1..=n_items).map(|i| 2 * ((i % 251 + 1) % 256)).sum();
    assert_eq!(count, n_items, "imap lost items");
    assert_eq!(checksum, expected, "imap changed or reordered items");

    let peak = status_kib("VmHWM:").unwrap_or(before);
    let under = mib(peak) < LIMIT_MIB;
    println!(
        "imap_memory: {n_items} items of {ITEM_BYTES} B ({:.1} GiB in all), chunk_size {CHUNK_SIZE}, \
         {WORKERS} workers, default max_tasks_active, in {:.2?}",
        (n_items as f64 * ITEM_BYTES as f64) / (1u64 << 30) as f64,
        elapsed
    );
    println!(
        "imap_memory: peak resident memory {:.1} MiB (before the map: {:.1} MiB): {} {LIMIT_MIB} MiB",
        mib(peak),
        mib(before),
        if under { "under" } else { "NOT under" }
    );
    if under {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
