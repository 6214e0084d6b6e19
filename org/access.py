"""The one place that decides what a user may see.

A `Scope` is computed once per user from their memberships and turns into Q objects that every
selector, page, API view and export filters with. Deny by default: a user without memberships
gets empty sets, and an empty set filters to nothing. Nothing else in the code base may look at
memberships to decide access.

What each membership opens (DOMAIN.md section 2):
- caseworker (veileder) of an office: persons of that office and their referrals;
- office leader: the same for their office;
- county leader: persons, referrals and providers' offerings of every office in the county;
- intake team (inntaksteam): referrals, waitlists and offerings of their county;
- provider staff: their own provider's offerings and the people placed there;
- administrator (superuser): configuration, not persons.
Clearances (kode 6, kode 7, skjermet) decide whether a protected person is shown in full or
masked; they never widen which persons are in scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from org.models import (
    County,
    CountyMembership,
    CountyRole,
    Office,
    OfficeMembership,
    OfficeRole,
    Provider,
    ProviderMembership,
    User,
)
from org.vocabulary import ProtectionLevel

# Protection levels a clearance opens (DOMAIN.md section 3).
UGRADERT = ProtectionLevel.UGRADERT.value
FORTROLIG = ProtectionLevel.FORTROLIG.value
STRENGT_FORTROLIG = ProtectionLevel.STRENGT_FORTROLIG.value
SKJERMET = ProtectionLevel.SKJERMET.value

_NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    user_id: int | None = None
    is_admin: bool = False
    caseworker_office_ids: frozenset[int] = field(default_factory=frozenset)
    leader_office_ids: frozenset[int] = field(default_factory=frozenset)
    intake_county_numbers: frozenset[str] = field(default_factory=frozenset)
    leader_county_numbers: frozenset[str] = field(default_factory=frozenset)
    provider_ids: frozenset[int] = field(default_factory=frozenset)
    protection_levels: frozenset[str] = frozenset({UGRADERT})

    # Roles, for navigation and landing pages only: access itself uses the sets above.
    @property
    def is_caseworker(self) -> bool:
        return bool(self.caseworker_office_ids)

    @property
    def is_office_leader(self) -> bool:
        return bool(self.leader_office_ids)

    @property
    def is_intake(self) -> bool:
        return bool(self.intake_county_numbers)

    @property
    def is_county_leader(self) -> bool:
        return bool(self.leader_county_numbers)

    @property
    def is_leader(self) -> bool:
        return self.is_office_leader or self.is_county_leader

    @property
    def is_provider(self) -> bool:
        return bool(self.provider_ids)

    @property
    def has_any_role(self) -> bool:
        return self.is_admin or bool(
            self.caseworker_office_ids
            or self.leader_office_ids
            or self.intake_county_numbers
            or self.leader_county_numbers
            or self.provider_ids
        )

    # Q objects. `path` is the lookup from the filtered model to the object named.
    def person_office_q(self, path: str = "office") -> Q:
        """Persons (or anything of a person) reached through the person's office."""
        office_ids = self.caseworker_office_ids | self.leader_office_ids
        q = _NOTHING
        if office_ids:
            q |= Q(**{f"{path}__in": office_ids})
        if self.leader_county_numbers:
            q |= Q(**{f"{path}__county__in": self.leader_county_numbers})
        return q

    def led_person_q(self, path: str = "office") -> Q:
        """Persons of the offices and counties the user leads (not those they work with as a
        caseworker): what a leader's oversight, such as the access log, covers."""
        q = _NOTHING
        if self.leader_office_ids:
            q |= Q(**{f"{path}__in": self.leader_office_ids})
        if self.leader_county_numbers:
            q |= Q(**{f"{path}__county__in": self.leader_county_numbers})
        return q

    def county_work_q(self, path: str = "county") -> Q:
        """Referrals, waitlists and offerings that belong to a county's intake work."""
        numbers = self.intake_county_numbers | self.leader_county_numbers
        return Q(**{f"{path}__in": numbers}) if numbers else _NOTHING

    def provider_q(self, path: str = "provider") -> Q:
        return Q(**{f"{path}__in": self.provider_ids}) if self.provider_ids else _NOTHING

    # What a user may do (services check these again, whatever the page offered).
    def may_work_for_office(self, office_id: int) -> bool:
        """Create and refer persons of this office: its caseworkers."""
        return office_id in self.caseworker_office_ids

    def may_review_for_county(self, county_number: str) -> bool:
        """Review referrals and own the waitlists of this county: its intake team."""
        return county_number in self.intake_county_numbers

    def may_see_protected(self, protection_level: str) -> bool:
        """Whether a person with this protection level is shown in full (else masked)."""
        return protection_level in self.protection_levels

    # Querysets of the organisation itself.
    def offices(self) -> QuerySet[Office]:
        return Office.objects.filter(
            Q(pk__in=self.caseworker_office_ids | self.leader_office_ids)
            | Q(county__in=self.leader_county_numbers)
        ).select_related("county")

    def counties(self) -> QuerySet[County]:
        return County.objects.filter(
            number__in=self.intake_county_numbers | self.leader_county_numbers
        )

    def providers(self) -> QuerySet[Provider]:
        return Provider.objects.filter(pk__in=self.provider_ids)


NOBODY = Scope()


def scope_for(user: User | AnonymousUser) -> Scope:
    """The user's scope, computed once per user object (that is, once per request)."""
    if not user.is_authenticated or not user.is_active:
        return NOBODY
    assert isinstance(user, User)
    cached: Scope | None = getattr(user, "_inntak_scope", None)
    if cached is not None:
        return cached
    caseworker: set[int] = set()
    office_leader: set[int] = set()
    for office_id, role in OfficeMembership.objects.filter(user=user).values_list(
        "office_id", "role"
    ):
        (caseworker if role == OfficeRole.VEILEDER else office_leader).add(office_id)
    intake: set[str] = set()
    county_leader: set[str] = set()
    for county_id, role in CountyMembership.objects.filter(user=user).values_list(
        "county_id", "role"
    ):
        (intake if role == CountyRole.INNTAKSTEAM else county_leader).add(county_id)
    levels = {UGRADERT}
    if user.may_see_fortrolig:
        levels.add(FORTROLIG)
    if user.may_see_strengt_fortrolig:
        levels.add(STRENGT_FORTROLIG)
    if user.may_see_skjermet:
        levels.add(SKJERMET)
    scope = Scope(
        user_id=user.pk,
        is_admin=user.is_superuser,
        caseworker_office_ids=frozenset(caseworker),
        leader_office_ids=frozenset(office_leader),
        intake_county_numbers=frozenset(intake),
        leader_county_numbers=frozenset(county_leader),
        provider_ids=frozenset(
            ProviderMembership.objects.filter(user=user).values_list("provider_id", flat=True)
        ),
        protection_levels=frozenset(levels),
    )
    user.__dict__["_inntak_scope"] = scope
    return scope
