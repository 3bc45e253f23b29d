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


T = TypeVar("T", bound="EmotionsView")


@_attrs_define
class EmotionsView:
    """The share of each emotion over all classified faces.

    Example:
        {'counts': {'angry': 17, 'disgust': 5, 'fear': 6, 'happy': 13, 'neutral': 13, 'sad': 8, 'surprise': 14},
            'dominant': 'angry', 'faces_classified': 76, 'frames_analyzed': 40, 'frames_with_face': 40, 'job_id':
            '019ac6a1-7441-76ea-a89d-2fb3757ceca0', 'mean_probabilities': {'angry': 0.2057, 'disgust': 0.0693, 'fear':
            0.1248, 'happy': 0.1634, 'neutral': 0.1375, 'sad': 0.122, 'surprise': 0.1773}, 'model': 'emonet', 'note':
            'Shares of facial expressions as classified by a model trained on FER2013; expressions are not a measure of what
            a person feels and this is not a diagnosis.', 'percentages': {'angry': 22.37, 'disgust': 6.58, 'fear': 7.89,
            'happy': 17.11, 'neutral': 17.1, 'sad': 10.53, 'surprise': 18.42}}

    Attributes:
        percentages (PerEmotionF64): One value per emotion, an object with the seven names as keys.
        counts (PerEmotionU64): One value per emotion, an object with the seven names as keys.
        mean_probabilities (PerEmotionF64): One value per emotion, an object with the seven names as keys.
        frames_analyzed (int):
        frames_with_face (int):
        faces_classified (int):
        job_id (str):
        model (str):
        note (str):
        dominant (Union[Emotion, None, Unset]):
    """

    percentages: "PerEmotionF64"
    counts: "PerEmotionU64"
    mean_probabilities: "PerEmotionF64"
    frames_analyzed: int
    frames_with_face: int
    faces_classified: int
    job_id: str
    model: str
    note: str
    dominant: Union[Emotion, None, Unset] = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        percentages = self.percentages.to_dict()

        counts = self.counts.to_dict()

        mean_probabilities = self.mean_probabilities.to_dict()

        frames_analyzed = self.frames_analyzed

        frames_with_face = self.frames_with_face

        faces_classified = self.faces_classified

        job_id = self.job_id

        model = self.model

        note = self.note

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
                "job_id": job_id,
                "model": model,
                "note": note,
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

        job_id = d.pop("job_id")

        model = d.pop("model")

        note = d.pop("note")

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

        emotions_view = cls(
            percentages=percentages,
            counts=counts,
            mean_probabilities=mean_probabilities,
            frames_analyzed=frames_analyzed,
            frames_with_face=frames_with_face,
            faces_classified=faces_classified,
            job_id=job_id,
            model=model,
            note=note,
            dominant=dominant,
        )

        emotions_view.additional_properties = d
        return emotions_view

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
