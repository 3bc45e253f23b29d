from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field


from ..models.detector_kind import DetectorKind

if TYPE_CHECKING:
    from ..models.emotion_summary import EmotionSummary
    from ..models.face_result import FaceResult


T = TypeVar("T", bound="ImageView")


@_attrs_define
class ImageView:
    """What a picture shows.

    Attributes:
        width (int):
        height (int):
        model (str):  Example: emonet_ferplus_flip_int8.
        detector (DetectorKind): YuNet is the face detector; the Haar cascade is the fallback.
        faces (list['FaceResult']): Each face found, most confident first; `track_id` is always null.
        emotions (EmotionSummary): The emotion result of a whole video.
        note (str):
    """

    width: int
    height: int
    model: str
    detector: DetectorKind
    faces: list["FaceResult"]
    emotions: "EmotionSummary"
    note: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        width = self.width

        height = self.height

        model = self.model

        detector = self.detector.value

        faces = []
        for faces_item_data in self.faces:
            faces_item = faces_item_data.to_dict()
            faces.append(faces_item)

        emotions = self.emotions.to_dict()

        note = self.note

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "width": width,
                "height": height,
                "model": model,
                "detector": detector,
                "faces": faces,
                "emotions": emotions,
                "note": note,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.emotion_summary import EmotionSummary
        from ..models.face_result import FaceResult

        d = dict(src_dict)
        width = d.pop("width")

        height = d.pop("height")

        model = d.pop("model")

        detector = DetectorKind(d.pop("detector"))

        faces = []
        _faces = d.pop("faces")
        for faces_item_data in _faces:
            faces_item = FaceResult.from_dict(faces_item_data)

            faces.append(faces_item)

        emotions = EmotionSummary.from_dict(d.pop("emotions"))

        note = d.pop("note")

        image_view = cls(
            width=width,
            height=height,
            model=model,
            detector=detector,
            faces=faces,
            emotions=emotions,
            note=note,
        )

        image_view.additional_properties = d
        return image_view

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
