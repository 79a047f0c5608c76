"""The second-factor screens, mounted at /admin/otp/ ahead of the Wagtail admin (config/urls.py).

They sit outside Wagtail's URL list on purpose: Wagtail wraps its own views in `require_admin_access`,
and a Django-admin-only staff user (is_staff without the Wagtail role) must be able to pass too.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.otp_verify, name="accounts_otp_verify"),
    path("setup/", views.otp_enrol, name="accounts_otp_enrol"),
]
