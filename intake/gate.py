"""The quality gate (DOMAIN.md section 4).

`gate_check` lists every way a referral falls short, each with NAV-style code and a sentence
the caseworker can act on. Submitting refuses a referral with any failure; the intake team sees
the same checklist when reviewing. Thresholds live on the programme type.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from intake.models import OPEN_STATUSES, Person, Referral
from org.vocabulary import NeedGroup
from providers.models import ProgrammeType

JUSTIFICATION_PARTS = (
    ("justification_need", gettext_lazy("behov")),
    ("justification_goal", gettext_lazy("mål")),
    ("justification_why_programme", gettext_lazy("hvorfor dette tiltaket")),
    ("justification_why_not_ordinary", gettext_lazy("hvorfor ikke et ordinært tiltak")),
)


class GateCode:
    CV_MANGLER = "CV_MANGLER"
    CV_UTDATERT = "CV_UTDATERT"
    AEV_MANGLER = "AEV_MANGLER"
    AEV_UTDATERT = "AEV_UTDATERT"
    AEV_IKKE_NEDSATT = "AEV_IKKE_NEDSATT"
    AKTIVITETSPLAN_MANGLER = "AKTIVITETSPLAN_MANGLER"
    AKTIVITETSPLAN_IKKE_GODKJENT = "AKTIVITETSPLAN_IKKE_GODKJENT"
    AKTIVITETSPLAN_UTEN_MAL = "AKTIVITETSPLAN_UTEN_MAL"
    AKTIVITETSPLAN_UTDATERT = "AKTIVITETSPLAN_UTDATERT"
    BEGRUNNELSE_MANGELFULL = "BEGRUNNELSE_MANGELFULL"
    FEIL_INNSATSGRUPPE = "FEIL_INNSATSGRUPPE"
    ALLEREDE_AKTIV = "ALLEREDE_AKTIV"

    ALL = (
        CV_MANGLER,
        CV_UTDATERT,
        AEV_MANGLER,
        AEV_UTDATERT,
        AEV_IKKE_NEDSATT,
        AKTIVITETSPLAN_MANGLER,
        AKTIVITETSPLAN_IKKE_GODKJENT,
        AKTIVITETSPLAN_UTEN_MAL,
        AKTIVITETSPLAN_UTDATERT,
        BEGRUNNELSE_MANGELFULL,
        FEIL_INNSATSGRUPPE,
        ALLEREDE_AKTIV,
    )


@dataclass(frozen=True)
class GateFailure:
    code: str
    message: str


@dataclass(frozen=True)
class GateResult:
    failures: tuple[GateFailure, ...]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def codes(self) -> list[str]:
        return [failure.code for failure in self.failures]


def _d(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _months(days: int) -> int:
    return max(1, round(days / 30.4))


def gate_check(
    *,
    person: Person,
    programme_type: ProgrammeType,
    justification: dict[str, str],
    today: datetime.date,
    referral: Referral | None = None,
) -> GateResult:
    """Every failure at once. `person` should come with `cv`, `activity_plan` and
    `work_capacity_assessments` loaded (see `selectors.person_get`) to keep this query-free."""
    failures: list[GateFailure] = []

    def fail(code: str, message: str) -> None:
        failures.append(GateFailure(code, message))

    cv = getattr(person, "cv", None)
    cv_limit = today - datetime.timedelta(days=programme_type.cv_max_age_days)
    if cv is None:
        fail(GateCode.CV_MANGLER, _("Brukeren har ingen CV. Registrer CV-en sammen med brukeren."))
    elif cv.last_updated < cv_limit:
        fail(
            GateCode.CV_UTDATERT,
            _(
                "CV-en ble sist oppdatert %(date)s, mer enn %(months)s måneder siden. "
                "Oppdater CV-en sammen med brukeren."
            )
            % {"date": _d(cv.last_updated), "months": _months(programme_type.cv_max_age_days)},
        )

    if programme_type.requires_work_capacity_assessment:
        assessments = sorted(
            person.work_capacity_assessments.all(), key=lambda a: a.assessed_on, reverse=True
        )
        latest = assessments[0] if assessments else None
        aev_limit = today - datetime.timedelta(days=programme_type.assessment_max_age_days)
        if latest is None:
            fail(
                GateCode.AEV_MANGLER,
                _(
                    "%(type)s krever en arbeidsevnevurdering. Gjør en arbeidsevnevurdering "
                    "før du henviser."
                )
                % {"type": programme_type.short_name},
            )
        else:
            if latest.assessed_on < aev_limit:
                fail(
                    GateCode.AEV_UTDATERT,
                    _(
                        "Arbeidsevnevurderingen er fra %(date)s, mer enn %(months)s måneder "
                        "siden. Gjør en ny vurdering."
                    )
                    % {
                        "date": _d(latest.assessed_on),
                        "months": _months(programme_type.assessment_max_age_days),
                    },
                )
            if not latest.reduced_capacity:
                fail(
                    GateCode.AEV_IKKE_NEDSATT,
                    _(
                        "Arbeidsevnevurderingen fra %(date)s konkluderte med at arbeidsevnen "
                        "ikke er nedsatt. %(type)s er for brukere med nedsatt arbeidsevne."
                    )
                    % {"date": _d(latest.assessed_on), "type": programme_type.short_name},
                )

    plan = getattr(person, "activity_plan", None)
    plan_limit = today - datetime.timedelta(days=programme_type.plan_max_age_days)
    if plan is None:
        fail(
            GateCode.AKTIVITETSPLAN_MANGLER,
            _("Brukeren har ingen aktivitetsplan. Lag en aktivitetsplan med et mål."),
        )
    else:
        if not plan.approved:
            fail(
                GateCode.AKTIVITETSPLAN_IKKE_GODKJENT,
                _("Aktivitetsplanen er ikke godkjent. Godkjenn planen sammen med brukeren."),
            )
        if not plan.goal.strip():
            fail(
                GateCode.AKTIVITETSPLAN_UTEN_MAL,
                _(
                    "Aktivitetsplanen har ikke noe mål. "
                    "Skriv inn brukerens hovedmål eller yrkesmål."
                ),
            )
        if plan.last_updated < plan_limit:
            fail(
                GateCode.AKTIVITETSPLAN_UTDATERT,
                _(
                    "Aktivitetsplanen ble sist oppdatert %(date)s, mer enn %(months)s måneder "
                    "siden. Gå gjennom planen med brukeren."
                )
                % {
                    "date": _d(plan.last_updated),
                    "months": _months(programme_type.plan_max_age_days),
                },
            )

    minimum = programme_type.justification_min_chars
    short_parts = [
        label
        for field, label in JUSTIFICATION_PARTS
        if len(justification.get(field, "").strip()) < minimum
    ]
    if short_parts:
        fail(
            GateCode.BEGRUNNELSE_MANGELFULL,
            ngettext(
                "Begrunnelsen er for kort om %(parts)s. Skriv minst %(min)s tegn om hver del.",
                "Begrunnelsen er for kort om %(parts)s. Skriv minst %(min)s tegn om hver del.",
                len(short_parts),
            )
            % {"parts": ", ".join(str(part) for part in short_parts), "min": minimum},
        )

    if not programme_type.admits(person.need_group):
        current = NeedGroup(person.need_group).label if person.need_group else _("ingen")
        admitted = ", ".join(
            str(NeedGroup(g).label).lower() for g in programme_type.admitted_need_groups
        )
        fail(
            GateCode.FEIL_INNSATSGRUPPE,
            _("%(type)s er for brukere med %(admitted)s. Brukerens innsatsgruppe er %(current)s.")
            % {
                "type": programme_type.short_name,
                "admitted": admitted,
                "current": str(current).lower(),
            },
        )

    # Lists annotate `has_other_open` (selectors.with_gate_documents) to save a query a row.
    has_other_open: bool | None = getattr(referral, "has_other_open", None)
    if has_other_open is None:
        others = Referral.objects.filter(
            person=person, programme_type=programme_type, status__in=OPEN_STATUSES
        )
        if referral is not None and referral.pk is not None:
            others = others.exclude(pk=referral.pk)
        has_other_open = others.exists()
    if has_other_open:
        fail(
            GateCode.ALLEREDE_AKTIV,
            _(
                "Brukeren har allerede en åpen henvisning eller deltakelse i %(type)s. "
                "Fullfør eller avslutt den først."
            )
            % {"type": programme_type.short_name},
        )
    return GateResult(tuple(failures))
