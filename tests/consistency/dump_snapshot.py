"""Write a clinic's snapshot as JSON, for a test on another database to compare.

    python -m tests.consistency.dump_snapshot SLUG OUT.json

It runs with whatever settings and DATABASE_URL it is given (see snapshot.py).
"""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> int:
    slug, out = argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from clinics.models import Clinic
    from tests.consistency.snapshot import snapshot

    data = snapshot(Clinic.objects.get(slug=slug))
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
