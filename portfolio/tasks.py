from celery import shared_task

from portfolio.services.flags import flags_refresh


@shared_task(name="portfolio.flags_refresh_nightly")
def flags_refresh_nightly() -> int:
    """Nightly: every rule for everyone (set-based; seconds for the whole country)."""
    return flags_refresh().changed


@shared_task(name="portfolio.flags_refresh_person")
def flags_refresh_person(person_id: int) -> int:
    """One person's data changed: their flags follow at once (the id, never the fødselsnummer)."""
    return flags_refresh(person_ids=[person_id]).changed
