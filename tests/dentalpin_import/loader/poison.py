"""Small DPMF files with poison rows among good ones, shared by the poison-row tests."""

from __future__ import annotations

import sqlite3

from dentalpin_import.reader.integrity import compute_hash
from tests import dpmf_builder as b

POISON = "2"  # the source id of the poison row in every file


def clinic_rows(poison: dict | None = None, **row_kw) -> list:
    """Four patients, each with a payer, a payer link, an appointment and a payment.

    `poison` replaces payload values of patient 2; `row_kw` maps a builder name
    ("appointment", "payment") to payload values for that type's row 2.
    """
    rows = [b.professional(1)]
    for i in range(1, 5):
        bad = str(i) == POISON
        payment = dict(row_kw.get("payment", {})) if bad else {}
        amount = payment.pop("amount", "10.00")
        rows += [
            b.client(i),
            b.patient(i, client_sid=i, **((poison or {}) if bad else {})),
            b.link(i, i, i),
            b.appointment(i, i, 1, **(row_kw.get("appointment", {}) if bad else {})),
            b.payment(i, i, amount, **payment),
        ]
    return rows


def tamper(path, *statements: tuple[str, tuple]) -> None:
    """Change a built raw DPMF file with SQL, then stamp its true integrity hash again.

    For what the builder cannot write: JSON text no encoder produces (a lone
    surrogate escape, a nesting json.dumps refuses) and tables without the keys
    FORMAT.md asks for, as a hostile or broken exporter could write them.
    """
    conn = sqlite3.connect(path)
    for sql, params in statements:
        conn.execute(sql, params) if params else conn.executescript(sql)
    types = [r[0] for r in conn.execute("SELECT entity_type FROM _entities")]
    digest = compute_hash(conn, types)
    conn.execute("UPDATE _meta SET value = ? WHERE key = 'integrity_hash'", (digest,))
    conn.commit()
    conn.close()


def loosened(table: str) -> tuple[str, tuple]:
    """SQL that rebuilds `table` without its primary key and CHECK constraints."""
    return (
        f'CREATE TABLE "loose" AS SELECT * FROM "{table}"; DROP TABLE "{table}"; '
        f'ALTER TABLE "loose" RENAME TO "{table}";',
        (),
    )


def set_payload(table: str, source_id: str, text: str) -> tuple[str, tuple]:
    return (f'UPDATE "{table}" SET payload = ? WHERE source_id = ?', (text, source_id))
