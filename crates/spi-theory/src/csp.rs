//! The injection solver shared by the SPI search and the isomorphism search.
//!
//! Both problems ask for injections Φ_i: X_i → Y_i (one per player) such that every profile x of
//! the small game X relates to its image Φ(x) in the large game Y: "Y's payoff vector weakly Pareto
//! dominates X's" for SPIs, "the payoff vectors are equal" for (normalised) isomorphisms. Payoffs
//! arrive here already replaced by per-player ranks (order-preserving integers), so every test in
//! the inner loop is a `u32` comparison and stays exact.
//!
//! The search is backtracking over the variables (player, action of X) with
//! - initial domains from *support*: Φ_i(x_i) = y_i is only possible if every profile through x_i
//!   has some related profile through y_i; for two players this is then iterated to arc consistency
//!   (the column of a row candidate must still find a partner in the current column domains);
//! - forward checking: assigning (i, x_i) ↦ y_i filters the domain of every variable that is the
//!   last unassigned coordinate of a profile through x_i, and checks every profile that became
//!   fully assigned (the "early Pareto check on partial assignments");
//! - injectivity by a per-player used set and a pigeonhole check (no player may have fewer free
//!   candidate values left than unassigned variables);
//! - dynamic variable ordering by smallest remaining domain.
//!
//! # Complexity
//! Worst case Π_i |Y_i|^{|X_i|} nodes (the problem is NP-complete); each node costs
//! O(Σ_{x ∋ x_i} |Y_j|·n) for the profiles through the assigned action.

use std::ops::ControlFlow;

use spi_games::game::ProfileIter;

/// How a profile of X must relate to its image in Y.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Relation {
    /// Y's rank vector is componentwise ≥ X's (weak Pareto improvement).
    AtLeast,
    /// The rank vectors are equal (isomorphism after normalisation).
    Equal,
}

/// An injection problem over rank tables.
pub(crate) struct InjectionProblem {
    /// Number of players.
    pub n: usize,
    /// |X_i| per player.
    pub x_shape: Vec<usize>,
    /// |Y_i| per player.
    pub y_shape: Vec<usize>,
    /// Ranks of X's payoffs: `x_vals[px * n + i]` for flat profile index px.
    pub x_vals: Vec<u32>,
    /// Ranks of Y's payoffs, same layout.
    pub y_vals: Vec<u32>,
    /// The relation every profile must satisfy.
    pub rel: Relation,
}

/// Search statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Stats {
    /// Value assignments tried.
    pub nodes: u64,
}

fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// A bitset domain view over a flat word vector.
#[inline]
fn test(words: &[u64], bit: usize) -> bool {
    words[bit / 64] >> (bit % 64) & 1 == 1
}

#[inline]
fn set(words: &mut [u64], bit: usize) {
    words[bit / 64] |= 1 << (bit % 64);
}

#[inline]
fn clear(words: &mut [u64], bit: usize) {
    words[bit / 64] &= !(1 << (bit % 64));
}

fn count_free(dom: &[u64], used: &[u64]) -> u32 {
    dom.iter()
        .zip(used)
        .map(|(d, u)| (d & !u).count_ones())
        .sum()
}

struct Solver<'a> {
    p: &'a InjectionProblem,
    xs: Vec<usize>,
    ys: Vec<usize>,
    words: usize,
    /// Variable id → (player, action of X).
    vars: Vec<(usize, usize)>,
    /// First variable id of each player.
    offset: Vec<usize>,
    /// Assigned value per variable, `usize::MAX` when free.
    assign: Vec<usize>,
    /// Used values per player (`words` words each).
    used: Vec<u64>,
    stats: Stats,
}

impl InjectionProblem {
    fn ok(&self, px: usize, py: usize) -> bool {
        let n = self.n;
        let (xv, yv) = (
            &self.x_vals[px * n..px * n + n],
            &self.y_vals[py * n..py * n + n],
        );
        match self.rel {
            Relation::AtLeast => xv.iter().zip(yv).all(|(x, y)| y >= x),
            Relation::Equal => xv == yv,
        }
    }

