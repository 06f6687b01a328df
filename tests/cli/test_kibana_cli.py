"""`porttrack-logs kibana export|import` as a user runs them. There is no Kibana on these machines: the
import is sent to a small HTTP server started in the test that checks what Kibana's import API requires
(POST, the path and overwrite query, the kbn-xsrf header, a multipart body whose `file` part is exactly
the NDJSON, the auth header when given) and answers as Kibana does."""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
import socket
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from porttrack_logs.cli import main
from porttrack_logs.kibana import render

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "porttrack_logs.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


class FakeKibana:
    """What the test's server expects and how it answers; it records every request it saw."""

    def __init__(self) -> None:
        self.expect_ndjson = b""
        self.expect_path = "/api/saved_objects/_import"
        self.expect_auth: str | None = None
        self.refuse_objects: list[dict] = []
        self.requests: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def _problems(self, method: str, target: str, headers, body: bytes) -> list[str]:
        problems = []
        parts = urllib.parse.urlsplit(target)
        if method != "POST":
            problems.append(f"method {method}")
        if parts.path != self.expect_path:
            problems.append(f"path {parts.path}")
        if urllib.parse.parse_qs(parts.query).get("overwrite") != ["true"]:
            problems.append(f"query {parts.query!r}")
        if not headers.get("kbn-xsrf"):
            problems.append("no kbn-xsrf header")
        if self.expect_auth is not None and headers.get("Authorization") != self.expect_auth:
            return ["auth"]
        if self.expect_auth is None and headers.get("Authorization"):
            problems.append("unexpected Authorization")
        content_type = headers.get("Content-Type", "")
        if not content_type.startswith("multipart/form-data; boundary="):
            problems.append(f"content type {content_type!r}")
            return problems
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        files = [p for p in message.iter_parts() if p.get_param("name", header="content-disposition") == "file"]
        if len(files) != 1:
            problems.append(f"{len(files)} file parts")
        elif files[0].get_payload(decode=True) != self.expect_ndjson:
            problems.append("the file part is not the NDJSON")
        return problems

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers)})
                problems = fake._problems(self.command, self.path, self.headers, body)
                if problems == ["auth"]:
                    self._answer(401, {"statusCode": 401, "error": "Unauthorized", "message": "[security_exception]: unable to authenticate user"})
                elif problems:
                    self._answer(400, {"statusCode": 400, "error": "Bad Request", "message": "; ".join(problems)})
                else:
                    objects = [json.loads(line) for line in fake.expect_ndjson.splitlines()]
                    refused = {r["id"] for r in fake.refuse_objects}
                    ok = [o for o in objects if o["id"] not in refused]
                    answer: dict = {
                        "success": not refused,
                        "successCount": len(ok),
                        "successResults": [{"type": o["type"], "id": o["id"], "meta": {"title": o["attributes"].get("title")}} for o in ok],
                    }
                    if refused:
                        answer["errors"] = fake.refuse_objects
                    self._answer(200, answer)

            do_POST = do_GET = do_PUT = _any

        return Handler


@pytest.fixture()
def kibana(monkeypatch) -> Iterator[FakeKibana]:
    """The fake Kibana on a free loopback port; credentials from the environment are cleared."""
    monkeypatch.delenv("KIBANA_API_KEY", raising=False)
    monkeypatch.delenv("KIBANA_PASSWORD", raising=False)
    fake = FakeKibana()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
    thread.join()


def test_export_to_a_file_writes_the_generated_ndjson(tmp_path, capsys):
    """`kibana export --version 8.x -o FILE` writes exactly what the generator renders for 8.x."""
    out = tmp_path / "views.ndjson"
    assert main(["kibana", "export", "--version", "8.x", "-o", str(out)]) == 0
    assert out.read_text() == render("8.x")
    assert "11 saved objects for Kibana 8.x" in capsys.readouterr().err


def test_export_to_stdout(capsys):
    """`--version 9.x -o -` prints the NDJSON."""
    assert main(["kibana", "export", "--version", "9.x", "-o", "-"]) == 0
    assert capsys.readouterr().out == render("9.x")


def test_export_with_a_file_but_no_version_is_refused(tmp_path, capsys):
    """One file holds one Kibana line: -o without --version is a one-line error, nothing written."""
    assert main(["kibana", "export", "-o", str(tmp_path / "x.ndjson")]) == 1
    assert "give --version 8.x or --version 9.x" in capsys.readouterr().err
    assert not (tmp_path / "x.ndjson").exists()


def test_export_to_an_unwritable_place_is_one_line(tmp_path):
    """A directory where the file should go: one line naming the path, exit 1."""
    done = run("kibana", "export", "--version", "8.x", "-o", str(tmp_path))
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert f"{tmp_path}: cannot write" in done.stderr and "Traceback" not in done.stderr


def test_api_key_from_the_environment(kibana, monkeypatch, capsys):
    """Without --api-key, $KIBANA_API_KEY is sent (keeps the key out of the process list)."""
    kibana.expect_ndjson = render("9.x").encode()
    kibana.expect_auth = "ApiKey from-env"
    monkeypatch.setenv("KIBANA_API_KEY", "from-env")
    assert main(["kibana", "import", "--kibana", kibana.url]) == 0
    assert "successCount: 11 of 11" in capsys.readouterr().out


