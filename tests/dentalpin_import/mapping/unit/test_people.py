"""Unit tests of the people mappers: centre, professional, user, client, patient and their links."""

import datetime as dt

import pytest

from clinics.models import Client, Clinic, MedicalAlert, Patient, Professional
from dentalpin_import.mapping.text import Cut
from tests import dpmf_builder as b
from tests.dentalpin_import.mapping.care_rows import care_clinic_rows

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> str:
    return (dt.date.today() - dt.timedelta(days=days)).isoformat()


# --- center ---------------------------------------------------------------------------------


def test_a_centre_links_to_the_clinic_the_operator_chose_whatever_its_name(harness, other_clinic):
    mapped = harness.map("center", b.row("center", 1, name=other_clinic.name, tax_id="B1"))
    assert mapped.row == harness.clinic and isinstance(mapped.row, Clinic)
    assert mapped.linked and mapped.notes == []


def test_the_first_centre_fills_only_the_clinics_blanks_and_every_centre_is_kept(harness):
    clinic = harness.clinic
    clinic.phone = "911111111"
    clinic.save()
    # The care file's two centres, as the command tests import them.
    centres = harness.map_all(
        "center", [r for r in care_clinic_rows() if r.entity_type == "center"]
    )
    notes = harness.finish("center", centres)
    clinic.refresh_from_db()
    assert clinic.name == "Clínica Alba"  # the file never renames the clinic
    assert (clinic.legal_name, clinic.tax_id, clinic.email) == (
        "Sol Dental SL",
        "B99999999",
        "info@sol.test",
    )
    assert clinic.address == "Calle Mayor 1, 28001, Madrid"
    assert clinic.phone == "911111111"  # the clinic's own value stays
    assert [n.code for n in notes] == ["center.kept_clinic_value", "center.several"]
    assert "911111111" in notes[0].message and "910000000" in notes[0].message
    assert clinic.centre_details[b.uid("center", 2)]["name"] == "Centro Luna"
    assert clinic.centre_details[b.uid("center", 1)]["city"] == "Madrid"


def test_a_centre_payload_with_nan_is_kept_with_the_value_empty_and_said(harness):
    # `json` reads NaN, Infinity and 1e400; no database's JSON column takes them.
    centre = b.row("center", 1, name="Centro", tax_id="B1", score=float("nan"))
    mapped = harness.map("center", centre, geo={"lat": float("inf")})
    assert {(k, w) for k, w, _ in mapped.record.problems} == {
        ("score", "not a number"),
        ("geo", "not a number"),
    }
    harness.finish("center", [mapped])
    details = Clinic.objects.get(pk=harness.clinic.pk).centre_details[b.uid("center", 1)]
    assert details == {"name": "Centro", "tax_id": "B1", "score": None, "geo": {"lat": None}}


def test_centre_values_too_long_for_the_clinic_are_cut_with_a_warning(harness):
    centre = b.row("center", 1, name="Centro", tax_id="B" * 50, legal_name="L" * 250, phone="6")
    notes = harness.finish("center", [harness.map("center", centre)])
    clinic = Clinic.objects.get(pk=harness.clinic.pk)
    assert (clinic.legal_name, clinic.tax_id) == ("L" * 199 + "…", "B" * 39 + "…")
    assert clinic.phone == "6"
    assert [(n.code, n.params) for n in notes] == [
        ("text.cut_to_length", {"field": "Clinic.legal_name"}),
        ("text.cut_to_length", {"field": "Clinic.tax_id"}),
    ]


# --- professional ---------------------------------------------------------------------------


def test_a_professional_keeps_names_contact_role_and_last_activity(harness):
    mapped = harness.map(
        "professional",
        b.professional(
            7,
            email="Ana.Ruiz@Clinic.TEST",
            code="D07",
            national_id="12345678Z",
            phone="600111222",
            last_activity_at=days_ago(30),
        ),
    )
    staff = mapped.row
    assert isinstance(staff, Professional) and staff.pk is None
    assert (staff.given_name, staff.family_name) == ("Prof7", "García")
    assert staff.email == "ana.ruiz@clinic.test"  # matched case-insensitively later
    assert (staff.role, staff.code, staff.national_id, staff.phone) == (
        "dentist",
        "D07",
        "12345678Z",
        "600111222",
    )
    assert staff.is_active and staff.user_id is None  # imported staff never get a login
    assert staff.last_activity_on == dt.date.today() - dt.timedelta(days=30)
    assert mapped.notes == []


