/** Permanent slot names Patroni accepts (dcs.md §1). */
const VALID_SLOT_NAME = /^[a-z0-9_]{1,63}$/;

export const MAX_SLOT_NAME_LENGTH = 63;

/**
 * The replication slot name Patroni derives from a member name (`slot_name_from_member_name`):
 * lower-case; `-` and `.` become `_`; any other character outside `[a-z0-9_]` becomes `u` + its code point
 * as at least 4 decimal digits; truncated to 63 characters.
 */
export function slotNameFromMemberName(memberName: string): string {
  let slot = '';
  for (const char of memberName.toLowerCase()) {
    if (/^[a-z0-9_]$/.test(char)) slot += char;
    else if (char === '-' || char === '.') slot += '_';
    else slot += `u${String(char.codePointAt(0) ?? 0).padStart(4, '0')}`;
  }
  return slot.slice(0, MAX_SLOT_NAME_LENGTH);
}

export function isValidSlotName(name: string): boolean {
  return VALID_SLOT_NAME.test(name);
}
