//! `/dmadev/groups,<id>` over real access pair groups: two `dma_interdomain` devices of
//! this process, one creating a group and one joining it; the answer lists each
//! device's groups with role, state and members, and refuses other devices.
mod common;

use common::rundir::RunDir;
use dmadev::abi::*;
use dmadev::drivers::{interdomain, skeleton};
use dmadev::telemetry::{commands::respond, dmadev::set_groups_source};
use dmadev::{api, drivers};

fn ask(cmd: String) -> String {
    respond(cmd.as_bytes())
}

fn member(domain: &[u8; 16], handler: u16) -> String {
    format!(
        r#""{handler}":{{"domain_id":"{}","pid":{},"local":1,"alive":1,"window_len":0}}"#,
        uuid_text(domain),
        std::process::id()
    )
}

#[test]
fn groups_are_listed_per_device_with_their_members() {
    // SAFETY: set before any thread of this test binary reads the environment.
    let _dir = unsafe { RunDir::new("telgroups") };
    set_groups_source(drivers::interdomain::telemetry_groups);
    let dev = |name| common::probe(interdomain::probe, name, "");
    let (a, b) = (dev("dma_interdomain_tel_a"), dev("dma_interdomain_tel_b"));
    let s = common::probe(skeleton::probe, "dma_skeleton_tel", "");
    assert_eq!(
        ask(format!("/dmadev/groups,{a}")),
        r#"{"/dmadev/groups":[]}"#
    );
    assert_eq!(
        ask(format!("/dmadev/groups,{s}")),
        r#"{"/dmadev/groups":null}"#
    );
    assert_eq!(
        ask("/dmadev/groups,999".into()),
        r#"{"/dmadev/groups":null}"#
    );

    let (da, db, token) = ([0xa; 16], [0xb; 16], [0x70; 16]);
    let g = api::group_create(a, &da, &token, None).unwrap();
    api::group_join(b, &db, &token, g, None).unwrap();
    assert!(
        common::eventually(|| api::group_handler_get(a, g, &db).is_ok()),
        "the creator never saw the joiner"
    );
    for (dev, role, me) in [(a, "creator", &da), (b, "joiner", &db)] {
        let got = ask(format!("/dmadev/groups,{dev}"));
        let head = format!(
            r#"{{"/dmadev/groups":[{{"group_id":{g},"role":"{role}","state":"active","domain_id":"{}","members":{{"#,
            uuid_text(me)
        );
        assert!(got.starts_with(&head), "{got}\nwant {head}");
        for d in [&da, &db] {
            let h = api::group_handler_get(dev, g, d).unwrap();
            assert!(got.contains(&member(d, h)), "{got} lacks {}", member(d, h));
        }
        assert!(got.ends_with("}}}]}"), "{got}");
    }

    // The creator destroys the group: the joiner still lists it, ended, until it leaves.
    api::group_destroy(a, g).unwrap();
    assert_eq!(
        ask(format!("/dmadev/groups,{a}")),
        r#"{"/dmadev/groups":[]}"#
    );
    let mut listed = String::new();
    let ended = common::eventually(|| {
        listed = ask(format!("/dmadev/groups,{b}"));
        listed.contains(r#""state":"ended""#)
    });
    assert!(ended, "{listed}");
    api::group_leave(b, g).unwrap();
    assert_eq!(
        ask(format!("/dmadev/groups,{b}")),
        r#"{"/dmadev/groups":[]}"#
    );

    // A closed device's groups are gone with it.
    interdomain::remove("dma_interdomain_tel_a").unwrap();
    assert_eq!(
        ask(format!("/dmadev/groups,{a}")),
        r#"{"/dmadev/groups":null}"#
    );
    interdomain::remove("dma_interdomain_tel_b").unwrap();
    skeleton::remove("dma_skeleton_tel").unwrap();
}
