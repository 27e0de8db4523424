"""`add_clinic_member SLUG USERNAME --role ROLE [--permission APP.CODENAME]`: join a clinic."""

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clinics.models import Clinic, Membership, Role


class Command(BaseCommand):
    help = (
        "Add USERNAME to the clinic SLUG with ROLE (creating the user when missing). "
        "The password, if any, is read from the environment variable named by "
        "--password-env, never from the command line. An existing membership has its role "
        "changed. Each --permission (e.g. dentalpin_import.job_execute) is granted in this "
        "clinic only, on the membership; --clear-permissions removes the ones it had."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password-env", metavar="VAR")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--permission",
            action="append",
            default=[],
            metavar="APP.CODENAME",
            help="grant this Django permission in this clinic only (repeatable)",
        )
        parser.add_argument("--clear-permissions", action="store_true")

    def handle(self, *args, slug, username, role, password_env, email, **options):
        clinic = Clinic.objects.filter(slug=slug).first()
        if clinic is None:
            raise CommandError(f"unknown clinic '{slug}'")
        grants = [self._permission(name) for name in options["permission"]]
        password = None
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"environment variable {password_env} is empty or unset")
        with transaction.atomic():
            user, created = self._user(username, email, password)
            membership, joined = Membership.objects.update_or_create(
                user=user, clinic=clinic, defaults={"role": role}
            )
            if options["clear_permissions"]:
                membership.permissions.clear()
            membership.permissions.add(*grants)
        verb = "created user and added" if created else ("added" if joined else "updated")
        also = f" with {', '.join(options['permission'])}" if grants else ""
        self.stdout.write(f"{verb} {username} to {slug} as {role}{also}")

    def _permission(self, name: str) -> Permission:
        app_label, _, codename = name.partition(".")
        found = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        if not codename or not found.exists():
            raise CommandError(
                f"unknown permission '{name}': give it as app.codename, "
                "e.g. dentalpin_import.job_execute"
            )
        return found.get()

    def _user(self, username, email, password):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username, email=email, is_staff=True)
            if password is None:
                user.set_unusable_password()
        if password is not None:
            user.set_password(password)
        user.is_staff = True
        user.save()
        return user, created
