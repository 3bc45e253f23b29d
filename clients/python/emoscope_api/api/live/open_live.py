from http import HTTPStatus
from typing import Any, Optional, Union

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.detector_kind import DetectorKind
from ...models.error_body import ErrorBody
from ...types import Unset


def _get_kwargs(
    *,
    model: Union[Unset, str] = UNSET,
    detector: Union[Unset, DetectorKind] = UNSET,
    min_face_px: Union[Unset, int] = UNSET,
    tracking: Union[Unset, bool] = UNSET,
    callback_url: Union[Unset, str] = UNSET,
    keep: Union[Unset, bool] = UNSET,
) -> dict[str, Any]:
    params: dict[str, Any] = {}

    params["model"] = model

    json_detector: Union[Unset, str] = UNSET
    if not isinstance(detector, Unset):
        json_detector = detector.value

    params["detector"] = json_detector

    params["min_face_px"] = min_face_px

    params["tracking"] = tracking

    params["callback_url"] = callback_url

    params["keep"] = keep

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/live",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: Union[AuthenticatedClient, Client], response: httpx.Response
) -> Optional[ErrorBody]:
    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = ErrorBody.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: Union[AuthenticatedClient, Client], response: httpx.Response
) -> Response[ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    model: Union[Unset, str] = UNSET,
    detector: Union[Unset, DetectorKind] = UNSET,
    min_face_px: Union[Unset, int] = UNSET,
    tracking: Union[Unset, bool] = UNSET,
    callback_url: Union[Unset, str] = UNSET,
    keep: Union[Unset, bool] = UNSET,
) -> Response[ErrorBody]:
    r"""Opens a live session (WebSocket): frames in, per-person results out.

     Authenticate with `Authorization: Bearer KEY`, or, from a browser, with a ticket from `POST
    /v1/live/tickets` sent as the subprotocol
    `emoscope.ticket.TICKET` beside `emoscope`. Send frames as binary messages (JPEG, PNG or
    WebP, up to `limits.max_live_frame_bytes` and `limits.max_live_frame_pixels`), optionally each
    after `{\"type\":\"frame\",\"time_ms\":N}`; end with `{\"type\":\"end\",\"keep\":true}` to store the
    session as a job. The server sends `ready`, then a `frame` per analysed frame (the latest
    frame wins: older waiting ones are dropped and counted), a `summary` every
    `limits.live_summary_secs`, an `error` for a bad frame (the session goes on), and `ended`.

    Args:
        model (Union[Unset, str]):
        detector (Union[Unset, DetectorKind]): YuNet is the face detector; the Haar cascade is the
            fallback.
        min_face_px (Union[Unset, int]):
        tracking (Union[Unset, bool]):
        callback_url (Union[Unset, str]):
        keep (Union[Unset, bool]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody]
    """

    kwargs = _get_kwargs(
        model=model,
        detector=detector,
        min_face_px=min_face_px,
        tracking=tracking,
        callback_url=callback_url,
        keep=keep,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    model: Union[Unset, str] = UNSET,
    detector: Union[Unset, DetectorKind] = UNSET,
    min_face_px: Union[Unset, int] = UNSET,
    tracking: Union[Unset, bool] = UNSET,
    callback_url: Union[Unset, str] = UNSET,
    keep: Union[Unset, bool] = UNSET,
) -> Optional[ErrorBody]:
    r"""Opens a live session (WebSocket): frames in, per-person results out.

     Authenticate with `Authorization: Bearer KEY`, or, from a browser, with a ticket from `POST
    /v1/live/tickets` sent as the subprotocol
    `emoscope.ticket.TICKET` beside `emoscope`. Send frames as binary messages (JPEG, PNG or
    WebP, up to `limits.max_live_frame_bytes` and `limits.max_live_frame_pixels`), optionally each
    after `{\"type\":\"frame\",\"time_ms\":N}`; end with `{\"type\":\"end\",\"keep\":true}` to store the
    session as a job. The server sends `ready`, then a `frame` per analysed frame (the latest
    frame wins: older waiting ones are dropped and counted), a `summary` every
    `limits.live_summary_secs`, an `error` for a bad frame (the session goes on), and `ended`.

    Args:
        model (Union[Unset, str]):
        detector (Union[Unset, DetectorKind]): YuNet is the face detector; the Haar cascade is the
            fallback.
        min_face_px (Union[Unset, int]):
        tracking (Union[Unset, bool]):
        callback_url (Union[Unset, str]):
        keep (Union[Unset, bool]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody
    """

    return sync_detailed(
        client=client,
        model=model,
        detector=detector,
        min_face_px=min_face_px,
        tracking=tracking,
        callback_url=callback_url,
        keep=keep,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    model: Union[Unset, str] = UNSET,
    detector: Union[Unset, DetectorKind] = UNSET,
    min_face_px: Union[Unset, int] = UNSET,
    tracking: Union[Unset, bool] = UNSET,
    callback_url: Union[Unset, str] = UNSET,
    keep: Union[Unset, bool] = UNSET,
) -> Response[ErrorBody]:
    r"""Opens a live session (WebSocket): frames in, per-person results out.

     Authenticate with `Authorization: Bearer KEY`, or, from a browser, with a ticket from `POST
    /v1/live/tickets` sent as the subprotocol
    `emoscope.ticket.TICKET` beside `emoscope`. Send frames as binary messages (JPEG, PNG or
    WebP, up to `limits.max_live_frame_bytes` and `limits.max_live_frame_pixels`), optionally each
    after `{\"type\":\"frame\",\"time_ms\":N}`; end with `{\"type\":\"end\",\"keep\":true}` to store the
    session as a job. The server sends `ready`, then a `frame` per analysed frame (the latest
    frame wins: older waiting ones are dropped and counted), a `summary` every
    `limits.live_summary_secs`, an `error` for a bad frame (the session goes on), and `ended`.

    Args:
        model (Union[Unset, str]):
        detector (Union[Unset, DetectorKind]): YuNet is the face detector; the Haar cascade is the
            fallback.
        min_face_px (Union[Unset, int]):
        tracking (Union[Unset, bool]):
        callback_url (Union[Unset, str]):
        keep (Union[Unset, bool]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody]
    """

    kwargs = _get_kwargs(
        model=model,
        detector=detector,
        min_face_px=min_face_px,
        tracking=tracking,
        callback_url=callback_url,
        keep=keep,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    model: Union[Unset, str] = UNSET,
    detector: Union[Unset, DetectorKind] = UNSET,
    min_face_px: Union[Unset, int] = UNSET,
    tracking: Union[Unset, bool] = UNSET,
    callback_url: Union[Unset, str] = UNSET,
    keep: Union[Unset, bool] = UNSET,
) -> Optional[ErrorBody]:
    r"""Opens a live session (WebSocket): frames in, per-person results out.

     Authenticate with `Authorization: Bearer KEY`, or, from a browser, with a ticket from `POST
    /v1/live/tickets` sent as the subprotocol
    `emoscope.ticket.TICKET` beside `emoscope`. Send frames as binary messages (JPEG, PNG or
    WebP, up to `limits.max_live_frame_bytes` and `limits.max_live_frame_pixels`), optionally each
    after `{\"type\":\"frame\",\"time_ms\":N}`; end with `{\"type\":\"end\",\"keep\":true}` to store the
    session as a job. The server sends `ready`, then a `frame` per analysed frame (the latest
    frame wins: older waiting ones are dropped and counted), a `summary` every
    `limits.live_summary_secs`, an `error` for a bad frame (the session goes on), and `ended`.

    Args:
        model (Union[Unset, str]):
        detector (Union[Unset, DetectorKind]): YuNet is the face detector; the Haar cascade is the
            fallback.
        min_face_px (Union[Unset, int]):
        tracking (Union[Unset, bool]):
        callback_url (Union[Unset, str]):
        keep (Union[Unset, bool]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody
    """

    return (
        await asyncio_detailed(
            client=client,
            model=model,
            detector=detector,
            min_face_px=min_face_px,
            tracking=tracking,
            callback_url=callback_url,
            keep=keep,
        )
    ).parsed
