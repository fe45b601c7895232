import type { Client } from './client.js';

/** Every connected client, for CLIENT LIST/KILL and INFO clients. */
export class ClientRegistry {
  private readonly clients = new Map<number, Client>();
  private lastId = 0;
  connectionsReceived = 0;
  rejectedConnections = 0;

  nextId(): number {
    return ++this.lastId;
  }

  add(client: Client): void {
    this.clients.set(client.id, client);
    this.connectionsReceived++;
  }

  remove(client: Client): void {
    this.clients.delete(client.id);
  }

  get size(): number {
    return this.clients.size;
  }

  all(): IterableIterator<Client> {
    return this.clients.values();
  }

  byId(id: number): Client | undefined {
    return this.clients.get(id);
  }
}
