from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
from typing import Union

if TYPE_CHECKING:
    from ..models.model_input_view import ModelInputView


T = TypeVar("T", bound="ModelView")


@_attrs_define
class ModelView:
    """An emotion model and the input it expects.

    Attributes:
        name (str):  Example: emonet.
        default (bool):
        labels (list[str]): Output labels in model order.
        input_ (ModelInputView):
        flip_tta (bool): Whether each face is averaged with its mirror image.
        temperature (float): The logits are divided by it before the softmax: fitted so that the probabilities are
            calibrated (1: not calibrated).
        arch (Union[None, Unset, str]):
    """

    name: str
    default: bool
    labels: list[str]
    input_: "ModelInputView"
    flip_tta: bool
    temperature: float
    arch: Union[None, Unset, str] = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        default = self.default

        labels = self.labels

        input_ = self.input_.to_dict()

        flip_tta = self.flip_tta

        temperature = self.temperature

        arch: Union[None, Unset, str]
        if isinstance(self.arch, Unset):
            arch = UNSET
        else:
            arch = self.arch

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "default": default,
                "labels": labels,
                "input": input_,
                "flip_tta": flip_tta,
                "temperature": temperature,
            }
        )
        if arch is not UNSET:
            field_dict["arch"] = arch

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.model_input_view import ModelInputView

        d = dict(src_dict)
        name = d.pop("name")

        default = d.pop("default")

        labels = cast(list[str], d.pop("labels"))

        input_ = ModelInputView.from_dict(d.pop("input"))

        flip_tta = d.pop("flip_tta")

        temperature = d.pop("temperature")

        def _parse_arch(data: object) -> Union[None, Unset, str]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, str], data)

        arch = _parse_arch(d.pop("arch", UNSET))

        model_view = cls(
            name=name,
            default=default,
            labels=labels,
            input_=input_,
            flip_tta=flip_tta,
            temperature=temperature,
            arch=arch,
        )

        model_view.additional_properties = d
        return model_view

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
