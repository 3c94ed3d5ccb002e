//! HTTP responses of the endpoint: text bodies, errors, CORS.

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Response, StatusCode};
use http_body_util::Full;

use super::EngineError;
use crate::config::{AllowedOrigins, Cors};

/// The body type of every response of the endpoint.
pub type Body = Full<Bytes>;

const TEXT_PLAIN: HeaderValue = HeaderValue::from_static("text/plain; charset=UTF-8");

/// A `200` polling response.
pub(crate) fn text(body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()));
    response.headers_mut().insert(header::CONTENT_TYPE, TEXT_PLAIN);
    response
}

/// A response with a status and a short plain-text body.
pub(crate) fn status(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut response = text(Bytes::from_static(body.as_bytes()));
    *response.status_mut() = status;
    response
}

/// The `{"code":N,"message":"..."}` answer to a refused request.
pub(crate) fn error(error: &EngineError) -> Response<Body> {
    let body = serde_json::json!({ "code": error.code(), "message": error.to_string() }).to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = error.status();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if *error == EngineError::UnsupportedWebSocketVersion {
        response
            .headers_mut()
            .insert(header::SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
    }
    response
}

/// The `Access-Control-Allow-Origin` value for a request from `origin`, if
/// it may read the response.
fn allow_origin(cors: &Cors, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
    match (&cors.origins, origin) {
        (AllowedOrigins::Any, Some(origin)) if cors.credentials => Some(origin.clone()),
        (AllowedOrigins::Any, _) => Some(HeaderValue::from_static("*")),
        (AllowedOrigins::List(list), Some(origin)) => {
            let text = origin.to_str().ok()?;
            list.iter().any(|allowed| allowed == text).then(|| origin.clone())
        }
        (AllowedOrigins::List(_), None) => None,
    }
}

/// Adds the CORS headers of a simple (non-preflight) response.
pub(crate) fn apply_cors(headers: &mut HeaderMap, cors: &Cors, origin: Option<&HeaderValue>) {
    let Some(allowed) = allow_origin(cors, origin) else {
        return;
    };
    let echoes_origin = allowed != "*";
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
    if cors.credentials {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    if echoes_origin {
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
}

/// The `204` answer to an `OPTIONS` preflight.
pub(crate) fn preflight(cors: &Cors, request: &HeaderMap) -> Response<Body> {
    let mut response = status(StatusCode::NO_CONTENT, "");
    let headers = response.headers_mut();
    headers.remove(header::CONTENT_TYPE);
    apply_cors(headers, cors, request.get(header::ORIGIN));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    if let Some(requested) = request.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
    }
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    response
}
