// Auth accepted and refused: the server's connect hook accepts
// `{token: "secret"}` (and emits `welcome` with the auth it got), refuses
// anything else with `{message: "not authorized", data: {code: 4001, ...}}`;
// an unknown namespace is refused with "Invalid namespace".
//
// Usage: node socketio_auth.mjs <server url> <polling|websocket>

import { check, checkJson, client, connectError, connected, next, run } from "./socketio_common.mjs";

run("socketio_auth", async () => {
  const accepted = client("/", { auth: { token: "secret" } });
  const welcome = next(accepted, "welcome");
  await connected(accepted);
  checkJson(await welcome, [{ token: "secret" }], "welcome after connect");

  const refused = client("/", { auth: { token: "wrong" } });
  const err = await connectError(refused);
  check(err instanceof Error, "connect_error is not an Error");
  checkJson(
    { message: err.message, data: err.data },
    { message: "not authorized", data: { code: 4001, reason: "bad token" } },
    "refusal",
  );
  check(!refused.connected, "refused socket is connected");

  const unknown = client("/nope", { auth: { token: "secret" } });
  const unknownErr = await connectError(unknown);
  checkJson(unknownErr.message, "Invalid namespace", "unknown namespace refusal");

  const ids = { accepted: accepted.id };
  for (const socket of [accepted, refused, unknown]) socket.disconnect();
  return ids;
});
