// A vchan is used by one thread at a time: it cannot be shared (it is not Sync).
use dmadev::safe::*;

fn main() -> dmadev::Result<()> {
    let eal = Eal::builder().vdev("dma_skeleton").init()?;
    let dev = eal.device("dma_skeleton")?;
    let vchan = dev.vchan(0)?;
    std::thread::scope(|s| {
        s.spawn(|| vchan.in_flight());
        s.spawn(|| vchan.in_flight());
    });
    Ok(())
}
