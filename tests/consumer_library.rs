//! Consumers defined in a library crate are registered when the binary
//! names the crate.
//!
//! Without the `use` below, nothing of `sio_test_consumers` would be named
//! by this test binary, the linker would drop the crate (rustc 1.95 on
//! Linux), and its consumer would silently not be served.

mod consumer_support;

use consumer_support::TestServer;
use sio::App;
use sio::core::Value;
use sio_test_consumers as _;

#[tokio::test]
async fn a_consumer_of_a_library_crate_is_registered_and_served() {
    let app = App::builder().build().expect("builds");
    let namespaces: Vec<(&str, &str)> = app
        .consumers()
        .iter()
        .map(|consumer| (consumer.namespace(), consumer.type_name()))
        .collect();
    assert_eq!(namespaces, [("/from-library", "sio_test_consumers::LibraryConsumer")]);

    let server = TestServer::start_default().await;
    let mut client = server.client().await.joined("/from-library").await;
    let answer = client.call("/from-library", "whoami", vec![]).await;
    assert_eq!(answer, vec![Value::from("sio-test-consumers")]);
}

#[tokio::test]
async fn a_consumer_can_also_be_registered_explicitly() {
    let app = App::builder()
        .discover(false)
        .consumer::<sio_test_consumers::LibraryConsumer>()
        .build()
        .expect("builds");
    assert_eq!(app.server().namespaces(), [sio_test_consumers::NAMESPACE]);
}
