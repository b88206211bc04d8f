#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # DEBUG comes from the environment only, as for every other entry point: off unless
    # DEBUG=1 is set (`make run` sets it; README, "Configuration").
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
