"""Forms drawn with NAV's design system (Aksel), and the bridge from a service's refusal to
the form's fields. Here, below every app, so that each app's forms can build on it."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.forms.widgets import Input
from django.http import QueryDict
from django.utils import timezone

from config.errors import ApplicationError

# The design system's class for each kind of widget; templates render fields with
# templates/intake/caseworker/_field.html.
_WIDGET_CLASSES: tuple[tuple[type[forms.Widget], str], ...] = (
    (forms.CheckboxSelectMultiple, "aksel-checkbox__input"),
    (forms.RadioSelect, "aksel-radio__input"),
    (forms.CheckboxInput, "aksel-checkbox__input"),
    (forms.Select, "aksel-select__input aksel-body-short"),
    (forms.Textarea, "aksel-textarea__input aksel-body-short"),
    (forms.FileInput, "aksel-body-short"),
    (Input, "aksel-text-field__input aksel-body-short"),
)


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PastDateInput(DateInput):
    """A date picker that stops at today (the services refuse future dates in any case)."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["max"] = timezone.localdate().isoformat()
        return context


class AkselForm(forms.Form):
    """A form whose widgets carry Aksel's classes, and which can show a service's
    `ApplicationError` on the fields it names."""

    # Service field names that differ from the form's (office_id -> office).
    service_field_names: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            for widget_class, css in _WIDGET_CLASSES:
                if isinstance(field.widget, widget_class):
                    field.widget.attrs.setdefault("class", css)
                    break

    def add_error(self, field: str | None, error: Any) -> None:
        """Django's, and every field with an error is marked invalid for assistive technology
        and pointed at its message (templates/intake/caseworker/_field_feedback.html gives the
        message the id `<field id>_error`). Validation and the services' refusals both come
        through here."""
        super().add_error(field, error)
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            described = [f"{bound.auto_id}_error"]
            if self.fields[name].help_text:
                described.append(f"{bound.auto_id}_helptext")
            attrs = self.fields[name].widget.attrs
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = " ".join(described)

    def add_service_error(self, error: ApplicationError) -> None:
        """The service's sentence for the whole form, and its field messages on the fields."""
        self.add_error(None, error.message)
        for name, messages in error.fields.items():
            field = self.service_field_names.get(name, name)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)

    def carry_version(self, version: int) -> None:
        """Put the current version into the bound form, for a save the user repeats knowingly
        after a stale refusal."""
        assert isinstance(self.data, QueryDict)
        data = self.data.copy()
        data["version"] = str(version)
        self.data = data
