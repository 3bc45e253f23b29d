"""The Emoscope API from Python.

`emoscope_api` is generated from the API's contract (openapi/openapi.json, `generate.sh`); this
module adds what a generator cannot know: uploading a video (or naming its URL) and waiting for it, reading its
people and report, analysing a picture, and verifying a webhook's signature (Standard Webhooks).
Answers are the API's JSON as dictionaries; `Emoscope.api` is the generated, typed client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from typing import Any, Mapping, Optional, Union

import httpx

from emoscope_api import AuthenticatedClient, Client

__all__ = ["Emoscope", "EmoscopeError", "verify_webhook"]

FINISHED = {"succeeded", "failed", "canceled"}


class EmoscopeError(Exception):
    """An answer in the API's one error shape: its HTTP status, stable `code` and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class Emoscope:
    """A connection to one Emoscope server, with an API key when it asks for one."""

    def __init__(
        self, base_url: str, api_key: Optional[str] = None, timeout: float = 60.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout
        )
        self.api: Union[AuthenticatedClient, Client] = (
            AuthenticatedClient(
                base_url=self.base_url, token=api_key, timeout=httpx.Timeout(timeout)
            )
            if api_key
            else Client(base_url=self.base_url, timeout=httpx.Timeout(timeout))
        )

    def __enter__(self) -> "Emoscope":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def upload(self, video: Union[bytes, str, os.PathLike], **options: Any) -> dict:
        """Uploads a video (its bytes or a path) with the job's options; returns the queued job."""
        if not isinstance(video, bytes):
            options.setdefault("filename", os.path.basename(os.fspath(video)))
            with open(video, "rb") as f:
                video = f.read()
        fields = {k: _text(v) for k, v in options.items() if v is not None}
        files = {"video": (fields.get("filename", "video"), video)}
        return self._send("POST", "/v1/jobs", data=fields, files=files)

    def from_url(self, video_url: str, **options: Any) -> dict:
        """Makes a job whose video the server fetches (`https://…` or `s3://bucket/key`), with
        the job's options; returns it `downloading`. A token in the URL is used, never shown."""
        body = {k: v for k, v in options.items() if v is not None}
        body["video_url"] = video_url
        return self._send("POST", "/v1/jobs", json=body)

    def job(self, job_id: str) -> dict:
        return self._send("GET", f"/v1/jobs/{job_id}")

    def wait(self, job_id: str, timeout: float = 600.0, interval: float = 0.5) -> dict:
        """Polls the job until it has succeeded, failed or been canceled."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["status"] in FINISHED:
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"job {job_id} is still {job['status']} after {timeout} s"
                )
            time.sleep(interval)

    def emotions(self, job_id: str) -> dict:
        return self._send("GET", f"/v1/jobs/{job_id}/emotions")

    def people(self, job_id: str) -> dict:
        return self._send("GET", f"/v1/jobs/{job_id}/people")

    def report(
        self, job_id: str, timeout: float = 300.0, interval: float = 0.5, **request: Any
    ) -> dict:
        """Asks for a narrative report (language, provider, model) and waits until it is written."""
        report = self._send("POST", f"/v1/jobs/{job_id}/report", json=request)
        deadline = time.monotonic() + timeout
        while report["status"] in ("queued", "running"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"report {report['id']} is still {report['status']}")
            time.sleep(interval)
            report = self._send("GET", f"/v1/jobs/{job_id}/reports/{report['id']}")
        return report

    def image(self, picture: Union[bytes, str, os.PathLike], **options: Any) -> dict:
        """Analyses one picture (JPEG, PNG or WebP) at once; nothing is stored."""
        if not isinstance(picture, bytes):
            with open(picture, "rb") as f:
                picture = f.read()
        params = {k: _text(v) for k, v in options.items() if v is not None}
        return self._send(
            "POST",
            "/v1/images",
            params=params,
            content=picture,
            headers={"content-type": "application/octet-stream"},
        )

    def _send(self, method: str, path: str, **kwargs: Any) -> dict:
        response = self.http.request(method, path, **kwargs)
        try:
            value = response.json()
        except ValueError:
            value = None
        if response.is_error:
            error = (value or {}).get("error", {}) if isinstance(value, dict) else {}
            raise EmoscopeError(
                response.status_code,
                error.get("code", "unknown"),
                error.get("message", response.text),
            )
        return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: Union[bytes, str],
    tolerance: float = 300.0,
    now: Optional[float] = None,
) -> bool:
    """Whether a webhook was signed with `secret` (`whsec_…`) within `tolerance` seconds of now:
    HMAC-SHA256 over `id.timestamp.body`, as the Standard Webhooks specification says. Pass the
    body exactly as received and its `webhook-id`, `webhook-timestamp`, `webhook-signature`
    headers (any case)."""
    h = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id, stamp, signatures = (
            h["webhook-id"],
            h["webhook-timestamp"],
            h["webhook-signature"],
        )
        timestamp = int(stamp)
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    raw = body.encode() if isinstance(body, str) else body
    expected = hmac.new(
        key, f"{msg_id}.{stamp}.".encode() + raw, hashlib.sha256
    ).digest()
    for candidate in signatures.split():
        version, _, signature = candidate.partition(",")
        if version != "v1":
            continue
        try:
            given = base64.b64decode(signature)
        except ValueError:
            continue
        if hmac.compare_digest(given, expected):
            return True
    return False
