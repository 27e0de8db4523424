"""Forms of the import wizard."""

from django import forms
from django.utils.translation import gettext_lazy as _

SUFFIXES = (".dpm", ".dpm.zst", ".dpm.enc", ".dpm.zst.enc")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("DPMF file"), help_text=_(".dpm, .dpm.zst, .dpm.enc or .dpm.zst.enc")
    )
    passphrase = forms.CharField(
        label=_("Passphrase"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Only for encrypted files. It is used once and never stored."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(SUFFIXES):
            raise forms.ValidationError(
                _("Choose a DPMF export: a .dpm, .dpm.zst, .dpm.enc or .dpm.zst.enc file.")
            )
        return upload


class RetryForm(forms.Form):
    passphrase = forms.CharField(
        label=_("Passphrase"),
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )


class ConfirmForm(forms.Form):
    import_verifactu = forms.BooleanField(
        label=_("Import Verifactu / fiscal legal data of the invoices"), required=False
    )