    /// Calls `on_solution` with every injection tuple (`maps[i][x] = y`) satisfying the relation,
    /// in search order, until it returns `Break`. `allowed`, when given, restricts each variable's
    /// initial domain (`allowed[i][x]` lists permitted targets).
    pub fn solve(
        &self,
        allowed: Option<&[Vec<Vec<usize>>]>,
        on_solution: &mut dyn FnMut(&[Vec<usize>]) -> ControlFlow<()>,
    ) -> Stats {
        if self.x_shape.iter().zip(&self.y_shape).any(|(k, m)| k > m) {
            return Stats::default();
        }
        let words = self
            .y_shape
            .iter()
            .map(|m| m.div_ceil(64))
            .max()
            .unwrap_or(1)
            .max(1);
        let mut vars = Vec::new();
        let mut offset = Vec::new();
        for (i, &k) in self.x_shape.iter().enumerate() {
            offset.push(vars.len());
            vars.extend((0..k).map(|x| (i, x)));
        }
        let mut s = Solver {
            p: self,
            xs: strides(&self.x_shape),
            ys: strides(&self.y_shape),
            words,
            assign: vec![usize::MAX; vars.len()],
            vars,
            offset,
            used: vec![0; self.n * words],
            stats: Stats::default(),
        };
        let Some(domains) = s.initial_domains(allowed) else {
            return s.stats;
        };
        let _ = s.dfs(&domains, on_solution);
        s.stats
    }
}

