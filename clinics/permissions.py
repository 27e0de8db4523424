"""Who may do what in a clinic: what the member's role there grants, plus the membership's own
Django permissions.

A permission counts in one clinic only. Permissions given to a user account or to its groups
count in no clinic: a clinic's data is reached through a membership, and a membership names one
clinic (docs/security.md, "Clinic by clinic"). Superusers act everywhere.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from clinics.models import Membership, Role

IMPORT_APP = "dentalpin_import"
IMPORT_PERMISSIONS = ("job_read", "job_write", "job_execute", "binary_write")
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(f"{IMPORT_APP}.{codename}" for codename in IMPORT_PERMISSIONS)
}
_CACHE = "_clinic_permissions_cache"


def full_name(perm: str) -> str:
    """`job_read` → `dentalpin_import.job_read`; a name with its app is kept."""
    return perm if "." in perm else f"{IMPORT_APP}.{perm}"


def membership_grants(role: str, permissions) -> frozenset[str]:
    """What a membership with `role` and these `Permission` rows lets its member do."""
    named = {f"{p.content_type.app_label}.{p.codename}" for p in permissions}
    return ROLE_PERMISSIONS.get(role, frozenset()) | named


def clinic_permissions(user) -> dict[int, frozenset[str]]:
    """For each clinic `user` belongs to (by id): the permissions they hold there.

    Read once per user object, as Django caches `user.has_perm`: a request sees one state.
    """
    if not user.is_authenticated:
        return {}
    cached = getattr(user, _CACHE, None)
    if cached is None:
        held: dict[int, set[str]] = {}
        rows = Membership.objects.filter(user=user).values_list(
            "clinic_id", "role", "permissions__content_type__app_label", "permissions__codename"
        )
        for clinic_id, role, app_label, codename in rows:
            perms = held.setdefault(clinic_id, set(ROLE_PERMISSIONS.get(role, ())))
            if codename:
                perms.add(f"{app_label}.{codename}")
        cached = {clinic_id: frozenset(perms) for clinic_id, perms in held.items()}
        setattr(user, _CACHE, cached)
    return cached


def clinic_ids_granting(user, *perms: str) -> set[int]:
    """Ids of the clinics where `user`'s membership holds any of `perms` (superuser or not)."""
    wanted = {full_name(p) for p in perms}
    return {cid for cid, held in clinic_permissions(user).items() if held & wanted}


def has_clinic_perm(user, clinic, codename: str) -> bool:
    """True when `user` is a member of `clinic` whose role or membership there grants `codename`."""
    if clinic is None or not user.is_authenticated or not user.is_active:
        return False
    held = clinic_permissions(user).get(clinic.pk)
    if held is None:
        return False
    return user.is_superuser or full_name(codename) in held


def clinic_permission_required(codename: str):
    """View decorator: log in first, then 403 unless the selected clinic grants `codename`."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_clinic_perm(request.user, request.clinic, codename):
                raise PermissionDenied("You may not use the importer in this clinic.")
            # Lookups offer a switch only to clinics granting it too (clinics.shortcuts).
            request.clinic_permission = codename
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
