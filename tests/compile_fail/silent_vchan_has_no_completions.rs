// A silent vchan reports no completions (DPDK forbids asking for them): the type
// has no `completed`, so the call does not compile.
use dmadev::safe::*;

fn main() {
    let eal = Eal::builder().vdev("dma_skeleton,silent=1").init().unwrap();
    let dev = eal.device("dma_skeleton").unwrap();
    let mut vchan = dev.silent_vchan(0).unwrap();
    for c in vchan.completed(8) {
        drop(c);
    }
}
