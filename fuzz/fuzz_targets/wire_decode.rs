//! The control-plane message decoder: `decode` never panics on any input, and every
//! message round-trips, `decode(encode(m)) == m`, whether it came from decoding
//! arbitrary bytes or was built field by field.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use dmadev::domain::wire::{FRAME, Msg, WindowInfo};
use libfuzzer_sys::fuzz_target;

fn window(u: &mut Unstructured<'_>) -> arbitrary::Result<WindowInfo> {
    Ok(WindowInfo {
        base: u64::arbitrary(u)?,
        len: u64::arbitrary(u)?,
    })
}

/// Any message, every field free.
fn message(u: &mut Unstructured<'_>) -> arbitrary::Result<Msg> {
    Ok(match u.int_in_range(0..=6u8)? {
        0 => Msg::Join {
            domain: Arbitrary::arbitrary(u)?,
            token: Arbitrary::arbitrary(u)?,
            pid: i32::arbitrary(u)?,
            window: window(u)?,
        },
        1 => Msg::Accept {
            members: u32::arbitrary(u)?,
        },
        2 => Msg::Refuse {
            errno: i32::arbitrary(u)?,
        },
        3 => Msg::Member {
            domain: Arbitrary::arbitrary(u)?,
            pid: i32::arbitrary(u)?,
            window: window(u)?,
        },
        4 => Msg::Left {
            domain: Arbitrary::arbitrary(u)?,
        },
        5 => Msg::Leave,
        _ => Msg::Destroy,
    })
}

fuzz_target!(|data: &[u8]| {
    // Raw bytes of any length (frames of the wrong size are refused, not read past).
    if let Some(m) = Msg::decode(data) {
        assert_eq!(data.len(), FRAME);
        assert_eq!(Msg::decode(&m.encode()), Some(m), "re-encoding {m:?}");
    }
    // The same bytes as a frame, padded or cut to FRAME.
    let mut frame = [0u8; FRAME];
    let n = data.len().min(FRAME);
    frame[..n].copy_from_slice(&data[..n]);
    if let Some(m) = Msg::decode(&frame) {
        assert_eq!(Msg::decode(&m.encode()), Some(m), "re-encoding {m:?}");
    }
    // A message built from the bytes: encoding then decoding gives it back.
    let mut u = Unstructured::new(data);
    if let Ok(m) = message(&mut u) {
        let f = m.encode();
        assert_eq!(Msg::decode(&f), Some(m), "round trip of {m:?}");
    }
});
