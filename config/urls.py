from django.contrib import admin
from django.urls import path

admin.site.site_header = "Claims knowledge base"
admin.site.site_title = "Claims KB admin"
admin.site.index_title = "Curation"

urlpatterns = [
    path("admin/", admin.site.urls),
]
