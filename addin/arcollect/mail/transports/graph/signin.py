"""Signing in to Microsoft Graph as the app: msal client credentials for the resource of the endpoint
(``https://graph.microsoft.com/.default``), the token kept in msal's cache until it is about to expire (one token
request per run, not one per message), and a refused sign-in in one plain sentence.

`SignIn` is a part of `GraphTransport` (its attributes are the transport's); `Session` is the requests session msal
and every Graph request share, so `verify` and the timeout hold for both.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import msal
import requests

from arcollect.errors import TransportError

SECRET_VARIABLE = "ARCOLLECT_GRAPH_CLIENT_SECRET"


class Session(requests.Session):
    """A session whose `verify` and timeout hold for every request, msal's included.

    A plain ``Session.verify`` loses to ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` from the environment (requests
    merges the environment into each request), so a CA bundle given here is passed with each request instead.
    ``verify=True`` still picks up those variables: they name the system's trusted CAs.
    """

    def __init__(self, verify: bool | str, timeout: float) -> None:
        super().__init__()
        self._verify = verify
        self._timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        if kwargs.get("verify") is None:
            kwargs["verify"] = self._verify
        return super().request(method, url, *args, **kwargs)


class SignIn:
    """The transport's sign-in (`_token`, `_client`, `_forget_token`) and the sentences for a refused sign-in, an
    untrusted or unreachable server; `_scrub` keeps the client secret out of any text shown."""

    client_id: str
    tenant_id: str
    authority: str
    scope: str
    _secret: str
    _app: msal.ConfidentialClientApplication | None
    _session: Session

    def _token(self) -> str:
        """An access token from msal's cache, or a new one; `TransportError` with a plain sentence if refused."""
        app = self._client()
        try:
            result = app.acquire_token_for_client(scopes=[self.scope])
        except requests.exceptions.SSLError as error:
            raise TransportError(self._untrusted(self.authority, error)) from None
        except requests.exceptions.RequestException:
            raise TransportError(self._unreachable(self.authority, "GraphAuthority")) from None
        if "access_token" in result:
            return result["access_token"]
        raise TransportError(self._sign_in_refused(result))

    def _client(self) -> msal.ConfidentialClientApplication:
        """The msal application, built on first use: building it already fetches the tenant's OpenID metadata."""
        if self._app is None:
            try:
                self._app = msal.ConfidentialClientApplication(
                    self.client_id,
                    client_credential=self._secret,
                    authority=self.authority,
                    http_client=self._session,
                    instance_discovery=False,  # no call to login.microsoftonline.com to vet a custom authority
                )
            except requests.exceptions.SSLError as error:
                raise TransportError(self._untrusted(self.authority, error)) from None
            except requests.exceptions.RequestException:
                raise TransportError(self._unreachable(self.authority, "GraphAuthority")) from None
            except (ValueError, RuntimeError):
                raise TransportError(
                    f"Microsoft sign-in at {self.authority} does not know the tenant {self.tenant_id!r}: "
                    "check GraphTenantId (the Directory (tenant) ID of the app registration) and GraphAuthority"
                ) from None
        return self._app

    def _forget_token(self) -> None:
        """Drop msal's cached token so the next `_token` asks for a new one (after a 401)."""
        if self._app is not None:
            self._app.remove_tokens_for_client()

    def _sign_in_refused(self, result: dict[str, Any]) -> str:
        error = result.get("error", "")
        description = self._scrub(str(result.get("error_description", "")).split("\n")[0].strip())
        code = description.split(":")[0] if description.startswith("AADSTS") else error
        if error == "invalid_client":
            return (
                f"Microsoft sign-in refused the client secret of app {self.client_id} ({code}): the client secret "
                f"was refused — set {SECRET_VARIABLE} (or the keyring entry) to a current secret of the app"
            )
        if error == "unauthorized_client":
            return (
                f"Microsoft sign-in does not know the app {self.client_id} in tenant {self.tenant_id} ({code}): "
                "check GraphClientId and GraphTenantId"
            )
        if error == "invalid_scope":
            return f"Microsoft sign-in refused the scope {self.scope} ({code}): check GraphEndpoint"
        return f"Microsoft sign-in failed for app {self.client_id}: {error or 'no token'} ({description or code})"

    def _untrusted(self, url: str, error: Exception) -> str:
        reason = "certificate verify failed" if "CERTIFICATE_VERIFY_FAILED" in str(error) else "TLS handshake failed"
        return (
            f"The certificate of {urlsplit(url).netloc} is not trusted ({reason}): check the address, or the "
            "company CA bundle if traffic goes through an inspecting proxy; keep VerifyTls true"
        )

    def _unreachable(self, url: str, setting: str) -> str:
        return (
            f"Cannot reach {urlsplit(url).netloc} ({setting} {url}): check the address, the network and any proxy "
            "settings"
        )

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text
