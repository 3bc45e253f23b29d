from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field


if TYPE_CHECKING:
    from ..models.box_px import BoxPx


T = TypeVar("T", bound="Sighting")


@_attrs_define
class Sighting:
    """Where and when a person is seen best (the most confident detection).

    Attributes:
        frame (int):
        time_ms (int):
        box (BoxPx): A face box in frame pixels.
    """

    frame: int
    time_ms: int
    box: "BoxPx"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        frame = self.frame

        time_ms = self.time_ms

        box = self.box.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "frame": frame,
                "time_ms": time_ms,
                "box": box,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.box_px import BoxPx

        d = dict(src_dict)
        frame = d.pop("frame")

        time_ms = d.pop("time_ms")

        box = BoxPx.from_dict(d.pop("box"))

        sighting = cls(
            frame=frame,
            time_ms=time_ms,
            box=box,
        )

        sighting.additional_properties = d
        return sighting

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
