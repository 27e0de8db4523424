"""Every import command refuses an unknown clinic, user or file alike: exit 2, nothing kept."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b

COMMANDS = ["import_dpmf", "import_patients"]


def args(command, path, clinic, user=None):
    if command == "import_dpmf":
        given = [str(path), "--clinic", clinic]
    else:
        given = ["-f", str(path), "-c", clinic]
    return given + (["--user", user] if user else [])


@pytest.mark.django_db
@pytest.mark.parametrize("command", COMMANDS)
def test_unknown_clinic_user_or_file_exit_2_with_one_clear_line(command, tmp_path, clinic):
    path = b.small_clinic(tmp_path)
    cases = [
        (args(command, path, "nowhere"), "unknown clinic 'nowhere'"),
        (args(command, path, clinic.slug, user="ghost"), "unknown user 'ghost'"),
        (args(command, tmp_path / "missing.csv", clinic.slug), "no such file: "),
    ]
    for given, message in cases:
        with pytest.raises(CommandError) as refused:
            call_command(command, *given)
        assert refused.value.returncode == 2
        assert str(refused.value).startswith(message)
    assert not ImportJob.objects.exists()
