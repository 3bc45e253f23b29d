from http import HTTPStatus
from typing import Any, Optional, Union

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response
from ... import errors

from ...models.error_body import ErrorBody
from ...models.report_view import ReportView


def _get_kwargs(
    id: str,
    report_id: str,
) -> dict[str, Any]:
    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/jobs/{id}/reports/{report_id}".format(
            id=id,
            report_id=report_id,
        ),
    }

    return _kwargs


def _parse_response(
    *, client: Union[AuthenticatedClient, Client], response: httpx.Response
) -> Optional[Union[ErrorBody, ReportView]]:
    if response.status_code == 200:
        response_200 = ReportView.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: Union[AuthenticatedClient, Client], response: httpx.Response
) -> Response[Union[ErrorBody, ReportView]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: str,
    report_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[Union[ErrorBody, ReportView]]:
    """One report of a job, in whatever state it is.

    Args:
        id (str):
        report_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Union[ErrorBody, ReportView]]
    """

    kwargs = _get_kwargs(
        id=id,
        report_id=report_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    report_id: str,
    *,
    client: AuthenticatedClient,
) -> Optional[Union[ErrorBody, ReportView]]:
    """One report of a job, in whatever state it is.

    Args:
        id (str):
        report_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Union[ErrorBody, ReportView]
    """

    return sync_detailed(
        id=id,
        report_id=report_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    id: str,
    report_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[Union[ErrorBody, ReportView]]:
    """One report of a job, in whatever state it is.

    Args:
        id (str):
        report_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Union[ErrorBody, ReportView]]
    """

    kwargs = _get_kwargs(
        id=id,
        report_id=report_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    report_id: str,
    *,
    client: AuthenticatedClient,
) -> Optional[Union[ErrorBody, ReportView]]:
    """One report of a job, in whatever state it is.

    Args:
        id (str):
        report_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Union[ErrorBody, ReportView]
    """

    return (
        await asyncio_detailed(
            id=id,
            report_id=report_id,
            client=client,
        )
    ).parsed
