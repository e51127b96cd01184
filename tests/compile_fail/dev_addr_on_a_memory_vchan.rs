// A device address is only a side of a vchan set up with a device port
// (`DevVchan`): a memory vchan's copy does not take one.
use dmadev::safe::*;

fn main() -> dmadev::Result<()> {
    let eal = Eal::builder().vdev("dma_skeleton").init()?;
    let dev = eal.device("dma_skeleton")?;
    let mut vchan = dev.vchan(0)?;
    let at = DevAddr { addr: 0, len: 64 };
    let _ = vchan.copy(DmaBuf::new(64)?, at, OpFlags::SUBMIT);
    Ok(())
}
