from http import HTTPStatus
from typing import Any, Optional, Union

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from ...models.report_request import ReportRequest
from ...models.report_view import ReportView
from ...types import Unset


def _get_kwargs(
    id: str,
    *,
    body: Union["ReportRequest", None],
    idempotency_key: Union[None, Unset, str] = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/jobs/{id}/report".format(
            id=id,
        ),
    }

    _kwargs["json"]: Union[None, dict[str, Any]]
    if isinstance(body, ReportRequest):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: Union[AuthenticatedClient, Client], response: httpx.Response
) -> Optional[Union[ErrorBody, ReportView]]:
    if response.status_code == 200:
        response_200 = ReportView.from_dict(response.json())

        return response_200

    if response.status_code == 202:
        response_202 = ReportView.from_dict(response.json())

        return response_202

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

    if response.status_code == 422:
        response_422 = ErrorBody.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())

        return response_429

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
    *,
    client: AuthenticatedClient,
    body: Union["ReportRequest", None],
    idempotency_key: Union[None, Unset, str] = UNSET,
) -> Response[Union[ErrorBody, ReportView]]:
    """Asks for a narrative report on a succeeded job. A report with the same language, provider
    and model that is stored answers 200; otherwise the answer is 202 at once, with the report to
    poll at `Location` (or to hear of by the job's `report.*` webhook), and background writers
    write it. A second identical request while it is written joins it (202, the same report). An
    empty body takes every default. With an `Idempotency-Key`, a retry gets the first request's
    report and status.

    Args:
        id (str):
        idempotency_key (Union[None, Unset, str]):
        body (Union['ReportRequest', None]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Union[ErrorBody, ReportView]]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient,
    body: Union["ReportRequest", None],
    idempotency_key: Union[None, Unset, str] = UNSET,
) -> Optional[Union[ErrorBody, ReportView]]:
    """Asks for a narrative report on a succeeded job. A report with the same language, provider
    and model that is stored answers 200; otherwise the answer is 202 at once, with the report to
    poll at `Location` (or to hear of by the job's `report.*` webhook), and background writers
    write it. A second identical request while it is written joins it (202, the same report). An
    empty body takes every default. With an `Idempotency-Key`, a retry gets the first request's
    report and status.

    Args:
        id (str):
        idempotency_key (Union[None, Unset, str]):
        body (Union['ReportRequest', None]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Union[ErrorBody, ReportView]
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    body: Union["ReportRequest", None],
    idempotency_key: Union[None, Unset, str] = UNSET,
) -> Response[Union[ErrorBody, ReportView]]:
    """Asks for a narrative report on a succeeded job. A report with the same language, provider
    and model that is stored answers 200; otherwise the answer is 202 at once, with the report to
    poll at `Location` (or to hear of by the job's `report.*` webhook), and background writers
    write it. A second identical request while it is written joins it (202, the same report). An
    empty body takes every default. With an `Idempotency-Key`, a retry gets the first request's
    report and status.

    Args:
        id (str):
        idempotency_key (Union[None, Unset, str]):
        body (Union['ReportRequest', None]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Union[ErrorBody, ReportView]]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient,
    body: Union["ReportRequest", None],
    idempotency_key: Union[None, Unset, str] = UNSET,
) -> Optional[Union[ErrorBody, ReportView]]:
    """Asks for a narrative report on a succeeded job. A report with the same language, provider
    and model that is stored answers 200; otherwise the answer is 202 at once, with the report to
    poll at `Location` (or to hear of by the job's `report.*` webhook), and background writers
    write it. A second identical request while it is written joins it (202, the same report). An
    empty body takes every default. With an `Idempotency-Key`, a retry gets the first request's
    report and status.

    Args:
        id (str):
        idempotency_key (Union[None, Unset, str]):
        body (Union['ReportRequest', None]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Union[ErrorBody, ReportView]
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
