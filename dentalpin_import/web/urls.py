"""URLs under /import/."""

from django.urls import path

from dentalpin_import.web import agent, jobs, sheets, wizard

app_name = "dentalpin_import"
urlpatterns = [
    path("", jobs.job_list, name="job-list"),
    path("new/", wizard.upload, name="upload"),
    path("jobs/<uuid:job_id>/", jobs.job_detail, name="job-detail"),
    path("jobs/<uuid:job_id>/validate/", wizard.validate, name="job-validate"),
    path("jobs/<uuid:job_id>/preview/", wizard.preview, name="job-preview"),
    path("jobs/<uuid:job_id>/confirm/", wizard.confirm, name="job-confirm"),
    path("jobs/<uuid:job_id>/progress/", jobs.job_progress, name="job-progress"),
    path("jobs/<uuid:job_id>/warnings/", jobs.job_warnings, name="job-warnings"),
    path("jobs/<uuid:job_id>/warnings.csv", jobs.job_warnings_csv, name="job-warnings-csv"),
    path("jobs/<uuid:job_id>/cancel/", jobs.job_cancel, name="job-cancel"),
    path("jobs/<uuid:job_id>/resume/", jobs.job_resume, name="job-resume"),
    path("jobs/<uuid:job_id>/binaries", agent.binaries, name="job-binaries"),
    path("sheets/new/", sheets.upload, name="sheet-upload"),
    path("sheets/<uuid:job_id>/", sheets.preview, name="sheet-preview"),
    path("sheets/<uuid:job_id>/confirm/", sheets.confirm, name="sheet-confirm"),
]
