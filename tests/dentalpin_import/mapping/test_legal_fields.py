"""Fiscal legal fields (§11): kept verbatim, Spanish and Portuguese alike, when opted in."""

import pytest
from django_scopes import scope

from dentalpin_import.models import EntityMapping, ImportWarning
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import

PT_SIGNATURE = "Zm9v" * 43  # a 172-character base64 signature
SPANISH = dict(
    legal_hash="3C464DAF61ACB827C65FDA19F352A4E3BDC2C640E9E9FC4CC058073F38F12F60",
    qr_code="https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQR?nif=B12345678&num=A1",
    verifactu_previous_hash="D0A1" * 16,
    legal_generated_at="2026-03-06T10:15:00+01:00",
)
PORTUGUESE = dict(
    hash=PT_SIGNATURE,
    hash_control=1,  # a JSON integer in the file
    atcud="CSDF7T5H-42",
    qr_code="A:123456789*B:999999990*C:PT*D:FT*E:N*F:20260306*G:FT A/42*H:CSDF7T5H-42",
    saft_system_entry_date="2026-03-06T10:15:00",
    software_certificate_number="2345/AT",
)


def invoice(sid, **legal):
    return b.row(
        "fiscal_document",
        sid,
        client_uuid=b.uid("client", 1),
        series="A",
        number=sid,
        year=2026,
        total="121.00",
        **legal,
    )


def rows():
    return [
        b.client(1),
        b.patient(1),
        b.link(1, 1, 1),
        invoice("es"),
        invoice("pt"),
        invoice("plain"),
    ]


def es_with_raw():
    row = invoice("es", **SPANISH)
    return b.row(
        "fiscal_document", "es", raw={"Huella": SPANISH["legal_hash"], "IdDoc": 7}, **row.payload
    )


def build(tmp_path, name="f"):
    return b.build(tmp_path, [*rows()[:3], es_with_raw(), invoice("pt", **PORTUGUESE)], name=name)


def legal_record(sid):
    from verifactu.models import FiscalLegalRecord

    mapping = EntityMapping.objects.get(canonical_uuid=b.uid("fiscal_document", sid))
    return FiscalLegalRecord.objects.get(invoice_id=int(mapping.target_id))


@pytest.mark.django_db
def test_every_legal_field_is_kept_verbatim_when_opted_in(tmp_path, clinic):
    status, out, _ = run_import(build(tmp_path), clinic.slug, "--import-verifactu")
    assert status == 0, out
    with scope(clinic=clinic):
        es = legal_record("es")
        assert es.regime == "es"
        assert (es.legal_hash, es.qr_code) == (SPANISH["legal_hash"], SPANISH["qr_code"])
        assert es.extra == {
            "verifactu_previous_hash": SPANISH["verifactu_previous_hash"],
            "legal_generated_at": SPANISH["legal_generated_at"],
            "raw:Huella": SPANISH["legal_hash"],
        }
        pt = legal_record("pt")
        assert pt.regime == "pt"
        assert (pt.hash, pt.hash_control, pt.atcud, pt.qr_code) == (
            PT_SIGNATURE,
            "1",
            "CSDF7T5H-42",
            PORTUGUESE["qr_code"],
        )
        assert pt.extra == {
            "saft_system_entry_date": "2026-03-06T10:15:00",
            "software_certificate_number": "2345/AT",
        }
        from verifactu.models import FiscalLegalRecord

        assert FiscalLegalRecord.objects.count() == 2  # the plain invoice has none
    assert not ImportWarning.objects.filter(code__startswith="verifactu.").exists()


@pytest.mark.django_db
def test_without_the_opt_in_every_dropped_field_is_in_the_warning(tmp_path, clinic):
    status, out, _ = run_import(build(tmp_path), clinic.slug)
    assert status == 0, out
    dropped = {
        w.canonical_uuid: w.raw_data for w in ImportWarning.objects.filter(code="verifactu.opt_out")
    }
    assert dropped[b.uid("fiscal_document", "pt")] == PORTUGUESE
    assert dropped[b.uid("fiscal_document", "es")]["raw:Huella"] == SPANISH["legal_hash"]
    assert len(dropped) == 2
