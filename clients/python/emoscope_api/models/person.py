from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.emotion import Emotion
from typing import cast
from typing import Union

if TYPE_CHECKING:
    from ..models.sighting import Sighting
    from ..models.per_emotion_u64 import PerEmotionU64
    from ..models.per_emotion_f64 import PerEmotionF64
    from ..models.period import Period


T = TypeVar("T", bound="Person")


@_attrs_define
class Person:
    """One person: a face followed through the video (a track). Nobody is identified: the id only
    tells this face apart from the others in the same video.

        Attributes:
            id (int): The `track_id` of this person's faces in the timeline. Example: 1.
            first_ms (int):
            last_ms (int):
            first_frame (int):
            last_frame (int):
            faces (int): Analysed frames that show this person (one face each).
            screen_ms (int): Time on screen: `faces` times the time between two analysed frames.
            screen_share (float): Share of the analysed frames that show this person, 0..1.
            percentages (PerEmotionF64): One value per emotion, an object with the seven names as keys.
            counts (PerEmotionU64): One value per emotion, an object with the seven names as keys.
            mean_probabilities (PerEmotionF64): One value per emotion, an object with the seven names as keys.
            representative (Sighting): Where and when a person is seen best (the most confident detection).
            periods (list['Period']): The tenths of the video in which this person was seen, in order.
            dominant (Union[Emotion, None, Unset]):
    """

    id: int
    first_ms: int
    last_ms: int
    first_frame: int
    last_frame: int
    faces: int
    screen_ms: int
    screen_share: float
    percentages: "PerEmotionF64"
    counts: "PerEmotionU64"
    mean_probabilities: "PerEmotionF64"
    representative: "Sighting"
    periods: list["Period"]
    dominant: Union[Emotion, None, Unset] = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        first_ms = self.first_ms

        last_ms = self.last_ms

        first_frame = self.first_frame

        last_frame = self.last_frame

        faces = self.faces

        screen_ms = self.screen_ms

        screen_share = self.screen_share

        percentages = self.percentages.to_dict()

        counts = self.counts.to_dict()

        mean_probabilities = self.mean_probabilities.to_dict()

        representative = self.representative.to_dict()

        periods = []
        for periods_item_data in self.periods:
            periods_item = periods_item_data.to_dict()
            periods.append(periods_item)

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
                "id": id,
                "first_ms": first_ms,
                "last_ms": last_ms,
                "first_frame": first_frame,
                "last_frame": last_frame,
                "faces": faces,
                "screen_ms": screen_ms,
                "screen_share": screen_share,
                "percentages": percentages,
                "counts": counts,
                "mean_probabilities": mean_probabilities,
                "representative": representative,
                "periods": periods,
            }
        )
        if dominant is not UNSET:
            field_dict["dominant"] = dominant

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.sighting import Sighting
        from ..models.per_emotion_u64 import PerEmotionU64
        from ..models.per_emotion_f64 import PerEmotionF64
        from ..models.period import Period

        d = dict(src_dict)
        id = d.pop("id")

        first_ms = d.pop("first_ms")

        last_ms = d.pop("last_ms")

        first_frame = d.pop("first_frame")

        last_frame = d.pop("last_frame")

        faces = d.pop("faces")

        screen_ms = d.pop("screen_ms")

        screen_share = d.pop("screen_share")

        percentages = PerEmotionF64.from_dict(d.pop("percentages"))

        counts = PerEmotionU64.from_dict(d.pop("counts"))

        mean_probabilities = PerEmotionF64.from_dict(d.pop("mean_probabilities"))

        representative = Sighting.from_dict(d.pop("representative"))

        periods = []
        _periods = d.pop("periods")
        for periods_item_data in _periods:
            periods_item = Period.from_dict(periods_item_data)

            periods.append(periods_item)

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

        person = cls(
            id=id,
            first_ms=first_ms,
            last_ms=last_ms,
            first_frame=first_frame,
            last_frame=last_frame,
            faces=faces,
            screen_ms=screen_ms,
            screen_share=screen_share,
            percentages=percentages,
            counts=counts,
            mean_probabilities=mean_probabilities,
            representative=representative,
            periods=periods,
            dominant=dominant,
        )

        person.additional_properties = d
        return person

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
