/** Neighbour spoofing: the caller ID shares the called number's NPA-NXX (both NANP, E.164). */
export function isNeighbourSpoof(
  callingNumber: string | null | undefined,
  calledNumber: string | null | undefined,
): boolean {
  const calling = nanp(callingNumber);
  const called = nanp(calledNumber);
  return calling !== null && called !== null && calling.slice(0, 6) === called.slice(0, 6);
}

function nanp(e164: string | null | undefined): string | null {
  if (!e164) return null;
  const m = /^\+1([2-9]\d{2}[2-9]\d{6})$/.exec(e164.trim());
  return m ? (m[1] as string) : null;
}
