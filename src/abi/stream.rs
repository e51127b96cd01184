//! A C stream (`FILE *`) handed to us by the application (`rte_dma_dump`,
//! `rte_trace_dump`): checked once at the boundary, then written safely.
use core::ptr::NonNull;

/// An open `FILE *`.
#[derive(Clone, Copy, Debug)]
pub struct CStream(NonNull<libc::FILE>);

impl CStream {
    /// The stream `f`, or `None` for NULL.
    ///
    /// # Safety
    /// `f` is NULL or an open stream that stays open while the value is used.
    pub unsafe fn new(f: *mut libc::FILE) -> Option<CStream> {
        NonNull::new(f).map(CStream)
    }

    pub fn as_ptr(self) -> *mut libc::FILE {
        self.0.as_ptr()
    }

    /// Writes `text`; `-EIO` if the stream takes less.
    pub fn write(self, text: &str) -> crate::Result<()> {
        // SAFETY: `text` is valid for its length; the stream is open (type invariant).
        let n = unsafe { libc::fwrite(text.as_ptr().cast(), 1, text.len(), self.as_ptr()) };
        if n == text.len() {
            Ok(())
        } else {
            Err(crate::Error::Errno(libc::EIO))
        }
    }
}
