//! Read-only binary caches over HTTP(S): a [`CacheBackend`] for
//! `xnix_store::binary_cache`, which owns the cache layout, verification and
//! import. This crate holds it because it owns the HTTP client.

use std::io::Read;
use std::time::Duration;

use xnix_store::binary_cache::{BinaryCacheError, CacheBackend};

/// The largest file fetched from a cache.
const MAX_FILE: u64 = 8 << 30;

/// An `http://` or `https://` binary cache.
pub struct HttpBackend {
    base: String,
    agent: ureq::Agent,
}

impl HttpBackend {
    /// A backend for the cache at `url` (`http(s)://HOST/PATH`, no trailing
    /// slash needed). Fails for other schemes.
    pub fn new(url: &str) -> Result<HttpBackend, BinaryCacheError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(BinaryCacheError::UnsupportedUrl(url.to_string()));
        }
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(30))
            .timeout_read(Duration::from_secs(300))
            .user_agent(concat!("xnix/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(HttpBackend {
            base: url.trim_end_matches('/').to_string(),
            agent,
        })
    }

    fn transport(&self, name: &str, message: String) -> BinaryCacheError {
        BinaryCacheError::Transport {
            url: self.base.clone(),
            message: format!("fetching '{name}': {message}"),
        }
    }
}

impl CacheBackend for HttpBackend {
    fn url(&self) -> String {
        self.base.clone()
    }

    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, BinaryCacheError> {
        let Some(mut reader) = self.open(name)? else {
            return Ok(None);
        };
        let mut body = Vec::new();
        reader
            .read_to_end(&mut body)
            .map_err(|e| self.transport(name, e.to_string()))?;
        Ok(Some(body))
    }

    /// Streams the body. 404 and 403 mean "not there", as for Nix (S3
    /// answers 403 for absent keys).
    fn open(&self, name: &str) -> Result<Option<Box<dyn Read + '_>>, BinaryCacheError> {
        let url = format!("{}/{name}", self.base);
        match self.agent.get(&url).call() {
            Ok(resp) => Ok(Some(Box::new(resp.into_reader().take(MAX_FILE)))),
            Err(ureq::Error::Status(404 | 403, _)) => Ok(None),
            Err(ureq::Error::Status(code, resp)) => Err(self.transport(
                name,
                format!("server answered HTTP {code} {}", resp.status_text()),
            )),
            Err(ureq::Error::Transport(t)) => Err(self.transport(name, t.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    /// Serve `n` requests: `/present` gives "hello", anything else 404.
    fn serve(n: usize) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(n) {
                let mut stream = stream.unwrap();
                let mut line = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                reader.read_line(&mut line).unwrap();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap() == 0 || h == "\r\n" {
                        break;
                    }
                }
                let reply = if line.starts_with("GET /c/present ") {
                    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
                } else {
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                };
                stream.write_all(reply.as_bytes()).unwrap();
            }
        });
        format!("http://{addr}/c/")
    }

    #[test]
    fn get_and_missing() {
        let b = HttpBackend::new(&serve(2)).unwrap();
        assert_eq!(b.get("present").unwrap().as_deref(), Some(&b"hello"[..]));
        assert_eq!(b.get("absent.narinfo").unwrap(), None);
        assert!(matches!(
            b.put("x", b"y"),
            Err(BinaryCacheError::ReadOnly(_))
        ));
        assert!(HttpBackend::new("ftp://x").is_err());
    }
}
