from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field


if TYPE_CHECKING:
    from ..models.live_person import LivePerson
    from ..models.live_shares import LiveShares


T = TypeVar("T", bound="LiveSummary")


@_attrs_define
class LiveSummary:
    """
    Attributes:
        time_ms (int):
        frames (int): Frames analysed so far.
        people (list['LivePerson']): Each person's expressions so far, most seen first.
        overall (LiveShares): Shares of the most likely expression of the faces seen.
    """

    time_ms: int
    frames: int
    people: list["LivePerson"]
    overall: "LiveShares"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        time_ms = self.time_ms

        frames = self.frames

        people = []
        for people_item_data in self.people:
            people_item = people_item_data.to_dict()
            people.append(people_item)

        overall = self.overall.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "time_ms": time_ms,
                "frames": frames,
                "people": people,
                "overall": overall,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.live_person import LivePerson
        from ..models.live_shares import LiveShares

        d = dict(src_dict)
        time_ms = d.pop("time_ms")

        frames = d.pop("frames")

        people = []
        _people = d.pop("people")
        for people_item_data in _people:
            people_item = LivePerson.from_dict(people_item_data)

            people.append(people_item)

        overall = LiveShares.from_dict(d.pop("overall"))

        live_summary = cls(
            time_ms=time_ms,
            frames=frames,
            people=people,
            overall=overall,
        )

        live_summary.additional_properties = d
        return live_summary

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
