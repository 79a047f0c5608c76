"""URLs of the members area (/members/, /en/members/)."""

from django.urls import path  # noqa: F401

app_name = "members"

urlpatterns: list = []
