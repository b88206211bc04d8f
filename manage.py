#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # DEBUG comes from the environment only, as for every other entry point: off unless
    # DEBUG=1 is set (`make run` sets it; README, "Configuration").
    # makemigrations and check (without --deploy) inspect the code and sign nothing:
    # they run without a deployment's SECRET_KEY, DEBUG staying off.
    if sys.argv[1:2] in (["makemigrations"], ["check"]) and "--deploy" not in sys.argv:
        os.environ.setdefault("SECRET_KEY", "code-inspection-only-never-used-to-sign")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
