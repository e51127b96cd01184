//! The virtual-device bus: `--vdev`, `rte_vdev_init`, `rte_vdev_uninit`.
//!
//! A device name selects its driver by prefix, as in DPDK (`dma_skeleton0` →
//! driver `dma_skeleton`); when several driver names are prefixes, the longest wins.
//! The bus remembers which driver created each device so that removal goes to it.
//! [`VdevBus`] holds the logic over any driver table: the library's bus, over its
//! built-in drivers, is `crate::runtime`'s (tests use their own tables).

use std::sync::{Mutex, MutexGuard};

use crate::abi::RTE_DEV_NAME_MAX_LEN;
use crate::{Error, Result};

/// A virtual-device driver.
#[derive(Debug)]
pub struct VdevDriver {
    /// Driver name; device names starting with it belong to this driver.
    pub name: &'static str,
    /// Creates the device `name` with its argument string (`"k=v,k=v"` or "").
    pub probe: fn(name: &str, args: &str) -> Result<()>,
    /// Destroys the device `name`.
    pub remove: fn(name: &str) -> Result<()>,
}

/// The driver for a device name: the longest driver name that prefixes it.
pub fn find_driver<'d>(drivers: &'d [VdevDriver], name: &str) -> Option<&'d VdevDriver> {
    drivers
        .iter()
        .filter(|d| !d.name.is_empty() && name.starts_with(d.name))
        .max_by_key(|d| d.name.len())
}

/// Devices created on one driver table.
pub struct VdevBus<'d> {
    drivers: &'d [VdevDriver],
    /// (device name, its driver), in creation order.
    devices: Mutex<Vec<(String, &'d VdevDriver)>>,
}

impl<'d> VdevBus<'d> {
    /// A bus with no devices over `drivers`.
    pub const fn new(drivers: &'d [VdevDriver]) -> Self {
        VdevBus {
            drivers,
            devices: Mutex::new(Vec::new()),
        }
    }

