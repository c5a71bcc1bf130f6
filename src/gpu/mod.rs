//! Shared wgpu plumbing: adapter selection and device creation for every GPU code path
//! (the MD engine and the Langevin ensembles alike).

pub mod context;
pub mod layout;

pub use context::{adapters, AdapterChoice, AdapterSummary, GpuContext, GpuRequirement};
