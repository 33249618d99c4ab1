//! Many points through one coordinate transformation, fast: PROJ transforms the nodes of a
//! regular grid laid over the points, a point's position is interpolated bilinearly between
//! the four nodes of its cell, and every cell carries a bound on the interpolation error. A
//! caller that needs an exact decision — which pixel a point falls in — takes the interpolated
//! position only where every position within the bound gives the same decision, and transforms
//! the other points exactly (`raster::locate`).
//!
//! ## The bound
//! For f with continuous second derivatives on a cell of hx × hy, bilinear interpolation I
//! satisfies |f − I f| ≤ hx²/8 · max|f_xx| + hy²/8 · max|f_yy|: interpolating linearly along x
//! leaves at most hx²/8 · max|f_xx| anywhere in the cell, and interpolating that linearly along
//! y, between the cell's two vertical edges, adds at most hy²/8 · max|f_yy| on those edges.
//!
//! The second derivatives come from the nodes themselves: the second difference
//! D(i) = f(i+1) − 2 f(i) + f(i−1) is exactly h² · f''(ξ) for some ξ within one step of node i
//! (the mean value theorem), so D at the cell's four nodes gives h² f'' at points of the cell's
//! neighbourhood. How much f'' can differ from those samples elsewhere in the cell is bounded
//! by three times the largest change of D between neighbouring nodes among the 4 × 4 nodes
//! around the cell (the third differences: D changes by h³ f''' per step, and no point of the
//! cell is more than three steps of ξ away). The bound used is twice
//! (A_x + 3 V_x + A_y + 3 V_y) / 8 — A the largest |D| at the cell's nodes, V the largest
//! change of D, per axis — plus a margin for floating-point rounding in PROJ and in the
//! interpolation (1e-12 of the coordinates' magnitude and 1e-9 of the cell's extent, orders of
//! magnitude above double precision's 1e-16).
//!
//! What this rests on: that f'' does not vary inside a cell's neighbourhood by more than three
//! times what the nodes show — true of the map projections PROJ evaluates, which are smooth on
//! the scale of a grid cell (a few hundred metres to kilometres) away from their singularities.
//! A singularity, a cut or the edge of a projection's domain shows up as a jump in the nodes,
//! which makes D, and so the bound, at least as large as the jump, or as a node PROJ cannot
//! transform, which leaves the cell without a bound; the cell's points then go to PROJ one by
//! one. Operations PROJ may switch between inside the grid (datum transformations with areas of
//! use) are not smooth at all: `raster` builds a grid only between CRSs on the same geographic
//! CRS, where the transformation is a map projection and nothing else.

use crate::transform::transform_points;
use gdal::spatial_ref::CoordTransform;

/// A grid of exactly transformed nodes over a source-CRS rectangle, with each cell's bound.
pub(crate) struct TransformGrid {
    /// The rectangle covered (`[min x, min y, max x, max y]`, source CRS; node (0, 0) at its
    /// minimum), and the inverse of the step between nodes.
    bbox: [f64; 4],
    per_step: (f64, f64),
    /// Cells along x and y (nodes: one more of each).
    cells: (usize, usize),
    /// Target x and y of every node, row by row.
    x: Vec<f64>,
    y: Vec<f64>,
    /// Per cell (row by row): the bound on |interpolated − exact| of target x and y; infinite
    /// where the grid cannot vouch for the cell.
    bound: Vec<(f64, f64)>,
}

/// A position interpolated by [`TransformGrid::interpolate`] and its error bound: the exact
/// transformation of the point lies within `x ± ex`, `y ± ey`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Interpolated {
    pub x: f64,
    pub y: f64,
    pub ex: f64,
    pub ey: f64,
}

