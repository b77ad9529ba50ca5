/**
 * Numbers are stored in E.164; people read North American numbers as
 * `+1 202-555-0143`. Other countries' numbers stay in E.164, which is
 * unambiguous without a per-country table.
 */
export function formatPhone(e164: string): string {
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return nanp ? `+1 ${nanp[1]}-${nanp[2]}-${nanp[3]}` : e164;
}
