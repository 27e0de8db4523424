"""Driving the import wizard with the Django test client, as a browser without JavaScript would."""

import io

from dentalpin_import.jobs import dispatch


def upload(client, path, passphrase="", name=None):
    """POST a DPMF file to /import/new/ (optionally under another browser file name)."""
    with open(path, "rb") as fh:
        data = io.BytesIO(fh.read())
    data.name = name or path.name
    return client.post("/import/new/", {"file": data, "passphrase": passphrase})


def step(client, job, name, data=None):
    """POST one wizard step the way its page's form does (management form included)."""
    payload = {f"import_{job.pk}-current_step": name, **(data or {})}
    return client.post(f"/import/jobs/{job.pk}/{name}/", payload)


def run_to_the_end(client, job, verifactu=False):
    """Validate → preview → confirm, wait for the in-process run; return the started page."""
    assert step(client, job, "validate").url == f"/import/jobs/{job.pk}/preview/"
    choice = {"preview-import_verifactu": "on"} if verifactu else {}
    assert step(client, job, "preview", choice).url == f"/import/jobs/{job.pk}/confirm/"
    started = step(client, job, "confirm")
    assert started.status_code == 200, started
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    return started
