"""Terminal output shared by the import commands: progress bars and report tables."""

from __future__ import annotations

from collections import Counter

BAR_WIDTH = 30
TOP_CODES = 15  # warning codes the report lists, most frequent first
EXAMPLE_CHARS = 100


class ProgressPrinter:
    """One progress bar per entity type: redrawn in place on a terminal, one line otherwise."""

    def __init__(self, stream, *, interactive: bool | None = None):
        self.stream = stream
        self.interactive = stream.isatty() if interactive is None else interactive
        self.current: str | None = None
        self.last: tuple[int, int] = (0, 0)

    def __call__(self, entity_type: str, done: int, total: int) -> None:
        if entity_type != self.current:
            self.close()
            self.current = entity_type
        self.last = (done, total)
        if self.interactive:
            self.stream.write("\r" + self.line(entity_type, done, total))
            self.stream.flush()

    def close(self) -> None:
        if self.current is None:
            return
        done, total = self.last
        prefix = "\r" if self.interactive else ""
        self.stream.write(prefix + self.line(self.current, done, total) + "\n")
        self.stream.flush()
        self.current = None

    @staticmethod
    def line(entity_type: str, done: int, total: int) -> str:
        share = done / total if total else 1.0
        filled = int(share * BAR_WIDTH)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        return f"  {entity_type:<28} [{bar}] {done:>8}/{total:<8} {share:>4.0%}"


def table(headers: list[str], rows: list[list], *, first_width: int = 28) -> list[str]:
    widths = [max(first_width, len(headers[0]))] + [max(len(h), 9) for h in headers[1:]]

    def fmt(cells):
        head = f"{cells[0]:<{widths[0]}}"
        return (
            "  "
            + head
            + "".join(f" {str(c):>{w}}" for c, w in zip(cells[1:], widths[1:], strict=True))
        )

    lines = [fmt(headers), "  " + "-" * (sum(widths) + len(widths) - 1)]
    lines += [fmt(r) for r in rows]
    return lines


def report_lines(report: dict, warning_codes: Counter | None = None) -> list[str]:
    """Render a job report (the JSON shape) as text."""
    keys = ["in_file", "created", "updated", "conflicts", "already_mapped", "raw", "failed"]
    keys.append("skipped")
    headers = ["entity type", "in file", "created", "updated", "conflicts", "already mapped"]
    if any("linked" in c for c in report["entities"].values()):  # a sheet's report
        keys.insert(2, "linked")
        headers.insert(3, "linked")
    rows = [[t] + [c.get(k, 0) for k in keys] for t, c in report["entities"].items()]
    totals = ["total"] + [sum(c.get(k, 0) for c in report["entities"].values()) for k in keys]
    lines = table([*headers, "raw", "failed", "skipped"], rows + [totals])
    elapsed = report["elapsed_s"] or 0.0
    rate = totals[1] / elapsed if elapsed else 0.0
    kind = "DRY RUN (nothing was saved in the clinic)" if report["dry_run"] else "import"
    missing = report.get("missing_from_file") or {}
    if missing:
        listed = ", ".join(f"{t}: {n}" for t, n in missing.items())
        lines += ["", f"  missing from this file (kept in the clinic, never deleted): {listed}"]
    lines += [
        "",
        f"  {kind} {report['status']} for clinic {report['clinic']} (job {report['job_id']})",
        f"  warnings: {report['warnings']}",
    ]
    for code, n in (warning_codes or Counter()).most_common(TOP_CODES):
        lines.append(f"    {n:>7}  {code}")
    lines.append(f"  elapsed: {elapsed:.1f} s, {rate:,.0f} entities/s")
    files = report.get("binaries") or {}
    if files.get("expected"):
        lines.append(
            f"  binaries: {files['received']} received of {files['expected']} expected "
            f"({files['pending']} waiting for the sync agent, {files['missing']} "
            f"unreadable at export, {files['rejected']} rejected)"
        )
    if files.get("pending") and not report["dry_run"]:
        job = report["job_id"]
        lines.append(
            f"  to bring them: drop the files, a folder or a zip on the job page "
            f"(/import/jobs/{job}/), or run the sync agent with a token from "
            f"python manage.py issue_agent_token {job} (docs/sync-agent.md)"
        )
    return lines + reconciliation_lines(report.get("reconciliation") or {})


def rehearsal_lines(job, warning_codes: Counter, *, examples: dict[str, str]) -> list[str]:
    """After a dry run: nothing was saved, where its warnings are, what each frequent one says."""
    total = sum(warning_codes.values())
    lines = [
        "",
        "Dry run: nothing was saved in the clinic. "
        f"Its {total} warnings are kept with dry-run job {job.pk}",
        f"(all of them on the job page, /import/jobs/{job.pk}/warnings/).",
    ]
    if warning_codes:
        lines.append("Most frequent warnings, with one example each:")
    for code, n in warning_codes.most_common(TOP_CODES):
        example = " ".join((examples.get(code) or "").split())
        if len(example) > EXAMPLE_CHARS:
            example = example[: EXAMPLE_CHARS - 1] + "…"
        lines.append(f"  {n:>7}  {code}: {example}" if example else f"  {n:>7}  {code}")
    lines.append("To import for real, run the same command again without --dry-run.")
    return lines


def phase_line(entry: dict) -> str:
    """One time-stamped line of the phase log."""
    elapsed = "" if entry.get("elapsed_s") is None else f", {entry['elapsed_s']:.2f} s"
    return (
        f"[{entry['at']}] {entry['phase']}: {entry['processed']} records, "
        f"{entry['errors']} errors, {entry.get('warnings', 0)} warnings{elapsed}"
    )


def reconciliation_lines(rec: dict) -> list[str]:
    if not rec or rec.get("adds_up") is None:
        return []
    lines = ["", "  reconciliation:", f"    figures add up: {'yes' if rec['adds_up'] else 'NO'}"]
    bad = {k: v for k, v in (rec.get("orphans") or {}).items() if v}
    lines.append("    orphans: " + (", ".join(f"{k} {v}" for k, v in bad.items()) or "none"))
    for kind, m in (rec.get("money") or {}).items():
        lines.append(
            f"    {kind:<9} file {m['file']:>12}  clinic {m['clinic']:>12}  "
            f"not imported {m['not_imported']:>10}  {'ok' if m['matches'] else 'MISMATCH'}"
        )
    for name, check in (rec.get("derived") or {}).items():
        what = DERIVED_CHECKS.get(name, name)
        if check["mismatched"]:
            examples = ", ".join(map(str, check["examples"]))
            lines.append(
                f"    {what}: {check['mismatched']} of {check['checked']} WRONG (e.g. {examples})"
            )
        else:
            lines.append(f"    {what}: {check['checked']} checked, ok")
    return lines


# What each derived-value check of the reconciliation says, in words (loader/derived.py).
DERIVED_CHECKS = {
    "budget_totals": "budget totals = sum of their lines",
    "payment_splits": "family payments = sum of their shares",
    "mappings": "every imported row still exists",
}
