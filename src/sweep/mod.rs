//! Parameter sweeps (κ_H/κ_C, temperatures, replica seeds) planned as Slurm job arrays and runnable on one
//! machine: `plan` writes a directory per point, a manifest and a batch script; `run` runs points and resumes
//! killed ones from their checkpoints; `status` reports each point; `collect` tables and plots the results.

pub mod batch;
pub mod collect;
pub mod plan;
pub mod point;
pub mod run;
pub mod spec;
pub mod status;

pub use collect::{collect, point_row, CollectSummary, SweepTable};
pub use plan::{plan, Manifest, PlanSummary};
pub use point::PointState;
pub use run::{run_all, run_index, SweepRunOptions, SweepRunSummary};
pub use spec::{PointParams, SlurmSettings, Sweep};
pub use status::{status, SweepStatus};
