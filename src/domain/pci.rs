//! The ivshmem-plain PCI device inside a guest: found in sysfs, enabled, its BAR 2
//! (the memory the host shares) opened for `mmap`. No driver is bound; sysfs's
//! `resource2` file is the whole interface. Mapping it is the caller's job.
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::sys;
use crate::dma_log;
use crate::error::{Error, Result};

/// Red Hat / QEMU's vendor id and ivshmem's device id (`ivshmem-plain` and `-doorbell`).
const IVSHMEM_VENDOR: u16 = 0x1af4;
const IVSHMEM_DEVICE: u16 = 0x1110;
/// The BAR that holds the shared memory (BAR 0 is registers, BAR 1 MSI-X).
const SHARED_MEMORY_BAR: &str = "resource2";

/// A PCI address, `domain:bus:device.function`; its `Display` is sysfs's spelling, so a
/// path built from it can only name one device directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct PciAddr {
    domain: u16,
    bus: u8,
    device: u8,
    function: u8,
}

impl PciAddr {
    /// `DDDD:BB:DD.F` or `BB:DD.F` (domain 0), hexadecimal, either case; nothing else
    /// (no spaces, signs, paths or extra digits).
    fn parse(s: &str) -> Option<PciAddr> {
        fn hex(field: &str, digits: usize) -> Option<u32> {
            let ok = field.len() == digits && field.bytes().all(|b| b.is_ascii_hexdigit());
            ok.then(|| u32::from_str_radix(field, 16).ok()).flatten()
        }
        let (rest, function) = s.rsplit_once('.')?;
        let mut fields = rest.split(':').rev();
        let device = hex(fields.next()?, 2)?;
        let bus = hex(fields.next()?, 2)?;
        let domain = match fields.next() {
            Some(d) => hex(d, 4)?,
            None => 0,
        };
        let function = hex(function, 1)?;
        if fields.next().is_some() || device > 0x1f || function > 7 {
            return None;
        }
        Some(PciAddr {
            domain: domain as u16,
            bus: bus as u8,
            device: device as u8,
            function: function as u8,
        })
    }
}

impl core::fmt::Display for PciAddr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{:04x}:{:02x}:{:02x}.{:x}",
            self.domain, self.bus, self.device, self.function
        )
    }
}

/// Enables the ivshmem-plain device at `addr` (or the first one when `None`) and opens
/// its shared-memory BAR read-write: the descriptor and the BAR's size in bytes.
// The region transport (`os_region=pci`, branch interos) is its caller.
#[allow(dead_code)]
pub(crate) fn open_bar(addr: Option<&str>) -> Result<(OwnedFd, usize)> {
    open_bar_in(Path::new("/sys/bus/pci/devices"), addr)
}

/// `open_bar` below `root` (sysfs's `bus/pci/devices`, or a fake tree in tests).
fn open_bar_in(root: &Path, addr: Option<&str>) -> Result<(OwnedFd, usize)> {
    let addr = match addr {
        Some(text) => {
            let Some(addr) = PciAddr::parse(text) else {
                dma_log!(ERR, "Invalid PCI address {:?} for the ivshmem device", text);
                return Err(Error::InvalidArgument);
            };
            if !is_ivshmem(root, addr) {
                dma_log!(ERR, "No ivshmem-plain device at PCI address {}", addr);
                return Err(Error::Errno(libc::ENODEV));
            }
            addr
        }
        None => first_ivshmem(root).ok_or_else(|| {
            dma_log!(ERR, "No ivshmem-plain PCI device found");
            Error::Errno(libc::ENODEV)
        })?,
    };
    let dir = root.join(addr.to_string());
    if let Err(e) = OpenOptions::new()
        .write(true)
        .open(dir.join("enable"))
        .and_then(|mut f| f.write_all(b"1"))
    {
        dma_log!(ERR, "Cannot enable PCI device {}: {}", addr, e);
        return Err(os_error(e));
    }
    let bar = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_SYNC | libc::O_CLOEXEC | libc::O_NOFOLLOW)
        .open(dir.join(SHARED_MEMORY_BAR))
        .map(OwnedFd::from);
    let bar = match bar {
        Ok(fd) => fd,
        Err(e) => {
            dma_log!(ERR, "Cannot open BAR 2 of PCI device {}: {}", addr, e);
            return Err(os_error(e));
        }
    };
    // fstat, not lseek: sysfs resource files report their BAR size in st_size, while
    // lseek(SEEK_END) gives a length mmap refuses.
    let size = match sys::fstat(&bar) {
        Ok(st) => usize::try_from(st.st_size).unwrap_or(0),
        Err(e) => {
            dma_log!(ERR, "Cannot stat BAR 2 of PCI device {}: {}", addr, e);
            return Err(os_error(e));
        }
    };
    if size == 0 {
        dma_log!(ERR, "BAR 2 of PCI device {} is empty", addr);
        return Err(Error::Errno(libc::ENODEV));
    }
    Ok((bar, size))
}

/// The lowest-addressed ivshmem-plain device under `root`.
fn first_ivshmem(root: &Path) -> Option<PciAddr> {
    let entries = std::fs::read_dir(root).ok()?;
    entries
        .filter_map(|e| PciAddr::parse(e.ok()?.file_name().to_str()?))
        .filter(|&addr| is_ivshmem(root, addr))
        .min()
}

fn is_ivshmem(root: &Path, addr: PciAddr) -> bool {
    let dir = root.join(addr.to_string());
    read_id(&dir.join("vendor")) == Some(IVSHMEM_VENDOR)
        && read_id(&dir.join("device")) == Some(IVSHMEM_DEVICE)
}

