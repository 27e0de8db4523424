"""The import wizard: upload → validate → preview → confirm → the job page.

The upload is a plain view: it streams the file into the job's private
staging folder, validates it (or starts a background validation) and sends
the browser to the job's wizard. Validate → preview → confirm is a formtools
`NamedUrlSessionWizardView` whose storage is keyed by the job id (which is
also in every URL, so two tabs never mix) and holds the job id only: the step
forms carry no data, they check the job row. `done()` only starts the job.
The passphrase lives only in the request (or the web-process thread) that
validates the file (docs/security.md).
"""

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from formtools.wizard.forms import ManagementForm
from formtools.wizard.views import NamedUrlSessionWizardView, WizardView

from clinics.permissions import clinic_permission_required, has_clinic_perm
from clinics.shortcuts import get_for_clinic_or_404
from dentalpin_import.jobs import preview, rehearsal, services, validation
from dentalpin_import.models import ImportJob, JobStatus, SourceKind, TransitionError
from dentalpin_import.web import passphrase_limits
from dentalpin_import.web.advice import advice
from dentalpin_import.web.forms import (
    ConfirmForm,
    PreviewForm,
    RetryForm,
    UploadForm,
    ValidateStepForm,
)

STEPS = (("validate", ValidateStepForm), ("preview", PreviewForm), ("confirm", ConfirmForm))
IN_WIZARD = (JobStatus.UPLOADED, JobStatus.VALIDATED, JobStatus.PREVIEWED)


def wizard_prefix(job_id) -> str:
    """The session key of one job's wizard: one per job, so two tabs never share a wizard."""
    return f"import_{job_id}"


def offers_verifactu(job: ImportJob) -> bool:
    """The Verifactu checkbox: only when the file carries legal data and the app is installed."""
    detected = bool(job.meta.get("preview", {}).get("verifactu_detected"))
    return detected and apps.is_installed("verifactu")


@sensitive_post_parameters("passphrase")
@clinic_permission_required("job_write")
@require_http_methods(["GET", "POST"])
def upload(request):
    request.upload_cap = settings.DPMF_MAX_UPLOAD_BYTES
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and getattr(request, "upload_too_large", False):
        # Bound even when the cap stopped the body before any field was read; the
        # cap, not a missing file, is what the page says.
        form = UploadForm(request.POST, request.FILES)
        form.errors.pop("file", None)
        form.add_error(
            "file",
            _("The file is larger than %(limit)s bytes (DPMF_MAX_UPLOAD_BYTES).")
            % {"limit": f"{settings.DPMF_MAX_UPLOAD_BYTES:,}"},
        )
        return render(request, "dentalpin_import/wizard/upload.html", {"form": form}, status=413)
    elif request.method == "POST" and form.is_valid():
        with_passphrase = bool(form.cleaned_data["passphrase"])
        refused = with_passphrase and passphrase_limits.refusal(request)
        if refused:  # too many wrong ones lately: nothing is staged, no key derived
            form.add_error("passphrase", refused)
            return render(
                request, "dentalpin_import/wizard/upload.html", {"form": form}, status=429
            )
        job = services.stage_upload(
            clinic=request.clinic, user=request.user, uploaded=form.cleaned_data["file"]
        )
        deferred = services.submit_for_validation(
            job=job, passphrase=form.cleaned_data["passphrase"] or None
        )
        if with_passphrase:
            passphrase_limits.count_attempt(request, job, deferred=deferred)
        return redirect("dentalpin_import:job-validate", job_id=job.pk)
    return render(request, "dentalpin_import/wizard/upload.html", {"form": form})


