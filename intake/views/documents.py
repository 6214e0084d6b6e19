"""The documents the quality gate reads (CV, work-capacity assessment, activity plan), saved
from forms on the person's page, and their PDF attachments, served only through a view that
checks access."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from config.errors import ApplicationError
from config.forms import AkselForm
from intake import selectors
from intake.forms.persons import ActivityPlanForm, AssessmentForm, CVForm
from intake.services import persons as person_services
from intake.views.persons import acting_user, editable_person, render_person_page
from org.access import scope_for


def _back_to_documents(person_id: int) -> HttpResponse:
    return redirect(reverse("person-detail", args=[person_id]) + "#dokumenter")


def _save_document(
    request: HttpRequest,
    person_id: int,
    *,
    form_class: type[AkselForm],
    prefix: str,
    save: Callable[..., object],
    saved: str,
    form_name: str,
) -> HttpResponse:
    """Parse one document form and call its service with the form's fields; a refusal goes
    back onto the form on the person's page, with what the user typed."""
    scope = scope_for(request.user)
    person = editable_person(scope, person_id)
    form = form_class(request.POST, request.FILES, prefix=prefix)
    if form.is_valid():
        try:
            save(actor=acting_user(request), person_id=person.pk, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, saved)
            return _back_to_documents(person.pk)
    bound: dict[str, Any] = {form_name: form}
    return render_person_page(request, scope, person, **bound)


@login_required
@require_POST
def cv_save(request: HttpRequest, person_id: int) -> HttpResponse:
    return _save_document(
        request,
        person_id,
        form_class=CVForm,
        prefix="cv",
        save=person_services.cv_save,
        saved=_("CV-en er lagret."),
        form_name="cv_form",
    )


@login_required
@require_POST
def assessment_add(request: HttpRequest, person_id: int) -> HttpResponse:
    return _save_document(
        request,
        person_id,
        form_class=AssessmentForm,
        prefix="aev",
        save=person_services.assessment_add,
        saved=_("Arbeidsevnevurderingen er lagret."),
        form_name="assessment_form",
    )


@login_required
@require_POST
def activity_plan_save(request: HttpRequest, person_id: int) -> HttpResponse:
    return _save_document(
        request,
        person_id,
        form_class=ActivityPlanForm,
        prefix="plan",
        save=person_services.activity_plan_save,
        saved=_("Aktivitetsplanen er lagret."),
        form_name="plan_form",
    )


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
