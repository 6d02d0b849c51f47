"""The agencies app's timeline verbs."""

from misper.core.events import TimelineVerb, register


class AgenciesVerb(TimelineVerb):
    ORGANISATION_CREATED = "organisation_created", "Organisation added", ("name", "kind")
    USER_CREATED = "user_created", "User added", ("organisation", "roles")
    API_TOKEN_CREATED = (
        "api_token_created",
        "API token created",
        ("token", "name", "days", "expires_at"),
    )
    API_TOKEN_REVOKED = "api_token_revoked", "API token revoked", ("token",)


register(AgenciesVerb)
