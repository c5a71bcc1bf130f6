//! The heat and work ledger of seed 000 and its heat.csv rows.
//!
//! Sign convention (seed 000): Q > 0 is heat dissipated from the nanoparticle into the bath. The bath heat is
//! Q_b(t) = (energy the thermostat removed from bath b since production started) + (E_b(t) − E_b(0)): whatever
//! entered the bath either stayed in it or was carried off by its thermostat.

use crate::engine::Observation;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// heat.csv columns: SPEC.md's required ones in order, then the extras.
pub const HEAT_CSV_HEADER: &str = "time_ps,q_cold_ev,q_hot_ev,thermostat_cold_ev,thermostat_hot_ev,\
e_bath_cold_ev,e_bath_hot_ev,w_cold_ev,w_hot_ev,x_cold_a,y_cold_a,z_cold_a,x_hot_a,y_hot_a,z_hot_a,\
vx_cold_a_ps,vx_hot_a_ps,temp_cold_k,temp_hot_k,q_particle_cold_ev,q_particle_hot_ev,e_particle_cold_ev,\
e_particle_hot_ev,vy_cold_a_ps,vz_cold_a_ps,vy_hot_a_ps,vz_hot_a_ps,conserved_ev";

/// What each heat.csv column holds, in header order, for run.json (units are in the names: _ev eV, _a Å,
/// _a_ps Å/ps, _k K, _ps ps; signs as in the module header).
pub const HEAT_CSV_COLUMNS: [(&str, &str); 28] = [
    ("time_ps", "time since the end of equilibration, ps"),
    ("q_cold_ev", "cold bath heat Q_C = thermostat_cold_ev + e_bath_cold_ev − its start value; > 0: into the bath"),
    ("q_hot_ev", "hot bath heat Q_H = thermostat_hot_ev + e_bath_hot_ev − its start value; > 0: into the bath"),
    ("thermostat_cold_ev", "energy the cold bath's thermostat removed since production started"),
    ("thermostat_hot_ev", "energy the hot bath's thermostat removed since production started"),
    ("e_bath_cold_ev", "cold bath energy E_C: argon kinetic + bath–bath, bath–wall pairs + half the bath–particle pairs"),
    ("e_bath_hot_ev", "hot bath energy E_H, as e_bath_cold_ev"),
    ("w_cold_ev", "demon work on the cold particle, Σ κ_C X_H ∘ dX_C (seed 000, Eq. 19)"),
    ("w_hot_ev", "demon work on the hot particle, Σ κ_H X_C ∘ dX_H (seed 000, Eq. 19)"),
    ("x_cold_a", "cold particle COM displacement from its trap centre, x"),
    ("y_cold_a", "cold particle COM displacement from its trap centre, y"),
    ("z_cold_a", "cold particle COM displacement from its trap centre, z"),
    ("x_hot_a", "hot particle COM displacement from its trap centre, x"),
    ("y_hot_a", "hot particle COM displacement from its trap centre, y"),
    ("z_hot_a", "hot particle COM displacement from its trap centre, z"),
    ("vx_cold_a_ps", "cold particle COM velocity, x"),
    ("vx_hot_a_ps", "hot particle COM velocity, x"),
    ("temp_cold_k", "cold bath kinetic temperature, N_f = 3N − 3"),
    ("temp_hot_k", "hot bath kinetic temperature, N_f = 3N − 3"),
    ("q_particle_cold_ev", "heat the cold particle dissipated: minus the work of the interaction forces and torques on it"),
    ("q_particle_hot_ev", "heat the hot particle dissipated: minus the work of the interaction forces and torques on it"),
    ("e_particle_cold_ev", "cold particle energy: ½MV² + ½L·ω + trap and demon potential (seed 000, Eq. 17)"),
    ("e_particle_hot_ev", "hot particle energy: ½MV² + ½L·ω + trap and demon potential (seed 000, Eq. 17)"),
    ("vy_cold_a_ps", "cold particle COM velocity, y"),
    ("vz_cold_a_ps", "cold particle COM velocity, z"),
    ("vy_hot_a_ps", "hot particle COM velocity, y"),
    ("vz_hot_a_ps", "hot particle COM velocity, z"),
    ("conserved_ev", "K + U + thermostat chain energy − nonconservative work since step 0: constant up to integration error"),
];

