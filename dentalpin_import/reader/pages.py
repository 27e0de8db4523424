"""Reading a source's rows page by page without splitting the rows of one key.

A DPMF container pages a type's table by canonical_uuid (`> last`), so every
row of a page's last key that did not fit the page would be skipped. The
importer reports such copies, so it must see them: they join their page. These
functions take any source with the container's reading methods; a CSV sheet's
reader never repeats a key (it gives a second row of one `key#2`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator


def may_repeat_keys(container, entity_type: str) -> bool:
    """False when no two rows of the type's table share a canonical_uuid.

    FORMAT.md makes canonical_uuid the table's primary key, and SQLite then
    keeps it unique: two PRAGMAs tell. A table built without that key is read
    through once to find out.
    """
    conn = getattr(container, "conn", None)
    if conn is None:
        return False  # a CSV sheet: its reader gives a repeated key a new one (`key#2`)
    try:
        for index in conn.execute(f'PRAGMA index_list("{entity_type}")').fetchall():
            name, unique = str(index[1]), index[2]
            quoted = name.replace('"', '""')
            columns = [c[2] for c in conn.execute(f'PRAGMA index_info("{quoted}")')]
            if unique and columns == ["canonical_uuid"]:
                return False
        sql = f'SELECT 1 FROM "{entity_type}" GROUP BY canonical_uuid HAVING COUNT(*) > 1 LIMIT 1'
        return conn.execute(sql).fetchone() is not None
    except sqlite3.Error:
        return True  # the reader will say what is wrong with the table; assume copies


def whole_pages(
    container, entity_type: str, *, chunk_size: int, after_uuid=None, repeats: bool = True
) -> Iterator[list]:
    """`container.iter_rows`, except that a page never ends between two rows of one key.

    The container pages by canonical_uuid (`> last`): every row of a page's last
    key that did not fit the page would be skipped. The importer reports such
    copies (`Copies`), so it must see them: they join their page.
    `repeats=False` says the caller knows every key is unique (`may_repeat_keys`).
    """
    pages = container.iter_rows(entity_type, chunk_size=chunk_size, after_uuid=after_uuid)
    for rows in pages:
        if repeats:
            last = rows[-1].canonical_uuid
            copies = container.rows_among(entity_type, [last])
            if len(copies) > sum(1 for r in rows if r.canonical_uuid == last):
                rows = [r for r in rows if r.canonical_uuid != last] + copies
        yield rows


def whole_keys(container, entity_type: str, keys: list[str]) -> list[str]:
    """A page of `container.iter_keys` with the copies of its last key it would skip.

    For a type that `may_repeat_keys` (the caller asks once): one look-up by key.
    """
    if not keys:
        return keys
    last = keys[-1]
    sql = f'SELECT COUNT(*) FROM "{entity_type}" WHERE canonical_uuid = ?'
    try:
        (count,) = container.conn.execute(sql, (last,)).fetchone()
    except sqlite3.Error:
        return keys
    return keys + [last] * (count - keys.count(last))
