from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field


T = TypeVar("T", bound="DefaultsView")


@_attrs_define
class DefaultsView:
    """Job options used when a request leaves them out.

    Attributes:
        sample_fps (float):
        detector (str):  Example: yunet.
        min_face_px (int):
        keep_video (bool):
    """

    sample_fps: float
    detector: str
    min_face_px: int
    keep_video: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        sample_fps = self.sample_fps

        detector = self.detector

        min_face_px = self.min_face_px

        keep_video = self.keep_video

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "sample_fps": sample_fps,
                "detector": detector,
                "min_face_px": min_face_px,
                "keep_video": keep_video,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sample_fps = d.pop("sample_fps")

        detector = d.pop("detector")

        min_face_px = d.pop("min_face_px")

        keep_video = d.pop("keep_video")

        defaults_view = cls(
            sample_fps=sample_fps,
            detector=detector,
            min_face_px=min_face_px,
            keep_video=keep_video,
        )

        defaults_view.additional_properties = d
        return defaults_view

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
