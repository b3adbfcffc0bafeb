//! AWS Signature Version 4, verified by our own canonicaliser: the `Authorization` header form
//! that the SDKs and the CLI send, and the presigned-query form. Pure: the clock and the secret
//! keys are inputs.
//!
//! The canonical request is rebuilt from the request as it arrived: the method; the path as
//! sent, with dot segments and repeated slashes removed (every AWS service but S3 does so) and
//! URI-encoded once more; the query parameters decoded, encoded strictly and sorted; the headers
//! named in `SignedHeaders`, with values trimmed, inner runs of spaces collapsed and repeats
//! joined with commas; the signed header list; and the payload's SHA-256 (or the
//! `X-Amz-Content-Sha256` header's value).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The only algorithm SigV4 signers use for Step Functions.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// A request as it arrived.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// `GET`, `POST`...
    pub method: &'a str,
    /// The path as sent (still percent-encoded).
    pub path: &'a str,
    /// The query string as sent, without `?` (empty when there is none).
    pub query: &'a str,
    /// Every header, in the order received (names in any case).
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

/// Why a request was refused, as AWS names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    /// `MissingAuthenticationTokenException`, `IncompleteSignatureException`,
    /// `InvalidSignatureException` or `UnrecognizedClientException`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

fn auth_error(code: &'static str, message: impl Into<String>) -> AuthError {
    AuthError {
        code,
        message: message.into(),
    }
}

/// The parts of a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The access key id.
    pub access_key: String,
    /// `yyyymmdd/region/service/aws4_request`.
    pub scope: String,
    /// The scope's date.
    pub date: String,
    /// The scope's region.
    pub region: String,
    /// The scope's service.
    pub service: String,
    /// Lower-case header names, as listed.
    pub signed_headers: Vec<String>,
    /// The signature, lower-case hex.
    pub signature: String,
    /// `X-Amz-Date` (`yyyymmddThhmmssZ`).
    pub amz_date: String,
    /// Whether it came in the query string (presigned), with its `X-Amz-Expires`.
    pub presigned_expires: Option<u64>,
}

fn header<'a>(req: &'a Request<'_>, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn query_params(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes every byte but the unreserved ones (and `/` unless `encode_slash`).
pub fn uri_encode(s: &str, encode_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            b'/' if !encode_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The canonical URI: dot segments and repeated slashes removed (unless `normalize` is off,
/// as for S3), then URI-encoded.
pub fn canonical_uri(path: &str, normalize: bool) -> String {
    let path = if path.is_empty() { "/" } else { path };
    if !normalize {
        return uri_encode(path, false);
    }
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    let mut out = String::from("/");
    out.push_str(&segments.join("/"));
    if trailing && !segments.is_empty() {
        out.push('/');
    }
    uri_encode(&out, false)
}

/// The canonical query string (without `X-Amz-Signature` for a presigned request, and without
/// `X-Amz-Security-Token` when `without_token`: some signers add the token after signing).
pub fn canonical_query(query: &str, without_token: bool) -> String {
    let mut params: Vec<(String, String)> = query_params(query)
        .into_iter()
        .filter(|(k, _)| k != "X-Amz-Signature" && !(without_token && k == "X-Amz-Security-Token"))
        .map(|(k, v)| (uri_encode(&k, true), uri_encode(&v, true)))
        .collect();
    params.sort();
    params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn collapse(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The canonical request for `signed_headers`, with the payload hash given.
pub fn canonical_request(
    req: &Request<'_>,
    signed_headers: &[String],
    payload_hash: &str,
    normalize: bool,
    without_token: bool,
) -> String {
    let mut out = String::new();
    out.push_str(req.method);
    out.push('\n');
    out.push_str(&canonical_uri(req.path, normalize));
    out.push('\n');
    out.push_str(&canonical_query(req.query, without_token));
    out.push('\n');
    for name in signed_headers {
        let values: Vec<String> = req
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| collapse(v))
            .collect();
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    out.push_str(payload_hash);
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The string to sign for a canonical request.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// The signature of a string to sign with a secret key for a scope.
pub fn sign(secret: &str, sig: &Signature, string_to_sign: &str) -> String {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), &sig.date);
    let k_region = hmac(&k_date, &sig.region);
    let k_service = hmac(&k_region, &sig.service);
    let k_signing = hmac(&k_service, "aws4_request");
    hex(&hmac(&k_signing, string_to_sign))
}

/// Reads the signature of a request, from the `Authorization` header or the query string.
/// `Ok(None)` when the request carries none.
pub fn parse(req: &Request<'_>) -> Result<Option<Signature>, AuthError> {
    if let Some(auth) = header(req, "authorization") {
        return parse_header(req, auth.trim()).map(Some);
    }
    let params = query_params(req.query);
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if get("X-Amz-Signature").is_none() && get("X-Amz-Algorithm").is_none() {
        return Ok(None);
    }
    let incomplete = |what: &str| {
        auth_error(
            "IncompleteSignatureException",
            format!("The presigned request is missing {what}"),
        )
    };
    if get("X-Amz-Algorithm") != Some(ALGORITHM) {
        return Err(incomplete(&format!("X-Amz-Algorithm={ALGORITHM}")));
    }
    let credential = get("X-Amz-Credential").ok_or_else(|| incomplete("X-Amz-Credential"))?;
    let amz_date = get("X-Amz-Date").ok_or_else(|| incomplete("X-Amz-Date"))?;
    let signed = get("X-Amz-SignedHeaders").ok_or_else(|| incomplete("X-Amz-SignedHeaders"))?;
    let signature = get("X-Amz-Signature").ok_or_else(|| incomplete("X-Amz-Signature"))?;
    let expires = get("X-Amz-Expires")
        .and_then(|e| e.parse().ok())
        .ok_or_else(|| incomplete("X-Amz-Expires"))?;
    build(credential, signed, signature, amz_date, Some(expires)).map(Some)
}

fn parse_header(req: &Request<'_>, auth: &str) -> Result<Signature, AuthError> {
    let incomplete = |m: String| auth_error("IncompleteSignatureException", m);
    let rest = auth.strip_prefix(ALGORITHM).ok_or_else(|| {
        incomplete(format!(
            "Authorization header requires '{ALGORITHM}' as its algorithm"
        ))
    })?;
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        }
    }
    let missing = |what: &str| {
        incomplete(format!(
            "Authorization header requires '{what}' parameter. Authorization={auth}"
        ))
    };
    let credential = credential.ok_or_else(|| missing("Credential"))?;
    let signed = signed.ok_or_else(|| missing("SignedHeaders"))?;
    let signature = signature.ok_or_else(|| missing("Signature"))?;
    let amz_date = header(req, "x-amz-date").ok_or_else(|| {
        incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                .into(),
        )
    })?;
    build(credential, signed, signature, amz_date, None)
}

