"""The missing-persons policy as code: pure Python, no Django (docs/policy.md). The app
asks ``decide``; the scenario runner (``misper policy run``) asks ``evaluate.evaluate``."""

from misper.policy.decide import Action, Decision, decide

__all__ = ["Action", "Decision", "decide"]
