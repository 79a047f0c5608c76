from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting plumbing: HTTP caching policy, health check, formatting and text helpers."""

    name = "core"
    verbose_name = "Core"