def validation_context(job: ImportJob, retry_form: RetryForm | None = None) -> dict:
    """What the validate page and its polled fragment show."""
    running, stalled = validation.is_running(job), validation.is_stalled(job)
    retry = job.status == JobStatus.UPLOADED and not running and (bool(job.error) or stalled)
    encrypted = job.layering in services.ENCRYPTED_LAYERINGS or not job.layering
    state = validation.state_of(job)
    failure = validation.failed_check(job)
    return {
        "job": job,
        "checks": validation.checks(job),
        "technical": validation.technical(job),
        "advice": advice(state.get("code", "")) if failure else None,
        "records_in": validation.records_in(job),
        "running": running,
        "stalled": stalled,
        "phase": validation.PHASE_LABELS.get(state.get("phase", ""), ""),
        "phase_percent": state.get("percent", 0),
        "percent": validation.overall_percent(job),
        "retry": retry,
        "retry_form": retry_form or RetryForm(encrypted=encrypted),
        "validated": job.status in (JobStatus.VALIDATED, JobStatus.PREVIEWED),
        "management_form": ManagementForm(
            prefix=wizard_prefix(job.pk), initial={"current_step": "validate"}
        ),
    }


def preview_summary(stored: dict, job: ImportJob) -> dict:
    """The figures the preview leads with: kinds imported, kinds kept raw, records at fault."""
    types = stored.get("types", [])
    mapped = sum(1 for t in types if t.get("handling") == "mapped")
    return {
        "mapped_kinds": mapped,
        "raw_kinds": len(types) - mapped,
        "preflight_total": sum(p.get("count", 0) for p in job.preflight or []),
    }


@clinic_permission_required("job_read")
def validation_progress(request, job_id):
    """The fragment the validate page polls while a large file is validated."""
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    return render(
        request, "dentalpin_import/wizard/partials/validation.html", validation_context(job)
    )


