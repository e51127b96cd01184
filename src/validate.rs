//! DPDK's argument rules for the control path, in DPDK's order, with its log lines.
//!
//! Every check that DPDK's library layer (not its drivers) makes lives here, so every
//! driver, Rust or C, gets the same answers. Each rejection logs one ERR line under
//! `lib.dmadev` and returns `Error::InvalidArgument` (`-EINVAL`); what passes comes
//! back as the typed configuration of `crate::config`.
use crate::abi::*;
use crate::config::{DeviceConfig, Direction, Domain, Port, VchanConfig};
use crate::{Error, Result, dma_log};

fn reject<T>(dev_id: i16, what: core::fmt::Arguments<'_>) -> Result<T> {
    dma_log!(ERR, "Device {} {}", dev_id, what);
    Err(Error::InvalidArgument)
}

/// `rte_dma_configure`'s rules, checked against the device's capabilities.
pub fn configure(dev_id: i16, conf: &rte_dma_conf, info: &rte_dma_info) -> Result<DeviceConfig> {
    if conf.nb_vchans == 0 {
        return reject(dev_id, format_args!("configure zero vchans"));
    }
    if conf.nb_vchans > info.max_vchans {
        return reject(dev_id, format_args!("configure too many vchans"));
    }
    if info.dev_capa & RTE_DMA_CAPA_PRI_POLICY_SP != 0 {
        if conf.priority >= info.nb_priorities {
            return reject(dev_id, format_args!("configure invalid priority"));
        }
    } else if conf.priority != 0 {
        return reject(dev_id, format_args!("should not configure priority"));
    }
    let Some(typed) = DeviceConfig::from_c(conf) else {
        return reject(dev_id, format_args!("configure invalid flags"));
    };
    if conf.flags & RTE_DMA_CFG_FLAG_SILENT != 0 && info.dev_capa & RTE_DMA_CAPA_SILENT == 0 {
        return reject(dev_id, format_args!("don't support silent"));
    }
    if conf.flags & RTE_DMA_CFG_FLAG_ENQ_DEQ != 0 && info.dev_capa & RTE_DMA_CAPA_OPS_ENQ_DEQ == 0 {
        return reject(dev_id, format_args!("don't support enqueue/dequeue"));
    }
    Ok(typed)
}

/// Checks one access port: a known type, zero reserved words, and a device port
/// exactly when the direction has a device on that side.
fn port(
    dev_id: i16,
    p: &rte_dma_port_param,
    side: &str,
    field: &str,
    side_is_dev: bool,
) -> Result<Port> {
    let none = rte_dma_port_type::RTE_DMA_PORT_NONE as u32;
    let pcie = rte_dma_port_type::RTE_DMA_PORT_PCIE as u32;
    if p.port_type != none && p.port_type != pcie {
        return reject(dev_id, format_args!("{side} port type unsupported"));
    }
    let Some(typed) = Port::from_c(p) else {
        return reject(dev_id, format_args!("{field} has non-zero reserved fields"));
    };
    if (typed == Port::None) == side_is_dev {
        return reject(dev_id, format_args!("{side} port type invalid"));
    }
    Ok(typed)
}

/// The rules on the vchan configuration alone (DPDK's `dma_check_vchan_conf`).
pub fn vchan_conf(dev_id: i16, conf: &rte_dma_vchan_conf) -> Result<VchanConfig> {
    let Some(direction) = Direction::from_raw(conf.direction) else {
        return reject(dev_id, format_args!("direction invalid!"));
    };
    let src_port = port(
        dev_id,
        &conf.src_port,
        "source",
        "src_port",
        direction.source_is_device(),
    )?;
    let dst_port = port(
        dev_id,
        &conf.dst_port,
        "destination",
        "dst_port",
        direction.destination_is_device(),
    )?;
    if conf.auto_free.reserved != [0, 0] {
        return reject(
            dev_id,
            format_args!("auto_free has non-zero reserved fields"),
        );
    }
    let domain = &conf.domain;
    if domain.r#type > rte_dma_inter_domain_type::RTE_DMA_INTER_OS_DOMAIN as u32 {
        return reject(dev_id, format_args!("domain type invalid!"));
    }
    let Some(domain) = Domain::from_c(domain) else {
        return reject(dev_id, format_args!("domain has non-zero reserved fields"));
    };
    if domain != Domain::Local && direction != Direction::MemToMem {
        return reject(
            dev_id,
            format_args!("inter domain only support mem-to-mem transfer"),
        );
    }
    Ok(VchanConfig {
        direction,
        nb_desc: conf.nb_desc,
        src_port,
        dst_port,
        auto_free_pool: core::ptr::NonNull::new(conf.auto_free.m2d.pool),
        domain,
    })
}

