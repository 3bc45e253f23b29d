//! Optimal assignment of detections to tracks (Kuhn–Munkres from `pathfinding`), on costs where
//! `None` forbids a pair.

use pathfinding::prelude::{Matrix, kuhn_munkres};

/// Pairs rows with columns so that the summed cost is least; `None` cells are never paired.
pub fn assign(costs: &[Vec<Option<f32>>]) -> Vec<(usize, usize)> {
    let rows = costs.len();
    let cols = costs.first().map_or(0, Vec::len);
    if rows == 0 || cols == 0 {
        return Vec::new();
    }
    // Kuhn–Munkres maximises integer weights over a matrix with no more rows than columns:
    // costs (at most 2) become weights above zero, forbidden cells zero, and the matrix is
    // transposed when there are more rows.
    let weight = |r: usize, c: usize| costs[r][c].map_or(0, |v| ((3.0 - v) * 1000.0) as i64);
    let transposed = rows > cols;
    let (n, m) = if transposed {
        (cols, rows)
    } else {
        (rows, cols)
    };
    let mut matrix = Matrix::new(n, m, 0i64);
    for i in 0..n {
        for j in 0..m {
            matrix[(i, j)] = if transposed {
                weight(j, i)
            } else {
                weight(i, j)
            };
        }
    }
    let (_, pairs) = kuhn_munkres(&matrix);
    pairs
        .into_iter()
        .enumerate()
        .map(|(i, j)| if transposed { (j, i) } else { (i, j) })
        .filter(|&(r, c)| costs[r][c].is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_is_optimal_not_greedy() {
        // Greedy would take the 0.1 pair first and leave row 1 with the forbidden cell.
        let costs = vec![vec![Some(0.1), Some(0.2)], vec![Some(0.15), None]];
        let mut pairs = assign(&costs);
        pairs.sort();
        assert_eq!(pairs, vec![(0, 1), (1, 0)]);
    }
}
