from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast, Union


T = TypeVar("T", bound="Links")


@_attrs_define
class Links:
    """
    Attributes:
        self_ (str):
        emotions (str):
        timeline (str):
        people (Union[None, Unset, str]): The job's people; `null` when it is not tracked.
        annotated (Union[None, Unset, str]): The annotated video; `null` unless the job asked for one.
    """

    self_: str
    emotions: str
    timeline: str
    people: Union[None, Unset, str] = UNSET
    annotated: Union[None, Unset, str] = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        self_ = self.self_

        emotions = self.emotions

        timeline = self.timeline

        people: Union[None, Unset, str]
        if isinstance(self.people, Unset):
            people = UNSET
        else:
            people = self.people

        annotated: Union[None, Unset, str]
        if isinstance(self.annotated, Unset):
            annotated = UNSET
        else:
            annotated = self.annotated

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "self": self_,
                "emotions": emotions,
                "timeline": timeline,
            }
        )
        if people is not UNSET:
            field_dict["people"] = people
        if annotated is not UNSET:
            field_dict["annotated"] = annotated

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        self_ = d.pop("self")

        emotions = d.pop("emotions")

        timeline = d.pop("timeline")

        def _parse_people(data: object) -> Union[None, Unset, str]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, str], data)

        people = _parse_people(d.pop("people", UNSET))

        def _parse_annotated(data: object) -> Union[None, Unset, str]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, str], data)

        annotated = _parse_annotated(d.pop("annotated", UNSET))

        links = cls(
            self_=self_,
            emotions=emotions,
            timeline=timeline,
            people=people,
            annotated=annotated,
        )

        links.additional_properties = d
        return links

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
