// Which deaths the arm64 guest retries (docs/arm64.md): only a death by signal, the emulation
// faults Node hits now and then under arm64 TCG; an exit status, 70 included, is the daemon's answer.
export const emulationFault = (_status: number | null, signal: string | null): boolean => signal !== null;
