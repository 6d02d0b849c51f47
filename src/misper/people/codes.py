"""Closed vocabularies of the child's record. Values match the policy engine's vocabulary
(policy-rules.md Appendix D, policy-scenarios.md) so facts pass to it unchanged."""

from __future__ import annotations

from django.db import models


class Sex(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not known"


class Ethnicity(models.TextChoices):
    """The ethnicity codes of the DfE SSDA903 return."""

    WBRI = "WBRI", "White British"
    WIRI = "WIRI", "White Irish"
    WOTH = "WOTH", "Any other White background"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WROM = "WROM", "Gypsy/Roma"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Caribbean"
    BAFR = "BAFR", "African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


class CareStatus(models.TextChoices):
    AT_HOME = "at_home", "Living at home"
    LOOKED_AFTER = "looked_after", "Looked after"
    CARE_LEAVER = "care_leaver", "Care leaver"


class LegalStatus(models.TextChoices):
    CARE_ORDER = "care_order", "Care order (s.31)"
    INTERIM_CARE_ORDER = "interim_care_order", "Interim care order"
    SECTION_20 = "section_20", "Accommodated (s.20)"
    REMAND = "remand", "Remanded to local authority accommodation"
    PLACEMENT_ORDER = "placement_order", "Placement order"
    SECURE_ORDER = "secure_order", "Secure order"
    POLICE_PROTECTION = "police_protection", "Police protection"


class PlacementType(models.TextChoices):
    CHILDRENS_HOME = "children_home", "Children's home"
    FOSTER_CARE = "foster_care", "Foster care"
    SEMI_INDEPENDENT = "semi_independent", "Semi-independent"
    SECURE_UNIT = "secure_unit", "Secure unit"
    OTHER = "other", "Other"


class FlagKind(models.TextChoices):
    CSE = "cse", "Child sexual exploitation"
    CRIMINAL_EXPLOITATION = "criminal_exploitation", "Criminal exploitation / county lines"
    TRAFFICKING = "trafficking", "Trafficking"
    GANG = "gang", "Gang involvement"
    SELF_HARM = "self_harm", "Self-harm"
    SUICIDE = "suicide", "Risk of suicide"
    MENTAL_HEALTH = "mental_health", "Mental health"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    RADICALISATION = "radicalisation", "Radicalisation"
    HONOUR_BASED_ABUSE = "honour_based_abuse", "Honour-based abuse"
    FORCED_MARRIAGE = "forced_marriage", "Forced marriage"
    MEDICAL_NEED = "medical_need", "Medical need"
    # The pre-placement assessment's 'missing and never absent' (001 App A field 20), also
    # placed as a marker so that every agency sees it (R-FLG-02, R-FLG-05, R-CLS-11).
    NEVER_ABSENT = "never_absent", "Missing, never absent"


class AliasKind(models.TextChoices):
    ALSO_KNOWN_AS = "aka", "Also known as"
    PREVIOUS_NAME = "previous", "Previous name"
    NICKNAME = "nickname", "Nickname or street name"
