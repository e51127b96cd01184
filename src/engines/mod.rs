//! The software DMA engine: per-vchan descriptor rings, the worker thread that
//! executes them, and the plug-in point for other memory domains.
//!
//! `cpu` is the engine (rings, worker, fast path), `ring` one vchan's ring with its
//! typed sides and the `DataPath` plug-in through which a domain (`crate::domain`)
//! executes operations instead of plain loads and stores, `worker` the thread,
//! `doorbell` its wake-up, `memops` the copies and fills, `fault` the operations
//! the worker fails on purpose (fault injection). The devices built on it are
//! in `crate::drivers`.
pub mod cpu;
pub mod doorbell;
pub mod fault;
pub mod memops;
pub mod ring;
pub mod worker;
