from http import HTTPStatus
from typing import Any, Optional, Union

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from ...models.job_page import JobPage
from ...models.job_status import JobStatus
from ...types import Unset
from uuid import UUID


def _get_kwargs(
    *,
    status: Union[Unset, JobStatus] = UNSET,
    limit: Union[Unset, int] = UNSET,
    cursor: Union[Unset, UUID] = UNSET,
) -> dict[str, Any]:
    params: dict[str, Any] = {}

    json_status: Union[Unset, str] = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    params["limit"] = limit

    json_cursor: Union[Unset, str] = UNSET
    if not isinstance(cursor, Unset):
        json_cursor = str(cursor)
    params["cursor"] = json_cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/jobs",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: Union[AuthenticatedClient, Client], response: httpx.Response
) -> Optional[Union[ErrorBody, JobPage]]:
    if response.status_code == 200:
        response_200 = JobPage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: Union[AuthenticatedClient, Client], response: httpx.Response
) -> Response[Union[ErrorBody, JobPage]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    status: Union[Unset, JobStatus] = UNSET,
    limit: Union[Unset, int] = UNSET,
    cursor: Union[Unset, UUID] = UNSET,
) -> Response[Union[ErrorBody, JobPage]]:
    """The caller's jobs (an admin key's: all jobs), newest first.

    Args:
        status (Union[Unset, JobStatus]):
        limit (Union[Unset, int]):
        cursor (Union[Unset, UUID]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Union[ErrorBody, JobPage]]
    """

    kwargs = _get_kwargs(
        status=status,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    status: Union[Unset, JobStatus] = UNSET,
    limit: Union[Unset, int] = UNSET,
    cursor: Union[Unset, UUID] = UNSET,
) -> Optional[Union[ErrorBody, JobPage]]:
    """The caller's jobs (an admin key's: all jobs), newest first.

    Args:
        status (Union[Unset, JobStatus]):
        limit (Union[Unset, int]):
        cursor (Union[Unset, UUID]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Union[ErrorBody, JobPage]
    """

    return sync_detailed(
        client=client,
        status=status,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    status: Union[Unset, JobStatus] = UNSET,
    limit: Union[Unset, int] = UNSET,
    cursor: Union[Unset, UUID] = UNSET,
) -> Response[Union[ErrorBody, JobPage]]:
    """The caller's jobs (an admin key's: all jobs), newest first.

    Args:
        status (Union[Unset, JobStatus]):
        limit (Union[Unset, int]):
        cursor (Union[Unset, UUID]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Union[ErrorBody, JobPage]]
    """

    kwargs = _get_kwargs(
        status=status,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    status: Union[Unset, JobStatus] = UNSET,
    limit: Union[Unset, int] = UNSET,
    cursor: Union[Unset, UUID] = UNSET,
) -> Optional[Union[ErrorBody, JobPage]]:
    """The caller's jobs (an admin key's: all jobs), newest first.

    Args:
        status (Union[Unset, JobStatus]):
        limit (Union[Unset, int]):
        cursor (Union[Unset, UUID]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Union[ErrorBody, JobPage]
    """

    return (
        await asyncio_detailed(
            client=client,
            status=status,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
