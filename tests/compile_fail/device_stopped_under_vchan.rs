// A device cannot be stopped or reconfigured while one of its vchans is in use.
use dmadev::safe::*;

fn main() -> dmadev::Result<()> {
    let eal = Eal::builder().vdev("dma_skeleton").init()?;
    let mut dev = eal.device("dma_skeleton")?;
    let mut vchan = dev.vchan(0)?;
    dev.stop()?;
    vchan.submit()?;
    Ok(())
}
