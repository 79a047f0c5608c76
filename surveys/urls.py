"""Public survey URLs (/survey/…, /en/survey/…), inside i18n_patterns."""

from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("<slug:slug>/", views.survey_form, name="survey"),
    path("<slug:slug>/f/<str:code>/", views.facility_link, name="facility_link"),
    path("<slug:slug>/thanks/", views.survey_thanks, name="thanks"),
]
