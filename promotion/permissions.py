"""Who may download the flyer's PDFs (`accounts.roles` grants the permissions).

Editors and moderators write and approve the flyer; the system administrator may read it. Everyone
who may see the flyer in the admin may download its print data and its proof.
"""

from __future__ import annotations

VIEW = "promotion.view_flyer"
CHANGE = "promotion.change_flyer"
PUBLISH = "promotion.publish_flyer"


def can_download(user) -> bool:
    return user.has_perm(VIEW) or user.has_perm(CHANGE)
