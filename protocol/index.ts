/**
 * The chat's line protocol: the one implementation of docs/PROTOCOL.md,
 * imported by the server, the gateway and the page through this one path.
 *
 * Pure code only (no Node or DOM APIs: tsconfig.json here has neither), so
 * both sides agree byte for byte and the page cannot pull server code in.
 */
export * from './names.ts';
export * from './name-identity.ts';
export * from './text.ts';
export * from './client-lines.ts';
export * from './server-lines.ts';
export * from './session-token.ts';
