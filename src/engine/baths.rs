//! What both engines derive from the scenario about the two baths, by one definition: their atom ranges,
//! degrees of freedom, thermostat targets T(t) and fresh Nosé–Hoover chains, and the energy the chains store.
//! The CPU engine integrates with it in f64; the GPU engine compiles the same numbers into its WGSL and
//! uses it on the host for the chains' η and energy.

use crate::physics::thermostat::{NoseHooverChain, TemperatureProtocol};
use crate::scenario::Scenario;
use crate::system::{Group, System};
use std::ops::Range;

pub struct Baths {
    /// Atom ranges of the cold (0) and hot (1) bath.
    pub ranges: [Range<usize>; 2],
    /// Degrees of freedom N_f = 3N − 3 per bath (the total momentum is fixed), for temperatures and chain
    /// masses.
    pub ndof: [f64; 2],
    /// Each thermostat's target T(t), K (constant, or seed 002's T₀ + A sin(2πt/P)).
    pub target_t: [TemperatureProtocol; 2],
}

impl Baths {
    pub fn new(sc: &Scenario, sys: &System) -> Baths {
        let ranges = [
            sys.ranges[Group::ColdBath as usize].clone(),
            sys.ranges[Group::HotBath as usize].clone(),
        ];
        let ndof = ranges
            .clone()
            .map(|r| (3 * r.len()).saturating_sub(3) as f64);
        Baths {
            ranges,
            ndof,
            target_t: [
                TemperatureProtocol::new(&sc.cold),
                TemperatureProtocol::new(&sc.hot),
            ],
        }
    }

    /// A chain at rest per thermostatted bath (none for a bath without thermostat).
    pub fn chains(&self, sc: &Scenario) -> [Option<NoseHooverChain>; 2] {
        [0, 1].map(|b| {
            [&sc.cold, &sc.hot][b]
                .thermostat
                .map(|t| NoseHooverChain::new(t.chain_length, t.damping_ps, self.ndof[b]))
        })
    }

    /// Energy stored in `chains` at time `t_ps` since step 0, eV, each with its bath's target at t.
    pub fn chain_energy(&self, chains: &[Option<NoseHooverChain>; 2], t_ps: f64) -> f64 {
        (0..2)
            .filter_map(|b| {
                chains[b]
                    .as_ref()
                    .map(|c| c.energy(self.target_t[b].at(t_ps)))
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::Baths;
    use crate::scenario::Scenario;
    use crate::system::build_system;

    /// N_f = 3N − 3 from the built system's bath sizes, a chain only where the scenario has a thermostat, and
    /// chain energy zero at rest.
    #[test]
    fn baths_follow_the_scenario() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/small-oscillating.json"
        );
        let mut sc = Scenario::load(std::path::Path::new(path)).unwrap();
        sc.hot.thermostat = None;
        let sys = build_system(&sc).unwrap();
        let baths = Baths::new(&sc, &sys);
        for b in 0..2 {
            assert_eq!(baths.ndof[b], (3 * baths.ranges[b].len() - 3) as f64);
        }
        let chains = baths.chains(&sc);
        assert_eq!(chains[0].as_ref().unwrap().eta.len(), 3);
        assert!(chains[1].is_none());
        assert_eq!(baths.chain_energy(&chains, 2.5), 0.0);
        assert!(!baths.target_t[0].is_constant() && baths.target_t[1].is_constant());
    }
}
