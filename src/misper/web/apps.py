from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "misper.web"
    label = "web"
    verbose_name = "GOV.UK shell"
