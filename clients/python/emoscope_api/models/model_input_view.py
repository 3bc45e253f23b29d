from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field


from typing import cast


T = TypeVar("T", bound="ModelInputView")


@_attrs_define
class ModelInputView:
    """
    Attributes:
        name (str):
        shape (list[int]): N, C, H, W; -1 is a free dimension.
        color (str):  Example: gray.
        alignment (str): Where the face's five landmarks are placed: `fer2013` (FER2013's own framing, the 48 px
            models) or `arcface` (face recognition's template, the 112 px model). Example: arcface.
        scale (float):
        mean (float):
        std (float):
    """

    name: str
    shape: list[int]
    color: str
    alignment: str
    scale: float
    mean: float
    std: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        shape = self.shape

        color = self.color

        alignment = self.alignment

        scale = self.scale

        mean = self.mean

        std = self.std

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "shape": shape,
                "color": color,
                "alignment": alignment,
                "scale": scale,
                "mean": mean,
                "std": std,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        shape = cast(list[int], d.pop("shape"))

        color = d.pop("color")

        alignment = d.pop("alignment")

        scale = d.pop("scale")

        mean = d.pop("mean")

        std = d.pop("std")

        model_input_view = cls(
            name=name,
            shape=shape,
            color=color,
            alignment=alignment,
            scale=scale,
            mean=mean,
            std=std,
        )

        model_input_view.additional_properties = d
        return model_input_view

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