    fn devices(&self) -> MutexGuard<'_, Vec<(String, &'d VdevDriver)>> {
        // The list stays consistent even if a driver panicked while we held the lock.
        self.devices.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Creates device `name`: `InvalidArgument` for an empty or too long name,
    /// `Exists` if it is already there, `NotFound` if no driver matches, else the
    /// driver's probe result. Drivers must not call back into the bus from `probe`.
    pub fn init(&self, name: &str, args: &str) -> Result<()> {
        if name.is_empty() || name.len() >= RTE_DEV_NAME_MAX_LEN {
            crate::eal_log!(ERR, "invalid virtual device name '{name}'");
            return Err(Error::InvalidArgument);
        }
        let mut devices = self.devices();
        if devices.iter().any(|(n, _)| n == name) {
            return Err(Error::Exists);
        }
        let Some(driver) = find_driver(self.drivers, name) else {
            crate::eal_log!(ERR, "no driver found for {name}");
            return Err(Error::NotFound);
        };
        (driver.probe)(name, args)?;
        devices.push((name.to_string(), driver));
        Ok(())
    }

    /// Destroys device `name`: `NotFound` if unknown; if the driver's remove fails
    /// the device stays and its error is returned.
    pub fn uninit(&self, name: &str) -> Result<()> {
        let mut devices = self.devices();
        let Some(pos) = devices.iter().position(|(n, _)| n == name) else {
            return Err(Error::NotFound);
        };
        (devices[pos].1.remove)(name)?;
        devices.remove(pos);
        Ok(())
    }

    /// Destroys every device, newest first. All are forgotten; the first error, if
    /// any, is returned.
    pub fn uninit_all(&self) -> Result<()> {
        let taken = std::mem::take(&mut *self.devices());
        let mut first_error = Ok(());
        for (name, driver) in taken.into_iter().rev() {
            if let Err(e) = (driver.remove)(&name) {
                // Usually the application already closed the device itself (DPDK's
                // cleanup ignores this too), so only say it when debugging.
                crate::eal_log!(DEBUG, "virtual device {name} not removed: {e}");
                if first_error.is_ok() {
                    first_error = Err(e);
                }
            }
        }
        first_error
    }

    /// Names of the devices, in creation order.
    pub fn names(&self) -> Vec<String> {
        self.devices().iter().map(|(n, _)| n.clone()).collect()
    }

    /// Whether device `name` exists.
    pub fn contains(&self, name: &str) -> bool {
        self.devices().iter().any(|(n, _)| n == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex as StdMutex;

    /// Calls seen by the fake drivers, as "probe:<driver>:<name>:<args>" etc.
    static CALLS: StdMutex<Vec<String>> = StdMutex::new(Vec::new());

    fn record(s: String) {
        CALLS.lock().unwrap().push(s);
    }

    fn take_calls() -> Vec<String> {
        std::mem::take(&mut *CALLS.lock().unwrap())
    }

    fn probe_short(name: &str, args: &str) -> Result<()> {
        record(format!("probe:dma:{name}:{args}"));
        Ok(())
    }
    fn probe_long(name: &str, args: &str) -> Result<()> {
        record(format!("probe:dma_skeleton:{name}:{args}"));
        if args.contains("fail") {
            Err(Error::NoMemory)
        } else {
            Ok(())
        }
    }
    fn remove_ok(name: &str) -> Result<()> {
        record(format!("remove:{name}"));
        Ok(())
    }
    fn remove_busy(name: &str) -> Result<()> {
        record(format!("remove-busy:{name}"));
        Err(Error::Busy)
    }

    static DRIVERS: &[VdevDriver] = &[
        VdevDriver {
            name: "dma",
            probe: probe_short,
            remove: remove_ok,
        },
        VdevDriver {
            name: "dma_skeleton",
            probe: probe_long,
            remove: remove_busy,
        },
        VdevDriver {
            name: "",
            probe: probe_short,
            remove: remove_ok,
        },
    ];

    // The fake drivers share CALLS, so these run as one test.
    #[test]
    fn bus_behaviour() {
        take_calls();

        // Prefix matching, longest wins; the empty driver name matches nothing.
        assert_eq!(
            find_driver(DRIVERS, "dma_skeleton0").unwrap().name,
            "dma_skeleton"
        );
        assert_eq!(find_driver(DRIVERS, "dma_x").unwrap().name, "dma");
        assert_eq!(find_driver(DRIVERS, "dma").unwrap().name, "dma");
        assert!(find_driver(DRIVERS, "net_null0").is_none());
        assert!(find_driver(DRIVERS, "dm").is_none());
        assert!(find_driver(&[], "dma0").is_none());

        let bus = VdevBus::new(DRIVERS);
        bus.init("dma0", "").unwrap();
        bus.init("dma_skeleton1", "lcore=2").unwrap();
        assert_eq!(
            take_calls(),
            [
                "probe:dma:dma0:",
                "probe:dma_skeleton:dma_skeleton1:lcore=2"
            ]
        );
        assert_eq!(bus.names(), ["dma0", "dma_skeleton1"]);

        // Same name again, unknown driver, bad names, failing probe.
        assert_eq!(bus.init("dma0", "x=1"), Err(Error::Exists));
        assert_eq!(bus.init("net_null0", ""), Err(Error::NotFound));
        assert_eq!(bus.init("", ""), Err(Error::InvalidArgument));
        assert_eq!(
            bus.init(&"d".repeat(RTE_DEV_NAME_MAX_LEN), ""),
            Err(Error::InvalidArgument)
        );
        assert_eq!(bus.init("dma_skeleton2", "fail=1"), Err(Error::NoMemory));
        assert!(!bus.contains("dma_skeleton2"));
        assert_eq!(take_calls(), ["probe:dma_skeleton:dma_skeleton2:fail=1"]);

        // Uninit: unknown, refused by the driver (device kept), normal.
        assert_eq!(bus.uninit("dma9"), Err(Error::NotFound));
        assert_eq!(bus.uninit("dma_skeleton1"), Err(Error::Busy));
        assert!(bus.contains("dma_skeleton1"));
        bus.uninit("dma0").unwrap();
        assert!(!bus.contains("dma0"));
        assert_eq!(take_calls(), ["remove-busy:dma_skeleton1", "remove:dma0"]);
        // The name is free again.
        bus.init("dma0", "").unwrap();

        // uninit_all removes newest first, forgets everything, reports the error.
        take_calls();
        assert_eq!(bus.uninit_all(), Err(Error::Busy));
        assert_eq!(take_calls(), ["remove:dma0", "remove-busy:dma_skeleton1"]);
        assert!(bus.names().is_empty());
        assert_eq!(bus.uninit_all(), Ok(()));
    }
}
