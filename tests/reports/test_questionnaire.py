"""Survey questionnaires: answers per question, the method, consent per requester, sampling and
timing rules, and the report's satisfaction section (JSON and HTML)."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.sla.support import at, write_config

NOW = "2026-11-23T10:30:00+01:00"
CLOSED = "2026-11-23T12:00:00+01:00"
ASKED = "2026-11-24T09:00:00+01:00"

QUESTIONNAIRE = """\
surveys:
  sample: 100%
  window: 14d
  {extra}
  questionnaire:
    - id: response_time
      text: {{en: How satisfied are you with the response time?, it: Quanto è soddisfatto dei tempi di risposta?}}
    - id: problem_solving
      text: {{en: How well was your problem solved?}}
    - id: communication
      text: {{en: How clear was our communication?}}
      scale: 5
"""


def questionnaire_desk(desk, extra: str = "methods: [phone, email, online, in-person]") -> None:
    write_config(desk)
    config = desk / "config" / "deskctl.yaml"
    text = config.read_text().replace("surveys: {sample: 100%, window: 14d}\n", "")
    config.write_text(text + QUESTIONNAIRE.format(extra=extra))


def closed_ticket(drun, title: str, email: str, group: str = "L1", channel: str = "phone") -> str:
    t = at(drun, NOW, "ticket", "create", "--title", title, "--requester-email", email, "--group", group,
           "--channel", channel)
    at(drun, NOW, "ticket", "resolve", t["id"], "--resolution", "done", "--category", "other")
    at(drun, CLOSED, "ticket", "close", t["id"])
    return t["id"]


class Tables(HTMLParser):
    """Every table of a page as rows of cell texts, under the last h2/h3 heading."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.heading, self.where, self.cell, self.row = "", None, None, None

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "h3"):
            self.where, self.heading = "heading", ""
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("h2", "h3"):
            self.where = None
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables.setdefault(self.heading.strip(), []).append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.where == "heading":
            self.heading += data
        elif self.cell is not None:
            self.cell += data


def test_three_questions_recorded_per_question_declined_never_asked_and_html_means(drun, desk, tmp_path):
    questionnaire_desk(desk)
    ana = closed_ticket(drun, "Mail slow", "ana@example.com", group="L1", channel="phone")
    bob = at(drun, NOW, "ticket", "create", "--title", "VPN", "--requester-email", "Bob@example.com")["id"]
    at(drun, NOW, "ticket", "survey", bob, "--declined")  # asked at the first call: no surveys, thanks
    bob_closed = closed_ticket(drun, "Printer", "bob@example.com")
    carla = closed_ticket(drun, "New badge", "carla@example.com", group="L2", channel="email")

    assert [p["id"] for p in at(drun, ASKED, "survey", "pending")] == [ana, carla]
    refused = drun("ticket", "survey", bob_closed, "--answer", "response_time=5", env={"DESKCTL_NOW": ASKED})
    assert refused.code == 2 and "bob@example.com declined surveys" in refused.stderr and bob in refused.stderr, refused
    assert at(drun, ASKED, "ticket", "show", bob_closed)["survey"] is None

    done = at(drun, ASKED, "ticket", "survey", ana, "--answer", "response_time=2", "--answer", "problem_solving=3",
              "--answer", "communication=4", "--method", "phone", "--comment", "<b>too slow</b>")
    assert done["survey"]["answers"] == {"response_time": 2, "problem_solving": 3, "communication": 4}
    assert done["survey"]["method"] == "phone" and done["survey"]["score"] is None
    at(drun, ASKED, "ticket", "survey", carla, "--score", "5", "--answer", "response_time=4",
       "--answer", "problem_solving=5", "--answer", "communication=5", "--method", "email", "--comment", "great")
    assert at(drun, ASKED, "ticket", "show", carla)["history"][-1]["action"] == "survey"

    report = at(drun, ASKED, "report", "kpi")["satisfaction"]
    means = {q["id"]: q["mean"] for q in report["questions"]}
    assert means == {"overall": 5.0, "response_time": 3.0, "problem_solving": 4.0, "communication": 4.5}
    assert report["by_group"]["L2"]["means"]["response_time"] == 4.0
    assert report["by_channel"]["phone"] == {"responses": 1, "means": {
        "overall": None, "response_time": 2.0, "problem_solving": 3.0, "communication": 4.0}}
    assert report["by_method"] == {"email": 1, "phone": 1}
    assert [c["id"] for c in report["lowest_comments"]] == [ana, carla]  # lowest first: the plan starts there

    out = tmp_path / "report.html"
    at(drun, ASKED, "report", "html", "--out", str(out))
    page = out.read_text(encoding="utf-8")
    assert "<b>too slow</b>" not in page and "&lt;b&gt;too slow&lt;/b&gt;" in page
    parser = Tables()
    parser.feed(page)
    rows = parser.tables["Satisfaction survey"]
    assert rows[0][:3] == ["Question", "Text", "Mean"]
    shown = {r[0]: r[2] for r in rows[1:]}
    assert shown == {"overall": "5.00 / 5", "response_time": "3.00 / 5", "problem_solving": "4.00 / 5",
                     "communication": "4.50 / 5"}
    assert parser.tables["Lowest-scoring comments"][1][:3] == [ana, "3.0", "<b>too slow</b>"]
    assert parser.tables["Work per group"][0] == ["Group", "Handled", "Escalated onward", "Reassigned onward", "Resolved"]

    # Bob changes his mind: from then on he is asked like everyone else
    at(drun, ASKED, "ticket", "survey", bob_closed, "--consent")
    assert [p["id"] for p in at(drun, ASKED, "survey", "pending")] == [bob_closed]


