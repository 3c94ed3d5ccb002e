use std::collections::{HashMap, HashSet};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::{Adapter, BroadcastOptions, Room, SocketId};

/// The adapter of a single process: rooms in memory, under one
/// reader-writer lock per namespace (joins write, broadcasts read).
#[derive(Debug, Default)]
pub struct InMemoryAdapter {
    state: RwLock<State>,
}

#[derive(Debug, Default)]
struct State {
    rooms: HashMap<Room, HashSet<SocketId>>,
    sockets: HashMap<SocketId, HashSet<Room>>,
}

impl State {
    /// The sockets in `room`, counting the own-id room of each socket.
    fn members<'a>(&'a self, room: &'a Room) -> impl Iterator<Item = &'a SocketId> + 'a {
        let own = self.sockets.get_key_value(room.as_str()).map(|(id, _)| id);
        self.rooms.get(room).into_iter().flatten().chain(own)
    }
}

impl InMemoryAdapter {
    /// An empty adapter.
    pub fn new() -> Self {
        InMemoryAdapter::default()
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Adapter for InMemoryAdapter {
    fn add_socket(&self, socket: &SocketId) {
        self.write().sockets.entry(socket.clone()).or_default();
    }

    fn add_all(&self, socket: &SocketId, rooms: &[Room]) {
        let mut state = self.write();
        let state = &mut *state;
        let joined = state.sockets.entry(socket.clone()).or_default();
        for room in rooms {
            if joined.insert(room.clone()) {
                state.rooms.entry(room.clone()).or_default().insert(socket.clone());
            }
        }
    }

    fn del(&self, socket: &SocketId, room: &Room) {
        let mut state = self.write();
        if let Some(joined) = state.sockets.get_mut(socket) {
            joined.remove(room);
        }
        if let Some(members) = state.rooms.get_mut(room) {
            members.remove(socket);
            if members.is_empty() {
                state.rooms.remove(room);
            }
        }
    }

    fn del_all(&self, socket: &SocketId) {
        let mut state = self.write();
        let Some(joined) = state.sockets.remove(socket) else {
            return;
        };
        for room in joined {
            if let Some(members) = state.rooms.get_mut(&room) {
                members.remove(socket);
                if members.is_empty() {
                    state.rooms.remove(&room);
                }
            }
        }
    }

    fn socket_rooms(&self, socket: &SocketId) -> Vec<Room> {
        self.read()
            .sockets
            .get(socket)
            .map(|rooms| rooms.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn rooms(&self) -> Vec<Room> {
        self.read().rooms.keys().cloned().collect()
    }

    fn has_room(&self, room: &str) -> bool {
        let state = self.read();
        state.rooms.contains_key(room) || state.sockets.contains_key(room)
    }

    fn local_sockets(&self, options: &BroadcastOptions) -> Vec<SocketId> {
        let state = self.read();
        let excluded: HashSet<&SocketId> = options.except.iter().flat_map(|room| state.members(room)).collect();
        if options.rooms.is_empty() {
            return state
                .sockets
                .keys()
                .filter(|id| !excluded.contains(id))
                .cloned()
                .collect();
        }
        let mut seen = HashSet::new();
        options
            .rooms
            .iter()
            .flat_map(|room| state.members(room))
            .filter(|id| !excluded.contains(id) && seen.insert(*id))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(adapter: &InMemoryAdapter, options: &BroadcastOptions) -> Vec<String> {
        let mut ids: Vec<String> = adapter.local_sockets(options).iter().map(|id| id.to_string()).collect();
        ids.sort();
        ids
    }

    fn room(name: &'static str) -> Room {
        Room::from_static(name)
    }

    #[test]
    fn rooms_union_minus_except() {
        let adapter = InMemoryAdapter::new();
        let (a, b, c) = (SocketId::generate(), SocketId::generate(), SocketId::generate());
        for id in [&a, &b, &c] {
            adapter.add_socket(id);
        }
        adapter.add_all(&a, &[room("red"), room("blue")]);
        adapter.add_all(&b, &[room("blue")]);
        let options = BroadcastOptions {
            rooms: vec![room("red"), room("blue")],
            except: vec![],
            ..Default::default()
        };
        let mut expected = vec![a.to_string(), b.to_string()];
        expected.sort();
        assert_eq!(ids(&adapter, &options), expected);

        let options = BroadcastOptions {
            except: vec![room("red")],
            ..Default::default()
        };
        let mut expected = vec![b.to_string(), c.to_string()];
        expected.sort();
        assert_eq!(ids(&adapter, &options), expected);
    }

    #[test]
    fn own_id_is_a_room() {
        let adapter = InMemoryAdapter::new();
        let (a, b) = (SocketId::generate(), SocketId::generate());
        adapter.add_socket(&a);
        adapter.add_socket(&b);
        let own = Room::from(a.to_string());
        let to_a = BroadcastOptions {
            rooms: vec![own.clone()],
            ..Default::default()
        };
        assert_eq!(ids(&adapter, &to_a), vec![a.to_string()]);
        let except_a = BroadcastOptions {
            except: vec![own],
            ..Default::default()
        };
        assert_eq!(ids(&adapter, &except_a), vec![b.to_string()]);
    }

    #[test]
    fn del_all_forgets_socket_and_empty_rooms() {
        let adapter = InMemoryAdapter::new();
        let a = SocketId::generate();
        adapter.add_all(&a, &[room("red")]);
        adapter.del_all(&a);
        assert!(adapter.socket_rooms(&a).is_empty());
        assert!(adapter.read().rooms.is_empty());
        assert!(adapter.local_sockets(&BroadcastOptions::default()).is_empty());
    }
}
