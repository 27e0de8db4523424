"""Optional fiscal-compliance app: keeps invoices' legal fields verbatim (FORMAT.md §11)."""
