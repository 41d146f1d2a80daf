/**
 * The session ledger: open, close, list, recover (PROTOCOL §8).
 */
export * from './records.js';
export * from './recover.js';
