"""`create_clinic SLUG --name NAME [--country ES]`: create a clinic (the tenant)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from clinics.models import Clinic


class Command(BaseCommand):
    help = (
        "Create a clinic. The slug is how commands such as import_dpmf --clinic name it. "
        "Refuses a slug that already exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--country", default="ES", help="ISO 3166 two-letter code")
        parser.add_argument("--timezone", default="Europe/Madrid")
        parser.add_argument(
            "--if-missing", action="store_true", help="succeed quietly when it already exists"
        )

    def handle(self, *args, slug, name, country, timezone, if_missing, **options):
        if slugify(slug) != slug:
            raise CommandError(f"'{slug}' is not a valid slug (try '{slugify(slug)}')")
        if len(country) != 2 or not country.isalpha():
            raise CommandError(f"'{country}' is not a two-letter country code")
        if Clinic.objects.filter(slug=slug).exists():
            if if_missing:
                return
            raise CommandError(f"clinic '{slug}' already exists")
        clinic = Clinic.objects.create(
            slug=slug, name=name, country=country.upper(), timezone=timezone
        )
        self.stdout.write(f"created clinic {clinic.slug} ({clinic.name})")
