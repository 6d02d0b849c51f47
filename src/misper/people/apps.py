from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "misper.people"
    label = "people"
    verbose_name = "Children: identity, care status, placements, flags"
