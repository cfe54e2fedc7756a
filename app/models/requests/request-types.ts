import { en } from '~/locales/en';

/**
 * What a person may ask for and the choices the request form offers: plain values, shared by
 * the browser and the server (no zod here: validation lives in intake-rules.server.ts). Their
 * words are in the catalogs (requestTypes.*, formats.*, relationships.*).
 */
export const REQUEST_TYPE_VALUES = ['access', 'rectification', 'erasure', 'restriction', 'portability', 'objection'] as const;
export type RequestTypeValue = (typeof REQUEST_TYPE_VALUES)[number];

export const PREFERRED_FORMATS = ['json', 'csv', 'pdf'] as const;
export type PreferredFormat = (typeof PREFERRED_FORMATS)[number];

/** Formats matter for the rights that hand data over. */
export const FORMAT_TYPES: readonly RequestTypeValue[] = ['access', 'portability'];

export const AGENT_RELATIONSHIPS = ['parent', 'lawyer', 'power_of_attorney', 'relative', 'other'] as const;
export type AgentRelationship = (typeof AGENT_RELATIONSHIPS)[number];

/** The English labels, for staff pages (which stay English); subjects read `requestTypes.*` in their language. */
export const REQUEST_TYPES = REQUEST_TYPE_VALUES.map((value) => ({ value, ...en.requestTypes[value] }));

export function requestTypeLabel(type: string): string {
  return (en.requestTypes as Record<string, { label: string } | undefined>)[type]?.label ?? type;
}
