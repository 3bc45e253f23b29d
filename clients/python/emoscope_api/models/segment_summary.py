from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.emotion import Emotion
from typing import cast, Union


T = TypeVar("T", bound="SegmentSummary")


@_attrs_define
class SegmentSummary:
    """One span of time of the video.

    Attributes:
        start_ms (int):
        end_ms (int):
        faces (int):
        dominant_percent (float): Its share of the segment's faces, in percent.
        dominant (Union[Emotion, None, Unset]):
    """

    start_ms: int
    end_ms: int
    faces: int
    dominant_percent: float
    dominant: Union[Emotion, None, Unset] = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        start_ms = self.start_ms

        end_ms = self.end_ms

        faces = self.faces

        dominant_percent = self.dominant_percent

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
                "start_ms": start_ms,
                "end_ms": end_ms,
                "faces": faces,
                "dominant_percent": dominant_percent,
            }
        )
        if dominant is not UNSET:
            field_dict["dominant"] = dominant

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        start_ms = d.pop("start_ms")

        end_ms = d.pop("end_ms")

        faces = d.pop("faces")

        dominant_percent = d.pop("dominant_percent")

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

        segment_summary = cls(
            start_ms=start_ms,
            end_ms=end_ms,
            faces=faces,
            dominant_percent=dominant_percent,
            dominant=dominant,
        )

        segment_summary.additional_properties = d
        return segment_summary

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
