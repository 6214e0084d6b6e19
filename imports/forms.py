"""The intake team's import forms: upload a file, map its columns, apply the dry run."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from config.errors import ApplicationError
from config.forms import AkselForm
from imports.mapping import Field
from imports.models import ImportKind
from imports.reading import MAX_BYTES
from org.models import County
from providers.models import ProgrammeType


class UploadForm(AkselForm):
    county = forms.ModelChoiceField(
        queryset=County.objects.none(), label=_("Fylke"), empty_label=None
    )
    kind = forms.ChoiceField(
        label=_("Hva inneholder filen?"),
        choices=ImportKind.choices,
        initial=ImportKind.VENTELISTE,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("Fil"),
        help_text=_("CSV eller Excel (.xlsx), høyst %(mb)s MB.") % {"mb": MAX_BYTES // 2**20},
        widget=forms.FileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )

    def __init__(self, *args: Any, counties: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        county_field = self.fields["county"]
        assert isinstance(county_field, forms.ModelChoiceField)
        county_field.queryset = counties

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        # Refused by its size alone, before a byte of it is read.
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _(
                    "Filen er for stor (%(size)s MB). Største tillatte størrelse er %(max)s MB: "
                    "del den opp, eller lagre den som CSV."
                )
                % {"size": upload.size // 2**20, "max": MAX_BYTES // 2**20}
            )
        return upload


NOT_IN_FILE = ""


class MappingForm(AkselForm):
    """One select per field: which of the file's columns holds it."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    programme_type = forms.ModelChoiceField(
        queryset=ProgrammeType.objects.filter(has_waitlist=True),
        required=False,
        label=_("Tiltakstype for alle radene"),
        help_text=_("Bare når filen ikke har en kolonne med tiltakstype."),
        empty_label=_("Fra kolonnen i filen"),
    )
    save_as = forms.CharField(
        required=False,
        max_length=100,
        label=_("Lagre kolonnevalgene som"),
        help_text=_("Et navn, for eksempel «Venteliste AFT fra Nav Midtbyen». Valgfritt."),
    )

    def __init__(
        self, *args: Any, fields: tuple[Field, ...], columns: list[str], kind: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [(NOT_IN_FILE, _("– ikke i filen –")), *((c, c) for c in columns)]
        self.mapped_fields = []
        for field in fields:
            self.fields[f"col_{field.key}"] = forms.ChoiceField(
                label=str(field.label),
                choices=choices,
                required=False,
                widget=forms.Select(attrs={"class": "aksel-select__input aksel-body-short"}),
            )
            self.mapped_fields.append(field.key)
        if kind != ImportKind.VENTELISTE:
            del self.fields["programme_type"]

    def add_service_error(self, error: ApplicationError) -> None:
        # The service names a field by its key; the form's field is col_<key>.
        fields = {
            f"col_{key}" if key in self.mapped_fields else key: messages
            for key, messages in error.fields.items()
        }
        super().add_service_error(ApplicationError(error.message, code=error.code, fields=fields))

    def mapping(self) -> dict[str, str]:
        return {
            key: self.cleaned_data[f"col_{key}"]
            for key in self.mapped_fields
            if self.cleaned_data.get(f"col_{key}")
        }


class ApplyForm(AkselForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    accept_errors = forms.BooleanField(
        required=False,
        label=_("Importer uten radene med feil"),
        help_text=_(
            "Rett dem i filen og importer den på nytt senere: det som alt er importert, blir "
            "ikke lagt inn to ganger."
        ),
    )
