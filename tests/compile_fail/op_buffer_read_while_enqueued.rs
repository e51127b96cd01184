// An enqueued operation list belongs to the vchan until dequeued: a reference into
// one of its buffers cannot be held across the enqueue.
use dmadev::safe::*;

fn main() -> dmadev::Result<()> {
    let eal = Eal::builder().vdev("dma_skeleton").init()?;
    let dev = eal.device("dma_skeleton")?;
    let mut vchan = dev.op_vchan(0)?;
    let mut list = vec![DmaOp::copy(vec![DmaBuf::new(64)?], vec![DmaBuf::new(64)?])];
    let dst: &DmaBuf = &list[0].dst()[0];
    vchan.enqueue(&mut list)?;
    println!("{}", dst[0]);
    Ok(())
}
