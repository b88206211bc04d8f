import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

# (username, group, superuser): one account per role, to try the admin as each.
DEMO_USERS = [("admin", None, True), ("editor", "editor", False), ("analyst", "analyst", False)]


class Command(BaseCommand):
    help = (
        "Create demo accounts admin, editor and analyst (password = username). "
        "Refuses unless DEBUG=1 is set in the environment (as `make run` does) and DEBUG is on."
    )

    def handle(self, **options):
        # Both: the environment variable says a developer asked for debug mode on this
        # very run (not a default), and the settings say it is in effect.
        if os.environ.get("DEBUG") != "1" or not settings.DEBUG:
            raise CommandError(
                "Demo accounts have well-known passwords: refusing to create them "
                "unless DEBUG=1 is set in the environment (make run does) and DEBUG is on."
            )
        User = get_user_model()
        for username, group, superuser in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff = True
            user.is_superuser = superuser
            user.set_password(username)
            user.save()
            if group:
                user.groups.set(Group.objects.filter(name=group))
        self.stdout.write(
            self.style.SUCCESS(
                "Admin: http://127.0.0.1:{port}/admin/  log in as admin/admin (everything), "
                "editor/editor (reviews and publishes) or analyst/analyst (curates, cannot publish).".format(
                    port=os.environ.get("PORT", "8000")
                )
            )
        )
