from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast, Union


T = TypeVar("T", bound="IdentityView")


@_attrs_define
class IdentityView:
    """How people are told apart within one video.

    Attributes:
        cue (str): `embedding`: a face embedding (MobileFaceNet; biometric data, kept in memory for one job
            only, never stored, returned, logged or compared across jobs) with position and look;
            `position_and_look`: without it, because the operator turned it off
            (`tracking.identity`) or its model could not be loaded (`problem`). Example: embedding.
        problem (Union[None, Unset, str]): Why the embedding asked for is not used.
    """

    cue: str
    problem: Union[None, Unset, str] = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cue = self.cue

        problem: Union[None, Unset, str]
        if isinstance(self.problem, Unset):
            problem = UNSET
        else:
            problem = self.problem

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cue": cue,
            }
        )
        if problem is not UNSET:
            field_dict["problem"] = problem

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cue = d.pop("cue")

        def _parse_problem(data: object) -> Union[None, Unset, str]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, str], data)

        problem = _parse_problem(d.pop("problem", UNSET))

        identity_view = cls(
            cue=cue,
            problem=problem,
        )

        identity_view.additional_properties = d
        return identity_view

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
