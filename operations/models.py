"""No models: operations/apps.py hooks `migrate` through this app, which needs a models module."""
