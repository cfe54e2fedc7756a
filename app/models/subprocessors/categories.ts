/** The registry's groups (migration 0060 holds the same list); their words are in the catalogs (`categories.*`). */
export const REGISTRY_CATEGORIES = ['infrastructure', 'support', 'payments', 'affiliates', 'other'] as const;
export type RegistryCategory = (typeof REGISTRY_CATEGORIES)[number];
