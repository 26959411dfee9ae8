//! Outcome sets for set-valued renegotiation (DCM Algorithm 2), exactly, in a two-player payoff plane.
//!
//! A [`Region`] is a finite union of pieces; each piece is the feasible set C(Γ) (the convex hull of
//! the pure payoff vectors, i.e. correlated play) cut by axis-parallel bounds `lo_i ≤ u_i ≤ hi_i`.
//! Every set the CSR construction needs has this form: "weakly improves on a" is `u ≥ u(a)`, PMP_i(a)
//! is `u_i ≥ max(PMM_i, u_i(a))` with `u_j = max(PMM_j, u_j(a))`, intersection tightens bounds, and
//! PMP-extension is a union. Keeping bounds instead of polygons makes intersection exact and cheap; a
//! piece is clipped to a polygon only to test emptiness and to select a point.
//!
//! # Complexity
//! Clipping a piece is O(h) for a hull of h vertices; selecting over a region of k pieces is O(k·h);
//! turning a selected payoff point back into a lottery over profiles is O(m³) in the number m of
//! distinct pure payoff vectors (capped by using hull vertices when m is large).

use spi_games::{Game, Profile, Rational};

/// A payoff vector of a two-player game.
pub type Point = [Rational; 2];

/// The geometry of a two-player game that CSR needs, computed once per game.
#[derive(Debug, Clone)]
pub struct PayoffGeometry {
    /// Distinct pure payoff vectors, each with one profile that yields it.
    pub pure: Vec<(Point, Profile)>,
    /// The convex hull of the pure payoff vectors, counter-clockwise (may be a point or a segment).
    pub hull: Vec<Point>,
    /// The Pareto meet minimum: per player, the least payoff among Pareto-efficient pure outcomes.
    pub pmm: Point,
}

/// One piece: C(Γ) ∩ { lo ≤ u ≤ hi } (a missing bound is unbounded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Lower bounds per player.
    pub lo: [Option<Rational>; 2],
    /// Upper bounds per player.
    pub hi: [Option<Rational>; 2],
}

/// A finite union of pieces (the empty union is the empty set).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Region {
    /// The pieces.
    pub pieces: Vec<Piece>,
}

/// How a CSR program picks one outcome from a set (DCM's `sel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// Maximise u1 + u2, ties to larger u1. Transitive: it maximises one fixed total order.
    Utilitarian,
    /// Maximise u1, then u2. Transitive for the same reason.
    LexFirst,
    /// Maximise u2, then u1. Transitive.
    LexSecond,
}

impl Selection {
    /// Parses the name used in programs (`"utilitarian"`, `"lex1"`, `"lex2"`).
    pub fn from_name(s: &str) -> Option<Selection> {
        Some(match s {
            "utilitarian" => Selection::Utilitarian,
            "lex1" => Selection::LexFirst,
            "lex2" => Selection::LexSecond,
            _ => return None,
        })
    }
}

fn cross(o: &Point, a: &Point, b: &Point) -> Rational {
    (&a[0] - &o[0]) * (&b[1] - &o[1]) - (&a[1] - &o[1]) * (&b[0] - &o[0])
}

