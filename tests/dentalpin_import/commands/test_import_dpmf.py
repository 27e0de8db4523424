"""`import_dpmf` end to end on real small DPMF files."""

import pytest
from django_scopes import scopes_disabled

from clinics.models import Appointment, Client, Document, Invoice, Patient, Payment, Professional
from dentalpin_import.models import EntityMapping, FileStaging, ImportJob, ImportWarning, RawEntity
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import

CLINIC_MODELS = (Patient, Professional, Client, Appointment, Payment, Invoice, Document)


def clinic_row_counts():
    with scopes_disabled():
        return {m.__name__: m.objects.count() for m in CLINIC_MODELS}


def importer_row_counts():
    return {
        m.__name__: m.objects.count()
        for m in (EntityMapping, RawEntity, ImportWarning, FileStaging)
    }


@pytest.mark.django_db
@pytest.mark.parametrize("layer", ["raw", "zstd", "enc", "zstd-enc"])
def test_it_imports_every_layering(tmp_path, clinic, layer, monkeypatch):
    path = b.small_clinic(tmp_path, layer=layer)
    env = b.PASSPHRASE if "enc" in layer else None
    status, out, report = run_import(
        path, clinic.slug, report=tmp_path / "r.json", env_pass=env, monkeypatch=monkeypatch
    )
    assert status == 0, out
    assert report["status"] == "succeeded"
    assert report["entities"]["patient"] == {
        "in_file": 3,
        "created": 3,
        "updated": 0,
        "conflicts": 0,
        "already_mapped": 0,
        "raw": 0,
        "failed": 0,
        "skipped": 0,
    }
    assert report["entities"]["consent"]["created"] == 1  # a real Consent row, not raw
    with scopes_disabled():
        assert Patient.objects.filter(clinic=clinic).count() == 3
        assert Appointment.objects.filter(clinic=clinic).count() == 2


@pytest.mark.django_db
def test_report_json_has_the_documented_keys(tmp_path, clinic):
    status, out, report = run_import(
        b.small_clinic(tmp_path), clinic.slug, report=tmp_path / "r.json"
    )
    assert status == 0
    assert set(report) == {
        "job_id",
        "clinic",
        "dry_run",
        "status",
        "warnings",
        "elapsed_s",
        "entities",
        "missing_from_file",
        "reconciliation",
        "binaries",
    }
    assert report["binaries"] == {
        "expected": 2,
        "received": 0,
        "pending": 1,
        "missing": 1,
        "rejected": 0,
    }
    rec = report["reconciliation"]
    assert rec["adds_up"] is True
    assert set(rec["orphans"].values()) == {0}
    assert rec["money"]["payments"] == {
        "file": "190.00",
        "clinic": "190.00",
        "not_imported": "0.00",
        "matches": True,
    }
    assert rec["money"]["refunds"]["clinic"] == "40.00"
    assert rec["money"]["invoices"]["file"] == "100.00"
    assert report["clinic"] == "alba" and report["dry_run"] is False
    for figures in report["entities"].values():
        parts = ("created", "updated", "conflicts", "already_mapped", "raw", "failed", "skipped")
        assert set(figures) == {"in_file", *parts}
        assert figures["in_file"] == sum(figures[k] for k in parts)
    assert report["missing_from_file"] == {}
    assert report["warnings"] == ImportWarning.objects.filter(job_id=report["job_id"]).count()
    assert "entities/s" in out and "patient" in out


@pytest.mark.django_db
def test_a_second_import_changes_nothing(tmp_path, clinic):
    path = b.small_clinic(tmp_path)
    run_import(path, clinic.slug)
    before, importer_before = clinic_row_counts(), importer_row_counts()
    status, _, report = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0
    assert clinic_row_counts() == before
    assert importer_row_counts() == importer_before
    assert report["warnings"] == 0
    for entity_type, figures in report["entities"].items():
        assert figures["created"] == 0, entity_type
        assert figures["already_mapped"] == figures["in_file"], entity_type


@pytest.mark.django_db
def test_a_dry_run_reports_like_the_real_run_and_keeps_nothing(tmp_path, clinic):
    path = b.small_clinic(tmp_path)
    status, out, dry = run_import(path, clinic.slug, "--dry-run", report=tmp_path / "d.json")
    assert status == 0 and "DRY RUN" in out
    assert dry["dry_run"] is True
    assert set(clinic_row_counts().values()) == {0}
    # Only the rehearsal's warnings stay (jobs.rehearsal), under its dry-run job.
    kept = importer_row_counts()
    assert kept.pop("ImportWarning") == dry["warnings"] > 0
    assert set(kept.values()) == {0}
    assert set(ImportWarning.objects.values_list("job__dry_run", flat=True)) == {True}
    status, _, real = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert real["entities"] == dry["entities"]
    assert real["warnings"] == dry["warnings"]


@pytest.mark.django_db
def test_clinics_are_isolated(tmp_path, clinic, other_clinic):
    path = b.small_clinic(tmp_path)
    run_import(path, clinic.slug)
    with scopes_disabled():
        assert Patient.objects.filter(clinic=other_clinic).count() == 0
    status, _, report = run_import(path, other_clinic.slug, report=tmp_path / "r.json")
    assert report["entities"]["patient"]["created"] == 3
    with scopes_disabled():
        mine = set(Patient.objects.filter(clinic=clinic).values_list("pk", flat=True))
        theirs = set(Patient.objects.filter(clinic=other_clinic).values_list("pk", flat=True))
        assert len(mine) == len(theirs) == 3 and not mine & theirs
        for appointment in Appointment.objects.filter(clinic=other_clinic):
            assert appointment.patient.clinic_id == other_clinic.pk
            assert appointment.professional.clinic_id == other_clinic.pk


