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
