"""Pydantic schemas of the API's answers; ninja validates every answer with them and
publishes them in /1/openapi.json. Errors have their own: ErrorBody."""

from typing import Literal

from pydantic import BaseModel


class Status(BaseModel):
    status: Literal["ok"] = "ok"


class ErrorBody(BaseModel):
    code: int
    error: str


class TokenValidation(BaseModel):
    code: int = 200
    message: str
    valid: bool
    user_name: str | None = None


class AdditionalInfoOut(BaseModel):
    recording_mbid: str | None = None
    release_mbid: str | None = None
    artist_mbids: list[str] | None = None
    duration_ms: int | None = None


class TrackMetadataOut(BaseModel):
    artist_name: str
    track_name: str
    release_name: str | None = None
    additional_info: AdditionalInfoOut


class ListenOut(BaseModel):
    inserted_at: int
    listened_at: int
    track_metadata: TrackMetadataOut
    user_name: str


class PlayingNowOut(BaseModel):
    playing_now: Literal[True] = True
    track_metadata: TrackMetadataOut
    user_name: str


class ListensPayload(BaseModel):
    count: int
    latest_listen_ts: int
    listens: list[ListenOut]
    oldest_listen_ts: int
    user_id: str


class ListensResponse(BaseModel):
    payload: ListensPayload


class PlayingNowPayload(BaseModel):
    count: int
    listens: list[PlayingNowOut]
    playing_now: Literal[True] = True
    user_id: str


class PlayingNowResponse(BaseModel):
    payload: PlayingNowPayload


class ListenCount(BaseModel):
    count: int


class ListenCountResponse(BaseModel):
    payload: ListenCount
