"""Each indicator: a case that makes it fire (with its evidence) and one that must not."""

from __future__ import annotations

from minilake import ADULT_DOB, CHILD_DOB, MiniLake, day

from safeguarding.assess import places
from safeguarding.assess.scoring import load_scoring


def _episodes(lake: MiniLake, child: str, days: list[float], **values: object) -> None:
    for i, d in enumerate(days):
        lake.missing(f"E-{child}-{i}", child, day(d), **values)


def test_missing_from_care_fires_for_a_childrens_home_and_not_from_home() -> None:
    lake = MiniLake()
    lake.person("C1"), lake.person("C2")
    lake.missing("E1", "C1", day(0), missing_from_type="childrens_home")
    lake.missing("E2", "C2", day(0), missing_from_type="home")
    lake.assess()
    assert lake.fired("missing_from_care") == {"P-C1"} and lake.evidence("missing_from_care") == {"E1"}


def test_found_out_of_area_fires_outside_dorset_only() -> None:
    lake = MiniLake()
    lake.person("C1"), lake.person("C2")
    lake.missing("E1", "C1", day(0), found_postcode="SO14")
    lake.missing("E2", "C2", day(0), found_postcode="BH1 3PX")
    lake.assess()
    assert lake.fired("found_out_of_area") == {"P-C1"}


def test_missing_with_children_and_with_adults() -> None:
    lake = MiniLake()
    for ref in ("C1", "C2", "C3"):
        lake.person(ref)
    lake.person("A1", dob=ADULT_DOB)
    lake.missing("E1", "C1", day(0))
    lake.on("missing_episodes", "E1", "C2", "associate")
    lake.missing("E2", "C3", day(0))
    lake.on("missing_episodes", "E2", "A1", "associate")
    lake.assess()
    assert lake.fired("missing_with_children") == {"P-C1"}
    assert lake.fired("missing_with_adult") == {"P-C3"}


def test_peer_group_needs_two_joint_episodes_of_three_children() -> None:
    lake = MiniLake()
    kids = ["C1", "C2", "C3"]
    for k in kids:
        lake.person(k)
    for n, d in enumerate((0, 30)):
        for k in kids:
            lake.missing(f"E{n}{k}", k, day(d))
            for other in kids:
                if other != k:
                    lake.on("missing_episodes", f"E{n}{k}", other, "associate")
    lake.assess()
    assert lake.fired("peer_group_missing") == {"P-C1", "P-C2", "P-C3"}
    once = MiniLake()  # a sleepover: one joint episode
    for k in kids:
        once.person(k)
        once.missing(f"E{k}", k, day(0))
        for other in kids:
            if other != k:
                once.on("missing_episodes", f"E{k}", other, "associate")
    once.assess()
    assert once.fired("peer_group_missing") == set()


def test_found_at_a_hotel_fires_and_a_friends_house_does_not() -> None:
    lake = MiniLake()
    lake.person("C1"), lake.person("C2")
    lake.add("locations", location_ref="H1", place_type="hotel")
    lake.add("locations", location_ref="F1", place_type="home")
    lake.missing("E1", "C1", day(0), found_location_ref="H1")
    lake.missing("E2", "C2", day(0), found_location_ref="F1")
    lake.assess()
    assert lake.fired("found_at_place_of_concern") == {"P-C1"}


def test_association_with_a_sexual_offence_suspect_and_not_with_a_thief() -> None:
    lake = MiniLake()
    lake.person("C1"), lake.person("C2")
    lake.person("A1", dob=ADULT_DOB), lake.person("A2", dob=ADULT_DOB)
    lake.add("crimes", crime_ref="X1", offence_group="sexual", recorded_at=day(0))
    lake.on("crimes", "X1", "A1", "suspect")
    lake.add("crimes", crime_ref="X2", offence_group="theft", recorded_at=day(0))
    lake.on("crimes", "X2", "A2", "suspect")
    for ref, child, adult in (("N1", "C1", "A1"), ("N2", "C2", "A2")):  # each child seen with one adult
        lake.add("incidents", incident_ref=ref, occurred_at=day(10))
        lake.on("incidents", ref, child, "subject"), lake.on("incidents", ref, adult, "associate")
    lake.assess()
    assert lake.fired("associated_sexual_adult") == {"P-C1"}
    assert {"X1", "N1"} <= lake.evidence("associated_sexual_adult")


def test_association_leaves_out_the_childs_own_household() -> None:
    lake = MiniLake()
    lake.person("C1", address_ref="HOME1"), lake.person("A1", dob=ADULT_DOB, address_ref="HOME1")
    lake.add("crimes", crime_ref="X1", offence_group="sexual", recorded_at=day(0))
    lake.on("crimes", "X1", "A1", "suspect")
    lake.add("ppns", ppn_ref="PPN1", subject_person_ref="C1", submitted_at=day(5), grade="amber")
    lake.on("ppns", "PPN1", "C1", "subject"), lake.on("ppns", "PPN1", "A1", "household_member")
    lake.assess()
    assert lake.fired("associated_sexual_adult") == set()