impl Solver<'_> {
    fn dom<'d>(&self, domains: &'d [u64], v: usize) -> &'d [u64] {
        &domains[v * self.words..(v + 1) * self.words]
    }

    fn used_of(&self, player: usize) -> &[u64] {
        &self.used[player * self.words..(player + 1) * self.words]
    }

    /// Support filtering: y can be the image of (i, x) only if every X-profile through x relates
    /// to some Y-profile through y. Returns `None` when a domain is empty.
    fn initial_domains(&self, allowed: Option<&[Vec<Vec<usize>>]>) -> Option<Vec<u64>> {
        let p = self.p;
        let n = p.n;
        let w = self.words;
        let nx: usize = p.x_shape.iter().product();
        let ny: usize = p.y_shape.iter().product();
        let mut domains = vec![0u64; self.vars.len() * w];
        for (v, &(i, x)) in self.vars.iter().enumerate() {
            match allowed {
                Some(a) => a[i][x]
                    .iter()
                    .for_each(|&y| set(&mut domains[v * w..(v + 1) * w], y)),
                None => (0..p.y_shape[i]).for_each(|y| set(&mut domains[v * w..(v + 1) * w], y)),
            }
        }
        // support[px][i] = set of y_i appearing in some related Y-profile.
        let mut support = vec![0u64; nx * n * w];
        let ycoords: Vec<Vec<usize>> = ProfileIter::new(&p.y_shape).collect();
        for px in 0..nx {
            for (py, yc) in ycoords.iter().enumerate() {
                if p.ok(px, py) {
                    for i in 0..n {
                        set(&mut support[(px * n + i) * w..(px * n + i + 1) * w], yc[i]);
                    }
                }
            }
        }
        for (px, xc) in ProfileIter::new(&p.x_shape).enumerate() {
            for i in 0..n {
                let v = self.offset[i] + xc[i];
                for k in 0..w {
                    domains[v * w + k] &= support[(px * n + i) * w + k];
                }
            }
        }
        if n == 2 {
            self.arc_consistency(&mut domains);
        }
        for v in 0..self.vars.len() {
            if domains[v * w..(v + 1) * w].iter().all(|&d| d == 0) {
                return None;
            }
        }
        let _ = ny;
        Some(domains)
    }

    /// Two players: remove y from (i, x) while some action x' of the other player has no partner
    /// y' left in its domain with (x, x') related to (y, y'). Iterated to a fixpoint.
    fn arc_consistency(&self, domains: &mut [u64]) {
        let p = self.p;
        let w = self.words;
        loop {
            let mut changed = false;
            for v in 0..self.vars.len() {
                let (i, x) = self.vars[v];
                let j = 1 - i;
                for y in 0..p.y_shape[i] {
                    if !test(&domains[v * w..(v + 1) * w], y) {
                        continue;
                    }
                    let supported = (0..p.x_shape[j]).all(|xj| {
                        let vj = self.offset[j] + xj;
                        let px = if i == 0 {
                            x * self.xs[0] + xj
                        } else {
                            xj * self.xs[0] + x
                        };
                        (0..p.y_shape[j]).any(|yj| {
                            test(&domains[vj * w..(vj + 1) * w], yj) && {
                                let py = if i == 0 {
                                    y * self.ys[0] + yj
                                } else {
                                    yj * self.ys[0] + y
                                };
                                p.ok(px, py)
                            }
                        })
                    });
                    if !supported {
                        clear(&mut domains[v * w..(v + 1) * w], y);
                        changed = true;
                    }
                }
            }
            if !changed {
                return;
            }
        }
    }

    fn dfs(
        &mut self,
        domains: &[u64],
        on_solution: &mut dyn FnMut(&[Vec<usize>]) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        // Smallest remaining domain first.
        let mut best: Option<(u32, usize)> = None;
        for v in 0..self.vars.len() {
            if self.assign[v] != usize::MAX {
                continue;
            }
            let c = count_free(self.dom(domains, v), self.used_of(self.vars[v].0));
            if best.is_none_or(|(bc, _)| c < bc) {
                best = Some((c, v));
            }
        }
        let Some((count, v)) = best else {
            let maps: Vec<Vec<usize>> = (0..self.p.n)
                .map(|i| {
                    (0..self.p.x_shape[i])
                        .map(|x| self.assign[self.offset[i] + x])
                        .collect()
                })
                .collect();
            return on_solution(&maps);
        };
        if count == 0 {
            return ControlFlow::Continue(());
        }
        let (i, _) = self.vars[v];
        let candidates: Vec<usize> = (0..self.p.y_shape[i])
            .filter(|&y| test(self.dom(domains, v), y) && !test(self.used_of(i), y))
            .collect();
        let mut next = domains.to_vec();
        for y in candidates {
            self.stats.nodes += 1;
            self.assign[v] = y;
            set(&mut self.used[i * self.words..(i + 1) * self.words], y);
            next.copy_from_slice(domains);
            let flow = if self.propagate(v, y, &mut next) {
                self.dfs(&next, on_solution)
            } else {
                ControlFlow::Continue(())
            };
            clear(&mut self.used[i * self.words..(i + 1) * self.words], y);
            self.assign[v] = usize::MAX;
            flow?;
        }
        ControlFlow::Continue(())
    }

    /// Checks every X-profile through the new assignment that is now complete, and filters the
    /// last free coordinate of every profile through it that has exactly one.
    fn propagate(&self, v: usize, _y: usize, domains: &mut [u64]) -> bool {
        let p = self.p;
        let n = p.n;
        let w = self.words;
        let (i, x) = self.vars[v];
        let mut shape = p.x_shape.clone();
        shape[i] = 1;
        for mut xc in ProfileIter::new(&shape) {
            xc[i] = x;
            let mut free: Option<usize> = None;
            let mut free_count = 0;
            let mut py = 0;
            for j in 0..n {
                let vj = self.offset[j] + xc[j];
                let a = self.assign[vj];
                if a == usize::MAX {
                    free = Some(j);
                    free_count += 1;
                } else {
                    py += a * self.ys[j];
                }
            }
            let px: usize = xc.iter().zip(&self.xs).map(|(a, s)| a * s).sum();
            match (free_count, free) {
                (0, _) if !p.ok(px, py) => return false,
                (1, Some(j)) => {
                    let vj = self.offset[j] + xc[j];
                    let used = self.used_of(j);
                    let mut any = false;
                    for yj in 0..p.y_shape[j] {
                        let d = &mut domains[vj * w..(vj + 1) * w];
                        if !test(d, yj) {
                            continue;
                        }
                        if test(used, yj) || !p.ok(px, py + yj * self.ys[j]) {
                            clear(d, yj);
                        } else {
                            any = true;
                        }
                    }
                    if !any {
                        return false;
                    }
                }
                _ => {}
            }
        }
        // Pigeonhole: each player needs as many free candidate values as free variables.
        for j in 0..n {
            let mut union = vec![0u64; w];
            let mut free_vars = 0u32;
            for xj in 0..p.x_shape[j] {
                let vj = self.offset[j] + xj;
                if self.assign[vj] == usize::MAX {
                    free_vars += 1;
                    for k in 0..w {
                        union[k] |= domains[vj * w + k];
                    }
                }
            }
            if free_vars > 0 && count_free(&union, self.used_of(j)) < free_vars {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1-player problem is plain injection counting under a unary relation.
    #[test]
    fn counts_injections_without_constraints() {
        let p = InjectionProblem {
            n: 1,
            x_shape: vec![2],
            y_shape: vec![4],
            x_vals: vec![0, 0],
            y_vals: vec![0, 0, 0, 0],
            rel: Relation::AtLeast,
        };
        let mut count = 0;
        p.solve(None, &mut |_| {
            count += 1;
            ControlFlow::Continue(())
        });
        assert_eq!(count, 12);
    }
}
