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
    from ..models.smoothed_view import SmoothedView
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
        smoothed (Union['SmoothedView', None, Unset]):
    """

    box: "BoxPx"
    score: float
    emotion: Emotion
    probabilities: "PerEmotionF32"
    track_id: Union[None, Unset, int] = UNSET
    smoothed: Union["SmoothedView", None, Unset] = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.smoothed_view import SmoothedView

        box = self.box.to_dict()

        score = self.score

        emotion = self.emotion.value

        probabilities = self.probabilities.to_dict()

        track_id: Union[None, Unset, int]
        if isinstance(self.track_id, Unset):
            track_id = UNSET
        else:
            track_id = self.track_id

        smoothed: Union[None, Unset, dict[str, Any]]
        if isinstance(self.smoothed, Unset):
            smoothed = UNSET
        elif isinstance(self.smoothed, SmoothedView):
            smoothed = self.smoothed.to_dict()
        else:
            smoothed = self.smoothed

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
        if smoothed is not UNSET:
            field_dict["smoothed"] = smoothed

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.per_emotion_f32 import PerEmotionF32
        from ..models.smoothed_view import SmoothedView
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

        def _parse_smoothed(data: object) -> Union["SmoothedView", None, Unset]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                smoothed_type_1 = SmoothedView.from_dict(data)

                return smoothed_type_1
            except:  # noqa: E722
                pass
            return cast(Union["SmoothedView", None, Unset], data)

        smoothed = _parse_smoothed(d.pop("smoothed", UNSET))

        face_result = cls(
            box=box,
            score=score,
            emotion=emotion,
            probabilities=probabilities,
            track_id=track_id,
            smoothed=smoothed,
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