@pytest.mark.django_db
def test_a_row_whose_parent_is_missing_is_a_warning_and_the_rest_imports(tmp_path, clinic):
    rows = b.small_clinic_rows() + [b.appointment(99, 404, 1)]
    path = b.build(tmp_path, rows)
    status, _, report = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0
    assert report["entities"]["appointment"]["created"] == 2
    assert report["entities"]["appointment"]["failed"] == 1
    warning = ImportWarning.objects.get(code="appointment.unmapped_actor")
    assert warning.source_id == "99" and b.uid("patient", 404) in warning.message


@pytest.mark.django_db
def test_the_files_tenant_label_never_picks_the_clinic(tmp_path, clinic, other_clinic):
    path = b.small_clinic(tmp_path, meta={"tenant_label": other_clinic.slug})
    run_import(path, clinic.slug)
    with scopes_disabled():
        assert Patient.objects.filter(clinic=clinic).count() == 3
        assert Patient.objects.filter(clinic=other_clinic).count() == 0
    label = ImportWarning.objects.get(code="tenant.label_ignored")
    assert other_clinic.slug in label.message and clinic.slug in label.message


@pytest.mark.django_db
def test_file_warnings_and_binaries_are_recorded(tmp_path, clinic):
    run_import(b.small_clinic(tmp_path), clinic.slug)
    assert ImportWarning.objects.filter(code="dpmf.source.invalid_date").count() == 1
    staged = {s.relative_path: s for s in FileStaging.objects.all()}
    assert staged["Pacientes/1/rx 1.png"].status == "pending"
    assert staged["Pacientes/1/rx 1.png"].document is not None
    assert staged["Pacientes/1/c.pdf"].status == "missing"
    assert ImportWarning.objects.filter(code="file.sha256_missing").count() == 1


def not_sqlite(directory):
    path = directory / "looks-right.dpm"
    path.write_bytes(b"hello world, not sqlite")
    return path


def flip_last_byte(path):
    data = bytearray(path.read_bytes())
    data[-20] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make, extra, expected",
    [
        (not_sqlite, {}, "not a DPMF file"),
        (lambda d: b.small_clinic(d, meta={"format_version": "1.0.0"}), {}, "1.0.0"),
        (lambda d: b.small_clinic(d, integrity_hash="0" * 64), {}, "integrity hash mismatch"),
        (lambda d: b.small_clinic(d, layer="enc"), {"env_pass": "wrong"}, "wrong passphrase"),
    ],
    ids=["unknown-magic", "future-version", "hash-mismatch", "wrong-passphrase"],
)
def test_refused_files_exit_2_with_one_clear_line_and_write_nothing(
    tmp_path, clinic, monkeypatch, make, extra, expected
):
    path = make(tmp_path)
    status, message, _ = run_import(path, clinic.slug, monkeypatch=monkeypatch, **extra)
    assert status == 2
    assert expected in message and "\n" not in message
    assert set(clinic_row_counts().values()) == {0}
    assert set(importer_row_counts().values()) == {0}
    assert ImportJob.objects.get().status == "failed"


@pytest.mark.django_db
def test_a_truncated_or_tampered_file_is_refused(tmp_path, clinic, monkeypatch):
    zst = b.small_clinic(tmp_path, layer="zstd", name="z")
    zst.write_bytes(zst.read_bytes()[:-30])
    assert run_import(zst, clinic.slug)[0] == 2
    enc = b.small_clinic(tmp_path, layer="zstd-enc", name="e")
    flip_last_byte(enc)
    status, message, _ = run_import(
        enc, clinic.slug, env_pass=b.PASSPHRASE, monkeypatch=monkeypatch
    )
    assert status == 2 and "changed or damaged after it was encrypted" in message
    assert set(clinic_row_counts().values()) == {0}


@pytest.mark.django_db
def test_unknown_clinic_and_missing_passphrase_are_refused(tmp_path, clinic):
    path = b.small_clinic(tmp_path, layer="enc")
    status, message, _ = run_import(path, "nope")
    assert status == 2 and "unknown clinic 'nope'" in message
    status, message, _ = run_import(path, clinic.slug)
    assert status == 2 and "--passphrase-file" in message
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_passphrase_file_is_read_without_its_trailing_newline(tmp_path, clinic):
    path = b.small_clinic(tmp_path, layer="enc")
    secret = tmp_path / "pass.txt"
    secret.write_text(b.PASSPHRASE + "\n", encoding="utf-8")
    status, out, _ = run_import(path, clinic.slug, "--passphrase-file", str(secret))
    assert status == 0, out


@pytest.mark.django_db
def test_a_passphrase_file_that_is_not_utf8_is_used_byte_for_byte(tmp_path, clinic):
    # An exporter on a Latin-1 machine: the passphrase's bytes are what was encrypted with.
    latin1 = "contraseña".encode("latin-1")
    path = b.small_clinic(
        tmp_path, layer="enc", passphrase=latin1.decode("utf-8", "surrogateescape")
    )
    secret = tmp_path / "pass.txt"
    secret.write_bytes(latin1 + b"\n")
    status, out, _ = run_import(path, clinic.slug, "--passphrase-file", str(secret))
    assert status == 0, out
    secret.write_bytes("contraseña".encode())  # the same letters in UTF-8: other bytes
    status, message, _ = run_import(path, clinic.slug, "--passphrase-file", str(secret))
    assert status == 2 and "passphrase" in message
