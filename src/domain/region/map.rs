//! Opening and mapping a region: a host file (created and sized if absent) or the
//! guest's ivshmem BAR (`domain::pci`), mapped shared at a 2 MiB-aligned address for
//! the life of the process (the `rte_malloc` heap lives in it), then its header
//! initialized (first mapper) or checked.
use super::layout::*;
use crate::domain::sys::fstat;
use crate::{Error, Result, dma_log};
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};
use std::os::fd::{AsRawFd, OwnedFd};

/// Where the region comes from (`os_region=` devarg).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A host file: `/dev/shm/NAME`, a hugetlbfs file, any shared-memory file.
    File(String),
    /// The guest's ivshmem device: at this PCI address, or the first one.
    Pci(Option<String>),
}

impl Source {
    pub fn parse(v: &str) -> Option<Source> {
        match v {
            "" => None,
            "pci" => Some(Source::Pci(None)),
            _ => match v.strip_prefix("pci:") {
                Some(addr) => Some(Source::Pci(Some(addr.to_string()))),
                None => Some(Source::File(v.to_string())),
            },
        }
    }
}

impl core::fmt::Display for Source {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Source::File(p) => write!(f, "{p}"),
            Source::Pci(Some(a)) => write!(f, "pci:{a}"),
            Source::Pci(None) => write!(f, "pci"),
        }
    }
}

/// A mapped region. Never unmapped: leaked once attached (see `control`).
pub struct Region {
    pub source: Source,
    base: *mut u8,
    pub len: u64,
    pub fd: OwnedFd,
}

// SAFETY: the mapping is shared memory accessed only through atomics (control) or by
// the data path's copies, which the application orders as with any DMA.
unsafe impl Send for Region {}
// SAFETY: as above.
unsafe impl Sync for Region {}

fn os_error(what: &str, source: &Source, e: std::io::Error) -> Error {
    dma_log!(ERR, "cannot {} region {}: {}", what, source, e);
    Error::from_errno(e.raw_os_error().unwrap_or(libc::EIO))
}

/// Opens a host file, creating it with `default_size` bytes if it is new or empty.
fn open_file(path: &str, default_size: u64, source: &Source) -> Result<(OwnedFd, u64)> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| os_error("open", source, e))?;
    let fd = OwnedFd::from(file);
    let st = fstat(&fd).map_err(|e| os_error("examine", source, e))?;
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        dma_log!(ERR, "region {} is not a regular file", source);
        return Err(Error::InvalidArgument);
    }
    let mut size = st.st_size as u64;
    if size == 0 {
        // SAFETY: sizing our own descriptor; the result is checked.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), default_size as libc::off_t) } != 0 {
            return Err(os_error("size", source, std::io::Error::last_os_error()));
        }
        size = default_size;
    }
    Ok((fd, size))
}

impl Region {
    /// Opens and maps the region, then initializes its header if it is blank or
    /// checks it: a region of another format or version, or one claiming a size
    /// larger than we can map, is refused (`-EPROTO`).
    pub fn open(source: Source, default_size: u64) -> Result<Region> {
        let (fd, size) = match &source {
            Source::File(path) => open_file(path, default_size, &source)?,
            Source::Pci(addr) => {
                let (fd, size) = crate::domain::pci::open_bar(addr.as_deref())?;
                (fd, size as u64)
            }
        };
        if !(MIN_REGION..=1 << 46).contains(&size) {
            dma_log!(
                ERR,
                "region {} has {} bytes: it needs at least {}",
                source,
                size,
                MIN_REGION
            );
            return Err(Error::InvalidArgument);
        }
        let mapped = crate::eal::heap::map_shared_aligned(
            fd.as_raw_fd(),
            size as usize,
            WINDOW_ALIGN as usize,
        );
        let Some(base) = mapped.map(|p| p.cast::<u8>()) else {
            return Err(os_error("map", &source, std::io::Error::last_os_error()));
        };
        let region = Region {
            source,
            base,
            len: size,
            fd,
        };
        region.init_or_check()?;
        Ok(region)
    }

