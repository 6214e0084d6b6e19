"""How the matching pages put a run into words: the report as a table with notes on who was
left out, and each proposal's explanation (why this person, and why the next candidates came
after). Presentation only: it reads nothing but the two lookups it is given from
intake.selectors_matching."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from intake import selectors_matching as selectors
from intake.forms.matching import RejectForm
from intake.models import MatchingRun, MatchProposal, Person, Referral
from org.access import Scope
from providers.models import Offering


def person_label(scope: Scope, person: Person, referral_id: int) -> str:
    """The person's name, or the referral's number when the user may not see who it is."""
    if scope.may_see_protected(person.protection_level):
        return person.full_name
    return _("Henvisning %(id)s") % {"id": referral_id}


# --- the report --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportLine:
    label: Promise
    values: list[Any]
    decimals: int
    help: Promise | None = None


@dataclass(frozen=True)
class ReportTable:
    """Reports side by side: one column each (exact, greedy, what-if ...)."""

    columns: list[str]
    lines: list[ReportLine]
    notes: list[str]


# (key in the report, label, decimals shown, explanation)
REPORT_LINES: tuple[tuple[str, Promise, int, Promise | None], ...] = (
    ("people_waiting", gettext_lazy("Venter på listen"), 0, None),
    (
        "people_with_options",
        gettext_lazy("Har minst én ledig plass innen reiseavstand"),
        0,
        None,
    ),
    ("places_free", gettext_lazy("Ledige plasser"), 0, None),
    ("placed", gettext_lazy("Får forslag om plass"), 0, None),
    (
        "objective",
        gettext_lazy("Samlet kostnad"),
        1,
        gettext_lazy(
            "Km ganger vekt, minus ventetid og faglig match ganger vekt. Lavere er bedre."
        ),
    ),
    ("total_km", gettext_lazy("Samlet reisevei (km)"), 1, None),
    (
        "p95_km",
        gettext_lazy("Lang reisevei, 95-persentil (km)"),
        1,
        gettext_lazy("95 av 100 som får plass, reiser høyst så langt."),
    ),
    ("placed_wait_median", gettext_lazy("Ventetid for dem som får plass, median (dager)"), 0, None),
    ("placed_wait_max", gettext_lazy("Ventetid for dem som får plass, lengst (dager)"), 0, None),
    (
        "waiting_wait_median",
        gettext_lazy("Ventetid for dem som fortsatt venter, median (dager)"),
        0,
        None,
    ),
    (
        "waiting_wait_max",
        gettext_lazy("Ventetid for dem som fortsatt venter, lengst (dager)"),
        0,
        None,
    ),
    (
        "passed_over",
        gettext_lazy("Forbigåtte par"),
        0,
        gettext_lazy(
            "Noen som har ventet lenger, kunne fått plassen og bor like nær, fikk den ikke."
        ),
    ),
    ("solve_ms", gettext_lazy("Beregningstid (ms)"), 1, None),
)


def left_out_notes(report: Mapping[str, Any]) -> list[str]:
    """Who the matcher could not consider, and what the team can do about it."""
    left_out = report.get("left_out") or {}
    notes = []
    if n := left_out.get("protected", 0):
        notes.append(
            ngettext(
                "%(n)s person med adressebeskyttelse er ikke med i automatisk matching; "
                "tildel plass manuelt fra ventelisten.",
                "%(n)s personer med adressebeskyttelse er ikke med i automatisk matching; "
                "tildel dem plass manuelt fra ventelisten.",
                n,
            )
            % {"n": n}
        )
    if n := left_out.get("need_group", 0):
        notes.append(
            ngettext(
                "%(n)s person har en innsatsgruppe som tiltakstypen ikke tar imot, og er ikke med.",
                "%(n)s personer har en innsatsgruppe som tiltakstypen ikke tar imot, og er ikke "
                "med.",
                n,
            )
            % {"n": n}
        )
    if n := left_out.get("closed_offerings", 0):
        notes.append(
            ngettext(
                "%(n)s gjennomføring er stengt den dagen plassen ville startet, og er ikke med.",
                "%(n)s gjennomføringer er stengt den dagen plassen ville startet, og er ikke med.",
                n,
            )
            % {"n": n}
        )
    # Only worth saying when there were places: without any, nobody has one within reach.
    without = (report.get("people_considered") or 0) - (report.get("people_with_options") or 0)
    if report.get("places_free") and without > 0:
        notes.append(
            ngettext(
                "%(n)s person har ingen ledig plass innenfor sin grense for reisevei.",
                "%(n)s personer har ingen ledig plass innenfor sin grense for reisevei.",
                without,
            )
            % {"n": without}
        )
    return notes


def report_table(
    columns: Sequence[tuple[str, Mapping[str, Any]]], notes_from: int = 0
) -> ReportTable:
    """Reports as one table; the notes on who was left out come from column `notes_from`."""
    return ReportTable(
        columns=[label for label, _report in columns],
        lines=[
            ReportLine(label, [report.get(key) for _label, report in columns], decimals, help_)
            for key, label, decimals, help_ in REPORT_LINES
        ],
        notes=left_out_notes(columns[notes_from][1]) if columns else [],
    )


def run_columns(run: MatchingRun, *, what: str = "") -> list[tuple[str, Mapping[str, Any]]]:
    """The run's two answers as report columns; `what` names the run when there are more."""
    if not what:
        return [
            (_("Optimal (foreslått)"), run.report.get("exact", {})),
            (_("Enkel regel: lengst ventet først"), run.report.get("greedy", {})),
        ]
    return [
        (_("%(what)s, optimal") % {"what": what}, run.report.get("exact", {})),
        (_("%(what)s, enkel regel") % {"what": what}, run.report.get("greedy", {})),
    ]


