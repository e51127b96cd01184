// A buffer moved into an operation cannot be read while the device owns it.
use dmadev::safe::*;

fn main() -> dmadev::Result<()> {
    let eal = Eal::builder().vdev("dma_skeleton").init()?;
    let dev = eal.device("dma_skeleton")?;
    let mut vchan = dev.vchan(0)?;
    let src = DmaBuf::new(64)?;
    let dst = DmaBuf::new(64)?;
    let _ = vchan.copy(src, dst, OpFlags::SUBMIT);
    println!("{}", dst[0]);
    Ok(())
}
