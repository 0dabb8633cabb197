/**
 * Billing types, plans, money arithmetic and permissions shared by the billing front and back end.
 * @packageDocumentation
 */
export * from './plans';
export * from './money';
export * from './period';
export * from './permissions';
export * from './types';
