from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field


from typing import cast


T = TypeVar("T", bound="ReportsView")


@_attrs_define
class ReportsView:
    """
    Attributes:
        default_provider (str): `openai` when an API key is configured, else `template`.
        template_languages (list[str]): Languages with a template and a prompt.
        default_llm_model (str):
    """

    default_provider: str
    template_languages: list[str]
    default_llm_model: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        default_provider = self.default_provider

        template_languages = self.template_languages

        default_llm_model = self.default_llm_model

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "default_provider": default_provider,
                "template_languages": template_languages,
                "default_llm_model": default_llm_model,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        default_provider = d.pop("default_provider")

        template_languages = cast(list[str], d.pop("template_languages"))

        default_llm_model = d.pop("default_llm_model")

        reports_view = cls(
            default_provider=default_provider,
            template_languages=template_languages,
            default_llm_model=default_llm_model,
        )

        reports_view.additional_properties = d
        return reports_view

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
