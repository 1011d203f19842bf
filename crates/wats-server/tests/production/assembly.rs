//! Assembly against box-build templates, and concurrent assembly and phase edits.

use super::*;

pub async fn assembly_against_the_template(s: &TestServer) {
    let w = client(s);
    let p = w.production();
    let (boxp, pcb, psu, other) = (unique("BOX"), unique("PCB"), unique("PSU"), unique("OTH"));
    product(&w, &boxp, &["A"]).await;
    product(&w, &pcb, &["A", "A2", "B"]).await;
    product(&w, &psu, &["1"]).await;
    product(&w, &other, &["1"]).await;
    let mut t = w.product().box_build(&boxp, "A").await.unwrap().unwrap();
    t.add(&pcb, "A", 2).await.unwrap();
    t.set_revision_mask(&pcb, "A", Some("A%"));
    t.add(&psu, "1", 1).await.unwrap();
    t.save().await.unwrap();

    let parent = unique("MAIN");
    p.create_unit(&parent, &boxp, "A", None, None)
        .await
        .unwrap();
    let mut pcbs = Vec::new();
    for rev in ["A", "A2", "A", "B"] {
        let sn = unique("PCB");
        p.create_unit(&sn, &pcb, rev, None, None).await.unwrap();
        pcbs.push(sn);
    }
    let psu_sn = unique("PSU");
    p.create_unit(&psu_sn, &psu, "1", None, Some(phase::FINALIZED))
        .await
        .unwrap();
    let other_sn = unique("OTH");
    p.create_unit(&other_sn, &other, "1", None, None)
        .await
        .unwrap();

    let check = p.check_children(&parent, &boxp, None).await.unwrap();
    assert!(!check.is_complete);
    assert_eq!(check.missing_count, 3);

    let after = p.add_child(&parent, &boxp, &pcbs[0], &pcb).await.unwrap();
    assert_eq!(after.sub_units.as_ref().unwrap().len(), 1);
    p.add_child(&parent, &boxp, &pcbs[1], &pcb).await.unwrap();
    // Adding again is harmless.
    p.add_child(&parent, &boxp, &pcbs[1], &pcb).await.unwrap();
    bad_request(
        p.add_child(&parent, &boxp, &pcbs[2], &pcb).await,
        "takes 2 unit(s)",
    );
    bad_request(
        p.add_child(&parent, &boxp, &pcbs[3], &pcb).await,
        "Revision 'B'",
    );
    bad_request(
        p.add_child(&parent, &boxp, &other_sn, &other).await,
        "is not in the box build template",
    );
    // Internal, validated: the PSU must be Finalized (it is).
    p.add_child_validated(&parent, &boxp, &psu_sn, &psu, Some("1"), true)
        .await
        .unwrap();
    let check = p.validate_children(&parent, &boxp).await.unwrap();
    assert!(check.is_complete, "{check:?}");
    assert_eq!(check.child_units.len(), 3);
    let child = p.unit(&pcbs[0], &pcb).await.unwrap().unwrap();
    assert_eq!(child.parent_serial_number.as_deref(), Some(parent.as_str()));
    let changes = p.changes(Some(&pcbs[0]), None, None, None).await.unwrap();
    assert_eq!(
        changes.last().unwrap().new_parent_serial_number.as_deref(),
        Some(parent.as_str())
    );

    // A child already in another parent, and a unit built into its own child, are refused.
    let parent2 = unique("MAIN");
    p.create_unit(&parent2, &boxp, "A", None, None)
        .await
        .unwrap();
    bad_request(
        p.add_child(&parent2, &boxp, &pcbs[0], &pcb).await,
        "already a child unit",
    );
    let free_pcb = unique("PCB");
    p.create_unit(&free_pcb, &pcb, "A", None, None)
        .await
        .unwrap();
    bad_request(
        p.add_child_validated(&parent2, &boxp, &free_pcb, &pcb, None, true)
            .await,
        "must be in phase Finalized",
    );
    let (outer, inner) = (unique("O"), unique("I"));
    p.create_unit(&outer, &other, "1", None, None)
        .await
        .unwrap();
    p.create_unit(&inner, &other, "1", None, None)
        .await
        .unwrap();
    p.add_child(&outer, &other, &inner, &other).await.unwrap();
    bad_request(
        p.add_child(&inner, &other, &outer, &other).await,
        "cannot be built into itself",
    );
    bad_request(p.add_child(&outer, &other, &outer, &other).await, "itself");
    bad_request(
        p.add_child_validated(&parent2, &boxp, &free_pcb, &pcb, Some("B%"), false)
            .await,
        "not the expected 'B%'",
    );
    not_found(p.add_child(&parent2, &boxp, "NOPE", &pcb).await, "'NOPE'");

    // Hierarchy and contents.
    let h = p.unit_hierarchy(&parent, &boxp).await.unwrap().unwrap();
    assert_eq!(h.sub_units.as_ref().unwrap().len(), 3);
    let c = p
        .unit_contents(&parent, &boxp, Some("A"))
        .await
        .unwrap()
        .unwrap();
    let lines = c.children.unwrap();
    assert_eq!(lines.len(), 2);
    let pcb_line = lines
        .iter()
        .find(|l| l.part_number.as_deref() == Some(pcb.as_str()))
        .unwrap();
    assert_eq!(pcb_line.units.as_ref().unwrap().len(), 2);

    // Removing: one, then all; the history records both sides.
    bad_request(
        p.remove_child(&parent2, &boxp, &pcbs[0], &pcb).await,
        "is not a child unit",
    );
    let after = p
        .remove_child(&parent, &boxp, &pcbs[0], &pcb)
        .await
        .unwrap();
    assert_eq!(after.sub_units.unwrap().len(), 2);
    assert!(p
        .unit(&pcbs[0], &pcb)
        .await
        .unwrap()
        .unwrap()
        .parent_serial_number
        .is_none());
    let after = p.remove_all_children(&parent, &boxp).await.unwrap();
    assert!(after.sub_units.unwrap().is_empty());
    let kinds: Vec<String> = p
        .unit_state_history(&parent, &boxp)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.change_type)
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "ChildAdded").count(),
        3,
        "{kinds:?}"
    );
    assert_eq!(kinds.iter().filter(|k| *k == "ChildRemoved").count(), 3);
    // A parent without a template takes any child.
    p.add_child(&pcbs[2], &pcb, &other_sn, &other)
        .await
        .unwrap();
}

