//! Inter-domain DMA: access pair groups (the control plane) and the memory access
//! that lets a copy read one process's memory and write another's.
//!
//! `wire` is the message format, `socket` the UNIX sockets, `rundir` the rendezvous
//! directory and group ids, `group` one group's membership and control thread,
//! `handlers` the device's table of member handlers, `ptracer` who may attach to us,
//! `remote` cross-memory attach, `inline` the copy-break of their vchans (the
//! caller's own loads and stores where those reach), `pci` a guest's ivshmem BAR,
//! `sys` the system-call helpers they share.
pub mod group;
pub mod handlers;
pub mod inline;
pub(crate) mod pci;
pub mod ptracer;
pub mod region;
pub mod remote;
pub mod rundir;
pub mod socket;
mod sys;
pub mod wire;
