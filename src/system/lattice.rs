//! Lattice sites: fcc for argon and for the nanoparticles, square for the walls.

/// The four basis sites of the fcc conventional cell, in units of the lattice constant.
const FCC_BASIS: [[f64; 3]; 4] = [
    [0.0, 0.0, 0.0],
    [0.5, 0.5, 0.0],
    [0.5, 0.0, 0.5],
    [0.0, 0.5, 0.5],
];

/// fcc sites `origin + a·(cell + basis)` for `n` cells along each axis (offset by a quarter cell so no site
/// sits on a cell boundary).
pub fn fcc_block(a: f64, n: [usize; 3], origin: [f64; 3]) -> Vec<[f64; 3]> {
    let mut out = Vec::with_capacity(4 * n[0] * n[1] * n[2]);
    for i in 0..n[0] {
        for j in 0..n[1] {
            for k in 0..n[2] {
                for b in FCC_BASIS {
                    out.push([
                        origin[0] + a * (i as f64 + b[0] + 0.25),
                        origin[1] + a * (j as f64 + b[1] + 0.25),
                        origin[2] + a * (k as f64 + b[2] + 0.25),
                    ]);
                }
            }
        }
    }
    out
}

/// The `count` fcc sites nearest a lattice site, as displacements from it, ties broken by coordinates so the
/// result is deterministic (seed 000: "the 186 sites nearest the centre").
pub fn fcc_cluster(a: f64, count: usize) -> Vec<[f64; 3]> {
    let mut n = 2usize;
    loop {
        let half = n as f64 * a;
        let mut sites: Vec<[f64; 3]> = fcc_block(a, [2 * n; 3], [0.0; 3])
            .into_iter()
            .map(|p| {
                [
                    p[0] - 0.25 * a - half,
                    p[1] - 0.25 * a - half,
                    p[2] - 0.25 * a - half,
                ]
            })
            .collect();
        let r2 = |p: &[f64; 3]| p[0] * p[0] + p[1] * p[1] + p[2] * p[2];
        sites.sort_by(|p, q| {
            r2(p)
                .total_cmp(&r2(q))
                .then(p.partial_cmp(q).expect("finite"))
        });
        // The block must contain the whole sphere of the chosen radius, or we would miss nearer sites.
        if sites.len() > count && r2(&sites[count - 1]).sqrt() < half - a {
            sites.truncate(count);
            return sites;
        }
        n += 1;
    }
}

/// A square lattice in the y–z plane at `x`, with `n` sites per edge of `length`.
pub fn square_wall(x: f64, length: f64, n: usize) -> Vec<[f64; 3]> {
    let s = length / n as f64;
    let mut out = Vec::with_capacity(n * n);
    for j in 0..n {
        for k in 0..n {
            out.push([x, (j as f64 + 0.5) * s, (k as f64 + 0.5) * s]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fcc_density_is_four_per_cell() {
        let a = 3.0;
        let sites = fcc_block(a, [3, 4, 5], [0.0; 3]);
        assert_eq!(sites.len(), 4 * 60);
    }

    #[test]
    fn cluster_has_fcc_shells() {
        // Closed shells of fcc around a site: 1, 13 (12 nn), 19 (6 at a), 43 (24 at a·√(3/2)).
        let a = 3.615;
        let c = fcc_cluster(a, 43);
        let r = |p: &[f64; 3]| (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
        assert!(r(&c[0]) < 1e-12);
        assert!((r(&c[12]) - a / 2f64.sqrt()).abs() < 1e-9);
        assert!((r(&c[18]) - a).abs() < 1e-9);
        assert!((r(&c[42]) - a * 1.5f64.sqrt()).abs() < 1e-9);
    }
}
