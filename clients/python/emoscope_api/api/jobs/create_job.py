from http import HTTPStatus
from typing import Any, Optional, Union

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.detector_kind import DetectorKind
from ...models.error_body import ErrorBody
from ...models.focus import Focus
from ...models.job_view import JobView
from ...models.upload_form import UploadForm
from ...models.video_by_url import VideoByUrl
from ...types import File
from ...types import Unset


def _get_kwargs(
    *,
    body: Union[
        VideoByUrl,
        File,
        UploadForm,
    ],
    sample_fps: Union[Unset, float] = UNSET,
    detector: Union[Unset, DetectorKind] = UNSET,
    min_face_px: Union[Unset, int] = UNSET,
    model: Union[Unset, str] = UNSET,
    tracking: Union[Unset, bool] = UNSET,
    min_track_ms: Union[Unset, int] = UNSET,
    focus: Union[Unset, Focus] = UNSET,
    annotate: Union[Unset, bool] = UNSET,
    keep_video: Union[Unset, bool] = UNSET,
    filename: Union[Unset, str] = UNSET,
    callback_url: Union[Unset, str] = UNSET,
    idempotency_key: Union[None, Unset, str] = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    params: dict[str, Any] = {}

    params["sample_fps"] = sample_fps

    json_detector: Union[Unset, str] = UNSET
    if not isinstance(detector, Unset):
        json_detector = detector.value

    params["detector"] = json_detector

    params["min_face_px"] = min_face_px

    params["model"] = model

    params["tracking"] = tracking

    params["min_track_ms"] = min_track_ms

    json_focus: Union[Unset, str] = UNSET
    if not isinstance(focus, Unset):
        json_focus = focus.value

    params["focus"] = json_focus

    params["annotate"] = annotate

    params["keep_video"] = keep_video

    params["filename"] = filename

    params["callback_url"] = callback_url

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/jobs",
        "params": params,
    }

    if isinstance(body, VideoByUrl):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"
    if isinstance(body, File):
        _kwargs["content"] = body.payload

        headers["Content-Type"] = "application/octet-stream"
    if isinstance(body, UploadForm):
        _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: Union[AuthenticatedClient, Client], response: httpx.Response
) -> Optional[Union[ErrorBody, JobView]]:
    if response.status_code == 202:
        response_202 = JobView.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 408:
        response_408 = ErrorBody.from_dict(response.json())

        return response_408

    if response.status_code == 409:
        response_409 = ErrorBody.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = ErrorBody.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorBody.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = ErrorBody.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = ErrorBody.from_dict(response.json())

        return response_503

    if response.status_code == 507:
        response_507 = ErrorBody.from_dict(response.json())

        return response_507

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: Union[AuthenticatedClient, Client], response: httpx.Response
) -> Response[Union[ErrorBody, JobView]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: Union[
        VideoByUrl,
        File,
        UploadForm,
    ],
    sample_fps: Union[Unset, float] = UNSET,
    detector: Union[Unset, DetectorKind] = UNSET,
    min_face_px: Union[Unset, int] = UNSET,
    model: Union[Unset, str] = UNSET,
    tracking: Union[Unset, bool] = UNSET,
    min_track_ms: Union[Unset, int] = UNSET,
    focus: Union[Unset, Focus] = UNSET,
    annotate: Union[Unset, bool] = UNSET,
    keep_video: Union[Unset, bool] = UNSET,
    filename: Union[Unset, str] = UNSET,
    callback_url: Union[Unset, str] = UNSET,
    idempotency_key: Union[None, Unset, str] = UNSET,
) -> Response[Union[ErrorBody, JobView]]:
    """Uploads a video and queues its analysis, or, with a JSON body, fetches the video from a URL
    first (the job is `downloading` until its video is in, then `queued`; a failed download
    fails it with `download_failed`, `too_large`, `not_a_video`, `video_too_long`,
    `frame_too_large` or `target_not_allowed`). Poll the job at `Location` until it has
    finished. With an `Idempotency-Key`, a retry of the same request returns the first one's job.

    Args:
        sample_fps (Union[Unset, float]):
        detector (Union[Unset, DetectorKind]): YuNet is the face detector; the Haar cascade is the
            fallback.
        min_face_px (Union[Unset, int]):
        model (Union[Unset, str]):
        tracking (Union[Unset, bool]):
        min_track_ms (Union[Unset, int]):
        focus (Union[Unset, Focus]): Which people a job reports: everyone, or only the one on
            screen longest.
        annotate (Union[Unset, bool]):
        keep_video (Union[Unset, bool]):
        filename (Union[Unset, str]):
        callback_url (Union[Unset, str]):
        idempotency_key (Union[None, Unset, str]):
        body (VideoByUrl): A job whose video the server fetches from a URL, or a stream it
            follows, with the options of
            an upload (see the query parameters of `POST /v1/jobs`: the same names, meanings and
            limits). One of `video_url` and `source_url`.
        body (File): The video file itself as the request body.
        body (UploadForm): The video file and, optionally, the job's options

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Union[ErrorBody, JobView]]
    """

    kwargs = _get_kwargs(
        body=body,
        sample_fps=sample_fps,
        detector=detector,
        min_face_px=min_face_px,
        model=model,
        tracking=tracking,
        min_track_ms=min_track_ms,
        focus=focus,
        annotate=annotate,
        keep_video=keep_video,
        filename=filename,
        callback_url=callback_url,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: Union[
        VideoByUrl,
        File,
        UploadForm,
    ],
    sample_fps: Union[Unset, float] = UNSET,
    detector: Union[Unset, DetectorKind] = UNSET,
    min_face_px: Union[Unset, int] = UNSET,
    model: Union[Unset, str] = UNSET,
    tracking: Union[Unset, bool] = UNSET,
    min_track_ms: Union[Unset, int] = UNSET,
    focus: Union[Unset, Focus] = UNSET,
    annotate: Union[Unset, bool] = UNSET,
    keep_video: Union[Unset, bool] = UNSET,
    filename: Union[Unset, str] = UNSET,
    callback_url: Union[Unset, str] = UNSET,
    idempotency_key: Union[None, Unset, str] = UNSET,
) -> Optional[Union[ErrorBody, JobView]]:
    """Uploads a video and queues its analysis, or, with a JSON body, fetches the video from a URL
    first (the job is `downloading` until its video is in, then `queued`; a failed download
    fails it with `download_failed`, `too_large`, `not_a_video`, `video_too_long`,
    `frame_too_large` or `target_not_allowed`). Poll the job at `Location` until it has
    finished. With an `Idempotency-Key`, a retry of the same request returns the first one's job.

    Args:
        sample_fps (Union[Unset, float]):
        detector (Union[Unset, DetectorKind]): YuNet is the face detector; the Haar cascade is the
            fallback.
        min_face_px (Union[Unset, int]):
        model (Union[Unset, str]):
        tracking (Union[Unset, bool]):
        min_track_ms (Union[Unset, int]):
        focus (Union[Unset, Focus]): Which people a job reports: everyone, or only the one on
            screen longest.
        annotate (Union[Unset, bool]):
        keep_video (Union[Unset, bool]):
        filename (Union[Unset, str]):
        callback_url (Union[Unset, str]):
        idempotency_key (Union[None, Unset, str]):
        body (VideoByUrl): A job whose video the server fetches from a URL, or a stream it
            follows, with the options of
            an upload (see the query parameters of `POST /v1/jobs`: the same names, meanings and
            limits). One of `video_url` and `source_url`.
        body (File): The video file itself as the request body.
        body (UploadForm): The video file and, optionally, the job's options

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Union[ErrorBody, JobView]
    """

    return sync_detailed(
        client=client,
        body=body,
        sample_fps=sample_fps,
        detector=detector,
        min_face_px=min_face_px,
        model=model,
        tracking=tracking,
        min_track_ms=min_track_ms,
        focus=focus,
        annotate=annotate,
        keep_video=keep_video,
        filename=filename,
        callback_url=callback_url,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: Union[
        VideoByUrl,
        File,
        UploadForm,
    ],
    sample_fps: Union[Unset, float] = UNSET,
    detector: Union[Unset, DetectorKind] = UNSET,
    min_face_px: Union[Unset, int] = UNSET,
    model: Union[Unset, str] = UNSET,
    tracking: Union[Unset, bool] = UNSET,
    min_track_ms: Union[Unset, int] = UNSET,
    focus: Union[Unset, Focus] = UNSET,
    annotate: Union[Unset, bool] = UNSET,
    keep_video: Union[Unset, bool] = UNSET,
    filename: Union[Unset, str] = UNSET,
    callback_url: Union[Unset, str] = UNSET,
    idempotency_key: Union[None, Unset, str] = UNSET,
) -> Response[Union[ErrorBody, JobView]]:
    """Uploads a video and queues its analysis, or, with a JSON body, fetches the video from a URL
    first (the job is `downloading` until its video is in, then `queued`; a failed download
    fails it with `download_failed`, `too_large`, `not_a_video`, `video_too_long`,
    `frame_too_large` or `target_not_allowed`). Poll the job at `Location` until it has
    finished. With an `Idempotency-Key`, a retry of the same request returns the first one's job.

    Args:
        sample_fps (Union[Unset, float]):
        detector (Union[Unset, DetectorKind]): YuNet is the face detector; the Haar cascade is the
            fallback.
        min_face_px (Union[Unset, int]):
        model (Union[Unset, str]):
        tracking (Union[Unset, bool]):
        min_track_ms (Union[Unset, int]):
        focus (Union[Unset, Focus]): Which people a job reports: everyone, or only the one on
            screen longest.
        annotate (Union[Unset, bool]):
        keep_video (Union[Unset, bool]):
        filename (Union[Unset, str]):
        callback_url (Union[Unset, str]):
        idempotency_key (Union[None, Unset, str]):
        body (VideoByUrl): A job whose video the server fetches from a URL, or a stream it
            follows, with the options of
            an upload (see the query parameters of `POST /v1/jobs`: the same names, meanings and
            limits). One of `video_url` and `source_url`.
        body (File): The video file itself as the request body.
        body (UploadForm): The video file and, optionally, the job's options

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Union[ErrorBody, JobView]]
    """

    kwargs = _get_kwargs(
        body=body,
        sample_fps=sample_fps,
        detector=detector,
        min_face_px=min_face_px,
        model=model,
        tracking=tracking,
        min_track_ms=min_track_ms,
        focus=focus,
        annotate=annotate,
        keep_video=keep_video,
        filename=filename,
        callback_url=callback_url,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: Union[
        VideoByUrl,
        File,
        UploadForm,
    ],
    sample_fps: Union[Unset, float] = UNSET,
    detector: Union[Unset, DetectorKind] = UNSET,
    min_face_px: Union[Unset, int] = UNSET,
    model: Union[Unset, str] = UNSET,
    tracking: Union[Unset, bool] = UNSET,
    min_track_ms: Union[Unset, int] = UNSET,
    focus: Union[Unset, Focus] = UNSET,
    annotate: Union[Unset, bool] = UNSET,
    keep_video: Union[Unset, bool] = UNSET,
    filename: Union[Unset, str] = UNSET,
    callback_url: Union[Unset, str] = UNSET,
    idempotency_key: Union[None, Unset, str] = UNSET,
) -> Optional[Union[ErrorBody, JobView]]:
    """Uploads a video and queues its analysis, or, with a JSON body, fetches the video from a URL
    first (the job is `downloading` until its video is in, then `queued`; a failed download
    fails it with `download_failed`, `too_large`, `not_a_video`, `video_too_long`,
    `frame_too_large` or `target_not_allowed`). Poll the job at `Location` until it has
    finished. With an `Idempotency-Key`, a retry of the same request returns the first one's job.

    Args:
        sample_fps (Union[Unset, float]):
        detector (Union[Unset, DetectorKind]): YuNet is the face detector; the Haar cascade is the
            fallback.
        min_face_px (Union[Unset, int]):
        model (Union[Unset, str]):
        tracking (Union[Unset, bool]):
        min_track_ms (Union[Unset, int]):
        focus (Union[Unset, Focus]): Which people a job reports: everyone, or only the one on
            screen longest.
        annotate (Union[Unset, bool]):
        keep_video (Union[Unset, bool]):
        filename (Union[Unset, str]):
        callback_url (Union[Unset, str]):
        idempotency_key (Union[None, Unset, str]):
        body (VideoByUrl): A job whose video the server fetches from a URL, or a stream it
            follows, with the options of
            an upload (see the query parameters of `POST /v1/jobs`: the same names, meanings and
            limits). One of `video_url` and `source_url`.
        body (File): The video file itself as the request body.
        body (UploadForm): The video file and, optionally, the job's options

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Union[ErrorBody, JobView]
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            sample_fps=sample_fps,
            detector=detector,
            min_face_px=min_face_px,
            model=model,
            tracking=tracking,
            min_track_ms=min_track_ms,
            focus=focus,
            annotate=annotate,
            keep_video=keep_video,
            filename=filename,
            callback_url=callback_url,
            idempotency_key=idempotency_key,
        )
    ).parsed
