from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.emotion import Emotion
from typing import cast
from typing import Union

if TYPE_CHECKING:
    from ..models.per_emotion_f32 import PerEmotionF32
    from ..models.box_px import BoxPx


T = TypeVar("T", bound="FaceResult")


@_attrs_define
class FaceResult:
    """One face in a frame.

    Attributes:
        box (BoxPx): A face box in frame pixels.
        score (float): Detector confidence, 0..1.
        emotion (Emotion): One of FER2013's seven facial expression labels: what a model classifies a face as, not
            what anyone feels.
        probabilities (PerEmotionF32): One value per emotion, an object with the seven names as keys.
        track_id (Union[None, Unset, int]): The person (face track, `/people`) this face belongs to; `null` when the job
            was not
            tracked, or when more faces were on screen than the server follows at once. Example: 1.
    """

    box: "BoxPx"
    score: float
    emotion: Emotion
    probabilities: "PerEmotionF32"
    track_id: Union[None, Unset, int] = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        box = self.box.to_dict()

        score = self.score

        emotion = self.emotion.value

        probabilities = self.probabilities.to_dict()

        track_id: Union[None, Unset, int]
        if isinstance(self.track_id, Unset):
            track_id = UNSET
        else:
            track_id = self.track_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "box": box,
                "score": score,
                "emotion": emotion,
                "probabilities": probabilities,
            }
        )
        if track_id is not UNSET:
            field_dict["track_id"] = track_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.per_emotion_f32 import PerEmotionF32
        from ..models.box_px import BoxPx

        d = dict(src_dict)
        box = BoxPx.from_dict(d.pop("box"))

        score = d.pop("score")

        emotion = Emotion(d.pop("emotion"))

        probabilities = PerEmotionF32.from_dict(d.pop("probabilities"))

        def _parse_track_id(data: object) -> Union[None, Unset, int]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, int], data)

        track_id = _parse_track_id(d.pop("track_id", UNSET))

        face_result = cls(
            box=box,
            score=score,
            emotion=emotion,
            probabilities=probabilities,
            track_id=track_id,
        )

        face_result.additional_properties = d
        return face_result

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
