"""An admin search box that keeps what staff type out of page addresses, and so out of logs.

Django's search box is a GET form: a surname or an identity number lands in the address
(`?q=García`), and from there in the web server's and proxies' access logs and in Referer
headers. An admin built on `PrivateSearchAdmin` instead:

- posts the box (with its CSRF token); the term is kept in the session under a random key and
  the browser is sent to the list at `?qs=<key>`;
- resolves the key back to the term for the search, and every link the list makes (filters,
  sorting, pages, "back to the list" from a row) carries the key, never the term;
- sends an address with `?q=` (an old bookmark, a typed address) on at once to a key, so no page
  is served from it or links to it;
- opens the whole list, with a message, for a key this session does not know (another user's,
  another list's, or one older than `KEPT_SECONDS`).
"""

from __future__ import annotations

import secrets
import time

from django import forms
from django.contrib import messages
from django.contrib.admin.options import IS_FACETS_VAR, IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.views.main import ERROR_FLAG, PAGE_VAR, SEARCH_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

TOKEN_VAR = "qs"
POSTED_VAR = "_search"  # marks the box's post apart from an action's on the same address
SESSION_KEY = "admin_searches"
KEPT = 20  # a session keeps its last searches only
# A working day. The session (stored in the database, with the patients the terms name) drops
# an older search at the next private list visited, and all of them at sign-out.
KEPT_SECONDS = 12 * 3600
MAX_LENGTH = 200

MSG_FORGOTTEN = _(
    "That search has expired or was made in another sign-in, so the whole list is shown. "
    "Type it again in the search box."
)
MSG_UNUSABLE = _(
    "The search was not run: it is longer than %(limit)s characters or has a character that "
    "cannot be searched. Type a shorter search, with letters, numbers and punctuation only."
)


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=MAX_LENGTH)  # also refuses NUL characters


def usable(value: str) -> str | None:
    """`value` as searched (stripped), or None if it cannot be searched."""
    form = SearchForm({"q": value})
    return form.cleaned_data["q"] if form.is_valid() else None


def _kept(request) -> dict[str, list]:
    """The session's searches still in date: key -> [model label, term, when kept]."""
    kept = request.session.get(SESSION_KEY)
    if not isinstance(kept, dict):
        return {}
    since = time.time() - KEPT_SECONDS
    return {k: v for k, v in kept.items() if isinstance(v, list) and len(v) == 3 and v[2] > since}


def forget_expired(request) -> None:
    """Write the session back without the searches older than KEPT_SECONDS."""
    kept = request.session.get(SESSION_KEY)
    if kept is None:
        return
    fresh = _kept(request)
    if fresh == kept:
        return
    if fresh:
        request.session[SESSION_KEY] = fresh
    else:
        del request.session[SESSION_KEY]


def remember(request, model, term: str) -> str:
    """Keep `term` in the session for `model`'s list; return the key that stands for it."""
    label = model._meta.label_lower
    kept = _kept(request)
    # The same search again gets its key again (a row's page asks several times per request).
    token = next((k for k, v in kept.items() if v[:2] == [label, term]), None)
    token = token or secrets.token_urlsafe(12)
    kept.pop(token, None)
    kept[token] = [label, term, time.time()]
    request.session[SESSION_KEY] = dict(list(kept.items())[-KEPT:])
    return token


def recall(request, model, token: str) -> str | None:
    """The term `token` stands for in this session's `model` list; None if it is unknown."""
    entry = _kept(request).get(token)
    if entry is None or entry[0] != model._meta.label_lower:
        return None
    return entry[1]