def test_the_crime_that_marks_an_adult_is_not_also_a_link_to_its_victim() -> None:
    lake = MiniLake()
    lake.person("C1"), lake.person("A1", dob=ADULT_DOB)
    for ref, d in (("X0", -100), ("X1", 0)):  # A1 was a suspect before; C1 is the victim of the second crime
        lake.add("crimes", crime_ref=ref, offence_group="sexual", recorded_at=day(d))
        lake.on("crimes", ref, "A1", "suspect")
    lake.on("crimes", "X1", "C1", "victim")
    lake.assess()
    assert lake.fired("child_sexual_offence_victim") == {"P-C1"}
    assert lake.fired("associated_sexual_adult") == set()


def test_uncorroborated_intelligence_does_not_mark_an_adult() -> None:
    lake = MiniLake()
    lake.person("C1", phone="07700 900001"), lake.person("C2", phone="07700 900002")
    lake.person("A1", dob=ADULT_DOB, phone="07700900001"), lake.person("A2", dob=ADULT_DOB, phone="07700900002")
    text = "{} has been seen with young teenage girls at the park; they arrive in a car and leave with him."
    for ref, adult, grade in (("I1", "A1", "B"), ("I2", "A2", "C")):
        lake.add("intelligence_logs", intel_ref=ref, recorded_at=day(0), source_evaluation="2",
                 intelligence_assessment=grade, handling_code="P", text=text.format(adult))  # fmt: skip
        lake.on("intelligence_logs", ref, adult, "subject")
    lake.assess()
    assert lake.fired("associated_sexual_adult") == {"P-C1"}


def test_association_with_a_drug_supplier_through_a_shared_phone() -> None:
    lake = MiniLake()
    lake.person("C1", phone="07700 900001"), lake.person("C2", phone="07700 900002")
    lake.person("A1", dob=ADULT_DOB, phone="07700900001")
    lake.add("crimes", crime_ref="X1", offence_group="drugs_supply", recorded_at=day(0))
    lake.on("crimes", "X1", "A1", "suspect")
    lake.assess()
    assert lake.fired("associated_violent_or_drug_adult") == {"P-C1"}


def test_rso_contact_on_a_record_but_not_by_living_at_the_address() -> None:
    lake = MiniLake()
    lake.person("C1"), lake.person("C2", address_ref="H9")
    lake.person("R1", dob=ADULT_DOB, address_ref="H9")
    lake.add("offenders", offender_ref="O1", person_ref="R1", registered_on=day(-400).date())
    lake.add("intelligence_logs", intel_ref="I1", recorded_at=day(0), source_evaluation="2",
             intelligence_assessment="B", handling_code="P")  # fmt: skip
    lake.on("intelligence_logs", "I1", "R1", "subject")
    lake.on("intelligence_logs", "I1", "C1", "associate")
    # C2 lives with the offender and is on a record with him: a household matter, not new contact.
    lake.add("incidents", incident_ref="N1", occurred_at=day(3), location_ref="H9", category="domestic_abuse")
    lake.on("incidents", "N1", "R1", "suspect"), lake.on("incidents", "N1", "C2", "household_member")
    lake.assess()
    assert lake.fired("rso_contact") == {"P-C1"}
    assert {a["reason"] for a in lake.alerts() if a["subject_id"] == "P-C1"} >= {"rule:rso_contact"}


def test_rso_household_adds_weight_without_an_alert() -> None:
    lake = MiniLake()
    lake.person("C1", address_ref="H9"), lake.person("C2", address_ref="H8")
    lake.person("R1", dob=ADULT_DOB, address_ref="H9"), lake.person("A1", dob=ADULT_DOB, address_ref="H8")
    lake.add("offenders", offender_ref="O1", person_ref="R1", registered_on=day(-400).date())
    lake.assess()
    assert lake.fired("rso_household") == {"P-C1"} and "O1" in lake.evidence("rso_household")
    assert lake.alerts() == []


def test_near_flagged_adult_two_steps_away_through_another_child() -> None:
    lake = MiniLake()
    lake.person("C1"), lake.person("C2"), lake.person("C3")
    lake.person("A1", dob=ADULT_DOB), lake.person("M1", dob=ADULT_DOB)
    lake.add("crimes", crime_ref="X1", offence_group="sexual", recorded_at=day(0))
    lake.on("crimes", "X1", "A1", "suspect")
    lake.on("crimes", "X1", "C2", "witness")
    lake.on("crimes", "X1", "M1", "witness")
    lake.add("incidents", incident_ref="N1", occurred_at=day(5))
    lake.on("incidents", "N1", "C2", "subject")
    lake.on("incidents", "N1", "C1", "subject")
    lake.add("incidents", incident_ref="N2", occurred_at=day(5))  # C3 is two steps away through an adult
    lake.on("incidents", "N2", "M1", "subject")
    lake.on("incidents", "N2", "C3", "subject")
    lake.assess()
    assert lake.fired("near_flagged_adult") == {"P-C1"}


