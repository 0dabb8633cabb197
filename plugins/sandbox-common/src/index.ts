/**
 * Types, zod schemas and permissions shared by the sandbox frontend and backend.
 *
 * @packageDocumentation
 */
export * from './types';
export * from './schemas';
export * from './permissions';
export * from './links';
export * from './workspaces';
export * from './backups';
export * from './apikeys';
