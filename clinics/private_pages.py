"""No page or download of this site is kept by a browser cache or a proxy.

Every page shows patient data, the clinic's jobs or a one-time token; a shared
computer's back button or a caching proxy must not hand them to the next person.
"""

from django.utils.cache import add_never_cache_headers, patch_cache_control


class NoStoreMiddleware:
    """Mark every response `no-store, private` (a view that set its own policy keeps it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        return response
