"""What the resource models share: coercion of template values, as CloudFormation does it, and
`NamedResource`, the create/update/delete flow of a resource that moto keeps under a name."""

from __future__ import annotations

from contextlib import suppress
from typing import Any, ClassVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError

# ---------------------------------------------------------------- value coercion (as CloudFormation does)


def as_int(value: Any) -> int | None:
    return None if value is None else int(value)


def as_float(value: Any) -> float | None:
    return None if value is None else float(value)


def as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise ValidationError(message=f"Expected a string, number or boolean, got {value!r}")


def as_texts(mapping: dict[str, Any] | None) -> dict[str, str] | None:
    return None if mapping is None else {key: as_text(value) for key, value in mapping.items()}


def as_ints(mapping: dict[str, Any] | None) -> dict[str, int] | None:
    return None if mapping is None else {key: int(value) for key, value in mapping.items()}


# ---------------------------------------------------------------- named resources in moto backends


class NamedResource:
    """A stack resource that lives in a moto backend under its name: Ref returns the name.

    A model subclasses this and CloudFormationModel, the latter directly (moto finds its models as
    `CloudFormationModel.__subclasses__()`), sets `resource_type`, `name_property` and `backends`
    (moto's backends of its service), and says how the resource is made, changed and removed in the
    backend of the stack's account and region:

    - `_create(backend, name, properties)` makes it and returns its physical id;
    - `_update(backend, name, properties)` changes it in place and returns True, or returns False
      (the default) where AWS replaces the resource on any change;
    - `_delete(backend, physical_id)` removes it: by default the backend's method named
      `delete_call`, where the errors in `gone` mean it is gone already.

    A change of name always replaces the resource.
    """

    resource_type: ClassVar[str]
    # The property that names the resource; "" where AWS generates the physical id.
    name_property: ClassVar[str] = "Name"
    backends: ClassVar[Any] = None
    delete_call: ClassVar[str]
    gone: ClassVar[tuple[type[Exception], ...]] = ()

    def __init__(self, name: str, account_id: str, region_name: str):
        self.name = name
        self.account_id = account_id
        self.region_name = region_name

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.resource_type

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.name_property

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        raise UnformattedGetAttTemplateException()

    def is_created(self) -> bool:
        return True

    def delete(self, account_id: str, region_name: str) -> None:
        type(self).delete_from_cloudformation_json(self.name, {}, account_id, region_name)

    # ------------------------------------------------------------ what a model says

    @classmethod
    def _name(cls, properties: dict[str, Any], default: str) -> str:
        """The name the properties give, else `default` (the name CloudFormation generated, on create;
        the current name, on update)."""
        return properties.get(cls.name_property, default) if cls.name_property else default

    @classmethod
    def _backend(cls, account_id: str, region_name: str) -> Any:
        return None if cls.backends is None else cls.backends[account_id][region_name]

    @classmethod
    def _create(cls, backend: Any, name: str, properties: dict[str, Any]) -> str:
        raise NotImplementedError

    @classmethod
    def _update(cls, backend: Any, name: str, properties: dict[str, Any]) -> bool:
        return False

    @classmethod
    def _delete(cls, backend: Any, physical_id: str) -> None:
        with suppress(*cls.gone):
            getattr(backend, cls.delete_call)(physical_id)

    # ------------------------------------------------------------ what moto's CloudFormation calls

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> Any:
        properties = cloudformation_json["Properties"]
        backend = cls._backend(account_id, region_name)
        name = cls._create(backend, cls._name(properties, resource_name), properties)
        return cls(name, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> Any:
        properties = cloudformation_json["Properties"]
        name = cls._name(properties, original_resource.name)
        backend = cls._backend(account_id, region_name)
        if name == original_resource.name and cls._update(backend, name, properties):
            return original_resource
        # A change that needs a new physical resource: the old one goes first when the name stays.
        if name == original_resource.name:
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region_name)
        created = cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region_name)
        original_resource.delete(account_id, region_name)
        return created

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        cls._delete(cls._backend(account_id, region_name), resource_name)
