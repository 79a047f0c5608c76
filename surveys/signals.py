"""Every save of a Japanese survey keeps its versions in line (`surveys.versions.sync_version`)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Survey


@receiver(post_save, sender=Survey, dispatch_uid="surveys_sync_version")
def survey_saved(sender, instance: Survey, raw: bool = False, **kwargs) -> None:
    if raw or not instance.is_source:
        return
    from .versions import sync_version

    instance._version_outcome = sync_version(instance)