@pytest.mark.parametrize(
    ("source_role", "role"),
    [
        ("doctor", "dentist"),
        ("Hygienist", "hygienist"),
        ("auxiliary", "assistant"),
        ("receptionist", "receptionist"),
        ("admin", "admin"),
        ("astronaut", "assistant"),
    ],
)
def test_a_professional_role_is_read_from_the_source_vocabulary(harness, source_role, role):
    recent = days_ago(10)
    mapped = harness.map(
        "professional", b.professional(1, role=source_role, last_activity_at=recent)
    )
    assert mapped.row.role == role


def test_a_professional_without_names_gets_placeholders(harness):
    mapped = harness.map(
        "professional",
        b.professional(1, given_name="", family_name="", last_activity_at=days_ago(1)),
    )
    assert (mapped.row.given_name, mapped.row.family_name) == ("Profesional", "—")


def test_a_long_professional_phone_is_cut_to_20_characters_with_a_note(harness):
    phone = "600 111 222 / 911 222 333"
    mapped = harness.map(
        "professional", b.professional(1, phone=phone, last_activity_at=days_ago(1))
    )
    assert mapped.row.phone == phone[:20]
    assert phone in mapped.note("professional.phone_truncated").message


@pytest.mark.parametrize(
    ("sid", "payload", "reason"),
    [
        (1, {"deactivated": True, "last_activity_at": days_ago(1)}, "inactive_in_source"),
        ("usuagd:3", {"last_activity_at": days_ago(900)}, "agenda_orphan"),
        ("usuagd:4", {"last_activity_at": None}, "no_activity_recorded"),
        (5, {"last_activity_at": days_ago(900)}, "no_recent_activity"),
    ],
)
def test_filtered_professionals_are_imported_inactive_as_assistants_with_the_reason(
    harness, sid, payload, reason
):
    mapped = harness.map("professional", b.professional(sid, **payload))
    assert not mapped.row.is_active and mapped.row.role == "assistant"
    assert mapped.codes == [f"professional.filtered.{reason}"]


def test_a_professional_without_recorded_activity_stays_active_when_not_an_agenda_orphan(harness):
    mapped = harness.map("professional", b.professional(1, last_activity_at=None))
    assert mapped.row.is_active and mapped.notes == []


def test_the_operators_options_turn_the_professional_filters_off_or_on(harness):
    harness.ctx.options.update(
        exclude_inactive_professionals=False,
        professional_min_activity_months=0,
        exclude_non_clinical=True,
    )
    kept = harness.map(
        "professional", b.professional(1, deactivated=True, last_activity_at="2001-01-01")
    )
    assert kept.row.is_active and kept.row.role == "dentist" and kept.notes == []
    clerk = harness.map("professional", b.professional(2, role="receptionist"))
    assert not clerk.row.is_active
    assert clerk.codes == ["professional.filtered.non_clinical_role"]


def test_a_professional_already_on_the_clinics_staff_is_linked_by_email(harness):
    known = harness.existing(Professional, given_name="Ana", email="ana@clinic.test", role="admin")
    mapped = harness.map(
        "professional", b.professional(1, email="ANA@clinic.test", last_activity_at=days_ago(1))
    )
    assert mapped.row == known and mapped.row.role == "admin"  # never rewritten


def test_two_professionals_with_one_email_in_a_chunk_become_one_staff_member(harness):
    recent = days_ago(1)
    first, second = harness.map_all(
        "professional",
        [
            b.professional(1, email="same@clinic.test", last_activity_at=recent),
            b.professional(2, email="same@clinic.test", last_activity_at=recent),
        ],
    )
    assert second.row is first.row and first.row.pk is None


# --- user -----------------------------------------------------------------------------------


def test_a_user_becomes_a_receptionist_active_unless_deactivated(harness):
    rosa = harness.map(
        "user", b.row("user", 1, given_name="Rosa", family_name="Pérez", email="R@x.test")
    )
    assert (rosa.row.given_name, rosa.row.family_name, rosa.row.email) == (
        "Rosa",
        "Pérez",
        "r@x.test",
    )
    assert rosa.row.role == "receptionist" and rosa.row.is_active
    gone = harness.map("user", b.row("user", 2, deactivated=True))
    assert not gone.row.is_active
    assert (gone.row.given_name, gone.row.family_name) == ("Usuario", "—")


def test_a_user_who_is_also_a_professional_keeps_the_professional_role(harness):
    dentist = harness.existing(
        Professional, given_name="Ana", email="ana@clinic.test", role="dentist"
    )
    mapped = harness.map("user", b.row("user", 1, email="ana@clinic.test"))
    assert mapped.row == dentist and mapped.row.role == "dentist"


# --- client ---------------------------------------------------------------------------------


