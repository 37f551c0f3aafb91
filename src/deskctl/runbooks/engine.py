"""The runbook engine: check everything, then run the steps on every target host in
parallel (`forks`), in rolling batches (`serial`), with rollback and `finally` per host.

`prepare()` does every check that can fail on bad input (SOP, parameters, targets, prompt
answers, per-host variables, ticket) and opens no connection; `execute()` runs the plan.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from deskctl.errors import BadInput, ValidationFailed
from deskctl.runbooks import params as params_mod
from deskctl.runbooks import records, requirements, stepexec, templating
from deskctl.runbooks.context import HostContext, RunContext, templating_choice
from deskctl.runbooks.model import SECTIONS
from deskctl.util import clock, redact
from deskctl.util.fileio import DiskError
from deskctl.util.progress import progress


@dataclass
class Plan:
    run: RunContext
    hosts: list
    forks: int = 10
    serial: int | None = None
    ticket_id: str | None = None
    given_params: dict[str, Any] = field(default_factory=dict)

    @property
    def runbook(self):
        return self.run.runbook


def library_for(desk, plugins, inventory=None):
    from deskctl.runbooks.loader import Library
    from deskctl.runbooks.step_registry import load_step_types

    inv_vars: set[str] = set()
    if inventory is not None:
        inv_vars |= set(inventory.defaults.get("vars") or {})
        for host in inventory.hosts.values():
            inv_vars |= set(host.vars)
        for group in inventory.groups.values():
            inv_vars |= set(group.get("vars") or {})
    return Library(desk, load_step_types(plugins), inv_vars)


def require_run_permission(desk, actor: str, runbook) -> None:
    """`run-sop:NAME`, or `run-sop:tag:TAG` for one of the SOP's tags."""
    from deskctl import access

    if not access.is_managed(desk):
        return
    wanted = [f"run-sop:{runbook.name}", *(f"run-sop:tag:{tag}" for tag in runbook.tags)]
    if not any(access.check(desk, actor, op).allowed for op in wanted):
        access.require(desk, actor, wanted[0])  # refused, naming the roles that may run it


def prepare(desk, plugins, name: str, *, raw_params: dict[str, str], actor: str,
            hosts: str | None = None, limit: str | None = None, answers: dict[str, str] | None = None,
            ticket_id: str | None = None, dry_run: bool = False, interactive: bool = False,
            forks: int | None = None, serial: int | None = None) -> Plan:
    """Everything checked, nothing run: raises BadInput/ValidationFailed (exit 2)."""
    from deskctl.executor.hostkeys import known_hosts_files
    from deskctl.executor.inventory import load_inventory

    inventory = load_inventory(desk)
    library = library_for(desk, plugins, inventory)
    params_mod.load_protected_accounts(desk)
    runbook = _load_with_params(library, name, raw_params)
    if not dry_run:  # a dry run connects nowhere: anyone may see what a SOP would do
        require_run_permission(desk, actor, runbook)
    values, generated = params_mod.resolve(runbook, raw_params)
    settings = desk.setting("runbooks", default={}) or {}
    forks = forks or int(settings.get("forks", 10))
    if forks < 1 or (serial is not None and serial < 1):
        raise BadInput("--forks and --serial must be at least 1")
    run = RunContext(
        desk=desk, runbook=runbook, params=values, step_types=library.step_types,
        run_id=records.new_run_id(), actor=actor, known_hosts=known_hosts_files(desk),
        library=library, dry_run=dry_run, generated=generated,
        step_timeout=float(runbook.timeout or settings.get("step_timeout", 600)),
    )  # fmt: skip
    run.answers = _answers(runbook, answers or {}, interactive or dry_run)
    targets = _targets(runbook, inventory, run, hosts, limit)
    _check_host_variables(runbook, targets, library.step_types)
    run.ssh_settings = _ssh_settings(desk, targets, unlock=not dry_run, interactive=interactive)
    if ticket_id:
        from deskctl.runbooks import ticketing

        run.ticket = ticketing.fetch(desk, ticket_id)
    return Plan(run=run, hosts=targets, forks=forks, serial=serial, ticket_id=ticket_id, given_params=raw_params)


