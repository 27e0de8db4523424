"""The clinic switcher."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinics.middleware import SESSION_KEY, clinics_for


@login_required
@require_POST
def switch_clinic(request):
    """Select another of the user's clinics; a clinic they do not belong to is a 404."""
    wanted = request.POST.get("clinic", "")
    mine = clinics_for(request.user)
    clinic = mine.filter(pk=wanted).first() if wanted.isascii() and wanted.isdigit() else None
    if clinic is None:
        raise Http404("No such clinic")
    request.session[SESSION_KEY] = clinic.pk
    target = request.POST.get("next") or "/import/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/import/"
    return HttpResponseRedirect(target)
