from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting plumbing: HTTP caching policy, health check, formatting and text helpers."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from .cache import connect_signals

        connect_signals()  # invalidation of the cached site chrome, taxonomy and campaign