def _ssh_settings(desk, targets, *, unlock: bool, interactive: bool) -> dict:
    """Each SSH target's settings with ssh_config applied (a bad ssh_config line is bad
    input before anything runs); encrypted key files are unlocked now, not mid-run."""
    from deskctl.executor import ssh_config, sshkeys

    settings = {h.name: ssh_config.resolve(desk, h) for h in targets if not h.is_local}
    if unlock and settings:
        sshkeys.unlock(settings.values(), ask=_ask_secret if interactive else None)
    return settings


def _ask_secret(prompt: str) -> str:
    import getpass

    return getpass.getpass(prompt)


def _answers(runbook, given: dict[str, str], interactive: bool) -> dict[str, str]:
    prompts = [s for s in runbook.all_steps() if s.type == "prompt"]
    keys = {(s.register or s.name): s for s in prompts}
    problems = []
    for key in given:
        if key not in keys:
            known = ", ".join(keys) or "none"
            problems.append(f"{runbook.label}:1: --answer {key}: {runbook.name} has no prompt {key!r} (prompts: {known})")
    answers: dict[str, str] = {}
    for key, step in keys.items():
        choices = [templating_choice(c) for c in step.option("choices") or []]
        if key in given:
            value = templating_choice(given[key])
            if choices and value not in choices:
                problems.append(f"{step.where}: --answer {key}={value}: answer one of {', '.join(choices)}")
            answers[key] = value
        elif step.option("default") is not None:
            answers[key] = templating_choice(step.option("default"))
        elif not interactive:
            hint = "|".join(choices) if choices else "VALUE"
            problems.append(f"{step.where}: prompt {step.name!r} needs an answer and there is no terminal to ask: pass --answer {key}={hint}")
    if problems:
        raise ValidationFailed(problems, "missing or invalid answers", "nothing was run")
    return answers


def _targets(runbook, inventory, run: RunContext, hosts: str | None, limit: str | None) -> list:
    if hosts:
        return inventory.resolve(hosts, what="--hosts")
    spec = runbook.targets
    if spec is None:
        if limit:
            return inventory.resolve(limit, what="--limit")
        raise BadInput(f"{runbook.name} names no targets", "pass --hosts HOST[,HOST...] or --limit GROUP")
    names: list[str] = []
    templated = False
    context = {**run.param_context(runbook, run.params), "params": run.params}
    for item in spec if isinstance(spec, list) else [spec]:
        if templating.is_template(item):
            templated = True
            item = str(templating.render(item, context, "text"))
        names += [n.strip() for n in str(item).split(",") if n.strip()]
    _one_host_each(runbook, run.params, inventory, names if templated else [])
    chosen = []
    for name in names:
        try:
            chosen += inventory.resolve(name, what="target")
        except BadInput:
            if not templated:
                raise
            chosen.append(inventory.ad_hoc(name))  # a host named by a parameter
    chosen = list({h.name: h for h in chosen}.values())
    if limit:
        allowed = {h.name for h in inventory.resolve(limit, what="--limit")}
        chosen = [h for h in chosen if h.name in allowed]
        if not chosen:
            raise BadInput(f"--limit {limit}: none of {runbook.name}'s targets ({', '.join(names)}) is in it")
    if not chosen:
        raise BadInput(f"{runbook.name}: its targets match no host", "pass --hosts")
    return chosen


def _one_host_each(runbook, values: dict[str, Any], inventory, names: list[str]) -> None:
    """A `host` parameter in `targets` names one host: never `all`, a group or a pattern,
    which would run the SOP on many hosts (--hosts and --limit are for that)."""
    hosts = {str(values[n]) for n, p in runbook.params.items() if p.type == "host" and values.get(n)}
    for name in names:
        if name in hosts and name not in inventory.hosts and (name == "all" or name in inventory.groups
                                                             or inventory.group_members(name)):
            raise BadInput(f"{runbook.name}: target {name!r} is a group, not one host: a host parameter names one host",
                           "to run on several hosts use --hosts H1,H2 or --limit GROUP")


