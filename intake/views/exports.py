"""Downloads of a county's waitlist and capacity, CSV or XLSX (issue 8), for whoever may see
the page they come from: the waitlist's for the county's intake team and county leaders, the
capacity overview's likewise. Each download is recorded in the access log as an export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit import recording as audit
from audit.models import AccessKind
from intake import exports
from intake.forms.placements import CapacityFilterForm
from intake.views.capacity import _chosen_county, _county_scope
from org.access import scope_for
from providers.models import ProgrammeType


def _download(content: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.content_type(fmt))
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _safe(text: str) -> str:
    """A programme type's short name as part of a file name."""
    return "".join(c if c.isascii() and c.isalnum() else "-" for c in text).strip("-") or "liste"


@login_required
@require_GET
def waitlist_export(
    request: HttpRequest, county_number: str, programme_type_id: int, fmt: str
) -> HttpResponse:
    """The whole list in waiting order (the page's filters do not apply)."""
    if fmt not in exports.FORMATS:
        raise Http404
    scope = scope_for(request.user)
    # Who may see the waitlist page (waitlists.waitlist_detail) may download it.
    if county_number not in scope.intake_county_numbers | scope.leader_county_numbers:
        raise Http404
    programme_type = ProgrammeType.objects.filter(pk=programme_type_id).first()
    if programme_type is None:
        raise Http404
    entries = exports.waitlist_entries(
        scope=scope, county_number=county_number, programme_type_id=programme_type_id
    )
    # The persons read are noted as the rows are built (audit.recording, post_init).
    content = exports.waitlist_file(
        exports.waitlist_rows(entries.iterator(chunk_size=2000), scope=scope), fmt
    )
    audit.describe(
        kind=AccessKind.EKSPORT,
        detail=(
            f"Venteliste: fylke={county_number}, tiltakstype={programme_type.short_name}; "
            f"format={fmt}"
        ),
    )
    # Recorded even when the list is empty: the download happened.
    audit.record_without_persons()
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    return _download(
        content, fmt, f"venteliste-{county_number}-{_safe(programme_type.short_name)}-{stamp}.{fmt}"
    )


@login_required
@require_GET
def capacity_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The county's offerings with their places, as on the capacity overview (`?fylke=`,
    `?tiltakstype=`)."""
    if fmt not in exports.FORMATS:
        raise Http404
    scope = _county_scope(request)
    filters = CapacityFilterForm(request.GET).values()
    county, _counties = _chosen_county(scope, filters["fylke"])
    offerings = exports.capacity_offerings(
        scope=scope, county_number=county.number, programme_type_id=filters["tiltakstype"]
    )
    content = exports.capacity_file(offerings.iterator(chunk_size=2000), fmt)
    audit.describe(
        kind=AccessKind.EKSPORT,
        detail=(
            f"Kapasitet: fylke={county.number}, tiltakstype={filters['tiltakstype'] or 'alle'}; "
            f"format={fmt}"
        ),
    )
    audit.record_without_persons()
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    return _download(content, fmt, f"kapasitet-{county.number}-{stamp}.{fmt}")
