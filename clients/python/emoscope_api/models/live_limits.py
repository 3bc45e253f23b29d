from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field


T = TypeVar("T", bound="LiveLimits")


@_attrs_define
class LiveLimits:
    """What the session accepts.

    Attributes:
        max_frame_bytes (int):
        max_frame_pixels (int):
        max_fps (float): Frames are analysed at most this often; of frames sent faster, the latest wins.
        max_secs (int):
    """

    max_frame_bytes: int
    max_frame_pixels: int
    max_fps: float
    max_secs: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        max_frame_bytes = self.max_frame_bytes

        max_frame_pixels = self.max_frame_pixels

        max_fps = self.max_fps

        max_secs = self.max_secs

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "max_frame_bytes": max_frame_bytes,
                "max_frame_pixels": max_frame_pixels,
                "max_fps": max_fps,
                "max_secs": max_secs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        max_frame_bytes = d.pop("max_frame_bytes")

        max_frame_pixels = d.pop("max_frame_pixels")

        max_fps = d.pop("max_fps")

        max_secs = d.pop("max_secs")

        live_limits = cls(
            max_frame_bytes=max_frame_bytes,
            max_frame_pixels=max_frame_pixels,
            max_fps=max_fps,
            max_secs=max_secs,
        )

        live_limits.additional_properties = d
        return live_limits

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
