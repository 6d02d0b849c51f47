from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "misper.interventions"
    label = "interventions"
    verbose_name = "Repeat missing: trigger records, intervention meetings, the coordinator's desk"

    def ready(self) -> None:
        # its timeline verbs, the records made from the engine's trigger hits (a handler
        # of the episode's events), and the child's triggers and network (issue 12, part 5)
        # on the child's record page
        from misper.interventions import events, network_section, records, sections  # noqa: F401