def test_answers_are_checked_against_the_questionnaire(drun, desk):
    questionnaire_desk(desk)
    t = closed_ticket(drun, "Mail slow", "ana@example.com")
    for args, words in ((["--answer", "respons_time=3"], "did you mean 'response_time'"),
                        (["--answer", "communication=6"], "from 1 to 5"),
                        (["--answer", "communication=good"], "from 1 to 5"),
                        (["--score", "4", "--method", "fax"], "use one of: phone, email, online, in-person"),
                        ([], "--score N")):
        bad = drun("ticket", "survey", t, *args, env={"DESKCTL_NOW": ASKED})
        assert bad.code == 2 and words in bad.stderr and "Traceback" not in bad.stderr, (args, bad)
    assert at(drun, ASKED, "ticket", "show", t)["survey"] is None
    listed = at(drun, ASKED, "survey", "questions", "--lang", "it")
    assert [q["id"] for q in listed["questions"]] == ["response_time", "problem_solving", "communication"]
    assert listed["questions"][0]["shown"].startswith("Quanto")
    assert listed["questions"][1]["shown"] == "How well was your problem solved?"  # no Italian: the default


def test_every_nth_closed_ticket_and_a_delay_after_closing(drun, desk):
    questionnaire_desk(desk, extra="every: 2\n  delay: 1d")
    ids = [closed_ticket(drun, f"Ticket {n}", f"user{n}@example.com") for n in range(4)]
    assert at(drun, "2026-11-23T18:00:00+01:00", "survey", "pending") == []  # closed 6 hours ago
    assert [p["id"] for p in at(drun, "2026-11-24T13:00:00+01:00", "survey", "pending")] == [ids[1], ids[3]]
    kpi = at(drun, "2026-11-24T13:00:00+01:00", "report", "kpi")
    assert kpi["csat"]["response_rate"]["denominator"] == 2  # only those asked count


def test_a_questionnaire_with_choices_and_a_bad_one_in_the_config(drun, desk):
    questionnaire_desk(desk)
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + "    - id: solved\n      text: Was it solved?\n"
                      "      choices: ['yes', partly, 'no']\n")  # quoted: YAML reads yes as true
    t = closed_ticket(drun, "Mail slow", "ana@example.com")
    done = at(drun, ASKED, "ticket", "survey", t, "--answer", "solved=Partly")
    assert done["survey"]["answers"] == {"solved": "partly"}
    solved = next(q for q in at(drun, ASKED, "report", "kpi")["satisfaction"]["questions"] if q["id"] == "solved")
    assert solved["answers"] == {"yes": 0, "partly": 1, "no": 0} and "mean" not in solved
    config.write_text(config.read_text() + "    - id: solved\n      text: again\n")
    check = drun("config", "check")
    assert check.code != 0 and "solved" in check.stdout + check.stderr and "used twice" in check.stdout + check.stderr
