"""The address a request came from, the same for every rate limit (logins, passphrases, tokens).

Behind reverse proxies every request arrives from the last proxy, so counting by `REMOTE_ADDR`
would let one guesser lock everybody out. With `DJANGO_TRUSTED_PROXIES=N`, the client is the
address the outermost of the N proxies saw: the N-th entry from the right of
`X-Forwarded-For` (each proxy appends the address it received the request from; entries to its
left came from the client and prove nothing).
"""

from __future__ import annotations

from django.conf import settings


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < proxies:
        return remote  # not through every proxy: the connection's own address is all we know
    return forwarded[-proxies]
