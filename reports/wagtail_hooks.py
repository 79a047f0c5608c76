"""Admin hooks of the city's reporting: each screen family registers its own in a module of its own."""

from . import dashboard_hooks, pack_hooks  # noqa: F401 - imported for their @hooks.register side effects
