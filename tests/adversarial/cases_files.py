"""Hostile files: containers, bombs, envelopes, sheets and disguised uploads (web and command)."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Callable

from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from dentalpin_import.jobs import dispatch
from dentalpin_import.management.passphrase import REFUSED as REFUSED_STATUS
from dentalpin_import.models import ImportJob
from dentalpin_import.reader import container as reader_container
from tests import dpmf_builder as b
from tests.adversarial import hostile as H
from tests.adversarial.case import INERT, LIVE, Case
from tests.adversarial.world import DISGUISED, Answer, World, sha
from tests.dentalpin_import.reader import damage as D
from tests.dentalpin_import.web.helpers import run_to_the_end, upload

# --- containers and other files through the wizard -----------------------------------------------


def wizard_file(build: Callable[[World], bytes], name: str, passphrase: str = ""):
    def attack(w: World) -> Answer:
        return w.upload_file(w.client_of(w.alice), build(w), name, passphrase)

    return attack


def schema(sql: str, *, rehash: bool = True):
    return lambda w: H.sql(w.plain, sql, rehash=rehash)


def value_cap(w: World) -> bytes:
    # A real file's values fit under any cap; lowered here so a few hundred KB exceed it.
    w.monkeypatch.setattr(reader_container, "MAX_VALUE_BYTES", 100_000)
    return H.huge_payload(w.plain, 300_000)


def past_unpacked_cap(w: World) -> bytes:
    return D.zstd(H.huge_payload(w.plain, 9 * 1024 * 1024))


def over_the_upload_cap(w: World) -> Answer:
    w.settings.DPMF_MAX_UPLOAD_BYTES = 1024 * 1024
    return w.upload_file(w.client_of(w.alice), H.bomb_hidden() * 40, "a.dpm.zst")


def file_case(id, category, build, name, says, passphrase="", status=(200,)):
    return Case(id, category, wizard_file(build, name, passphrase), status, says)


def not_dpmf_sqlite(w: World) -> bytes:
    path = w.tmp / "other-app.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
        conn.execute("INSERT INTO moz_places (url) VALUES ('https://clinic.test/Paciente1')")
    return path.read_bytes()


SCHEMAS = [
    file_case("view", "hostile schema", schema(H.VIEW), "a.dpm", "holds a view ('everyone')"),
    file_case("trigger", "hostile schema", schema(H.TRIGGER), "a.dpm", "a trigger ('grow')"),
    file_case(
        "virtual table rtree",
        "hostile schema",
        schema(H.RTREE),
        "a.dpm",
        "virtual table ('lookup')",
    ),
    file_case(
        "virtual table fts5", "hostile schema", schema(H.FTS), "a.dpm", "virtual table ('notes')"
    ),
    file_case(
        "generated column virtual",
        "hostile schema",
        schema(H.GENERATED_VIRTUAL),
        "a.dpm",
        "generated column ('patient.bulk')",
    ),
    file_case(
        "generated column stored",
        "hostile schema",
        schema(H.GENERATED_STORED),
        "a.dpm",
        "generated column ('client.big')",
    ),
    file_case(
        "unexpected column in an entity table",
        "hostile schema",
        schema(H.EXTRA_ENTITY_COLUMN),
        "a.dpm",
        "table patient has a column 'diagnosis' that a DPMF file never has",
    ),
    file_case(
        "unexpected column in _files",
        "hostile schema",
        schema(H.EXTRA_FILES_COLUMN),
        "a.dpm",
        "table _files has a column 'download_url'",
    ),
    file_case(
        "unexpected columns in _warnings",
        "hostile schema",
        schema(H.EXTRA_WARNING_COLUMNS),
        "a.dpm",
        "table _warnings has 3 columns that a DPMF file never has ('a', 'b', 'c')",
    ),
    file_case(
        "missing column",
        "hostile schema",
        schema(H.RENAMED_COLUMN),
        "a.dpm",
        "table appointment lacks payload",
    ),
    file_case(
        "value longer than the value cap",
        "hostile schema",
        value_cap,
        "a.dpm",
        "ask for a new export",
    ),
    file_case(
        "value past the unpacking cap",
        "hostile schema",
        past_unpacked_cap,
        "a.dpm.zst",
        "unpacks to more than 8,388,608 bytes",
    ),
    file_case(
        "wrong type: a blob in _meta",
        "hostile schema",
        schema(H.META_BLOB),
        "a.dpm",
        "_meta entry 'source_system' is not text",
    ),
    file_case(
        "wrong type: a number as an entity type",
        "hostile schema",
        schema(H.ENTITY_NAME_NUMBER),
        "a.dpm",
        "invalid entity type name '42'",
    ),
    file_case(
        "wrong type: text that is not UTF-8",
        "hostile schema",
        schema(H.NOT_UTF8),
        "a.dpm",
        "text that is not valid UTF-8 in patient.payload",
    ),
    file_case(
        "lying row count",
        "lying container",
        schema(H.LYING_COUNT, rehash=False),
        "a.dpm",
        "integrity hash mismatch",
    ),
    file_case(
        "lying format version",
        "lying container",
        schema(H.LYING_VERSION),
        "a.dpm",
        "format version 1.0.0 is not supported",
    ),
    file_case(
        "lying hash algorithm",
        "lying container",
        schema(H.LYING_ALGO),
        "a.dpm",
        "unsupported integrity hash algorithm 'crc32'",
    ),
    file_case(
        "listed type without a table",
        "lying container",
        schema(H.GHOST_TYPE),
        "a.dpm",
        "entity type ghost has no table",
    ),
    file_case(
        "lying page count",
        "lying container",
        lambda w: H.header_page_count(w.plain),
        "a.dpm",
        "the file is incomplete",
    ),
    file_case(
        "zstd bomb declared",
        "zstd bomb",
        lambda w: H.bomb_declared(),
        "a.dpm.zst",
        "declares 2,147,483,648 bytes of content",
    ),
    file_case(
        "zstd bomb hidden",
        "zstd bomb",
        lambda w: H.bomb_hidden(),
        "a.dpm.zst",
        "unpacks to more than 8,388,608 bytes",
    ),
    file_case(
        "zstd bomb of many frames",
        "zstd bomb",
        lambda w: H.bomb_frames(),
        "a.dpm.zst",
        "8,388,608 allowed (DPMF_MAX_UNPACKED_BYTES)",
    ),
    file_case(
        "zstd bomb inside an envelope",
        "zstd bomb",
        lambda w: H.bomb_sealed(),
        "a.dpm.zst.enc",
        "unpacks to more than 8,388,608 bytes",
        passphrase=b.PASSPHRASE,
    ),
    Case(
        "a file over the upload cap",
        "oversized upload",
        over_the_upload_cap,
        (413,),
        "DPMF_MAX_UPLOAD_BYTES",
    ),
    file_case(
        "envelope header of 50 MB",
        "bad envelope",
        lambda w: H.envelope_huge_header(),
        "a.dpm.enc",
        "exceeds 64 KiB",
        passphrase=b.PASSPHRASE,
    ),
    file_case(
        "envelope header not JSON",
        "bad envelope",
        lambda w: H.envelope_not_json(),
        "a.dpm.enc",
        "header is not UTF-8 JSON",
        passphrase=b.PASSPHRASE,
    ),
    file_case(
        "envelope asking for a 1 GiB key derivation",
        "bad envelope",
        lambda w: H.envelope_with(w.plain, kdf_n=1 << 30),
        "a.dpm.enc",
        "unsupported scrypt parameters (n=1073741824",
        passphrase=b.PASSPHRASE,
    ),
    file_case(
        "envelope with another cipher",
        "bad envelope",
        lambda w: H.envelope_with(w.plain, cipher="AES-128-CBC"),
        "a.dpm.enc",
        "unsupported cipher",
        passphrase=b.PASSPHRASE,
    ),
    file_case(
        "envelope with a short iv",
        "bad envelope",
        lambda w: H.envelope_with(w.plain, iv="QUE="),
        "a.dpm.enc",
        "iv shorter than 8 bytes",
        passphrase=b.PASSPHRASE,
    ),
    file_case(
        "envelope with an unknown inner layout",
        "bad envelope",
        lambda w: H.envelope_with(w.plain, inner_layout="../../etc/passwd"),
        "a.dpm.enc",
        "unknown inner_layout",
        passphrase=b.PASSPHRASE,
    ),
    file_case(
        "envelope cut after its magic",
        "bad envelope",
        lambda w: H.envelope(b"")[:6],
        "a.dpm.enc",
        "incomplete",
        passphrase=b.PASSPHRASE,
    ),
    file_case(
        "envelope with a wrong passphrase",
        "bad envelope",
        lambda w: D.wrap(w.plain, "zstd-enc"),
        "a.dpm.zst.enc",
        "wrong passphrase",
        passphrase="not-the-passphrase",
    ),
]


# --- the same files given to the commands ------------------------------------------------------


def command(name: str, build: Callable[[World], bytes], filename: str, *args, passphrase=""):
    """Run a command on the hostile file; its exit status and all it printed are the answer."""

    def attack(w: World) -> Answer:
        path = w.tmp / "cli" / filename
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(build(w))
        options = [*args]
        if passphrase:
            w.monkeypatch.setenv("ADVERSARIAL_PASSPHRASE", passphrase)
            options += ["--passphrase-env", "ADVERSARIAL_PASSPHRASE"]
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command(name, str(path), *options, stdout=out, stderr=err)
        except CommandError as exc:
            return Answer(exc.returncode, f"{out.getvalue()}{err.getvalue()}{exc}")
        return Answer(0, out.getvalue() + err.getvalue())

    return attack


def command_case(id: str, name: str, build, filename: str, says: str, *args, passphrase=""):
    attack = command(name, build, filename, *args, passphrase=passphrase)
    return Case(f"{name}: {id}", "command line", attack, (REFUSED_STATUS,), f"refused: {says}")


COMMANDS = [
    command_case(
        "a view",
        "import_dpmf",
        schema(H.VIEW),
        "a.dpm",
        "the file's database holds a view",
        "--clinic",
        "alba",
    ),
    command_case(
        "an unexpected column",
        "import_dpmf",
        lambda w: D.wrap(H.sql(w.plain, H.EXTRA_ENTITY_COLUMN), "zstd-enc"),
        "a.dpm.zst.enc",
        "the file's table patient has a column 'diagnosis'",
        "--clinic",
        "alba",
        passphrase=b.PASSPHRASE,
    ),
    command_case(
        "a hidden zstd bomb",
        "import_dpmf",
        lambda w: H.bomb_hidden(),
        "a.dpm.zst",
        "the file unpacks to more than 8,388,608 bytes",
        "--clinic",
        "alba",
    ),
    command_case(
        "a generated column",
        "inspect_dpmf",
        lambda w: D.zstd(H.sql(w.plain, H.GENERATED_VIRTUAL)),
        "a.dpm.zst",
        "the file's database holds a generated column",
    ),
    command_case(
        "a wrong passphrase",
        "inspect_dpmf",
        lambda w: D.wrap(w.plain, "enc"),
        "a.dpm.enc",
        "wrong passphrase",
        passphrase="not-the-passphrase",
    ),
]


# --- sheets ------------------------------------------------------------------------------------


def sheet_file(build: Callable[[World], bytes], name: str = "patients.csv"):
    return lambda w: w.upload_sheet(w.client_of(w.alice), build(w), name)


def inert_csv(answer: Answer) -> Answer:
    """The warnings spreadsheet as downloaded, refused (as a 500 would be) if a cell is live."""
    rows = list(csv.reader(io.StringIO(answer.text)))
    live = [cell for row in rows[1:] for cell in row if cell.startswith(LIVE)]
    if live or len(rows) < 2:
        return Answer(599, f"live cells {live} in {len(rows)} rows")
    return answer


def imported_sheet(build: Callable[[], bytes]):
    """Upload a sheet, start its import and download its warnings spreadsheet."""

    def attack(w: World) -> Answer:
        client = w.client_of(w.alice)
        w.upload_sheet(client, build())
        dispatch.wait_for_background_jobs()  # a large sheet is read in the background
        job = ImportJob.objects.latest("created_at")
        client.post(reverse("dentalpin_import:sheet-confirm", args=[job.pk]))
        dispatch.wait_for_background_jobs()
        return inert_csv(Answer.of(client.get(f"/import/jobs/{job.pk}/warnings.csv")))

    return attack


def formulas_in_a_files_warnings(w: World) -> Answer:
    client = w.client_of(w.alice)
    path = b.build(w.tmp, b.small_clinic_rows(), name="f", warnings=H.formula_warnings())
    upload(client, path)
    job = ImportJob.objects.latest("created_at")
    run_to_the_end(client, job)
    return inert_csv(Answer.of(client.get(f"/import/jobs/{job.pk}/warnings.csv")))


def sheet_over_the_cap(w: World) -> Answer:
    w.settings.CSV_MAX_SHEET_BYTES = 1024 * 1024
    return w.upload_sheet(w.client_of(w.alice), H.huge_cell_sheet(2 * 1024 * 1024))


SHEETS = [
    Case(
        "formulas in a sheet's ids and names",
        "sheet",
        imported_sheet(H.formula_sheet),
        (200,),
        "'=HYPERLINK(",
        outcome=INERT,
    ),
    Case(
        "formulas in a DPMF file's warnings",
        "sheet",
        formulas_in_a_files_warnings,
        (200,),
        "'+1+cmd",
        outcome=INERT,
    ),
    Case(
        "a 10 MB cell",
        "sheet",
        imported_sheet(H.huge_cell_sheet),
        (200,),
        "Patient.given_name was longer than the 150 characters it holds: cut to fit",
        outcome=INERT,
    ),
    Case(
        "NUL bytes in a sheet",
        "sheet",
        sheet_file(lambda w: H.nul_sheet()),
        (200,),
        "not a text sheet",
    ),
    Case(
        "a sheet over the size cap",
        "oversized upload",
        sheet_over_the_cap,
        (413,),
        "CSV_MAX_SHEET_BYTES",
    ),
    Case(
        "mixed encodings",
        "sheet",
        sheet_file(lambda w: H.mixed_encoding_sheet()),
        (200,),
        "mixes UTF-8 with another encoding",
    ),
    Case(
        "a quote never closed",
        "sheet",
        sheet_file(lambda w: H.open_quote_sheet()),
        (200,),
        "is not valid CSV",
    ),
    Case(
        "a PNG named .csv",
        "sheet",
        sheet_file(lambda w: H.PNG, "patients.csv"),
        (200,),
        "not a text sheet",
    ),
]


# --- disguised uploads -------------------------------------------------------------------------


def agent_post(w: World, data: bytes, claimed: str | None = None, token: str | None = None):
    upload_file = io.BytesIO(data)
    upload_file.name = "document.pdf"
    headers = {"Authorization": f"Bearer {token or w.token}"}
    response = w.client_of().post(
        f"/import/jobs/{w.imported_job.pk}/binaries",
        {"file": upload_file, "sha256": claimed or sha(data)},
        headers=headers,
    )
    return Answer.of(response)


def agent_disguised(key: str, says: str) -> Case:
    data = DISGUISED[key][0]
    return Case(
        f"agent uploads {key}",
        "disguised upload",
        lambda w: agent_post(w, data),
        (415,),
        says,
        needs=("imported_job", "token"),
    )


DISGUISES = [
    file_case("HTML named .dpm", "disguised upload", lambda w: H.HTML, "a.dpm", "not a DPMF file"),
    file_case("EXE named .dpm.enc", "disguised upload", lambda w: H.EXE, "a.dpm.enc", "not a DPMF"),
    file_case("PNG named .dpm.zst", "disguised upload", lambda w: H.PNG, "a.dpm.zst", "not a DPMF"),
    file_case(
        "another program's SQLite named .dpm",
        "disguised upload",
        not_dpmf_sqlite,
        "places.dpm",
        "not a DPMF container: missing _meta",
    ),
    file_case(
        "EXE named .exe",
        "disguised upload",
        lambda w: H.EXE,
        "setup.exe",
        "Choose a DPMF export: a .dpm, .dpm.zst, .dpm.enc or .dpm.zst.enc file.",
    ),
    agent_disguised("png as pdf", "the content is image/png but the file says application/pdf"),
    agent_disguised("exe as pdf", "the content is an executable program"),
    agent_disguised("html as png", "not an image, PDF, DICOM or office document"),
    agent_disguised("script as pdf", "the content is an executable program"),
    agent_disguised("zip as docx", "ZIP archive"),
    Case(
        "agent sends other bytes than the sha256 it claims",
        "disguised upload",
        lambda w: agent_post(w, H.EXE, claimed=sha(H.PNG)),
        (400,),
        "sha256 mismatch",
        needs=("imported_job", "token"),
    ),
]
