"""Later exports of a sample clinic: exactly the changes asked for, nothing else; seeds apart."""

import io
import json
import sqlite3

import pytest
from django.core.management import CommandError, call_command

from dentalpin_import.reader.records import canonical_uuid
from dentalpin_import.sample.generator import generate_sample
from dentalpin_import.sample.later import LaterExportError, count_of, write_later_export

PASSPHRASE = "contraseña-de-prueba"


def rows_of(path) -> dict[str, dict[str, tuple]]:
    """{type: {canonical id: (source id, source system, payload text, raw text)}}."""
    conn = sqlite3.connect(path)
    types = [t for (t,) in conn.execute("SELECT entity_type FROM _entities")]
    columns = "canonical_uuid, source_id, source_system, payload, raw_source_data"
    found = {t: {r[0]: r[1:] for r in conn.execute(f'SELECT {columns} FROM "{t}"')} for t in types}
    conn.close()
    return found


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("later")
    earlier = generate_sample(folder / "early.dpm", patients=50, seed=3)
    later = write_later_export(
        earlier.path, folder / "late.dpm", changed=24, new=10, removed=8, seed=3
    )
    return earlier, later


def test_the_later_export_differs_by_exactly_the_rows_it_reports(pair):
    earlier, later = pair
    before, after = rows_of(earlier.path), rows_of(later.path)
    assert sorted(before) == sorted(after)
    changed, added, removed = {}, {}, {}
    for t in before:
        old, new = before[t], after[t]
        if gone := sorted(set(old) - set(new)):
            removed[t] = gone
        if fresh := sorted(set(new) - set(old)):
            added[t] = fresh
        if edited := sorted(k for k in set(old) & set(new) if old[k][2] != new[k][2]):
            changed[t] = edited
        # Unchanged rows keep their payload and raw text byte for byte.
        assert all(old[k][3] == new[k][3] for k in set(old) & set(new))
    assert changed == later.changed and added == later.new and removed == later.removed
    assert sum(map(len, changed.values())) == 24
    assert sum(map(len, added.values())) == 10
    assert sum(map(len, removed.values())) == 8
    assert len(changed) >= 4 and len(added) >= 4 and len(removed) >= 3  # several types


def test_changed_rows_change_what_an_old_system_changes(pair):
    earlier, later = pair
    before, after = rows_of(earlier.path), rows_of(later.path)
    for t, keys in later.changed.items():
        for k in keys:
            old, new = json.loads(before[t][k][2]), json.loads(after[t][k][2])
            differing = {f for f in old | new if old.get(f) != new.get(f)}
            assert differing, (t, k)
            assert set(new) == set(old)  # same fields, other values
    moved = [
        k
        for k in later.changed["appointment"]
        if json.loads(before["appointment"][k][2])["professional_uuid"]
        != json.loads(after["appointment"][k][2])["professional_uuid"]
    ]
    assert moved  # a changed reference: an appointment moved to another professional


def test_new_rows_are_real_rows_of_the_same_source_pointing_at_rows_of_the_file(pair):
    _, later = pair
    after = rows_of(later.path)
    present = {k for rows in after.values() for k in rows}
    for t, keys in later.new.items():
        for k in keys:
            sid, system, payload, _ = after[t][k]
            assert system == "gesden" and k == canonical_uuid("gesden", t, sid)
            refs = [v for f, v in json.loads(payload).items() if f.endswith("_uuid") and v]
            assert all(ref in present for ref in refs), (t, refs)


def test_the_same_seed_gives_the_same_later_export(pair, tmp_path):
    earlier, later = pair
    again = write_later_export(
        earlier.path, tmp_path / "again.dpm", changed=24, new=10, removed=8, seed=3
    )
    assert again.integrity_hash == later.integrity_hash
    assert again.changed == later.changed and again.new == later.new