@method_decorator(sensitive_post_parameters("passphrase", "retry-passphrase"), name="dispatch")
@method_decorator(clinic_permission_required("job_write"), name="dispatch")
class ImportWizard(NamedUrlSessionWizardView):
    """Validate → preview → confirm for one job; storage: {"job_id": …} and the step name."""

    form_list = STEPS
    template_names = {step: f"dentalpin_import/wizard/{step}.html" for step, _form in STEPS}

    def dispatch(self, request, *args, **kwargs):
        self.job = get_for_clinic_or_404(request, ImportJob, pk=kwargs["job_id"])
        if self.job.source_kind == SourceKind.CSV:  # a sheet has its own preview and confirm
            return redirect("dentalpin_import:sheet-preview", job_id=self.job.pk)
        if self.job.status == JobStatus.FAILED and self.job.started_at is None:
            # Refused at validation: show which check failed; the wizard is over.
            return render(
                request, "dentalpin_import/wizard/validate.html", validation_context(self.job)
            )
        if self.job.status not in IN_WIZARD:
            return redirect("dentalpin_import:job-detail", job_id=self.job.pk)
        if self.job.status == JobStatus.UPLOADED and kwargs.get("step") != "validate":
            return redirect("dentalpin_import:job-validate", job_id=self.job.pk)
        if kwargs.get("step") == "confirm" and not self._may_execute():
            raise PermissionDenied("You may not start imports in this clinic.")
        return super().dispatch(request, *args, **kwargs)

    def _may_execute(self) -> bool:
        return has_clinic_perm(self.request.user, self.request.clinic, "job_execute")

    def get_prefix(self, request, *args, **kwargs):
        return wizard_prefix(kwargs["job_id"])

    def _remember_job(self) -> None:
        if self.storage.extra_data != {"job_id": str(self.job.pk)}:
            self.storage.extra_data = {"job_id": str(self.job.pk)}

    def get(self, request, *args, **kwargs):
        self._remember_job()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._remember_job()
        if "retry" in request.POST:
            return self._retry(request)
        # formtools strips the field before it picks the step: so does this check.
        step = (request.POST.get(f"{self.prefix}-current_step") or "").strip()
        if step == "confirm" and not self._may_execute():
            raise PermissionDenied("You may not start imports in this clinic.")
        return super().post(request, *args, **kwargs)

    def _retry(self, request):
        """Validate again with a new passphrase (or after a stopped background validation)."""
        job = self.job
        encrypted = job.layering in services.ENCRYPTED_LAYERINGS or not job.layering
        form = RetryForm(request.POST, encrypted=encrypted)
        context = validation_context(job)
        if not context["retry"]:
            return redirect(self.get_step_url("validate"))
        with_passphrase = form.is_valid() and bool(form.cleaned_data.get("passphrase"))
        refused = with_passphrase and passphrase_limits.refusal(request, job)
        if refused:  # too many wrong ones lately: refused before any key derivation
            form.add_error("passphrase", refused)
        if not form.is_valid():
            self.storage.current_step = "validate"
            response = self.render(self.get_form(step="validate"), retry_form=form)
            response.status_code = 429 if refused else response.status_code
            return response
        deferred = services.submit_for_validation(
            job=job, passphrase=form.cleaned_data.get("passphrase") or None
        )
        if with_passphrase:
            passphrase_limits.count_attempt(request, job, deferred=deferred)
        return redirect(self.get_step_url("validate"))

    def get_step_url(self, step):
        return reverse(f"dentalpin_import:job-{step}", kwargs={"job_id": self.job.pk})

    def get_template_names(self):
        return [self.template_names[self.steps.current]]

    def get_form_kwargs(self, step=None):
        kwargs = {"job": self.job}
        if step == "preview":
            kwargs["offer_verifactu"] = offers_verifactu(self.job)
        return kwargs

    def get_form_initial(self, step):
        if step == "preview":
            return {"import_verifactu": self.job.options.get("import_verifactu", False)}
        return {}

    def get_form(self, step=None, data=None, files=None):
        # Whatever way a request reaches the confirm step, it needs the execute permission.
        if (step or self.steps.current) == "confirm" and not self._may_execute():
            raise PermissionDenied("You may not start imports in this clinic.")
        if self.request.method == "GET":
            data = files = None  # a page view shows the job's state, not a stored submission
        return super().get_form(step=step, data=data, files=files)

    def get_form_step_data(self, form):
        return {}  # never the submitted values: the storage keeps the job id only

    def get_form_step_files(self, form):
        return {}

    def process_step(self, form):
        if self.steps.current == "preview":
            wanted = form.cleaned_data.get("import_verifactu", False)
            services.preview_job(job=self.job, import_verifactu=wanted)
        return self.get_form_step_data(form)

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        job = self.job
        context.update(job=job, preview=preview.unseal(job.meta.get("preview", {})))
        context["binaries"] = context["preview"].get("files", {})
        context.update(preview_summary(context["preview"], job))
        if self.steps.current == "validate":
            context.update(validation_context(job, kwargs.get("retry_form")))
        context["offer_verifactu"] = offers_verifactu(job)
        context["import_verifactu"] = bool(job.options.get("import_verifactu"))
        return context

    def render_done(self, form, **kwargs):
        if self.request.method != "POST":
            return redirect(self.get_step_url(self.steps.current))  # never start on a GET
        response = WizardView.render_done(self, form, **kwargs)
        self.request.session.pop(self.storage.prefix, None)
        return response

    def done(self, form_list, **kwargs):
        if not self._may_execute():
            raise PermissionDenied("You may not start imports in this clinic.")
        if self.request.POST.get("dry_run"):  # a rehearsal first (jobs.rehearsal)
            rehearsal.ask_for_rehearsal(self.job)
        try:
            token = services.start_job(job=self.job, user=self.request.user)
        except TransitionError:
            return redirect("dentalpin_import:job-detail", job_id=self.job.pk)
        return render(
            self.request,
            "dentalpin_import/wizard/started.html",
            {
                "job": self.job,
                "agent_token": token,
                "documents_listed": services.lists_documents(self.job),
            },
        )


wizard = ImportWizard.as_view(url_name="dentalpin_import:job-wizard")
