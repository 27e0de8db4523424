"""A realistic, deterministic sample clinic as a DPMF file (every v0.1 type of FORMAT.md §8).

Rows are produced as a stream so 10,000-patient files stay in bounded memory;
the totals an importer must reproduce are accumulated while generating.
"""

from __future__ import annotations

import hashlib
import json
import random
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from dentalpin_import.sample import people
from dentalpin_import.sample.writer import (
    EntityRow,
    FileRow,
    WarningRow,
    canonical_uuid,
    write_dpmf,
)

SYSTEM = "gesden"
LABEL = {"tenant_label": "fake-clinic"}
CENT = Decimal("0.01")


def id_prefix(seed: int) -> str:
    """What every source id of a seed's clinic starts with: nothing for seed 1.

    Two seeds are two practices, so they never share a canonical id (a uuid5 of
    the source id): `7-15` is patient 15 of seed 7, never patient 15 of seed 1.
    """
    if seed < 1:
        raise ValueError("the seed must be a positive whole number")
    return "" if seed == 1 else f"{seed}-"


@dataclass
class SampleTotals:
    """What an importer must reproduce to the cent (receipts, refunds, invoices, debts)."""

    patients: int = 0
    payments_total: Decimal = Decimal("0.00")
    refunds_total: Decimal = Decimal("0.00")
    invoices_total: Decimal = Decimal("0.00")
    debts_total: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class SampleResult:
    path: str
    layer: str
    integrity_hash: str
    counts: dict[str, int]
    binaries_dir: str | None
    binaries: int
    expected: SampleTotals


@dataclass
class _State:
    rng: random.Random
    patients: int
    awkward: bool
    totals: SampleTotals = field(default_factory=SampleTotals)
    files: list[FileRow] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)
    professionals: list[str] = field(default_factory=list)
    prefix: str = ""

    def sid(self, source_id) -> str:
        return f"{self.prefix}{source_id}"

    def uid(self, entity_type: str, source_id) -> str:
        return canonical_uuid(SYSTEM, entity_type, self.sid(source_id))

    def row(self, entity_type: str, source_id, payload: dict, raw: dict | None = None) -> EntityRow:
        return EntityRow(entity_type, self.sid(source_id), {**payload, **LABEL}, raw or {})

    def raw_id(self, source_id):
        """A Gesdén id as the raw record holds it: a number, or the prefixed text."""
        return source_id if not self.prefix else self.sid(source_id)


