from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

from typing import cast, Union


T = TypeVar("T", bound="ReportRequest")


@_attrs_define
class ReportRequest:
    """What report to write; every field is optional.

    Attributes:
        language (Union[None, Unset, str]): BCP 47 tag; default `en`. Example: en.
        provider (Union[None, Unset, str]): `openai` or `template`; default: openai when configured, else template.
            Example: template.
        model (Union[None, Unset, str]): Chat model for the openai provider.
        regenerate (Union[Unset, bool]): Write a new report even if one with the same parameters exists.
    """

    language: Union[None, Unset, str] = UNSET
    provider: Union[None, Unset, str] = UNSET
    model: Union[None, Unset, str] = UNSET
    regenerate: Union[Unset, bool] = UNSET

    def to_dict(self) -> dict[str, Any]:
        language: Union[None, Unset, str]
        if isinstance(self.language, Unset):
            language = UNSET
        else:
            language = self.language

        provider: Union[None, Unset, str]
        if isinstance(self.provider, Unset):
            provider = UNSET
        else:
            provider = self.provider

        model: Union[None, Unset, str]
        if isinstance(self.model, Unset):
            model = UNSET
        else:
            model = self.model

        regenerate = self.regenerate

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if language is not UNSET:
            field_dict["language"] = language
        if provider is not UNSET:
            field_dict["provider"] = provider
        if model is not UNSET:
            field_dict["model"] = model
        if regenerate is not UNSET:
            field_dict["regenerate"] = regenerate

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_language(data: object) -> Union[None, Unset, str]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, str], data)

        language = _parse_language(d.pop("language", UNSET))

        def _parse_provider(data: object) -> Union[None, Unset, str]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, str], data)

        provider = _parse_provider(d.pop("provider", UNSET))

        def _parse_model(data: object) -> Union[None, Unset, str]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, str], data)

        model = _parse_model(d.pop("model", UNSET))

        regenerate = d.pop("regenerate", UNSET)

        report_request = cls(
            language=language,
            provider=provider,
            model=model,
            regenerate=regenerate,
        )

        return report_request
