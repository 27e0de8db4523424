"""URLs under /import/ (the wizard's map is in docs/overview.md)."""

from django.urls import path

from dentalpin_import.web import (
    agent,
    cutover,
    documents,
    jobs,
    rehearsals,
    reports,
    sheet_columns,
    sheet_rows,
    sheets,
    undo,
    wizard,
)

app_name = "dentalpin_import"
urlpatterns = [
    path("", jobs.job_list, name="job-list"),
    path("new/", wizard.upload, name="upload"),
    path("jobs/<uuid:job_id>/", jobs.job_detail, name="job-detail"),
    # The wizard of one job (formtools, session storage keyed by the job id).
    path("jobs/<uuid:job_id>/wizard/", wizard.wizard, name="job-wizard"),
    path("jobs/<uuid:job_id>/validate/", wizard.wizard, {"step": "validate"}, name="job-validate"),
    path("jobs/<uuid:job_id>/preview/", wizard.wizard, {"step": "preview"}, name="job-preview"),
    path("jobs/<uuid:job_id>/confirm/", wizard.wizard, {"step": "confirm"}, name="job-confirm"),
    path("jobs/<uuid:job_id>/validation/", wizard.validation_progress, name="job-validation"),
    path("jobs/<uuid:job_id>/progress/", jobs.job_progress, name="job-progress"),
    path("jobs/<uuid:job_id>/warnings/", jobs.job_warnings, name="job-warnings"),
    path("jobs/<uuid:job_id>/warnings.csv", jobs.job_warnings_csv, name="job-warnings-csv"),
    path("jobs/<uuid:job_id>/cancel/", jobs.job_cancel, name="job-cancel"),
    path("jobs/<uuid:job_id>/resume/", jobs.job_resume, name="job-resume"),
    path("jobs/<uuid:job_id>/undo/", undo.job_undo, name="job-undo"),
    path("jobs/<uuid:job_id>/report.json", reports.job_report_json, name="job-report-json"),
    path("jobs/<uuid:job_id>/binaries", agent.binaries, name="job-binaries"),
    path("jobs/<uuid:job_id>/documents", documents.drop, name="job-documents"),
    path("jobs/<uuid:job_id>/import-for-real/", rehearsals.import_for_real, name="job-for-real"),
    path("jobs/<uuid:job_id>/conflicts/", cutover.job_conflicts, name="job-conflicts"),
    path("jobs/<uuid:job_id>/conflicts.csv", cutover.job_conflicts_csv, name="job-conflicts-csv"),
    path(
        "jobs/<uuid:job_id>/conflicts/take-file/",
        cutover.job_conflicts_take,
        name="job-conflicts-take",
    ),
    path("jobs/<uuid:job_id>/missing/", cutover.job_missing, name="job-missing"),
    path("jobs/<uuid:job_id>/missing.csv", cutover.job_missing_csv, name="job-missing-csv"),
    path("sheets/new/", sheets.upload, name="sheet-upload"),
    path("sheets/<uuid:job_id>/", sheets.preview, name="sheet-preview"),
    path("sheets/<uuid:job_id>/confirm/", sheets.confirm, name="sheet-confirm"),
    path("sheets/<uuid:job_id>/columns/", sheet_columns.columns, name="sheet-columns"),
    path("sheets/<uuid:job_id>/workbook/", sheet_columns.worksheet, name="sheet-worksheet"),
    path("sheets/<uuid:job_id>/mapping.json", sheet_columns.mapping_json, name="sheet-mapping"),
    path("sheets/<uuid:job_id>/read-again/", sheet_columns.read_again, name="sheet-read-again"),
    path("sheets/<uuid:job_id>/rows/", sheet_rows.rows, name="sheet-rows"),
    path(
        "sheets/templates/<slug:sheet_type>.<slug:fmt>",
        sheet_columns.template,
        name="sheet-template",
    ),
]
