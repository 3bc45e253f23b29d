from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field


from ..models.focus import Focus

if TYPE_CHECKING:
    from ..models.person import Person


T = TypeVar("T", bound="PeopleView")


@_attrs_define
class PeopleView:
    """The people of a job, longest on screen first.

    Example:
        {'focus': 'all', 'job_id': '019ac6a1-7441-76ea-a89d-2fb3757ceca0', 'min_track_ms': 1000, 'note': 'Shares of
            facial expressions as classified by a model trained on FER2013; expressions are not a measure of what a person
            feels and this is not a diagnosis.', 'people': [{'counts': {'angry': 0, 'disgust': 0, 'fear': 0, 'happy': 48,
            'neutral': 2, 'sad': 0, 'surprise': 0}, 'dominant': 'happy', 'faces': 50, 'first_frame': 0, 'first_ms': 0, 'id':
            1, 'last_frame': 294, 'last_ms': 9800, 'mean_probabilities': {'angry': 0.01, 'disgust': 0.0, 'fear': 0.01,
            'happy': 0.9, 'neutral': 0.06, 'sad': 0.01, 'surprise': 0.01}, 'percentages': {'angry': 0.0, 'disgust': 0.0,
            'fear': 0.0, 'happy': 96.0, 'neutral': 4.0, 'sad': 0.0, 'surprise': 0.0}, 'periods': [{'dominant': 'happy',
            'end_ms': 1000, 'faces': 5, 'percentages': {'angry': 0.0, 'disgust': 0.0, 'fear': 0.0, 'happy': 100.0,
            'neutral': 0.0, 'sad': 0.0, 'surprise': 0.0}, 'start_ms': 0}], 'representative': {'box': {'h': 270, 'w': 270,
            'x': 412, 'y': 188}, 'frame': 120, 'time_ms': 4000}, 'screen_ms': 10000, 'screen_share': 1.0}]}

    Attributes:
        job_id (str):
        focus (Focus): Which people a job reports: everyone, or only the one on screen longest.
        min_track_ms (int): People seen for less than this were left out.
        people (list['Person']):
        note (str):
    """

    job_id: str
    focus: Focus
    min_track_ms: int
    people: list["Person"]
    note: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job_id = self.job_id

        focus = self.focus.value

        min_track_ms = self.min_track_ms

        people = []
        for people_item_data in self.people:
            people_item = people_item_data.to_dict()
            people.append(people_item)

        note = self.note

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job_id": job_id,
                "focus": focus,
                "min_track_ms": min_track_ms,
                "people": people,
                "note": note,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.person import Person

        d = dict(src_dict)
        job_id = d.pop("job_id")

        focus = Focus(d.pop("focus"))

        min_track_ms = d.pop("min_track_ms")

        people = []
        _people = d.pop("people")
        for people_item_data in _people:
            people_item = Person.from_dict(people_item_data)

            people.append(people_item)

        note = d.pop("note")

        people_view = cls(
            job_id=job_id,
            focus=focus,
            min_track_ms=min_track_ms,
            people=people,
            note=note,
        )

        people_view.additional_properties = d
        return people_view

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
