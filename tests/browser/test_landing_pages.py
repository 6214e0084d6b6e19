"""Each role's landing page in a real browser (issue 9): signs in through the form, is free of
serious and critical accessibility violations, and is photographed for the README."""

from __future__ import annotations

import pytest

from tests.browser.support import screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize(
    ("persona", "name"),
    [("caseworker_a", "veileder")],
)
def test_landing_page(live_server, personas, page, axe, persona, name):
    user = getattr(personas, persona)
    sign_in(page, live_server.url, user.username)
    axe.check(page, f"{name}: landing page")
    screenshot(page, name)
