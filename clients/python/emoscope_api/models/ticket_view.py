from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field


T = TypeVar("T", bound="TicketView")


@_attrs_define
class TicketView:
    """
    Attributes:
        ticket (str): Good once, for `expires_in_secs`, at this server process.
        protocol (str): The subprotocol to open `/v1/live` with, beside `emoscope`. Example: emoscope.ticket.3f2a….
        expires_in_secs (int):
    """

    ticket: str
    protocol: str
    expires_in_secs: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        ticket = self.ticket

        protocol = self.protocol

        expires_in_secs = self.expires_in_secs

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "ticket": ticket,
                "protocol": protocol,
                "expires_in_secs": expires_in_secs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        ticket = d.pop("ticket")

        protocol = d.pop("protocol")

        expires_in_secs = d.pop("expires_in_secs")

        ticket_view = cls(
            ticket=ticket,
            protocol=protocol,
            expires_in_secs=expires_in_secs,
        )

        ticket_view.additional_properties = d
        return ticket_view

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
