"""What the API tests share: a token-authenticated client that remembers every URL it was
asked for (so a test can prove no fødselsnummer ever went into one), and a person whose
documents pass the quality gate."""

import re
from typing import Any

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from intake.models import Person
from org.models import User
from tests.factories import (
    ActivityPlanFactory,
    CVFactory,
    PersonFactory,
    WorkCapacityAssessmentFactory,
)

# Each part at least the programme types' default minimum of 40 characters.
GOOD_JUSTIFICATION = {
    "justification_need": "Trenger tett oppfølging og tilrettelegging på en skjermet arbeidsplass.",
    "justification_goal": "Komme i lønnet arbeid som lagermedarbeider innen to år.",
    "justification_why_programme": "AFT gir arbeidstrening med den veiledningen brukeren trenger.",
    "justification_why_not_ordinary": "Ordinær praksis er prøvd to ganger uten å lykkes.",
}

ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")


class RecordingClient(APIClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_format = "json"
        self.urls: list[str] = []

    def request(self, **request: Any) -> Any:
        query = request.get("QUERY_STRING", "")
        self.urls.append(request["PATH_INFO"] + (f"?{query}" if query else ""))
        return super().request(**request)


def api_client(user: User) -> RecordingClient:
    """A client authenticated the way an integration is: with the user's API token."""
    token, _created = Token.objects.get_or_create(user=user)
    client = RecordingClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def documented_person(**values: Any) -> Person:
    """A person whose CV, assessment and activity plan all pass the gate for AFT."""
    person = PersonFactory.create(**values)
    CVFactory.create(person=person)
    WorkCapacityAssessmentFactory.create(person=person)
    ActivityPlanFactory.create(person=person)
    return person
