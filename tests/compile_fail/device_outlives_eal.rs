// A device cannot be used once its EAL is gone (dropping the Eal ends the EAL).
use dmadev::safe::*;

fn main() -> dmadev::Result<()> {
    let eal = Eal::builder().vdev("dma_skeleton").init()?;
    let dev = eal.device("dma_skeleton")?;
    drop(eal);
    let _ = dev.info();
    Ok(())
}
