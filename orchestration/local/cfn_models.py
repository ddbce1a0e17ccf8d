"""CloudFormation resource models and fixes for moto 5.2.5: the package orchestration.local.cfn.
This module keeps `orchestration.local.cfn_models.install` where the local runtime imports it."""

from orchestration.local.cfn import MOTO_VERSION, install

__all__ = ["MOTO_VERSION", "install"]
