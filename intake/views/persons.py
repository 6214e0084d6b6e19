"""The caseworker's pages about persons and their documents."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from intake import selectors
from org.access import scope_for


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    persons = selectors.person_list(scope=scope)
    if request.GET.get("mine") == "1":
        persons = persons.filter(caseworker_id=request.user.pk)
    page = Paginator(persons, 50).get_page(request.GET.get("side"))
    return render(
        request,
        "intake/person_list.html",
        {"title": _("Brukere"), "page": page, "mine": request.GET.get("mine") == "1"},
    )


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    person = selectors.person_get(scope=scope, person_id=person_id)
    if person is None or not scope.may_see_protected(person.protection_level):
        raise Http404
    return render(
        request,
        "intake/person_detail.html",
        {
            "title": person.full_name,
            "person": person,
            "referrals": selectors.person_open_referrals(scope=scope, person=person),
        },
    )
