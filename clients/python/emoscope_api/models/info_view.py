from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.execution_provider import ExecutionProvider
from typing import cast
from typing import Union

if TYPE_CHECKING:
    from ..models.detectors_view import DetectorsView
    from ..models.defaults_view import DefaultsView
    from ..models.reports_view import ReportsView
    from ..models.live_info_view import LiveInfoView
    from ..models.limits_view import LimitsView
    from ..models.identity_view import IdentityView
    from ..models.model_view import ModelView


T = TypeVar("T", bound="InfoView")


@_attrs_define
class InfoView:
    """
    Attributes:
        name (str):  Example: emoscope.
        version (str):  Example: 0.1.0.
        execution_provider_requested (str): What the configuration asked for; differs from the above after a CUDA
            fallback. Example: cpu.
        models (list['ModelView']):
        default_model (str):  Example: facenet_ferplus_int8.
        live_model (str): The model of live sessions that name none: the fast one. Example: emonet_ferplus_flip_int8.
        detectors (DetectorsView):
        identity (IdentityView): How people are told apart within one video.
        reports (ReportsView):
        defaults (DefaultsView): Job options used when a request leaves them out.
        limits (LimitsView):
        live (LiveInfoView): Live sessions (`GET /v1/live`) and stream jobs in this process.
        note (str):
        execution_provider (Union[ExecutionProvider, None, Unset]):
    """

    name: str
    version: str
    execution_provider_requested: str
    models: list["ModelView"]
    default_model: str
    live_model: str
    detectors: "DetectorsView"
    identity: "IdentityView"
    reports: "ReportsView"
    defaults: "DefaultsView"
    limits: "LimitsView"
    live: "LiveInfoView"
    note: str
    execution_provider: Union[ExecutionProvider, None, Unset] = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        version = self.version

        execution_provider_requested = self.execution_provider_requested

        models = []
        for models_item_data in self.models:
            models_item = models_item_data.to_dict()
            models.append(models_item)

        default_model = self.default_model

        live_model = self.live_model

        detectors = self.detectors.to_dict()

        identity = self.identity.to_dict()

        reports = self.reports.to_dict()

        defaults = self.defaults.to_dict()

        limits = self.limits.to_dict()

        live = self.live.to_dict()

        note = self.note

        execution_provider: Union[None, Unset, str]
        if isinstance(self.execution_provider, Unset):
            execution_provider = UNSET
        elif isinstance(self.execution_provider, ExecutionProvider):
            execution_provider = self.execution_provider.value
        else:
            execution_provider = self.execution_provider

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "version": version,
                "execution_provider_requested": execution_provider_requested,
                "models": models,
                "default_model": default_model,
                "live_model": live_model,
                "detectors": detectors,
                "identity": identity,
                "reports": reports,
                "defaults": defaults,
                "limits": limits,
                "live": live,
                "note": note,
            }
        )
        if execution_provider is not UNSET:
            field_dict["execution_provider"] = execution_provider

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.detectors_view import DetectorsView
        from ..models.defaults_view import DefaultsView
        from ..models.reports_view import ReportsView
        from ..models.live_info_view import LiveInfoView
        from ..models.limits_view import LimitsView
        from ..models.identity_view import IdentityView
        from ..models.model_view import ModelView

        d = dict(src_dict)
        name = d.pop("name")

        version = d.pop("version")

        execution_provider_requested = d.pop("execution_provider_requested")

        models = []
        _models = d.pop("models")
        for models_item_data in _models:
            models_item = ModelView.from_dict(models_item_data)

            models.append(models_item)

        default_model = d.pop("default_model")

        live_model = d.pop("live_model")

        detectors = DetectorsView.from_dict(d.pop("detectors"))

        identity = IdentityView.from_dict(d.pop("identity"))

        reports = ReportsView.from_dict(d.pop("reports"))

        defaults = DefaultsView.from_dict(d.pop("defaults"))

        limits = LimitsView.from_dict(d.pop("limits"))

        live = LiveInfoView.from_dict(d.pop("live"))

        note = d.pop("note")

        def _parse_execution_provider(
            data: object,
        ) -> Union[ExecutionProvider, None, Unset]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                execution_provider_type_1 = ExecutionProvider(data)

                return execution_provider_type_1
            except:  # noqa: E722
                pass
            return cast(Union[ExecutionProvider, None, Unset], data)

        execution_provider = _parse_execution_provider(
            d.pop("execution_provider", UNSET)
        )

        info_view = cls(
            name=name,
            version=version,
            execution_provider_requested=execution_provider_requested,
            models=models,
            default_model=default_model,
            live_model=live_model,
            detectors=detectors,
            identity=identity,
            reports=reports,
            defaults=defaults,
            limits=limits,
            live=live,
            note=note,
            execution_provider=execution_provider,
        )

        info_view.additional_properties = d
        return info_view

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
