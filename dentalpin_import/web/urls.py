"""URLs under /import/."""

from django.urls import path

from dentalpin_import.web import agent, jobs

app_name = "dentalpin_import"
urlpatterns = [
    path("", jobs.job_list, name="job-list"),
    path("jobs/<uuid:job_id>/", jobs.job_detail, name="job-detail"),
    path("jobs/<uuid:job_id>/binaries", agent.binaries, name="job-binaries"),
]
