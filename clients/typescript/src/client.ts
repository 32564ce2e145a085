// A minimal typed GraphQL client for the six flows: `execute` POSTs a generated
// TypedDocumentString over HTTP; `subscribe` speaks graphql-transport-ws. The result and
// variables types come from the document, so every flow below is checked by tsc --strict.
import type { TypedDocumentString } from "./generated/graphql";

export interface ClientOptions {
  /** e.g. "http://localhost:8000/graphql" */
  readonly url: string;
  /** An API token (`frontdesk tokens create`), sent as `Authorization: Bearer …`. */
  readonly token: string;
}

/** A top-level GraphQL error: not a user's mistake (auth, limits, outages, bad ids …). */
export interface TopLevelError {
  readonly message: string;
  readonly path?: ReadonlyArray<string | number>;
  readonly extensions?: { readonly code?: string; readonly [key: string]: unknown };
}

export class GraphQLRequestError extends Error {
  constructor(readonly errors: ReadonlyArray<TopLevelError>) {
    super(errors.map((e) => `${e.extensions?.code ?? "ERROR"}: ${e.message}`).join("; "));
  }
}

interface Response<TResult> {
  data?: TResult | null;
  errors?: TopLevelError[];
}

// Operations without variables take none; others require theirs.
type VariablesArg<TVariables> = keyof TVariables extends never ? [variables?: TVariables] : [variables: TVariables];

export async function execute<TResult, TVariables>(
  options: ClientOptions,
  document: TypedDocumentString<TResult, TVariables>,
  ...[variables]: VariablesArg<TVariables>
): Promise<TResult> {
  const response = await fetch(options.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      authorization: `Bearer ${options.token}`,
    },
    body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
  });
  const body = (await response.json()) as Response<TResult>;
  if (body.errors?.length) throw new GraphQLRequestError(body.errors);
  if (body.data == null) throw new GraphQLRequestError([{ message: `HTTP ${response.status}, no data` }]);
  return body.data;
}

/** The payload shape every Schema 1.0 mutation shares: typed `userErrors`. */
export interface UserErrorOf<TCode extends string> {
  readonly field: ReadonlyArray<string> | null;
  readonly message: string;
  readonly code: TCode;
  readonly rule: string | null;
}

/** Field path → messages, for highlighting form inputs (`["input", "phone"]` → "phone"). */
export function formErrors<TCode extends string>(
  errors: ReadonlyArray<UserErrorOf<TCode>>,
): Map<string, string[]> {
  const byField = new Map<string, string[]>();
  for (const error of errors) {
    const key = error.field?.slice(1).join(".") || "";
    byField.set(key, [...(byField.get(key) ?? []), error.message]);
  }
  return byField;
}

export interface Subscription {
  close(): void;
}

/** One subscription over graphql-transport-ws; `onData` gets each typed event in order. */
export function subscribe<TResult, TVariables>(
  options: ClientOptions,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  onData: (data: TResult) => void,
  onError: (error: Error) => void,
): Subscription {
  const socket = new WebSocket(options.url.replace(/^http/, "ws"), "graphql-transport-ws");
  const id = "1";
  socket.onopen = () => {
    socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${options.token}` } }));
  };
  socket.onmessage = (event: MessageEvent<string>) => {
    const message = JSON.parse(event.data) as
      | { type: "connection_ack" }
      | { type: "ping" }
      | { type: "next"; id: string; payload: Response<TResult> }
      | { type: "error"; id: string; payload: TopLevelError[] }
      | { type: "complete"; id: string };
    switch (message.type) {
      case "connection_ack":
        socket.send(JSON.stringify({ id, type: "subscribe", payload: { query: document.toString(), variables } }));
        break;
      case "ping":
        socket.send(JSON.stringify({ type: "pong" }));
        break;
      case "next":
        if (message.payload.errors?.length) onError(new GraphQLRequestError(message.payload.errors));
        else if (message.payload.data != null) onData(message.payload.data);
        break;
      case "error":
        onError(new GraphQLRequestError(message.payload));
        break;
      case "complete":
        socket.close(1000);
        break;
      default:
        return assertNever(message);
    }
  };
  socket.onclose = (event: CloseEvent) => {
    if (event.code !== 1000) onError(new Error(`subscription closed: ${event.code} ${event.reason}`));
  };
  return {
    close() {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id, type: "complete" }));
      socket.close(1000);
    },
  };
}

/** Exhaustiveness: a switch that misses a member of a union fails to compile here. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
