"""A partner writer that dies after committing its first chunk of applied treatments.

Started by the partner tests in place of `dentalpin_import.jobs.partner_main`.
"""

import os
import sys

from dentalpin_import.jobs import partner_main

original = partner_main.PartnerHalf.run


def run(self, entity_type, parts):
    if entity_type != "applied_treatment":
        return original(self, entity_type, parts)

    def one_chunk_then_die():
        for n, part in enumerate(parts):
            if n == 1:
                os._exit(3)  # no frame, no clean-up: as if the process were killed
            yield part

    return original(self, entity_type, one_chunk_then_die())


partner_main.PartnerHalf.run = run

if __name__ == "__main__":
    sys.exit(partner_main.main())
