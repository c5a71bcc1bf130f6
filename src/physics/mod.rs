//! Host-side physics shared by both engines: the CPU engine runs it directly (f64 reference), the GPU engine
//! mirrors the same formulas in WGSL and is tested against it.

pub mod controller;
pub mod lj;
pub mod rigid;
pub mod thermostat;