def test_a_client_keeps_its_identity_and_contact(harness):
    mapped = harness.map(
        "client",
        b.client(
            3,
            legal_name="Seguros Norte SA",
            email="Pagos@Norte.TEST",
            mobile_phone="600999888",
            address_street="Calle Mayor 1",
            address_postal_code="28001",
            city="Madrid",
        ),
    )
    payer = mapped.row
    assert isinstance(payer, Client) and payer.pk is None
    assert (payer.kind, payer.given_name, payer.family_name) == ("person", "Cliente3", "Núñez")
    assert (payer.legal_name, payer.national_id) == ("Seguros Norte SA", "00000003Z")
    assert (payer.email, payer.phone) == ("pagos@norte.test", "600999888")  # mobile first
    assert (payer.address_street, payer.address_postal_code, payer.city) == (
        "Calle Mayor 1",
        "28001",
        "Madrid",
    )
    assert mapped.notes == []


def test_a_long_client_phone_is_cut_with_a_note_and_a_long_name_is_cut_for_the_runner(harness):
    mapped = harness.map("client", b.client(1, phone="9" * 25, legal_name="S" * 400))
    assert mapped.row.phone == "9" * 20 and mapped.codes == ["client.phone_truncated"]
    # Cut text is marked so the runner warns `text.cut_to_length` about it.
    assert isinstance(mapped.row.legal_name, Cut) and len(mapped.row.legal_name) == 300


# --- patient --------------------------------------------------------------------------------


def test_a_patient_keeps_names_identity_birth_date_and_sex(harness):
    mapped = harness.map("patient", b.patient(1, registered_at="2020-05-06T10:00:00"))
    patient = mapped.row
    assert isinstance(patient, Patient) and patient.pk is None
    assert (patient.given_name, patient.family_name) == ("Paciente1", "Ibáñez")
    assert (patient.national_id, patient.national_id_type) == ("00000001Z", "dni")
    assert (patient.date_of_birth, patient.sex) == (dt.date(1980, 2, 3), "female")
    assert patient.registered_on == dt.date(2020, 5, 6)
    assert not patient.is_archived and not patient.do_not_contact
    assert mapped.rows == [patient] and mapped.notes == []


@pytest.mark.parametrize(
    ("national_id", "kind"),
    [("x1234567l", "nie"), ("B-1234567-8", "cif"), ("AB123", "other"), ("", "")],
)
def test_a_patients_national_id_is_classified(harness, national_id, kind):
    mapped = harness.map("patient", b.patient(1, national_id=national_id))
    assert mapped.row.national_id == national_id.upper()
    assert mapped.row.national_id_type == kind


def test_a_patient_without_names_or_with_a_placeholder_birth_date_gets_blanks(harness):
    mapped = harness.map(
        "patient", b.patient(1, given_name="", family_name="", date_of_birth="1899-12-30", sex="x")
    )
    assert (mapped.row.given_name, mapped.row.family_name) == ("Sin nombre", "—")
    assert mapped.row.date_of_birth is None and mapped.row.sex == ""
    # The zero date is the reader's problem, reported by the runner, not a mapper note.
    assert [p[0] for p in mapped.record.problems] == ["date_of_birth"]


def test_a_patient_takes_the_contact_details_it_lacks_from_its_payer(harness):
    payer = harness.existing(
        Client,
        phone="600000001",
        email="family@x.test",
        address_street="Calle Luna 2",
        address_postal_code="41001",
        city="Sevilla",
    )
    harness.resolved("client", 9, payer.pk)
    mapped = harness.map("patient", b.patient(1, client_sid=9, email="own@x.test"))
    patient = mapped.row
    assert patient.email == "own@x.test"  # the patient's own value wins
    assert (patient.phone, patient.address_street, patient.address_postal_code, patient.city) == (
        "600000001",
        "Calle Luna 2",
        "41001",
        "Sevilla",
    )
    assert patient.billing_name == "" and patient.billing_tax_id == ""  # no id: not a third party


def test_a_payer_who_is_another_person_becomes_the_patients_billing_identity(harness):
    parent = harness.existing(
        Client, given_name="Luis", family_name="Ibáñez", national_id="11111111H"
    )
    harness.resolved("client", 9, parent.pk)
    child = harness.map("patient", b.patient(1, client_sid=9)).row
    assert (child.billing_name, child.billing_tax_id) == ("Luis Ibáñez", "11111111H")
    company = harness.existing(Client, legal_name="Seguros Norte SA", national_id="A00000001")
    harness.resolved("client", 10, company.pk)
    insured = harness.map("patient", b.patient(2, client_sid=10)).row
    assert (insured.billing_name, insured.billing_tax_id) == ("Seguros Norte SA", "A00000001")


