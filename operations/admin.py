"""Django's own User and Group admins with the local workarounds of django_fixes (an id
beyond the integer range in a changelist `__in` filter answered 500 there too)."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from operations.django_fixes import AdminFixesMixin


class FixedUserAdmin(AdminFixesMixin, UserAdmin):
    pass


class FixedGroupAdmin(AdminFixesMixin, GroupAdmin):
    pass


for model, model_admin in [(User, FixedUserAdmin), (Group, FixedGroupAdmin)]:
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