def test_binaries_of_the_earlier_export_come_along(pair):
    earlier, later = pair
    assert later.binaries == earlier.binaries > 0
    assert later.binaries_dir and later.binaries_dir.endswith("late_files")


def test_two_seeds_are_two_practices_that_never_share_a_canonical_id(tmp_path):
    keys = []
    for seed in (1, 2, 3, 12):
        sample = generate_sample(tmp_path / f"{seed}.dpm", patients=15, seed=seed, binaries=False)
        keys.append({k for rows in rows_of(sample.path).values() for k in rows})
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            assert not a & b


def test_a_later_export_of_a_later_export_keeps_its_ids_apart(pair, tmp_path):
    _, later = pair
    third = write_later_export(later.path, tmp_path / "third.dpm", changed=5, new=10, seed=3)
    before = rows_of(later.path)
    assert not {k for keys in third.new.values() for k in keys} & {
        k for rows in before.values() for k in rows
    }


@pytest.mark.parametrize(
    ("spec", "expected"), [("12", 12), (7, 7), ("5%", 50), ("0.5%", 5), ("0", 0)]
)
def test_counts_are_numbers_or_percentages_of_the_file(spec, expected):
    assert count_of(spec, 1000, "--changed") == expected


@pytest.mark.parametrize("spec", ["-1", "lots", "120%", "5 %%", ""])
def test_a_count_that_is_not_one_is_refused_naming_the_option(spec):
    with pytest.raises(LaterExportError, match="--new takes a number"):
        count_of(spec, 1000, "--new")


def test_more_changes_than_the_file_allows_are_refused(pair, tmp_path):
    earlier, _ = pair
    with pytest.raises(LaterExportError, match="only .* rows that can be removed"):
        write_later_export(earlier.path, tmp_path / "x.dpm", removed=10**6)
    assert not (tmp_path / "x.dpm").exists()


def test_the_command_reads_an_encrypted_earlier_file_and_writes_an_encrypted_later_one(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("P", PASSPHRASE)
    early = tmp_path / "early.dpm.zst.enc"
    call_command(
        "make_sample_dpmf",
        str(early),
        "--patients=20",
        "--layer=zstd-enc",
        "--passphrase-env=P",
        "--seed=5",
        stdout=io.StringIO(),
    )
    out = io.StringIO()
    call_command(
        "make_sample_dpmf",
        str(tmp_path / "late.dpm.zst.enc"),
        "--later-than",
        str(early),
        "--layer=zstd-enc",
        "--passphrase-env=P",
        "--changed=6",
        "--new=5",
        "--removed=2",
        stdout=out,
    )
    text = out.getvalue()
    assert "changed: 6 (" in text and "new: 5 (" in text and "removed: 2 (" in text
    assert (tmp_path / "late.dpm.zst.enc").read_bytes()[:4] == b"DPME"


def test_the_command_refuses_a_wrong_passphrase_for_the_earlier_file(tmp_path, monkeypatch):
    monkeypatch.setenv("P", PASSPHRASE)
    monkeypatch.setenv("WRONG", "otra")
    early = tmp_path / "early.dpm.enc"
    generate_sample(early, patients=5, layer="enc", passphrase=PASSPHRASE, binaries=False)
    with pytest.raises(CommandError, match="early.dpm.enc: .*passphrase"):
        call_command(
            "make_sample_dpmf",
            str(tmp_path / "late.dpm"),
            "--later-than",
            str(early),
            "--earlier-passphrase-env=WRONG",
            stdout=io.StringIO(),
        )
    assert not (tmp_path / "late.dpm").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--later-than", "nowhere.dpm"], "no such file"),
        (["--patients=0"], "--patients must be at least 1"),
        (["--patients=3", "--seed=0"], "--seed must be a positive"),
    ],
)
def test_the_command_refuses_what_it_cannot_do(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("make_sample_dpmf", str(tmp_path / "x.dpm"), *args, stdout=io.StringIO())


@pytest.mark.django_db
def test_importing_the_later_export_after_the_earlier_one_creates_just_the_new_rows(
    pair, clinic, tmp_path
):
    earlier, later = pair
    for path, name in ((earlier.path, "1"), (later.path, "2")):
        call_command(
            "import_dpmf",
            path,
            "--clinic",
            clinic.slug,
            "--report-json",
            str(tmp_path / f"{name}.json"),
            stdout=io.StringIO(),
        )
    report = json.loads((tmp_path / "2.json").read_text())
    for t, keys in later.new.items():
        assert report["entities"][t]["created"] == len(keys), t


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a DPMF file at all", "not a DPMF file"),
        (b"", "empty"),
    ],
)
def test_an_earlier_file_that_is_not_an_export_is_refused(tmp_path, content, message):
    early = tmp_path / "early.dpm"
    early.write_bytes(content)
    with pytest.raises(CommandError, match="early.dpm: ") as refused:
        call_command(
            "make_sample_dpmf",
            str(tmp_path / "late.dpm"),
            "--later-than",
            str(early),
            stdout=io.StringIO(),
        )
    assert message in str(refused.value).lower() or "dpmf" in str(refused.value).lower()
    assert not (tmp_path / "late.dpm").exists()


