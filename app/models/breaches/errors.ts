/**
 * A write the register refuses, with what to show: a message per form field and/or one for
 * the whole form. Routes answer it with 400 and the form as typed.
 */
export class BreachRuleError extends Error {
  override name = 'BreachRuleError';
  constructor(
    readonly fieldErrors: Record<string, string>,
    readonly formError?: string,
  ) {
    super(formError ?? Object.values(fieldErrors)[0] ?? 'refused');
  }
}

/** The form was made from an older version of the breach (someone else changed it since): 409. */
export class StaleBreachError extends Error {
  override name = 'StaleBreachError';
  constructor() {
    super('This breach was changed after you opened the form. Your changes were not saved; the page now shows the current record.');
  }
}
