"""A crawl of the whole URL map with junk: no request may answer 500 or change what it must not.

Every rule of ``app.url_map`` and every method it allows is requested as an anonymous
visitor, a viewer, a planner and an admin with a fixed list of junk: control characters,
``..``, 10,000-character strings, unicode and out-of-range numbers in the path; the same in
the query string plus repeated keys, unknown languages, negative pages and markup; and for
state-changing methods junk bodies (no CSRF token, a wrong one, a valid one with junk or
huge numbers in every field, empty uploads, wrong content types). Each answer must be below
500 and carry no traceback; the users, scenarios, jobs and plans must stay as they were,
except what the endpoint exists to change (:data:`MAY_CHANGE`) when the request is a
proper one (valid token, a role allowed to do it). No job worker is ever started.
"""

from __future__ import annotations

import io
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.routing import Rule

from app import create_app
from app.assets import VENDOR_FILES
from app.db import EXTENSION_KEY as DB_KEY
from app.jobs import RUNNER_KEY
from tests.conftest import PASSWORD, ROLE_USERS, ensure_user, login

LONG = "A" * 10_000
HUGE_INT = "99999999999999999999"

#: Raw (already percent-encoded) junk for one path segment.
PATH_JUNK = ["%00", "%0a", "%0d", "%09", "..", "%2e%2e%2f%2e%2e%2fsecret.txt", LONG,
             "%E6%97%A5%E6%9C%AC%F0%9F%9A%80", HUGE_INT, "-1", "0", "-" + HUGE_INT, "1e308",
             "NaN", "%ff%fe", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "a%20b", "%25",
             "tiny-osm", "gpkg", "xlsx", "geojson", "routes", "enable", "delete", "reset"]

#: Raw query strings.
QUERY_JUNK = ["lang=xx", "lang=" + LONG, "page=-1", "page=0", f"page={HUGE_INT}",
              f"page=-{HUGE_INT}", "page=1e308", "page=NaN", "page=" + "9" * 5000,
              "prefecture=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "prefecture=%00",
              "county=%0d%0a", "county=622921&county=622926&page=2&page=x",
              "a=1&a=2&lang=en&lang=zh", "next=%0d%0aLocation:%20//evil.example",
              "next=/%09/evil.example", "q=" + LONG, "q=%E6%97%A5%F0%9F%9A%80",
              "%ff=%fe", "x=%00%09%0a%0d", "a=tiny-linxia&b=..%2F..%2Fsecret.txt",
              "a=" + LONG + "&b=" + HUGE_INT, "format=../../etc/passwd", "&&&==&",
              "a=tiny-linxia&b=tiny-linxia", "a=tiny-linxia&b=tiny-osm&lang=xx",
              "a=tiny-osm&b=tiny-linxia&a=x", "q=%5B(.*%5C%25_", "county=622921&page=" + HUGE_INT,
              "prefecture=6229&page=-5&county=6229999"]

#: The query junk a state-changing request gets (the views read the query on GET).
QUERY_JUNK_CHANGING = ["lang=xx", "page=-1", "a=1&a=2&lang=en&lang=zh",
                       "next=%0d%0aLocation:%20//evil.example", "next=/%09/evil.example",
                       "q=" + LONG, "%ff=%fe", "x=%00%09%0a%0d"]

#: Junk cookies (language, compare pair, session) and headers, sent with the plain URL.
COOKIE_JUNK = [("lang", "\x00xx"), ("lang", "x" * 3000),
               ("compare_pair", "x" * 1500 + "," + "y" * 1500),
               ("compare_pair", "tiny-linxia,broken-json"), ("session", "junk.junk.junk"),
               ("session", "x" * 3000)]
