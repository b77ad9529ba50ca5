import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { InvalidInputError } from './errors';

/**
 * zxcvbn's score a password must reach: 3 is "safely unguessable" (about 10^10 guesses or more),
 * which rules out the common-password lists, dictionary words with the usual substitutions,
 * keyboard walks, repeats and dates, and the user's own name and email (decision 0019).
 */
export const MIN_PASSWORD_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;

/** Built on first use: the dictionaries take a few hundred milliseconds to load. */
function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  });
  return estimator;
}

/** Why a password is too easy to guess, or null when it is strong enough. */
export function weakPasswordReason(
  password: string,
  userInputs: Array<string | null | undefined> = [],
): string | null {
  const inputs = userInputs.flatMap((v) =>
    v ? [v, ...v.split(/[@.\s_-]+/).filter((p) => p.length >= 3)] : [],
  );
  const result = zxcvbn().check(password, inputs);
  if (result.score >= MIN_PASSWORD_SCORE) return null;
  const why = result.feedback.warning ?? result.feedback.suggestions[0] ?? null;
  return `is too easy to guess${why ? ` (${why.replace(/\.$/, '').toLowerCase()})` : ''}; use a longer passphrase of unrelated words`;
}

/** Refuses a password that is common or easy to guess, naming the field it came in. */
export function assertStrongPassword(
  field: string,
  password: string,
  userInputs: Array<string | null | undefined> = [],
): void {
  const reason = weakPasswordReason(password, userInputs);
  if (reason) throw InvalidInputError.field(field, reason);
}
