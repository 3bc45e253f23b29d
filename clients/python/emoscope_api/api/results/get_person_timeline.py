from http import HTTPStatus
from typing import Any, Optional, Union

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from ...models.timeline_format import TimelineFormat
from ...models.timeline_page import TimelinePage
from ...types import Unset


def _get_kwargs(
    id: str,
    person: int,
    *,
    format_: Union[Unset, TimelineFormat] = UNSET,
    limit: Union[Unset, int] = UNSET,
    cursor: Union[Unset, int] = UNSET,
    smooth_ms: Union[Unset, int] = UNSET,
) -> dict[str, Any]:
    params: dict[str, Any] = {}

    json_format_: Union[Unset, str] = UNSET
    if not isinstance(format_, Unset):
        json_format_ = format_.value

    params["format"] = json_format_

    params["limit"] = limit

    params["cursor"] = cursor

    params["smooth_ms"] = smooth_ms

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/jobs/{id}/people/{person}/timeline".format(
            id=id,
            person=person,
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: Union[AuthenticatedClient, Client], response: httpx.Response
) -> Optional[Union[ErrorBody, TimelinePage]]:
    if response.status_code == 200:
        response_200 = TimelinePage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = ErrorBody.from_dict(response.json())

        return response_409

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: Union[AuthenticatedClient, Client], response: httpx.Response
) -> Response[Union[ErrorBody, TimelinePage]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: str,
    person: int,
    *,
    client: AuthenticatedClient,
    format_: Union[Unset, TimelineFormat] = UNSET,
    limit: Union[Unset, int] = UNSET,
    cursor: Union[Unset, int] = UNSET,
    smooth_ms: Union[Unset, int] = UNSET,
) -> Response[Union[ErrorBody, TimelinePage]]:
    """One person's faces, frame by frame: paginated like the job's timeline, JSON or CSV.

    Args:
        id (str):
        person (int):
        format_ (Union[Unset, TimelineFormat]):
        limit (Union[Unset, int]):
        cursor (Union[Unset, int]):
        smooth_ms (Union[Unset, int]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Union[ErrorBody, TimelinePage]]
    """

    kwargs = _get_kwargs(
        id=id,
        person=person,
        format_=format_,
        limit=limit,
        cursor=cursor,
        smooth_ms=smooth_ms,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    person: int,
    *,
    client: AuthenticatedClient,
    format_: Union[Unset, TimelineFormat] = UNSET,
    limit: Union[Unset, int] = UNSET,
    cursor: Union[Unset, int] = UNSET,
    smooth_ms: Union[Unset, int] = UNSET,
) -> Optional[Union[ErrorBody, TimelinePage]]:
    """One person's faces, frame by frame: paginated like the job's timeline, JSON or CSV.

    Args:
        id (str):
        person (int):
        format_ (Union[Unset, TimelineFormat]):
        limit (Union[Unset, int]):
        cursor (Union[Unset, int]):
        smooth_ms (Union[Unset, int]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Union[ErrorBody, TimelinePage]
    """

    return sync_detailed(
        id=id,
        person=person,
        client=client,
        format_=format_,
        limit=limit,
        cursor=cursor,
        smooth_ms=smooth_ms,
    ).parsed


async def asyncio_detailed(
    id: str,
    person: int,
    *,
    client: AuthenticatedClient,
    format_: Union[Unset, TimelineFormat] = UNSET,
    limit: Union[Unset, int] = UNSET,
    cursor: Union[Unset, int] = UNSET,
    smooth_ms: Union[Unset, int] = UNSET,
) -> Response[Union[ErrorBody, TimelinePage]]:
    """One person's faces, frame by frame: paginated like the job's timeline, JSON or CSV.

    Args:
        id (str):
        person (int):
        format_ (Union[Unset, TimelineFormat]):
        limit (Union[Unset, int]):
        cursor (Union[Unset, int]):
        smooth_ms (Union[Unset, int]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Union[ErrorBody, TimelinePage]]
    """

    kwargs = _get_kwargs(
        id=id,
        person=person,
        format_=format_,
        limit=limit,
        cursor=cursor,
        smooth_ms=smooth_ms,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    person: int,
    *,
    client: AuthenticatedClient,
    format_: Union[Unset, TimelineFormat] = UNSET,
    limit: Union[Unset, int] = UNSET,
    cursor: Union[Unset, int] = UNSET,
    smooth_ms: Union[Unset, int] = UNSET,
) -> Optional[Union[ErrorBody, TimelinePage]]:
    """One person's faces, frame by frame: paginated like the job's timeline, JSON or CSV.

    Args:
        id (str):
        person (int):
        format_ (Union[Unset, TimelineFormat]):
        limit (Union[Unset, int]):
        cursor (Union[Unset, int]):
        smooth_ms (Union[Unset, int]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Union[ErrorBody, TimelinePage]
    """

    return (
        await asyncio_detailed(
            id=id,
            person=person,
            client=client,
            format_=format_,
            limit=limit,
            cursor=cursor,
            smooth_ms=smooth_ms,
        )
    ).parsed
