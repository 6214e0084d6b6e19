"""How much demo data `seed_demo` makes, and the fixed corner of it the demo logins work in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    persons: int
    # Referrals per status. VENTELISTE is exact; the others include the demo caseworker's.
    waitlisted: int
    drafts: int
    submitted: int
    returned: int
    # Approved, then left the waitlist without a place in the last 12 weeks.
    left_waitlist: int
    offerings: int
    # Persons added at the demo office on top of its share by population, so that `veileder`
    # has a full portfolio even at the small scale.
    demo_office_extra_persons: int
    # The demo county gets this many times its share of persons and offerings.
    demo_county_boost: float


DEMO = Scale(
    name="demo",
    persons=3_000,
    waitlisted=300,
    drafts=25,
    submitted=30,
    returned=20,
    left_waitlist=40,
    offerings=60,
    demo_office_extra_persons=100,
    demo_county_boost=4.0,
)

# The benchmark instance of DOMAIN.md section 11.
NATIONAL = Scale(
    name="national",
    persons=250_000,
    waitlisted=20_000,
    drafts=900,
    submitted=800,
    returned=700,
    left_waitlist=2_000,
    offerings=600,
    demo_office_extra_persons=0,
    demo_county_boost=1.0,
)

SCALES = {scale.name: scale for scale in (DEMO, NATIONAL)}

# Where the demo logins work: Trøndelag, Trondheim, Nav Midtbyen.
DEMO_COUNTY = "50"
DEMO_MUNICIPALITY = "5001"
DEMO_OFFICE = "5083"
# The demo caseworker's portfolio, and the referrals of theirs in each state.
DEMO_PORTFOLIO = 150
DEMO_REFERRALS = {"KLADD": 3, "SOKT_INN": 3, "RETURNERT": 3, "VENTELISTE": 8}
