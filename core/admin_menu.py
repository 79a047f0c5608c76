"""Admin menu items shown by a permission check, shared by every app's `wagtail_hooks.py`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wagtail.admin.menu import MenuItem


class PermissionMenuItem(MenuItem):
    """A menu item shown only to users for whom `allowed(user)` is true (the view checks again)."""

    def __init__(self, *args: Any, allowed: Callable[[Any], bool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed = allowed

    def is_shown(self, request) -> bool:
        return self.allowed(request.user)
