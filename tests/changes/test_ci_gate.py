"""Acceptance 1: a CI job opens one change per pipeline run and gates on its approval
(exit 0 approved, 3 rejected, 4 timeout)."""

from __future__ import annotations

import time

from deskctl.changes import ci
from tests.changes.conftest import GITLAB, wait_for_status


def test_the_same_pipeline_run_opens_one_change(drun):
    first = drun("change", "create", "--from-ci", "--item", "web1", "--json", env=GITLAB)
    assert first.code == 0, first
    again = drun("change", "create", "--from-ci", "--item", "web1", "--json", env=GITLAB)
    assert again.code == 0, again
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["created"] is True and again.json()["created"] is False
    plain = drun("change", "create", "--from-ci", env=GITLAB)
    assert plain.stdout.strip() == first.json()["id"] and "already open for this pipeline run" in plain.stderr
    change = first.json()["change"]
    assert change["ci"] == {"provider": "gitlab", "repository": "shop/web", "commit": "0123456789abcdef0123",
                            "branch": "main", "pipeline": "4242", "author": "dana",
                            "url": "https://gitlab.example.com/shop/web/-/pipelines/4242"}
    assert first.json()["dedup_key"] == "ci:gitlab:shop/web:4242"
    assert first.json()["title"] == "Deploy shop/web@0123456789ab (main), pipeline 4242"
    assert [r["id"] for r in drun("change", "list", "--json").json()] == [first.json()["id"]]
    other = drun("change", "create", "--from-ci", "--json", env={**GITLAB, "CI_PIPELINE_ID": "4243"})
    assert other.json()["id"] != first.json()["id"]  # another run, another change


def test_a_closed_change_is_not_reopened_by_a_retried_job(drun):
    cid = drun("change", "create", "--from-ci", env=GITLAB).stdout.strip()
    assert drun("change", "close", cid, "--note", "withdrawn").code == 0
    again = drun("change", "create", "--from-ci", "--json", env=GITLAB)
    assert again.code == 0 and again.json()["id"] == cid and again.json()["change"]["status"] == "closed"


def test_outside_a_pipeline_from_ci_is_bad_input(drun):
    result = drun("change", "create", "--from-ci")
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and "no CI environment" in result.stderr


def test_wait_approval_exits_0_once_a_manager_approves(drun, waiter):
    job = waiter("change", "create", "--from-ci", "--wait-approval", "--timeout", "60s", "--poll", "0.2", env=GITLAB)
    cid = wait_for_status(drun, "submitted")
    approved = drun("--actor", "alice", "change", "approve", cid, "--comment", "go")
    assert approved.code == 0, approved
    code, out, err = job.finish()
    assert code == 0, err
    assert out.strip() == cid
    assert f"{cid}: submitted" in err and f"{cid}: approved" in err


def test_wait_approval_exits_3_after_a_rejection(drun, waiter):
    job = waiter("change", "create", "--from-ci", "--wait-approval", "--timeout", "60s", "--poll", "0.2", env=GITLAB)
    cid = wait_for_status(drun, "submitted")
    assert drun("--actor", "bob", "change", "reject", cid, "--reason", "freeze week").code == 0
    code, _, err = job.finish()
    assert code == 3, err
    assert f"{cid} was rejected by bob: freeze week" in err


def test_wait_approval_exits_4_on_timeout(drun, waiter):
    started = time.monotonic()
    job = waiter("change", "create", "--from-ci", "--wait-approval", "--timeout", "3s", "--poll", "0.5", env=GITLAB)
    code, _, err = job.finish()
    assert code == 4, err
    assert 3 <= time.monotonic() - started < 30
    assert "not approved within 3s" in err
    assert wait_for_status(drun, "submitted")  # still waiting for its approvers


def test_change_wait_gates_on_an_existing_change(drun, waiter):
    cid = drun("change", "create", "--title", "Rotate TLS keys", "--submit").stdout.strip()
    job = waiter("change", "wait", cid, "--timeout", "60s", "--poll", "0.2")
    assert drun("--actor", "alice", "change", "approve", cid).code == 0
    assert job.finish()[0] == 0


def test_github_and_jenkins_pipelines_are_read():
    github = ci.facts({"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "shop/api", "GITHUB_SHA": "abc",
                       "GITHUB_REF_NAME": "release", "GITHUB_RUN_ID": "99", "GITHUB_SERVER_URL": "https://github.com",
                       "GITHUB_ACTOR": "eve"})
    assert github["url"] == "https://github.com/shop/api/actions/runs/99" and github["author"] == "eve"
    assert ci.dedup_key(github) == "ci:github:shop/api:99"
    jenkins = ci.facts({"JENKINS_URL": "https://ci.example.com/", "JOB_NAME": "deploy-web", "GIT_COMMIT": "def",
                        "GIT_BRANCH": "origin/main", "BUILD_NUMBER": "7", "BUILD_URL": "https://ci.example.com/job/7/",
                        "BUILD_USER": "frank"})
    assert ci.dedup_key(jenkins) == "ci:jenkins:deploy-web:7" and jenkins["branch"] == "origin/main"


def test_a_bad_timeout_is_refused_before_anything_is_created(drun):
    result = drun("change", "create", "--title", "Deploy", "--wait-approval", "--timeout", "3x")
    assert result.code == 2 and "--timeout" in result.stderr
    assert drun("change", "list", "--json").json() == []


def test_a_change_request_is_not_resolved_or_closed_with_the_ticket_commands(drun):
    made = drun("change", "create", "--title", "Patch db1", "--risk", "low")
    assert made.code == 0, made
    cid = made.stdout.strip()
    refused = drun("ticket", "resolve", cid, "--resolution", "done", "--category", "other")
    assert refused.code == 2 and "is a change request" in refused.stderr and "deskctl change" in refused.stderr
    assert drun("ticket", "show", cid, "--json").json()["status"] != "resolved"