/// The rules that need the device: vchan range, direction and features supported,
/// descriptor count.
pub fn vchan_setup(dev_id: i16, vchan: u16, conf: &VchanConfig, info: &rte_dma_info) -> Result<()> {
    if info.nb_vchans == 0 {
        return reject(dev_id, format_args!("must be configured first"));
    }
    if vchan >= info.nb_vchans {
        return reject(dev_id, format_args!("vchan out range!"));
    }
    let (capa, name) = conf.direction.capability();
    if info.dev_capa & capa == 0 {
        return reject(dev_id, format_args!("don't support {name} transfer"));
    }
    if conf.nb_desc < info.min_desc || conf.nb_desc > info.max_desc {
        return reject(dev_id, format_args!("number of descriptors invalid"));
    }
    if conf.auto_free_pool.is_some() && info.dev_capa & RTE_DMA_CAPA_M2D_AUTO_FREE == 0 {
        return reject(dev_id, format_args!("does not support m2d auto free"));
    }
    match conf.domain {
        Domain::Os { .. } if info.dev_capa & RTE_DMA_CAPA_INTER_OS_DOMAIN == 0 => {
            reject(dev_id, format_args!("does not support inter os domain"))
        }
        Domain::Process { .. } if info.dev_capa & RTE_DMA_CAPA_INTER_PROCESS_DOMAIN == 0 => reject(
            dev_id,
            format_args!("does not support inter process domain"),
        ),
        _ => Ok(()),
    }
}

/// The stats calls accept a configured vchan or `RTE_DMA_ALL_VCHAN`.
pub fn stats_vchan(dev_id: i16, vchan: u16, nb_vchans: u16) -> Result<()> {
    if vchan >= nb_vchans && vchan != RTE_DMA_ALL_VCHAN {
        return reject(dev_id, format_args!("vchan {vchan} out of range"));
    }
    Ok(())
}

/// `rte_dma_vchan_status` accepts configured vchans only.
pub fn status_vchan(dev_id: i16, vchan: u16, nb_vchans: u16) -> Result<()> {
    if vchan >= nb_vchans {
        return reject(dev_id, format_args!("vchan {vchan} out of range"));
    }
    Ok(())
}

