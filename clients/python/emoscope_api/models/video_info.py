from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field


T = TypeVar("T", bound="VideoInfo")


@_attrs_define
class VideoInfo:
    """What the container says about the video.

    Attributes:
        duration_ms (int):
        fps (float):
        width (int):
        height (int):
        frame_count (int):
        codec (str): The video codec, e.g. `h264`, `vp9`, `mjpeg`. Example: h264.
    """

    duration_ms: int
    fps: float
    width: int
    height: int
    frame_count: int
    codec: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        duration_ms = self.duration_ms

        fps = self.fps

        width = self.width

        height = self.height

        frame_count = self.frame_count

        codec = self.codec

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "duration_ms": duration_ms,
                "fps": fps,
                "width": width,
                "height": height,
                "frame_count": frame_count,
                "codec": codec,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        duration_ms = d.pop("duration_ms")

        fps = d.pop("fps")

        width = d.pop("width")

        height = d.pop("height")

        frame_count = d.pop("frame_count")

        codec = d.pop("codec")

        video_info = cls(
            duration_ms=duration_ms,
            fps=fps,
            width=width,
            height=height,
            frame_count=frame_count,
            codec=codec,
        )

        video_info.additional_properties = d
        return video_info

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