HEADER_JUNK = [{"Accept-Language": "\x01;q=NaN," * 200}, {"Range": f"bytes={HUGE_INT}-"},
               {"Range": "bytes=-1--1"}, {"If-Modified-Since": "yesterday\x00"},
               {"If-None-Match": "*" * 10_000}, {"X-Forwarded-For": "1.2.3.4, \x7f, ::::, " * 100},
               {"X-Requested-With": "XMLHttpRequest", "Accept": "application/json"},
               {"Content-Length": "0", "Transfer-Encoding": "chunked"},
               {"Host": "evil.example:99999999"}, {"Host": "[::1"}, {"Host": "a b\x01"}]

#: Values put into every field of a form that carries a valid CSRF token.
FIELD_JUNK = ["1e308", "1e30", "NaN", "inf", "-inf", "-1", HUGE_INT, "", "\x00",
              "\r\n\t", LONG, "日本🚀", "<script>alert(1)</script>", "../../secret.txt"]

#: Field names every form gets besides those its page shows.
GENERIC_FIELDS = ["name", "password", "current_password", "new_password", "repeat_password",
                  "region_code", "stores", "trucks", "budget_yuan", "shift_s", "tiers", "q",
                  "plan_id", "confirm", "next"]
UPLOAD_FIELDS = ["supply_file", "sites_file"]


