"""アンケート用 QR コード for a hotel's own facilities: PNG, SVG and the printable card.

Only surveys of campaigns the facility takes part in, not yet closed, and only the business's own
facilities (another business's facility is a 404, like everything else in the members area).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from facilities.models import Facility
from surveys import qr

from .access import member_required

KINDS = ("png", "svg", "card")


@member_required
def facility_survey_qr(request: HttpRequest, pk: int, survey_id: int, kind: str) -> HttpResponse:
    facility = get_object_or_404(Facility.objects.filter(business=request.membership.business), pk=pk)
    survey = next((survey for survey in qr.facility_surveys(facility) if survey.pk == survey_id), None)
    if survey is None or kind not in KINDS:
        raise Http404
    if kind == "card":
        return qr.card_response(request, survey, facility)
    return qr.qr_response(survey, facility, kind, request)