def test_a_patient_who_pays_for_themself_gets_no_billing_identity(harness):
    same = harness.existing(Client, given_name="Paciente1", national_id="00000001Z")
    harness.resolved("client", 1, same.pk)
    patient = harness.map("patient", b.patient(1, client_sid=1)).row
    assert patient.billing_name == "" and patient.billing_tax_id == ""


def test_a_patient_whose_payer_was_not_imported_is_kept_without_its_details(harness):
    mapped = harness.map("patient", b.patient(1, client_sid=404))
    assert mapped.row.phone == "" and mapped.notes == []


def test_a_long_patient_phone_is_cut_with_a_note_and_kept_whole_in_the_notes(harness):
    phone = "+34 600 111 222 ext. 45"
    mapped = harness.map("patient", b.patient(1, phone=phone))
    assert mapped.row.phone == phone[:20]
    assert mapped.codes == ["patient.phone_truncated"]
    assert mapped.row.notes == f"Teléfono (origen): {phone}"


def test_chart_number_death_deactivation_and_consent_shape_the_patient(harness):
    mapped = harness.map(
        "patient",
        b.patient(
            1, notes="Prefiere tardes", patient_number="H-77", deceased=True, sms_consent=False
        ),
    )
    patient = mapped.row
    assert patient.chart_number == "H-77"
    assert patient.notes == "Prefiere tardes\nNº historia (origen): H-77\nExitus"
    assert patient.is_archived and patient.do_not_contact
    left = harness.map("patient", b.patient(2, deactivated_at="2024-01-01", gdpr_consent=True))
    assert left.row.is_archived and not left.row.do_not_contact


def test_medical_lines_of_a_patients_notes_also_become_alerts_on_that_patient(harness):
    notes = "ALERGIA: LÁTEX\nPrefiere mañanas\nToma Sintrom 4 mg"
    patient, *alerts = harness.map("patient", b.patient(1, notes=notes)).rows
    assert patient.notes == notes  # kept whole
    assert all(isinstance(a, MedicalAlert) for a in alerts)
    assert [(a.kind, a.text, a.flagged) for a in alerts] == [
        ("allergy", "ALERGIA: LÁTEX", False),
        ("anticoagulant", "Toma Sintrom 4 mg", True),
    ]
    # Tied to the unsaved patient: the insert gives them its id.
    assert all(a.patient is patient for a in alerts)


# --- patient_client_link --------------------------------------------------------------------


def test_a_link_joins_the_resolved_patient_and_client(harness):
    harness.resolved("patient", 1, 501)
    harness.resolved("client", 2, 602)
    mapped = harness.map(
        "patient_client_link",
        b.link(1, 1, 2),
        relationship="parent",
        valid_from="2020-01-01",
        valid_to="2030-12-31",
        is_default=True,
    )
    link = mapped.row
    assert (link.patient_id, link.client_id) == (501, 602)
    assert (link.relationship, link.valid_from, link.valid_to, link.is_default) == (
        "parent",
        dt.date(2020, 1, 1),
        dt.date(2030, 12, 31),
        True,
    )


@pytest.mark.parametrize(
    ("patient_uuid", "client_uuid", "code"),
    [
        (None, b.uid("client", 2), "patient_client_link.no_patient"),
        (b.uid("patient", 404), b.uid("client", 2), "patient_client_link.unmapped_patient"),
        (b.uid("patient", 1), None, "patient_client_link.no_client"),
        (b.uid("patient", 1), b.uid("client", 404), "patient_client_link.unmapped_client"),
    ],
)
def test_a_link_missing_either_side_is_refused_with_a_warning(
    harness, patient_uuid, client_uuid, code
):
    harness.resolved("patient", 1, 501)
    harness.resolved("client", 2, 602)
    mapped = harness.map("patient_client_link", patient_uuid=patient_uuid, client_uuid=client_uuid)
    assert mapped.refused == code


def test_a_payer_linked_to_several_patients_is_reported_after_the_links(harness):
    payer = harness.existing(Client, given_name="Madre")
    harness.resolved("client", 1, payer.pk)
    for n in (1, 2):
        harness.resolved("patient", n, harness.existing(Patient, given_name=f"Hijo{n}").pk)
    links = harness.map_all("patient_client_link", [b.link(1, 1, 1), b.link(2, 2, 1)])
    for link in links:
        link.row.save()  # as the runner inserts them before the second pass
    (note,) = harness.finish("patient_client_link", links)
    assert note.code == "patient_client_link.ambiguous_payer"
    assert note.message == f"client #{payer.pk} pays for 2 patients"
