// A buffer a scoped operation borrows cannot be written, read or freed before the
// scope ends (the scope waits for the device).
use dmadev::safe::*;

fn main() -> dmadev::Result<()> {
    let eal = Eal::builder().vdev("dma_skeleton").init()?;
    let dev = eal.device("dma_skeleton")?;
    let mut vchan = dev.vchan(0)?;
    let src = DmaBuf::new(64)?;
    let mut dst = DmaBuf::new(64)?;
    vchan.scope(|s| {
        s.copy(&src, &mut dst, OpFlags::SUBMIT)?;
        println!("{}", dst[0]);
        drop(dst);
        Ok::<(), dmadev::Error>(())
    })??;
    Ok(())
}
