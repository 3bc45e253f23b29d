from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.live_error_code import LiveErrorCode
from typing import cast, Union


T = TypeVar("T", bound="LiveError")


@_attrs_define
class LiveError:
    """
    Attributes:
        code (LiveErrorCode): Why a frame or message was refused; the session goes on.
        message (str):
        seq (Union[None, Unset, int]): The frame it is about, if any.
    """

    code: LiveErrorCode
    message: str
    seq: Union[None, Unset, int] = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code.value

        message = self.message

        seq: Union[None, Unset, int]
        if isinstance(self.seq, Unset):
            seq = UNSET
        else:
            seq = self.seq

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "message": message,
            }
        )
        if seq is not UNSET:
            field_dict["seq"] = seq

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = LiveErrorCode(d.pop("code"))

        message = d.pop("message")

        def _parse_seq(data: object) -> Union[None, Unset, int]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, int], data)

        seq = _parse_seq(d.pop("seq", UNSET))

        live_error = cls(
            code=code,
            message=message,
            seq=seq,
        )

        live_error.additional_properties = d
        return live_error

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
