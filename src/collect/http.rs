//! The scan's one HTTP stack: every SDK client and every signed request ([`super::raw`]) of every account share one
//! connector per connection settings (TLS configuration, root certificates, connection pool) instead of building
//! their own. Credentials are not part of it: each request is signed by its own client, with its account's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_async::rt::sleep::SharedAsyncSleep;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// Builds a connector for some settings (the default HTTPS connector; a test's recorder).
type Build =
    dyn Fn(&HttpConnectorSettings, Option<SharedAsyncSleep>) -> SharedHttpConnector + Send + Sync;

/// A connector's settings as far as they make it differ: its connect and read timeouts.
type SettingsKey = (Option<Duration>, Option<Duration>);

/// The connectors of one scan, by connect and read timeout, built on first use. Cloning shares them. Set on the
/// caller's `SdkConfig` (every configuration derived from it, a member account's included, inherits it) and given
/// to every [`super::raw::RawClient`].
#[derive(Clone)]
pub struct Http {
    connectors: Arc<Mutex<HashMap<SettingsKey, SharedHttpConnector>>>,
    build: Arc<Build>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let built = self.connectors.lock().map_or(0, |c| c.len());
        f.debug_struct("Http").field("connectors", &built).finish()
    }
}

impl Default for Http {
    fn default() -> Self {
        Http::new()
    }
}

impl Http {
    /// The SDK's default HTTPS stack (hyper 1, rustls with aws-lc, proxies from the environment), shared.
    pub fn new() -> Self {
        Http::building(|settings, sleep| {
            let mut builder = aws_smithy_http_client::Connector::builder()
                .tls_provider(Provider::Rustls(CryptoMode::AwsLc));
            builder.set_connector_settings(Some(settings.clone()));
            builder.set_sleep_impl(sleep);
            builder.set_proxy_config(Some(ProxyConfig::from_env()));
            SharedHttpConnector::new(builder.build())
        })
    }

    /// Connectors made by `build`, one per settings.
    pub fn building(
        build: impl Fn(&HttpConnectorSettings, Option<SharedAsyncSleep>) -> SharedHttpConnector
            + Send
            + Sync
            + 'static,
    ) -> Self {
        Http {
            connectors: Arc::default(),
            build: Arc::new(build),
        }
    }

    /// The connector for `settings`: built by the first client that asks, shared with every later one.
    pub fn connector(
        &self,
        settings: &HttpConnectorSettings,
        sleep: Option<SharedAsyncSleep>,
    ) -> SharedHttpConnector {
        let key: SettingsKey = (settings.connect_timeout(), settings.read_timeout());
        let mut connectors = self.connectors.lock().expect("connectors lock");
        connectors
            .entry(key)
            .or_insert_with(|| (self.build)(settings, sleep))
            .clone()
    }
}

impl HttpClient for Http {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.connector(settings, components.sleep_impl())
    }
}

/// What the tests of the HTTP stack's users share: an [`Http`] whose connector answers every request with one status
/// and keeps the access key each request was signed with, and the count of connectors it built.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use aws_smithy_runtime_api::client::http::{
        HttpConnector, HttpConnectorFuture, SharedHttpConnector,
    };
    use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    use super::Http;

    /// The access keys requests were signed with, in the order they were sent.
    pub type Keys = Arc<Mutex<Vec<String>>>;

    #[derive(Debug)]
    struct Recorder {
        status: u16,
        keys: Keys,
    }

    impl HttpConnector for Recorder {
        fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
            let key = request
                .headers()
                .get("authorization")
                .and_then(|a| a.split("Credential=").nth(1))
                .and_then(|c| c.split('/').next())
                .unwrap_or_default()
                .to_string();
            self.keys.lock().unwrap().push(key);
            let status = StatusCode::try_from(self.status).expect("a status");
            HttpConnectorFuture::ready(Ok(HttpResponse::new(status, SdkBody::empty())))
        }
    }

    /// An [`Http`] answering `status` to everything, the keys its requests were signed with, and how many connectors
    /// it built.
    pub fn recording(status: u16) -> (Http, Keys, Arc<AtomicUsize>) {
        let keys = Keys::default();
        let built = Arc::new(AtomicUsize::new(0));
        let http = {
            let (keys, built) = (Arc::clone(&keys), Arc::clone(&built));
            Http::building(move |_, _| {
                built.fetch_add(1, Ordering::SeqCst);
                SharedHttpConnector::new(Recorder {
                    status,
                    keys: Arc::clone(&keys),
                })
            })
        };
        (http, keys, built)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use aws_config::{BehaviorVersion, Region, SdkConfig};
    use aws_credential_types::provider::SharedCredentialsProvider;
    use aws_credential_types::Credentials;

    use super::*;

    #[tokio::test]
    async fn sdk_clients_of_every_account_send_through_one_connector() {
        let (http, keys, built) = testing::recording(500);
        let credentials = |key: &str| {
            SharedCredentialsProvider::new(Credentials::new(key, "secret", None, None, "test"))
        };
        let caller = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .endpoint_url("http://127.0.0.1:9")
            .http_client(http.clone())
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .credentials_provider(credentials("AKIDCALLER"))
            .build();
        // a member account's configuration is the caller's with the role's credentials (org::enter)
        let member = caller
            .clone()
            .into_builder()
            .credentials_provider(credentials("AKIDMEMBER"))
            .build();
        for config in [&caller, &member, &caller] {
            let sts = aws_sdk_sts::Client::new(config);
            assert!(sts.get_caller_identity().send().await.is_err());
        }
        let lambda = aws_sdk_lambda::Client::new(&member);
        assert!(lambda.list_functions().send().await.is_err());
        assert_eq!(
            built.load(Ordering::SeqCst),
            1,
            "one connector for every client"
        );
        assert_eq!(
            *keys.lock().unwrap(),
            ["AKIDCALLER", "AKIDMEMBER", "AKIDCALLER", "AKIDMEMBER"]
        );
    }
}
