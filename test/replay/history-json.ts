import { createRequire } from 'node:module';
import type * as Proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root.js';

type History = Proto.temporal.api.history.v1.IHistory;
interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

/*
 * @temporalio/common's historyToJSON/historyFromJSON fail here ("type must be a Type"): npm installs
 * one protobufjs 8 for @temporalio/common and another for @temporalio/proto (the root keeps v7 for
 * other packages), and protojson checks the proto root's types with instanceof. The same
 * conversion, with the protojson of the protobufjs copy @temporalio/proto's root was built with.
 */
const require = createRequire(import.meta.url);
// The CommonJS module object: an ESM namespace has no constructors for patchProtobufRoot to walk.
const proto = require('@temporalio/proto') as typeof Proto;
const protojson = createRequire(require.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as ProtoJson;
const root = patchProtobufRoot(proto as unknown as Record<string, unknown>) as unknown as { lookupType(name: string): unknown };
const historyType = root.lookupType('temporal.api.history.v1.History');

/**
 * A history as Temporal's tools export it (proto3 JSON: `temporal workflow show --output json`),
 * one event a line: a third the size of indented JSON, and a re-recording diffs event by event.
 */
export function historyToJson(history: History): string {
  const json = protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)) as { events: unknown[] };
  return `{"events": [\n${json.events.map((event) => JSON.stringify(event)).join(',\n')}\n]}`;
}

/** The history in a proto3 JSON export (unknown fields ignored, as a newer server may add some). */
export function historyFromJson(json: unknown): History {
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}

/** An event type's name without its prefix (ACTIVITY_TASK_SCHEDULED), from the number a decoded history holds. */
export function eventTypeName(eventType: number | string | null | undefined): string {
  const name = typeof eventType === 'number' ? proto.temporal.api.enums.v1.EventType[eventType] : eventType;
  return String(name ?? 'UNKNOWN').replace(/^EVENT_TYPE_/, '');
}
