"""The progress seam (`deskctl.util.progress`) in a real process with its stderr on a
pseudo-terminal: when a bar is drawn, when nothing is (and rich is not even imported), one
bar at a time for nested work, and none while a question is asked."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.support.terminal import on_terminal


def on_a_terminal(code: str, tmp_path, base_env):
    return on_terminal([sys.executable, "-c", textwrap.dedent(code)], tmp_path, base_env, timeout=60)


def test_nested_work_takes_the_screen_then_gives_it_back(tmp_path, base_env):
    found = on_a_terminal("""
        import time
        from deskctl.util import progress as p
        p.DELAY = 0.1
        with p.progress("outer work", 3) as outer:
            time.sleep(0.5); outer.advance()
            with p.progress("inner work", 2) as inner:
                time.sleep(0.5); inner.advance(2)
            outer.update(label="outer again")
            time.sleep(0.5)
        print("done")
    """, tmp_path, base_env)
    assert found.code == 0 and found.stdout == "done\n", found
    text = found.terminal
    assert 0 <= text.find("outer work") < text.find("inner work") < text.rfind("inner work") < text.find("outer again")
    assert "1/3" in text and "2/2" in text


def test_a_line_printed_meanwhile_goes_above_the_bar_whole(tmp_path, base_env):
    found = on_a_terminal("""
        import sys, time
        from deskctl.util import progress as p
        p.DELAY = 0.1
        with p.progress("hosts", 4) as bar:
            time.sleep(0.4)
            sys.stderr.write("[h1] nap: ok (0.4s)\\n")
            bar.advance()
            time.sleep(0.4)
    """, tmp_path, base_env)
    assert found.code == 0, found
    assert "[h1] nap: ok (0.4s)" in found.terminal and "hosts" in found.terminal


def test_no_bar_while_a_question_is_asked(tmp_path, base_env):
    found = on_a_terminal("""
        import sys, time
        from deskctl.util import progress as p
        p.DELAY = 0.1
        with p.progress("long work", 2) as bar:
            time.sleep(0.4)
            with p.paused():
                print(type(sys.stderr).__name__)  # the real stream, not rich's stand-in
                sys.stderr.write("Restart it? (yes, no): "); sys.stderr.flush()
                time.sleep(0.5)
                sys.stderr.write("\\n")
            time.sleep(0.4)
    """, tmp_path, base_env)
    assert found.code == 0, found
    assert found.stdout == "TextIOWrapper\n"
    question = found.terminal.index("Restart it? (yes, no): ")
    after = found.terminal[question + len("Restart it? (yes, no): "):]
    assert after.startswith(("\r\n", "\n"))  # nothing drawn over the question while it waits
    assert "long work" in after  # and the bar came back


NOTHING_DRAWN = """
    import sys, time
    from deskctl import output
    from deskctl.util import progress as p
    {setup}
    with p.progress("some work", 10) as bar:
        for _ in range(10):
            time.sleep({pause}); bar.advance()
    print("rich" in sys.modules)
"""


def test_quick_work_draws_nothing_and_imports_no_rich(tmp_path, base_env):
    found = on_a_terminal(NOTHING_DRAWN.format(setup="", pause=0.01), tmp_path, base_env)
    assert (found.code, found.stdout, found.terminal) == (0, "False\n", "")


def test_quiet_json_and_a_dumb_terminal_draw_nothing(tmp_path, base_env):
    for setup in ("output.QUIET = True", "p.suppress()", "import os; os.environ['TERM'] = 'dumb'"):
        found = on_a_terminal(NOTHING_DRAWN.format(setup=setup, pause=0.1), tmp_path, base_env)
        assert (found.code, found.stdout, found.terminal) == (0, "False\n", ""), setup
    # and the check can fail: the same work, unsilenced, draws its bar
    found = on_a_terminal(NOTHING_DRAWN.format(setup="", pause=0.1), tmp_path, base_env)
    assert found.stdout == "True\n" and "some work" in found.terminal


def test_nothing_is_drawn_on_a_pipe(base_env):
    code = textwrap.dedent(NOTHING_DRAWN.format(setup="", pause=0.1))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=base_env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "False\n", "")