fn build(
    credential: &str,
    signed: &str,
    signature: &str,
    amz_date: &str,
    presigned_expires: Option<u64>,
) -> Result<Signature, AuthError> {
    let parts: Vec<&str> = credential.split('/').collect();
    if parts.len() != 5 || parts[4] != "aws4_request" || parts[0].is_empty() {
        return Err(auth_error(
            "IncompleteSignatureException",
            format!(
                "Credential should be scoped to a valid region, a service and 'aws4_request'. Credential={credential}"
            ),
        ));
    }
    let well_formed_date = amz_date.len() == 16
        && amz_date.as_bytes()[8] == b'T'
        && amz_date.ends_with('Z')
        && amz_date[..8].bytes().all(|b| b.is_ascii_digit())
        && amz_date[9..15].bytes().all(|b| b.is_ascii_digit());
    if !well_formed_date {
        return Err(auth_error(
            "IncompleteSignatureException",
            format!("Invalid X-Amz-Date '{amz_date}': it must be yyyyMMddTHHmmssZ"),
        ));
    }
    if parts[1] != &amz_date[..8] {
        return Err(auth_error(
            "InvalidSignatureException",
            format!(
                "Credential should be scoped to a valid date: '{}' != '{}'",
                parts[1],
                &amz_date[..8]
            ),
        ));
    }
    let signed_headers: Vec<String> = signed.split(';').map(str::to_ascii_lowercase).collect();
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(auth_error(
            "IncompleteSignatureException",
            "The signature must be 64 hexadecimal digits",
        ));
    }
    Ok(Signature {
        access_key: parts[0].to_string(),
        scope: parts[1..].join("/"),
        date: parts[1].to_string(),
        region: parts[2].to_string(),
        service: parts[3].to_string(),
        signed_headers,
        signature: signature.to_ascii_lowercase(),
        amz_date: amz_date.to_string(),
        presigned_expires,
    })
}

/// `yyyymmddThhmmssZ` of seconds since the epoch.
fn amz_date(seconds: i64) -> String {
    // RFC 3339 (`2015-08-30T12:36:00.000Z`) without its separators and fraction.
    let rfc = baton_engine::time::format_millis(seconds.saturating_mul(1000));
    let digits: String = rfc.chars().take(19).filter(char::is_ascii_digit).collect();
    match digits.get(..8).zip(digits.get(8..14)) {
        Some((day, time)) => format!("{day}T{time}Z"),
        None => rfc,
    }
}

