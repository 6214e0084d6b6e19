"""The leader dashboards and their CSV export (DOMAIN.md section 9). Leaders only: an office
leader sees their office, a county leader their county; everyone else gets 404."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from audit import recording as audit
from audit.models import AccessKind
from org.access import scope_for
from portfolio import selectors_dashboard as dashboards


def _area(request: HttpRequest) -> dashboards.Area:
    area = dashboards.area_for(scope_for(request.user))
    if area is None:
        raise Http404
    return area


# The dashboard's figures are aggregates over a whole county: computed once per area and
# language, then served from the cache for this long (the page says when they were computed).
DASHBOARD_CACHE_SECONDS = 10 * 60


def _area_key(area: dashboards.Area) -> str:
    offices = ",".join(str(i) for i in sorted(area.office_ids))
    counties = ",".join(sorted(area.county_numbers))
    return f"o{offices}-c{counties}-{timezone.localdate():%Y%m%d}"


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    area = _area(request)
    return render(
        request,
        "portfolio/dashboard.html",
        {
            "title": _("Dashbord"),
            "area": area,
            "area_key": _area_key(area),
            "cache_seconds": DASHBOARD_CACHE_SECONDS,
            "computed_at": timezone.localtime().strftime("%H:%M"),
            # Lazy: with the page's figures in the cache, no query runs at all.
            "sections": SimpleLazyObject(lambda: dashboards.dashboard_sections(area)),
            "small_cell": dashboards.SMALL_CELL,
        },
    )


@login_required
def dashboard_export(request: HttpRequest, section: str) -> HttpResponse:
    """One section's tables as CSV (semicolons, UTF-8 with BOM, for Excel). Aggregates only;
    the export is still logged, like every export."""
    area = _area(request)
    if section not in dashboards.SECTIONS:
        raise Http404
    (found,) = dashboards.dashboard_sections(area, only=section)
    # Aggregates name no person, but an export is recorded all the same.
    audit.describe(kind=AccessKind.EKSPORT, detail=section)
    audit.record_without_persons()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"dashbord-{section}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([found.title, area.name])
    for table in found.tables:
        writer.writerow([])
        writer.writerow([table.caption])
        writer.writerow(table.columns)
        writer.writerows(table.rows)
    return response
