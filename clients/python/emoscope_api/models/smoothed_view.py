from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field


from ..models.emotion import Emotion

if TYPE_CHECKING:
    from ..models.per_emotion_f32 import PerEmotionF32


T = TypeVar("T", bound="SmoothedView")


@_attrs_define
class SmoothedView:
    """A face's expression smoothed over the person's faces around it (`smooth_ms`).

    Attributes:
        emotion (Emotion): One of FER2013's seven facial expression labels: what a model classifies a face as, not
            what anyone feels.
        probabilities (PerEmotionF32): One value per emotion, an object with the seven names as keys.
    """

    emotion: Emotion
    probabilities: "PerEmotionF32"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        emotion = self.emotion.value

        probabilities = self.probabilities.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "emotion": emotion,
                "probabilities": probabilities,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.per_emotion_f32 import PerEmotionF32

        d = dict(src_dict)
        emotion = Emotion(d.pop("emotion"))

        probabilities = PerEmotionF32.from_dict(d.pop("probabilities"))

        smoothed_view = cls(
            emotion=emotion,
            probabilities=probabilities,
        )

        smoothed_view.additional_properties = d
        return smoothed_view

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
