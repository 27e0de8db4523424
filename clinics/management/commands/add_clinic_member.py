"""`add_clinic_member SLUG USERNAME --role ROLE`: give a user a role in a clinic."""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clinics.models import Clinic, Membership, Role


class Command(BaseCommand):
    help = (
        "Add USERNAME to the clinic SLUG with ROLE (creating the user when missing). "
        "The password, if any, is read from the environment variable named by "
        "--password-env, never from the command line. An existing membership has its role "
        "changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password-env", metavar="VAR")
        parser.add_argument("--email", default="")

    def handle(self, *args, slug, username, role, password_env, email, **options):
        clinic = Clinic.objects.filter(slug=slug).first()
        if clinic is None:
            raise CommandError(f"unknown clinic '{slug}'")
        password = None
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"environment variable {password_env} is empty or unset")
        with transaction.atomic():
            user, created = self._user(username, email, password)
            _, joined = Membership.objects.update_or_create(
                user=user, clinic=clinic, defaults={"role": role}
            )
        verb = "created user and added" if created else ("added" if joined else "updated")
        self.stdout.write(f"{verb} {username} to {slug} as {role}")

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
