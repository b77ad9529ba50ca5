import { describe, expect, it } from 'vitest';
import { isNeighbourSpoof } from './callerId';

describe('isNeighbourSpoof', () => {
  it('is true when the caller ID shares the called number’s NPA-NXX', () => {
    expect(isNeighbourSpoof('+12025550143', '+12025559876')).toBe(true);
  });
  it.each([
    ['+12025550143', '+12025560143'],
    ['+13035550143', '+12025550143'],
    [null, '+12025550143'],
    ['+12025550143', undefined],
    ['+442079460958', '+442079460000'],
    ['garbage', '+12025550143'],
  ])('is false for %s → %s', (a, b) => {
    expect(isNeighbourSpoof(a, b)).toBe(false);
  });
});