impl TransformGrid {
    /// Transforms the nodes of `cells.0 × cells.1` cells over `bbox` (`[min x, min y, max x,
    /// max y]` in the source CRS, non-empty) with `transform` and bounds every cell. At least
    /// 2 × 2 cells.
    pub(crate) fn new(
        transform: &CoordTransform,
        bbox: [f64; 4],
        cells: (usize, usize),
    ) -> TransformGrid {
        let (nx, ny) = (cells.0.max(2), cells.1.max(2));
        let step = (
            (bbox[2] - bbox[0]) / nx as f64,
            (bbox[3] - bbox[1]) / ny as f64,
        );
        let origin = (bbox[0], bbox[1]);
        let (mut x, mut y) = (
            Vec::with_capacity((nx + 1) * (ny + 1)),
            Vec::with_capacity((nx + 1) * (ny + 1)),
        );
        for j in 0..=ny {
            for i in 0..=nx {
                x.push(origin.0 + i as f64 * step.0);
                y.push(origin.1 + j as f64 * step.1);
            }
        }
        // A node PROJ cannot transform is NaN: no cell touching it gets a bound.
        transform_points(transform, &mut x, &mut y);
        let bound = bounds(&x, &y, nx, ny);
        TransformGrid {
            bbox,
            per_step: (1.0 / step.0, 1.0 / step.1),
            cells: (nx, ny),
            x,
            y,
            bound,
        }
    }

    /// The cell a source point falls in (row-major index), or `None` outside the grid.
    pub(crate) fn cell_of(&self, px: f64, py: f64) -> Option<usize> {
        self.locate_in_cell(px, py)
            .map(|(i, j, _, _)| j * self.cells.0 + i)
    }

    /// The column and row of the cell a source point falls in and where in the cell (0..=1).
    fn locate_in_cell(&self, px: f64, py: f64) -> Option<(usize, usize, f64, f64)> {
        let (nx, ny) = self.cells;
        // Written so that NaN fails too.
        if !(px >= self.bbox[0] && px <= self.bbox[2] && py >= self.bbox[1] && py <= self.bbox[3]) {
            return None;
        }
        // (s, t) inside the cell are off by a few ulps, as the nodes' own positions are (and
        // clamped to the cell where rounding takes them a hair outside): the bound's margin
        // covers a billion times that.
        let u = (px - self.bbox[0]) * self.per_step.0;
        let v = (py - self.bbox[1]) * self.per_step.1;
        let i = (u as usize).min(nx - 1);
        let j = (v as usize).min(ny - 1);
        Some((
            i,
            j,
            (u - i as f64).clamp(0.0, 1.0),
            (v - j as f64).clamp(0.0, 1.0),
        ))
    }

    /// A cell's bound on |interpolated − exact| of target x and y (infinite: none).
    pub(crate) fn bound(&self, cell: usize) -> (f64, f64) {
        self.bound[cell]
    }

    /// The point's position in the target CRS interpolated between its cell's nodes, with the
    /// bound of the cell; `None` outside the grid or in a cell without a bound.
    #[inline]
    pub(crate) fn interpolate(&self, px: f64, py: f64) -> Option<Interpolated> {
        let (i, j, s, t) = self.locate_in_cell(px, py)?;
        let nx = self.cells.0;
        let (ex, ey) = self.bound[j * nx + i];
        if !(ex.is_finite() && ey.is_finite()) {
            return None;
        }
        let n00 = j * (nx + 1) + i;
        let n01 = n00 + nx + 1;
        let lerp2 = |v: &[f64]| {
            let bottom = v[n00] + s * (v[n00 + 1] - v[n00]);
            let top = v[n01] + s * (v[n01 + 1] - v[n01]);
            bottom + t * (top - bottom)
        };
        Some(Interpolated {
            x: lerp2(&self.x),
            y: lerp2(&self.y),
            ex,
            ey,
        })
    }
}

