"""The people app's timeline verbs (the child's record)."""

from misper.core.events import TimelineVerb, register

# What a child's details may change: the fields of services.PersonDetails as stored.
DETAILS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "estimated_age",
    "estimated_age_on",
    "sex",
    "ethnicity",
    "phone",
    "phone_digits",
    "la_child_id",
    "police_person_id",
    "home_address",
    "home_postcode",
    "home_authority",
    "care_status",
    "legal_status",
    "subject_to_cj_order",
    "subject_to_secure_order",
    "liable_to_arrest",
    "upn",
    "is_mother",
    "first_child_born_on",
)
# What a placement records for the DfE's SSDA903 return (services.PlacementReturnDetails).
PLACEMENT_RETURN = (
    "legal_status",
    "category_of_need",
    "dfe_placement_type",
    "provided_by",
    "ofsted_urn",
    "change_reason",
    "home_postcode",
)


class PeopleVerb(TimelineVerb):
    PERSON_CREATED = "person_created", "Record created", DETAILS
    PERSON_UPDATED = "person_updated", "Details changed", DETAILS
    ALIAS_ADDED = "alias_added", "Other name added", ("alias", "kind")
    FLAG_RAISED = "flag_raised", "Flag raised", ("flag", "review_on")
    FLAG_ENDED = "flag_ended", "Flag ended", ("flag",)
    PLACEMENT_RECORDED = (
        "placement_recorded",
        "Placement recorded",
        (
            "placement_type",
            "provider",
            "placing_authority",
            "host_authority",
            "host_force",
            "started_on",
            "out_of_area",
            "emergency",
            *PLACEMENT_RETURN,
        ),
    )
    PLACEMENT_RETURN_RECORDED = (
        "placement_return_recorded",
        "Placement's details for the DfE return recorded",
        ("placement", *PLACEMENT_RETURN),
    )
    ASSOCIATE_ADDED = (
        "associate_added",
        "Associate added",
        ("associate", "relationship", "source"),
    )
    PLACE_ADDED = "place_added", "Place added", ("place", "postcode", "source")
    FLAG_REQUESTED = "flag_requested", "Flag requested from the police", ("flag", "source")
    FLAG_REQUEST_ACCEPTED = "flag_request_accepted", "Flag request accepted", ("flag",)
    FLAG_REQUEST_DECLINED = "flag_request_declined", "Flag request declined", ("flag",)
    RECORD_SHARED = "record_shared", "Record shared", ("shared_with",)
    SHARE_ENDED = "share_ended", "Sharing ended", ("shared_with",)
    WORKER_ALLOCATED = "worker_allocated", "Worker allocated", ("role", "worker", "previous")
    ALLOCATION_ENDED = "allocation_ended", "Allocation ended", ("role", "worker")
    PHOTO_ADDED = "photo_added", "Photograph added", ("taken_on", "replaced")
    ADULT_RECORDED = "adult_recorded", "Adult recorded", ("name",)
    ADULT_UPDATED = "adult_updated", "Adult's details changed", ("fields",)
    ASSOCIATE_LINKED = "associate_linked", "Associate linked to an adult", ("associate", "adult")
    ASSOCIATE_UNLINKED = (
        "associate_unlinked",
        "Associate no longer linked to an adult",
        ("associate", "adult"),
    )
    LOCATION_KIND_SET = "location_kind_set", "Place recorded as", ("kind", "reference")
    # Duplicates and merging (people/duplicates.py): an event on both records each time.
    RECORD_MERGED_IN = (
        "record_merged_in",
        "Another record of this child merged into this one",
        ("merged_record", "moved", "numbered_again", "merge"),
    )
    RECORD_MERGED_AWAY = (
        "record_merged_away",
        "Merged into another record of this child",
        ("kept_record", "moved", "numbered_again", "merge"),
    )
    MERGE_UNDONE = (
        "merge_undone",
        "Merge undone",
        ("kept_record", "merged_record", "moved_back", "merge"),
    )
    NOT_DUPLICATES = (
        "not_duplicates",
        "Recorded as not the same child as another record",
        ("other_record",),
    )


register(PeopleVerb)
