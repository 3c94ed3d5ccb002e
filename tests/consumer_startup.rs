//! Startup checks: two consumers on one namespace, application state of
//! the wrong type or missing, no consumer at all, a port that cannot be
//! bound.

mod consumer_support;

use consumer_support::{TestServer, capture_warnings};
use sio::core::Value;
use sio::{App, ServeError, Socket, StartError, StateError, consumer};

#[derive(Default)]
struct First;

#[consumer(namespace = "/twice")]
impl First {}

#[derive(Default)]
struct Second;

#[consumer(namespace = "/twice")]
impl Second {}

/// The application state of this test binary.
struct Db {
    name: &'static str,
}

struct WithState {
    db_name: &'static str,
}

impl WithState {
    fn new(db: &Db) -> Self {
        WithState { db_name: db.name }
    }
}

#[consumer(namespace = "/state", new = WithState::new)]
impl WithState {
    async fn event_db(&mut self, _socket: &Socket) -> &'static str {
        self.db_name
    }
}

#[test]
fn two_consumers_on_one_namespace_is_a_startup_error_naming_both() {
    let error = App::builder().state(Db { name: "main" }).build().expect_err("refused");
    match &error {
        StartError::DuplicateNamespace {
            namespace,
            first,
            second,
        } => {
            assert_eq!(*namespace, "/twice");
            assert_eq!(*first, "consumer_startup::First");
            assert_eq!(*second, "consumer_startup::Second");
        }
        other => panic!("expected DuplicateNamespace, got {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "namespace \"/twice\" has two consumers, consumer_startup::First and consumer_startup::Second: keep one, \
         or change a namespace"
    );
}

#[tokio::test]
async fn the_state_reaches_each_consumer_instance_typed() {
    let server = TestServer::start(
        App::builder()
            .discover(false)
            .consumer::<WithState>()
            .state(Db { name: "main" }),
    )
    .await;
    let mut client = server.client().await.joined("/state").await;
    assert_eq!(client.call("/state", "db", vec![]).await, vec![Value::from("main")]);
}

#[test]
fn a_missing_state_is_a_startup_error_naming_the_consumer_and_the_type() {
    let error = App::builder()
        .discover(false)
        .consumer::<WithState>()
        .build()
        .expect_err("refused");
    assert!(
        matches!(
            error,
            StartError::State(StateError::Missing {
                consumer: "consumer_startup::WithState",
                expected: "consumer_startup::Db",
            })
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("call .state(..)"), "{error}");
}

#[test]
fn a_state_of_another_type_is_a_startup_error_naming_both_types() {
    let error = App::builder()
        .discover(false)
        .consumer::<WithState>()
        .state(String::from("not a Db"))
        .build()
        .expect_err("refused");
    assert!(
        matches!(
            error,
            StartError::State(StateError::Mismatch {
                consumer: "consumer_startup::WithState",
                expected: "consumer_startup::Db",
                given: "alloc::string::String",
            })
        ),
        "{error:?}"
    );
}

#[test]
fn no_consumer_at_all_builds_with_a_warning() {
    let (warnings, _guard) = capture_warnings();
    let app = App::builder().discover(false).build().expect("builds");
    assert!(app.consumers().is_empty());
    assert!(app.server().namespaces().is_empty());
    let warnings = warnings.text();
    assert!(
        warnings.contains("no #[consumer] is registered") && warnings.contains("use my_consumers as _;"),
        "{warnings}"
    );
}

#[tokio::test]
async fn a_port_that_cannot_be_bound_is_a_bind_error() {
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = taken.local_addr().expect("address").to_string();
    let error = App::builder()
        .discover(false)
        .serve(address.as_str())
        .await
        .expect_err("the port is taken");
    match &error {
        ServeError::Bind { address: reported, .. } => assert_eq!(reported, &address),
        other => panic!("expected a bind error, got {other:?}"),
    }
    assert!(
        error
            .to_string()
            .starts_with(&format!("could not listen on {address}: ")),
        "{error}"
    );
    let io: std::io::Error = error.into();
    assert_eq!(io.kind(), std::io::ErrorKind::AddrInUse);
}
