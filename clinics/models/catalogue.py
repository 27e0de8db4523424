"""The clinic's masters: chairs, small catalogues and the treatment catalogue.

Chairs get their own model and every other small master (payment methods,
countries, provinces, specialties, recall reasons and results, kinds a later
export adds) shares one `CatalogItem` with a `kind`. A chair is a room the
agenda books and work shifts are planned in, so appointments and shifts point
at it with a foreign key that can never land on a "country" or a "payment
method"; the other kinds are labels that only name things, and one table with
a kind keeps a new kind from needing a migration.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from clinics.models.base import ClinicOwned

CHAIR_NAME_LENGTH = 50


class Chair(ClinicOwned):
    """A treatment room or "box" (gabinete) of the clinic."""

    name = models.CharField(max_length=CHAIR_NAME_LENGTH, verbose_name=_("name"))
    code = models.CharField(max_length=40, blank=True, verbose_name=_("code"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))

    class Meta:
        verbose_name = ngettext_lazy("chair", "chairs", 1)
        verbose_name_plural = ngettext_lazy("chair", "chairs", 2)
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CatalogItem(ClinicOwned):
    """One value of a small source master other than chairs, discriminated by `kind`."""

    kind = models.CharField(max_length=40, db_index=True, verbose_name=_("kind"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    code = models.CharField(max_length=40, blank=True, verbose_name=_("code"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))

    class Meta:
        verbose_name = ngettext_lazy("catalogue value", "catalogue values", 1)
        verbose_name_plural = ngettext_lazy("catalogue value", "catalogue values", 2)
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}"


class TreatmentCatalogItem(ClinicOwned):
    """A treatment the clinic offers, with its list price (the tariff master)."""

    name = models.CharField(max_length=200, verbose_name=_("name"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    code = models.CharField(max_length=40, blank=True, verbose_name=_("code"))
    # Prices keep the source's precision (three-decimal prices exist).
    reference_price = models.DecimalField(
        max_digits=12, decimal_places=3, null=True, blank=True, verbose_name=_("reference price")
    )
    vat_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, verbose_name=_("vat percent")
    )
    duration_minutes = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("duration minutes")
    )
    # Gesdén odontogram type (`IdTipoOdg`): what kind of act this is.
    odontogram_type = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("odontogram type")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))

    class Meta:
        verbose_name = ngettext_lazy("treatment in the catalogue", "treatments in the catalogue", 1)
        verbose_name_plural = ngettext_lazy(
            "treatment in the catalogue", "treatments in the catalogue", 2
        )
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TreatmentCatalogVariant(ClinicOwned):
    """A per-tariff price of a catalogue treatment (standard, an insurer's…)."""

    item = models.ForeignKey(
        TreatmentCatalogItem,
        on_delete=models.CASCADE,
        related_name="variants",
        verbose_name=_("item"),
    )
    tariff_code = models.CharField(max_length=40, blank=True, verbose_name=_("tariff code"))
    code = models.CharField(max_length=60, blank=True, verbose_name=_("code"))
    unit_price = models.DecimalField(
        max_digits=12, decimal_places=3, null=True, blank=True, verbose_name=_("unit price")
    )

    class Meta:
        verbose_name = ngettext_lazy(
            "treatment variant in the catalogue", "treatment variants in the catalogue", 1
        )
        verbose_name_plural = ngettext_lazy(
            "treatment variant in the catalogue", "treatment variants in the catalogue", 2
        )
        ordering = ["item", "tariff_code"]

    def __str__(self) -> str:
        return f"{self.item} ({self.tariff_code or '—'})"


class TreatmentPhaseTemplate(ClinicOwned):
    """A planned stage of a catalogue treatment and the share of its price it bills."""

    item = models.ForeignKey(
        TreatmentCatalogItem,
        on_delete=models.CASCADE,
        related_name="phase_templates",
        verbose_name=_("item"),
    )
    phase_number = models.PositiveIntegerField(default=1, verbose_name=_("phase number"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    percent_to_bill = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, verbose_name=_("percent to bill")
    )

    class Meta:
        verbose_name = ngettext_lazy("treatment phase template", "treatment phase templates", 1)
        verbose_name_plural = ngettext_lazy(
            "treatment phase template", "treatment phase templates", 2
        )
        ordering = ["item", "phase_number"]

    def __str__(self) -> str:
        return _("phase %(number)s") % {"number": self.phase_number}
