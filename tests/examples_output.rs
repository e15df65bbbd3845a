//! Runs the map family and task chunking examples and checks what they
//! print, against the outputs stated by MPIRE's documentation.

#[path = "../examples/task_chunking.rs"]
#[allow(dead_code)]
mod task_chunking;

#[path = "../examples/map_family.rs"]
#[allow(dead_code)]
mod map_family;

#[test]
fn task_chunking_prints_the_three_reference_outputs() {
    assert_eq!(
        task_chunking::run().unwrap(),
        "[[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]\n\
         [[0, 1, 2], [3, 4], [5, 6, 7], [8, 9]]\n\
         [[0, 1], [2, 3], [4], [5, 6], [7, 8], [9]]\n"
    );
}

#[test]
fn map_family_prints_the_first_results_of_each_example() {
    assert_eq!(
        map_family::run(),
        "1. squares: [0, 1, 4, 9, 16, 25]\n\
         2. huge input, lazily: [0, 1, 4, 9, 16, 25]\n\
         3. multiply: [0, 101, 204, 309, 416]\n\
         4. multiply, struct arguments: [0, 101, 204, 309, 416]\n\
         4. multiply_dict, single arguments: [0, 101, 204, 309, 416]\n"
    );
}
