// One buffer cannot be the source and the destination of a copy, nor be in two
// operations at once.
use dmadev::safe::*;

fn main() -> dmadev::Result<()> {
    let eal = Eal::builder().vdev("dma_skeleton").init()?;
    let dev = eal.device("dma_skeleton")?;
    let mut vchan = dev.vchan(0)?;
    let buf = DmaBuf::new(64)?;
    let _ = vchan.copy(buf, buf, OpFlags::SUBMIT);
    Ok(())
}
