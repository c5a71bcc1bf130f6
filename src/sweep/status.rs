//! `nanodemon sweep status`: the state of every point and how far its production has got.

use super::plan::Manifest;
use super::point::{PointDir, PointRate, PointState};
use super::spec::PointParams;
use crate::scenario::Scenario;
use anyhow::Result;
use serde::Serialize;
use std::path::Path;

#[derive(Clone, Debug, Serialize)]
pub struct PointStatus {
    pub index: usize,
    pub state: PointState,
    pub params: PointParams,
    /// Production simulated so far and its target, ps (0 during equilibration).
    pub production_done_ps: f64,
    pub production_ps: f64,
    /// The error of the last failed attempt.
    pub error: Option<String>,
    /// Speed and ETA from the last progress line of the point's run.log (for points not yet done).
    pub rate: Option<PointRate>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SweepStatus {
    pub name: String,
    pub done: usize,
    pub running: usize,
    pub interrupted: usize,
    pub failed: usize,
    pub pending: usize,
    pub points: Vec<PointStatus>,
}

pub fn status(root: &Path) -> Result<SweepStatus> {
    let m = Manifest::load(root)?;
    let mut points = Vec::new();
    for p in &m.points {
        let pd = PointDir::new(root, p.index);
        let sc = Scenario::load(&pd.scenario())?;
        let state = pd.state();
        let error = (state == PointState::Failed)
            .then(|| std::fs::read_to_string(pd.failed()).ok())
            .flatten()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["error"].as_str().map(str::to_string));
        points.push(PointStatus {
            index: p.index,
            state,
            params: p.params.clone(),
            production_done_ps: pd.progress_ps(sc.run.production_ps).unwrap_or(0.0),
            production_ps: sc.run.production_ps,
            error,
            rate: (state != PointState::Done).then(|| pd.rate()).flatten(),
        });
    }
    let count = |s: PointState| points.iter().filter(|p| p.state == s).count();
    Ok(SweepStatus {
        name: m.name,
        done: count(PointState::Done),
        running: count(PointState::Running),
        interrupted: count(PointState::Interrupted),
        failed: count(PointState::Failed),
        pending: count(PointState::Pending),
        points,
    })
}
