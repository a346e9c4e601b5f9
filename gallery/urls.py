from django.urls import path

from gallery import views

app_name = "gallery"

urlpatterns = [
    path("", views.home, name="home"),
    # /a/ artworks, by their random public id
    path("a/<str:public_id>/", views.artwork, name="artwork"),
    path("a/<str:public_id>/like/", views.like, name="like"),
    # /c/ collections
    path("c/<str:public_id>/", views.collection, name="collection"),
]
