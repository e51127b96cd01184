// A vchan cannot be set up with the handlers of a group that was left.
use dmadev::safe::*;

fn main() -> dmadev::Result<()> {
    let eal = Eal::builder().vdev("dma_interdomain").init()?;
    let mut dev = eal.device("dma_interdomain")?;
    let setup = {
        let group = Group::create(&dev, Uuid::random()?, Uuid::random()?)?;
        let me = group.me()?;
        VchanSetup::between(&me, &me, 64)
    };
    dev.vchan_setup(0, &setup)?;
    Ok(())
}
