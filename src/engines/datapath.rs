//! How a vchan's operations reach memory. The engine's own way is plain loads and
//! stores in this process (`worker::execute`); a domain (another process, another OS)
//! plugs in its own by giving the vchan a [`DataPath`] at setup. The worker owns it
//! with the ring's worker side, so it needs no lock and may keep scratch state.
use super::ring::Batch;

/// Executes published operations whose memory is not simply this process's.
pub trait DataPath: Send + 'static {
    /// Executes every operation of `batch` (its `range()`), sets each one's status and
    /// returns how many failed; the caller then publishes them as done.
    fn execute(&mut self, batch: &Batch<'_>) -> u64;
}
