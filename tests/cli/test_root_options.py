"""`parse_root_options`: the root options in every order and form, up to the command's name."""

from __future__ import annotations

import itertools

import pytest

from deskctl.cli.root_options import parse_root_options

PARTS = [["--desk", "D"], ["--actor", "bob"], ["--debug"], ["-q"]]


@pytest.mark.parametrize("order", list(itertools.permutations(PARTS)))
def test_every_order_of_the_root_options(order):
    args = [word for part in order for word in part] + ["ticket", "list", "--desk", "X"]
    found = parse_root_options(args)
    assert (found.desk, found.actor, found.debug, found.quiet) == ("D", "bob", True, True)
    assert found.rest == ["ticket", "list", "--desk", "X"]
    assert found.command == "ticket"


@pytest.mark.parametrize("args", [["--desk=D", "--actor=bob", "--quiet", "shout", "hi"],
                                  ["--quiet", "--actor", "bob", "--desk=D", "shout", "hi"]])
def test_inline_values_and_long_quiet(args):
    found = parse_root_options(args)
    assert (found.desk, found.actor, found.debug, found.quiet) == ("D", "bob", False, True)
    assert found.rest == ["shout", "hi"]


def test_stops_at_the_first_word_that_is_not_a_root_option():
    found = parse_root_options(["--actor", "bob", "shout", "--debug", "-q", "--desk", "D"])
    assert (found.desk, found.actor, found.debug, found.quiet) == (None, "bob", False, False)
    assert found.rest == ["shout", "--debug", "-q", "--desk", "D"]


def test_nothing_given():
    found = parse_root_options([])
    assert (found.desk, found.actor, found.debug, found.quiet, found.rest) == (None, None, False, False, [])
    assert found.command is None


def test_an_unknown_option_or_a_missing_value_is_left_for_click():
    assert parse_root_options(["--desk", "D", "--help", "ticket"]).rest == []
    assert parse_root_options(["--desk", "D", "--help", "ticket"]).desk == "D"
    assert parse_root_options(["--desk"]).desk is None