/// A sysfs id file: `0x1af4\n`.
fn read_id(path: &Path) -> Option<u16> {
    let mut text = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(16)
        .read_to_string(&mut text)
        .ok()?;
    u16::from_str_radix(text.trim_end().strip_prefix("0x")?, 16).ok()
}

fn os_error(e: std::io::Error) -> Error {
    Error::from_errno(-e.raw_os_error().unwrap_or(libc::EIO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::fd::AsRawFd;
    use std::path::PathBuf;

    /// A fake `bus/pci/devices`: a network card at 00:03.0 and ivshmem at 00:04.0
    /// with a 64 KiB BAR 2.
    fn fake_sysfs(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("dmadev-pci-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        add_device(&root, "0000:00:03.0", "0x8086", "0x100e", Some(4096));
        add_device(&root, "0000:00:04.0", "0x1af4", "0x1110", Some(65536));
        root
    }

    fn add_device(root: &Path, addr: &str, vendor: &str, device: &str, bar: Option<u64>) {
        let dir = root.join(addr);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("vendor"), format!("{vendor}\n")).unwrap();
        fs::write(dir.join("device"), format!("{device}\n")).unwrap();
        fs::write(dir.join("enable"), "0\n").unwrap();
        if let Some(len) = bar {
            fs::File::create(dir.join("resource2"))
                .unwrap()
                .set_len(len)
                .unwrap();
        }
    }

    fn errno(r: Result<(OwnedFd, usize)>) -> i32 {
        r.map(|_| ()).unwrap_err().errno()
    }

    #[test]
    fn finds_enables_and_opens_the_first_ivshmem_device() {
        let root = fake_sysfs("first");
        add_device(&root, "0000:00:06.0", "0x1af4", "0x1110", Some(8192));
        let (fd, size) = open_bar_in(&root, None).unwrap();
        assert_eq!(size, 65536);
        let dir = root.join("0000:00:04.0");
        assert_eq!(fs::read_to_string(dir.join("enable")).unwrap().trim(), "1");
        // The descriptor is writable: bytes land in the BAR's file.
        // SAFETY: the buffer is 4 readable bytes; `fd` is open.
        let n = unsafe { libc::pwrite(fd.as_raw_fd(), b"DMA!".as_ptr().cast(), 4, 100) };
        assert_eq!(n, 4);
        assert_eq!(&fs::read(dir.join("resource2")).unwrap()[100..104], b"DMA!");
        // SAFETY: fcntl(F_GETFD) reads the descriptor's flags.
        let fd_flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
        assert_eq!(fd_flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn opens_the_device_at_a_given_address_in_any_spelling() {
        let root = fake_sysfs("given");
        add_device(&root, "0000:00:1f.7", "0x1af4", "0x1110", Some(8192));
        for addr in ["0000:00:04.0", "00:04.0"] {
            assert_eq!(open_bar_in(&root, Some(addr)).unwrap().1, 65536, "{addr}");
        }
        for addr in ["0000:00:1F.7", "00:1f.7"] {
            assert_eq!(open_bar_in(&root, Some(addr)).unwrap().1, 8192, "{addr}");
        }
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn refuses_malformed_addresses_without_touching_the_tree() {
        let root = fake_sysfs("syntax");
        for bad in [
            "",
            "pci",
            "../0000:00:04.0",
            "0000:00:04.0/../0000:00:04.0",
            "0000:00:04.0/",
            " 0000:00:04.0",
            "0000:00:04.0\n",
            "0000:00:04",
            "0000:00:04.",
            "000:00:04.0",
            "00000:00:04.0",
            "0000:000:04.0",
            "0000:00:004.0",
            "0000:00:20.0",
            "0000:00:04.8",
            "0000:00:04.00",
            "0:0000:00:04.0",
            "0000:00:+4.0",
            "0000:00:04.-0",
            "0x00:00:04.0",
        ] {
            assert_eq!(
                errno(open_bar_in(&root, Some(bad))),
                -libc::EINVAL,
                "{bad:?}"
            );
        }
        assert_eq!(
            fs::read_to_string(root.join("0000:00:04.0/enable")).unwrap(),
            "0\n"
        );
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn reports_no_device_when_there_is_none_usable() {
        let root = fake_sysfs("none");
        // Absent, or present but another device.
        assert_eq!(
            errno(open_bar_in(&root, Some("0000:00:05.0"))),
            -libc::ENODEV
        );
        assert_eq!(
            errno(open_bar_in(&root, Some("0000:00:03.0"))),
            -libc::ENODEV
        );
        // No sysfs tree at all, or one without ivshmem.
        assert_eq!(
            errno(open_bar_in(&root.join("nowhere"), None)),
            -libc::ENODEV
        );
        fs::remove_dir_all(root.join("0000:00:04.0")).unwrap();
        assert_eq!(errno(open_bar_in(&root, None)), -libc::ENODEV);
        // An ivshmem device whose BAR 2 is missing or empty.
        add_device(&root, "0000:00:04.0", "0x1af4", "0x1110", None);
        assert_eq!(errno(open_bar_in(&root, None)), -libc::ENOENT);
        add_device(&root, "0000:00:04.0", "0x1af4", "0x1110", Some(0));
        assert_eq!(errno(open_bar_in(&root, None)), -libc::ENODEV);
        // Unparsable id files are not ivshmem.
        add_device(&root, "0000:00:04.0", "1af4", "0x1110", Some(4096));
        assert_eq!(errno(open_bar_in(&root, None)), -libc::ENODEV);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_bar_that_is_a_symlink_is_refused() {
        let root = fake_sysfs("symlink");
        let dir = root.join("0000:00:04.0");
        fs::remove_file(dir.join("resource2")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.join("resource2")).unwrap();
        assert_eq!(errno(open_bar_in(&root, None)), -libc::ELOOP);
        fs::remove_dir_all(&root).unwrap();
    }
}
