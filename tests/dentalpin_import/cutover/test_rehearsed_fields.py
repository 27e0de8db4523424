"""A dry run of a later export says, field by field, what the import would overwrite and where
staff's edits conflict, with the three values (CLI, and the confirm page of the real import)."""

import pytest
from django_scopes import scopes_disabled

from clinics.models import Patient
from dentalpin_import.models import ImportConflict, ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.cutover.test_cutover import imported, later_rows, mapped
from tests.dentalpin_import.web.helpers import step, upload

CHANGES = {
    ("patient", "1"): {"phone": "611222333"},  # staff edited it too: a conflict
    ("patient", "2"): {"email": "jose@nuevo.test"},  # only the file changed it
}


def edited_then_rehearsed(tmp_path, clinic):
    imported(tmp_path, clinic, b.small_clinic_rows(), "first")
    with scopes_disabled():
        one = mapped(clinic, Patient, "patient", 1)
        one.phone = "699999999"
        one.save()
    path = b.build(tmp_path, later_rows(CHANGES), name="later")
    status, out, report = run_import(path, clinic.slug, "--dry-run", report=tmp_path / "dry.json")
    assert status == 0, out
    return path, out, ImportJob.objects.get(pk=report["job_id"])


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_prints_each_field_it_would_overwrite_and_keeps_its_conflicts(tmp_path, clinic):
    _, out, rehearsal = edited_then_rehearsed(tmp_path, clinic)
    assert "phone: 0 overwritten with the file's value, 1 in conflict" in out
    assert "email: 1 overwritten with the file's value, 0 in conflict" in out
    assert 'clinic "699999999", file "611222333"' in out
    conflict = ImportConflict.objects.get(job=rehearsal)  # kept after the rollback
    assert (conflict.field, conflict.clinic_value) == ("phone", '"699999999"')
    assert rehearsal.options["overwritten"]["patient"] == {"email": 1}
    assert mapped(clinic, Patient, "patient", 2).email != "jose@nuevo.test"  # nothing saved


@pytest.mark.django_db(transaction=True)
def test_the_confirm_page_after_a_dry_run_states_each_field(tmp_path, clinic, staff_client):
    path, _, rehearsal = edited_then_rehearsed(tmp_path, clinic)
    upload(staff_client, path)
    job = ImportJob.objects.filter(dry_run=False).order_by("-created_at").first()
    step(staff_client, job, "validate")
    step(staff_client, job, "preview")
    confirm = staff_client.get(f"/import/jobs/{job.pk}/confirm/").content.decode()
    assert "start a dry run first" in confirm  # no dry run speaks for this job yet
    job.options = dict(job.options, rehearsal_of=str(rehearsal.pk))  # as "Import for real" does
    job.save(update_fields=["options"])
    confirm = staff_client.get(f"/import/jobs/{job.pk}/confirm/").content.decode()
    table = confirm.split('class="cutover-fields"')[1].split("</table>")[0]
    phone = table.split("<td>phone</td>")[1].split("</tr>")[0]
    assert "<td>0</td>" in phone and "in the clinic 699999999, in the file 611222333" in phone
    assert "<td>e-mail</td><td>1</td>" in table
    spanish = staff_client.get(
        f"/import/jobs/{job.pk}/confirm/", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Se sobrescribe con el valor del fichero" in spanish
    assert "en la clínica 699999999, en el fichero 611222333" in spanish
