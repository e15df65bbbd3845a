//! MPIRE's "Numpy arrays" and "Return value" examples on an ndarray array.
//!
//! MPIRE's documentation uses a random 10 x 3 array; this one is fixed, so the
//! output is the same on every run: row `i` holds `3i / 10` to `(3i + 2) / 10`.
//!
//! Run with `cargo run --example numpy_rows --features ndarray`.

use mpire::prelude::*;
use ndarray::{Array2, ArrayView2};

fn add_five(rows: ArrayView2<'_, f64>) -> Array2<f64> {
    &rows + 5.0
}

fn main() {
    let pool = WorkerPool::new(4);
    let arr = Array2::from_shape_fn((10, 3), |(i, j)| (i * 3 + j) as f64 / 10.0);
    let chunk_size = 3;

    // The chunks each task gets: views of 3, 3, 3 and 1 rows, never copies.
    // (The copies here are only for printing them after the map.)
    println!("Chunks with chunk_size = {chunk_size}:");
    let chunks = arr
        .mpire_rows(&pool)
        .chunk_size(chunk_size)
        .concatenate_numpy_output::<false>()
        .map(|rows| rows.to_owned());
    for chunk in &chunks {
        println!("{chunk:.2}");
    }

    // `map` concatenates the returned arrays along axis 0, as MPIRE does.
    let results = arr.mpire_rows(&pool).chunk_size(chunk_size).map(add_five);
    println!("\nmap(add_five), concatenated:\n{results:.2}");
    assert_eq!(results, &arr + 5.0);

    // MPIRE's `concatenate_numpy_output=False`: one array per chunk.
    let per_chunk = arr
        .mpire_rows(&pool)
        .chunk_size(chunk_size)
        .concatenate_numpy_output::<false>()
        .map(add_five);
    println!("\nmap(add_five) with concatenate_numpy_output::<false>():");
    for chunk in &per_chunk {
        println!("{chunk:.2}");
    }

    // Anything that is not an array comes back one value per chunk.
    let sums = arr
        .mpire_rows(&pool)
        .chunk_size(chunk_size)
        .map_values(|rows| rows.sum());
    println!("\nmap_values(sum): {sums:.2?}");

    // In place: each task gets a mutable view of its rows.
    let mut in_place = arr.clone();
    in_place
        .mpire_rows_mut(&pool)
        .chunk_size(chunk_size)
        .for_each(|mut rows| rows += 5.0);
    assert_eq!(in_place, results);
    println!("\nfor_each(+= 5) gives the same array in place.");
}
