"""The insights pages: the DfE's SSDA903 return (R-DAT-04). Every form is a POST."""

from django.urls import path

from misper.insights import report_views, views

app_name = "insights"

urlpatterns = [
    path("ssda903/", views.ssda903_page, name="ssda903"),
    # The analysts' reports (issue 14): filters in the address, downloads POSTed.
    path("reports/", report_views.index, name="reports"),
    path("reports/<slug:slug>/", report_views.report_page, name="report"),
    path("reports/<slug:slug>.<str:fmt>", report_views.report_download, name="report_download"),
]
