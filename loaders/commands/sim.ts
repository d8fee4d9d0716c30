// Placeholder until the sim command lands; exits non-zero so nothing mistakes it for done.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write("em sim: not implemented yet\n");
  return 1;
}
