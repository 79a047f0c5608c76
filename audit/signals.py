"""Receivers that log sign-ins and every change of who may do what.

Logins, failures and logouts come from Django's auth signals (the Wagtail admin and the members area
both sign in through `django.contrib.auth`). Role and permission changes come from `m2m_changed` on
User.groups, User.user_permissions and Group.permissions (both directions: `user.groups.add(g)` and
`g.user_set.add(u)`), from deleting a group, and from changes of `is_superuser` / `is_staff` when a
user is saved. `QuerySet.update()` and raw SQL bypass signals; nothing in the project changes these
fields that way.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from .log import record
from .models import AuditAction

User = get_user_model()
FLAGS = ("is_superuser", "is_staff")


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(AuditAction.LOGIN, request=request, actor=user, obj=user, summary=_("ログインしました"))


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    """The username as typed goes in actor_label; the password never reaches this signal in clear
    (Django masks it) and is not read here anyway."""
    typed = credentials.get(User.USERNAME_FIELD) or credentials.get("username") or credentials.get("email")
    record(
        AuditAction.LOGIN_FAILED,
        request=request,
        actor_label=str(typed or "")[:150],
        summary=_("ログインに失敗しました"),
    )


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(AuditAction.LOGOUT, request=request, actor=user, obj=user, summary=_("ログアウトしました"))


# --- groups and permissions -------------------------------------------------------------------------


def _permission_names(pks: set[int]) -> list[str]:
    return sorted(
        f"{app}.{codename}"
        for app, codename in Permission.objects.filter(pk__in=pks).values_list(
            "content_type__app_label", "codename"
        )
    )


def _group_names(pks: set[int]) -> list[str]:
    return sorted(Group.objects.filter(pk__in=pks).values_list("name", flat=True))


def _changed_pks(instance: Any, action: str, pk_set: set[int] | None, reverse: bool, model: Any) -> set[int]:
    """The related ids an m2m change touched; for clear() they are remembered at pre_clear."""
    if action == "pre_clear":
        manager_name = _CLEARED_MANAGER.get((type(instance), model))
        if manager_name:
            instance._audit_cleared = set(getattr(instance, manager_name).values_list("pk", flat=True))
        return set()
    if action == "post_clear":
        return instance.__dict__.pop("_audit_cleared", set())
    if action in ("post_add", "post_remove"):
        return set(pk_set or ())
    return set()


# (instance's class, related model) → the manager whose members clear() removes.
_CLEARED_MANAGER = {
    (User, Group): "groups",
    (Group, User): "user_set",
    (User, Permission): "user_permissions",
    (Permission, User): "user_set",
    (Group, Permission): "permissions",
    (Permission, Group): "group_set",
}


def _verb(action: str) -> str:
    return "added" if action == "post_add" else "removed"


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="audit_user_groups")
def _user_groups_changed(
    sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: set[int] | None, **kw: Any
) -> None:
    pks = _changed_pks(instance, action, pk_set, reverse, model)
    if not pks:
        return
    summary = _("ロールを付与しました") if action == "post_add" else _("ロールを外しました")
    if isinstance(instance, User):  # user.groups.add(group, …)
        pairs = [(instance, _group_names(pks))]
    else:  # group.user_set.add(user, …): one entry per user, so each user's history is complete
        pairs = [(user, [instance.name]) for user in User.objects.filter(pk__in=pks).order_by("pk")]
    for user, groups in pairs:
        record(AuditAction.ROLE_CHANGE, obj=user, summary=summary, detail={_verb(action): groups})


@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="audit_user_permissions")
def _user_permissions_changed(
    sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: set[int] | None, **kw: Any
) -> None:
    pks = _changed_pks(instance, action, pk_set, reverse, model)
    if not pks:
        return
    summary = _("ユーザーに権限を付与しました") if action == "post_add" else _("ユーザーの権限を外しました")
    if isinstance(instance, User):
        pairs = [(instance, _permission_names(pks))]
    else:
        pairs = [(user, _permission_names({instance.pk})) for user in User.objects.filter(pk__in=pks)]
    for user, permissions in pairs:
        record(AuditAction.PERMISSION_CHANGE, obj=user, summary=summary, detail={_verb(action): permissions})


@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="audit_group_permissions")
def _group_permissions_changed(
    sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: set[int] | None, **kw: Any
) -> None:
    pks = _changed_pks(instance, action, pk_set, reverse, model)
    if not pks:
        return
    summary = _("ロールに権限を付与しました") if action == "post_add" else _("ロールの権限を外しました")
    if isinstance(instance, Group):
        pairs = [(instance, _permission_names(pks))]
    else:
        pairs = [(group, _permission_names({instance.pk})) for group in Group.objects.filter(pk__in=pks)]
    for group, permissions in pairs:
        record(
            AuditAction.PERMISSION_CHANGE,
            obj=group,
            summary=summary,
            detail={"group": group.name, _verb(action): permissions},
        )


@receiver(pre_delete, sender=Group, dispatch_uid="audit_group_deleted")
def _group_deleted(sender: Any, instance: Group, **kwargs: Any) -> None:
    """Deleting a group removes its members and permissions in the database, without m2m signals."""
    record(
        AuditAction.ROLE_CHANGE,
        obj=instance,
        summary=_("ロールを削除しました"),
        detail={
            "group": instance.name,
            "members": list(instance.user_set.order_by("pk").values_list("pk", flat=True)),
            "permissions": _permission_names(set(instance.permissions.values_list("pk", flat=True))),
        },
    )


# --- superuser and staff flags ------------------------------------------------------------------------


@receiver(pre_save, sender=User, dispatch_uid="audit_user_flags_before")
def _remember_flags(
    sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kw: Any
) -> None:
    """Compare the flags with the stored row; a save that does not touch them (last_login) costs nothing."""
    if raw or (update_fields is not None and not set(FLAGS) & set(update_fields)):
        return
    stored = None
    if instance.pk is not None and not instance._state.adding:
        stored = sender.objects.filter(pk=instance.pk).values(*FLAGS).first()
    stored = stored or dict.fromkeys(FLAGS, False)
    changes = {
        flag: {"from": stored[flag], "to": bool(getattr(instance, flag))}
        for flag in FLAGS
        if stored[flag] != bool(getattr(instance, flag))
    }
    if changes:
        instance._audit_flag_changes = changes


@receiver(post_save, sender=User, dispatch_uid="audit_user_flags_after")
def _record_flags(sender: Any, instance: Any, created: bool, raw: bool = False, **kw: Any) -> None:
    changes = instance.__dict__.pop("_audit_flag_changes", None)
    if changes and not raw:
        record(
            AuditAction.ROLE_CHANGE,
            obj=instance,
            summary=_("管理者・スタッフ権限を変更しました"),
            detail={**changes, "created": created},
        )
