"""`make_sample_dpmf OUT --patients N`: write a realistic, spec-conformant sample DPMF file."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dentalpin_import.sample.generator import generate_sample

LAYERS = ("raw", "zstd", "enc", "zstd-enc")


class Command(BaseCommand):
    help = (
        "Write a sample DPMF file with every v0.1 entity type, accented names and a few awkward "
        "rows. Binaries go to a sibling folder <name>_files/ with matching sha256. Encrypted "
        "layers read the passphrase from the variable named by --passphrase-env."
    )

    def add_arguments(self, parser):
        parser.add_argument("out")
        parser.add_argument("--patients", type=int, required=True)
        parser.add_argument("--layer", choices=LAYERS, default="raw")
        parser.add_argument("--passphrase-env", metavar="VAR")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--no-binaries", action="store_true")

    def handle(self, *args, out, patients, layer, passphrase_env, seed, no_binaries, **opts):
        if patients < 1:
            raise CommandError("--patients must be at least 1")
        passphrase = None
        if layer in ("enc", "zstd-enc"):
            if not passphrase_env or not os.environ.get(passphrase_env):
                raise CommandError(f"layer {layer} needs --passphrase-env naming a set variable")
            passphrase = os.environ[passphrase_env]
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        result = generate_sample(
            out,
            patients=patients,
            layer=layer,
            passphrase=passphrase,
            seed=seed,
            binaries=not no_binaries,
        )
        total = sum(result.counts.values())
        self.stdout.write(
            f"wrote {result.path} ({layer}): {total} entities in {len(result.counts)} types, "
            f"integrity hash {result.integrity_hash}"
        )
        if result.binaries_dir:
            self.stdout.write(f"binaries: {result.binaries} files in {result.binaries_dir}")
