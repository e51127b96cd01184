//! The few system-call helpers the control plane's modules share.
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

/// A libc return code as a `Result`: negative is the thread's `errno`.
pub fn cvt(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// `fstat` of an open descriptor.
pub fn fstat(fd: &OwnedFd) -> io::Result<libc::stat> {
    // SAFETY: an all-zero stat is valid; the kernel fills it.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: `st` is writable; `fd` is open.
    cvt(unsafe { libc::fstat(fd.as_raw_fd(), &mut st) })?;
    Ok(st)
}

pub fn my_uid() -> u32 {
    // SAFETY: getuid has no memory effects.
    unsafe { libc::getuid() }
}

pub fn my_pid() -> i32 {
    std::process::id() as i32
}
