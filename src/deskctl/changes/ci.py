"""What a CI pipeline tells about itself through its environment (GitHub Actions, GitLab CI,
Jenkins): repository, commit, branch, run, URL and author, and the run's dedup key, so a
retried job finds the change it already opened."""

from __future__ import annotations

from collections.abc import Mapping

from deskctl.errors import BadInput

# provider -> (fact -> environment variable); the facts every provider must give
PROVIDERS: dict[str, dict[str, str]] = {
    "github": {"repository": "GITHUB_REPOSITORY", "commit": "GITHUB_SHA", "branch": "GITHUB_REF_NAME",
               "pipeline": "GITHUB_RUN_ID", "server": "GITHUB_SERVER_URL", "author": "GITHUB_ACTOR"},
    "gitlab": {"repository": "CI_PROJECT_PATH", "commit": "CI_COMMIT_SHA", "branch": "CI_COMMIT_REF_NAME",
               "pipeline": "CI_PIPELINE_ID", "url": "CI_PIPELINE_URL", "author": "GITLAB_USER_LOGIN"},
    "jenkins": {"repository": "JOB_NAME", "commit": "GIT_COMMIT", "branch": "GIT_BRANCH",
                "pipeline": "BUILD_NUMBER", "url": "BUILD_URL", "author": "BUILD_USER"},
}
REQUIRED = ("repository", "pipeline")


def detect(env: Mapping[str, str]) -> str | None:
    """The CI system this process runs in, from the variable each sets on every job."""
    if env.get("GITHUB_ACTIONS") or env.get("GITHUB_RUN_ID"):
        return "github"
    if env.get("GITLAB_CI") or env.get("CI_PIPELINE_ID"):
        return "gitlab"
    if env.get("JENKINS_URL") or (env.get("BUILD_NUMBER") and env.get("JOB_NAME")):
        return "jenkins"
    return None


def facts(env: Mapping[str, str]) -> dict[str, str | None]:
    """The pipeline's facts; BadInput (exit 2) outside a known CI or without its run id."""
    provider = detect(env)
    if provider is None:
        raise BadInput("--from-ci: no CI environment found (GitHub Actions, GitLab CI or Jenkins variables)",
                       "run it inside a pipeline job, or create the change without --from-ci")
    names = PROVIDERS[provider]
    found: dict[str, str | None] = {fact: (env.get(var) or None) for fact, var in names.items()}
    missing = [names[f] for f in REQUIRED if not found.get(f)]
    if missing:
        raise BadInput(f"--from-ci: {provider} sets no {', '.join(missing)}",
                       "set it in the job's environment (it identifies the pipeline run)")
    if provider == "github":
        server = found.pop("server") or "https://github.com"
        found["url"] = f"{server.rstrip('/')}/{found['repository']}/actions/runs/{found['pipeline']}"
    return {"provider": provider, **found}


def dedup_key(ci: Mapping[str, str | None]) -> str:
    """One change per pipeline run: `ci:gitlab:group/app:4242`."""
    return f"ci:{ci['provider']}:{ci['repository']}:{ci['pipeline']}"


def title(ci: Mapping[str, str | None]) -> str:
    commit = (ci.get("commit") or "")[:12]
    where = f"@{commit}" if commit else ""
    branch = f" ({ci['branch']})" if ci.get("branch") else ""
    return f"Deploy {ci['repository']}{where}{branch}, pipeline {ci['pipeline']}"
