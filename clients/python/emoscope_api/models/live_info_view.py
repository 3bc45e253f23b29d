from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field


T = TypeVar("T", bound="LiveInfoView")


@_attrs_define
class LiveInfoView:
    """Live sessions (`GET /v1/live`) and stream jobs in this process.

    Attributes:
        available (bool): Whether this process runs them (it needs workers: not `serve --api-only`).
        open_sessions (int): Sessions and streams open now.
        max_sessions (int):
        max_sessions_per_key (int):
        max_fps (float):
        max_frame_bytes (int):
        max_secs (int):
    """

    available: bool
    open_sessions: int
    max_sessions: int
    max_sessions_per_key: int
    max_fps: float
    max_frame_bytes: int
    max_secs: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        available = self.available

        open_sessions = self.open_sessions

        max_sessions = self.max_sessions

        max_sessions_per_key = self.max_sessions_per_key

        max_fps = self.max_fps

        max_frame_bytes = self.max_frame_bytes

        max_secs = self.max_secs

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "available": available,
                "open_sessions": open_sessions,
                "max_sessions": max_sessions,
                "max_sessions_per_key": max_sessions_per_key,
                "max_fps": max_fps,
                "max_frame_bytes": max_frame_bytes,
                "max_secs": max_secs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        available = d.pop("available")

        open_sessions = d.pop("open_sessions")

        max_sessions = d.pop("max_sessions")

        max_sessions_per_key = d.pop("max_sessions_per_key")

        max_fps = d.pop("max_fps")

        max_frame_bytes = d.pop("max_frame_bytes")

        max_secs = d.pop("max_secs")

        live_info_view = cls(
            available=available,
            open_sessions=open_sessions,
            max_sessions=max_sessions,
            max_sessions_per_key=max_sessions_per_key,
            max_fps=max_fps,
            max_frame_bytes=max_frame_bytes,
            max_secs=max_secs,
        )

        live_info_view.additional_properties = d
        return live_info_view

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
