//! The messages of the access-pair-group control plane: fixed 64-byte frames on a
//! `SOCK_SEQPACKET` UNIX socket (one message per packet, in order, reliable).
//!
//! | byte | field |
//! |---|---|
//! | 0 | kind |
//! | 4..8 | `errno` (refusals) or member count (accept) |
//! | 8..12 | process id |
//! | 16..32 | domain UUID |
//! | 32..48 | token UUID |
//! | 48..56 | window base address (join, member) |
//! | 56..64 | window length (join, member) |
//!
//! A join or member message whose window length is non-zero carries the window's
//! memfd as `SCM_RIGHTS` ancillary data.

pub const FRAME: usize = 64;

/// A member's heap as it is mapped in its own process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WindowInfo {
    pub base: u64,
    pub len: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    /// Joiner → creator: let me in.
    Join {
        domain: [u8; 16],
        token: [u8; 16],
        pid: i32,
        window: WindowInfo,
    },
    /// Creator → joiner: you are in; `members` `Member` messages follow.
    Accept { members: u32 },
    /// Creator → joiner: refused, with the errno `join` returns.
    Refuse { errno: i32 },
    /// Creator → members: this domain is a member.
    Member {
        domain: [u8; 16],
        pid: i32,
        window: WindowInfo,
    },
    /// Creator → members: this domain left (or its process died).
    Left { domain: [u8; 16] },
    /// Joiner → creator: I am leaving.
    Leave,
    /// Creator → joiners: the group is destroyed.
    Destroy,
}

const JOIN: u8 = 1;
const ACCEPT: u8 = 2;
const REFUSE: u8 = 3;
const MEMBER: u8 = 4;
const LEFT: u8 = 5;
const LEAVE: u8 = 6;
const DESTROY: u8 = 7;

impl Msg {
    pub fn encode(&self) -> [u8; FRAME] {
        let mut f = [0u8; FRAME];
        let mut put =
            |kind: u8, word: i32, pid: i32, domain: &[u8; 16], token: &[u8; 16], w: WindowInfo| {
                f[0] = kind;
                f[4..8].copy_from_slice(&word.to_le_bytes());
                f[8..12].copy_from_slice(&pid.to_le_bytes());
                f[16..32].copy_from_slice(domain);
                f[32..48].copy_from_slice(token);
                f[48..56].copy_from_slice(&w.base.to_le_bytes());
                f[56..64].copy_from_slice(&w.len.to_le_bytes());
            };
        let (zero, none) = ([0u8; 16], WindowInfo::default());
        match *self {
            Msg::Join {
                domain,
                token,
                pid,
                window,
            } => put(JOIN, 0, pid, &domain, &token, window),
            Msg::Accept { members } => put(ACCEPT, members as i32, 0, &zero, &zero, none),
            Msg::Refuse { errno } => put(REFUSE, errno, 0, &zero, &zero, none),
            Msg::Member {
                domain,
                pid,
                window,
            } => put(MEMBER, 0, pid, &domain, &zero, window),
            Msg::Left { domain } => put(LEFT, 0, 0, &domain, &zero, none),
            Msg::Leave => put(LEAVE, 0, 0, &zero, &zero, none),
            Msg::Destroy => put(DESTROY, 0, 0, &zero, &zero, none),
        }
        f
    }

    /// Decodes a frame; `None` for a malformed one (the peer is then dropped).
    pub fn decode(f: &[u8]) -> Option<Msg> {
        if f.len() != FRAME {
            return None;
        }
        let word = i32::from_le_bytes(f[4..8].try_into().ok()?);
        let pid = i32::from_le_bytes(f[8..12].try_into().ok()?);
        let domain: [u8; 16] = f[16..32].try_into().ok()?;
        let token: [u8; 16] = f[32..48].try_into().ok()?;
        let window = WindowInfo {
            base: u64::from_le_bytes(f[48..56].try_into().ok()?),
            len: u64::from_le_bytes(f[56..64].try_into().ok()?),
        };
        Some(match f[0] {
            JOIN => Msg::Join {
                domain,
                token,
                pid,
                window,
            },
            // The count travels as the word's bits; the joiner bounds it.
            ACCEPT => Msg::Accept {
                members: word as u32,
            },
            REFUSE => Msg::Refuse { errno: word },
            MEMBER => Msg::Member {
                domain,
                pid,
                window,
            },
            LEFT => Msg::Left { domain },
            LEAVE => Msg::Leave,
            DESTROY => Msg::Destroy,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_round_trips() {
        let d = [7u8; 16];
        let t = [9u8; 16];
        for m in [
            Msg::Join {
                domain: d,
                token: t,
                pid: 1234,
                window: WindowInfo {
                    base: 1 << 40,
                    len: 1 << 30,
                },
            },
            Msg::Accept { members: 3 },
            Msg::Accept { members: u32::MAX },
            Msg::Refuse { errno: -13 },
            Msg::Member {
                domain: d,
                pid: 77,
                window: WindowInfo::default(),
            },
            Msg::Left { domain: d },
            Msg::Leave,
            Msg::Destroy,
        ] {
            assert_eq!(Msg::decode(&m.encode()), Some(m));
        }
        assert_eq!(Msg::decode(&[0u8; FRAME]), None);
        assert_eq!(Msg::decode(&[1u8; 10]), None);
    }
}