def _junk_xlsx() -> bytes:
    """A ZIP that claims to be a workbook and holds junk."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<junk")
        archive.writestr("xl/workbook.xml", "\x00" * 100)
    return buffer.getvalue()


#: Uploaded tables sent with an otherwise well-filled form: (file name, content).
TABLE_JUNK = [
    ("supply.csv", b"settlement_id,supply_t\n622921100001,1e308\n622921100002,NaN\n"
                   b"622921100003,-1\n622926100001,inf\n"),
    ("supply.csv", b"settlement_id,supply_t\n99999999999999999999,1e30\n"),
    ("sites.csv", b"settlement_id,status\n622921100001,\x00\r\n6229211000011,open\n"),
    ("bom.csv", "\ufeffsettlement_id,supply_t\r\n\u2028622921100001,1\r\n".encode()),
    ("quote.csv", b'settlement_id,supply_t\n"622921100001,1\n'),
    ("latin1.csv", b"settlement_id,supply_t\n\xff\xfe,1\n"),
    ("zip.csv", b"PK\x03\x04" + b"\x00" * 100),
    ("text.xlsx", b"settlement_id,supply_t\n622921100001,1\n"),
    ("junk.xlsx", _junk_xlsx()),
    ("x" * 300 + ".csv", b"settlement_id,supply_t\n622921100001,1\n"),
    ("a\x00b.csv", b"settlement_id,supply_t\n622921100001,1\n"),
]

#: Tables (and the plans folder) an endpoint exists to change, on a proper request, by
#: the last part of its name (``admin.do_action``, ``scenarios.copy_scenario`` ...).
MAY_CHANGE = {"do_action": {"users", "disabled_users", "password_change_required"},
              "copy": {"scenarios", "uploads"}, "run": {"jobs"}, "cancel": {"jobs"},
              "delete": {"scenarios", "plans", "jobs", "uploads"}}
#: Endpoints that save a form's scenario: a one-field change with acceptable junk (a name
#: of 10,000 characters cut short, a blank number meaning the default) may be saved.
SAVES_SCENARIO = {"scenarios.new_scenario", "scenarios.edit_scenario"}
SNAPSHOT = {"users": "SELECT id, name, role, password_hash FROM users",
            "disabled_users": "SELECT user_id FROM disabled_users",
            "password_change_required": "SELECT user_id FROM password_change_required",
            "scenarios": "SELECT * FROM scenarios", "jobs": "SELECT id, state FROM jobs"}
ROLES = ("anonymous", "viewer", "planner", "admin")
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _rules() -> list[tuple[str, str]]:
    """(endpoint, rule) of every rule of the app (a throwaway app's URL map)."""
    with tempfile.TemporaryDirectory() as tmp:
        made = create_app({"TESTING": True, "PLANS_DIR": tmp, "INSTANCE_DIR": tmp})
        rules = sorted((r.endpoint, r.rule) for r in made.url_map.iter_rules())
        made.extensions[RUNNER_KEY].shutdown()
    return rules


RULES = _rules()

#: Requests the crawl found answering 500 in files of another helper (endpoint -> reason).
KNOWN_500: dict[str, str] = {}


class Crawl:
    """The app, one client per role, the valid path values and the request counter."""

    def __init__(self, app: Flask, plans: Path) -> None:
        self.app, self.plans, self.requests = app, plans, 0
        self.reader: sqlite3.Connection | None = None
        db = app.extensions[DB_KEY]
        runner = app.extensions[RUNNER_KEY]
        for hook in ("take_up", "refresh", "watch"):  # jobs are queued, never run
            setattr(runner, hook, lambda: None)
        self.clients: dict[str, FlaskClient] = {"anonymous": app.test_client()}
        for role in ("viewer", "planner", "admin"):
            self.clients[role] = login(app.test_client(), role)
        self.tokens = {role: self.token(c) for role, c in self.clients.items()}
        ensure_user(app, "viewer")
        db.run("INSERT INTO users (name, password_hash, role, created_at)"
               " VALUES ('zed', 'x', 'viewer', 0)")
        victim = db.one("SELECT id FROM users WHERE name = 'zed'")["id"]
        scenario = db.save_scenario(None, "crawl", {"name": "crawl", "region_code": "6229"},
                                    (None, None), "pete", (None, None))
        job = runner.start({"id": scenario, "name": "crawl"}, {"name": "crawl"}, "pete")
        self.valid = {"plan_id": "tiny-linxia", "layer": "settlements", "fmt": "csv",
                      "filename": "app.css", "user_id": str(victim), "action": "disable",
                      "job_id": str(job), "scenario_id": str(scenario), "key": "linxia"}

    @staticmethod
    def token(client: FlaskClient) -> str:
        # A page with a form renders the token signed for the session.
        for url in ("/login", "/account/password"):
            html = client.get(url).get_data(as_text=True)
            match = re.search(r'name="csrf_token" value="([^"]+)"', html)
            if match:
                return match.group(1)
        raise AssertionError("no page shows a CSRF token")

    def snapshot(self) -> dict[str, Any]:
        """What no junk request may change: the users, scenarios, jobs and plans."""
        if self.reader is None:  # one connection for the thousands of looks
            self.reader = sqlite3.connect(self.app.extensions[DB_KEY].path)
        state: dict[str, Any] = {t: sorted(self.reader.execute(q).fetchall())
                                 for t, q in SNAPSHOT.items()}
        state["plans"] = sorted(p.name for p in self.plans.iterdir())
        uploads = Path(self.app.config["INSTANCE_DIR"]) / "uploads"
        state["uploads"] = sorted(p.name for p in uploads.iterdir()) if uploads.is_dir() else []
        return state

    def url(self, rule: Rule, junk: dict[str, str] | None = None) -> str:
        """The rule's path with valid values, ``junk`` (raw segments) replacing some."""
        values = dict(self.valid)
        if rule.endpoint != "static":
            values["filename"] = next(iter(VENDOR_FILES))
        values.update(junk or {})
        return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values.get(m.group(1), "crawl"),
                      rule.rule)


class _FormValues(HTMLParser):
    """The fields of a page's forms with the values the page fills in (file inputs apart)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.files: list[str] = []
        self.numeric: set[str] = set()
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name:
            if a.get("type") == "number" or a.get("inputmode") in ("decimal", "numeric"):
                self.numeric.add(name)
            if a.get("type") == "file":
                self.files.append(name)
            elif a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.values.setdefault(name, a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in self.values:
                self.values[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def _form_values(crawl: Crawl, path: str, methods: set[str]) -> _FormValues:
    """The form the rule's GET page shows an admin (empty for rules without a GET)."""
    parser = _FormValues()
    if "GET" in methods:
        parser.feed(crawl.clients["admin"].get(path).get_data(as_text=True))
    parser.values.pop("csrf_token", None)
    parser.values.pop("lang", None)
    if parser.values.get("name") == "":  # a new form: named, so junk elsewhere is reached
        parser.values["name"] = "crawl new"
    return parser


