"""Organisation numbers are checked by their mod-11 check digit."""

import pytest

from config.errors import ApplicationError
from providers.services import orgnr_clean
from tests.factories import make_orgnr


def test_a_valid_orgnr_is_kept_in_its_compact_form():
    number = make_orgnr()

    assert orgnr_clean(f"{number[:3]} {number[3:6]} {number[6:]}") == number


@pytest.mark.parametrize("value", ["", "12345678", "1234567890", "abcdefghi"])
def test_a_malformed_orgnr_is_refused(value):
    with pytest.raises(ApplicationError) as refused:
        orgnr_clean(value)
    assert refused.value.code == "INVALID_ORGNR"


def test_an_orgnr_with_a_bad_check_digit_is_refused_with_a_clear_message():
    number = make_orgnr()
    wrong = number[:8] + str((int(number[8]) + 1) % 10)

    with pytest.raises(ApplicationError) as refused:
        orgnr_clean(wrong)

    assert refused.value.code == "INVALID_ORGNR"
    assert "Organisasjonsnummeret er ikke gyldig" in refused.value.message
    assert refused.value.fields == {"orgnr": ["Ugyldig organisasjonsnummer."]}
