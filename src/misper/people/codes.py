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


# --- The DfE's SSDA903 return (R-DAT-04; misper/insights/ssda903.py, docs/insights.md) ----
# Values are the DfE's codes, so that the return is written from them unchanged; labels
# are the DfE's words, shortened where they are long.


class PlacementLegalStatus(models.TextChoices):
    """The legal status under which the child is looked after in a placement (903 LS)."""

    C1 = "C1", "Interim care order"
    C2 = "C2", "Full care order"
    D1 = "D1", "Freeing order granted"
    E1 = "E1", "Placement order granted"
    V2 = "V2", "Single period of accommodation under section 20 (Children Act 1989)"
    V3 = "V3", "Agreed series of short-term breaks, individual episodes recorded"
    V4 = "V4", "Agreed series of short-term breaks, agreements recorded"
    J1 = "J1", "Remanded to local authority accommodation or youth detention accommodation"
    J2 = "J2", "Placed in local authority accommodation under PACE"
    J3 = "J3", "Sentenced to a youth rehabilitation order with a residence requirement"
    L1 = "L1", "Under police protection and in local authority accommodation"
    L2 = "L2", "Emergency protection order"
    L3 = "L3", "Under a child assessment order and in local authority accommodation"


class CategoryOfNeed(models.TextChoices):
    """The main reason the child is looked after (903 CIN)."""

    N1 = "N1", "Abuse or neglect"
    N2 = "N2", "Child's disability"
    N3 = "N3", "Parental illness or disability"
    N4 = "N4", "Family in acute stress"
    N5 = "N5", "Family dysfunction"
    N6 = "N6", "Socially unacceptable behaviour"
    N7 = "N7", "Low income"
    N8 = "N8", "Absent parenting"


class DfePlacementType(models.TextChoices):
    """The DfE's placement type (903 PLACE), 2025 to 2026 onwards. Misper's own placement
    type gives it where it can (children's home K2, secure unit K1, semi-independent K3:
    misper/insights/ssda903.py); foster and other placements need it chosen."""

    K1 = "K1", "Secure children's home"
    K2 = "K2", "Children's home subject to the Children's Homes Regulations"
    K3 = "K3", "Supported accommodation"
    U1 = "U1", "Foster placement with a relative or friend: long-term fostering"
    U2 = "U2", "Foster placement with a relative or friend who is an approved adopter"
    U3 = "U3", "Foster placement with a relative or friend: not long-term, not for adoption"
    U4 = "U4", "Foster placement with another foster carer: long-term fostering"
    U5 = "U5", "Foster placement with another foster carer who is an approved adopter"
    U6 = "U6", "Foster placement with another foster carer: not long-term, not for adoption"
    A3 = "A3", "Placed for adoption with consent, with current foster carers"
    A4 = "A4", "Placed for adoption with consent, not with current foster carers"
    A5 = "A5", "Placed for adoption with a placement order, with current foster carers"
    A6 = "A6", "Placed for adoption with a placement order, not with current foster carers"
    P1 = "P1", "Placed with own parents or others with parental responsibility"
    P3 = "P3", "Residential employment"
    R1 = "R1", "Residential care home"
    R2 = "R2", "NHS trust or other establishment giving medical or nursing care"
    R3 = "R3", "Family centre or mother and baby unit"
    R5 = "R5", "Young offender institution or prison"
    S1 = "S1", "Residential school (not also registered as a children's home)"
    T0 = "T0", "Temporary placement (DfE code T0)"
    T1 = "T1", "Temporary period in hospital"
    T2 = "T2", "Temporary absence of the child on holiday"
    T3 = "T3", "Temporary accommodation while the usual foster carer is on holiday"
    T4 = "T4", "Temporary accommodation of seven days or less, for any other reason"
    Z11 = "Z11", "Other placement (DfE code Z11)"
    Z12 = "Z12", "Other placement (DfE code Z12)"
    Z13 = "Z13", "Other placement (DfE code Z13)"
    Z14 = "Z14", "Other placement (DfE code Z14)"


class PlacementProvider(models.TextChoices):
    """Who provides the placement (903 PLACE_PROVIDER)."""

    PR0 = "PR0", "Parents or others with parental responsibility"
    PR1 = "PR1", "The placing authority's own provision"
    PR2 = "PR2", "Another local authority's provision"
    PR3 = "PR3", "Other public provision (for example the NHS)"
    PR4 = "PR4", "Private provision"
    PR5 = "PR5", "Voluntary or third sector provision"


class PlacementChangeReason(models.TextChoices):
    """Why the child left their previous placement for this one (903 REASON_PLACE_CHANGE,
    reported on the previous placement's episode)."""

    CARPL = "CARPL", "Change to, or carrying out of, the care plan"
    CLOSE = "CLOSE", "The provision resigned or closed"
    ALLEG = "ALLEG", "Allegation (section 47 enquiry)"
    STAND = "STAND", "Concern about the standard of care"
    APPRR = "APPRR", "The carer's approval was removed"
    CREQB = "CREQB", "The carer asked for the placement to end because of the child's behaviour"
    CREQO = "CREQO", "The carer asked for the placement to end for another reason"
    CHILD = "CHILD", "The child asked for the placement to end"
    LAREQ = "LAREQ", "The responsible or area authority asked for the placement to end"
    PLACE = "PLACE", "Change in the status of the placement only"
    CUSTOD = "CUSTOD", "The child moved into custody"
    OTHER = "OTHER", "Other"
