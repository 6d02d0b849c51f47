from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "misper.returns"
    label = "returns"
    verbose_name = "Return home interviews: referral, triage, interview, what the police learn"

    def ready(self) -> None:
        # its timeline verbs, the referral made when a child is found (a handler of the
        # episode's events), and what interviews shared, on the child's record page
        from misper.returns import caseload, events, referral, sections  # noqa: F401
