"""The flag rules of DOMAIN.md section 8, each a query over persons (no loop over people): who
the rule holds for today, with the fact it names in its explanation. Thresholds come from
FlagSettings. The suggestions are hints with their source in the evaluation, never decisions.

"Has a programme" means a place given or in progress; "pending referral" means a referral
being written, submitted, returned, waiting or waiting to start: someone is already on it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import DateField, Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from intake.models import (
    ACTIVE_PLACEMENT_STATUSES,
    Person,
    Placement,
    PlacementStatus,
    Referral,
    ReferralStatus,
    WorkCapacityAssessment,
)
from org.vocabulary import ADAPTED_NEED_GROUPS, Benefit, CountryBackground, NeedGroup
from portfolio.models import FlagCode, FlagSettings

PENDING_REFERRAL_STATUSES = (
    ReferralStatus.KLADD,
    ReferralStatus.SOKT_INN,
    ReferralStatus.RETURNERT,
    ReferralStatus.VENTELISTE,
    ReferralStatus.VENTER_PA_OPPSTART,
)


def _pending_referral() -> Exists:
    return Exists(
        Referral.objects.filter(person=OuterRef("pk"), status__in=PENDING_REFERRAL_STATUSES)
    )


def _in_programme() -> Exists:
    return Exists(
        Placement.objects.filter(
            referral__person=OuterRef("pk"), status__in=ACTIVE_PLACEMENT_STATUSES
        )
    )


def _programme_ended_since(day: datetime.date) -> Exists:
    return Exists(Placement.objects.filter(referral__person=OuterRef("pk"), ended_on__gte=day))


def _last_programme_end() -> Subquery:
    return Subquery(
        Placement.objects.filter(referral__person=OuterRef("pk"), ended_on__isnull=False)
        .order_by("-ended_on")
        .values("ended_on")[:1],
        output_field=DateField(),
    )


def _without_programme() -> QuerySet[Person]:
    return Person.objects.filter(~_in_programme(), ~_pending_referral())


def _no_date() -> Value:
    return Value(None, output_field=DateField())


def _years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` earlier; 29 February becomes the 28th in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def young_without_activity(s: FlagSettings, today: datetime.date) -> QuerySet[Person]:
    born_after = _years_before(today, s.young_age_limit)
    cutoff = today - datetime.timedelta(days=s.inactive_days)
    return (
        _without_programme()
        .filter(birth_date__gt=born_after)
        .filter(~_programme_ended_since(cutoff))
        .annotate(fact_date=_last_programme_end())
    )


def long_term_unemployed(s: FlagSettings, today: datetime.date) -> QuerySet[Person]:
    return (
        _without_programme()
        .filter(job_seeker_since__lte=today - datetime.timedelta(days=s.long_term_days))
        .annotate(fact_date=Coalesce("job_seeker_since", _no_date()))
    )


def reduced_capacity_without_programme(s: FlagSettings, today: datetime.date) -> QuerySet[Person]:
    cutoff = today - datetime.timedelta(days=s.adapted_without_programme_days)
    return (
        _without_programme()
        .filter(need_group__in=ADAPTED_NEED_GROUPS)
        .filter(~_programme_ended_since(cutoff))
        .annotate(fact_date=_last_programme_end())
    )


def aap_near_maksdato(s: FlagSettings, today: datetime.date) -> QuerySet[Person]:
    return (
        _without_programme()
        .filter(
            benefit=Benefit.AAP,
            aap_maksdato__gte=today,
            aap_maksdato__lte=today + datetime.timedelta(days=s.aap_maksdato_days),
        )
        .annotate(fact_date=Coalesce("aap_maksdato", _no_date()))
    )


def missing_assessment(s: FlagSettings, today: datetime.date) -> QuerySet[Person]:
    """Situational or adapted need group without a valid work-capacity assessment: the gate
    would fail, so this comes first."""
    valid_from = today - datetime.timedelta(days=s.assessment_max_age_days)
    latest = Subquery(
        WorkCapacityAssessment.objects.filter(person=OuterRef("pk"))
        .order_by("-assessed_on")
        .values("assessed_on")[:1],
        output_field=DateField(),
    )
    return (
        Person.objects.filter(
            need_group__in=(NeedGroup.SITUASJONSBESTEMT_INNSATS, *ADAPTED_NEED_GROUPS)
        )
        .filter(~_in_programme(), ~_pending_referral())
        .filter(
            ~Exists(
                WorkCapacityAssessment.objects.filter(
                    person=OuterRef("pk"), assessed_on__gte=valid_from
                )
            )
        )
        .annotate(fact_date=latest)
    )


def immigrant_outside_eea(s: FlagSettings, today: datetime.date) -> QuerySet[Person]:
    return (
        _without_programme()
        .filter(country_background=CountryBackground.UTENFOR_EOS)
        .annotate(fact_date=Coalesce("job_seeker_since", _no_date()))
    )


def long_in_sheltered_programme(s: FlagSettings, today: datetime.date) -> QuerySet[Person]:
    """ "Lock-in": sheltered programmes show weak effects, so long stays are worth a look."""
    started_before = today - datetime.timedelta(days=s.sheltered_lock_in_days)
    long_stay = Placement.objects.filter(
        referral__person=OuterRef("pk"),
        status=PlacementStatus.DELTAR,
        offering__programme_type__sheltered=True,
        started_on__lte=started_before,
    )
    return Person.objects.filter(Exists(long_stay), ~_pending_referral()).annotate(
        fact_date=Subquery(
            long_stay.order_by("started_on").values("started_on")[:1],
            output_field=DateField(),
        )
    )


@dataclass(frozen=True)
class Rule:
    code: FlagCode
    people: Callable[[FlagSettings, datetime.date], QuerySet[Person]]
    suggestion: str | None  # a programme type code
    hint: Promise  # the evidence behind the suggestion, with its source


RULES: tuple[Rule, ...] = (
    Rule(
        FlagCode.UNG_UTEN_AKTIVITET,
        young_without_activity,
        "INDOPPFAG",
        _(
            "Ungdomsgarantien: unge under 30 skal få tett oppfølging og et tilbud raskt "
            "(evalueringen, L1416–1420)."
        ),
    ),
    Rule(
        FlagCode.LANGTIDSLEDIG,
        long_term_unemployed,
        "JOBBK",
        _(
            "Korte tiltak og hjelp til å finne jobb virker best for dem som står nærmest "
            "arbeidslivet; langtidsledige er en prioritert gruppe (L1545–1547, L5871)."
        ),
    ),
    Rule(
        FlagCode.NEDSATT_ARBEIDSEVNE_UTEN_TILTAK,
        reduced_capacity_without_programme,
        "ARBFORB",
        _(
            "Andelen med nedsatt arbeidsevne i tiltak falt fra 60 til om lag 20 prosent "
            "(L1180–1182). Lønnstilskudd i ordinære virksomheter har best dokumentert effekt "
            "(L247–279)."
        ),
    ),
    Rule(
        FlagCode.AAP_NAER_MAKSDATO,
        aap_near_maksdato,
        "AVKLARAG",
        _("Maksdato for AAP nærmer seg: en avklaring nå gir tid til å finne veien videre (L3449)."),
    ),
    Rule(
        FlagCode.MANGLER_AEV,
        missing_assessment,
        None,
        _(
            "Uten gyldig arbeidsevnevurdering stopper henvisningen i kvalitetssjekken; lag "
            "vurderingen først (L3645–3653)."
        ),
    ),
    Rule(
        FlagCode.INNVANDRER_UTENFOR_EOS,
        immigrant_outside_eea,
        "GRUPPEAMO",
        _(
            "Innvandrere utenfor EØS er en prioritert gruppe; lønnstilskudd i private "
            "virksomheter og opplæring har god effekt (L8603–8606, L7034–7071)."
        ),
    ),
    Rule(
        FlagCode.LENGE_I_SKJERMET_TILTAK,
        long_in_sheltered_programme,
        None,
        _(
            "Skjermede tiltak viser svake effekter, og lange opphold kan låse folk inne; "
            "vurder ordinært arbeid med lønnstilskudd (L2607–2631, L4718–4728)."
        ),
    ),
)

RULE_BY_CODE = {rule.code: rule for rule in RULES}
