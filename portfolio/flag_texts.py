"""The words on a flag: a one-line explanation naming the facts the rule used, and the rule's
hint. Both are shown as reasons to look, never as decisions."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intake.models import Person
from org.vocabulary import NeedGroup
from portfolio.flag_rules import RULE_BY_CODE
from portfolio.models import FlagCode, PortfolioFlag


def _date(day: datetime.date) -> str:
    return day.strftime("%d.%m.%Y")


def _whole_months(since: datetime.date, today: datetime.date) -> int:
    months = (today.year - since.year) * 12 + today.month - since.month
    return max(months - (today.day < since.day), 0)


def _need_group(person: Person) -> str:
    if person.need_group in NeedGroup.values:
        return str(NeedGroup(person.need_group).label)
    return _("Uten innsatsgruppe")


def _no_programme_since(day: datetime.date | None) -> str:
    if day is None:
        return _("ingen registrert tiltaksdeltakelse")
    return _("ingen tiltak siden %(date)s") % {"date": _date(day)}


def flag_explanation(
    flag: PortfolioFlag, person: Person, today: datetime.date, *, young_age_limit: int = 30
) -> str:
    """One line naming the facts behind the flag ("Under 30 (24 år), ingen tiltak siden
    12.03.2026"). `flag.fact_date` means what the rule stored: the last programme's end, the
    job-seeker date, the maksdato, the last assessment or the sheltered programme's start."""
    day = flag.fact_date
    code = flag.code
    if code == FlagCode.UNG_UTEN_AKTIVITET:
        return _("Under %(limit)s (%(age)s år), %(since)s") % {
            "limit": young_age_limit,
            "age": person.age_on(today),
            "since": _no_programme_since(day),
        }
    if code == FlagCode.LANGTIDSLEDIG:
        since = day or person.job_seeker_since
        if since is None:
            return _("Registrert arbeidssøker, uten tiltak")
        months = _whole_months(since, today)
        return _("Arbeidssøker siden %(date)s (%(duration)s), uten tiltak") % {
            "date": _date(since),
            "duration": ngettext("%(n)s måned", "%(n)s måneder", months) % {"n": months},
        }
    if code == FlagCode.NEDSATT_ARBEIDSEVNE_UTEN_TILTAK:
        if day is None:
            return _("%(group)s, aldri deltatt i tiltak") % {"group": _need_group(person)}
        return _("%(group)s, ingen tiltak siden %(date)s") % {
            "group": _need_group(person),
            "date": _date(day),
        }
    if code == FlagCode.AAP_NAER_MAKSDATO:
        maksdato = day or person.aap_maksdato
        if maksdato is None:
            return _("AAP med maksdato innen ett år")
        return _("AAP med maksdato %(date)s") % {"date": _date(maksdato)}
    if code == FlagCode.MANGLER_AEV:
        if day is None:
            return _("%(group)s, ingen arbeidsevnevurdering") % {"group": _need_group(person)}
        return _("%(group)s, siste arbeidsevnevurdering %(date)s") % {
            "group": _need_group(person),
            "date": _date(day),
        }
    if code == FlagCode.INNVANDRER_UTENFOR_EOS:
        since = day or person.job_seeker_since
        if since is None:
            return _("Innvandrer fra land utenfor EØS, uten tiltak")
        return _("Innvandrer fra land utenfor EØS, arbeidssøker siden %(date)s, uten tiltak") % {
            "date": _date(since)
        }
    if code == FlagCode.LENGE_I_SKJERMET_TILTAK:
        if day is None:
            return _("Lenge i skjermet tiltak")
        years = _whole_months(day, today) // 12
        return _("I skjermet tiltak siden %(date)s (%(years)s år)") % {
            "date": _date(day),
            "years": years,
        }
    return flag.get_code_display()


def flag_hint(flag: PortfolioFlag) -> str:
    """The evidence behind the rule's suggestion, with its source."""
    rule = RULE_BY_CODE.get(FlagCode(flag.code)) if flag.code in FlagCode.values else None
    return str(rule.hint) if rule else ""