def png_bytes(seed: int) -> bytes:
    """A valid 2x2 PNG whose pixels depend on `seed` (so each file has its own sha256)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    pixels = bytes((seed >> s) & 0xFF for s in (0, 8, 16)) * 2
    raw = b"\x00" + pixels + b"\x00" + pixels
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def pdf_bytes(seed: int) -> bytes:
    body = f"BT /F1 12 Tf 72 720 Td (Consentimiento {seed}) Tj ET".encode()
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj\n"
        + f"4 0 obj<</Length {len(body)}>>stream\n".encode()
        + body
        + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def masters(st: _State) -> Iterator[EntityRow]:
    rng = st.rng
    yield st.row(
        "center",
        1,
        {
            "name": "Clínica Dental Sol",
            "legal_name": "Sol Dental SL",
            "tax_id": "B12345678",
            "address": "Calle Mayor 1, Madrid",
            "phone": "910000000",
            "email": "info@clinicasol.test",
        },
    )
    n_prof = max(3, st.patients // 150)
    roles = ["dentist", "doctor", "hygienist", "assistant", "receptionist", "other"]
    for i in range(1, n_prof + 1):
        given, family = rng.choice(people.GIVEN), rng.choice(people.FAMILY)
        email = "" if i == 3 else f"prof{i}@clinicasol.test"
        yield st.row(
            "professional",
            i,
            {
                "given_name": given,
                "family_name": family,
                "email": email,
                "role": roles[(i - 1) % len(roles)] if i > 2 else "dentist",
                "deactivated": i == 2 and n_prof > 3,
                "last_activity_at": f"2026-04-0{1 + i % 8}",
                "code": f"D{i:03d}",
                "national_id": f"{rng.randrange(10**7, 10**8)}T",
                "phone": f"6{rng.randrange(10**7, 10**8)}",
            },
        )
        st.professionals.append(st.uid("professional", i))
    yield st.row(
        "professional",
        "usuagd:7",
        {"given_name": "Agenda", "family_name": "Gabinete 2", "role": "other"},
    )
    yield st.row(
        "user",
        1,
        {
            "given_name": "Rosa",
            "family_name": "Pérez",
            "login": "rosa",
            "email": "rosa@clinicasol.test",
        },
    )
    yield st.row(
        "user",
        2,
        {
            "given_name": "Prof",
            "family_name": "Uno",
            "login": "p1",
            "email": "prof1@clinicasol.test",
        },
    )
    chairs = [
        "Gabinete 1",
        "Gabinete 2",
        "",
        "Gabinete de cirugía maxilofacial e implantología avanzada",
    ]
    for i, name in enumerate(chairs, 1):
        yield st.row("catalog_item", f"chair-{i}", {"kind": "chair", "name": name, "code": f"G{i}"})
    for kind, names in (
        ("payment_method", ["Efectivo", "Tarjeta", "Transferencia"]),
        ("country", ["España", "Portugal"]),
        ("specialty", ["Ortodoncia"]),
        ("recall_reason", ["Revisión anual"]),
        ("recall_result", ["Citado"]),
    ):
        for i, name in enumerate(names, 1):
            yield st.row(
                "catalog_item", f"{kind}-{i}", {"kind": kind, "name": name, "code": str(i)}
            )
    for i, (short, desc, tipo, price) in enumerate(people.TREATMENTS, 1):
        key = "IdTipoODG" if i % 2 else "IdTipoOdg"
        yield st.row(
            "treatment_catalog_item",
            i,
            {
                "short_name": short,
                "description": desc,
                "code": f"T{i:03d}",
                "reference_price": price,
                "vat_percent": "21" if short in ("BLANQ", "CARILLA") else "0",
                "duration_minutes": 30,
                "deactivated": False,
            },
            {key: tipo, "Codigo": f"T{i:03d}"},
        )
        yield st.row(
            "treatment_catalog_variant",
            i,
            {
                "treatment_uuid": st.uid("treatment_catalog_item", i),
                "tariff_code": "GEN",
                "code": f"T{i:03d}-GEN",
                "unit_price": price,
            },
        )
        yield st.row(
            "treatment_phase_template",
            i,
            {
                "treatment_uuid": st.uid("treatment_catalog_item", i),
                "phase_number": 1,
                "description": f"{desc}: fase única",
                "percent_to_bill": "100",
            },
        )


def schedules(st: _State) -> Iterator[EntityRow]:
    for p, prof in enumerate(st.professionals, 1):
        yield st.row(
            "work_calendar",
            p,
            {
                "professional_uuid": prof,
                "center_uuid": st.uid("center", 1),
                "name": f"Horario {p}",
                "valid_from": "2024-01-01",
            },
        )
        for day in range(1, 6):
            key = f"{p}-{day}"
            yield st.row(
                "work_calendar_day",
                key,
                {
                    "calendar_uuid": st.uid("work_calendar", p),
                    "weekday": day,
                    "is_working_day": True,
                },
            )
            yield st.row(
                "work_calendar_shift",
                key,
                {
                    "calendar_day_uuid": st.uid("work_calendar_day", key),
                    "start_time": "09:00:00",
                    "end_time": "14:00:00",
                    "chair_uuid": st.uid("catalog_item", "chair-1"),
                },
            )


def refund_id(st: _State, n: int) -> str:
    """A refund's source id whose canonical id sorts before its payment's (second pass)."""
    payment = st.uid("payment", n)
    candidates = (f"r{n}-{k}" for k in range(10_000))
    # A payment id very near the bottom of the order may have none: it then sorts after.
    return next((c for c in candidates if st.uid("payment", c) < payment), f"r{n}")


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def patient_rows(st: _State, n: int, family_head: int) -> Iterator[EntityRow]:
    """Everything about patient `n` (client, links, visits, treatments, money, papers)."""
    rng, awk = st.rng, st.awkward and n <= 12
    given, family = (
        rng.choice(people.GIVEN),
        f"{rng.choice(people.FAMILY)} {rng.choice(people.FAMILY)}",
    )
    city, postal = rng.choice(people.CITIES)
    own_client = n == family_head
    client_sid = family_head
    if own_client:
        yield st.row(
            "client",
            n,
            {
                "kind": "person",
                "given_name": given,
                "family_name": family,
                "national_id": f"{n:08d}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}",
                "email": f"cliente{n}@correo.test",
                "mobile_phone": f"6{n:08d}",
                "address_street": f"{rng.choice(people.STREETS)} {n}",
                "address_postal_code": f"{postal}{n % 100:02d}",
                "city": city,
            },
        )
    national = f"{n:08d}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"
    payload = {
        "given_name": given,
        "family_name": family,
        "national_id": national,
        "date_of_birth": f"{rng.randrange(1940, 2018)}-{rng.randrange(1, 13):02d}-"
        f"{rng.randrange(1, 29):02d}",
        "sex": rng.choice(["male", "female", "female", "other", "unknown"]),
        "patient_number": str(1000 + n),
        "registered_at": f"20{rng.randrange(5, 25):02d}-01-15",
        "deceased": n % 97 == 0,
        "gdpr_consent": n % 31 != 0,
        "sms_consent": True,
        "mobile_phone": f"7{n:08d}" if n % 3 else "",
        "email": f"paciente{n}@correo.test",
        "notes": rng.choice(people.PATIENT_NOTES),
    }
    if awk and n == 1:
        payload["given_name"] = ""
    if awk and n == 2:
        payload["date_of_birth"] = "1899-12-30"
    if awk and n == 3:
        payload["mobile_phone"] = "600 123 456 (solo tardes, preguntar por Ana)"
    if awk and n == 4:
        payload["notes"] = ('Historia larga | con "comillas" y emoji 🦷. ' * 400).strip()
    if awk and n == 5:
        payload["national_id"] = f"{4:08d}{'TRWAGMYFPDXBNJZSQVHLCKE'[4 % 23]}"  # shared with 4
    yield st.row(
        "patient", n, payload, {"IdPac": st.raw_id(n), "IdCliDefec": st.raw_id(client_sid)}
    )
    st.totals.patients += 1
    yield st.row(
        "patient_client_link",
        n,
        {
            "patient_uuid": st.uid("patient", n),
            "client_uuid": st.uid("client", client_sid),
            "valid_from": "2020-01-01",
        },
    )
    yield from clinical_rows(st, n, client_sid)
    yield from money_rows(st, n, client_sid, own_client)


def clinical_rows(st: _State, n: int, client_sid: int) -> Iterator[EntityRow]:
    rng = st.rng
    pat = st.uid("patient", n)
    for a in range(3):
        key = f"{n}-{a}"
        yield st.row(
            "appointment",
            key,
            {
                "patient_uuid": pat,
                "professional_uuid": rng.choice(st.professionals),
                "scheduled_date": f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                "scheduled_time": f"{rng.randrange(9, 20):02d}:{rng.choice(['00', '30'])}:00",
                "duration_minutes": rng.choice([15, 30, 45, 60]),
                "coarse_status": rng.choice(
                    ["scheduled", "confirmed", "attended", "no_show", "cancelled", "unknown"]
                ),
                "chair_uuid": st.uid("catalog_item", f"chair-{1 + a % 2}"),
                "notes": "Traer radiografía" if a == 1 else "",
                "recurrence_uuid": st.uid("appointment_recurrence", 1)
                if n == 1 and a == 0
                else None,
            },
        )
    yield st.row(
        "budget",
        n,
        {
            "patient_uuid": pat,
            "professional_uuid": st.professionals[0],
            "elaborated_by_user_uuid": st.uid("user", 1),
            "number": 1,
            "title": "Plan de tratamiento",
            "quote_date": "2025-09-01",
            "accepted_date": "2025-09-10" if n % 2 else None,
            "rejected_date": "2025-09-12" if n % 13 == 0 else None,
            "rejection_observations": "Prefiere pensarlo" if n % 13 == 0 else "",
            "notes": "Financiación en 3 meses" if n % 4 == 0 else "",
            "status_code": 2,
        },
    )
    first_teeth: list[int] = []
    for t in range(4):
        key = f"{n}-{t}"
        item = 1 + (n + t) % len(people.TREATMENTS)
        _, desc, tipo, price = people.TREATMENTS[item - 1]
        teeth = [] if t == 3 else [rng.choice([11, 16, 26, 36, 46, 21, 55])]
        first_teeth = first_teeth or teeth
        yield st.row(
            "budget_line",
            key,
            {
                "budget_uuid": st.uid("budget", n),
                "treatment_uuid": st.uid("treatment_catalog_item", item),
                "treatment_variant_uuid": st.uid("treatment_catalog_variant", item),
                "applied_treatment_uuid": st.uid("applied_treatment", key) if t < 2 else None,
                "unit_amount": price,
                "units": "1",
                "discount_amount": "5.00" if t == 1 else None,
                "discount_percent": "10" if t == 2 else "0",
                "teeth": teeth,
                "order_within_budget": t + 1,
            },
        )
        yield st.row(
            "applied_treatment",
            key,
            {
                "patient_uuid": pat,
                "professional_uuid": rng.choice(st.professionals),
                "client_uuid": st.uid("client", n),
                "treatment_variant_uuid": st.uid("treatment_catalog_variant", item),
                "budget_line_uuid": st.uid("budget_line", key),
                "status_code": 5 if t < 2 else 3,
                "start_date": f"2025-10-0{1 + t}",
                "end_date": f"2025-10-0{1 + t}" if t < 2 else None,
                "amount": price,
                "units": 1,
                "notes": f"{desc} sin incidencias",
                "teeth": teeth,
            },
            {"IdTipoOdg": tipo, "IdTto": item, "FecIni": "2025-10-01"},
        )
        yield st.row(
            "applied_treatment_phase",
            key,
            {
                "applied_treatment_uuid": st.uid("applied_treatment", key),
                "phase_number": 1,
                "status_code": 1,
                "executed_on": "2025-10-05",
                "percent_to_bill": "100",
            },
        )
    yield from planned_leftovers(st, n, first_teeth)
    yield st.row(
        "patient_alert",
        n,
        {"patient_uuid": pat, "text": rng.choice(people.ALERTS), "flagged": True},
    )
    yield st.row(
        "recall",
        n,
        {
            "patient_uuid": pat,
            "professional_uuid": st.professionals[0],
            "scheduled_date": "2026-09-01",
            "scheduled": n % 2 == 0,
            "attended": n % 5 == 0,
            "status_code": 1 if n % 5 == 0 else 0,
            "contact_date": "2026-05-04T10:00:00+00:00" if n % 3 == 1 else None,
            "comments": "Revisión anual",
            "observations": "No contesta por la mañana" if n % 3 == 1 else "",
            "reason_uuid": st.uid("catalog_item", "recall_reason-1"),
            "result_uuid": st.uid("catalog_item", "recall_result-1") if n % 3 == 0 else None,
        },
    )
    yield st.row(
        "consent",
        n,
        {
            "patient_uuid": pat,
            "professional_uuid": st.professionals[0],
            "template_code": "IMP",
            "title": "Consentimiento implantes",
            "signed_on": "2025-09-15",
            "revoked_on": "2026-02-01" if n % 11 == 0 else None,
        },
    )
    if n % 3 == 0:  # the signed scan, filed under the consent rather than a document
        scan = pdf_bytes(10_000 + n)
        scan_path = f"Consentimientos/{n}/consentimiento {n}.pdf"
        st.files.append(
            FileRow(
                st.uid("file", f"consent-{n}"),
                "consent",
                st.uid("consent", n),
                scan_path,
                len(scan),
                hashlib.sha256(scan).hexdigest(),
                "application/pdf",
            )
        )
        st.blobs[scan_path] = scan
    yield st.row(
        "pharmacological_history",
        n,
        {
            "patient_uuid": pat,
            "drug_description": rng.choice(people.DRUGS),
            "dose": "1 comprimido",
            "frequency": "cada 8 horas",
            "record_kind": 1,
            "start_date": "2025-01-01",
        },
    )
    yield st.row(
        "prescription",
        n,
        {
            "patient_uuid": pat,
            "professional_uuid": st.professionals[0],
            "prescribed_on": "2025-10-02",
            "diagnosis": "Postoperatorio",
        },
    )
    yield st.row(
        "prescription_item",
        n,
        {
            "prescription_uuid": st.uid("prescription", n),
            "drug_description": "Ibuprofeno 600 mg",
            "frequency": "cada 8 horas",
            "duration_days": 5,
            "units": "1 caja",
            "administration_route": "oral",
        },
    )
    yield st.row(
        "communication",
        n,
        {
            "patient_uuid": pat,
            "client_uuid": st.uid("client", client_sid) if n % 2 else None,
            "channel": rng.choice(["sms", "email", "phone", "whatsapp", "letter"]),
            "direction": "outbound" if n % 5 else "inbound",
            "status": "delivered",
            "sent_at": "2026-01-10T10:00:00+00:00",
            "subject": "Recordatorio",
            "body": "Le recordamos su cita ✔",
        },
    )
    yield st.row(
        "patient_document",
        n,
        {
            "patient_uuid": pat,
            "kind": "radiograph",
            "title": f"Ortopantomografía {n}",
            "captured_on": "2025-10-01",
        },
    )
    blob = png_bytes(n) if n % 4 else pdf_bytes(n)
    sha = hashlib.sha256(blob).hexdigest()
    ext, mime = ("png", "image/png") if n % 4 else ("pdf", "application/pdf")
    path = f"Pacientes/{n}/rx_{n}.{ext}" if n % 5 else f"Pacientes\\{n}\\radiografía {n}.{ext}"
    missing = st.awkward and n == 6
    st.files.append(
        FileRow(
            st.uid("file", n),
            "patient_document",
            st.uid("patient_document", n),
            path,
            len(blob),
            None if missing else sha,
            mime,
        )
    )
    if not missing:
        st.blobs[path.replace("\\", "/")] = blob


def planned_leftovers(st: _State, n: int, teeth: list[int]) -> Iterator[EntityRow]:
    """Planned rows Gesdén leaves behind: a duplicate of done work, a plan from long ago."""
    item = 1 + n % len(people.TREATMENTS)
    _, desc, tipo, price = people.TREATMENTS[item - 1]
    base = {
        "patient_uuid": st.uid("patient", n),
        "professional_uuid": st.professionals[0],
        "treatment_variant_uuid": st.uid("treatment_catalog_variant", item),
        "status_code": 3,
        "amount": price,
        "units": 1,
        "teeth": teeth,
    }
    raw = {"IdTipoOdg": tipo, "IdTto": item}
    if n % 7 == 0:
        yield st.row(
            "applied_treatment",
            f"{n}-shadow",
            {
                **base,
                "budget_line_uuid": st.uid("budget_line", f"{n}-0"),
                "start_date": "2025-09-20",
            },
            raw,
        )
    if n % 11 == 0:
        yield st.row(
            "applied_treatment",
            f"{n}-old",
            {**base, "start_date": "2015-03-02", "notes": f"{desc} presupuestado"},
            raw,
        )


def money_rows(st: _State, n: int, client_sid: int, own_client: bool) -> Iterator[EntityRow]:
    rng = st.rng
    pat, cli = st.uid("patient", n), st.uid("client", client_sid)
    owed = Decimal(rng.choice(["60.00", "120.50", "45.00", "0.00", "300.00"]))
    voided, bad = n % 17 == 0, n % 23 == 0
    yield st.row(
        "debt",
        n,
        {
            "patient_uuid": pat,
            "client_uuid": cli,
            "applied_treatment_uuid": st.uid("applied_treatment", f"{n}-0"),
            "owed_amount": money(owed),
            "due_date": "2025-10-01",
            "cancelled_by_uuid": st.uid("debt", 0) if voided else None,
            "uncollectible": bad,
            "treatment_number": 1,
            "phase_number": 1,
        },
    )
    if owed > 0 and not voided and not bad:
        st.totals.debts_total += owed
    if not own_client and n % 2:
        return  # some family members pay through the head's client only
    amount = Decimal(rng.choice(["60.00", "90.00", "120.50", "35.75"]))
    treatment = st.uid("applied_treatment", f"{n}-0")
    yield st.row(
        "payment",
        n,
        {
            "client_uuid": cli,
            "patient_uuid": pat,
            "amount": money(amount),
            "paid_on": "2025-10-02",
            "payment_kind": 1 + n % 6,
            "user_uuid": st.uid("user", 1),
            "applied_treatment_uuid": treatment,
            "notes": "Pago a cuenta",
        },
    )
    st.totals.payments_total += amount
    yield st.row(
        "debt_payment_application",
        n,
        {
            "debt_uuid": st.uid("debt", n),
            "payment_uuid": st.uid("payment", n),
            "amount": money(min(amount, owed)),
            "applied_on": "2025-10-02",
        },
    )
    if n % 10 in (0, 5):
        refund = (amount / 2).quantize(CENT)
        # Refunds sort before the payment they return, as they often do in real files;
        # every tenth names it, the others are found through the same treatment.
        link = (
            {"related_payment_uuid": st.uid("payment", n)}
            if n % 10 == 0
            else {"applied_treatment_uuid": treatment}
        )
        yield st.row(
            "payment",
            refund_id(st, n),
            {
                "client_uuid": cli,
                "amount": money(-refund),
                "paid_on": "2025-10-20",
                "payment_kind": 1,
                **link,
            },
        )
        st.totals.refunds_total += refund
    total = Decimal(rng.choice(["60.00", "121.00", "250.00"]))
    base = (total / Decimal("1.21")).quantize(CENT)
    legal = {}
    if n % 3 == 0:
        legal = {
            "legal_hash": hashlib.sha256(f"h{n}".encode()).hexdigest().upper(),
            "verifactu_previous_hash": hashlib.sha256(f"h{n - 3}".encode()).hexdigest().upper(),
            "legal_generated_at": "2025-10-02T10:15:00+02:00",
            "qr_code": f"https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQR?nif=B12345678&num=A{n}",
        }
    elif n % 3 == 1 and n % 2:
        legal = {
            "hash": "Q" * 172,
            "hash_control": 1,
            "atcud": f"CSDF7T5H-{n}",
            "qr_code": f"A:123456789*B:{n:09d}*C:PT*D:FT*H:CSDF7T5H-{n}",
            "saft_system_entry_date": "2025-10-02T10:15:00",
            "software_certificate_number": "2345/AT",
        }
    yield st.row(
        "fiscal_document",
        n,
        {
            "client_uuid": cli,
            "patient_uuid": pat if n % 4 else None,
            "user_uuid": st.uid("user", 1),
            "series": "A",
            "number": n,
            "year": 2025,
            "document_kind": "F",
            "document_date": "2025-10-02",
            "subtotal": money(base),
            "tax_total": money(total - base),
            "total": money(total),
            "status": rng.choice(["issued", "paid", "sent", "weird"]),
            **legal,
        },
    )
    st.totals.invoices_total += total
    yield st.row(
        "fiscal_document_line",
        n,
        {
            "document_uuid": st.uid("fiscal_document", n),
            "applied_treatment_uuid": st.uid("applied_treatment", f"{n}-0"),
            "line_number": 1,
            "concept": "Tratamiento dental",
            "units": 1,
            "amount": money(total),
            "base_amount": money(base),
            "vat_percent": "21",
            "vat_amount": money(total - base),
            "patient_uuid": pat,
        },
    )


def awkward_rows(st: _State) -> Iterator[EntityRow]:
    ghost = st.uid("patient", 999999)
    yield st.row(
        "appointment",
        "ghost",
        {
            "patient_uuid": ghost,
            "professional_uuid": st.professionals[0],
            "scheduled_date": "2026-02-02",
            "scheduled_time": "10:00:00",
        },
    )
    yield st.row(
        "appointment",
        "badtime",
        {
            "patient_uuid": st.uid("patient", 1),
            "professional_uuid": st.professionals[0],
            "scheduled_date": "2026-02-30",
            "scheduled_time": "25:00:00",
        },
    )
    yield st.row(
        "payment",
        "ghost",
        {
            "client_uuid": st.uid("client", 999999),
            "amount": "10.00",
            "paid_on": "2025-01-01",
            "payment_kind": 1,
        },
    )
    yield st.row(
        "payment",
        "zero",
        {
            "client_uuid": st.uid("client", 1),
            "amount": "0.00",
            "paid_on": "2025-01-01",
            "payment_kind": 1,
        },
    )
    yield st.row(
        "payment",
        "orphan-refund",
        {
            "client_uuid": st.uid("client", 1),
            "amount": "-999.99",
            "paid_on": "2025-01-01",
            "payment_kind": 1,
        },
    )
    yield st.row("patient_alert", "ghost", {"patient_uuid": ghost, "text": "ALERGIA: AINES"})
    yield st.row("recall", "ghost", {"patient_uuid": ghost, "scheduled_date": "2026-09-01"})
    yield st.row(
        "budget_line",
        "ghost",
        {"budget_uuid": st.uid("budget", 999999), "unit_amount": "10.00", "units": "1"},
    )
    yield st.row(
        "work_calendar_shift",
        "badtime",
        {
            "calendar_day_uuid": st.uid("work_calendar_day", "1-1"),
            "start_time": "9h",
            "end_time": "14:00:00",
        },
    )
    yield st.row(
        "patient_client_link", "ghost", {"patient_uuid": ghost, "client_uuid": st.uid("client", 1)}
    )


def iter_sample_rows(st: _State) -> Iterator[EntityRow]:
    yield from masters(st)
    yield from schedules(st)
    yield st.row(
        "appointment_recurrence",
        1,
        {
            "patient_uuid": st.uid("patient", 1),
            "professional_uuid": st.professionals[0],
            "rule": "FREQ=MONTHLY;COUNT=6",
            "starts_on": "2026-01-10",
            "duration_minutes": 30,
        },
    )
    n = 1
    while n <= st.patients:
        size = 1 if st.rng.random() < 0.8 else st.rng.randrange(2, 5)
        for member in range(n, min(n + size, st.patients + 1)):
            yield from patient_rows(st, member, n)
        n += size
    if st.awkward:
        yield from awkward_rows(st)


def binaries_dir_for(out: Path) -> Path:
    name = out.name
    for suffix in (".dpm.zst.enc", ".dpm.enc", ".dpm.zst", ".dpm"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return out.with_name(f"{name}_files")


def generate_sample(
    out_path,
    *,
    patients: int,
    layer: str = "raw",
    passphrase: str | None = None,
    seed: int = 1,
    binaries: bool = True,
    awkward: bool = True,
) -> SampleResult:
    """Write a sample clinic of `patients` patients; binaries go to `<name>_files/`."""
    st = _State(random.Random(seed), patients, awkward, prefix=id_prefix(seed))
    out = Path(out_path)
    warnings = [
        WarningRow(
            "warn", "source.invalid_date", "FecNac 1899-12-30 en paciente 2", "patient", st.sid(2)
        ),
        WarningRow(
            "info",
            "transform.orphan_reference",
            "Cita con paciente inexistente",
            "appointment",
            st.sid("ghost"),
            json.dumps({"IdPac": 999999}),
        ),
        WarningRow("error", "files.unreadable", "No se pudo leer Pacientes/6/rx_6.png"),
    ]
    rows = iter_sample_rows(st)
    result = write_dpmf(
        out, rows=rows, files=_Deferred(st), warnings=warnings, layer=layer, passphrase=passphrase
    )
    folder = None
    if binaries:
        folder = binaries_dir_for(out)
        for rel, blob in st.blobs.items():
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blob)
        # One referenced file never made it to disk, as in real clinics.
        (folder / "Pacientes/7").mkdir(parents=True, exist_ok=True)
        for gone in (folder / "Pacientes/7").glob("*"):
            gone.unlink()
    return SampleResult(
        str(out),
        layer,
        result.integrity_hash,
        result.counts,
        str(folder) if folder else None,
        len(st.blobs) - (1 if binaries and patients >= 7 else 0),
        st.totals,
    )


class _Deferred:
    """Iterates the `_files` rows only after every entity row has been generated."""

    def __init__(self, st: _State):
        self.st = st

    def __iter__(self):
        return iter(self.st.files)