/// Every cell's bound on the interpolation error of target x and y (see the module's notes).
fn bounds(x: &[f64], y: &[f64], nx: usize, ny: usize) -> Vec<(f64, f64)> {
    let row = nx + 1;
    let node = |i: usize, j: usize| j * row + i;
    // Second differences along the grid's x (columns) and y (rows) at every node; a node on the
    // grid's edge takes its inner neighbour's, whose ξ lies within one step of it too.
    let second = |v: &[f64], along_x: bool| -> Vec<f64> {
        let mut d = vec![0.0; v.len()];
        for j in 0..=ny {
            for i in 0..=nx {
                let (a, b, c) = if along_x {
                    let k = i.clamp(1, nx - 1);
                    (node(k - 1, j), node(k, j), node(k + 1, j))
                } else {
                    let k = j.clamp(1, ny - 1);
                    (node(i, k - 1), node(i, k), node(i, k + 1))
                };
                d[node(i, j)] = v[a] - 2.0 * v[b] + v[c];
            }
        }
        d
    };
    let (dxx, dxy, dyx, dyy) = (
        second(x, true),
        second(x, false),
        second(y, true),
        second(y, false),
    );
    let mut out = Vec::with_capacity(nx * ny);
    for j in 0..ny {
        for i in 0..nx {
            // The cell's 4 × 4 neighbourhood of nodes, clipped to the grid.
            let (i0, i1) = (i.saturating_sub(1), (i + 2).min(nx));
            let (j0, j1) = (j.saturating_sub(1), (j + 2).min(ny));
            let finite = (j0..=j1).all(|jj| {
                (i0..=i1).all(|ii| x[node(ii, jj)].is_finite() && y[node(ii, jj)].is_finite())
            });
            if !finite {
                out.push((f64::INFINITY, f64::INFINITY));
                continue;
            }
            let corners = [
                node(i, j),
                node(i + 1, j),
                node(i, j + 1),
                node(i + 1, j + 1),
            ];
            // A: the largest |D| at the cell's nodes; V: the largest change of D between
            // neighbouring nodes of the neighbourhood.
            let a = |d: &[f64]| corners.iter().map(|&n| d[n].abs()).fold(0.0, f64::max);
            let v = |d: &[f64]| {
                let mut m: f64 = 0.0;
                for jj in j0..=j1 {
                    for ii in i0..=i1 {
                        let here = d[node(ii, jj)];
                        if ii < i1 {
                            m = m.max((d[node(ii + 1, jj)] - here).abs());
                        }
                        if jj < j1 {
                            m = m.max((d[node(ii, jj + 1)] - here).abs());
                        }
                    }
                }
                m
            };
            let margin = |values: &[f64]| {
                let (lo, hi, mag) = corners.iter().fold(
                    (f64::INFINITY, f64::NEG_INFINITY, 0.0f64),
                    |(lo, hi, mag), &n| {
                        (
                            lo.min(values[n]),
                            hi.max(values[n]),
                            mag.max(values[n].abs()),
                        )
                    },
                );
                1e-12 * mag + 1e-9 * (hi - lo)
            };
            let bound = |dx: &[f64], dy: &[f64], values: &[f64]| {
                2.0 * (a(dx) + 3.0 * v(dx) + a(dy) + 3.0 * v(dy)) / 8.0 + margin(values)
            };
            out.push((bound(&dxx, &dxy, x), bound(&dyx, &dyy, y)));
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::transform::wgs84;
    use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};

    /// splitmix64: a deterministic stream of uniform numbers in [0, 1).
    pub(crate) struct Uniform(u64);
    impl Uniform {
        pub(crate) fn new(seed: u64) -> Uniform {
            Uniform(seed)
        }
        pub(crate) fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn to(epsg: u32) -> CoordTransform {
        let mut target = SpatialRef::from_epsg(epsg).unwrap();
        target.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        CoordTransform::new(&wgs84(), &target).unwrap()
    }

    /// Every interpolated position is within its bound of PROJ's own answer, for points spread
    /// over grids of several sizes in several projections (UTM north and south, polar
    /// stereographic, polar LAEA, Web Mercator), including every node and cell edge.
    #[test]
    fn interpolation_stays_within_the_bound() {
        let cases: [(u32, [f64; 4]); 6] = [
            (32633, [12.0, 45.0, 16.5, 48.0]),
            (32723, [-48.1, -25.0, -46.9, -23.9]),
            (32723, [-52.0, -30.0, -40.0, -18.0]),
            (3413, [-60.0, 70.0, -30.0, 85.0]),
            (3574, [-40.0, 60.0, 40.0, 80.0]),
            (3857, [-50.0, -30.0, -40.0, -20.0]),
        ];
        let mut rnd = Uniform::new(11);
        for (epsg, bbox) in cases {
            let transform = to(epsg);
            for cells in [(2, 2), (7, 5), (40, 60), (200, 150)] {
                let grid = TransformGrid::new(&transform, bbox, cells);
                let (w, h) = (bbox[2] - bbox[0], bbox[3] - bbox[1]);
                let mut points: Vec<(f64, f64)> = (0..4000)
                    .map(|_| (bbox[0] + rnd.next() * w, bbox[1] + rnd.next() * h))
                    .collect();
                // Nodes and points along cell edges.
                for k in 0..=cells.0 {
                    let px = bbox[0] + k as f64 * w / cells.0 as f64;
                    points.push((px, bbox[1] + rnd.next() * h));
                    points.push((px, bbox[3]));
                }
                for k in 0..=cells.1 {
                    points.push((
                        bbox[0] + rnd.next() * w,
                        bbox[1] + k as f64 * h / cells.1 as f64,
                    ));
                }
                let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = points.iter().copied().unzip();
                assert!(transform_points(&transform, &mut xs, &mut ys)
                    .iter()
                    .all(|&ok| ok));
                let mut vouched = 0;
                for (k, &(px, py)) in points.iter().enumerate() {
                    let Some(p) = grid.interpolate(px, py) else {
                        continue;
                    };
                    vouched += 1;
                    assert!(
                        (p.x - xs[k]).abs() <= p.ex && (p.y - ys[k]).abs() <= p.ey,
                        "EPSG:{epsg} {cells:?} at ({px}, {py}): interpolated ({}, {}) ± ({}, {}), exact ({}, {})",
                        p.x,
                        p.y,
                        p.ex,
                        p.ey,
                        xs[k],
                        ys[k]
                    );
                }
                assert_eq!(vouched, points.len(), "EPSG:{epsg} {cells:?}");
            }
        }
    }

    /// The bound is not vacuous: on a fine grid over a Sentinel-2 tile it is a small fraction
    /// of a 10 m pixel.
    #[test]
    fn the_bound_is_small_on_a_fine_grid() {
        let grid = TransformGrid::new(&to(32723), [-48.1, -25.0, -46.9, -23.9], (100, 90));
        let worst = (0..100 * 90)
            .map(|c| grid.bound(c))
            .fold((0.0f64, 0.0f64), |(a, b), (x, y)| (a.max(x), b.max(y)));
        assert!(worst.0 < 0.05 && worst.1 < 0.1, "{worst:?} m");
    }

    /// Points outside the grid and cells with a node PROJ cannot transform get no position.
    #[test]
    fn no_position_outside_the_grid_or_next_to_a_failed_node() {
        let grid = TransformGrid::new(&to(32723), [-48.0, -25.0, -47.0, -24.0], (10, 10));
        assert!(grid.interpolate(-48.5, -24.5).is_none());
        assert!(grid.interpolate(f64::NAN, -24.5).is_none());
        assert!(grid.interpolate(-47.5, -24.5).is_some());
        // No latitude beyond 90 transforms: cells within two rows of those nodes have no bound.
        let grid = TransformGrid::new(&to(3857), [0.0, 70.0, 10.0, 100.0], (6, 6));
        assert!(grid.interpolate(5.0, 87.0).is_none());
        assert!(grid.interpolate(5.0, 72.0).is_some());
    }
}
