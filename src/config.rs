//! Device and vchan configuration as Rust values.
//!
//! DPDK's C structs (`rte_dma_conf`, `rte_dma_vchan_conf`) hold enums as plain
//! integers and ports as unions: any bit pattern may arrive from C. `validate` checks
//! DPDK's rules in DPDK's order and hands back these types; Rust drivers only ever
//! see them. C drivers get the C structs built back from the same values (`to_c`).
//! The small decoders here (`from_raw`, `from_c`) are the only place that turns the
//! C integers into Rust enums.
use crate::abi::*;
use core::ptr::NonNull;

bitflags::bitflags! {
    /// `rte_dma_conf.flags`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct ConfigFlags: u64 {
        /// `RTE_DMA_CFG_FLAG_SILENT`: no completions are reported.
        const SILENT = RTE_DMA_CFG_FLAG_SILENT;
        /// `RTE_DMA_CFG_FLAG_ENQ_DEQ`: operations come as `rte_dma_op` lists.
        const ENQ_DEQ = RTE_DMA_CFG_FLAG_ENQ_DEQ;
    }
}

/// A device configuration that passed `rte_dma_configure`'s rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeviceConfig {
    pub nb_vchans: u16,
    pub priority: u16,
    pub flags: ConfigFlags,
}

impl DeviceConfig {
    /// The configuration a C struct holds; `None` if its flags name unknown bits.
    pub fn from_c(c: &rte_dma_conf) -> Option<DeviceConfig> {
        Some(DeviceConfig {
            nb_vchans: c.nb_vchans,
            priority: c.priority,
            flags: ConfigFlags::from_bits(c.flags)?,
        })
    }

    pub fn to_c(&self) -> rte_dma_conf {
        rte_dma_conf {
            nb_vchans: self.nb_vchans,
            priority: self.priority,
            flags: self.flags.bits(),
        }
    }
}

/// `rte_dma_direction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    MemToMem,
    MemToDev,
    DevToMem,
    DevToDev,
}

impl Direction {
    pub fn from_raw(raw: u32) -> Option<Direction> {
        use rte_dma_direction::*;
        Some(match raw {
            r if r == RTE_DMA_DIR_MEM_TO_MEM as u32 => Direction::MemToMem,
            r if r == RTE_DMA_DIR_MEM_TO_DEV as u32 => Direction::MemToDev,
            r if r == RTE_DMA_DIR_DEV_TO_MEM as u32 => Direction::DevToMem,
            r if r == RTE_DMA_DIR_DEV_TO_DEV as u32 => Direction::DevToDev,
            _ => return None,
        })
    }

    pub fn raw(self) -> u32 {
        use rte_dma_direction::*;
        (match self {
            Direction::MemToMem => RTE_DMA_DIR_MEM_TO_MEM,
            Direction::MemToDev => RTE_DMA_DIR_MEM_TO_DEV,
            Direction::DevToMem => RTE_DMA_DIR_DEV_TO_MEM,
            Direction::DevToDev => RTE_DMA_DIR_DEV_TO_DEV,
        }) as u32
    }

    /// The capability a device needs for this direction, and its name in logs.
    pub fn capability(self) -> (u64, &'static str) {
        match self {
            Direction::MemToMem => (RTE_DMA_CAPA_MEM_TO_MEM, "mem2mem"),
            Direction::MemToDev => (RTE_DMA_CAPA_MEM_TO_DEV, "mem2dev"),
            Direction::DevToMem => (RTE_DMA_CAPA_DEV_TO_MEM, "dev2mem"),
            Direction::DevToDev => (RTE_DMA_CAPA_DEV_TO_DEV, "dev2dev"),
        }
    }

    pub fn source_is_device(self) -> bool {
        matches!(self, Direction::DevToMem | Direction::DevToDev)
    }

    pub fn destination_is_device(self) -> bool {
        matches!(self, Direction::MemToDev | Direction::DevToDev)
    }
}

/// One side's access port (`rte_dma_port_param`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Port {
    /// Memory: no port.
    None,
    /// A PCIe port; the parameters as DPDK's bit-field union holds them.
    Pcie([u64; 2]),
}

impl Port {
    /// The port a C struct names; `None` for an unknown type or non-zero reserved words.
    pub fn from_c(p: &rte_dma_port_param) -> Option<Port> {
        if p.reserved != [0, 0] {
            return None;
        }
        match p.port_type {
            t if t == rte_dma_port_type::RTE_DMA_PORT_NONE as u32 => Some(Port::None),
            t if t == rte_dma_port_type::RTE_DMA_PORT_PCIE as u32 => {
                // SAFETY: `raw` covers the whole union; any bit pattern is a valid [u64; 2].
                Some(Port::Pcie(unsafe { p.pcie.raw }))
            }
            _ => None,
        }
    }

    pub fn to_c(self) -> rte_dma_port_param {
        let (port_type, raw) = match self {
            Port::None => (rte_dma_port_type::RTE_DMA_PORT_NONE, [0; 2]),
            Port::Pcie(raw) => (rte_dma_port_type::RTE_DMA_PORT_PCIE, raw),
        };
        rte_dma_port_param {
            port_type: port_type as u32,
            pcie: rte_dma_port_pcie { raw },
            reserved: [0; 2],
        }
    }
}

