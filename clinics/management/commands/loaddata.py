"""`loaddata`, able to restore every clinic's rows (restores must not be clinic-scoped)."""

from django.core.management.commands import loaddata
from django_scopes import scopes_disabled


class Command(loaddata.Command):
    help = loaddata.Command.help + " Clinic scoping is lifted for the load."

    def handle(self, *args, **options):
        with scopes_disabled():
            return super().handle(*args, **options)
