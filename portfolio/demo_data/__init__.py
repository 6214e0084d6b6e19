"""Synthetic but realistic demo and benchmark data: `manage.py seed_demo`.

Deterministic: every draw comes from `random.Random` streams seeded from `--seed`, and every
date is relative to `--today`, so the same seed and day give the same data. The shares and
sizes follow DOMAIN.md section 11. By topic:

- `scales`: how much to make (demo, national) and the demo logins' corner of the country;
- `people`: persons, spread over municipalities by population, each in an office serving it;
- `staff`: demo logins, generated caseworkers and intake teams, who follows whom;
- `offerings`: providers and their offerings;
- `documents`: CVs, work-capacity assessments and activity plans in every gate state;
- `referrals`: referrals in every state, with their full history;
- `placements`: participants, those given places and those who left, the offerings' capacity
  counters and their providers' reports of free places;
- `numbers`, `names`, `texts`, `timeline`: identity numbers, names, Norwegian texts, dates;
- `seeding`: the phases, the reset and the report.
"""

from portfolio.demo_data.scales import SCALES, Scale
from portfolio.demo_data.seeding import SeedReport, delete_demo_data, seed_demo
from portfolio.demo_data.staff import DEMO_PASSWORD

__all__ = ["DEMO_PASSWORD", "SCALES", "Scale", "SeedReport", "delete_demo_data", "seed_demo"]
