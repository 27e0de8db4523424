"""`make_sample_dpmf OUT --patients N`: write a realistic, spec-conformant sample DPMF file.

With `--later-than EARLIER` it writes a later export of the same clinic instead.
"""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dentalpin_import.management.passphrase import read_passphrase
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.sample.generator import generate_sample
from dentalpin_import.sample.later import LaterExportError, write_later_export

LAYERS = ("raw", "zstd", "enc", "zstd-enc")


class Command(BaseCommand):
    help = (
        "Write a sample DPMF file with every v0.1 entity type, accented names and a few awkward "
        "rows. Binaries go to a sibling folder <name>_files/ with matching sha256. Encrypted "
        "layers read the passphrase from the variable named by --passphrase-env. Each seed is "
        "another practice: two seeds never share a canonical id. With --later-than EARLIER, "
        "write a later export of that clinic instead: same source system and canonical ids, "
        "with --changed, --new and --removed rows (a number, or a percentage of its rows)."
    )

    def add_arguments(self, parser):
        parser.add_argument("out")
        parser.add_argument("--patients", type=int)
        parser.add_argument("--layer", choices=LAYERS, default="raw")
        parser.add_argument("--passphrase-env", metavar="VAR")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--no-binaries", action="store_true")
        later = parser.add_argument_group("later export")
        later.add_argument("--later-than", metavar="EARLIER")
        later.add_argument("--earlier-passphrase-env", metavar="VAR")
        later.add_argument("--changed", default="5%", metavar="N|P%")
        later.add_argument("--new", default="1%", metavar="N|P%")
        later.add_argument("--removed", default="1%", metavar="N|P%")

    def handle(self, *args, out, layer, passphrase_env, seed, no_binaries, **opts):
        if seed < 1:
            raise CommandError("--seed must be a positive whole number")
        passphrase = None
        if layer in ("enc", "zstd-enc"):
            if not passphrase_env or not os.environ.get(passphrase_env):
                raise CommandError(f"layer {layer} needs --passphrase-env naming a set variable")
            passphrase = os.environ[passphrase_env]
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        if opts["later_than"]:
            self._later(out, layer, passphrase, passphrase_env, seed, no_binaries, opts)
            return
        if opts["patients"] is None or opts["patients"] < 1:
            raise CommandError("--patients must be at least 1 (or give --later-than EARLIER)")
        result = generate_sample(
            out,
            patients=opts["patients"],
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

    def _later(self, out, layer, passphrase, passphrase_env, seed, no_binaries, opts):
        earlier = opts["later_than"]
        if opts["patients"] is not None:
            raise CommandError("--patients comes from the earlier file with --later-than")
        if not Path(earlier).is_file():
            raise CommandError(f"no such file: {earlier}")
        if Path(earlier).resolve() == Path(out).resolve():
            raise CommandError("the later export must go to another file than the earlier one")
        earlier_env = opts["earlier_passphrase_env"] or passphrase_env
        earlier_passphrase = (
            read_passphrase(file=None, env=earlier_env, needed=False) if earlier_env else None
        )
        try:
            result = write_later_export(
                earlier,
                out,
                changed=opts["changed"],
                new=opts["new"],
                removed=opts["removed"],
                layer=layer,
                passphrase=passphrase,
                earlier_passphrase=earlier_passphrase,
                seed=seed,
                binaries=not no_binaries,
            )
        except (LaterExportError, ReadError) as exc:
            raise CommandError(f"{earlier}: {exc}") from None
        total = sum(result.counts.values())
        self.stdout.write(
            f"wrote {result.path} ({layer}), a later export of {earlier}: {total} entities, "
            f"integrity hash {result.integrity_hash}"
        )
        for label, chosen in (
            ("changed", result.changed),
            ("new", result.new),
            ("removed", result.removed),
        ):
            parts = ", ".join(f"{t} {len(keys)}" for t, keys in sorted(chosen.items()))
            self.stdout.write(f"{label}: {sum(map(len, chosen.values()))} ({parts or 'none'})")
        if result.binaries_dir:
            self.stdout.write(f"binaries: {result.binaries} files in {result.binaries_dir}")