def test_child_sexual_offence_victim_and_not_a_theft_victim() -> None:
    lake = MiniLake()
    lake.person("C1"), lake.person("C2")
    lake.add("crimes", crime_ref="X1", offence_group="sexual", recorded_at=day(0))
    lake.on("crimes", "X1", "C1", "victim")
    lake.add("crimes", crime_ref="X2", offence_group="theft", recorded_at=day(0))
    lake.on("crimes", "X2", "C2", "victim")
    lake.assess()
    assert lake.fired("child_sexual_offence_victim") == {"P-C1"}


def test_child_drug_supply_but_not_possession() -> None:
    lake = MiniLake()
    lake.person("C1"), lake.person("C2")
    for ref, child, offence in (("K1", "C1", "Possession with intent to supply a class A drug"),
                                ("K2", "C2", "Possession of a class A drug")):  # fmt: skip
        lake.add("custody_detentions", custody_ref=ref, person_ref=child, arrived_at=day(0), offence=offence)
        lake.on("custody_detentions", ref, child, "detainee")
    lake.assess()
    assert lake.fired("child_drug_supply") == {"P-C1"}


def test_repeat_domestic_abuse_needs_three_incidents_in_a_year() -> None:
    lake = MiniLake()
    lake.person("C1", address_ref="H1"), lake.person("C2", address_ref="H2")
    for i, d in enumerate((0, 100, 200)):
        lake.add("incidents", incident_ref=f"D{i}", occurred_at=day(d), location_ref="H1", category="domestic_abuse")
    for i, d in enumerate((0, 200, 400)):
        lake.add("incidents", incident_ref=f"F{i}", occurred_at=day(d), location_ref="H2", category="domestic_abuse")
    lake.assess()
    assert lake.fired("repeat_domestic_abuse") == {"P-C1"}


def test_three_green_ppns_in_three_months_escalate() -> None:
    lake = MiniLake()
    lake.person("C1"), lake.person("C2")
    for child, days in (("C1", (0, 30, 60)), ("C2", (0, 30, 120))):
        for i, d in enumerate(days):
            ref = f"PPN-{child}-{i}"
            lake.add("ppns", ppn_ref=ref, subject_person_ref=child, submitted_at=day(d), grade="green")
            lake.on("ppns", ref, child, "subject")
    lake.assess()
    assert lake.fired("green_ppn_escalation") == {"P-C1"}


def test_online_suspect_with_access_to_a_child_at_his_address() -> None:
    lake = MiniLake()
    lake.person("C1", address_ref="H1"), lake.person("C2", address_ref="H2")
    lake.person("S1", dob=ADULT_DOB, address_ref="H1"), lake.person("S2", dob=ADULT_DOB, address_ref="H2")
    lake.add("online_referrals", referral_ref="R1", received_at=day(0), suspect_person_ref="S1",
             access_partner_children=True)  # fmt: skip
    lake.on("online_referrals", "R1", "S1", "suspect")
    lake.add("online_referrals", referral_ref="R2", received_at=day(0), suspect_person_ref="S2",
             access_partner_children=False)  # fmt: skip
    lake.on("online_referrals", "R2", "S2", "suspect")
    lake.assess()
    assert lake.fired("online_suspect_access") == {"P-C1"}


def test_risk_phrases_fire_and_negated_ones_do_not() -> None:
    lake = MiniLake()
    for ref in ("C1", "C2", "C3", "C4"):
        lake.person(ref)
    lake.missing("E1", "C1", day(0), narrative="Found at 2am. Was found in a car with older males.")
    lake.missing("E2", "C2", day(0), narrative="Returned home. No concerns of CSE. Denies being with older males.")
    lake.missing("E3", "C3", day(0), narrative="Located in Bristol. Had unexplained cash (about £400).")
    lake.missing("E4", "C4", day(0), narrative="No signs of drug use; no unexplained cash.")
    lake.assess()
    assert lake.fired("cse_phrases") == {"P-C1"}
    assert lake.fired("cce_phrases") == {"P-C3"}


