//! The process's one running EAL, and the claims on its devices.
use super::Device;
use crate::{Error, Result, registry, runtime};
use std::collections::BTreeSet;
use std::ffi::CString;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether an `Eal` value exists in this process.
static HELD: AtomicBool = AtomicBool::new(false);

/// The running EAL (`rte_eal_init` .. `rte_eal_cleanup`). At most one exists per
/// process; dropping it stops and closes every device and ends the EAL, after which
/// a new one may be made. Devices, vchans and groups borrow it.
pub struct Eal {
    /// The application's own arguments (those after the EAL's).
    app_args: Vec<String>,
    /// Devices claimed by a live [`Device`].
    claimed: Mutex<BTreeSet<i16>>,
}

/// DPDK-style arguments, built one by one; [`EalBuilder::init`] starts the EAL.
#[derive(Clone, Debug)]
pub struct EalBuilder {
    argv: Vec<String>,
}

impl EalBuilder {
    /// Appends one EAL argument as on DPDK's command line (`"--log-level=8"`).
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.argv.push(arg.into());
        self
    }

    /// `--vdev=<spec>`: creates a virtual device at start (`"dma_skeleton"`,
    /// `"dma_interdomain,lcore=1"`).
    pub fn vdev(self, spec: &str) -> Self {
        self.arg(format!("--vdev={spec}"))
    }

    /// Starts the EAL with the arguments given so far.
    pub fn init(self) -> Result<Eal> {
        Eal::init(self.argv)
    }
}

impl Eal {
    /// A builder of the command line, with `dmadev` as the program name and
    /// DPDK's defaults for everything not given.
    pub fn builder() -> EalBuilder {
        EalBuilder {
            argv: vec!["dmadev".to_string()],
        }
    }

    /// `rte_eal_init` with a DPDK command line: `argv[0]` is the program name, then
    /// EAL options, then optionally `--` and the application's own arguments (see
    /// [`Eal::app_args`]). `Errno(EALREADY)` while another `Eal` (or a C caller's
    /// EAL) is running, `InvalidArgument` for a bad command line.
    pub fn init<I, S>(argv: I) -> Result<Eal>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        if HELD.swap(true, Ordering::AcqRel) {
            return Err(Error::Errno(libc::EALREADY));
        }
        let argv: Vec<String> = argv.into_iter().map(Into::into).collect();
        match runtime::init(&argv) {
            Ok(layout) => {
                // As C's argv after rte_eal_init: reordered, then the first
                // `consumed` entries skipped.
                let mut order: Vec<usize> = (0..argv.len()).collect();
                layout.apply(&mut order);
                let app_args = order.iter().skip(layout.consumed).map(|&i| argv[i].clone());
                Ok(Eal {
                    app_args: app_args.collect(),
                    claimed: Mutex::new(BTreeSet::new()),
                })
            }
            Err(e) => {
                HELD.store(false, Ordering::Release);
                Err(e)
            }
        }
    }

    /// The arguments the EAL left to the application: the program name, then those
    /// after `--` (or from its first non-option), as `argv + rte_eal_init(...)` in C.
    pub fn app_args(&self) -> &[String] {
        &self.app_args
    }

    /// Creates a virtual device (`rte_vdev_init`), e.g. `("dma_skeleton1", "")`.
    pub fn create_vdev(&self, name: &str, args: &str) -> Result<()> {
        runtime::vdev_init(name, args)
    }

    /// Names of the DMA devices, by id (`None` for a free slot).
    pub fn device_names(&self) -> Vec<(i16, String)> {
        (0..registry::dev_max())
            .filter_map(|id| registry::device(id).map(|d| (id, d.name())))
            .collect()
    }

    /// Claims the device called `name`; `InvalidArgument` if there is none, `Busy`
    /// if a [`Device`] of it exists already.
    pub fn device(&self, name: &str) -> Result<Device<'_>> {
        let name = CString::new(name).map_err(|_| Error::InvalidArgument)?;
        let id = crate::api::get_dev_id_by_name(&name)?;
        self.device_by_id(id)
    }

    /// Claims the device `dev_id`; errors as [`Eal::device`].
    pub fn device_by_id(&self, dev_id: i16) -> Result<Device<'_>> {
        if !registry::is_valid(dev_id) {
            return Err(Error::InvalidArgument);
        }
        let mut claimed = self.claimed.lock().unwrap_or_else(|p| p.into_inner());
        if !claimed.insert(dev_id) {
            return Err(Error::Busy);
        }
        Ok(Device::claimed(self, dev_id))
    }

    pub(super) fn unclaim(&self, dev_id: i16) {
        let mut claimed = self.claimed.lock().unwrap_or_else(|p| p.into_inner());
        claimed.remove(&dev_id);
    }
}

impl Drop for Eal {
    fn drop(&mut self) {
        // Nothing borrows us any more: no device, vchan or group is left.
        let _ = runtime::cleanup();
        HELD.store(false, Ordering::Release);
    }
}
