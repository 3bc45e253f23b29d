from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field


if TYPE_CHECKING:
    from ..models.live_limits import LiveLimits


T = TypeVar("T", bound="LiveReady")


@_attrs_define
class LiveReady:
    """
    Attributes:
        session (str):  Example: 019ac6a1-7441-76ea-a89d-2fb3757ceca0.
        model (str): The model, detector, least face size and tracking the session uses.
        tracking (bool):
        limits (LiveLimits): What the session accepts.
    """

    session: str
    model: str
    tracking: bool
    limits: "LiveLimits"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        session = self.session

        model = self.model

        tracking = self.tracking

        limits = self.limits.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "session": session,
                "model": model,
                "tracking": tracking,
                "limits": limits,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.live_limits import LiveLimits

        d = dict(src_dict)
        session = d.pop("session")

        model = d.pop("model")

        tracking = d.pop("tracking")

        limits = LiveLimits.from_dict(d.pop("limits"))

        live_ready = cls(
            session=session,
            model=model,
            tracking=tracking,
            limits=limits,
        )

        live_ready.additional_properties = d
        return live_ready

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
