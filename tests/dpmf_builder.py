"""Build small real DPMF files for tests from a few readable records.

Everything goes through the real writer (real SQLite, zstd, AES-GCM), so tests
never mock the reader.
"""

from __future__ import annotations

from pathlib import Path

from dentalpin_import.sample.writer import (
    EntityRow,
    FileRow,
    WarningRow,
    canonical_uuid,
    write_dpmf,
)

SYSTEM = "gesden"
PASSPHRASE = "contraseña-demo"
SUFFIX = {"raw": ".dpm", "zstd": ".dpm.zst", "enc": ".dpm.enc", "zstd-enc": ".dpm.zst.enc"}


def uid(entity_type: str, source_id) -> str:
    return canonical_uuid(SYSTEM, entity_type, str(source_id))


def row(entity_type: str, source_id, raw: dict | None = None, **payload) -> EntityRow:
    return EntityRow(
        entity_type=entity_type,
        source_id=str(source_id),
        payload=payload,
        raw_source_data=raw or {},
    )


def professional(sid, **kw):
    base = dict(
        given_name=f"Prof{sid}",
        family_name="García",
        email=f"prof{sid}@clinic.test",
        role="dentist",
        last_activity_at="2026-06-01",
    )
    return row("professional", sid, **{**base, **kw})


def client(sid, **kw):
    base = dict(
        kind="person",
        given_name=f"Cliente{sid}",
        family_name="Núñez",
        national_id=f"{sid:08d}Z" if isinstance(sid, int) else "",
        phone="600000000",
    )
    return row("client", sid, **{**base, **kw})


def patient(sid, client_sid=None, **kw):
    base = dict(
        given_name=f"Paciente{sid}",
        family_name="Ibáñez",
        date_of_birth="1980-02-03",
        sex="female",
        national_id=f"{sid:08d}Z" if isinstance(sid, int) else "",
    )
    raw = {"IdPac": sid}
    if client_sid is not None:
        raw["IdCliDefec"] = client_sid
    return row("patient", sid, raw=raw, **{**base, **kw})


def link(sid, patient_sid, client_sid):
    return row(
        "patient_client_link",
        sid,
        patient_uuid=uid("patient", patient_sid),
        client_uuid=uid("client", client_sid),
    )


def appointment(sid, patient_sid, prof_sid, **kw):
    base = dict(
        patient_uuid=uid("patient", patient_sid),
        professional_uuid=uid("professional", prof_sid),
        scheduled_date="2026-03-04",
        scheduled_time="09:30:00",
        duration_minutes=45,
        coarse_status="attended",
    )
    return row("appointment", sid, **{**base, **kw})


def payment(sid, client_sid, amount, **kw):
    base = dict(
        client_uuid=uid("client", client_sid), amount=amount, paid_on="2026-03-05", payment_kind=3
    )
    return row("payment", sid, **{**base, **kw})


def small_clinic_rows() -> list[EntityRow]:
    """A tiny but complete clinic: staff, two payers, three patients, visits, money, papers."""
    return [
        row("center", 1, name="Centro Sol", tax_id="B12345678", phone="910000000"),
        professional(1),
        professional(2, role="hygienist", email="ana@clinic.test"),
        row("user", 1, given_name="Rosa", family_name="Pérez", email="rosa@clinic.test"),
        client(1),
        client(2, legal_name="Seguros Norte SA", national_id="A00000001"),
        patient(1, client_sid=1, national_id="00000001Z"),
        patient(2, client_sid=1, given_name="José", national_id="00000002Z"),
        patient(3, client_sid=2, given_name="", family_name="", date_of_birth="1899-12-30"),
        link(1, 1, 1),
        link(2, 2, 1),
        link(3, 3, 2),
        appointment(1, 1, 1),
        appointment(2, 2, 2, coarse_status="no_show", notes="llamar | antes 😀"),
        payment(1, 2, "100.00"),
        payment(2, 1, "90.00"),
        payment(3, 2, "-40.00", related_payment_uuid=uid("payment", 1)),
        row(
            "fiscal_document",
            1,
            client_uuid=uid("client", 2),
            series="A",
            number=7,
            year=2026,
            document_date="2026-03-06",
            subtotal="82.64",
            tax_total="17.36",
            total="100.00",
            status="paid",
            legal_hash="AB" * 32,
            atcud="CSDF7T5H-7",
        ),
        row(
            "fiscal_document_line",
            1,
            document_uuid=uid("fiscal_document", 1),
            line_number=1,
            concept="Limpieza",
            units=1,
            amount="100.00",
            base_amount="82.64",
            vat_percent="21",
            vat_amount="17.36",
        ),
        row(
            "patient_document",
            1,
            patient_uuid=uid("patient", 1),
            kind="radiograph",
            title="Ortopantomografía",
        ),
        row("consent", 1, patient_uuid=uid("patient", 1), title="Consentimiento"),
    ]


def small_clinic_files() -> list[FileRow]:
    return [
        FileRow(
            uid("file", 1),
            "patient_document",
            uid("patient_document", 1),
            "Pacientes\\1\\rx 1.png",
            67,
            "a" * 64,
            "image/png",
        ),
        FileRow(
            uid("file", 2), "consent", uid("consent", 1), "Pacientes/1/c.pdf", None, None, None
        ),
    ]


def build(
    directory: Path,
    rows,
    *,
    name: str = "clinic",
    layer: str = "raw",
    passphrase: str | None = None,
    files=(),
    warnings=(),
    meta=None,
    **kw,
) -> Path:
    """Write a DPMF file of `layer` under `directory` and return its path."""
    path = Path(directory) / f"{name}{SUFFIX[layer]}"
    if layer in ("enc", "zstd-enc") and passphrase is None:
        passphrase = PASSPHRASE
    write_dpmf(
        path,
        rows=rows,
        files=files,
        warnings=warnings,
        meta=meta,
        layer=layer,
        passphrase=passphrase,
        **kw,
    )
    return path


def small_clinic(directory: Path, **kw) -> Path:
    warnings = [WarningRow("warn", "source.invalid_date", "FecNac 1899-12-30", "patient", "3")]
    return build(
        directory, small_clinic_rows(), files=small_clinic_files(), warnings=warnings, **kw
    )
