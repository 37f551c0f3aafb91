"""Ticket forms in-process (deskctl.tickets.forms): each field type's values, the messages of
bad input, when a field is required, and the form's part of the config schema."""

from __future__ import annotations

import pytest

from deskctl.desk import Desk, config_schema
from deskctl.desk.create import create_desk
from deskctl.errors import BadInput
from deskctl.tickets import forms

FORM = """\
timezone: Europe/Rome
languages: [en, it, ro]
tickets:
  fields:
    location:
      required: {at: create, types: [incident], channels: [phone, walk-in]}
    affected_users:
      max: 5000
      required: [{at: resolve, categories: [network]}]
    building: {type: choice, choices: [HQ, Annex]}
    printer: {type: host, categories: [hardware-fault]}
    depends_on: {type: service}
    tried: null
"""
INVENTORY = "hosts:\n  prn-3-12: {address: 10.0.3.12}\n  localhost: {connection: local}\n"


@pytest.fixture
def form_desk(tmp_path) -> Desk:
    path = tmp_path / "desk"
    create_desk(path)
    (path / "config" / "deskctl.yaml").write_text(FORM, encoding="utf-8")
    (path / "config" / "inventory.yaml").write_text(INVENTORY, encoding="utf-8")
    return Desk(path)


def parse(desk, name, raw, ticket_type="incident", category="hardware-fault"):
    return forms.parse_values(desk, {name: raw}, ticket_type=ticket_type, category=category)[name]


@pytest.mark.parametrize(("name", "raw", "stored"), [
    ("location", "  Room 3.12 ", "Room 3.12"),
    ("building", "annex", "Annex"),  # any case; stored as declared
    ("requester_language", "RO", "ro"),  # `choices: languages`: the desk's own list
    ("affected_users", "12", 12),
    ("affected_users", "2.5", 2.5),
    ("affected_users", 7, 7),
    ("started_at", "2026-12-03T08:40", "2026-12-03T07:40:00+00:00"),  # naive: the desk's zone (CET)
    ("started_at", "2026-12-03T08:40:00+03:00", "2026-12-03T05:40:00+00:00"),
    ("started_at", "2026-12-03T08:40Z", "2026-12-03T08:40:00+00:00"),
    ("printer", "PRN-3-12", "prn-3-12"),  # a host of config/inventory.yaml
    ("depends_on", "vpn", "vpn"),  # a service of tickets.services
])
def test_each_field_type_takes_its_values_and_stores_them_typed(form_desk, name, raw, stored):
    assert parse(form_desk, name, raw) == stored


@pytest.mark.parametrize(("name", "raw", "valid"), [
    ("affected_users", "many", "a number from 1 to 5000"),
    ("affected_users", "0", "a number from 1 to 5000"),
    ("affected_users", "nan", "a number from 1 to 5000"),
    ("affected_users", True, "a number from 1 to 5000"),
    ("building", "Tower", "one of: HQ, Annex"),
    ("requester_language", "de", "one of: en, it, ro"),
    ("started_at", "yesterday", "an ISO 8601 time like 2026-12-03T09:30 (Europe/Rome)"),
    ("started_at", "3026-01-01T00:00", "an ISO 8601 time"),
    ("printer", "prn-3-13", "did you mean 'prn-3-12'? a host of config/inventory.yaml: localhost, prn-3-12"),
    ("depends_on", "vnp", "did you mean 'vpn'? a service of the desk's catalogue: mail,"),
    ("location", "   ", "a value: --field location=TEXT [where the problem is"),
    ("location", "x" * 2001, "at most 2000 characters"),
])
def test_a_bad_value_names_the_field_and_the_valid_input(form_desk, name, raw, valid):
    with pytest.raises(BadInput) as caught:
        parse(form_desk, name, raw)
    assert caught.value.message.startswith(f"field {name}: ")
    assert caught.value.hint.startswith(f"give {valid}"), caught.value.hint


def test_an_unknown_field_names_the_known_ones_and_the_nearest(form_desk):
    with pytest.raises(BadInput) as caught:
        parse(form_desk, "locaton", "Room 1")
    assert caught.value.message == "unknown field 'locaton'"
    assert caught.value.hint == ("did you mean 'location'? known fields: affected_users, building, depends_on, "
                                 "error_code, location, printer, requester_language, started_at")


def test_a_field_set_to_null_is_off(form_desk):
    assert "tried" not in forms.definitions(form_desk)
    with pytest.raises(BadInput, match="unknown field 'tried'"):
        parse(form_desk, "tried", "rebooted")


def test_a_field_of_some_categories_is_refused_on_others(form_desk):
    with pytest.raises(BadInput) as caught:
        parse(form_desk, "printer", "prn-3-12", category="network")
    assert caught.value.message == "field printer is not on incident tickets of category network"
    assert caught.value.hint == "it belongs to tickets of category hardware-fault"


def test_clearing_takes_an_empty_value_as_removing_the_field(form_desk):
    assert forms.parse_values(form_desk, {"location": ""}, ticket_type="incident", category=None,
                              clearing=True) == {"location": None}


