"""Django 5.2 + Django REST framework 3.18 under waitress, for the dialect tests (tests/js/dialects.test.mjs).

`python server.py` serves on a free loopback port and prints `listening <port>`. Routes, all DRF's own behaviour:
  GET  /throttled/<n>  a throttle of 10 per second (DRF's SimpleRateThrottle): 429 with Retry-After and
                       {"detail": "Request was throttled. ..."}; 200 {"ok": true} otherwise
  GET  /refused        how many 429s the throttle sent (not throttled itself)
  POST /books/         a serializer with a required `title`: 400 {"title": ["This field is required."]}
  GET  /private/       authentication required (Authorization: Token good): 401 {"detail": ...}
  GET  /forbidden/     a permission that always refuses: 403 {"detail": ...}
  GET  /books/<n>/     NotFound: 404 {"detail": ...}
No database: the throttle counts in Django's in-memory cache.
"""
import socket

from django.conf import settings

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="dialect-tests-only",
    INSTALLED_APPS=["rest_framework"],
    MIDDLEWARE=[],
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    },
)

import django  # noqa: E402

django.setup()

from django.urls import path  # noqa: E402
from rest_framework import authentication, exceptions, permissions, serializers, throttling  # noqa: E402
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes  # noqa: E402
from rest_framework.response import Response  # noqa: E402

refused = {"count": 0}


class User:
    is_authenticated = True


class TokenAuth(authentication.BaseAuthentication):
    """`Authorization: Token good`; its header makes DRF answer 401 rather than 403 when it is missing."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        if header != "Token good":
            raise exceptions.AuthenticationFailed("Invalid token.")
        return (User(), None)

    def authenticate_header(self, request):
        return "Token"


class TenPerSecond(throttling.SimpleRateThrottle):
    rate = "10/second"

    def get_cache_key(self, request, view):
        return "throttle-test"

    def throttle_failure(self):
        refused["count"] += 1
        return False


class Never(permissions.BasePermission):
    def has_permission(self, request, view):
        return False


class BookSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=20)


@api_view(["GET"])
@throttle_classes([TenPerSecond])
def throttled(request, n):
    return Response({"ok": True})


@api_view(["GET"])
def count(request):
    return Response(refused)


@api_view(["POST"])
def books(request):
    s = BookSerializer(data=request.data)
    s.is_valid(raise_exception=True)
    return Response(s.data, status=201)


@api_view(["GET"])
@authentication_classes([TokenAuth])
@permission_classes([permissions.IsAuthenticated])
def private(request):
    return Response({"ok": True})


@api_view(["GET"])
@permission_classes([Never])
def forbidden(request):
    return Response({"ok": True})


@api_view(["GET"])
def book(request, n):
    raise exceptions.NotFound("No Book matches the given query.")


urlpatterns = [
    path("throttled/<int:n>", throttled),
    path("refused", count),
    path("books/", books),
    path("books/<int:n>/", book),
    path("private/", private),
    path("forbidden/", forbidden),
]

if __name__ == "__main__":
    from django.core.wsgi import get_wsgi_application
    from waitress import serve

    # Bound and listening before the port is printed: a client that connects at once waits in the backlog.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    print(f"listening {sock.getsockname()[1]}", flush=True)
    serve(get_wsgi_application(), sockets=[sock], threads=8, _quiet=True)
