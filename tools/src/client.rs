//! The simulators' HTTP: a blocking `reqwest` client bound to one server
//! base URL (`http://host[:port][/prefix]`), answering status and body as
//! text, so a simulator decides itself what a status means.

use std::time::Duration;

use reqwest::Method;
use reqwest::blocking::Client;

/// A client of one qibao server.
#[derive(Debug, Clone)]
pub struct Server {
    base: String,
    http: Client,
}

impl Server {
    /// A client of the server at `base` (30 s timeout per request).
    pub fn new(base: &str) -> Result<Server, String> {
        let base = base.trim().trim_end_matches('/').to_owned();
        if !base.starts_with("http://") || base.len() == "http://".len() {
            return Err(format!("only http:// servers are supported, got {base:?}"));
        }
        let http = Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Server { base, http })
    }

    /// The base URL, without a trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends one request (JSON body and bearer token when given); returns
    /// the status and the body.
    pub fn call(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, String), String> {
        let url = format!("{}{path}", self.base);
        let mut request = self
            .http
            .request(method, &url)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().map_err(|e| format!("{url}: {e}"))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .map_err(|e| format!("{url}: cannot read the answer: {e}"))?;
        Ok((status, text))
    }

    /// POSTs a JSON body without credentials.
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Result<(u16, String), String> {
        self.call(Method::POST, path, None, Some(body))
    }

    /// Waits until `GET /readyz` answers 200, polling twice a second, for at
    /// most `timeout`; the last error otherwise.
    pub fn wait_ready(&self, timeout: Duration) -> Result<(), String> {
        let start = std::time::Instant::now();
        loop {
            let last = match self.call(Method::GET, "/readyz", None, None) {
                Ok((200, _)) => return Ok(()),
                Ok((status, body)) => format!("/readyz answered {status}: {body}"),
                Err(e) => e,
            };
            if start.elapsed() >= timeout {
                return Err(format!(
                    "{} not ready after {} s: {last}",
                    self.base,
                    timeout.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

/// A client signed in with client credentials (the tax bureau's, the
/// transfer platform's): each call carries its bearer token, and a 401
/// signs in again once.
#[derive(Debug, Clone)]
pub struct ClientSession {
    token_path: &'static str,
    client_id: String,
    secret: String,
    token: Option<String>,
}

impl ClientSession {
    /// A session that signs in at `token_path` (`/api/v1/auth/tax-tokens`,
    /// `/api/v1/auth/platform-tokens`) with these credentials.
    pub fn new(token_path: &'static str, client_id: &str, secret: &str) -> ClientSession {
        ClientSession {
            token_path,
            client_id: client_id.to_owned(),
            secret: secret.to_owned(),
            token: None,
        }
    }

    fn sign_in(&mut self, server: &Server) -> Result<String, String> {
        let body = serde_json::json!({"client_id": self.client_id, "client_secret": self.secret});
        let (status, text) = server.post_json(self.token_path, &body)?;
        if status != 200 {
            return Err(format!("sign-in refused ({status}): {text}"));
        }
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let token = v["access_token"]
            .as_str()
            .ok_or("no access_token in the sign-in answer")?
            .to_owned();
        self.token = Some(token.clone());
        Ok(token)
    }

    /// One authenticated request; signs in again once on 401. The answer's
    /// body as JSON (null when empty).
    pub fn call(
        &mut self,
        server: &Server,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, serde_json::Value), String> {
        for attempt in 0..2 {
            let token = match &self.token {
                Some(t) => t.clone(),
                None => self.sign_in(server)?,
            };
            let (status, answer) = server.call(method.clone(), path, Some(&token), body)?;
            if status == 401 && attempt == 0 {
                self.token = None;
                continue;
            }
            let v = if answer.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::from_str(&answer).map_err(|e| format!("{path}: {e}: {answer}"))?
            };
            return Ok((status, v));
        }
        Err(format!("sign-in at {} keeps failing", self.token_path))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(
            Server::new("http://127.0.0.1:8080/").unwrap().base(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            Server::new(" http://example.org/prefix").unwrap().base(),
            "http://example.org/prefix"
        );
        assert!(Server::new("example.org").is_err());
        assert!(Server::new("https://example.org").is_err());
        assert!(Server::new("http://").is_err());
    }
}