/// Andrew's monotone chain; collinear points are dropped, so a segment keeps its two ends.
fn convex_hull(mut pts: Vec<Point>) -> Vec<Point> {
    pts.sort();
    pts.dedup();
    if pts.len() <= 2 {
        return pts;
    }
    let mut lower: Vec<Point> = Vec::new();
    for p in &pts {
        while lower.len() >= 2
            && cross(&lower[lower.len() - 2], &lower[lower.len() - 1], p).signum() <= 0
        {
            lower.pop();
        }
        lower.push(p.clone());
    }
    let mut upper: Vec<Point> = Vec::new();
    for p in pts.iter().rev() {
        while upper.len() >= 2
            && cross(&upper[upper.len() - 2], &upper[upper.len() - 1], p).signum() <= 0
        {
            upper.pop();
        }
        upper.push(p.clone());
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

/// Keeps the part of a convex polygon where `sign·u_k ≥ sign·c` (Sutherland–Hodgman, one edge).
fn clip(poly: &[Point], k: usize, c: &Rational, keep_above: bool) -> Vec<Point> {
    let inside = |p: &Point| if keep_above { p[k] >= *c } else { p[k] <= *c };
    let n = poly.len();
    if n == 0 {
        return Vec::new();
    }
    if n == 1 {
        return if inside(&poly[0]) {
            poly.to_vec()
        } else {
            Vec::new()
        };
    }
    let mut out: Vec<Point> = Vec::new();
    for i in 0..n {
        let a = &poly[i];
        let b = &poly[(i + 1) % n];
        let (ia, ib) = (inside(a), inside(b));
        if ia {
            out.push(a.clone());
        }
        if ia != ib {
            // The crossing point of segment ab with u_k = c, exactly.
            let t = &(c - &a[k]) / &(&b[k] - &a[k]);
            let p = [
                &a[0] + &(&t * &(&b[0] - &a[0])),
                &a[1] + &(&t * &(&b[1] - &a[1])),
            ];
            out.push(p);
        }
    }
    out.dedup();
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

impl PayoffGeometry {
    /// Builds the geometry of a two-player game; `None` for other player counts.
    pub fn new(game: &Game) -> Option<PayoffGeometry> {
        if game.num_players() != 2 {
            return None;
        }
        let mut pure: Vec<(Point, Profile)> = Vec::new();
        for prof in game.profiles() {
            let u = game.payoffs(&prof);
            let p = [u[0].clone(), u[1].clone()];
            if !pure.iter().any(|(q, _)| *q == p) {
                pure.push((p, prof));
            }
        }
        let hull = convex_hull(pure.iter().map(|(p, _)| p.clone()).collect());
        let mut geo = PayoffGeometry {
            pure,
            hull,
            pmm: [Rational::from(0), Rational::from(0)],
        };
        let efficient: Vec<Point> = geo
            .pure
            .iter()
            .map(|(p, _)| p.clone())
            .filter(|p| geo.is_efficient(p))
            .collect();
        // A game always has an efficient pure outcome (a maximiser of u1 + u2), so the minimum exists.
        let pmm0 = efficient
            .iter()
            .map(|p| p[0].clone())
            .min()
            .unwrap_or_default();
        let pmm1 = efficient
            .iter()
            .map(|p| p[1].clone())
            .min()
            .unwrap_or_default();
        geo.pmm = [pmm0, pmm1];
        Some(geo)
    }

    /// Whether `y` is Pareto-efficient in C(Γ): nothing feasible weakly dominates it with a strict gain.
    pub fn is_efficient(&self, y: &Point) -> bool {
        let above = Piece {
            lo: [Some(y[0].clone()), Some(y[1].clone())],
            hi: [None, None],
        };
        let poly = self.polygon(&above);
        !poly.is_empty() && poly.iter().all(|p| p == y)
    }

    /// The polygon of a piece (empty when the piece is empty).
    pub fn polygon(&self, piece: &Piece) -> Vec<Point> {
        let mut poly = self.hull.clone();
        for k in 0..2 {
            if let Some(c) = &piece.lo[k] {
                poly = clip(&poly, k, c, true);
            }
            if let Some(c) = &piece.hi[k] {
                poly = clip(&poly, k, c, false);
            }
        }
        poly
    }

    /// Whether the region holds no feasible point.
    pub fn is_empty(&self, r: &Region) -> bool {
        r.pieces.iter().all(|p| self.polygon(p).is_empty())
    }

    /// DCM's `sel`: one Pareto-efficient point of the region under the rule, or `None` if empty.
    pub fn select(&self, r: &Region, rule: Selection) -> Option<Point> {
        let verts: Vec<Point> = r.pieces.iter().flat_map(|p| self.polygon(p)).collect();
        if verts.is_empty() {
            return None;
        }
        let key = |p: &Point| -> (Rational, Rational) {
            match rule {
                Selection::Utilitarian => (&p[0] + &p[1], p[0].clone()),
                Selection::LexFirst => (p[0].clone(), p[1].clone()),
                Selection::LexSecond => (p[1].clone(), p[0].clone()),
            }
        };
        verts.into_iter().max_by(|a, b| key(a).cmp(&key(b)))
    }

    /// Writes a feasible payoff point as a lottery over at most three profiles (exact barycentric
    /// weights), preferring a single pure profile, then two. `None` if the point is infeasible.
    pub fn lottery(&self, y: &Point) -> Option<Vec<(Profile, Rational)>> {
        if let Some((_, prof)) = self.pure.iter().find(|(p, _)| p == y) {
            return Some(vec![(prof.clone(), Rational::from(1))]);
        }
        // Large games: hull vertices suffice (C is their hull); each is some pure profile's payoff.
        let cands: Vec<&(Point, Profile)> = if self.pure.len() > 40 {
            self.pure
                .iter()
                .filter(|(p, _)| self.hull.contains(p))
                .collect()
        } else {
            self.pure.iter().collect()
        };
        let one = Rational::from(1);
        for i in 0..cands.len() {
            for j in i + 1..cands.len() {
                let (a, b) = (&cands[i].0, &cands[j].0);
                if cross(a, b, y).is_zero() {
                    let k = if a[0] != b[0] { 0 } else { 1 };
                    let t = &(&y[k] - &a[k]) / &(&b[k] - &a[k]);
                    if t.signum() >= 0 && t <= one {
                        return Some(vec![
                            (cands[i].1.clone(), &one - &t),
                            (cands[j].1.clone(), t),
                        ]);
                    }
                }
            }
        }
        for i in 0..cands.len() {
            for j in i + 1..cands.len() {
                for k in j + 1..cands.len() {
                    let (a, b, c) = (&cands[i].0, &cands[j].0, &cands[k].0);
                    let det = cross(a, b, c);
                    if det.is_zero() {
                        continue;
                    }
                    let wa = &cross(b, c, y) / &det;
                    let wb = &cross(c, a, y) / &det;
                    let wc = &one - &wa - &wb;
                    if wa.signum() >= 0 && wb.signum() >= 0 && wc.signum() >= 0 {
                        return Some(vec![
                            (cands[i].1.clone(), wa),
                            (cands[j].1.clone(), wb),
                            (cands[k].1.clone(), wc),
                        ]);
                    }
                }
            }
        }
        None
    }

    /// `{ u : u ⪰ y }`: the outcomes that weakly Pareto-improve on `y`.
    pub fn improvements(y: &Point) -> Region {
        Region {
            pieces: vec![Piece {
                lo: [Some(y[0].clone()), Some(y[1].clone())],
                hi: [None, None],
            }],
        }
    }

    /// PMP_i(y): `u_i ≥ max(PMM_i, y_i)` and `u_j = max(PMM_j, y_j)` (docs/reference/definitions.md
    /// §3.4).
    pub fn pmp(&self, i: usize, y: &Point) -> Region {
        let j = 1 - i;
        let li = Rational::max_of(&self.pmm[i], &y[i]);
        let lj = Rational::max_of(&self.pmm[j], &y[j]);
        let mut lo = [None, None];
        let mut hi = [None, None];
        lo[i] = Some(li);
        lo[j] = Some(lj.clone());
        hi[j] = Some(lj);
        Region {
            pieces: vec![Piece { lo, hi }],
        }
    }
}

impl Region {
    /// All of C(Γ).
    pub fn feasible() -> Region {
        Region {
            pieces: vec![Piece {
                lo: [None, None],
                hi: [None, None],
            }],
        }
    }

    /// The union.
    pub fn join(&self, other: &Region) -> Region {
        let mut pieces = self.pieces.clone();
        for p in &other.pieces {
            if !pieces.contains(p) {
                pieces.push(p.clone());
            }
        }
        Region { pieces }
    }

    /// The intersection (pairwise piece intersections: bounds tighten).
    pub fn meet(&self, other: &Region) -> Region {
        let mut pieces = Vec::new();
        for a in &self.pieces {
            for b in &other.pieces {
                let tighten = |x: &Option<Rational>, y: &Option<Rational>, lower: bool| match (x, y)
                {
                    (Some(x), Some(y)) => Some(if lower {
                        Rational::max_of(x, y)
                    } else {
                        Rational::min_of(x, y)
                    }),
                    (Some(x), None) | (None, Some(x)) => Some(x.clone()),
                    (None, None) => None,
                };
                let p = Piece {
                    lo: [
                        tighten(&a.lo[0], &b.lo[0], true),
                        tighten(&a.lo[1], &b.lo[1], true),
                    ],
                    hi: [
                        tighten(&a.hi[0], &b.hi[0], false),
                        tighten(&a.hi[1], &b.hi[1], false),
                    ],
                };
                if !pieces.contains(&p) {
                    pieces.push(p);
                }
            }
        }
        Region { pieces }
    }

    /// `{ u : u_i ≥ v }`.
    pub fn at_least(i: usize, v: Rational) -> Region {
        let mut lo = [None, None];
        lo[i] = Some(v);
        Region {
            pieces: vec![Piece {
                lo,
                hi: [None, None],
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spi_games::examples;

    fn pt(a: i64, b: i64) -> Point {
        [Rational::from(a), Rational::from(b)]
    }

    #[test]
    fn dcm2024_scheduling_pmm_and_pmp() {
        let g = PayoffGeometry::new(&examples::scheduling()).unwrap();
        assert_eq!(g.pmm, pt(1, 1));
        let p1 = g.pmp(0, &pt(0, 0));
        let p2 = g.pmp(1, &pt(0, 0));
        // PMP_1 = {u2 = 1, 1 ≤ u1 ≤ 3}: the segment from (1,1) to (3,1).
        let mut poly1 = g.polygon(&p1.pieces[0]);
        poly1.sort();
        assert_eq!(poly1, vec![pt(1, 1), pt(3, 1)]);
        let mut poly2 = g.polygon(&p2.pieces[0]);
        poly2.sort();
        assert_eq!(poly2, vec![pt(1, 1), pt(1, 3)]);
        let both = p1.meet(&p2);
        assert_eq!(g.select(&both, Selection::Utilitarian), Some(pt(1, 1)));
    }

    #[test]
    fn pmm_of_pd_chicken_demand() {
        let g = PayoffGeometry::new(&examples::prisoners_dilemma()).unwrap();
        assert_eq!(g.pmm, pt(1, 1));
        let g = PayoffGeometry::new(&examples::chicken()).unwrap();
        assert_eq!(g.pmm, pt(1, 1));
        let g = PayoffGeometry::new(&examples::demand_game()).unwrap();
        assert_eq!(g.pmm, pt(-5, -5));
    }

    #[test]
    fn lottery_reproduces_the_point() {
        let game = examples::scheduling();
        let g = PayoffGeometry::new(&game).unwrap();
        for y in [
            pt(2, 2),
            pt(1, 1),
            [Rational::new(5, 3).unwrap(), Rational::new(5, 3).unwrap()],
        ] {
            let lot = g.lottery(&y).unwrap();
            let mut e = [Rational::from(0), Rational::from(0)];
            for (prof, w) in &lot {
                for k in 0..2 {
                    e[k] = &e[k] + &(w * game.payoff(prof, k));
                }
            }
            assert_eq!(e, y);
        }
        assert!(g.lottery(&pt(3, 3)).is_none());
    }

    /// DCM's transitivity of sel: if every point of S' weakly improves on sel(S), then
    /// u(sel(S ∪ S')) ⪰ u(sel(S)). Checked on 400 seeded random games and regions for every rule.
    #[test]
    fn dcm2024_selection_transitivity() {
        let mut state: u64 = 0x5eed;
        let mut next = |m: i64| -> i64 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % (m as u64)) as i64
        };
        for _ in 0..400 {
            let (r, c) = (1 + next(3) as usize, 1 + next(3) as usize);
            let pays: Vec<(i64, i64)> = (0..r * c).map(|_| (next(7) - 2, next(7) - 2)).collect();
            let game = spi_games::Game::from_fn(
                "t",
                vec!["A".into(), "B".into()],
                vec![
                    (0..r).map(|i| format!("r{i}")).collect(),
                    (0..c).map(|j| format!("c{j}")).collect(),
                ],
                |p: &[usize]| {
                    let (a, b) = pays[p[0] * c + p[1]];
                    vec![Rational::from(a), Rational::from(b)]
                },
            )
            .unwrap();
            let g = PayoffGeometry::new(&game).unwrap();
            let box_of = |lo0: i64, lo1: i64, hi0: i64, hi1: i64| Piece {
                lo: [Some(Rational::from(lo0)), Some(Rational::from(lo1))],
                hi: [Some(Rational::from(hi0)), Some(Rational::from(hi1))],
            };
            let s_region = Region {
                pieces: vec![box_of(next(5) - 3, next(5) - 3, next(5), next(5))],
            };
            for rule in [
                Selection::Utilitarian,
                Selection::LexFirst,
                Selection::LexSecond,
            ] {
                let Some(sel_s) = g.select(&s_region, rule) else {
                    continue;
                };
                let extra = PayoffGeometry::improvements(&sel_s).meet(&Region {
                    pieces: vec![box_of(-3, -3, next(6) - 1, next(6) - 1)],
                });
                let both = s_region.join(&extra);
                let sel_both = g.select(&both, rule).expect("S ∪ S' contains sel(S)");
                let improves = sel_both[0] >= sel_s[0] && sel_both[1] >= sel_s[1];
                assert!(
                    improves,
                    "{rule:?} not transitive: sel(S) = {sel_s:?}, sel(S ∪ S') = {sel_both:?}"
                );
            }
        }
    }
}