pub async fn concurrent_assembly_and_phases(s: &TestServer) {
    let w = client(s);
    let p = w.production();
    let pn = unique("CA");
    product(&w, &pn, &["1"]).await;
    let child = unique("CHILD");
    p.create_unit(&child, &pn, "1", None, None).await.unwrap();
    let mut parents = Vec::new();
    for _ in 0..8 {
        let sn = unique("PAR");
        p.create_unit(&sn, &pn, "1", None, None).await.unwrap();
        parents.push(sn);
    }
    // Eight parents race for one child: exactly one gets it.
    let mut tasks = Vec::new();
    for parent in parents.clone() {
        let w = client(s);
        let (pn, child) = (pn.clone(), child.clone());
        tasks.push(tokio::spawn(async move {
            w.production().add_child(&parent, &pn, &child, &pn).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(Error::Validation { message, .. }) => {
                assert!(message.contains("already a child unit"), "{message}")
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(won, 1);
    let with_child: usize = {
        let mut n = 0;
        for parent in &parents {
            n += p
                .unit(parent, &pn)
                .await
                .unwrap()
                .unwrap()
                .sub_units
                .unwrap()
                .len();
        }
        n
    };
    assert_eq!(with_child, 1);
    // Concurrent phase changes of one unit: every one is in the history, in some order.
    let phases = [2, 4, 8, 16, 32, 64, 128, 256];
    let mut tasks = Vec::new();
    for ph in phases {
        let w = client(s);
        let (pn, child) = (pn.clone(), child.clone());
        tasks.push(tokio::spawn(async move {
            w.production()
                .set_phase(&child, &pn, ph, None)
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let history = p.unit_state_history(&child, &pn).await.unwrap();
    let set: Vec<&_> = history
        .iter()
        .filter(|h| h.change_type == "Phase")
        .collect();
    assert_eq!(set.len(), 8);
    // Each change saw the phase the previous one left.
    for pair in set.windows(2) {
        assert_eq!(pair[1].old_unit_phase_id, pair[0].unit_phase_id);
    }
    let last = set.last().unwrap().unit_phase_id;
    assert_eq!(
        p.unit(&child, &pn).await.unwrap().unwrap().unit_phase_id,
        last
    );
}
