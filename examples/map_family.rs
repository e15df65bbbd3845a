//! MPIRE's map family: the four examples of its documentation, in Rust.
//!
//! 1. squares of `0..100`;
//! 2. a huge input (Python's `range(int(1e30))` with `chunk_size=1`): here
//!    the largest `usize` range, consumed lazily with `imap`, of which only
//!    the first results are taken (dropping the iterator stops the rest);
//! 3. a function of two arguments over zipped inputs, unpacked by
//!    `mpire::utils::star`, as MPIRE unpacks argument tuples;
//! 4. keyword arguments: MPIRE unpacks dictionaries, Rust destructures a
//!    struct; and a whole struct passed as one argument, wrapped by
//!    `make_single_arguments` as MPIRE's `multiply_dict` example does.
//!
//! Each line shows the first results of one example.
//!
//! Run with `cargo run --example map_family`.

use mpire::prelude::*;
use mpire::utils::{make_single_arguments, star};

fn square(x: usize) -> usize {
    x * x
}

fn multiply(x: usize, y: usize) -> usize {
    x * y
}

/// The keyword arguments of example 4.
struct Args {
    x: usize,
    y: usize,
}

fn multiply_dict(d: &Args) -> usize {
    d.x * d.y
}

/// `[{'x': 0, 'y': 100}, {'y': 101, 'x': 1}, ...]`.
fn dict_args() -> Vec<Args> {
    (0..100).map(|x| Args { x, y: x + 100 }).collect()
}

/// The first results of every example, one line each.
pub fn run() -> String {
    let pool = WorkerPool::new(4);

    let squares = (0..100usize).mpire(&pool).map(square);

    let huge: Vec<usize> = (0..usize::MAX)
        .into_par_iter()
        .mpire(&pool)
        .chunk_size(1)
        .imap(|x| x.wrapping_mul(x))
        .take(6)
        .collect();

    let products: Vec<usize> = (0..100usize)
        .into_par_iter()
        .zip(100..200usize)
        .mpire(&pool)
        .iterable_len(100)
        .imap(star(multiply))
        .collect();

    let from_structs: Vec<usize> = dict_args()
        .into_par_iter()
        .mpire(&pool)
        .imap(|Args { x, y }| multiply(x, y))
        .collect();

    let wrapped: Vec<(Args,)> = make_single_arguments(dict_args()).collect();
    let from_wrapped: Vec<usize> = wrapped
        .into_par_iter()
        .mpire(&pool)
        .imap(|(d,)| multiply_dict(&d))
        .collect();

    format!(
        "1. squares: {:?}\n\
         2. huge input, lazily: {:?}\n\
         3. multiply: {:?}\n\
         4. multiply, struct arguments: {:?}\n\
         4. multiply_dict, single arguments: {:?}\n",
        &squares[..6],
        huge,
        &products[..5],
        &from_structs[..5],
        &from_wrapped[..5],
    )
}

fn main() {
    print!("{}", run());
}
