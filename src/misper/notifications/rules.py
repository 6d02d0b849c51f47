"""Who may administer deliveries, webhook endpoints and sharing arrangements."""

from __future__ import annotations

import rules

from misper.agencies.rules import is_system_admin

rules.add_perm("notifications.administer", is_system_admin)
