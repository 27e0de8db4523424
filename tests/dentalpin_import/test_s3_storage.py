"""Documents in S3 (django-storages) through a real S3-compatible server on loopback."""

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import override_settings
from django_scopes import scope

from clinics.models import Document
from dentalpin_import.models import AgentToken, ImportJob
from dentalpin_import.sample.generator import generate_sample
from dentalpin_import.sync_agent.__main__ import main
from tests.dentalpin_import.commands.helpers import run_import

BUCKET = "dentalpin-docs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3_server():
    binary = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    port = free_port()
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
    proc = subprocess.Popen(
        [binary, "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the S3 server did not start")
    import boto3

    boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_agent_stores_documents_in_s3_byte_for_byte(s3_server, live_server, clinic, tmp_path):
    storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    sample = generate_sample(tmp_path / "s3.dpm", patients=5, seed=8)
    with override_settings(STORAGES=storages):
        _, _, report = run_import(sample.path, clinic.slug, report=tmp_path / "r.json")
        job = ImportJob.objects.get(pk=report["job_id"])
        token = tmp_path / "token"
        token.write_text(AgentToken.issue(job=job)[1])
        state = tmp_path / "state.json"
        main(
            [
                "--server",
                live_server.url,
                "--job",
                str(job.pk),
                "--token-file",
                str(token),
                "--root",
                sample.binaries_dir,
                "--max-wait",
                "0",
                "--state",
                str(state),
            ]
        )
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=s3_server,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="us-east-1",
        )
        with scope(clinic=clinic):
            documents = list(Document.objects.exclude(file=""))
            assert documents
            for document in documents:
                body = s3.get_object(Bucket=BUCKET, Key=document.file.name)["Body"].read()
                assert hashlib.sha256(body).hexdigest() == document.sha256
                with document.file.open("rb") as fh:  # and through Django's storage API
                    assert fh.read() == body
    assert not list((Path(tmp_path)).glob("**/clinics/*"))  # nothing went to local disk