def _form_fields(form: _FormValues) -> list[str]:
    """Field names of the form plus generic ones."""
    return list(dict.fromkeys([*form.values, *GENERIC_FIELDS]))


def _bodies(fields: list[str], token: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, keyword arguments of ``client.open``) of every junk body."""
    yield "no token", {"data": {f: "1e308" for f in fields}}
    yield "wrong token", {"data": {**{f: "-1" for f in fields}, "csrf_token": "junk"}}
    yield "wrong header token", {"data": {"name": "x"}, "headers": {"X-CSRFToken": "x" * 5000}}
    for value in FIELD_JUNK:
        yield f"fields={value[:20]!r}", {"data": {**{f: value for f in fields},
                                                   "csrf_token": token}}
    yield "repeated keys", {"data": MultiDict([(f, v) for f in fields for v in ("1", "x")]
                                              + [("csrf_token", token)])}
    uploads = [("", b""), ("empty.csv", b""), ("bomb.xlsx", b"PK\x03\x04junk"),
               ("nul.csv", b"\x00" * 1000), ("../../x.csv", b"a,b\n1,2\n")]
    for filename, content in uploads:
        files = {f: (io.BytesIO(content), filename) for f in UPLOAD_FIELDS}
        yield f"upload {filename!r}", {"data": {**{f: "1" for f in fields},
                                                "csrf_token": token, **files},
                                       "content_type": "multipart/form-data"}
    header = {"X-CSRFToken": token}
    for ctype, raw in [("application/json", b'{"name": 1e999, "stores": [null]}'),
                       ("text/plain", b"\x00\xff junk"), ("multipart/form-data", b"--x\r\n"),
                       ("multipart/form-data; boundary=b", b"--b\r\njunk\r\n--b--"),
                       ("application/x-www-form-urlencoded", b"%zz%ff=\x00&stores=%"),
                       ("application/octet-stream", bytes(range(256)) * 4)]:
        yield f"body {ctype}", {"data": raw, "content_type": ctype, "headers": header}


def _check(crawl: Crawl, role: str, method: str, url: str, label: str,
           may_change: set[str] | None, **kwargs: Any) -> None:
    """One request: below 500, no traceback; with ``may_change`` given, nothing else
    changed (safe methods are checked once per batch instead, see the test)."""
    before = crawl.snapshot() if may_change is not None else None
    response = crawl.clients[role].open(url, method=method, **kwargs)
    crawl.requests += 1
    if label == "good login":
        assert response.status_code == 302, f"{url[:200]}: the login failed"
    where = f"{role} {method} {url[:200]} [{label}]"
    assert response.status_code < 500, where
    assert b"Traceback (most recent call last)" not in response.data, where
    if before is not None and may_change is not None:
        after = crawl.snapshot()
        changed = {k for k in before if before[k] != after[k]}
        assert changed <= may_change, f"{where} changed {sorted(changed)}"


def _may_change(endpoint: str, role: str, method: str, label: str) -> set[str]:
    """What a request may change: only a proper (token, staff role) state-changing one."""
    proper = (method in STATE_CHANGING and role in ("planner", "admin")
              and label not in ("no token", "wrong token", "wrong header token"))
    if not proper:
        return set()
    if label == "refused":
        return set()
    if endpoint in SAVES_SCENARIO and label == "one":
        return {"scenarios", "uploads"}
    view = endpoint.rsplit(".", 1)[-1]
    return set().union(*(tables for word, tables in MAY_CHANGE.items() if word in view))


@pytest.fixture
def crawl(tmp_path: Path, stub_vendor_dir: Path,
          plan_writer: Callable[..., Path]) -> Iterator[Crawl]:
    """An app over its own plans folder (a delete may remove a plan) and instance."""
    plans = tmp_path / "plans"
    plan_writer(plans, "tiny-linxia", approximate=True, created_at="2025-06-02T08:00:00Z")
    plan_writer(plans, "tiny-osm", approximate=False, created_at="2025-06-01T08:00:00Z")
    (plans / "secret.txt").write_text("must never be served", encoding="utf-8")
    # Plans whose files are broken answer "Plan file error" (500 by design: the server's
    # data is at fault, see test_app_api); they are not requested here, only listed.
    (plans / "broken-json").mkdir()
    (plans / "broken-json" / "plan.json").write_text("{", encoding="utf-8")
    half = plan_writer(plans, "half-plan", approximate=True, created_at="2025-06-03T08:00:00Z")
    (half / "plan.json").write_text('{"schema": "coldchain-plan/1", "plan_id": "half-plan"}',
                                    encoding="utf-8")
    (half / "layers" / "routes.geojson").write_text("[1, 2", encoding="utf-8")
    app = create_app({"TESTING": True, "PLANS_DIR": str(plans),
                      "VENDOR_DIR": str(stub_vendor_dir),
                      "INSTANCE_DIR": str(tmp_path / "instance")})
    crawl = Crawl(app, plans)
    yield crawl
    if crawl.reader is not None:
        crawl.reader.close()
    app.extensions[RUNNER_KEY].shutdown()


def _params() -> list[Any]:
    params = []
    for endpoint, rule in RULES:
        marks = ([pytest.mark.xfail(reason=KNOWN_500[endpoint], strict=True)]
                 if endpoint in KNOWN_500 else [])
        params.append(pytest.param(endpoint, rule, marks=marks, id=f"{endpoint}:{rule}"))
    return params


def _crawl_method(crawl: Crawl, rule: Rule, role: str, method: str, form: _FormValues,
                  fields: list[str]) -> None:
    """Every junk request of one rule, role and method."""
    base, token = crawl.url(rule), crawl.tokens[role]
    changing = method in STATE_CHANGING
    light = method in ("HEAD", "OPTIONS")
    body = {"data": {"csrf_token": token}} if changing else {}
    proper = _may_change(rule.endpoint, role, method, "token given") if changing else None
    for arg in rule.arguments:
        for junk in PATH_JUNK[:3] if light else PATH_JUNK:
            _check(crawl, role, method, crawl.url(rule, {arg: junk}), "path", proper, **body)
    queries = QUERY_JUNK_CHANGING if changing else QUERY_JUNK
    for query in queries[:3] if light else queries:
        _check(crawl, role, method, f"{base}?{query}", "query", proper, **body)
    if not light:
        _crawl_cookies_and_headers(crawl, rule, role, method, proper)
    _crawl_bodies(crawl, rule, role, method, form, fields)


def _crawl_cookies_and_headers(crawl: Crawl, rule: Rule, role: str, method: str,
                               proper: set[str] | None) -> None:
    """The plain URL with each junk cookie, then with each junk header."""
    client, base = crawl.clients[role], crawl.url(rule)
    changing = method in STATE_CHANGING
    for name, value in COOKIE_JUNK:
        client.set_cookie(name, value)
        _check(crawl, role, method, base, f"cookie {name}", proper,
               **({"data": {"csrf_token": crawl.tokens[role]}} if changing else {}))
        client.delete_cookie(name)
    if role != "anonymous":  # a junk session cookie logged the client out: again
        crawl.app.extensions[DB_KEY].run("DELETE FROM login_lockouts")  # junk logins
        login(client, role)
        crawl.tokens[role] = Crawl.token(client)
    for headers in HEADER_JUNK:
        _check(crawl, role, method, base, f"headers {sorted(headers)}", proper,
               headers=headers,
               **({"data": {"csrf_token": crawl.tokens[role]}} if changing else {}))


def _crawl_bodies(crawl: Crawl, rule: Rule, role: str, method: str, form: _FormValues,
                  fields: list[str]) -> None:
    """The junk bodies of a state-changing method (nothing for the others)."""
    if method not in STATE_CHANGING:
        return
    base, token = crawl.url(rule), crawl.tokens[role]
    for label, kwargs in _bodies(fields, token):
        _check(crawl, role, method, base, label,
               _may_change(rule.endpoint, role, method, label), **kwargs)
    if form.values and role in ("planner", "admin"):
        _crawl_one_field_at_a_time(crawl, rule, role, method, form)


def _crawl_one_field_at_a_time(crawl: Crawl, rule: Rule, role: str, method: str,
                               form: _FormValues) -> None:
    """The form as its page fills it in, one field replaced by junk at a time: the junk
    passes the other fields' checks and reaches deeper code. Junk in a number field
    (anything but blank, which may mean "the default") must be refused: nothing saved."""
    base, token = crawl.url(rule), crawl.tokens[role]
    for field in form.values:
        for value in FIELD_JUNK:
            data = {**form.values, field: value, "csrf_token": token}
            refuse = field in form.numeric and value.strip()
            _check(crawl, role, method, base, f"{field}={value[:20]!r}",
                   _may_change(rule.endpoint, role, method, "refused" if refuse else "one"),
                   data=data)
    for field in form.files:
        for filename, content in TABLE_JUNK:
            upload: dict[str, Any] = {**form.values, "csrf_token": token,
                                      field: (io.BytesIO(content), filename)}
            _check(crawl, role, method, base, f"{field}={filename[:20]!r}",
                   _may_change(rule.endpoint, role, method, "refused"), data=upload,
                   content_type="multipart/form-data")


@pytest.mark.parametrize(("endpoint", "rule_text"), _params())
def test_crawl_rule_with_junk(crawl: Crawl, endpoint: str, rule_text: str) -> None:
    rule = next(r for r in crawl.app.url_map.iter_rules()
                if r.endpoint == endpoint and r.rule == rule_text)
    methods = set(rule.methods or ())
    same_url = set().union(*(r.methods or () for r in crawl.app.url_map.iter_rules()
                             if r.rule == rule_text))
    form = _form_values(crawl, crawl.url(rule), methods)
    fields = _form_fields(form)
    for role in ROLES:
        for method in sorted(methods):
            before = crawl.snapshot()
            _crawl_method(crawl, rule, role, method, form, fields)
            if method not in STATE_CHANGING:  # a GET, HEAD or OPTIONS changes nothing
                assert crawl.snapshot() == before, f"{role} {method} {rule_text} changed state"
        for method in sorted({"PUT", "PATCH", "DELETE", "POST"} - same_url):  # not allowed
            _check(crawl, role, method, crawl.url(rule), "not allowed", set(),
                   data={"csrf_token": crawl.tokens[role]})
    if {"name", "password"} <= set(form.values) and "POST" in methods:
        _crawl_good_logins(crawl, rule)
    assert crawl.requests > 0


def _crawl_good_logins(crawl: Crawl, rule: Rule) -> None:
    """A login form: the right name and password with each junk query (``next``) in a
    fresh client, so the junk reaches the code that runs after a login succeeds."""
    for query in QUERY_JUNK_CHANGING:
        crawl.app.extensions[DB_KEY].run("DELETE FROM login_lockouts")  # junk logins
        crawl.clients["fresh"] = client = crawl.app.test_client()
        data = {"name": ROLE_USERS["planner"], "password": PASSWORD,
                "csrf_token": Crawl.token(client)}
        _check(crawl, "fresh", "POST", f"{crawl.url(rule)}?{query}", "good login", set(),
               data=data)