    fn init_or_check(&self) -> Result<()> {
        let h = self.header();
        if h.magic.load(Acquire) == 0 {
            // A blank region: its zeroed tables are already valid and empty. Racing
            // initializers write the same values.
            h.version.store(VERSION, Relaxed);
            h.size.store(self.len, Relaxed);
            let _ = h.magic.compare_exchange(0, MAGIC, AcqRel, Acquire);
        }
        let (magic, version, size) = (
            h.magic.load(Acquire),
            h.version.load(Acquire),
            h.size.load(Acquire),
        );
        if magic != MAGIC || version != VERSION || size > self.len || size < MIN_REGION {
            dma_log!(
                ERR,
                "region {} is not a dmadev region of version {} (magic {:#x}, version {}, size {})",
                self.source,
                VERSION,
                magic,
                version,
                size
            );
            return Err(Error::Errno(libc::EPROTO));
        }
        Ok(())
    }

    pub fn base(&self) -> u64 {
        self.base as u64
    }

    pub fn header(&self) -> &Header {
        // SAFETY: the mapping is at least MIN_REGION bytes, page-aligned, lives for the
        // process, and Header is atomics only.
        unsafe { &*self.base.cast::<Header>() }
    }

    /// Slot `i` (`i < MAX_SLOTS`, else None).
    pub fn slot(&self, i: usize) -> Option<&Slot> {
        (i < MAX_SLOTS).then(|| {
            // SAFETY: inside the control area (constant offsets), aligned, atomics.
            unsafe {
                &*self
                    .base
                    .add(SLOTS_OFF + i * size_of::<Slot>())
                    .cast::<Slot>()
            }
        })
    }

    /// Group `i` (`i < MAX_GROUPS`, else None).
    pub fn group(&self, i: usize) -> Option<&GroupRec> {
        (i < MAX_GROUPS).then(|| {
            // SAFETY: inside the control area (constant offsets), aligned, atomics.
            unsafe {
                &*self
                    .base
                    .add(GROUPS_OFF + i * size_of::<GroupRec>())
                    .cast::<GroupRec>()
            }
        })
    }

    /// The local address of region bytes `[off, off + len)`, if inside the region's
    /// window area.
    pub fn window_at(&self, off: u64, len: u64) -> Option<u64> {
        let end = off.checked_add(len)?;
        (off >= WINDOWS_OFF && end <= self.len && len > 0).then(|| self.base() + off)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse() {
        assert_eq!(Source::parse("pci"), Some(Source::Pci(None)));
        assert_eq!(
            Source::parse("pci:0000:00:04.0"),
            Some(Source::Pci(Some("0000:00:04.0".into())))
        );
        assert_eq!(
            Source::parse("/dev/shm/x"),
            Some(Source::File("/dev/shm/x".into()))
        );
        assert_eq!(Source::parse(""), None);
    }

    fn path(name: &str) -> String {
        format!("/dev/shm/dmadev-map-{}-{}", name, std::process::id())
    }

    #[test]
    fn a_blank_file_is_created_sized_and_initialized_and_a_foreign_one_refused() {
        let p = path("blank");
        let _ = std::fs::remove_file(&p);
        let r = Region::open(Source::File(p.clone()), 8 << 20).unwrap();
        assert_eq!(r.len, 8 << 20);
        assert_eq!(r.base() % WINDOW_ALIGN, 0);
        assert_eq!(r.header().magic.load(Relaxed), MAGIC);
        assert!(r.slot(MAX_SLOTS).is_none() && r.group(MAX_GROUPS).is_none());
        assert_eq!(r.window_at(0, 4096), None, "the control area is no window");
        assert_eq!(r.window_at(WINDOWS_OFF, 8 << 20), None);
        // Another format, or a header claiming more than the file holds.
        r.header().version.store(7, Relaxed);
        assert_eq!(
            Region::open(Source::File(p.clone()), 0).err(),
            Some(Error::Errno(libc::EPROTO))
        );
        r.header().version.store(VERSION, Relaxed);
        r.header().size.store(1 << 40, Relaxed);
        assert_eq!(
            Region::open(Source::File(p.clone()), 0).err(),
            Some(Error::Errno(libc::EPROTO))
        );
        let small = path("small");
        std::fs::write(&small, [0u8; 4096]).unwrap();
        assert_eq!(
            Region::open(Source::File(small.clone()), 0).err(),
            Some(Error::InvalidArgument)
        );
        let _ = std::fs::remove_file(&small);
        let _ = std::fs::remove_file(&p);
    }
}
