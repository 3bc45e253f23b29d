from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field


T = TypeVar("T", bound="ProgressView")


@_attrs_define
class ProgressView:
    """
    Attributes:
        frames_done (int): Frames analysed so far.
        frames_total (int): Frames that will be analysed (an estimate from the container until the job ends).
        percent (float):
    """

    frames_done: int
    frames_total: int
    percent: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        frames_done = self.frames_done

        frames_total = self.frames_total

        percent = self.percent

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "frames_done": frames_done,
                "frames_total": frames_total,
                "percent": percent,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        frames_done = d.pop("frames_done")

        frames_total = d.pop("frames_total")

        percent = d.pop("percent")

        progress_view = cls(
            frames_done=frames_done,
            frames_total=frames_total,
            percent=percent,
        )

        progress_view.additional_properties = d
        return progress_view

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
