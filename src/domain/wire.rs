//! The messages of the access-pair-group control plane: fixed 48-byte frames on a
//! `SOCK_SEQPACKET` UNIX socket (one message per packet, in order, reliable).
//!
//! | byte | field |
//! |---|---|
//! | 0 | kind |
//! | 4..8 | `errno` (refusals) or member count (accept) |
//! | 8..12 | process id |
//! | 16..32 | domain UUID |
//! | 32..48 | token UUID |

pub const FRAME: usize = 48;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    /// Joiner → creator: let me in.
    Join {
        domain: [u8; 16],
        token: [u8; 16],
        pid: i32,
    },
    /// Creator → joiner: you are in; `members` `Member` messages follow.
    Accept { members: u32 },
    /// Creator → joiner: refused, with the errno `join` returns.
    Refuse { errno: i32 },
    /// Creator → members: this domain is a member.
    Member { domain: [u8; 16], pid: i32 },
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
        let mut put = |kind: u8, word: i32, pid: i32, domain: &[u8; 16], token: &[u8; 16]| {
            f[0] = kind;
            f[4..8].copy_from_slice(&word.to_le_bytes());
            f[8..12].copy_from_slice(&pid.to_le_bytes());
            f[16..32].copy_from_slice(domain);
            f[32..48].copy_from_slice(token);
        };
        let zero = [0u8; 16];
        match *self {
            Msg::Join { domain, token, pid } => put(JOIN, 0, pid, &domain, &token),
            Msg::Accept { members } => put(ACCEPT, members as i32, 0, &zero, &zero),
            Msg::Refuse { errno } => put(REFUSE, errno, 0, &zero, &zero),
            Msg::Member { domain, pid } => put(MEMBER, 0, pid, &domain, &zero),
            Msg::Left { domain } => put(LEFT, 0, 0, &domain, &zero),
            Msg::Leave => put(LEAVE, 0, 0, &zero, &zero),
            Msg::Destroy => put(DESTROY, 0, 0, &zero, &zero),
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
        Some(match f[0] {
            JOIN => Msg::Join { domain, token, pid },
            ACCEPT => Msg::Accept {
                members: u32::try_from(word).ok()?,
            },
            REFUSE => Msg::Refuse { errno: word },
            MEMBER => Msg::Member { domain, pid },
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
            },
            Msg::Accept { members: 3 },
            Msg::Refuse { errno: -13 },
            Msg::Member { domain: d, pid: 77 },
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