# --- proposals and their explanations ----------------------------------------------------


def _km(value: float) -> str:
    value = round(value, 1)
    return number_format(value, decimal_pos=0 if float(value).is_integer() else 1)


def _days(n: int) -> str:
    return ngettext("%(n)s dag", "%(n)s dager", n) % {"n": n}


def _need_count(person: Person) -> int:
    return len(set(person.needs or ()))


def fit_text(fit: float, needs: int) -> str:
    """ "2 av 3 behov"; a person with no recorded needs fits anywhere."""
    if not needs:
        return _("ingen registrerte behov")
    return _("%(covered)s av %(needs)s behov") % {"covered": round(fit * needs), "needs": needs}


def _joined(parts: Sequence[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return _("%(first)s og %(last)s") % {"first": ", ".join(parts[:-1]), "last": parts[-1]}


def why_chosen(proposal: MatchProposal) -> str:
    """ "Nr. 4 i køen, har ventet 210 dager, bor 12 km unna, dekker 2 av 2 behov"."""
    needs = _need_count(proposal.referral.person)
    numbers = {
        "position": proposal.position,
        "days": _days(proposal.effective_wait_days),
        "distance": (
            _("bor %(km)s km unna") % {"km": _km(proposal.km)}
            if round(proposal.km, 1)
            else _("bor i samme kommune")
        ),
        "fit": fit_text(proposal.fit, needs),
    }
    if not needs:
        return _("Nr. %(position)s i køen, har ventet %(days)s, %(distance)s, %(fit)s.") % numbers
    return (
        _("Nr. %(position)s i køen, har ventet %(days)s, %(distance)s, dekker %(fit)s.") % numbers
    )


def _fit_against(fit: float, needs: int, chosen_fit: float, chosen_needs: int) -> str:
    """ "1 av 2 behov mot 2 av 2", or as percentages when someone has no recorded needs."""
    if needs and chosen_needs:
        return _("%(covered)s av %(needs)s behov mot %(chosen_covered)s av %(chosen_needs)s") % {
            "covered": round(fit * needs),
            "needs": needs,
            "chosen_covered": round(chosen_fit * chosen_needs),
            "chosen_needs": chosen_needs,
        }
    return _("%(percent)s %% mot %(chosen_percent)s %%") % {
        "percent": round(fit * 100),
        "chosen_percent": round(chosen_fit * 100),
    }


def why_not(
    candidate: Mapping[str, Any],
    proposal: MatchProposal,
    candidate_needs: int,
    offerings: Mapping[int, Offering],
) -> str:
    """Why a candidate came after the person proposed: a proposal elsewhere, or the numbers
    where they were weaker (and, for fairness, where they were stronger)."""
    elsewhere = candidate.get("proposed_offering")
    if elsewhere == proposal.offering_id:
        return _("fikk forslag om en annen plass i samme gjennomføring")
    if elsewhere is not None:
        offering = offerings.get(elsewhere)
        if offering is None:
            return _("fikk forslag om plass et annet sted")
        return _("fikk forslag hos %(offering)s (%(provider)s)") % {
            "offering": offering.name,
            "provider": offering.provider.name,
        }
    chosen_needs = _need_count(proposal.referral.person)
    km, chosen_km = candidate["km"], proposal.km
    wait, chosen_wait = candidate["wait_days"], proposal.effective_wait_days
    fit, chosen_fit = candidate["fit"], proposal.fit
    weaker: list[str] = []
    stronger: list[str] = []
    numbers = {
        "km": _km(km),
        "chosen_km": _km(chosen_km),
        "days": _days(wait),
        "chosen_days": chosen_wait,
        "fit": _fit_against(fit, candidate_needs, chosen_fit, chosen_needs),
    }
    if round(km, 1) > round(chosen_km, 1):
        weaker.append(_("bor %(km)s km unna mot %(chosen_km)s km") % numbers)
    elif round(km, 1) < round(chosen_km, 1):
        stronger.append(_("bor nærmere (%(km)s km mot %(chosen_km)s km)") % numbers)
    if wait < chosen_wait:
        weaker.append(_("har ventet %(days)s mot %(chosen_days)s") % numbers)
    elif wait > chosen_wait:
        stronger.append(_("har ventet lenger (%(days)s mot %(chosen_days)s)") % numbers)
    if fit < chosen_fit:
        weaker.append(_("faglig match %(fit)s") % numbers)
    elif fit > chosen_fit:
        stronger.append(_("bedre faglig match (%(fit)s)") % numbers)
    if not weaker:
        return _(
            "er ikke svakere på reisevei, ventetid eller behov, men med dette valget får flest "
            "mulig plass samlet"
        )
    if stronger:
        return _("%(stronger)s, men %(weaker)s") % {
            "stronger": _joined(stronger),
            "weaker": _joined(weaker),
        }
    return _joined(weaker)


@dataclass(frozen=True)
class CandidateLine:
    referral_id: int
    name: str
    position: int
    text: str


@dataclass(frozen=True)
class ProposalRow:
    proposal: MatchProposal
    name: str
    needs: int
    why: str
    candidates: list[CandidateLine]
    form: RejectForm
    checked: bool

    @property
    def checkbox_id(self) -> str:
        return f"valgt-{self.proposal.pk}"

    @property
    def fit_text(self) -> str:
        return fit_text(self.proposal.fit, self.needs)

    @property
    def fit_percent(self) -> float:
        return self.proposal.fit * 100


def proposal_rows(
    scope: Scope,
    county_number: str,
    proposals: Sequence[MatchProposal],
    *,
    ticked: set[str],
    failed: tuple[int, RejectForm] | None = None,
) -> list[ProposalRow]:
    """The page's proposals with their explanations: one query for the people the
    explanations name, one for every offering on the page."""
    people = selectors.candidate_referrals(county_number=county_number, proposals=proposals)
    offerings = selectors.offerings_by_id(
        county_number=county_number,
        offering_ids={p.offering_id for p in proposals}
        | {
            c["proposed_offering"]
            for p in proposals
            for c in p.candidates
            if c.get("proposed_offering") is not None
        },
    )
    rows = []
    for proposal in proposals:
        if proposal.offering_id in offerings:
            proposal.offering = offerings[proposal.offering_id]
        lines = []
        for candidate in proposal.candidates:
            referral: Referral | None = people.get(candidate["referral"])
            if referral is None:
                continue  # no longer in the county's work: nothing to say about them
            lines.append(
                CandidateLine(
                    referral_id=referral.pk,
                    name=person_label(scope, referral.person, referral.pk),
                    position=candidate["position"],
                    text=why_not(candidate, proposal, _need_count(referral.person), offerings),
                )
            )
        form = RejectForm(prefix=f"p{proposal.pk}")
        if failed and failed[0] == proposal.pk:
            form = failed[1]
        rows.append(
            ProposalRow(
                proposal=proposal,
                name=person_label(scope, proposal.referral.person, proposal.referral_id),
                needs=_need_count(proposal.referral.person),
                why=why_chosen(proposal),
                candidates=lines,
                form=form,
                checked=str(proposal.pk) in ticked,
            )
        )
    return rows
