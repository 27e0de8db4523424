"""Querysets and the fail-closed manager every clinic-owned model uses."""

from django.db import models
from django_scopes import ScopedManager


class ClinicScopedQuerySet(models.QuerySet):
    """Queries on rows that belong to one clinic."""

    def for_clinic(self, clinic):
        """Return only `clinic`'s rows (explicit, for code running without a scope)."""
        return self.filter(clinic=clinic)


def clinic_scoped_manager():
    """Return a manager that raises `ScopeError` unless a clinic scope is active.

    Code paths that legitimately see every clinic (migrations, backups, the
    superuser admin) wrap themselves in `django_scopes.scopes_disabled()`.
    """
    return ScopedManager(
        _manager_class=models.Manager.from_queryset(ClinicScopedQuerySet), clinic="clinic"
    )
