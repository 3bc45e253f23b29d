"""The client against a real Emoscope server (started by tests/it/clients.rs): upload, wait,
emotions, people, report, a picture, a verified webhook, typed errors, and the generated client.
Environment: EMOSCOPE_URL, EMOSCOPE_KEY and EMOSCOPE_WEBHOOK_SECRET (the key's),
EMOSCOPE_VIDEO and EMOSCOPE_PICTURE (files)."""

import base64
import json
import os
import queue
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from emoscope import Emoscope, EmoscopeError, verify_webhook
from emoscope_api.api.service import info


def env(name: str) -> str:
    value = os.environ.get(name)
    assert value, f"set {name}"
    return value


@pytest.fixture
def client():
    with Emoscope(env("EMOSCOPE_URL"), api_key=env("EMOSCOPE_KEY")) as c:
        yield c


@pytest.fixture
def receiver():
    """A local server that puts each webhook (headers, body) in a queue."""
    got: "queue.Queue[tuple[dict, bytes]]" = queue.Queue()

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["content-length"]))
            got.put((dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", got
    server.shutdown()


def test_a_video_goes_in_and_its_people_report_and_webhook_come_out(client, receiver):
    url, got = receiver
    queued = client.upload(env("EMOSCOPE_VIDEO"), callback_url=url)
    assert queued["status"] == "queued"
    job = client.wait(queued["id"], timeout=120)
    assert job["status"] == "succeeded", job

    emotions = client.emotions(job["id"])
    assert abs(sum(emotions["percentages"].values()) - 100) < 0.05, emotions
    people = client.people(job["id"])
    assert len(people["people"]) >= 2, people
    report = client.report(job["id"], provider="template", language="en")
    assert report["status"] == "succeeded", report
    assert len(report["text"]) > 100

    # The report's webhook may come first: deliveries are sent side by side.
    headers, body = got.get(timeout=30)
    while not json.loads(body)["type"].startswith("job."):
        headers, body = got.get(timeout=30)
    assert json.loads(body)["type"] == "job.succeeded"
    secret = env("EMOSCOPE_WEBHOOK_SECRET")
    assert verify_webhook(secret, headers, body)
    assert not verify_webhook(secret, headers, body.replace(b"succeeded", b"failed"))
    other = "whsec_" + base64.b64encode(b"another secret").decode()
    assert not verify_webhook(other, headers, body)


def test_a_video_by_url_is_fetched_and_its_token_never_shown(client):
    video = open(env("EMOSCOPE_VIDEO"), "rb").read()

    class Host(BaseHTTPRequestHandler):
        def do_GET(self):
            ok = self.path == "/scene.mp4?token=py-s3cr3t"
            self.send_response(200 if ok else 403)
            self.send_header("content-length", str(len(video) if ok else 0))
            self.end_headers()
            if ok:
                self.wfile.write(video)

        def log_message(self, *args):
            pass

    host = HTTPServer(("127.0.0.1", 0), Host)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{host.server_port}/scene.mp4"
        made = client.from_url(url + "?token=py-s3cr3t", sample_fps=2)
        assert made["status"] == "downloading", made
        job = client.wait(made["id"], timeout=120)
        assert job["status"] == "succeeded", job
        assert job["video"]["url"] == url + "?…"
        assert "py-s3cr3t" not in json.dumps(job)
        with pytest.raises(EmoscopeError) as refused:
            client.from_url("ftp://example.com/a.mp4")
        assert (refused.value.status, refused.value.code) == (400, "invalid_video_url")
    finally:
        host.shutdown()


def test_a_picture_is_analysed_at_once(client):
    result = client.image(env("EMOSCOPE_PICTURE"))
    assert sorted(f["emotion"] for f in result["faces"]) == ["happy", "surprise"], (
        result
    )


def test_errors_are_typed_and_the_generated_client_works(client):
    with Emoscope(env("EMOSCOPE_URL"), api_key="emo_not_a_key") as wrong:
        with pytest.raises(EmoscopeError) as e:
            wrong.job("x")
        assert (e.value.status, e.value.code) == (401, "unauthorized")
    with pytest.raises(EmoscopeError) as e:
        client.job("0190a0a0-0000-7000-8000-000000000000")
    assert e.value.code == "not_found"
    with pytest.raises(EmoscopeError) as e:
        client.image(b"not a picture")
    assert (e.value.status, e.value.code) == (422, "unsupported_image")
    answer = info.sync(client=client.api)
    assert answer.name == "emoscope"