def test_victim_blaming_is_flagged_but_never_counted_as_risk() -> None:
    lake = MiniLake()
    lake.person("C1"), lake.person("C2")
    lake.missing("E1", "C1", day(0), narrative="Jo is missing through choice and putting themselves at risk.")
    lake.missing("E2", "C2", day(0), narrative="Jo left after an argument.")
    lake.assess()
    assert lake.fired("victim_blaming_language") == {"P-C1"}
    rows = lake.con.execute("SELECT count(*) FROM scores WHERE person_id = 'P-C1'").fetchall()
    assert rows[0][0] == 0 and lake.alerts() == []


def _detained(lake: MiniLake, ref: str, person: str, d: float, **values: object) -> None:
    lake.add("custody_detentions", source_system="custody", custody_ref=ref, person_ref=person, arrived_at=day(d),
             location_ref="SUITE1", **values)  # fmt: skip


def _detainee(lake: MiniLake, ref: str, dob: object = CHILD_DOB, person_id: str | None = None) -> str:
    """A custody-system mention (the custody record names its detainee by ``person_ref`` alone), resolved to
    ``person_id`` (another mention's person) or to a person of its own."""
    lake.add("persons", source_system="custody", person_ref=ref, surname="Test", forenames=ref, date_of_birth=dob)
    pid = person_id or f"P-{ref}"
    lake.people.append({"source_system": "custody", "person_ref": ref, "person_id": pid, "dob": dob})
    return pid


def test_detained_after_going_missing_within_90_days_and_not_before_or_long_after() -> None:
    lake = MiniLake()
    for ref in ("C1", "C2", "C3"):
        _detainee(lake, ref, person_id=lake.person(ref))  # the missing-person mention and the detainee are one child
    lake.missing("E1", "C1", day(0)), _detained(lake, "K1", "C1", 30)
    lake.missing("E2", "C2", day(0)), _detained(lake, "K2", "C2", 120)  # too long after
    _detained(lake, "K3", "C3", 0), lake.missing("E3", "C3", day(10))  # detained before going missing
    lake.assess()
    assert lake.fired("custody_after_missing") == {"P-C1"}
    assert lake.evidence("custody_after_missing") == {"K1", "E1"}


def test_repeat_detention_needs_two_within_90_days() -> None:
    lake = MiniLake()
    _detainee(lake, "C1"), _detainee(lake, "C2")
    _detained(lake, "K1", "C1", 0), _detained(lake, "K2", "C1", 40)
    _detained(lake, "K3", "C2", 0), _detained(lake, "K4", "C2", 100)
    lake.assess()
    assert lake.fired("repeat_custody") == {"P-C1"} and lake.evidence("repeat_custody") == {"K1", "K2"}


def test_held_after_bail_refused_unless_transferred_or_bailed() -> None:
    lake = MiniLake()
    for ref in ("C1", "C2", "C3"):
        _detainee(lake, ref)
    charged = {"charged_at": day(0.3), "transfer_requested_at": day(0.35)}
    _detained(lake, "K1", "C1", 0, bail_refused=True, transfer_certificate_reason="No bed", **charged)
    _detained(lake, "K2", "C2", 0, bail_refused=True, transferred_at=day(0.5), **charged)
    _detained(lake, "K3", "C3", 0, bail_refused=False, charged_at=day(0.3))
    lake.assess()
    assert lake.fired("held_after_bail_refused") == {"P-C1"}


def test_custody_rules_count_children_by_age_or_appearance_and_never_adults() -> None:
    lake = MiniLake()
    _detainee(lake, "A1", dob=ADULT_DOB), _detainee(lake, "U1", dob=None), _detainee(lake, "U2", dob=None)
    for n, ref in enumerate(("A1", "U1", "U2")):
        under_18 = ref != "U2"  # the adult "appears under 18" by mistake: the date of birth wins
        for k, d in enumerate((0, 20)):
            _detained(lake, f"K{n}{k}", ref, d, appears_under_18=under_18)
    lake.assess()
    assert lake.fired("repeat_custody") == {"P-U1"}


def test_detained_after_missing_and_again_raises_a_custody_alert_and_the_suite_is_no_place_of_concern() -> None:
    lake = MiniLake()
    lake.add("locations", location_ref="SUITE1", place_type="custody_suite", latitude=50.742, longitude=-1.87)
    _detainee(lake, "C1", person_id=lake.person("C1"))
    lake.missing("E1", "C1", day(0))
    _detained(lake, "K1", "C1", 10), _detained(lake, "K2", "C1", 30)
    lake.assess()
    assert lake.fired("custody_after_missing") == {"P-C1"} and lake.fired("repeat_custody") == {"P-C1"}
    assert {a["reason"] for a in lake.alerts() if a["subject_id"] == "P-C1"} == {"score:custody"}
    places.build(lake.con, load_scoring(), day(31))  # the suite names both detentions, which prove indicators
    assert lake.con.execute("SELECT count(*) FROM place_events").fetchall() == [(0,)]
