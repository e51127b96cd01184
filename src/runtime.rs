//! The library's start and end, above every layer it starts: `rte_eal_init` sets
//! up the EAL, then applies the trace options and creates the `--vdev` devices on
//! the bus of built-in drivers; `rte_eal_cleanup` stops and closes the devices and
//! saves the trace before the EAL forgets its state. Telemetry starts last and stops
//! first, with `/dmadev/groups` wired to the inter-domain devices.
use crate::eal::vdev::VdevBus;
use crate::eal::{self, ArgvLayout, EalConfig};
use crate::{Result, api, drivers, eal_log, telemetry, trace};

/// The virtual-device bus over the built-in drivers.
static BUS: VdevBus<'static> = VdevBus::new(drivers::VDEV_DRIVERS);

/// `rte_eal_init`; see `eal::init_with_layout` for the errors.
pub fn init(argv: &[String]) -> Result<ArgvLayout> {
    eal::init_with_layout(argv, |cfg| {
        start(cfg)?;
        telemetry::dmadev::set_groups_source(drivers::interdomain::telemetry_groups);
        telemetry::start(cfg, argv);
        Ok(())
    })
}

fn start(cfg: &EalConfig) -> Result<()> {
    trace::apply_eal_options(cfg).inspect_err(|_| {
        eal_log!(ALERT, "invalid --trace regular expression");
    })?;
    let mut created: Vec<&str> = Vec::new();
    for (name, dev_args) in &cfg.vdevs {
        if let Err(e) = BUS.init(name, dev_args) {
            eal_log!(ALERT, "cannot create virtual device {name}: {e}");
            for done in created.iter().rev() {
                let _ = BUS.uninit(done);
            }
            return Err(e);
        }
        created.push(name);
    }
    Ok(())
}

/// `rte_eal_cleanup`: stops every started dmadev, destroys the virtual devices,
/// closes any other dmadev left (one a driver registered itself), saves the trace,
/// then ends the EAL. A device that fails to go away is logged and forgotten.
pub fn cleanup() -> Result<()> {
    eal::cleanup(|| {
        telemetry::stop();
        api::stop_all();
        let _ = BUS.uninit_all();
        api::close_all();
        if trace::is_enabled() {
            match trace::save() {
                Ok(dir) => eal_log!(INFO, "Trace dir: {}", dir.display()),
                Err(e) => eal_log!(ERR, "cannot save the trace: {e}"),
            }
        }
    })
}

/// `rte_vdev_init` on the built-in drivers.
pub fn vdev_init(name: &str, args: &str) -> Result<()> {
    BUS.init(name, args)
}

/// `rte_vdev_uninit`.
pub fn vdev_uninit(name: &str) -> Result<()> {
    BUS.uninit(name)
}

/// Names of the virtual devices, in creation order.
pub fn vdev_names() -> Vec<String> {
    BUS.names()
}