def _check_host_variables(runbook, targets: list, step_types: dict) -> None:
    """A template using a host variable that some target lacks fails before anything runs.
    (Steps of included SOPs are checked against their own file when they run.)"""
    used: list[tuple[Any, set[str]]] = []
    for step in runbook.all_steps():
        if step.label != runbook.label:
            continue
        texts = [(step.when, "expr")] if step.when else []
        texts += [(text, mode) for _, text, mode in step_types[step.type].templates(step)]
        for text, mode in texts:
            if mode == "expr" or templating.is_template(text):
                names, _ = templating.undeclared(text, mode)
                used.append((step, names))
    if not used:
        return
    base = templating.BUILTINS | set(runbook.params) | templating.template_globals()
    base |= {s.register for s in runbook.all_steps() if s.register}
    problems = []
    for step, names in used:
        for host in targets:
            for name in sorted(names - base - set(host.vars)):
                problems.append(f"{step.where}: step {step.name!r}: host {host.name} has no variable {name!r}")
    if problems:
        raise ValidationFailed(sorted(set(problems)), "undefined variables for some targets", "set them under vars: in config/inventory.yaml")


# --- execution ------------------------------------------------------------------------------

# after a second signal, how long the workers get to kill their commands before the run's
# record is finalised without them (their commands are stopped within ~2 x GRACE)
HARD_STOP_WAIT = 8.0
STOPPED = ("failed", "interrupted")


def run_steps(hc: HostContext, steps: list, section: str, sink: list) -> Any:
    """Run `steps` in order; returns the first step that failed or was interrupted (after
    which it stops) or None."""
    for step in steps:
        result = stepexec.run_step(step, hc, section)
        sink.append(stepexec.to_record(step, section, result))
        if result.status in STOPPED:
            return step
    return None


def run_cleanup(hc: HostContext, failed: Any, rollback: list, finally_: list, section: str, sink: list) -> Any:
    """A SOP's rollback steps (every one is tried) when `failed` is a step, then its
    `finally` steps (always). A first signal does not stop them: they run because of it.
    Returns the first `finally` step that failed, or None."""
    finally_failed = None
    with hc.cleanup():
        if failed is not None:
            for step in rollback:
                result = stepexec.run_step(step, hc, f"{section}rollback")
                sink.append(stepexec.to_record(step, f"{section}rollback", result))
        for step in finally_:
            result = stepexec.run_step(step, hc, f"{section}finally")
            sink.append(stepexec.to_record(step, f"{section}finally", result))
            if result.status in STOPPED and finally_failed is None:
                finally_failed = step
    return finally_failed


def run_host(run: RunContext, host, live: dict | None = None) -> dict[str, Any]:
    try:
        return _run_host(run, host, live)
    except Exception as exc:  # a bug must fail this host, not lose the others' results
        outcome = _not_run(host, redact.redact(f"internal error: {type(exc).__name__}: {exc}"))
        outcome["status"] = "failed"
        return outcome


def _run_host(run: RunContext, host, live: dict | None = None) -> dict[str, Any]:
    started = time.monotonic()
    hc = HostContext(run, host)
    steps: list[dict] = []
    hc.sink = steps
    if live is not None:
        live[host.name] = (hc, started)  # what a hard stop records for a host still busy
    failed = finally_failed = None
    try:
        # a tool the SOP needs is missing: nothing ran, so there is nothing to roll back
        unmet = requirements.check(hc, run.runbook, steps)
        failed = unmet or run_steps(hc, run.runbook.steps, "steps", steps)
        rollback = run.runbook.rollback if failed is not unmet else []
        finally_failed = run_cleanup(hc, failed, rollback, run.runbook.finally_, "", steps)
    finally:
        hc.close()
    return _outcome(hc, failed or finally_failed, steps, started)


def _outcome(hc: HostContext, failed: Any, steps: list[dict], started: float) -> dict[str, Any]:
    """A host's result. `interrupted` when a signal stopped or skipped any of its steps;
    `failed_step` and `reason` name the first step that failed or was stopped."""
    host = hc.host
    first = next((s for s in steps if s["status"] in STOPPED), None)
    if hc.interrupted:
        status = "interrupted"
        first = first or next((s for s in steps if s["status"] == "skipped" and s["message"].startswith("not run:")), None)
    elif failed is None:
        status = "ok"
    else:
        status = "unreachable" if hc.connect_error else "failed"
    if status == "ok":
        first = None
    return {
        "host": host.name, "address": host.address, "connection": host.connection,
        "status": status, "failed_step": (failed.name if failed else first["name"] if first else None),
        "reason": first["message"] if first else "", "duration": round(time.monotonic() - started, 3),
        "steps": steps,
    }  # fmt: skip


