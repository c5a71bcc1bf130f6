//! `nanodemon export`: a scenario written out for other MD codes.

pub mod lammps;
