from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.emotion import Emotion
from typing import cast
from typing import Union

if TYPE_CHECKING:
    from ..models.per_emotion_u64 import PerEmotionU64
    from ..models.per_emotion_f64 import PerEmotionF64


T = TypeVar("T", bound="EmotionSummary")


@_attrs_define
class EmotionSummary:
    """The emotion result of a whole video.

    Attributes:
        percentages (PerEmotionF64): One value per emotion, an object with the seven names as keys.
        counts (PerEmotionU64): One value per emotion, an object with the seven names as keys.
        mean_probabilities (PerEmotionF64): One value per emotion, an object with the seven names as keys.
        frames_analyzed (int):
        frames_with_face (int):
        faces_classified (int):
        dominant (Union[Emotion, None, Unset]):
    """

    percentages: "PerEmotionF64"
    counts: "PerEmotionU64"
    mean_probabilities: "PerEmotionF64"
    frames_analyzed: int
    frames_with_face: int
    faces_classified: int
    dominant: Union[Emotion, None, Unset] = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        percentages = self.percentages.to_dict()

        counts = self.counts.to_dict()

        mean_probabilities = self.mean_probabilities.to_dict()

        frames_analyzed = self.frames_analyzed

        frames_with_face = self.frames_with_face

        faces_classified = self.faces_classified

        dominant: Union[None, Unset, str]
        if isinstance(self.dominant, Unset):
            dominant = UNSET
        elif isinstance(self.dominant, Emotion):
            dominant = self.dominant.value
        else:
            dominant = self.dominant

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "percentages": percentages,
                "counts": counts,
                "mean_probabilities": mean_probabilities,
                "frames_analyzed": frames_analyzed,
                "frames_with_face": frames_with_face,
                "faces_classified": faces_classified,
            }
        )
        if dominant is not UNSET:
            field_dict["dominant"] = dominant

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.per_emotion_u64 import PerEmotionU64
        from ..models.per_emotion_f64 import PerEmotionF64

        d = dict(src_dict)
        percentages = PerEmotionF64.from_dict(d.pop("percentages"))

        counts = PerEmotionU64.from_dict(d.pop("counts"))

        mean_probabilities = PerEmotionF64.from_dict(d.pop("mean_probabilities"))

        frames_analyzed = d.pop("frames_analyzed")

        frames_with_face = d.pop("frames_with_face")

        faces_classified = d.pop("faces_classified")

        def _parse_dominant(data: object) -> Union[Emotion, None, Unset]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                dominant_type_1 = Emotion(data)

                return dominant_type_1
            except:  # noqa: E722
                pass
            return cast(Union[Emotion, None, Unset], data)

        dominant = _parse_dominant(d.pop("dominant", UNSET))

        emotion_summary = cls(
            percentages=percentages,
            counts=counts,
            mean_probabilities=mean_probabilities,
            frames_analyzed=frames_analyzed,
            frames_with_face=frames_with_face,
            faces_classified=faces_classified,
            dominant=dominant,
        )

        emotion_summary.additional_properties = d
        return emotion_summary

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