def test_a_truncated_earlier_file_is_refused(tmp_path):
    early = generate_sample(tmp_path / "early.dpm.zst", patients=5, layer="zstd", binaries=False)
    data = open(early.path, "rb").read()
    cut = tmp_path / "cut.dpm.zst"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CommandError, match="cut.dpm.zst: "):
        call_command(
            "make_sample_dpmf",
            str(tmp_path / "late.dpm"),
            "--later-than",
            str(cut),
            stdout=io.StringIO(),
        )
    assert not (tmp_path / "late.dpm").exists()


def test_an_encrypted_earlier_file_without_a_passphrase_is_refused(tmp_path):
    early = tmp_path / "early.dpm.enc"
    generate_sample(early, patients=3, layer="enc", passphrase=PASSPHRASE, binaries=False)
    with pytest.raises(CommandError, match="passphrase"):
        call_command(
            "make_sample_dpmf",
            str(tmp_path / "late.dpm"),
            "--later-than",
            str(early),
            stdout=io.StringIO(),
        )


def test_the_later_export_may_not_overwrite_the_earlier_one(pair):
    earlier, _ = pair
    with pytest.raises(CommandError, match="another file"):
        call_command(
            "make_sample_dpmf", earlier.path, "--later-than", earlier.path, stdout=io.StringIO()
        )


def go_live_report(clinic, folder, seed: int) -> tuple[dict, object]:
    earlier = generate_sample(folder / "trial.dpm", patients=40, seed=seed, binaries=False)
    later = write_later_export(
        earlier.path, folder / "golive.dpm", changed=60, new=15, removed=10, binaries=False
    )
    for path, name in ((earlier.path, "trial"), (later.path, "golive")):
        out = io.StringIO()
        report = folder / f"{name}.json"
        call_command(
            "import_dpmf", path, "--clinic", clinic.slug, "--report-json", str(report), stdout=out
        )
    return json.loads(report.read_text()), later


@pytest.mark.django_db
def test_a_go_live_import_reports_every_change_new_and_removed_row(clinic, tmp_path):
    report, later = go_live_report(clinic, tmp_path, seed=13)
    for t, keys in later.new.items():
        assert report["entities"][t]["created"] == len(keys), t
    assert report["missing_from_file"] == {t: len(keys) for t, keys in later.removed.items()}
    wrong = {}
    for kind in ("patient", "client", "appointment", "payment", "recall", "patient_alert"):
        figures = report["entities"][kind]
        if figures["updated"] + figures["conflicts"] != len(later.changed[kind]):
            wrong[kind] = (figures["updated"], figures["conflicts"], len(later.changed[kind]))
    assert wrong == {}
