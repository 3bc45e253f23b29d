from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field


if TYPE_CHECKING:
    from ..models.face_result import FaceResult


T = TypeVar("T", bound="LiveFrame")


@_attrs_define
class LiveFrame:
    """
    Attributes:
        seq (int): The frame's number in the session: 1 for the first binary message, counting every frame
            sent, dropped ones too.
        time_ms (int): The client's `time_ms` for it, or the time since the session's first frame.
        faces (list['FaceResult']): Faces, most confident first; `track_id` is the person within this session.
        dropped (int): Frames dropped so far: replaced by a newer one while they waited for their turn (the
            latest wins; turns come at most `limits.max_live_fps` times a second).
        analysis_ms (float): From the frame's turn to its result: decoding, detection, tracking, classification.
    """

    seq: int
    time_ms: int
    faces: list["FaceResult"]
    dropped: int
    analysis_ms: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        seq = self.seq

        time_ms = self.time_ms

        faces = []
        for faces_item_data in self.faces:
            faces_item = faces_item_data.to_dict()
            faces.append(faces_item)

        dropped = self.dropped

        analysis_ms = self.analysis_ms

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "seq": seq,
                "time_ms": time_ms,
                "faces": faces,
                "dropped": dropped,
                "analysis_ms": analysis_ms,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.face_result import FaceResult

        d = dict(src_dict)
        seq = d.pop("seq")

        time_ms = d.pop("time_ms")

        faces = []
        _faces = d.pop("faces")
        for faces_item_data in _faces:
            faces_item = FaceResult.from_dict(faces_item_data)

            faces.append(faces_item)

        dropped = d.pop("dropped")

        analysis_ms = d.pop("analysis_ms")

        live_frame = cls(
            seq=seq,
            time_ms=time_ms,
            faces=faces,
            dropped=dropped,
            analysis_ms=analysis_ms,
        )

        live_frame.additional_properties = d
        return live_frame

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
