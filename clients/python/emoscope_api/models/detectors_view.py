from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field


if TYPE_CHECKING:
    from ..models.detector_state import DetectorState


T = TypeVar("T", bound="DetectorsView")


@_attrs_define
class DetectorsView:
    """
    Attributes:
        yunet (DetectorState):
        haar (DetectorState):
        default (str):
        fallback_active (bool): True when YuNet could not be loaded and every job uses the Haar cascade.
    """

    yunet: "DetectorState"
    haar: "DetectorState"
    default: str
    fallback_active: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        yunet = self.yunet.to_dict()

        haar = self.haar.to_dict()

        default = self.default

        fallback_active = self.fallback_active

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "yunet": yunet,
                "haar": haar,
                "default": default,
                "fallback_active": fallback_active,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.detector_state import DetectorState

        d = dict(src_dict)
        yunet = DetectorState.from_dict(d.pop("yunet"))

        haar = DetectorState.from_dict(d.pop("haar"))

        default = d.pop("default")

        fallback_active = d.pop("fallback_active")

        detectors_view = cls(
            yunet=yunet,
            haar=haar,
            default=default,
            fallback_active=fallback_active,
        )

        detectors_view.additional_properties = d
        return detectors_view

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
