from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.emotion import Emotion
from typing import cast
from typing import Union

if TYPE_CHECKING:
    from ..models.per_emotion_f64 import PerEmotionF64


T = TypeVar("T", bound="LivePerson")


@_attrs_define
class LivePerson:
    """
    Attributes:
        faces (int):
        percentages (PerEmotionF64): One value per emotion, an object with the seven names as keys.
        person (int):  Example: 1.
        dominant (Union[Emotion, None, Unset]):
    """

    faces: int
    percentages: "PerEmotionF64"
    person: int
    dominant: Union[Emotion, None, Unset] = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        faces = self.faces

        percentages = self.percentages.to_dict()

        person = self.person

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
                "faces": faces,
                "percentages": percentages,
                "person": person,
            }
        )
        if dominant is not UNSET:
            field_dict["dominant"] = dominant

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.per_emotion_f64 import PerEmotionF64

        d = dict(src_dict)
        faces = d.pop("faces")

        percentages = PerEmotionF64.from_dict(d.pop("percentages"))

        person = d.pop("person")

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

        live_person = cls(
            faces=faces,
            percentages=percentages,
            person=person,
            dominant=dominant,
        )

        live_person.additional_properties = d
        return live_person

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
