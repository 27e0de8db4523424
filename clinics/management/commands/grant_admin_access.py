"""`grant_admin_access USERNAME SLUG… [--can-edit] [--revoke]`: a clinic admin in the admin site."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clinics.admin import clinic_data_permissions
from clinics.models import Clinic, Membership

READ = ("view",)
EDIT = ("view", "add", "change")


class Command(BaseCommand):
    help = (
        "Let USERNAME into the admin site (/admin/) for the clinics SLUG…, and only those: the "
        "permissions are given on the user's membership of each clinic, so they count there "
        "alone (docs/security.md, 'Clinic by clinic'). By default they may see every row of "
        "those clinics (patients, appointments, imports, mappings, warnings…); --can-edit also "
        "lets them add and change rows. Nothing here lets anyone delete. --revoke takes these "
        "permissions back (the membership and its role stay). The user must already be a "
        "member of each clinic (add_clinic_member)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("slugs", nargs="+", metavar="slug")
        parser.add_argument("--can-edit", action="store_true")
        parser.add_argument("--revoke", action="store_true")

    def handle(self, *args, username, slugs, can_edit, revoke, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"unknown user '{username}': add them with add_clinic_member first")
        memberships = [self._membership(user, slug) for slug in slugs]
        actions = EDIT if can_edit or revoke else READ
        perms = [p for p in clinic_data_permissions() if p.codename.split("_", 1)[0] in actions]
        with transaction.atomic():
            for membership in memberships:
                if revoke:
                    membership.permissions.remove(*perms)
                else:
                    membership.permissions.add(*perms)
            if not revoke and not user.is_staff:
                user.is_staff = True  # may log in to the admin; rows still come per clinic
                user.save(update_fields=["is_staff"])
        clinics = ", ".join(slugs)
        if revoke:
            self.stdout.write(f"{username} no longer sees nor edits the admin rows of {clinics}")
        else:
            what = "see, add and change" if can_edit else "see"
            self.stdout.write(f"{username} may now {what} the rows of {clinics} at /admin/")

    def _membership(self, user, slug: str) -> Membership:
        clinic = Clinic.objects.filter(slug=slug).first()
        if clinic is None:
            raise CommandError(f"unknown clinic '{slug}'")
        membership = Membership.objects.filter(user=user, clinic=clinic).first()
        if membership is None:
            raise CommandError(
                f"{user.username} is not a member of {slug}: add them first with "
                f"add_clinic_member {slug} {user.username} --role admin"
            )
        return membership