/// The reference point of production: bath energies and the step at which the ledger was zeroed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    pub bath_energy_start: [f64; 2],
    pub start_step: u64,
    pub dt_ps: f64,
}

impl Ledger {
    pub fn new(o: &Observation, start_step: u64, dt_ps: f64) -> Ledger {
        Ledger {
            bath_energy_start: o.bath_energy,
            start_step,
            dt_ps,
        }
    }

    /// Q_b = thermostat heat + E_b(t) − E_b(0), eV.
    pub fn bath_heat(&self, o: &Observation) -> [f64; 2] {
        [0, 1].map(|b| o.thermostat_heat[b] + o.bath_energy[b] - self.bath_energy_start[b])
    }

    /// One heat.csv row (with newline). Floats are printed in their shortest exact form, so the file is a
    /// deterministic function of the trajectory.
    pub fn row(&self, o: &Observation) -> String {
        let t = (o.step - self.start_step) as f64 * self.dt_ps;
        let q = self.bath_heat(o);
        let (x, v) = (o.displacement, o.velocity);
        let vals = [
            q[0],
            q[1],
            o.thermostat_heat[0],
            o.thermostat_heat[1],
            o.bath_energy[0],
            o.bath_energy[1],
            o.work[0],
            o.work[1],
            x[0].x,
            x[0].y,
            x[0].z,
            x[1].x,
            x[1].y,
            x[1].z,
            v[0].x,
            v[1].x,
            o.temperature[0],
            o.temperature[1],
            o.particle_heat[0],
            o.particle_heat[1],
            o.particle_energy[0],
            o.particle_energy[1],
            v[0].y,
            v[0].z,
            v[1].y,
            v[1].z,
            o.conserved,
        ];
        let mut s = format!("{t:.6}");
        for v in vals {
            s.push(',');
            s.push_str(&v.to_string());
        }
        s.push('\n');
        s
    }
}

/// Least-squares slope of y against x.
pub fn slope(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    if x.len() < 2 {
        return 0.0;
    }
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    sxy / sxx
}

/// Plain linear-fit rates of (Q_C, Q_H) and (W_C, W_H) from a heat.csv, eV/ps, for the run summary
/// (`nanodemon analyze` gives error bars).
pub fn fit_rates(heat_csv: &Path) -> Result<([f64; 2], [f64; 2])> {
    let text = std::fs::read_to_string(heat_csv)
        .with_context(|| format!("reading {}", heat_csv.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let col = |name: &str| -> Result<usize> {
        header
            .iter()
            .position(|h| *h == name)
            .with_context(|| format!("{} has no column {name}", heat_csv.display()))
    };
    let idx = [
        col("time_ps")?,
        col("q_cold_ev")?,
        col("q_hot_ev")?,
        col("w_cold_ev")?,
        col("w_hot_ev")?,
    ];
    let mut cols: [Vec<f64>; 5] = Default::default();
    for (n, line) in lines.enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        for (c, &i) in idx.iter().enumerate() {
            let v: f64 = f.get(i).and_then(|s| s.parse().ok()).with_context(|| {
                format!(
                    "{} row {}: bad value in column {}",
                    heat_csv.display(),
                    n + 2,
                    header[i]
                )
            })?;
            cols[c].push(v);
        }
    }
    if cols[0].len() < 2 {
        bail!(
            "{} holds fewer than two samples; run longer",
            heat_csv.display()
        );
    }
    let s = |c: usize| slope(&cols[0], &cols[c]);
    Ok(([s(1), s(2)], [s(3), s(4)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// run.json's column descriptions follow the header the rows are written under, name for name.
    #[test]
    fn every_heat_csv_column_is_described_in_order() {
        let names: Vec<&str> = HEAT_CSV_COLUMNS.iter().map(|c| c.0).collect();
        assert_eq!(names.join(","), HEAT_CSV_HEADER);
    }
}
