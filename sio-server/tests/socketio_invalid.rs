//! Invalid Socket.IO packets close the whole Engine.IO session; the
//! handlers of its namespaces see `parse error`.

mod socketio_support;

use serde_json::json;
use sio_server::socketio::DisconnectReason;
use socketio_support::{Outgoing, RawClient, TestIo, Transport, both_transports, placeholder};

both_transports!(
    unknown_packet_type_closes_the_session,
    event_data_not_a_non_empty_array_closes_the_session,
    event_name_neither_string_nor_number_closes_the_session,
    reserved_event_name_from_the_client_closes_the_session,
    bad_json_closes_the_session,
    non_numeric_ack_id_closes_the_session,
    ack_id_over_64_bits_closes_the_session,
    auth_not_an_object_closes_the_session,
    namespace_without_slash_closes_the_session,
    placeholder_num_out_of_range_closes_the_session,
    text_packet_while_attachments_are_expected_closes_the_session,
    binary_message_when_none_is_expected_closes_the_session,
    malformed_attachment_count_closes_the_session,
    deeply_nested_json_closes_the_session_and_the_server_survives,
);

fn packet(text: &str) -> Outgoing {
    Outgoing::Packet(text.to_owned())
}

/// For each batch: a fresh session joins `/` and `/custom`, sends the
/// batch, and must be closed, both sockets seeing `parse error`.
async fn assert_each_closes(transport: Transport, batches: Vec<Vec<Outgoing>>) {
    assert_each_closes_on(&TestIo::standard().await, transport, batches).await;
}

/// [`assert_each_closes`] on a given server.
async fn assert_each_closes_on(io: &TestIo, transport: Transport, batches: Vec<Vec<Outgoing>>) {
    for batch in batches {
        let (mut client, root) = io.join(transport, "/").await;
        let custom = io.join_more(&mut client, "/custom").await;
        client.send_batch(&batch).await;
        let before = client.closed().await;
        assert!(before.is_empty(), "{batch:?} was answered {before:?}");
        for socket in [&root, &custom] {
            let (reason, _) = io.disconnected(socket.id().as_str()).await;
            assert_eq!(reason, DisconnectReason::ParseError, "after {batch:?}");
        }
    }
}

/// Each text packet alone.
async fn assert_each_packet_closes(transport: Transport, packets: &[&str]) {
    assert_each_closes(transport, packets.iter().map(|text| vec![packet(text)]).collect()).await;
}

async fn unknown_packet_type_closes_the_session(transport: Transport) {
    assert_each_packet_closes(transport, &[r#"7["x"]"#, "9", "a", "", r#"-2["x"]"#]).await;
}

async fn event_data_not_a_non_empty_array_closes_the_session(transport: Transport) {
    assert_each_packet_closes(transport, &["2", "2[]", r#"2{"a":1}"#, r#"2"x""#, "2null", "27"]).await;
}

async fn event_name_neither_string_nor_number_closes_the_session(transport: Transport) {
    assert_each_packet_closes(transport, &["2[null]", "2[{}]", r#"2[["x"]]"#, "2[true]"]).await;
}

async fn reserved_event_name_from_the_client_closes_the_session(transport: Transport) {
    assert_each_packet_closes(
        transport,
        &[
            r#"2["connect"]"#,
            r#"2["connect_error",1]"#,
            r#"2["disconnect"]"#,
            r#"2["disconnecting"]"#,
            r#"2["newListener"]"#,
            r#"21["removeListener"]"#,
        ],
    )
    .await;
}

async fn bad_json_closes_the_session(transport: Transport) {
    assert_each_packet_closes(transport, &[r#"2["x""#, r#"2["x",]"#, "2['x']", "2[1 2]", r#"2["x"]]"#]).await;
}

async fn non_numeric_ack_id_closes_the_session(transport: Transport) {
    assert_each_packet_closes(transport, &[r#"2abc["x"]"#, "3x[]", r#"2/custom,abc["x"]"#, "3-1[]"]).await;
}

async fn ack_id_over_64_bits_closes_the_session(transport: Transport) {
    assert_each_packet_closes(
        transport,
        &[r#"218446744073709551616["x"]"#, "399999999999999999999999[]"],
    )
    .await;
}

async fn auth_not_an_object_closes_the_session(transport: Transport) {
    assert_each_packet_closes(
        transport,
        &[
            r#"0/other,"token""#,
            "0/other,[1]",
            "0/other,null",
            "0/other,true",
            r#"0"token""#,
        ],
    )
    .await;
    // Before any namespace is joined, the session closes too.
    let io = TestIo::standard().await;
    for text in [r#"0"token""#, r#"0["token"]"#, r#"0/custom,"x""#] {
        let mut client = RawClient::open(io.addr, transport).await;
        client.send(text).await;
        let before = client.closed().await;
        assert!(before.is_empty(), "{text:?} was answered {before:?}");
    }
}

async fn namespace_without_slash_closes_the_session(transport: Transport) {
    assert_each_packet_closes(transport, &[r#"2custom,["x"]"#, "0custom,", "1custom,"]).await;
}

async fn placeholder_num_out_of_range_closes_the_session(transport: Transport) {
    let batches = [
        json!({"_placeholder": true, "num": 1}),
        json!({"_placeholder": true, "num": -1}),
        json!({"_placeholder": true, "num": "0"}),
        json!({"_placeholder": true, "num": 0.5}),
        json!({"_placeholder": true}),
    ]
    .into_iter()
    .map(|bad| {
        vec![
            packet(&format!("51-{}", json!(["x", bad]))),
            Outgoing::Binary(vec![1, 2, 3]),
        ]
    })
    .collect();
    assert_each_closes(transport, batches).await;
}

async fn text_packet_while_attachments_are_expected_closes_the_session(transport: Transport) {
    let binary = format!("52-{}", json!(["x", placeholder(0), placeholder(1)]));
    assert_each_closes(
        transport,
        vec![
            vec![packet(&binary), packet(r#"2["echo","y"]"#)],
            vec![packet(&binary), Outgoing::Binary(vec![1]), packet(r#"2["echo","y"]"#)],
        ],
    )
    .await;
}

async fn binary_message_when_none_is_expected_closes_the_session(transport: Transport) {
    let binary = format!("51-{}", json!(["x", placeholder(0)]));
    assert_each_closes(
        transport,
        vec![
            vec![Outgoing::Binary(vec![1, 2])],
            vec![packet(&binary), Outgoing::Binary(vec![1]), Outgoing::Binary(vec![2])],
        ],
    )
    .await;
}

async fn malformed_attachment_count_closes_the_session(transport: Transport) {
    assert_each_packet_closes(
        transport,
        &[r#"5-["x"]"#, r#"5a-["x"]"#, r#"50-["x"]"#, r#"5["x"]"#, r#"21-["x"]"#],
    )
    .await;
}

async fn deeply_nested_json_closes_the_session_and_the_server_survives(transport: Transport) {
    let nested = |depth: usize| format!(r#"2["x",{}{}]"#, "[".repeat(depth), "]".repeat(depth));
    let io = TestIo::standard().await;
    assert_each_closes_on(
        &io,
        transport,
        vec![vec![packet(&nested(200))], vec![packet(&nested(100_000))]],
    )
    .await;
    // The very server that received them still serves.
    let (mut client, _) = io.join(transport, "/").await;
    client.send(&nested(100)).await;
    client.send(r#"2["echo","alive"]"#).await;
    client.expect(r#"2["echo","alive"]"#).await;
}
