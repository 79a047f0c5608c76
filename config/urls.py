from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from core import views as core_views
from facilities import api as facilities_api

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("healthz/live", core_views.healthz_live, name="healthz_live"),
    path("api/facilities/", facilities_api.facilities_json, name="api_facilities"),
    path("api/facilities.csv", facilities_api.facilities_csv, name="api_facilities_csv"),
    path("django-admin/", admin.site.urls),
    path("admin/otp/", include("accounts.urls")),  # second factor, before Wagtail's own URLs
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]

if settings.DEBUG or settings.SERVE_MEDIA:
    from django.views.static import serve

    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}
        )
    ]

# Japanese (the default language) lives at /, English at /en/.
urlpatterns += i18n_patterns(
    path("members/", include("members.urls")),
    path("survey/", include("surveys.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
