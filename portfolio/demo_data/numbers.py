"""Synthetic Norwegian identity numbers: fødselsnummer and organisasjonsnummer.

Skatteetaten's synthetic fødselsnumre (80 added to the month) would be the safest choice, since
they can never belong to a real person, but python-stdnum 2.2 rejects them (it knows D- and
H-numbers only), and the application validates with stdnum. So these are ordinary numbers:
a real birth date, an individual number in the range for the birth century, the sex in the
ninth digit, and both mod-11 check digits.
"""

from __future__ import annotations

import datetime
import random

_FNR_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_FNR_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    """The mod-11 check digit, or None where the remainder makes the number impossible."""
    digit = 11 - sum(w * int(d) for w, d in zip(weights, digits, strict=True)) % 11
    if digit == 11:
        return 0
    return None if digit == 10 else digit


def _individual_range(year: int) -> tuple[int, int]:
    """Individual numbers (digits 7-9) given to people born in `year`."""
    if 1900 <= year <= 1999:
        return 0, 499
    if 2000 <= year <= 2039:
        return 500, 999
    raise ValueError(f"no fødselsnummer series for birth year {year}")


def fodselsnummer(
    rng: random.Random, birth_date: datetime.date, *, male: bool, taken: set[str]
) -> str:
    """A valid fødselsnummer for this birth date and sex that is not in `taken` (added to it)."""
    low, high = _individual_range(birth_date.year)
    prefix = f"{birth_date:%d%m%y}"
    for _ in range(10_000):
        individual = rng.randint(low, high)
        # The ninth digit is odd for men, even for women; flipping the lowest bit stays in range.
        if individual % 2 != int(male):
            individual ^= 1
        body = f"{prefix}{individual:03d}"
        first = _check_digit(body, _FNR_WEIGHTS_1)
        if first is None:
            continue
        second = _check_digit(f"{body}{first}", _FNR_WEIGHTS_2)
        if second is None:
            continue
        number = f"{body}{first}{second}"
        if number not in taken:
            taken.add(number)
            return number
    raise RuntimeError(f"no free fødselsnummer left for {birth_date}")


def orgnr(rng: random.Random, taken: set[str]) -> str:
    """A valid organisasjonsnummer not in `taken` (added to it).

    Enhetsregisteret's numbers begin with 8 or 9; these begin with 3, so a generated provider
    can never be mistaken for a real organisation."""
    while True:
        body = f"3{rng.randrange(10_000_000):07d}"
        check = _check_digit(body, _ORGNR_WEIGHTS)
        number = f"{body}{check}"
        if check is not None and number not in taken:
            taken.add(number)
            return number
