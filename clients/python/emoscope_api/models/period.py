from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field


from ..models.emotion import Emotion

if TYPE_CHECKING:
    from ..models.per_emotion_f64 import PerEmotionF64


T = TypeVar("T", bound="Period")


@_attrs_define
class Period:
    """A tenth of the video, and what one person's face showed in it.

    Attributes:
        start_ms (int):
        end_ms (int):
        faces (int):
        dominant (Emotion): One of FER2013's seven facial expression labels: what a model classifies a face as, not
            what anyone feels.
        percentages (PerEmotionF64): One value per emotion, an object with the seven names as keys.
    """

    start_ms: int
    end_ms: int
    faces: int
    dominant: Emotion
    percentages: "PerEmotionF64"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        start_ms = self.start_ms

        end_ms = self.end_ms

        faces = self.faces

        dominant = self.dominant.value

        percentages = self.percentages.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "start_ms": start_ms,
                "end_ms": end_ms,
                "faces": faces,
                "dominant": dominant,
                "percentages": percentages,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.per_emotion_f64 import PerEmotionF64

        d = dict(src_dict)
        start_ms = d.pop("start_ms")

        end_ms = d.pop("end_ms")

        faces = d.pop("faces")

        dominant = Emotion(d.pop("dominant"))

        percentages = PerEmotionF64.from_dict(d.pop("percentages"))

        period = cls(
            start_ms=start_ms,
            end_ms=end_ms,
            faces=faces,
            dominant=dominant,
            percentages=percentages,
        )

        period.additional_properties = d
        return period

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