/// The access-pair-group calls need an inter-process or inter-OS capable device.
pub fn inter_domain_capable(dev_id: i16, info: &rte_dma_info) -> Result<()> {
    if info.dev_capa & (RTE_DMA_CAPA_INTER_PROCESS_DOMAIN | RTE_DMA_CAPA_INTER_OS_DOMAIN) == 0 {
        return reject(
            dev_id,
            format_args!("doesn't support inter-process or inter-os domain"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skeleton_like() -> rte_dma_info {
        rte_dma_info {
            dev_capa: RTE_DMA_CAPA_MEM_TO_MEM | RTE_DMA_CAPA_SVA | RTE_DMA_CAPA_OPS_COPY,
            max_vchans: 1,
            max_desc: 8192,
            min_desc: 32,
            max_sges: 4,
            nb_vchans: 1,
            ..Default::default()
        }
    }

    fn conf(nb_vchans: u16, priority: u16, flags: u64) -> rte_dma_conf {
        rte_dma_conf {
            nb_vchans,
            priority,
            flags,
        }
    }

    #[test]
    fn configure_rules() {
        let info = skeleton_like();
        assert!(configure(0, &conf(1, 0, 0), &info).is_ok());
        assert_eq!(
            configure(0, &conf(0, 0, 0), &info),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            configure(0, &conf(2, 0, 0), &info),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            configure(0, &conf(1, 1, 0), &info),
            Err(Error::InvalidArgument)
        );
        for bit in 2..64 {
            assert_eq!(
                configure(0, &conf(1, 0, 1 << bit), &info),
                Err(Error::InvalidArgument)
            );
        }
        assert_eq!(
            configure(0, &conf(1, 0, RTE_DMA_CFG_FLAG_SILENT), &info),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            configure(0, &conf(1, 0, RTE_DMA_CFG_FLAG_ENQ_DEQ), &info),
            Err(Error::InvalidArgument)
        );
        let capable = rte_dma_info {
            dev_capa: info.dev_capa
                | RTE_DMA_CAPA_SILENT
                | RTE_DMA_CAPA_OPS_ENQ_DEQ
                | RTE_DMA_CAPA_PRI_POLICY_SP,
            nb_priorities: 2,
            ..info
        };
        let both = RTE_DMA_CFG_FLAG_SILENT | RTE_DMA_CFG_FLAG_ENQ_DEQ;
        assert!(configure(0, &conf(1, 1, both), &capable).is_ok());
        assert_eq!(
            configure(0, &conf(1, 2, 0), &capable),
            Err(Error::InvalidArgument)
        );
    }

    fn mem2mem() -> rte_dma_vchan_conf {
        rte_dma_vchan_conf {
            nb_desc: 32,
            ..Default::default()
        }
    }

    #[test]
    fn vchan_conf_rules() {
        assert!(vchan_conf(0, &mem2mem()).is_ok());
        let bad = |f: &dyn Fn(&mut rte_dma_vchan_conf)| {
            let mut c = mem2mem();
            f(&mut c);
            vchan_conf(0, &c).map(|_| ())
        };
        let einval = Err(Error::InvalidArgument);
        assert_eq!(bad(&|c| c.direction = 4), einval);
        assert_eq!(bad(&|c| c.src_port.port_type = 2), einval);
        assert_eq!(bad(&|c| c.src_port.reserved[1] = 1), einval);
        assert_eq!(bad(&|c| c.dst_port.reserved[0] = 1), einval);
        assert_eq!(
            bad(&|c| c.src_port.port_type = 1),
            einval,
            "mem source with a device port"
        );
        assert_eq!(
            bad(&|c| c.direction = 1),
            einval,
            "mem2dev without a destination port"
        );
        assert_eq!(
            bad(&|c| {
                c.direction = 1;
                c.dst_port.port_type = 1
            }),
            Ok(())
        );
        assert_eq!(bad(&|c| c.auto_free.reserved[0] = 1), einval);
        assert_eq!(bad(&|c| c.domain.r#type = 3), einval);
        assert_eq!(bad(&|c| c.domain.reserved[1] = 7), einval);
        assert_eq!(
            bad(&|c| {
                c.direction = 1;
                c.dst_port.port_type = 1;
                c.domain.r#type = 1
            }),
            einval,
            "inter-domain needs mem-to-mem"
        );
        assert_eq!(bad(&|c| c.domain.r#type = 2), Ok(()));
    }

    #[test]
    fn vchan_setup_rules() {
        let info = skeleton_like();
        let typed = |c: &rte_dma_vchan_conf| vchan_conf(0, c).unwrap();
        let vchan_setup = |d: i16, v: u16, c: &rte_dma_vchan_conf, i: &rte_dma_info| {
            vchan_setup(d, v, &typed(c), i)
        };
        let c = mem2mem();
        assert_eq!(vchan_setup(0, 0, &c, &info), Ok(()));
        let einval = Err(Error::InvalidArgument);
        assert_eq!(vchan_setup(0, 1, &c, &info), einval);
        assert_eq!(
            vchan_setup(
                0,
                0,
                &c,
                &rte_dma_info {
                    nb_vchans: 0,
                    ..info
                }
            ),
            einval
        );
        assert_eq!(
            vchan_setup(0, 0, &rte_dma_vchan_conf { nb_desc: 31, ..c }, &info),
            einval
        );
        assert_eq!(
            vchan_setup(0, 0, &rte_dma_vchan_conf { nb_desc: 8193, ..c }, &info),
            einval
        );
        let dev2mem = VchanConfig {
            direction: Direction::DevToMem,
            ..typed(&c)
        };
        assert_eq!(super::vchan_setup(0, 0, &dev2mem, &info), einval);
        let mut pool = c;
        pool.auto_free.m2d.pool = core::ptr::NonNull::dangling().as_ptr();
        assert_eq!(vchan_setup(0, 0, &pool, &info), einval);
        for domain in [1, 2] {
            let mut d = c;
            d.domain.r#type = domain;
            assert_eq!(vchan_setup(0, 0, &d, &info), einval);
            let capa = if domain == 1 {
                RTE_DMA_CAPA_INTER_PROCESS_DOMAIN
            } else {
                RTE_DMA_CAPA_INTER_OS_DOMAIN
            };
            let capable = rte_dma_info {
                dev_capa: info.dev_capa | capa,
                ..info
            };
            assert_eq!(vchan_setup(0, 0, &d, &capable), Ok(()));
        }
    }

    #[test]
    fn stats_and_group_rules() {
        assert_eq!(stats_vchan(0, 0, 1), Ok(()));
        assert_eq!(stats_vchan(0, RTE_DMA_ALL_VCHAN, 1), Ok(()));
        assert_eq!(stats_vchan(0, 1, 1), Err(Error::InvalidArgument));
        assert_eq!(
            status_vchan(0, RTE_DMA_ALL_VCHAN, 1),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            inter_domain_capable(0, &skeleton_like()),
            Err(Error::InvalidArgument)
        );
        let capable = rte_dma_info {
            dev_capa: RTE_DMA_CAPA_INTER_OS_DOMAIN,
            ..skeleton_like()
        };
        assert_eq!(inter_domain_capable(0, &capable), Ok(()));
    }
}
