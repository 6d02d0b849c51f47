"""The insights pages: the DfE's SSDA903 return (R-DAT-04). Every form is a POST."""

from django.urls import path

from misper.insights import board_pack_views, bulk_views, report_views, views

app_name = "insights"

urlpatterns = [
    # The bulk import of history (issue 14, part 3): checked first, imported all or nothing.
    path("import/", bulk_views.upload, name="import"),
    path("import/template.csv", bulk_views.template, name="import_template"),
    path("import/<int:job_id>/", bulk_views.job_page, name="import_job"),
    path("import/<int:job_id>/problems.csv", bulk_views.job_errors, name="import_errors"),
    path("import/<int:job_id>/import/", bulk_views.job_import, name="import_confirm"),
    path("ssda903/", views.ssda903_page, name="ssda903"),
    # The analysts' reports (issue 14): filters in the address, downloads POSTed.
    path("reports/", report_views.index, name="reports"),
    path("reports/<slug:slug>/", report_views.report_page, name="report"),
    path("reports/<slug:slug>.<str:fmt>", report_views.report_download, name="report_download"),
    # Every report for a period as one A4 PDF for the board: POSTed with why, audited.
    path("board-pack/", board_pack_views.board_pack_page, name="board_pack"),
]
