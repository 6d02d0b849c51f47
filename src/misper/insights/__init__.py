"""Insights: what Misper's records say across children. The DfE's SSDA903 return of
children missing or away from placement (R-DAT-04, ``ssda903``); the analysts' reports
(R-DAT-*) are to come."""
