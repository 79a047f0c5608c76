from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from campaigns.models import Campaign
from facilities.models import Area, FacilityType, Feature, Ward


class CampaignFactory(factory.django.DjangoModelFactory):
    """A round whose stays are running today unless dates are given."""

    class Meta:
        model = Campaign
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"round-{n}")
    name = factory.Sequence(lambda n: f"仙台市宿泊促進キャンペーン 第{n}弾")
    name_en = factory.Sequence(lambda n: f"Sendai Stay Campaign round {n}")
    stay_start = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=5))
    stay_end = factory.LazyAttribute(lambda o: o.stay_start + datetime.timedelta(days=45))
    application_start = factory.LazyAttribute(lambda o: o.stay_start - datetime.timedelta(days=40))
    application_end = factory.LazyAttribute(lambda o: o.stay_start - datetime.timedelta(days=1))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.jp")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        """`UserFactory(role="editor")` puts the user in that DOMAIN.md group."""
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


def _term(model, slug):
    return model.objects.get(slug=slug)


class FacilityFactory(factory.django.DjangoModelFactory):
    """A published facility in 青葉区 / 仙台駅周辺 unless told otherwise (taxonomy by slug)."""

    class Meta:
        model = "facilities.Facility"
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    class Params:
        ward_slug = "aoba"
        area_slug = "sendai-station"
        type_slug = "hotel"

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"テストホテル{n}")
    kana = factory.Sequence(lambda n: f"テストホテル{n}")
    address = "仙台市青葉区中央1-1-1"
    ward = factory.LazyAttribute(lambda o: _term(Ward, o.ward_slug))
    area = factory.LazyAttribute(lambda o: _term(Area, o.area_slug))
    facility_type = factory.LazyAttribute(lambda o: _term(FacilityType, o.type_slug))

    @factory.post_generation
    def feature_slugs(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.features.set(Feature.objects.filter(slug__in=extracted))
            self.save()


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "facilities.Participation"

    facility = factory.SubFactory(FacilityFactory)
    campaign = factory.SubFactory(CampaignFactory)
    approved_on = factory.LazyAttribute(lambda o: o.campaign.application_start)
