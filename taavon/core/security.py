"""The Content-Security-Policy of every answer: scripts and styles from Taavon's own files only.

Pages carry no inline ``<script>``, no ``on*=`` handler and no ``style=`` attribute: behaviour
lives in ``static/js/`` and takes its data from ``data-`` attributes, and htmx runs without eval
or its injected ``<style>`` (``htmx-config`` in ``base.html``). So an injected fragment of HTML
can run nothing. The other security headers (``X-Content-Type-Options``, ``Referrer-Policy``,
``Cross-Origin-Opener-Policy``, ``X-Frame-Options``) come from Django's ``SecurityMiddleware``
and ``XFrameOptionsMiddleware``.

One route has its own policy: the API documentation (Swagger UI, served by ninja from its own
static files, no CDN) sets inline styles while it draws, so ``/api/v1/docs`` allows inline
styles, never inline scripts. The admin site works under the common policy.
"""

from django.core.exceptions import DisallowedHost

POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",  # and the WebSockets of the same host, added per request
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "object-src": "'none'",
}

# Path prefix -> the directives that differ from POLICY there (the longest matching prefix wins).
ROUTE_POLICIES: dict[str, dict[str, str]] = {
    "/api/v1/docs": {"style-src": "'self' 'unsafe-inline'"},
}


def policy_for(path: str, host: str | None) -> str:
    """The Content-Security-Policy header value for a page at ``path`` served as ``host``."""
    directives = dict(POLICY)
    prefixes = [prefix for prefix in ROUTE_POLICIES if path.startswith(prefix)]
    if prefixes:
        directives.update(ROUTE_POLICIES[max(prefixes, key=len)])
    if host:
        # 'self' covers ws:/wss: of the same host only in newer browsers: name them.
        directives["connect-src"] += f" ws://{host} wss://{host}"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    """Add the route's Content-Security-Policy to every answer that has none."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response.headers:
            try:
                host = request.get_host()
            except DisallowedHost:
                host = None  # Django answers 400 for it anyway
            response.headers["Content-Security-Policy"] = policy_for(request.path, host)
        return response
