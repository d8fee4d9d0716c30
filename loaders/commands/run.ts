// Placeholder until the run command lands; exits non-zero so nothing mistakes it for done.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write("em run: not implemented yet\n");
  return 1;
}
