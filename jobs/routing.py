"""Which queue Wagtail's own tasks use.

Wagtail (and django-modelsearch) declare their per-save tasks — search index, reference index ("usage"
counts), image focal points, deleting replaced files, CDN purges — on the "default" backend, which
here is the database queue of long work. Queued there they would wait for `db_worker`: an editor would
not find a page just saved in the admin search, and nothing would happen at all without a worker.
They are short, so they keep running in the process that saves, as they did before the queue existed
(the "inline" ImmediateBackend of `settings.TASKS`). `Task` is a frozen dataclass that the signal
handlers import by reference, so its `backend` field is switched in place.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

INLINE_BACKEND = "inline"
WAGTAIL_TASKS = [
    "wagtail.tasks.update_reference_index_task",
    "wagtail.tasks.delete_file_from_storage_task",
    "wagtail.images.tasks.set_image_focal_point_task",
    "wagtail.contrib.frontend_cache.tasks.purge_urls_from_cache_task",
    "modelsearch.tasks.insert_or_update_object_task",
]


def keep_wagtail_tasks_inline() -> None:
    if INLINE_BACKEND not in getattr(settings, "TASKS", {}):
        return
    for path in WAGTAIL_TASKS:
        try:
            task = import_string(path)
        except ImportError:  # a Wagtail upgrade renamed it: say so rather than queue it silently
            logger.warning("Wagtail task %s not found; it runs on the default task backend", path)
            continue
        object.__setattr__(task, "backend", INLINE_BACKEND)
