"""`dumpdata`, able to see every clinic's rows (backups must not be clinic-scoped)."""

from django.core.management.commands import dumpdata
from django_scopes import scopes_disabled


class Command(dumpdata.Command):
    help = dumpdata.Command.help + " Clinic scoping is lifted for the dump."

    def handle(self, *args, **options):
        with scopes_disabled():
            return super().handle(*args, **options)