def execute(plan: Plan, *, locks: list | None = None) -> dict[str, Any]:
    """Run the plan; returns the run record (already saved, secrets masked). When the run
    is told to stop (`run.stop`, see `interrupts`), the record says `interrupted`, with
    each host's own state, and `exit_code` 130/143."""
    run = plan.run
    stop = run.stop
    record = _new_record(plan)
    try:
        records.save(run.desk, record)
    except DiskError as exc:  # refuse to run what could not be recorded
        raise exc.with_outcome("nothing was run") from None
    started = time.monotonic()
    results: dict[str, dict] = {}
    batches = [plan.hosts] if not plan.serial else [plan.hosts[i:i + plan.serial] for i in range(0, len(plan.hosts), plan.serial)]
    stopped = False
    try:
        with progress(f"{run.runbook.name}: hosts", len(plan.hosts), enabled=_fan_out_bar(plan)) as bar:
            for batch in batches:
                stop.sync(run.notify)
                if stopped or stop.requested:
                    why = f"not started: {stop.name}" if stop.requested else "an earlier batch failed (--serial)"
                    for host in batch:
                        results[host.name] = _not_run(host, why)
                    continue
                results.update(_parallel(run, batch, plan.forks, _Tally(bar, results)))
                if plan.serial and any(r["status"] != "ok" for r in (results[h.name] for h in batch)):
                    stopped = True
    except KeyboardInterrupt:  # no signal handler (a library caller): still a true record
        record["status"] = "interrupted"
        record["exit_code"] = 130
        raise
    finally:
        stop.sync(run.notify)
        record["hosts"] = [results.get(h.name) or _not_run(h, "interrupted") for h in plan.hosts]
        record["finished_at"] = clock.now_iso()
        record["duration"] = round(time.monotonic() - started, 3)
        if stop.requested:
            record["status"] = "interrupted"
            record["exit_code"] = stop.exit_code
            record["signal"] = stop.name
        elif record["status"] != "interrupted":
            ok = all(h["status"] == "ok" for h in record["hosts"])
            record["status"] = "ok" if ok else "failed"
            record["exit_code"] = 0 if ok else 1
        try:
            records.save(run.desk, record)
        except DiskError as exc:
            # the hosts did run: tell it (the caller fails the command), do not hide their results
            record["record_error"] = {"message": exc.with_outcome(
                f"run {record['id']} ran, but its record still says `running` "
                "(shown as abandoned once this command ends)").message, "hint": exc.hint}
    return redact.redact_data(record)


def _fan_out_bar(plan: Plan) -> bool:
    """A progress bar for a run on several hosts, unless a step may ask the operator a
    question on the terminal (its prompt would be drawn over)."""
    asks = plan.run.ask is not None and any(s.type == "prompt" for s in plan.runbook.all_steps())
    return len(plan.hosts) > 1 and not asks


class _Tally:
    """Hosts done (ok), failed and running, for the progress bar: read by the main thread
    while it waits for the hosts' threads."""

    def __init__(self, bar, earlier: dict[str, dict]):
        self.bar, self.earlier = bar, earlier

    def __call__(self, done: dict[str, dict], live: dict[str, tuple]) -> None:
        done = done.copy()  # one step under the GIL: the hosts' threads add to it
        finished = [*self.earlier.values(), *done.values()]
        ok = sum(1 for r in finished if r["status"] == "ok")
        running = max(0, len(live) - len(done))
        self.bar.update(done=len(finished), note=f"{ok} ok, {len(finished) - ok} failed, {running} running")


