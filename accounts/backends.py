"""The sign-in backend: Django's `ModelBackend`, loading each request's user in one query.

Every signed-in request loads its user, then asks whether the user is staff (the second factor and
the idle timeout of `accounts.middleware`) and, in the members area, which business the user belongs
to. Those were three queries per request; here they are one: the staff role is an `EXISTS` on the
user's groups and the membership with its business is joined (`select_related` of the one-to-one,
which also records "no membership" without a query). `accounts.security.is_staff_user` and
`members.access.membership_of` read what this loaded.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef

from .roles import STAFF_ROLES
from .security import remember_staff


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        staff_role = Group.objects.filter(user=OuterRef("pk"), name__in=STAFF_ROLES)
        try:
            user = (
                user_model._default_manager.select_related("membership__business")
                .annotate(has_staff_role=Exists(staff_role))
                .get(pk=user_id)
            )
        except user_model.DoesNotExist:
            return None
        remember_staff(user, user.has_staff_role)
        return user if self.user_can_authenticate(user) else None
