from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from org.access import scope_for
from providers import selectors


@login_required
def offering_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    page = Paginator(selectors.offering_list(scope=scope), 50).get_page(request.GET.get("side"))
    return render(request, "providers/offering_list.html", {"title": _("Tiltak"), "page": page})


@login_required
def offering_detail(request: HttpRequest, offering_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    offering = selectors.offering_list(scope=scope).filter(pk=offering_id).first()
    if offering is None:
        raise Http404
    return render(
        request,
        "providers/offering_detail.html",
        {"title": offering.name, "offering": offering},
    )
