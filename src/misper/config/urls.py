from django.urls import include, path, register_converter

from misper.api.urls import api
from misper.web import views as web_views
from misper.web.converters import IdConverter

register_converter(IdConverter, "id")

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("people/", include("misper.people.urls")),
    path("inbox/", include("misper.notifications.urls")),
    path("returns/", include("misper.returns.urls")),
    path("interventions/", include("misper.interventions.urls")),
    path("network/", include("misper.interventions.network_urls")),
    path("care/", include("misper.care.urls")),
    path("insights/", include("misper.insights.urls")),
    path("", include("misper.episodes.urls")),
    path("", include("misper.web.urls")),
]

handler403 = "misper.web.views.error_403"
handler404 = "misper.web.views.error_404"
handler500 = "misper.web.views.error_500"
