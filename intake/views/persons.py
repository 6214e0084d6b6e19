"""The caseworker's pages about persons: the list with search, the person's page with its
documents and referrals, and the form to register or edit a person."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from intake import selectors
from intake.forms.persons import ActivityPlanForm, AssessmentForm, CVForm, PersonForm
from intake.models import Person
from intake.services import persons as person_services
from org.access import Scope, scope_for
from org.models import User
from org.vocabulary import CompetenceTag

PAGE_SIZE = 50


def acting_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def visible_person(scope: Scope, person_id: int) -> Person:
    """A person the user may see in full, or 404 (out of scope and masked alike)."""
    person = selectors.person_get(scope=scope, person_id=person_id)
    if person is None or not scope.may_see_protected(person.protection_level):
        raise Http404
    return person


def editable_person(scope: Scope, person_id: int) -> Person:
    """A person of an office where the user is caseworker, or 404 (a leader may read, not edit)."""
    person = visible_person(scope, person_id)
    if not scope.may_work_for_office(person.office_id):
        raise Http404
    return person


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    """The persons of the user's offices. A search by name is posted, not put in the address:
    names must not end up in access logs and browser history."""
    scope = scope_for(request.user)
    source = request.POST if request.method == "POST" else request.GET
    text = request.POST.get("q", "").strip()[:100] if request.method == "POST" else ""
    mine = source.get("mine") == "1"
    if text:
        persons = selectors.person_search(scope=scope, text=text)
    else:
        persons = selectors.person_list(scope=scope)
    if mine:
        persons = persons.filter(caseworker_id=request.user.pk)
    page = Paginator(persons, PAGE_SIZE).get_page(source.get("side"))
    return render(
        request,
        "intake/person_list.html",
        {"title": _("Brukere"), "page": page, "mine": mine, "q": text},
    )


def render_person_page(
    request: HttpRequest,
    scope: Scope,
    person: Person,
    *,
    cv_form: CVForm | None = None,
    assessment_form: AssessmentForm | None = None,
    plan_form: ActivityPlanForm | None = None,
) -> HttpResponse:
    """The person's page; a document form that was refused comes back bound, with its errors."""
    cv = getattr(person, "cv", None)
    plan = getattr(person, "activity_plan", None)
    context: dict[str, Any] = {
        "title": person.full_name,
        "person": person,
        "cv": cv,
        "assessments": list(person.work_capacity_assessments.all()),
        "plan": plan,
        "needs": [
            CompetenceTag(code).label for code in person.needs if code in CompetenceTag.values
        ],
        "referrals": selectors.person_referrals(scope=scope, person=person),
        "may_edit": scope.may_work_for_office(person.office_id),
        "cv_form": cv_form
        or CVForm(prefix="cv", initial={"last_updated": cv.last_updated if cv else None}),
        "assessment_form": assessment_form or AssessmentForm(prefix="aev"),
        "plan_form": plan_form
        or ActivityPlanForm(
            prefix="plan",
            initial={
                "goal": plan.goal,
                "approved": plan.approved,
                "last_updated": plan.last_updated,
                "planned_activities": plan.planned_activities,
            }
            if plan
            else {},
        ),
    }
    return render(request, "intake/person_detail.html", context)


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    return render_person_page(request, scope, visible_person(scope, person_id))


def _saved(request: HttpRequest, scope: Scope, person: Person, message: str) -> HttpResponse:
    if scope.may_see_protected(person.protection_level):
        messages.success(request, message)
        return redirect("person-detail", person.pk)
    # Registered with a protection level the user has no clearance for: its page is closed to
    # them from now on, so say so rather than answer with a 404.
    messages.info(
        request,
        _(
            "Brukeren er lagret med adressebeskyttelse og vises bare for ansatte som har tilgang "
            "til det."
        ),
    )
    return redirect("person-list")


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.is_caseworker:
        raise Http404
    form = PersonForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            person = person_services.person_create(
                actor=acting_user(request),
                fodselsnummer=form.cleaned_data["fodselsnummer"],
                **form.service_values(),
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            return _saved(request, scope, person, _("Brukeren er registrert."))
    return render(
        request,
        "intake/person_form.html",
        {"title": _("Registrer bruker"), "form": form, "person": None},
    )


@login_required
def person_update(request: HttpRequest, person_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    person = editable_person(scope, person_id)
    form = PersonForm(request.POST or None, scope=scope, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            person = person_services.person_update(
                actor=acting_user(request),
                person_id=person.pk,
                expected_version=form.cleaned_data["version"],
                **form.service_values(),
            )
        except ApplicationError as error:
            form.add_service_error(error)
            if error.code == "STALE":
                # `person` was read in this request, after the other change: show it.
                form.show_saved(person)
        else:
            return _saved(request, scope, person, _("Endringene er lagret."))
    return render(
        request,
        "intake/person_form.html",
        {"title": _("Endre %(name)s") % {"name": person.full_name}, "form": form, "person": person},
    )
