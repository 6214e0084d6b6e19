"""The documents the quality gate reads (CV, work-capacity assessment, activity plan), saved
from forms on the person's page, and their PDF attachments, served only through a view that
checks access."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from config.errors import ApplicationError
from intake import selectors
from intake.forms.persons import ActivityPlanForm, AssessmentForm, CVForm
from intake.services import persons as person_services
from intake.views.persons import acting_user, editable_person, render_person_page
from org.access import scope_for


def _back_to_documents(person_id: int) -> HttpResponse:
    return redirect(reverse("person-detail", args=[person_id]) + "#dokumenter")


@login_required
@require_POST
def cv_save(request: HttpRequest, person_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    person = editable_person(scope, person_id)
    form = CVForm(request.POST, request.FILES, prefix="cv")
    if form.is_valid():
        try:
            person_services.cv_save(
                actor=acting_user(request),
                person_id=person.pk,
                last_updated=form.cleaned_data["last_updated"],
                attachment=form.cleaned_data["attachment"],
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("CV-en er lagret."))
            return _back_to_documents(person.pk)
    return render_person_page(request, scope, person, cv_form=form)


@login_required
@require_POST
def assessment_add(request: HttpRequest, person_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    person = editable_person(scope, person_id)
    form = AssessmentForm(request.POST, request.FILES, prefix="aev")
    if form.is_valid():
        try:
            person_services.assessment_add(
                actor=acting_user(request),
                person_id=person.pk,
                assessed_on=form.cleaned_data["assessed_on"],
                reduced_capacity=form.cleaned_data["reduced_capacity"],
                need_group=form.cleaned_data["need_group"],
                attachment=form.cleaned_data["attachment"],
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Arbeidsevnevurderingen er lagret."))
            return _back_to_documents(person.pk)
    return render_person_page(request, scope, person, assessment_form=form)


@login_required
@require_POST
def activity_plan_save(request: HttpRequest, person_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    person = editable_person(scope, person_id)
    form = ActivityPlanForm(request.POST, request.FILES, prefix="plan")
    if form.is_valid():
        try:
            person_services.activity_plan_save(
                actor=acting_user(request),
                person_id=person.pk,
                goal=form.cleaned_data["goal"],
                approved=form.cleaned_data["approved"],
                last_updated=form.cleaned_data["last_updated"],
                planned_activities=form.cleaned_data["planned_activities"],
                attachment=form.cleaned_data["attachment"],
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Aktivitetsplanen er lagret."))
            return _back_to_documents(person.pk)
    return render_person_page(request, scope, person, plan_form=form)


@login_required
@require_GET
@never_cache
def document_attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    """The PDF, as a download, if the user may see the person it belongs to. The file name is
    neutral: the uploaded name may well hold the fødselsnummer."""
    attachment = selectors.attachment_get(
        scope=scope_for(request.user), attachment_id=attachment_id
    )
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"vedlegg-{attachment.pk}.pdf",
        content_type="application/pdf",
    )
