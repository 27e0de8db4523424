"""Run import commands the way a user's script does and capture what they print."""

import io
import json

from django.core.management import call_command
from django.core.management.base import CommandError


def run_import(path, clinic_slug, *extra, report=None, env_pass=None, monkeypatch=None):
    """Call import_dpmf; return (exit status, stdout text, report dict or None)."""
    out = io.StringIO()
    args = [str(path), "--clinic", clinic_slug, *extra]
    if env_pass is not None:
        monkeypatch.setenv("TEST_DPMF_PASS", env_pass)
        args += ["--passphrase-env", "TEST_DPMF_PASS"]
    if report is not None:
        args += ["--report-json", str(report)]
    try:
        call_command("import_dpmf", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, str(exc), None
    data = json.loads(report.read_text()) if report is not None else None
    return 0, out.getvalue(), data