@pytest.mark.parametrize(("ticket", "required"), [
    ({"type": "incident", "channel": "phone"}, True),
    ({"type": "incident", "channel": "walk-in", "category": "network"}, True),
    ({"type": "incident", "channel": "api"}, False),  # automation is not asked where the problem is
    ({"type": "service-request", "channel": "phone"}, False),
])
def test_a_requirement_holds_for_its_types_and_channels_only(form_desk, ticket, required):
    spec = forms.definitions(form_desk)["location"]
    assert forms.required_at(spec, "create", ticket) is required
    assert forms.required_at(spec, "resolve", ticket) is False


def test_a_missing_required_field_names_it_and_how_to_give_it(form_desk):
    ticket = {"type": "incident", "channel": "phone"}
    forms.check_required(form_desk, "create", ticket, {"location": "Room 3.12"})
    with pytest.raises(BadInput) as caught:
        forms.check_required(form_desk, "create", ticket, {})
    assert str(caught.value) == ("field location is required when creating incident tickets "
                                 "(add --field location=TEXT [where the problem is: site, building, floor, room])")


def test_fields_required_at_resolve_are_named_together(form_desk):
    ticket = {"type": "incident", "channel": "phone", "category": "network"}
    with pytest.raises(BadInput) as caught:
        forms.check_required(form_desk, "resolve", ticket, {})
    assert caught.value.message == "field affected_users is required when resolving incident tickets"
    assert "--field affected_users=NUMBER" in caught.value.hint


def test_category_at_resolve_is_required_unless_the_desk_turns_it_off(form_desk, tmp_path):
    with pytest.raises(BadInput) as caught:
        forms.check_category(form_desk, None, "INC-4")
    assert caught.value.message == "INC-4 has no category, and this desk requires one to resolve a ticket"
    assert caught.value.hint.startswith("add --category with one of: hardware-fault, software-fault")
    forms.check_category(form_desk, "network", "INC-4")
    config = form_desk.path / "config" / "deskctl.yaml"
    config.write_text(FORM.replace("tickets:\n", "tickets:\n  require_category_at_resolve: false\n"))
    forms.check_category(Desk(form_desk.path), None, "INC-4")


def test_list_filters_match_text_by_containing_and_the_rest_by_equality(form_desk):
    known = forms.definitions(form_desk)
    assert forms.matches(known["location"], "Room 3.12, Building B", "building b")
    assert not forms.matches(known["location"], None, "room")
    assert forms.matches(known["affected_users"], 12, 12) and not forms.matches(known["affected_users"], 12, 1)


def test_a_day_filters_a_date_time_field_by_the_whole_day_in_the_desk_zone(form_desk):
    spec = forms.definitions(form_desk)["started_at"]
    day = forms.filter_value(form_desk, "started_at", spec, "2026-12-03")
    assert day == ("2026-12-02T23:00:00+00:00", "2026-12-03T23:00:00+00:00")  # midnight to midnight in Rome
    assert forms.matches(spec, "2026-12-02T23:30:00+00:00", day)  # 00:30 on the 3rd in Rome
    assert not forms.matches(spec, "2026-12-02T22:59:59+00:00", day)
    assert not forms.matches(spec, "2026-12-03T23:00:00+00:00", day)
    exact = forms.filter_value(form_desk, "started_at", spec, "2026-12-03T08:40")
    assert forms.matches(spec, "2026-12-03T07:40:00+00:00", exact)


@pytest.mark.parametrize(("fields", "key", "problem"), [
    ({"Location": {}}, "tickets.fields", "the field name text 'Location' must be lower-case"),
    ({"site": {"type": "colour"}}, "tickets.fields.site.type", "'colour' is not one of: text, choice, date-time"),
    ({"site": {"type": "choice"}}, "tickets.fields.site", "a choice field needs choices"),
    ({"site": {"choices": "planets"}}, "tickets.fields.site.choices", "must be a list of choices or one of: languages"),
    ({"site": {"required": "later"}}, "tickets.fields.site.required", "must be create, resolve, or a mapping"),
    ({"site": {"required": {"at": "close"}}}, "tickets.fields.site.required", "must be create, resolve"),
    ({"site": {"min": "one"}}, "tickets.fields.site.min", "must be a number"),
    ({"site": "text"}, "tickets.fields.site", "must be a field like {type: text"),
])
def test_a_wrong_field_definition_is_an_error_naming_its_key(fields, key, problem):
    _, issues = config_schema.validate({"tickets": {"fields": fields}}, config_schema.SCHEMA)
    errors = [i for i in issues if i[2]]
    assert errors and errors[0][1].startswith(f"{key}: "), issues
    assert problem in errors[0][1], errors


def test_every_way_of_writing_a_requirement_passes_the_schema():
    _, issues = config_schema.validate({"tickets": {"require_category_at_resolve": False, "fields": {
        "location": {"required": [{"at": "create", "types": "incident"}, "resolve"]},
        "building": {"type": "choice", "choices": ["HQ"], "help": "where"},
        "requester_language": {"type": "choice"},  # its default choices still apply
        "tried": None}}}, config_schema.SCHEMA)
    assert issues == []
