from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field


T = TypeVar("T", bound="LimitsView")


@_attrs_define
class LimitsView:
    """
    Attributes:
        max_upload_bytes (int):
        max_duration_secs (float):
        max_frame_side (int):
        max_sample_fps (float):
        max_queued_jobs (int):
        max_page_size (int):
        max_smooth_ms (int): Longest `smooth_ms` of a person's timeline.
        max_image_bytes (int): Largest picture for `POST /v1/images`, in bytes…
        max_image_pixels (int): …and in pixels (width × height).
    """

    max_upload_bytes: int
    max_duration_secs: float
    max_frame_side: int
    max_sample_fps: float
    max_queued_jobs: int
    max_page_size: int
    max_smooth_ms: int
    max_image_bytes: int
    max_image_pixels: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        max_upload_bytes = self.max_upload_bytes

        max_duration_secs = self.max_duration_secs

        max_frame_side = self.max_frame_side

        max_sample_fps = self.max_sample_fps

        max_queued_jobs = self.max_queued_jobs

        max_page_size = self.max_page_size

        max_smooth_ms = self.max_smooth_ms

        max_image_bytes = self.max_image_bytes

        max_image_pixels = self.max_image_pixels

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "max_upload_bytes": max_upload_bytes,
                "max_duration_secs": max_duration_secs,
                "max_frame_side": max_frame_side,
                "max_sample_fps": max_sample_fps,
                "max_queued_jobs": max_queued_jobs,
                "max_page_size": max_page_size,
                "max_smooth_ms": max_smooth_ms,
                "max_image_bytes": max_image_bytes,
                "max_image_pixels": max_image_pixels,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        max_upload_bytes = d.pop("max_upload_bytes")

        max_duration_secs = d.pop("max_duration_secs")

        max_frame_side = d.pop("max_frame_side")

        max_sample_fps = d.pop("max_sample_fps")

        max_queued_jobs = d.pop("max_queued_jobs")

        max_page_size = d.pop("max_page_size")

        max_smooth_ms = d.pop("max_smooth_ms")

        max_image_bytes = d.pop("max_image_bytes")

        max_image_pixels = d.pop("max_image_pixels")

        limits_view = cls(
            max_upload_bytes=max_upload_bytes,
            max_duration_secs=max_duration_secs,
            max_frame_side=max_frame_side,
            max_sample_fps=max_sample_fps,
            max_queued_jobs=max_queued_jobs,
            max_page_size=max_page_size,
            max_smooth_ms=max_smooth_ms,
            max_image_bytes=max_image_bytes,
            max_image_pixels=max_image_pixels,
        )

        limits_view.additional_properties = d
        return limits_view

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
