"""``sharing:`` in the config: who may share a clip to a configured recipient
(footage.services.share), how long its link lasts and where links point."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from footage.auth import Role


class SharingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    roles: list[Role] = Field(
        default_factory=lambda: [Role.ADMIN, Role.VIEWER],
        description="roles that may share; a viewer shares only their sites' footage",
    )
    link_hours: float = Field(
        12.0, ge=0.05, le=23.0,
        description="the clip's link expires after this long (exports are kept a day)",
    )  # fmt: skip
    max_minutes: float = Field(10.0, ge=0.5, le=120.0, description="longest range shared")
    send_clip: bool = Field(
        False, description="an admin allows sending the clip itself to a Telegram chat "
        "(re-encoded to fit the Bot API's 50 MB when larger), besides the link",
    )  # fmt: skip
    public_url: str | None = Field(
        None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="the viewer's address as recipients reach it (https://vms.example.co.id);"
        " needed when footage is a NAS folder, whose links are paths on this server",
    )  # fmt: skip
