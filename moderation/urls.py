"""Reports: hung off the public URLs of what they are about (DESIGN.md's URL shapes)."""

from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    # /a/<id>/report/ and /c/<id>/report/ tell staff about a public artwork or collection
    path("a/<str:public_id>/report/", views.report_artwork, name="report_artwork"),
    path("c/<str:public_id>/report/", views.report_collection, name="report_collection"),
]