def _parallel(run: RunContext, hosts: list, forks: int, tally=None) -> dict[str, dict]:
    """Run hosts on up to `forks` threads (plain threads: concurrent.futures costs start-up).
    The main thread waits in short slices so that it notices signals (`stop.sync`); a host
    not started when the run is told to stop is not started at all. `tally(done, live)` is
    told how far they got, after each slice."""
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for host in hosts:
        todo.put(host)
    done: dict[str, dict] = {}
    live: dict[str, tuple] = {}
    stop = run.stop

    def worker() -> None:
        while not stop.requested:
            try:
                host = todo.get_nowait()
            except queue.Empty:
                return
            done[host.name] = run_host(run, host, live)

    threads = [threading.Thread(target=worker, name=f"deskctl-host-{i}", daemon=True)
               for i in range(max(1, min(forks, len(hosts))))]
    for thread in threads:
        thread.start()
    hard_since = None
    for _ in range(100_000_000):  # bounded; each pass waits up to 0.1 s
        alive = [t for t in threads if t.is_alive()]
        if not alive:
            break
        alive[0].join(0.1)
        if tally is not None:
            tally(done, live)
        stop.sync(run.notify)
        if stop.cleanup.is_set():
            hard_since = hard_since or time.monotonic()
            if time.monotonic() - hard_since > HARD_STOP_WAIT:
                break  # a worker stuck (a prompt, a slow http step): record it as it is
    for host in hosts:
        if host.name not in done and host.name in live:
            hc, began = live[host.name]
            hc.interrupted = True
            done[host.name] = _outcome(hc, None, list(hc.sink), began)
        elif host.name not in done:
            done[host.name] = _not_run(host, f"not started: {stop.name}")
    if tally is not None:
        tally(done, {})
    return done


def _not_run(host, why: str) -> dict[str, Any]:
    return {"host": host.name, "address": host.address, "connection": host.connection,
            "status": "not run", "failed_step": None, "reason": why, "duration": 0, "steps": []}


def _new_record(plan: Plan) -> dict[str, Any]:
    run, rb = plan.run, plan.runbook
    shown = {n: ("***" if rb.params[n].is_secret and v is not None else v) for n, v in run.params.items()}
    return {
        "id": run.run_id, "sop": rb.name, "sop_file": rb.label, "sop_hash": rb.content_hash,
        "sop_version": rb.version, "params": shown, "generated": run.generated,
        "answers": run.answers, "actor": run.actor, "ticket": plan.ticket_id,
        "targets": [h.name for h in plan.hosts], "forks": plan.forks, "serial": plan.serial,
        "started_at": clock.now_iso(), "finished_at": None, "duration": None,
        "status": "running", "exit_code": None, "hosts": [],
    }  # fmt: skip


def _load_with_params(library, name: str, raw_params: dict[str, str]):
    """The valid runbook; when it is not, its problems and those of the parameters given,
    in one report (fixing the file, then rerunning to learn of a missing -p, wastes a turn)."""
    try:
        return library.load(name)
    except ValidationFailed as failed:
        runbook, _ = library.check(library.path_of(name))
        if runbook is not None and runbook.params is not None:
            try:
                params_mod.resolve(runbook, raw_params)
            except ValidationFailed as also:
                failed.problems = [*failed.problems, *also.problems]
            except BadInput as also:
                failed.problems = [*failed.problems, also.message]
        raise


def dry_run(plan: Plan) -> dict[str, Any]:
    """Every step rendered for every host, secrets masked; connects nowhere."""
    run = plan.run
    hosts = []
    for host in plan.hosts:
        hc = HostContext(run, host)
        rows = []
        for section in SECTIONS:
            for step in _flatten(run.runbook.section(section)):
                stype = run.step_types[step.type]
                try:
                    text = stype.describe(step, hc)
                except Exception:  # a template needing a register's real value (validated already)
                    text = "<rendered at run time, from the output of earlier steps>"
                rows.append({"section": section, "name": step.name, "type": step.type,
                             "when": step.when, "sudo": step.sudo, "would": redact.redact(str(text))})
        hosts.append({"host": host.name, "address": host.address, "connection": host.connection, "steps": rows})
    shown = {n: ("***" if run.runbook.params[n].is_secret and v is not None else v) for n, v in run.params.items()}
    return redact.redact_data({"dry_run": True, "sop": run.runbook.name, "params": shown, "answers": run.answers, "hosts": hosts})


def _flatten(steps: list) -> list:
    out = []
    for step in steps:
        out.append(step)
        out += _flatten(step.nested)
    return out
