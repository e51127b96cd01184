//! The core's error type; `errno()` gives the negative code DPDK returns.
use thiserror::Error;

/// Why a dmadev call was refused or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Error {
    /// Bad argument, unknown device, or a request the device cannot do (`-EINVAL`).
    #[error("invalid argument")]
    InvalidArgument,
    /// The device is started and must be stopped first (`-EBUSY`).
    #[error("device busy")]
    Busy,
    /// The driver does not implement this operation (`-ENOTSUP`).
    #[error("operation not supported")]
    NotSupported,
    /// Out of memory (`-ENOMEM`).
    #[error("out of memory")]
    NoMemory,
    /// The descriptor ring is full (`-ENOSPC`).
    #[error("no space left in ring")]
    NoSpace,
    /// The name is already taken (`-EEXIST`).
    #[error("already exists")]
    Exists,
    /// The object does not exist (`-ENOENT`).
    #[error("not found")]
    NotFound,
    /// Permission refused (`-EPERM`).
    #[error("not permitted")]
    NotPermitted,
    /// Any other negative errno, as a C driver returned it.
    #[error("errno {0}")]
    Errno(i32),
}

impl Error {
    /// The negative errno DPDK returns for this error.
    pub fn errno(self) -> i32 {
        match self {
            Error::InvalidArgument => -libc::EINVAL,
            Error::Busy => -libc::EBUSY,
            Error::NotSupported => -libc::ENOTSUP,
            Error::NoMemory => -libc::ENOMEM,
            Error::NoSpace => -libc::ENOSPC,
            Error::Exists => -libc::EEXIST,
            Error::NotFound => -libc::ENOENT,
            Error::NotPermitted => -libc::EPERM,
            Error::Errno(e) => -(e.abs()),
        }
    }

    /// The error a negative C return code stands for.
    pub fn from_errno(code: i32) -> Error {
        match -(code.abs()) {
            c if c == -libc::EINVAL => Error::InvalidArgument,
            c if c == -libc::EBUSY => Error::Busy,
            c if c == -libc::ENOTSUP => Error::NotSupported,
            c if c == -libc::ENOMEM => Error::NoMemory,
            c if c == -libc::ENOSPC => Error::NoSpace,
            c if c == -libc::EEXIST => Error::Exists,
            c if c == -libc::ENOENT => Error::NotFound,
            c if c == -libc::EPERM => Error::NotPermitted,
            c => Error::Errno(-c),
        }
    }
}

pub type Result<T> = core::result::Result<T, Error>;

/// Turns a C driver's return code into a `Result`.
pub fn check(code: i32) -> Result<()> {
    if code < 0 {
        Err(Error::from_errno(code))
    } else {
        Ok(())
    }
}

/// Collapses a `Result` into DPDK's "0 or negative errno" convention.
pub fn to_code(r: Result<()>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => e.errno(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_round_trips() {
        for e in [
            Error::InvalidArgument,
            Error::Busy,
            Error::NotSupported,
            Error::NoMemory,
            Error::NoSpace,
            Error::Exists,
            Error::NotFound,
            Error::NotPermitted,
            Error::Errno(libc::EIO),
        ] {
            assert!(e.errno() < 0);
            assert_eq!(Error::from_errno(e.errno()), e);
        }
        assert_eq!(Error::InvalidArgument.errno(), -22);
        assert_eq!(check(0), Ok(()));
        assert_eq!(to_code(Err(Error::NoSpace)), -libc::ENOSPC);
    }
}
