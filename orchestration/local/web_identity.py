"""AssumeRoleWithWebIdentity on the local runtime as STS decides it (moto issued credentials for
any token and any role): the token's issuer must be an OpenID Connect provider of the account, its
audience one of the provider's client IDs, and the role's trust policy must let that provider
(Principal Federated) perform sts:AssumeRoleWithWebIdentity, with its conditions evaluated on the
token's claims as IAM names them (`<issuer host>:aud`, `:sub`, `:amr`). A token fails as on AWS:
`InvalidIdentityToken` (not a token, no provider, wrong audience) or `AccessDenied`.

The token's signature is not verified (GitHub's signing keys are not here): the claims are read
as given. That is what the deploy workflow's role needs locally: the trust's subject, audience and
provider are the parts a change can get wrong."""

from __future__ import annotations

import base64
import json

from moto.core.exceptions import _RESTError as XmlRESTError  # the query protocol's error shape
from moto.iam.models import iam_backends
from moto.sts.responses import TokenResponse

from orchestration.local import iam
from orchestration.local.trust import principal_allowed

ACTION = "sts:AssumeRoleWithWebIdentity"
CLAIMS = ("aud", "sub", "amr", "azp")


class InvalidIdentityToken(XmlRESTError):
    code = 400


class WebIdentityDenied(XmlRESTError):
    code = 403


def claims(token: str) -> dict | None:
    """The payload of a JWT (header.payload.signature), None if it is not one."""
    parts = (token or "").split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        found = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, UnicodeDecodeError):
        return None
    return found if isinstance(found, dict) else None


def refusal(account: str, role_arn: str, token: str) -> tuple[str, str] | None:
    """Why STS would refuse this token for this role, as (error code, message); None if it would not."""
    found = claims(token)
    if found is None:
        return "InvalidIdentityToken", "The web identity token is not a valid JWT"
    issuer = str(found.get("iss", "")).removeprefix("https://")
    provider_arn = f"arn:{iam.PARTITION}:iam::{account}:oidc-provider/{issuer}"
    backend = iam_backends[account][iam.PARTITION]
    provider = backend.open_id_providers.get(provider_arn)
    if provider is None:
        return "InvalidIdentityToken", f"No OpenIDConnect provider found in your account for https://{issuer}"
    audiences = [str(a) for a in (found["aud"] if isinstance(found.get("aud"), list) else [found.get("aud")])]
    if not set(audiences) & set(provider.client_id_list):
        return "InvalidIdentityToken", "Incorrect token audience"
    name = role_arn.rsplit("/", 1)[-1]
    role = next((r for r in backend.roles.values() if r.name == name and r.arn == role_arn), None)
    context = {f"{issuer}:{claim}": found[claim] for claim in CLAIMS if claim in found}
    if role is None or not principal_allowed(
        role.assume_role_policy_document, ("Federated", provider_arn), ACTION, role_arn, context
    ):
        return "AccessDenied", f"Not authorized to perform {ACTION}"
    return None


def install() -> None:
    """Patch STS's AssumeRoleWithWebIdentity (idempotent)."""
    original = TokenResponse.assume_role_with_web_identity
    if getattr(original, "checks_trust", False):
        return

    def assume_role_with_web_identity(self):
        role_arn = self._get_param("RoleArn") or ""
        account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else self.current_account
        refused = refusal(account, role_arn, self._get_param("WebIdentityToken"))
        if refused:
            error = InvalidIdentityToken if refused[0] == "InvalidIdentityToken" else WebIdentityDenied
            raise error(*refused)
        return original(self)

    assume_role_with_web_identity.checks_trust = True
    TokenResponse.assume_role_with_web_identity = assume_role_with_web_identity