/// Where a vchan's source and destination live (`rte_dma_inter_domain_param`): this
/// process, or group members named by their handlers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    Local,
    Process { src: u16, dst: u16 },
    Os { src: u16, dst: u16 },
}

impl Domain {
    /// The domain a C struct names; `None` for an unknown type or non-zero reserved words.
    pub fn from_c(d: &rte_dma_inter_domain_param) -> Option<Domain> {
        use rte_dma_inter_domain_type::*;
        if d.reserved != [0, 0] {
            return None;
        }
        let (src, dst) = (d.src_handler, d.dst_handler);
        Some(match d.r#type {
            t if t == RTE_DMA_INTER_DOMAIN_NONE as u32 => Domain::Local,
            t if t == RTE_DMA_INTER_PROCESS_DOMAIN as u32 => Domain::Process { src, dst },
            t if t == RTE_DMA_INTER_OS_DOMAIN as u32 => Domain::Os { src, dst },
            _ => return None,
        })
    }

    pub fn to_c(self) -> rte_dma_inter_domain_param {
        use rte_dma_inter_domain_type::*;
        let (r#type, (src_handler, dst_handler)) = match self {
            Domain::Local => (RTE_DMA_INTER_DOMAIN_NONE, (0, 0)),
            Domain::Process { src, dst } => (RTE_DMA_INTER_PROCESS_DOMAIN, (src, dst)),
            Domain::Os { src, dst } => (RTE_DMA_INTER_OS_DOMAIN, (src, dst)),
        };
        rte_dma_inter_domain_param {
            r#type: r#type as u32,
            src_handler,
            dst_handler,
            reserved: [0; 2],
        }
    }
}

/// A vchan configuration that passed `rte_dma_vchan_setup`'s rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VchanConfig {
    pub direction: Direction,
    pub nb_desc: u16,
    pub src_port: Port,
    pub dst_port: Port,
    /// Mempool the device frees memory-to-device buffers to (`auto_free.m2d.pool`).
    pub auto_free_pool: Option<NonNull<rte_mempool>>,
    pub domain: Domain,
}

impl VchanConfig {
    /// The configuration a C struct holds, if every enum and reserved word in it is
    /// valid (DPDK's rules on their combinations are `validate`'s).
    pub fn from_c(c: &rte_dma_vchan_conf) -> Option<VchanConfig> {
        if c.auto_free.reserved != [0, 0] {
            return None;
        }
        Some(VchanConfig {
            direction: Direction::from_raw(c.direction)?,
            nb_desc: c.nb_desc,
            src_port: Port::from_c(&c.src_port)?,
            dst_port: Port::from_c(&c.dst_port)?,
            auto_free_pool: NonNull::new(c.auto_free.m2d.pool),
            domain: Domain::from_c(&c.domain)?,
        })
    }

    pub fn to_c(&self) -> rte_dma_vchan_conf {
        let mut c = rte_dma_vchan_conf {
            direction: self.direction.raw(),
            nb_desc: self.nb_desc,
            src_port: self.src_port.to_c(),
            dst_port: self.dst_port.to_c(),
            domain: self.domain.to_c(),
            ..Default::default()
        };
        c.auto_free.m2d.pool = self
            .auto_free_pool
            .map_or(core::ptr::null_mut(), NonNull::as_ptr);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_structs_round_trip_and_bad_values_are_refused() {
        let mut c = rte_dma_vchan_conf {
            direction: rte_dma_direction::RTE_DMA_DIR_MEM_TO_DEV as u32,
            nb_desc: 128,
            ..Default::default()
        };
        c.dst_port.port_type = rte_dma_port_type::RTE_DMA_PORT_PCIE as u32;
        c.dst_port.pcie.raw = [0x1234, 0];
        c.domain.r#type = rte_dma_inter_domain_type::RTE_DMA_INTER_PROCESS_DOMAIN as u32;
        c.domain.src_handler = 3;
        c.domain.dst_handler = 4;
        let v = VchanConfig::from_c(&c).unwrap();
        assert_eq!(v.direction, Direction::MemToDev);
        assert_eq!(v.dst_port, Port::Pcie([0x1234, 0]));
        assert_eq!(v.domain, Domain::Process { src: 3, dst: 4 });
        assert_eq!(VchanConfig::from_c(&v.to_c()), Some(v));
        for bad in [
            |c: &mut rte_dma_vchan_conf| c.direction = 4,
            |c: &mut rte_dma_vchan_conf| c.src_port.port_type = 9,
            |c: &mut rte_dma_vchan_conf| c.dst_port.reserved[1] = 1,
            |c: &mut rte_dma_vchan_conf| c.domain.r#type = 3,
            |c: &mut rte_dma_vchan_conf| c.domain.reserved[0] = 1,
            |c: &mut rte_dma_vchan_conf| c.auto_free.reserved[0] = 1,
        ] {
            let mut b = c;
            bad(&mut b);
            assert_eq!(VchanConfig::from_c(&b), None);
        }
        let d = rte_dma_conf {
            nb_vchans: 2,
            priority: 0,
            flags: RTE_DMA_CFG_FLAG_ENQ_DEQ,
        };
        let typed = DeviceConfig::from_c(&d).unwrap();
        assert!(typed.flags.contains(ConfigFlags::ENQ_DEQ));
        assert_eq!(typed.to_c().flags, d.flags);
        assert_eq!(
            DeviceConfig::from_c(&rte_dma_conf { flags: 1 << 9, ..d }),
            None
        );
    }
}
