"""The other built-in step types: include, wait_for, http, check, retries."""

from __future__ import annotations

import http.server
import socket
import threading

import pytest


@pytest.fixture
def web():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            code = 200 if self.path == "/health" else 503
            body = b"status: green" if code == 200 else b"down"
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_http_and_wait_for_and_check(drun, desk, web):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        (desk / "sops" / "probe.yaml").write_text(f"""\
name: probe
params:
  base: {{type: string, required: true}}
targets: localhost
steps:
  - name: port open
    wait_for: {{port: {port}, host: 127.0.0.1, timeout: 5}}
  - name: health
    http: {{url: "{{{{ base }}}}/health", contains: green}}
    register: health
  - name: status is 200
    check: [health.status == 200, "'green' in health.body"]
  - name: eventually
    wait_for: {{command: "test -e {desk}/flag || touch {desk}/flag; test -e {desk}/flag", timeout: 10, interval: 0.2}}
  - name: broken page
    http: "{{{{ base }}}}/broken"
""")
        result = drun("sop", "run", "probe", "-p", f"base={web}", "--json")
        assert result.code == 1, result
        steps = {s["name"]: s["status"] for s in result.json()["hosts"][0]["steps"]}
        assert steps == {"port open": "ok", "health": "ok", "status is 200": "ok", "eventually": "ok", "broken page": "failed"}
        assert "HTTP 503" in result.json()["hosts"][0]["reason"]
    finally:
        listener.close()


def test_include_runs_another_sops_steps_with_its_params(drun, desk):
    (desk / "sops" / "inner.yaml").write_text(
        "name: inner\nparams:\n  word: {type: string, required: true}\nsteps:\n  - name: say\n    ssh: echo inner {{ word }}\n    register: said\n"
    )
    (desk / "sops" / "outer.yaml").write_text(
        "name: outer\ntargets: localhost\nsteps:\n  - name: call\n    include: inner\n    params: {word: 'a b'}\n"
        "  - name: after\n    check: said.stdout == 'inner a b'\n"
    )
    result = drun("sop", "run", "outer", "--json")
    assert result.code == 0, result
    names = [s["name"] for s in result.json()["hosts"][0]["steps"]]
    assert names == ["say", "call", "after"]
    (desk / "sops" / "loop.yaml").write_text("name: loop\nsteps:\n  - name: me\n    include: loop\n")
    bad = drun("sop", "validate")
    assert bad.code == 2 and "cycle" in bad.stderr


def test_an_include_given_a_bad_value_names_the_problem(drun, desk):
    (desk / "sops" / "inner.yaml").write_text(
        "name: inner\nparams:\n  count: {type: int, min: 1, max: 5}\nsteps:\n  - name: say\n    ssh: echo {{ count }}\n")
    (desk / "sops" / "outer.yaml").write_text(
        "name: outer\ntargets: localhost\nparams:\n  n: {type: string, default: '9'}\n"
        "steps:\n  - name: call\n    include: inner\n    params: {count: '{{ n }}'}\n")
    result = drun("sop", "run", "outer", "--json")
    assert result.code == 1, result
    step = result.json()["hosts"][0]["steps"][0]
    assert step["name"] == "call" and step["status"] == "failed"
    assert step["message"].startswith("invalid parameters for inner: ") and "count" in step["message"], step


def test_retries_until_expectation_is_met(drun, desk):
    counter = desk / "count"
    (desk / "sops" / "flaky.yaml").write_text(f"""\
name: flaky
targets: localhost
steps:
  - name: third time lucky
    ssh: echo x >> {counter}; test $(wc -l < {counter}) -ge 3 && echo active
    retries: 3
    delay: 0
    expect: {{stdout: active}}
""")
    result = drun("sop", "run", "flaky", "--json")
    assert result.code == 0, result
    assert result.json()["hosts"][0]["steps"][0]["attempts"] == 3
