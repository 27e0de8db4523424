"""Forms of the import wizard.

The step forms (validate, preview, confirm) carry no data of their own: each
is valid when the job row is in the state the step needs. That keeps the
re-validation formtools runs at `done()` cheap (one row, no file) and lets the
wizard storage hold nothing but the job id.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from dentalpin_import.models import JobStatus

SUFFIXES = (".dpm", ".dpm.zst", ".dpm.enc", ".dpm.zst.enc")
MSG_NOT_DPMF_NAME = _("Choose a DPMF export: a .dpm, .dpm.zst, .dpm.enc or .dpm.zst.enc file.")
MSG_NOT_VALIDATED = _("The file has not been validated yet.")
MSG_NOT_PREVIEWED = _("Look at the preview and continue from there first.")


def _passphrase_field(required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("Passphrase"),
        required=required,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Only for encrypted files. It is used once and never stored."),
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("DPMF file"), help_text=_(".dpm, .dpm.zst, .dpm.enc or .dpm.zst.enc")
    )
    passphrase = _passphrase_field(required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(SUFFIXES):
            raise forms.ValidationError(MSG_NOT_DPMF_NAME)
        return upload


class RetryForm(forms.Form):
    """Validate again: after a wrong passphrase, or a background validation that stopped."""

    passphrase = _passphrase_field(required=True)

    def __init__(self, *args, encrypted: bool = True, **kwargs):
        super().__init__(*args, prefix="retry", **kwargs)
        if not encrypted:
            del self.fields["passphrase"]


class JobStepForm(forms.Form):
    """A wizard step that is valid when the job has reached `ready_states`."""

    ready_states: tuple[str, ...] = ()
    not_ready = MSG_NOT_VALIDATED

    def __init__(self, *args, job, **kwargs):
        self.job = job
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.job.status not in self.ready_states:
            raise forms.ValidationError(self.job.error or self.not_ready)
        return cleaned


class ValidateStepForm(JobStepForm):
    ready_states = (JobStatus.VALIDATED, JobStatus.PREVIEWED)


class PreviewForm(JobStepForm):
    ready_states = (JobStatus.VALIDATED, JobStatus.PREVIEWED)
    import_verifactu = forms.BooleanField(
        label=_("Import Verifactu legal data (hashes, ATCUD, QR) of the invoices"),
        required=False,
        help_text=_("Leave unticked to import the invoices without their legal records."),
    )

    def __init__(self, *args, offer_verifactu: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not offer_verifactu:
            del self.fields["import_verifactu"]


class ConfirmForm(JobStepForm):
    ready_states = (JobStatus.PREVIEWED,)
    not_ready = MSG_NOT_PREVIEWED
