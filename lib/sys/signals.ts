/** Linux's signal numbers, 1 to 31 (the same on x86_64 and aarch64). */

const NAMES =
  `HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM
STKFLT CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS`;

export const SIGNAL_NUMBERS: Readonly<Record<string, number>> = Object
  .fromEntries(NAMES.split(/\s+/).map((name, i) => [`SIG${name}`, i + 1]));
