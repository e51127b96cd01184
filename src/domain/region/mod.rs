//! Inter-OS DMA over a shared region: memory that every OS domain maps (a host file,
//! the guest's ivshmem BAR), holding the groups' control plane and each member's
//! window, so data moves with memcpy and nothing else spans the kernels.
//!
//! `layout` is what lies where in the region, `map` opens and maps it, `attach`
//! claims this process's slot and window and beats its heartbeat, `control` keeps
//! the access pair groups in it, `datapath` moves an `RTE_DMA_INTER_OS_DOMAIN`
//! vchan's data.
pub mod attach;
pub mod control;
pub mod datapath;
pub mod layout;
pub mod map;