def test_import_posts_the_export_as_kibana_requires_and_prints_success_count(kibana, capsys):
    """No auth: POST /api/saved_objects/_import?overwrite=true, kbn-xsrf, multipart `file` = the NDJSON; exit 0."""
    kibana.expect_ndjson = render("9.x").encode()
    assert main(["kibana", "import", "--kibana", kibana.url]) == 0
    out = capsys.readouterr()
    assert out.out == f"successCount: 11 of 11 saved objects imported into {kibana.url}\n"
    assert len(kibana.requests) == 1


def test_import_with_an_api_key_into_a_space(kibana, capsys):
    """--api-key sends Authorization: ApiKey K; --space puts /s/<space> before the API path."""
    kibana.expect_ndjson = render("8.x").encode()
    kibana.expect_path = "/s/ops/api/saved_objects/_import"
    kibana.expect_auth = "ApiKey c2VjcmV0"
    assert main(["kibana", "import", "--kibana", kibana.url + "/", "--version", "8.x", "--api-key", "c2VjcmV0", "--space", "ops"]) == 0
    assert "successCount: 11 of 11" in capsys.readouterr().out


def test_import_with_basic_auth(kibana, capsys):
    """--user/--password send HTTP basic auth."""
    kibana.expect_ndjson = render("9.x").encode()
    kibana.expect_auth = "Basic " + base64.b64encode(b"elastic:changeme").decode()
    assert main(["kibana", "import", "--kibana", kibana.url, "--user", "elastic", "--password", "changeme"]) == 0
    assert "successCount: 11 of 11" in capsys.readouterr().out


def test_import_of_a_given_file_sends_that_file(kibana, tmp_path, capsys):
    """--file sends the file's bytes, not a fresh generation."""
    one = render("9.x").splitlines(keepends=True)[0]
    path = tmp_path / "one.ndjson"
    path.write_text(one)
    kibana.expect_ndjson = one.encode()
    assert main(["kibana", "import", "--kibana", kibana.url, "--file", str(path)]) == 0
    assert "successCount: 1 of 1" in capsys.readouterr().out


def test_objects_kibana_refuses_are_listed_one_line_each_and_exit_1(kibana):
    """Kibana's success:false with errors: the count of what went in, a line per refused object, exit 1."""
    kibana.expect_ndjson = render("9.x").encode()
    dashboard = json.loads(render("9.x").splitlines()[-1])
    kibana.refuse_objects = [{
        "id": dashboard["id"], "type": "dashboard", "title": dashboard["attributes"]["title"],
        "meta": {"title": dashboard["attributes"]["title"], "icon": "dashboardApp"},
        "error": {"type": "missing_references", "references": [{"type": "lens", "id": "gone"}]},
    }]
    done = run("kibana", "import", "--kibana", kibana.url)
    assert done.returncode == 1
    assert done.stdout == f"successCount: 10 of 11 saved objects imported into {kibana.url}\n"
    errors = done.stderr.splitlines()
    assert errors[0] == f"error: dashboard {dashboard['id']} 'PortTrack logs: alerts and parse failures': missing_references: missing lens gone"
    assert errors[1] == "porttrack-logs: kibana import failed: 1 saved objects refused"
    assert "Traceback" not in done.stderr


def test_a_refused_request_is_one_line_and_exit_1(kibana):
    """Wrong credentials: Kibana's 401 and its message in one line, exit 1, no traceback."""
    kibana.expect_ndjson = render("9.x").encode()
    kibana.expect_auth = "ApiKey right"
    done = run("kibana", "import", "--kibana", kibana.url, "--api-key", "wrong")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == f"porttrack-logs: Kibana at {kibana.url} refused the import: HTTP 401 Unauthorized: [security_exception]: unable to authenticate user\n"


def test_a_kibana_that_does_not_answer_is_one_line_and_exit_1():
    """Nothing listening: one line naming the URL, exit 1, no traceback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = run("kibana", "import", "--kibana", f"http://127.0.0.1:{port}")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"Kibana at http://127.0.0.1:{port} did not answer" in done.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--kibana", "localhost:5601"], "kibana import: kibana: expected an http:// or https:// URL, got 'localhost:5601'"),
        (["--kibana", "http://k:5601", "--user", "u"], "--user and --password go together"),
        (["--kibana", "http://k:5601", "--api-key", "k", "--user", "u", "--password", "p"], "give --api-key or --user/--password, not both"),
        (["--kibana", "http://k:5601", "--space", "Ops Team"], "a Kibana space id is lower-case letters"),
        (["--kibana", "http://k:5601", "--file", "/nonexistent/views.ndjson"], "/nonexistent/views.ndjson: cannot read"),
    ],
)
def test_bad_import_options_are_one_line_and_exit_1(args, message, monkeypatch, capsys):
    """Each bad option is refused before anything is sent, in one line that names it."""
    monkeypatch.delenv("KIBANA_PASSWORD", raising=False)
    monkeypatch.delenv("KIBANA_API_KEY", raising=False)
    assert main(["kibana", "import", *args]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
