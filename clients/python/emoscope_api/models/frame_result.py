from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field


if TYPE_CHECKING:
    from ..models.face_result import FaceResult


T = TypeVar("T", bound="FrameResult")


@_attrs_define
class FrameResult:
    """One analysed frame and the faces found in it.

    Attributes:
        frame (int): Position of the frame in the video, from 0.
        time_ms (int): When the frame is shown, from the decoder's presentation time.
        faces (list['FaceResult']):
    """

    frame: int
    time_ms: int
    faces: list["FaceResult"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        frame = self.frame

        time_ms = self.time_ms

        faces = []
        for faces_item_data in self.faces:
            faces_item = faces_item_data.to_dict()
            faces.append(faces_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "frame": frame,
                "time_ms": time_ms,
                "faces": faces,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.face_result import FaceResult

        d = dict(src_dict)
        frame = d.pop("frame")

        time_ms = d.pop("time_ms")

        faces = []
        _faces = d.pop("faces")
        for faces_item_data in _faces:
            faces_item = FaceResult.from_dict(faces_item_data)

            faces.append(faces_item)

        frame_result = cls(
            frame=frame,
            time_ms=time_ms,
            faces=faces,
        )

        frame_result.additional_properties = d
        return frame_result

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
