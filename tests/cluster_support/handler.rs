//! The event protocol of a cluster node (see the module above), as a
//! socket handler shared by `/` and `/chat`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value as Json, json};
use sio::server::socketio::{BoxFuture, Event, SocketHandler};
use sio::{ConnectError, DisconnectReason, Socket, Value};

use super::report::{from_report as from_json, to_report as to_json};

/// One connection's handler on node `node`.
pub struct ClusterHandler {
    node: Arc<str>,
}

impl ClusterHandler {
    pub fn new(node: Arc<str>) -> Self {
        ClusterHandler { node }
    }
}

/// The arguments as the driver's JSON (binary as `{"$bin": hex}`).
pub fn to_json_all(values: &[Value]) -> Json {
    Json::Array(values.iter().map(to_json).collect())
}

fn strings(value: &Json, key: &str) -> Vec<String> {
    value[key]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The selection `{rooms, except, local}` of `opts` on the socket's
/// namespace (the sender included when it matches).
fn operator(socket: &Socket, opts: &Json) -> sio::BroadcastOperator {
    let mut operator = socket.server().of(socket.namespace());
    for room in strings(opts, "rooms") {
        operator = operator.to(room);
    }
    for room in strings(opts, "except") {
        operator = operator.except(room);
    }
    if opts["local"].as_bool() == Some(true) {
        operator = operator.local();
    }
    operator
}

fn args_of(opts: &Json) -> Vec<Value> {
    opts["args"]
        .as_array()
        .map(|args| args.iter().map(from_json).collect())
        .unwrap_or_default()
}

fn timeout_of(opts: &Json) -> Duration {
    Duration::from_millis(opts["timeout"].as_u64().unwrap_or(2000))
}

impl ClusterHandler {
    async fn answer(&self, socket: &Socket, name: &str, args: &[Value]) -> Json {
        let first = args.first().map(to_json).unwrap_or(Json::Null);
        match name {
            "whoami" => json!({"node": &*self.node, "id": socket.id().to_string()}),
            "join" => {
                socket.join(first.as_str().unwrap_or_default().to_owned());
                json!(true)
            }
            "leave" => {
                socket.leave(first.as_str().unwrap_or_default().to_owned());
                json!(true)
            }
            "set_data" => json!(
                socket
                    .set_shared_data(&args.first().cloned().unwrap_or(Value::Null))
                    .is_ok()
            ),
            "broadcast" => {
                let event = first["event"].as_str().unwrap_or("msg");
                json!(operator(socket, &first).emit_args(event, args_of(&first)).is_ok())
            }
            "broadcast_ack" => {
                let event = first["event"].as_str().unwrap_or("ask");
                let arg = args_of(&first).into_iter().next().unwrap_or(Value::Null);
                match operator(socket, &first)
                    .timeout(timeout_of(&first))
                    .emit_with_ack(event, &arg)
                    .await
                {
                    Ok(responses) => {
                        let answers: Vec<Json> = responses
                            .answers
                            .iter()
                            .map(|(_, args)| args.first().map(to_json).unwrap_or(Json::Null))
                            .collect();
                        json!({
                            "timedOut": !responses.is_complete(),
                            "answers": answers,
                            "remoteMissing": responses.remote_missing,
                            "localMissing": responses.missing.len(),
                            "unresponsiveNodes": responses.unresponsive_nodes,
                            "clusterError": responses.cluster_error,
                        })
                    }
                    Err(error) => json!({"error": error.to_string()}),
                }
            }
            "fetch" => match operator(socket, &first).fetch_sockets().await {
                Ok(sockets) => {
                    let mut listed: Vec<Json> = sockets
                        .iter()
                        .map(|remote| {
                            let mut rooms: Vec<String> = remote.rooms().iter().map(|room| room.to_string()).collect();
                            rooms.sort();
                            let handshake = remote.handshake();
                            json!({
                                "id": remote.id().to_string(),
                                "rooms": rooms,
                                "data": to_json(remote.shared_data()),
                                "handshake": {
                                    "address": handshake.address,
                                    "query": handshake.query.iter().map(|(k, v)| (k.clone(), to_json(v))).collect::<serde_json::Map<_, _>>(),
                                    "url": handshake.url,
                                    "headers_host": handshake.headers.get("host").map(to_json),
                                },
                                "local": remote.local_socket().is_some(),
                            })
                        })
                        .collect();
                    listed.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
                    Json::Array(listed)
                }
                Err(error) => json!({"error": error.to_string()}),
            },
            "remote_join" => json!(
                operator(socket, &first)
                    .sockets_join([first["room"].as_str().unwrap_or_default().to_owned()])
                    .is_ok()
            ),
            "remote_leave" => json!(
                operator(socket, &first)
                    .sockets_leave([first["room"].as_str().unwrap_or_default().to_owned()])
                    .is_ok()
            ),
            "remote_disconnect" => json!(
                operator(socket, &first)
                    .disconnect_sockets(first["close"].as_bool().unwrap_or(false))
                    .is_ok()
            ),
            "fetched_emit" => {
                let wanted = first["id"].as_str().unwrap_or_default();
                let event = first["event"].as_str().unwrap_or("msg");
                let sockets = socket
                    .server()
                    .of(socket.namespace())
                    .fetch_sockets()
                    .await
                    .unwrap_or_default();
                match sockets.iter().find(|remote| remote.id().as_str() == wanted) {
                    Some(remote) => {
                        let arg = args_of(&first).into_iter().next().unwrap_or(Value::Null);
                        json!(remote.emit(event, &arg).is_ok())
                    }
                    None => json!(false),
                }
            }
            "server_emit" => {
                let event = first["event"].as_str().unwrap_or("hello");
                json!(
                    socket
                        .server()
                        .of(socket.namespace())
                        .server_side_emit_args(event, args_of(&first))
                        .is_ok()
                )
            }
            "server_emit_ack" => {
                let event = first["event"].as_str().unwrap_or("ping_nodes");
                let arg = args_of(&first).into_iter().next().unwrap_or(Value::Null);
                match socket
                    .server()
                    .of(socket.namespace())
                    .timeout(timeout_of(&first))
                    .server_side_emit_with_ack(event, &arg)
                    .await
                {
                    Ok(responses) => json!({
                        "timedOut": !responses.is_complete(),
                        "answers": responses.answers.iter().map(to_json).collect::<Vec<_>>(),
                    }),
                    Err(error) => json!({"error": error.to_string()}),
                }
            }
            other => json!({"error": format!("unknown event {other}")}),
        }
    }
}

impl SocketHandler for ClusterHandler {
    fn connect<'a>(&'a mut self, socket: &'a Socket, auth: Option<Value>) -> BoxFuture<'a, Result<(), ConnectError>> {
        Box::pin(async move {
            let auth = auth.as_ref().map(to_json).unwrap_or(Json::Null);
            for room in strings(&auth, "rooms") {
                socket.join(room);
            }
            Ok(())
        })
    }

    fn event<'a>(&'a mut self, socket: &'a Socket, event: Event) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let answer = self.answer(socket, &event.name, &event.args).await;
            if let Some(ack) = event.ack {
                let _ = ack.send(&answer);
            }
        })
    }

    fn disconnect<'a>(&'a mut self, _: &'a Socket, _: DisconnectReason) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}