class PrivateSearchChangeList(ChangeList):
    """A list searched by a key (`?qs=`): its links carry the key, never a term."""

    search_var = SEARCH_VAR
    posted_var = POSTED_VAR
    search_max_length = MAX_LENGTH

    def __init__(self, request, model, *args, **kwargs):
        token = request.GET.get(TOKEN_VAR)
        self.private_query = (recall(request, model, token) if token else None) or ""
        super().__init__(request, model, *args, **kwargs)

    def get_queryset(self, request, exclude_parameters=None):
        self.query = self.private_query  # Django reads `q`, which never reaches this list
        return super().get_queryset(request, exclude_parameters)

    def get_filters_params(self, params=None):
        lookup = super().get_filters_params(params)
        lookup.pop(TOKEN_VAR, None)  # the key is not a field to filter by
        return lookup

    def get_query_string(self, new_params=None, remove=None):
        # Filters, sorting and pages keep the address's key; a term is never written into a link.
        return super().get_query_string({**(new_params or {}), SEARCH_VAR: None}, remove)

    @property
    def show_result_count(self) -> bool:
        return self.result_count != self.full_result_count

    @property
    def unsearched_query_string(self) -> str:
        """The whole list, still in its pop-up window if it is one."""
        kept = (IS_POPUP_VAR, TO_FIELD_VAR, IS_FACETS_VAR)
        return "?" + urlencode(sorted((k, v) for k, v in self.params.items() if k in kept))


class PrivateSearchAdmin:
    """Mixin for a `ModelAdmin` whose `search_fields` hold personal or health data."""

    change_list_template = "admin/clinics/private_search_change_list.html"

    def get_changelist(self, request, **kwargs):
        return PrivateSearchChangeList

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        forget_expired(request)
        if request.method == "POST" and POSTED_VAR in request.POST:
            return self._searched(request, request.POST)
        if SEARCH_VAR in request.GET:
            return self._searched(request, request.GET)
        token = request.GET.get(TOKEN_VAR)
        # Also for an action's post: on the whole list, "all rows" would mean far more rows.
        if token is not None and recall(request, self.model, token) is None:
            messages.info(request, MSG_FORGOTTEN)
            return self._list_at(request, drop=(TOKEN_VAR,))
        return super().changelist_view(request, extra_context)

    def _searched(self, request, data):
        """Keep the term and send the browser to the list at its key (page 1, filters kept)."""
        term = usable(data.get(SEARCH_VAR, ""))
        if term is None:  # refused: the list stays as it was
            messages.error(request, MSG_UNUSABLE % {"limit": MAX_LENGTH})
            return self._list_at(request, drop=(SEARCH_VAR,))
        token = remember(request, self.model, term) if term else None
        return self._list_at(request, drop=(SEARCH_VAR, TOKEN_VAR, PAGE_VAR), token=token)

    def _list_at(self, request, drop, token=None):
        params = request.GET.copy()
        for name in (*drop, ERROR_FLAG):
            params.pop(name, None)
        if token:
            params[TOKEN_VAR] = token
        query = params.urlencode()
        return HttpResponseRedirect(request.path + (f"?{query}" if query else ""))

    # A row's page opened from an address Django made before (a bookmark) may carry the term in
    # `_changelist_filters`: it is sent on to the same page with a key, as the list is.
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        rekeyed = self._rekeyed(request)
        return rekeyed or super().changeform_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        return self._rekeyed(request) or super().history_view(request, object_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        return self._rekeyed(request) or super().delete_view(request, object_id, extra_context)

    def _rekeyed(self, request):
        filters = request.GET.get("_changelist_filters")
        if request.method != "GET" or filters is None or SEARCH_VAR not in QueryDict(filters):
            return None
        params = request.GET.copy()
        params["_changelist_filters"] = self._keyed(request, filters)
        return HttpResponseRedirect(f"{request.path}?{params.urlencode()}")

    def _keyed(self, request, filters: str) -> str:
        """`filters` (a list's query string) with its term, if any, replaced by a key."""
        params = QueryDict(filters, mutable=True)
        if SEARCH_VAR not in params:
            return filters
        term = usable(params.pop(SEARCH_VAR)[-1])
        params.pop(TOKEN_VAR, None)
        if term:
            params[TOKEN_VAR] = remember(request, self.model, term)
        return params.urlencode()

    def get_preserved_filters(self, request):
        """The list's query string a row's page links back to: with a key, never a term."""
        preserved = super().get_preserved_filters(request)
        if not preserved:
            return preserved
        filters = QueryDict(preserved).get("_changelist_filters", "")
        return urlencode({"_changelist_filters": self._keyed(request, filters)})
