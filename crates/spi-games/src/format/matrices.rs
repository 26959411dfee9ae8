//! Two payoff matrices, as Nashpy and QuantEcon take a game: `A` for the row player, `B` for the
//! column player, each as CSV (one row per line, numbers separated by commas) or as a JSON array of
//! rows. Numbers are read exactly (`3`, `0.25`, `"3/8"` in JSON or `3/8` in CSV). Actions are named
//! `r1…rm` and `c1…cn`, players `row` and `column`.

use serde_json::Value;

use super::FormatError;
use crate::game::Game;
use crate::number::Rational;

/// Reads one matrix; `which` ("A" or "B") labels errors.
pub fn read_matrix(text: &str, which: &str) -> Result<Vec<Vec<Rational>>, FormatError> {
    let trimmed = text.trim_start();
    let rows: Vec<Vec<Rational>> = if trimmed.starts_with('[') {
        let v = super::json::parse_unique(text).map_err(|e| FormatError::Syntax {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let Value::Array(rows) = &v else {
            return Err(invalid(which, "", "a JSON array of rows", "something else"));
        };
        rows.iter()
            .enumerate()
            .map(|(i, r)| {
                let Value::Array(cells) = r else {
                    return Err(invalid(
                        which,
                        &format!("[{i}]"),
                        "a row (an array of numbers)",
                        "something else",
                    ));
                };
                cells
                    .iter()
                    .enumerate()
                    .map(|(j, c)| super::json::number_at(c, &format!("{which}[{i}][{j}]")))
                    .collect()
            })
            .collect::<Result<_, _>>()?
    } else {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                let mut column = 1;
                l.split(',')
                    .map(|cell| {
                        let at = column + cell.chars().take_while(|c| c.is_whitespace()).count();
                        column += cell.chars().count() + 1;
                        cell.trim()
                            .parse::<Rational>()
                            .map_err(|e| FormatError::Nfg {
                                line: i + 1,
                                column: at,
                                message: format!(
                                    "{which}: expected a number, found {}",
                                    e.found_shown()
                                ),
                            })
                    })
                    .collect()
            })
            .collect::<Result<_, _>>()?
    };
    if rows.is_empty() || rows[0].is_empty() {
        return Err(invalid(
            which,
            "",
            "at least one row and one column",
            "an empty matrix",
        ));
    }
    if let Some((i, r)) = rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() != rows[0].len())
    {
        return Err(invalid(
            which,
            &format!("[{i}]"),
            &format!("{} entries, as in the first row", rows[0].len()),
            &format!("{}", r.len()),
        ));
    }
    Ok(rows)
}

fn invalid(which: &str, at: &str, expected: &str, found: &str) -> FormatError {
    FormatError::Invalid {
        path: format!("{which}{at}"),
        expected: expected.into(),
        found: found.into(),
    }
}

/// The bimatrix game (A, B); the two matrices must have the same shape.
pub fn read_matrices(a: &str, b: &str, name: &str) -> Result<Game, FormatError> {
    let (a, b) = (read_matrix(a, "A")?, read_matrix(b, "B")?);
    if a.len() != b.len() || a[0].len() != b[0].len() {
        return Err(invalid(
            "B",
            "",
            &format!("a {}x{} matrix, the shape of A", a.len(), a[0].len()),
            &format!("{}x{}", b.len(), b[0].len()),
        ));
    }
    let rows = (1..=a.len()).map(|i| format!("r{i}")).collect();
    let cols = (1..=a[0].len()).map(|j| format!("c{j}")).collect();
    Game::from_fn(
        name,
        vec!["row".into(), "column".into()],
        vec![rows, cols],
        |p| vec![a[p[0]][p[1]].clone(), b[p[0]][p[1]].clone()],
    )
    .map_err(|e| FormatError::Game {
        path: "A".into(),
        cause: e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_matrices_give_the_same_game() {
        let g = read_matrices("3,0\n5,1\n", "[[3, 5], [0, \"1\"]]", "pd").unwrap();
        assert_eq!(g.shape(), vec![2, 2]);
        assert_eq!(g.payoffs(&[1, 0]), &[Rational::from(5), Rational::from(0)]);
        let e = read_matrices("1,2\n3\n", "1,2\n3,4", "x")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("A[1]: expected 2 entries"), "{e}");
        let e = read_matrices("1,2\n3,x\n", "1,2\n3,4", "x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2, column 3") && e.contains("\"x\""), "{e}");
        let e = read_matrices("1,2", "1\n2", "x").unwrap_err().to_string();
        assert!(e.starts_with("B: expected a 1x2 matrix"), "{e}");
    }
}
