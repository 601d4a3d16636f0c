"""The one error type of the API: raised anywhere below a view, answered as ListenBrainz does.

ApiError(status, message) in; http.api_view turns it into HTTP `status` with the JSON body
{"code": status, "error": message}.
"""


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
