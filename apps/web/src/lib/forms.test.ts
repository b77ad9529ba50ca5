import { ZHopAnswer, ZProviderCreate, ZTracebackOpen, ZUserCreate } from '@hoptrace/contracts';
import { describe, expect, it } from 'vitest';
import { errorAt, fieldErrorsOf, listOf, problemFieldErrors } from './forms';

const errorsOf = (r: { success: boolean; error?: { issues: Parameters<typeof fieldErrorsOf>[0] } }) =>
  r.success ? {} : fieldErrorsOf(r.error!.issues);

describe('fieldErrorsOf', () => {
  it('puts a message at each field of the traceback form, in words for people', () => {
    const errors = errorsOf(
      ZTracebackOpen.safeParse({
        call: { startedAt: '2026-11-20T15:04:00Z', callingNumber: '12', calledNumber: '' },
        firstProviderId: 'not-chosen',
      }),
    );
    expect(errors).toEqual({
      'call.callingNumber': '"12" has too few digits to be a phone number',
      'call.calledNumber': '"" is empty',
      firstProviderId: 'Choose one from the list',
    });
  });

  it('names the customer and the action of an origin answer, and an upstream email', () => {
    expect(errorsOf(ZHopAnswer.safeParse({ kind: 'origin', customer: { name: '' } }))).toEqual({
      'customer.name': 'Required',
      action: 'Choose one of the options',
    });
    expect(
      errorsOf(
        ZHopAnswer.safeParse({ kind: 'upstream', upstreamProvider: { name: 'X', contactEmail: 'nope' } }),
      ),
    ).toEqual({ 'upstreamProvider.contactEmail': 'Enter an email address, like desk@carrier.example' });
  });

  it('keeps the contracts’ own messages (OCN format, provider binding, password length)', () => {
    const provider = errorsOf(ZProviderCreate.safeParse({ name: 'Fictional', ocns: ['12'] }));
    expect(provider).toEqual({ 'ocns.0': 'an OCN is four letters or digits, e.g. 1234 or 567F' });
    expect(errorAt(provider, 'ocns')).toBe('an OCN is four letters or digits, e.g. 1234 or 567F');
    const user = errorsOf(
      ZUserCreate.safeParse({ email: 'a@b.example', name: 'A', role: 'provider', password: 'short' }),
    );
    expect(user).toEqual({
      password: 'must be at least 12 characters',
      providerId: 'a provider user must name its provider',
    });
  });
});

describe('problemFieldErrors', () => {
  it('maps the API’s field paths onto the form’s, first message per field', () => {
    expect(
      problemFieldErrors({
        type: 'urn:hoptrace:problem:invalid-request',
        title: 'The request is not valid',
        status: 400,
        errors: [
          { path: 'call.startedAt', message: 'is in the future' },
          { path: 'query.number', message: 'is not a phone number' },
          { path: 'call.startedAt', message: 'second message' },
          { path: '', message: 'the body is empty' },
        ],
      }),
    ).toEqual({
      'call.startedAt': 'Is in the future',
      number: 'Is not a phone number',
      '(form)': 'The body is empty',
    });
    expect(problemFieldErrors(null)).toEqual({});
  });
});

describe('listOf', () => {
  it('splits on commas and new lines, dropping blanks', () => {
    expect(listOf(' 1234, 567F,,\n89AB ')).toEqual(['1234', '567F', '89AB']);
    expect(listOf('')).toEqual([]);
  });
});
