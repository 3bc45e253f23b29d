from http import HTTPStatus
from typing import Any, Optional, Union

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from ...models.image_form import ImageForm
from ...models.image_view import ImageView
from ...types import File
from ...types import Unset


def _get_kwargs(
    *,
    body: Union[
        File,
        ImageForm,
    ],
    model: Union[Unset, str] = UNSET,
    detector: Union[Unset, str] = UNSET,
    min_face_px: Union[Unset, int] = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["model"] = model

    params["detector"] = detector

    params["min_face_px"] = min_face_px

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/images",
        "params": params,
    }

    if isinstance(body, File):
        _kwargs["content"] = body.payload

        headers["Content-Type"] = "application/octet-stream"
    if isinstance(body, ImageForm):
        _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: Union[AuthenticatedClient, Client], response: httpx.Response
) -> Optional[Union[ErrorBody, ImageView]]:
    if response.status_code == 200:
        response_200 = ImageView.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: Union[AuthenticatedClient, Client], response: httpx.Response
) -> Response[Union[ErrorBody, ImageView]]:
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
        File,
        ImageForm,
    ],
    model: Union[Unset, str] = UNSET,
    detector: Union[Unset, str] = UNSET,
    min_face_px: Union[Unset, int] = UNSET,
) -> Response[Union[ErrorBody, ImageView]]:
    """The faces of one picture, analysed now; nothing is kept.

    Args:
        model (Union[Unset, str]):
        detector (Union[Unset, str]):
        min_face_px (Union[Unset, int]):
        body (File): A raw picture body (`image/jpeg`, `image/png`, `image/webp` or
            `application/octet-stream`).
        body (ImageForm): The multipart form: the picture in the field `image`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Union[ErrorBody, ImageView]]
    """

    kwargs = _get_kwargs(
        body=body,
        model=model,
        detector=detector,
        min_face_px=min_face_px,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: Union[
        File,
        ImageForm,
    ],
    model: Union[Unset, str] = UNSET,
    detector: Union[Unset, str] = UNSET,
    min_face_px: Union[Unset, int] = UNSET,
) -> Optional[Union[ErrorBody, ImageView]]:
    """The faces of one picture, analysed now; nothing is kept.

    Args:
        model (Union[Unset, str]):
        detector (Union[Unset, str]):
        min_face_px (Union[Unset, int]):
        body (File): A raw picture body (`image/jpeg`, `image/png`, `image/webp` or
            `application/octet-stream`).
        body (ImageForm): The multipart form: the picture in the field `image`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Union[ErrorBody, ImageView]
    """

    return sync_detailed(
        client=client,
        body=body,
        model=model,
        detector=detector,
        min_face_px=min_face_px,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: Union[
        File,
        ImageForm,
    ],
    model: Union[Unset, str] = UNSET,
    detector: Union[Unset, str] = UNSET,
    min_face_px: Union[Unset, int] = UNSET,
) -> Response[Union[ErrorBody, ImageView]]:
    """The faces of one picture, analysed now; nothing is kept.

    Args:
        model (Union[Unset, str]):
        detector (Union[Unset, str]):
        min_face_px (Union[Unset, int]):
        body (File): A raw picture body (`image/jpeg`, `image/png`, `image/webp` or
            `application/octet-stream`).
        body (ImageForm): The multipart form: the picture in the field `image`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Union[ErrorBody, ImageView]]
    """

    kwargs = _get_kwargs(
        body=body,
        model=model,
        detector=detector,
        min_face_px=min_face_px,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: Union[
        File,
        ImageForm,
    ],
    model: Union[Unset, str] = UNSET,
    detector: Union[Unset, str] = UNSET,
    min_face_px: Union[Unset, int] = UNSET,
) -> Optional[Union[ErrorBody, ImageView]]:
    """The faces of one picture, analysed now; nothing is kept.

    Args:
        model (Union[Unset, str]):
        detector (Union[Unset, str]):
        min_face_px (Union[Unset, int]):
        body (File): A raw picture body (`image/jpeg`, `image/png`, `image/webp` or
            `application/octet-stream`).
        body (ImageForm): The multipart form: the picture in the field `image`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Union[ErrorBody, ImageView]
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            model=model,
            detector=detector,
            min_face_px=min_face_px,
        )
    ).parsed
