from django.urls import path

from gallery import export_views, share_views, studio_views, views

app_name = "gallery"

urlpatterns = [
    path("", views.home, name="home"),
    # /a/ artworks, by their random public id
    path("a/<str:public_id>/", views.artwork, name="artwork"),
    path("a/<str:public_id>/like/", views.like, name="like"),
    path("a/<str:public_id>/embed/", share_views.artwork_embed, name="artwork_embed"),
    path("a/<str:public_id>/remix/", studio_views.artwork_remix, name="remix"),
    path(
        "a/<str:public_id>/export.<str:fmt>",
        export_views.export,
        name="export",
    ),
    # /c/ collections
    path("c/<str:public_id>/", views.collection, name="collection"),
    # /s/ share links, by their secret code
    path("s/<str:code>/", share_views.share, name="share"),
    path("s/<str:code>/embed/", share_views.share_embed, name="share_embed"),
    # /oembed for sites that unfurl artwork links
    path("oembed", share_views.oembed, name="oembed"),
    # /studio/ the creator's own work
    path("studio/", studio_views.studio, name="studio"),
    path("studio/new/", studio_views.artwork_create, name="studio_new"),
    path("studio/generate/", studio_views.generate, name="studio_generate"),
    path("studio/generations/", studio_views.generations, name="studio_generations"),
    path("studio/a/<str:public_id>/edit/", studio_views.artwork_edit, name="studio_edit"),
    path("studio/a/<str:public_id>/delete/", studio_views.artwork_delete, name="studio_delete"),
    path(
        "studio/a/<str:public_id>/visibility/",
        studio_views.artwork_visibility,
        name="studio_visibility",
    ),
    path("studio/a/<str:public_id>/shares/", studio_views.artwork_shares, name="studio_shares"),
    path("studio/shares/<int:pk>/revoke/", studio_views.share_revoke, name="studio_share_revoke"),
    path("studio/collections/", studio_views.collections, name="studio_collections"),
    path("studio/collections/add/", studio_views.collection_add, name="studio_collection_add"),
    path(
        "studio/collections/<str:public_id>/",
        studio_views.collection_edit,
        name="studio_collection",
    ),
    path(
        "studio/collections/<str:public_id>/delete/",
        studio_views.collection_delete,
        name="studio_collection_delete",
    ),
    path(
        "studio/collections/<str:public_id>/items/<int:item_id>/remove/",
        studio_views.collection_remove,
        name="studio_collection_remove",
    ),
    path(
        "studio/collections/<str:public_id>/items/<int:item_id>/move/",
        studio_views.collection_move,
        name="studio_collection_move",
    ),
]