/// Seconds since the epoch of `yyyymmddThhmmssZ`.
fn epoch_seconds(amz_date: &str) -> Option<i64> {
    let n = |r: std::ops::Range<usize>| amz_date.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (n(0..4)?, n(4..6)?, n(6..8)?);
    let (hh, mm, ss) = (n(9..11)?, n(11..13)?, n(13..15)?);
    let days = baton_engine::time::days_from_civil(y, m, d);
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// The longest life of a presigned request (AWS: seven days).
pub const MAX_EXPIRES_SECONDS: u64 = 604_800;

/// What the verifier needs besides the request.
pub struct Verifier<'a> {
    /// The secret key of an access key id, if it is known.
    pub secret: &'a dyn Fn(&str) -> Option<String>,
    /// Now, in milliseconds since the epoch.
    pub now_millis: i64,
    /// How far the request's date may be from now (AWS: 15 minutes).
    pub max_skew_seconds: i64,
    /// Path normalisation (on for every service but S3).
    pub normalize: bool,
    /// The service the credential scope must name (`states`), if checked.
    pub service: Option<&'a str>,
    /// Headers that must be among the signed ones when the request has them (besides `host`,
    /// which must always be signed): for the API, `x-amz-target`, so that a signature for one
    /// operation cannot be used for another.
    pub must_sign: &'a [&'a str],
}

impl Verifier<'_> {
    /// Checks a request's signature; the access key that signed it.
    pub fn verify(&self, req: &Request<'_>) -> Result<String, AuthError> {
        let sig = parse(req)?.ok_or_else(|| {
            auth_error(
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
            )
        })?;
        if let Some(hash) = header(req, "x-amz-content-sha256")
            && !hash.eq_ignore_ascii_case(&sha256_hex(req.body))
        {
            return Err(auth_error(
                "InvalidSignatureException",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ));
        }
        if let Some(service) = self.service
            && sig.service != service
        {
            return Err(auth_error(
                "InvalidSignatureException",
                format!(
                    "Credential should be scoped to correct service: '{service}'. Credential scope: {}",
                    sig.scope
                ),
            ));
        }
        let unsigned = std::iter::once("host")
            .chain(self.must_sign.iter().copied())
            .find(|h| {
                (*h == "host" || header(req, h).is_some())
                    && !sig.signed_headers.iter().any(|s| s == h)
            });
        if let Some(h) = unsigned {
            return Err(auth_error(
                "InvalidSignatureException",
                format!("'{h}' must be a signed header."),
            ));
        }
        let secret = (self.secret)(&sig.access_key).ok_or_else(|| {
            auth_error(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        })?;
        let signed_at = epoch_seconds(&sig.amz_date)
            .ok_or_else(|| auth_error("IncompleteSignatureException", "Invalid X-Amz-Date"))?;
        let now = self.now_millis.div_euclid(1000);
        match sig.presigned_expires {
            Some(expires) if expires > MAX_EXPIRES_SECONDS => {
                return Err(auth_error(
                    "InvalidSignatureException",
                    format!(
                        "X-Amz-Expires must be less than a week (in seconds) that is {MAX_EXPIRES_SECONDS}"
                    ),
                ));
            }
            Some(expires)
                if now > signed_at.saturating_add(expires as i64)
                    || signed_at > now.saturating_add(self.max_skew_seconds) =>
            {
                return Err(auth_error(
                    "InvalidSignatureException",
                    format!(
                        "Signature expired: {} is now earlier than {} (presigned for {expires} s)",
                        sig.amz_date,
                        amz_date(now)
                    ),
                ));
            }
            None if now.saturating_sub(signed_at).abs() > self.max_skew_seconds => {
                return Err(auth_error(
                    "InvalidSignatureException",
                    format!(
                        "Signature expired: {} is now earlier than {} ({} - {} min.)",
                        sig.amz_date,
                        amz_date(now - self.max_skew_seconds),
                        amz_date(now),
                        self.max_skew_seconds / 60
                    ),
                ));
            }
            _ => {}
        }
        let matches = |expected: &str| {
            // Constant time: no hint of how much of a forgery was right.
            expected.len() == sig.signature.len()
                && expected
                    .bytes()
                    .zip(sig.signature.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        };
        let (creq, sts, expected) = self.expected(req, &sig, &secret, false);
        let mut same = matches(&expected);
        // A presigned URL may carry a session token its signer added after signing.
        if !same && sig.presigned_expires.is_some() && req.query.contains("X-Amz-Security-Token=") {
            same = matches(&self.expected(req, &sig, &secret, true).2);
        }
        if !same {
            return Err(auth_error(
                "InvalidSignatureException",
                format!(
                    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'{creq}'\n\nThe String-to-Sign should have been\n'{sts}'\n"
                ),
            ));
        }
        Ok(sig.access_key)
    }

    /// The canonical request, string to sign and signature the server computes.
    pub fn expected(
        &self,
        req: &Request<'_>,
        sig: &Signature,
        secret: &str,
        without_token: bool,
    ) -> (String, String, String) {
        // The body's own hash, always: an `X-Amz-Content-Sha256` header that says otherwise
        // (or UNSIGNED-PAYLOAD) is refused in `verify`, so a captured signature cannot carry
        // another body.
        let payload = sha256_hex(req.body);
        let creq = canonical_request(
            req,
            &sig.signed_headers,
            &payload,
            self.normalize,
            without_token,
        );
        let sts = string_to_sign(&sig.amz_date, &sig.scope, &creq);
        let signature = sign(secret, sig, &sts);
        (creq, sts, signature)
    }
}
