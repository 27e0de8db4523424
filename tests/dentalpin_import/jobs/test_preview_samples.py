"""Preview samples identify rows without keeping long clinical text on the job row."""

import json

from dentalpin_import.jobs.preview import SAMPLE_CHARS, sample_fields
from dentalpin_import.reader.rows import SourceRow


def test_a_long_alert_text_is_cut_in_the_sample_and_short_fields_stay_whole():
    text = "ALERGIA A PENICILINA; reacción anafiláctica en 2019 tras amoxicilina, ingreso en UCI"
    row = SourceRow(
        entity_type="patient_alert",
        canonical_uuid="u1",
        source_id="A-17",
        source_system="gesden",
        payload_text=json.dumps({"text": text, "status": "active"}),
        raw_text="{}",
        extracted_at="2026-01-01T00:00:00Z",
    )
    sample = sample_fields(row)
    assert sample["source_id"] == "A-17" and sample["status"] == "active"
    assert len(sample["text"]) == SAMPLE_CHARS and sample["text"].startswith("ALERGIA A PENI")
    assert "UCI" not in sample["text"]
